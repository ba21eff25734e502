// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration file reader: see conffile.h and wfpredir.conf(5).
 */
#include "conffile.h"

#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Words per line: a rule has fewer than 30. */
#define CONF_WORDS_MAX 64

static int cerr(char *err, size_t errlen, const struct conf_where *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int cerr(char *err, size_t errlen, const struct conf_where *at, const char *fmt, ...)
{
	int n = snprintf(err, errlen, "%s:%u: ", at->file, at->line);
	va_list ap;

	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

void conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
}

void conf_free(struct conf *c)
{
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	free(c->objs);
	free(c->tables);
	conf_init(c);
}

/* A copy of name that lives as long as c. */
static const char *conf_file(struct conf *c, const char *name)
{
	char **files = realloc(c->files, (c->n_files + 1) * sizeof(*files));

	if (!files)
		return NULL;
	c->files = files;
	files[c->n_files] = strdup(name);
	return files[c->n_files] ? files[c->n_files++] : NULL;
}

static struct conf_obj *conf_push(struct conf *c)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct conf_obj *objs = realloc(c->objs, cap * sizeof(*objs));

		if (!objs)
			return NULL;
		c->objs = objs;
		c->cap = cap;
	}
	memset(&c->objs[c->n], 0, sizeof(c->objs[c->n]));
	return &c->objs[c->n++];
}

/* Note that the file names table; 0 or -1 without memory. */
static int conf_name_table(struct conf *c, const char *table, const struct conf_where *at)
{
	for (size_t i = 0; i < c->n_tables; i++)
		if (!strcmp(c->tables[i].name, table))
			return 0;
	if (c->n_tables == c->cap_tables) {
		size_t cap = c->cap_tables ? 2 * c->cap_tables : 8;
		struct conf_table *t = realloc(c->tables, cap * sizeof(*t));

		if (!t)
			return -1;
		c->tables = t;
		c->cap_tables = cap;
	}
	snprintf(c->tables[c->n_tables].name, sizeof(c->tables[0].name), "%s", table);
	c->tables[c->n_tables++].at = *at;
	return 0;
}

static bool blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Where a line ends: getline() keeps its "\n" or "\r\n". */
static bool line_end(const char *p)
{
	return !*p || *p == '\n' || (*p == '\r' && (!p[1] || p[1] == '\n'));
}

/*
 * The quoted word at *pp (at its '"'), unquoted in place (it only gets
 * shorter); *pp ends after the closing quote. 0, or -1 with a message.
 */
static int unquote(char **pp, int word, char *err, size_t errlen)
{
	char *p = *pp + 1, *o = *pp;

	for (; *p != '"'; p++) {
		if (*p == '\\') {
			p++;
			if (!line_end(p) && *p != '"' && *p != '\\') {
				snprintf(
					err, errlen,
					"unknown escape \"\\%c\" in word %d (in quotes, a backslash "
					"escapes only '\"' and '\\')",
					(unsigned char)*p < ' ' ? '?' : *p, word);
				return -1;
			}
		}
		if (line_end(p)) {
			snprintf(err, errlen, "unterminated quote in word %d", word);
			return -1;
		}
		*o++ = *p;
	}
	*o = '\0';
	*pp = p + 1;
	if (!line_end(*pp) && !blank(**pp)) {
		snprintf(err, errlen, "expected a blank after the closing quote of word %d", word);
		return -1;
	}
	return 0;
}

int conf_split(char *line, char **words, int max, char *err, size_t errlen)
{
	char *p = line;
	int n = 0;

	for (;;) {
		while (blank(*p))
			p++;
		if (!*p || *p == '#')
			return n;
		if (n == max) {
			snprintf(err, errlen, "too many words (at most %d)", max);
			return -1;
		}
		words[n] = p;
		if (*p == '"') {
			if (unquote(&p, n + 1, err, errlen))
				return -1;
			n++;
			continue;
		}
		while (*p && !blank(*p) && *p != '"')
			p++;
		if (*p == '"') {
			snprintf(err, errlen, "'\"' inside word %d (quote the whole word: \"...\")",
				 n + 1);
			return -1;
		}
		if (*p)
			*p++ = '\0';
		n++;
	}
}

static int conf_include(struct conf *c, const char *pattern, const char *dir,
			const struct conf_where *at, char *err, size_t errlen);

/* One command line; table is the current table, changed by "table NAME". */
static int conf_line(struct conf *c, char *line, char *table, const char *dir,
		     const struct conf_where *at, char *err, size_t errlen)
{
	char perrbuf[PARSE_ERR_MAX], own[WFPREDIR_TABLE_NAME_MAX];
	char *w[CONF_WORDS_MAX];
	struct conf_obj *o;
	int n, has;

	n = conf_split(line, w, CONF_WORDS_MAX, perrbuf, sizeof(perrbuf));
	if (n < 0)
		return cerr(err, errlen, at, "%s", perrbuf);
	if (!n)
		return 0;
	if (!strcmp(w[0], "table")) {
		if (n != 2)
			return cerr(err, errlen, at, "expected \"table NAME\"");
		if (parse_table_name(w[1], perrbuf, sizeof(perrbuf)))
			return cerr(err, errlen, at, "%s", perrbuf);
		strcpy(table, w[1]);
		return conf_name_table(c, table, at) ? cerr(err, errlen, at, "out of memory") : 0;
	}
	if (!strcmp(w[0], "include")) {
		if (n != 2)
			return cerr(err, errlen, at, "expected \"include GLOB\"");
		return conf_include(c, w[1], dir, at, err, errlen);
	}
	if (n < 2 || strcmp(w[1], (!strcmp(w[0], "config") ? "set" : "add")) ||
	    (strcmp(w[0], "service") && strcmp(w[0], "rule") && strcmp(w[0], "config")))
		return cerr(err, errlen, at,
			    "unknown command \"%s%s%s\" (a file takes table, include, service add, "
			    "rule add and config set)",
			    w[0], n > 1 ? " " : "", n > 1 ? w[1] : "");
	n -= 2;
	/* "table NAME" in the command itself wins over the table line. */
	has = strcmp(w[0], "config") ? extract_table(&n, w + 2, !strcmp(w[0], "service") ? 1 : 0,
						     own, perrbuf, sizeof(perrbuf))
				     : 0;
	if (has < 0)
		return cerr(err, errlen, at, "%s", perrbuf);
	o = conf_push(c);
	if (!o)
		return cerr(err, errlen, at, "out of memory");
	o->at = *at;
	snprintf(o->table, sizeof(o->table), "%s", has ? own : table);
	if (!strcmp(w[0], "service")) {
		o->kind = CONF_SERVICE;
		if (parse_service_add(n, w + 2, &o->u.svc, perrbuf, sizeof(perrbuf)))
			goto bad;
	} else if (!strcmp(w[0], "rule")) {
		o->kind = CONF_RULE;
		if (parse_rule_add(n, w + 2, &o->u.r.rule, &o->u.r.ref, perrbuf, sizeof(perrbuf)))
			goto bad;
		o->u.r.rule.service_id = o->u.r.ref.id;
	} else {
		o->kind = CONF_CONFIG;
		if (parse_config_set(n, w + 2, &o->u.cfg, perrbuf, sizeof(perrbuf)))
			goto bad;
	}
	if (o->kind != CONF_CONFIG && conf_name_table(c, o->table, at))
		return cerr(err, errlen, at, "out of memory");
	return 0;
bad:
	c->n--;
	return cerr(err, errlen, at, "%s", perrbuf);
}

static int conf_read(struct conf *c, const char *name, const char *dir, FILE *f, char *err,
		     size_t errlen)
{
	char table[WFPREDIR_TABLE_NAME_MAX] = WFPREDIR_TABLE_DEFAULT;
	struct conf_where at = { conf_file(c, name), 0 };
	size_t cap = 0;
	char *line = NULL;
	int rc = 0;

	if (!at.file) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	while (getline(&line, &cap, f) >= 0) {
		at.line++;
		rc = conf_line(c, line, table, dir, &at, err, errlen);
		if (rc)
			break;
	}
	free(line);
	if (!rc && ferror(f)) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		rc = -1;
	}
	return rc;
}

/* Read one file; its includes are relative to its directory. */
static int conf_read_path(struct conf *c, const char *path, const struct conf_where *from,
			  char *err, size_t errlen)
{
	char real[PATH_MAX], dir[PATH_MAX];
	FILE *f;
	int rc;

	if (!realpath(path, real)) {
		if (from)
			return cerr(err, errlen, from, "cannot include %s: %s", path,
				    strerror(errno));
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < c->depth; i++)
		if (!strcmp(c->stack[i], real))
			return cerr(err, errlen, from, "include loop: %s includes itself", path);
	if (c->depth >= CONF_INCLUDE_DEPTH)
		return cerr(err, errlen, from, "includes nested deeper than %d",
			    CONF_INCLUDE_DEPTH);
	f = fopen(path, "r");
	if (!f) {
		if (from)
			return cerr(err, errlen, from, "cannot include %s: %s", path,
				    strerror(errno));
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", real);
	c->stack[c->depth++] = real;
	rc = conf_read(c, path, dirname(dir), f, err, errlen);
	c->depth--;
	fclose(f);
	return rc;
}

/*
 * GLOB, relative to dir unless absolute; matches in sorted order (glob()
 * sorts), and a pattern without a match includes nothing, so an empty
 * conf.d is no error. A name without wildcards must exist.
 */
static int conf_include(struct conf *c, const char *pattern, const char *dir,
			const struct conf_where *at, char *err, size_t errlen)
{
	char full[PATH_MAX];
	glob_t g;
	int rc;

	if (pattern[0] == '/')
		snprintf(full, sizeof(full), "%s", pattern);
	else if ((size_t)snprintf(full, sizeof(full), "%s/%s", dir, pattern) >= sizeof(full))
		return cerr(err, errlen, at, "include path too long");
	rc = glob(full, 0, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		if (!strpbrk(pattern, "*?["))
			return cerr(err, errlen, at, "cannot include %s: %s", full,
				    strerror(ENOENT));
		return 0;
	}
	if (rc)
		return cerr(err, errlen, at, "cannot include %s", full);
	rc = 0;
	for (size_t i = 0; i < g.gl_pathc && !rc; i++)
		rc = conf_read_path(c, g.gl_pathv[i], at, err, errlen);
	globfree(&g);
	return rc;
}

int conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	char cwd[PATH_MAX];

	if (strcmp(path, "-"))
		return conf_read_path(c, path, NULL, err, errlen);
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), ".");
	return conf_read(c, "<stdin>", cwd, stdin, err, errlen);
}

int conf_load_text(struct conf *c, const char *name, const char *dir, const char *text, char *err,
		   size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	if (!f) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	rc = conf_read(c, name, dir, f, err, errlen);
	fclose(f);
	return rc;
}
