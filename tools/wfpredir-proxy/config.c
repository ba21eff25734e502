// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredir-proxy: the options. One table serves the command line and the
 * configuration file (-c FILE), so an option has one name, one syntax and
 * one validation wherever it is given. The file has one "OPTION [VALUE]"
 * a line, OPTION a long option's name without the dashes; "#" starts a
 * comment at the beginning of a line or after blanks. A configuration is
 * the defaults, then the file, then the command line (config_merge()); a
 * reload repeats the same steps, so the command line keeps winning.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

struct opt_desc {
	const char *name;
	bool value;
};

static const struct opt_desc opts[OPT_COUNT] = {
	[OPT_TCP] = { "tcp", true },
	[OPT_UDP] = { "udp", true },
	[OPT_NAME] = { "name", true },
	[OPT_DROP_RECORDS] = { "drop-records", false },
	[OPT_REQUIRE_RECORDS] = { "require-records", false },
	[OPT_WSAIOCTL] = { "wsaioctl", false },
	[OPT_TO] = { "to", true },
	/* On the command line -v counts; in a file it takes a level, default 1. */
	[OPT_VERBOSE] = { "verbose", false },
	[OPT_LOG] = { "log", true },
	[OPT_PIDFILE] = { "pidfile", true },
	[OPT_MAX_CONNS] = { "max-conns", true },
	[OPT_UDP_IDLE] = { "udp-idle", true },
	[OPT_CONNECT_TIMEOUT] = { "connect-timeout", true },
	[OPT_DRAIN_TIMEOUT] = { "drain-timeout", true },
};

const char *config_opt_name(enum config_opt opt)
{
	return opts[opt].name;
}

bool config_opt_has_value(enum config_opt opt)
{
	return opts[opt].value;
}

/* Return: the option called name, or -1. */
int config_opt_lookup(const char *name)
{
	for (int i = 0; i < OPT_COUNT; i++)
		if (!strcmp(opts[i].name, name))
			return i;
	return -1;
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->name, sizeof(cfg->name), "%s", PROG);
	cfg->max_conns = 1024;
	cfg->udp_idle = 60;
	cfg->connect_timeout = 10;
	cfg->drain_timeout = 10;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int parse_uint(const char *arg, unsigned int min, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end || errno || v < min || v > max)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

static int copy_path(char *dst, size_t size, const char *value)
{
	if (!value[0] || strlen(value) >= size)
		return -1;
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

static int add_listener(struct config *cfg, int proto, const char *opt, const char *value,
			char *err, size_t errlen)
{
	struct listen_spec *ls;

	if (cfg->n_listen == PROXY_MAX_LISTENERS)
		return fail(err, errlen, "%s %s: at most %d listeners", opt, value,
			    PROXY_MAX_LISTENERS);
	ls = &cfg->listen[cfg->n_listen];
	if (addr_parse(value, &ls->addr))
		return fail(err, errlen, "%s: bad address '%s': want ADDR:PORT or [ADDR6]:PORT",
			    opt, value);
	ls->proto = proto;
	for (size_t i = 0; i < cfg->n_listen; i++)
		if (cfg->listen[i].proto == proto && addr_port(&ls->addr) &&
		    addr_equal(&cfg->listen[i].addr, &ls->addr))
			return fail(err, errlen, "%s: '%s' is given twice", opt, value);
	cfg->n_listen++;
	return 0;
}

/*
 * Set one option from its text. dashes is "--" on the command line and ""
 * in a file, so that messages name the option as it was written. value is
 * NULL for an option without one (verbose: one more level).
 * Return: 0, or -1 with a message in err.
 */
int config_set(struct config *cfg, enum config_opt opt, const char *value, const char *dashes,
	       char *err, size_t errlen)
{
	static const struct {
		unsigned int min, max;
	} range[OPT_COUNT] = {
		[OPT_MAX_CONNS] = { 1, 1000000 },
		[OPT_UDP_IDLE] = { 1, 86400 },
		[OPT_CONNECT_TIMEOUT] = { 1, 3600 },
		[OPT_DRAIN_TIMEOUT] = { 0, 3600 },
		[OPT_VERBOSE] = { 0, 2 },
	};
	char opt_name[40];
	unsigned int *uval = NULL, v;

	snprintf(opt_name, sizeof(opt_name), "%s%s", dashes, opts[opt].name);
	cfg->set |= 1u << opt;
	switch (opt) {
	case OPT_TCP:
		return add_listener(cfg, IPPROTO_TCP, opt_name, value, err, errlen);
	case OPT_UDP:
		return add_listener(cfg, IPPROTO_UDP, opt_name, value, err, errlen);
	case OPT_NAME:
		if (!value[0] || strlen(value) > CONFIG_NAME_MAX || strpbrk(value, " \t\r\n"))
			return fail(err, errlen,
				    "%s: '%s' is not a name (1 to %d characters, no spaces)",
				    opt_name, value, CONFIG_NAME_MAX);
		memcpy(cfg->name, value, strlen(value) + 1);
		return 0;
	case OPT_DROP_RECORDS:
		cfg->drop_records = true;
		return 0;
	case OPT_REQUIRE_RECORDS:
		cfg->require_records = true;
		return 0;
	case OPT_WSAIOCTL:
		cfg->wsaioctl = true;
		return 0;
	case OPT_TO:
		if (addr_parse(value, &cfg->to) || !addr_port(&cfg->to))
			return fail(
				err, errlen,
				"%s: bad address '%s': want ADDR:PORT or [ADDR6]:PORT, port not 0",
				opt_name, value);
		cfg->have_to = true;
		return 0;
	case OPT_VERBOSE:
		if (!value) {
			cfg->verbose++;
			return 0;
		}
		if (parse_uint(value, range[opt].min, range[opt].max, &v))
			return fail(err, errlen, "%s: '%s' is not a level from 0 to 2", opt_name,
				    value);
		cfg->verbose = (int)v;
		return 0;
	case OPT_LOG:
		if (copy_path(cfg->log_path, sizeof(cfg->log_path), value))
			return fail(err, errlen, "%s: '%s' is not a file name", opt_name, value);
		return 0;
	case OPT_PIDFILE:
		if (copy_path(cfg->pidfile, sizeof(cfg->pidfile), value))
			return fail(err, errlen, "%s: '%s' is not a file name", opt_name, value);
		return 0;
	case OPT_MAX_CONNS:
		uval = &cfg->max_conns;
		break;
	case OPT_UDP_IDLE:
		uval = &cfg->udp_idle;
		break;
	case OPT_CONNECT_TIMEOUT:
		uval = &cfg->connect_timeout;
		break;
	case OPT_DRAIN_TIMEOUT:
		uval = &cfg->drain_timeout;
		break;
	case OPT_COUNT:
		break;
	}
	if (!uval)
		return fail(err, errlen, "%s: not an option", opt_name);
	if (parse_uint(value, range[opt].min, range[opt].max, uval))
		return fail(err, errlen, "%s: '%s' is not a number from %u to %u", opt_name, value,
			    range[opt].min, range[opt].max);
	return 0;
}

/* One line of a file, comments and blanks stripped. Return: 0 or -1. */
static int config_line(struct config *cfg, char *line, char *err, size_t errlen)
{
	char *name, *value, *end;
	int opt;

	for (char *p = line; *p; p++) {
		if (*p == '#' && (p == line || *(p - 1) == ' ' || *(p - 1) == '\t')) {
			*p = '\0';
			break;
		}
	}
	name = line + strspn(line, " \t");
	end = name + strlen(name);
	while (end > name && strchr(" \t\r\n", end[-1]))
		*--end = '\0';
	if (!*name)
		return 0;
	value = name + strcspn(name, " \t");
	if (*value) {
		*value++ = '\0';
		value += strspn(value, " \t");
	}
	opt = config_opt_lookup(name);
	if (opt < 0)
		return fail(err, errlen, "unknown option '%s'", name);
	if (opts[opt].value && !*value)
		return fail(err, errlen, "%s needs a value", name);
	if (!opts[opt].value && *value && opt != OPT_VERBOSE)
		return fail(err, errlen, "%s takes no value, got '%s'", name, value);
	/* "verbose" alone is level 1, not one more than an earlier line. */
	if (opt == OPT_VERBOSE && !*value)
		value = "1";
	return config_set(cfg, (enum config_opt)opt, value, "", err, errlen);
}

/*
 * Read the file at path into cfg (defaults first). Return: 0, or -1 with
 * "PATH:LINE: what is wrong" (or "PATH: why it cannot be read") in err.
 */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	char msg[512];
	char *line = NULL;
	size_t cap = 0;
	unsigned int lineno = 0;
	int r = 0;
	FILE *f;

	config_defaults(cfg);
	f = fopen(path, "re");
	if (!f)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	errno = 0;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		if (strlen(line) > 4096) {
			r = fail(err, errlen, "%s:%u: line too long", path, lineno);
			break;
		}
		if (config_line(cfg, line, msg, sizeof(msg))) {
			r = fail(err, errlen, "%s:%u: %s", path, lineno, msg);
			break;
		}
		errno = 0;
	}
	if (!r && ferror(f))
		r = fail(err, errlen, "%s: read: %s", path, strerror(errno ? errno : EIO));
	free(line);
	fclose(f);
	/* Only the command line counts as "given" when merging. */
	cfg->set = 0;
	return r;
}

/* Options given in over (its set bits) replace those of cfg. */
void config_merge(struct config *cfg, const struct config *over)
{
	uint32_t set = over->set;

	if (set & (1u << OPT_TCP | 1u << OPT_UDP)) {
		memcpy(cfg->listen, over->listen, sizeof(cfg->listen));
		cfg->n_listen = over->n_listen;
	}
	if (set & 1u << OPT_NAME)
		memcpy(cfg->name, over->name, sizeof(cfg->name));
	if (set & 1u << OPT_DROP_RECORDS)
		cfg->drop_records = over->drop_records;
	if (set & 1u << OPT_REQUIRE_RECORDS)
		cfg->require_records = over->require_records;
	if (set & 1u << OPT_WSAIOCTL)
		cfg->wsaioctl = over->wsaioctl;
	if (set & 1u << OPT_TO) {
		cfg->to = over->to;
		cfg->have_to = over->have_to;
	}
	if (set & 1u << OPT_VERBOSE)
		cfg->verbose = over->verbose;
	if (set & 1u << OPT_LOG)
		memcpy(cfg->log_path, over->log_path, sizeof(cfg->log_path));
	if (set & 1u << OPT_PIDFILE)
		memcpy(cfg->pidfile, over->pidfile, sizeof(cfg->pidfile));
	if (set & 1u << OPT_MAX_CONNS)
		cfg->max_conns = over->max_conns;
	if (set & 1u << OPT_UDP_IDLE)
		cfg->udp_idle = over->udp_idle;
	if (set & 1u << OPT_CONNECT_TIMEOUT)
		cfg->connect_timeout = over->connect_timeout;
	if (set & 1u << OPT_DRAIN_TIMEOUT)
		cfg->drain_timeout = over->drain_timeout;
}
