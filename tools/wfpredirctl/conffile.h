/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The configuration file (wfpredir.conf(5)): wfpredirctl commands without the
 * program name, "table NAME" lines and "include GLOB" lines, read into a list
 * of objects that one transaction applies. No netlink here: the unit tests
 * link this file (tests/unit/test_conffile.c).
 */
#ifndef WFPREDIRCTL_CONFFILE_H
#define WFPREDIRCTL_CONFFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "parse.h"

/* Includes nest at most this deep (a loop is refused before). */
#define CONF_INCLUDE_DEPTH 16

enum conf_kind {
	CONF_SERVICE,
	CONF_RULE,
	CONF_CONFIG,
};

/* Where an object or a table was written. */
struct conf_where {
	const char *file; /* one of conf.files */
	unsigned int line;
};

struct conf_obj {
	enum conf_kind kind;
	char table[WFPREDIR_TABLE_NAME_MAX];
	struct conf_where at;
	union {
		struct wfpredir_service svc;
		struct {
			struct wfpredir_rule rule;
			struct service_ref ref; /* by name when ref.id is 0 */
		} r;
		struct wfpredir_config cfg;
	} u;
};

struct conf_table {
	char name[WFPREDIR_TABLE_NAME_MAX];
	struct conf_where at; /* where it was first named */
};

struct conf {
	struct conf_obj *objs;
	size_t n, cap;
	struct conf_table *tables; /* every table the file names, in order */
	size_t n_tables, cap_tables;
	char **files; /* every file read, for conf_where */
	size_t n_files;
	const char *stack[CONF_INCLUDE_DEPTH + 1]; /* real paths being read */
	size_t depth;
};

void conf_init(struct conf *c);
void conf_free(struct conf *c);

/*
 * Read path ("-": standard input) and what it includes into c. 0, or -1
 * with "FILE:LINE: message" in err.
 */
int conf_load(struct conf *c, const char *path, char *err, size_t errlen);

/*
 * Split line into words, in place: blanks (space, tab, CR, LF) separate
 * them, an unquoted '#' at the start of a word begins a comment, and a word
 * in double quotes may hold anything but a line break, with \" for '"' and
 * \\ for '\'. At most max words. The count, or -1 with a message in err
 * (an unterminated quote, an unknown escape, too many words).
 */
int conf_split(char *line, char **words, int max, char *err, size_t errlen);

/* The same for text in memory; name stands for the file in messages, and
 * relative includes are taken from dir. */
int conf_load_text(struct conf *c, const char *name, const char *dir, const char *text, char *err,
		   size_t errlen);

#endif
