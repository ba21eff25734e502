/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wfpredirctl: shared between the command dispatcher and the objects.
 */
#ifndef WFPREDIRCTL_H
#define WFPREDIRCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <wfpredir.h>

/* Exit statuses scripts can rely on (also in the man page). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,    /* the kernel refused or could not answer */
	EXIT_USAGE = 2,	    /* bad command line */
	EXIT_NO_MODULE = 3, /* wfpredir.ko is not loaded and cannot be */
};

struct ctl_opts {
	bool json;
	bool echo;    /* -e: print what add created, as a listing line */
	bool replace; /* "replace": WFPREDIR_CTL_REPLACE */
};

/*
 * Room for one more item in *@items, an array of *@cap items of @size bytes
 * holding @n: doubles it when full (@first items the first time). 0, or
 * -ENOMEM with the array as it was.
 */
int array_grow(void **items, size_t *cap, size_t n, size_t size, size_t first);

/*
 * Abbreviations, as iproute2 takes them: @arg names the word of @words
 * (n of them) it is a prefix of, if only one (an exact match always wins).
 * Returns its index; else prints "wfpredirctl: WHAT ARG is unknown /
 * ambiguous (CANDIDATES)" and returns -1.
 */
int match_word(const char *what, const char *arg, const char *const *words, size_t n);

/* An OBJECT: its commands take the arguments after OBJECT COMMAND. */
struct ctl_object {
	const char *name;
	const char *usage;
	int (*run)(const struct ctl_opts *opts, int argc, char **argv);
	const char *const *commands; /* for abbreviations; NULL-terminated */
};

int info_run(const struct ctl_opts *opts, int argc, char **argv);
int config_run(const struct ctl_opts *opts, int argc, char **argv);
int service_run(const struct ctl_opts *opts, int argc, char **argv);
int rule_run(const struct ctl_opts *opts, int argc, char **argv);
int flow_run(const struct ctl_opts *opts, int argc, char **argv);
int monitor_run(const struct ctl_opts *opts, int argc, char **argv);
/* -f FILE [--check], save (conffile.c, save.c) */
int file_run(const struct ctl_opts *opts, const char *path, bool check);
int save_run(const struct ctl_opts *opts, int argc, char **argv);

/* Every service with its table, by id (service.c). */
struct table_service {
	struct wfpredir_service svc;
	char table[WFPREDIR_TABLE_NAME_MAX];
};

struct service_set {
	struct table_service *items;
	size_t n;
	size_t cap;
};

/* table NULL: every table. 0 or a -errno; free set->items. */
int service_set_load(struct wfpredir_ctl *ctl, const char *table, struct service_set *set);
const struct table_service *service_set_find(const struct service_set *set, uint32_t id);
/* Every rule with its table, in the kernel's order (rule.c). A rule is
 * large: the set is on the heap. */
struct table_rule {
	struct wfpredir_rule rule;
	char table[WFPREDIR_TABLE_NAME_MAX];
};

struct rule_set {
	struct table_rule *items;
	size_t n;
	size_t cap;
};

int rule_set_load(struct wfpredir_ctl *ctl, const char *table, struct rule_set *set);

/* A listing line (service.c, rule.c); the rule's service named by name when
 * it is in the rule's table. */
void service_line(FILE *out, const struct wfpredir_service *s, const char *table);
void rule_line(FILE *out, const struct wfpredir_rule *r, const char *table,
	       const struct service_set *set);

/*
 * JSON output: objects and arrays of strings, numbers and booleans, nested
 * up to JSON_DEPTH. Keys are given inside objects and NULL inside arrays.
 */
#define JSON_DEPTH 8

struct json {
	FILE *out;
	int depth;
	bool pretty;
	bool first[JSON_DEPTH + 1];
};

/* -p: every document is indented, one value per line. */
extern bool json_pretty;

void json_init(struct json *j, FILE *out);
void json_open_object(struct json *j, const char *key);
void json_close_object(struct json *j);
void json_open_array(struct json *j, const char *key);
void json_close_array(struct json *j);
void json_string(struct json *j, const char *key, const char *value);
void json_uint(struct json *j, const char *key, unsigned long long value);
void json_bool(struct json *j, const char *key, bool value);
/* Ends the document with a newline. */
void json_finish(struct json *j);

/* A rule's match fields (family, protocol, to, ports, uids, cgroup) as JSON
 * members, as rule list and monitor print them (rule.c). */
void rule_matches_json(struct json *j, const struct wfpredir_rule *r);

/* Messages, each "wfpredirctl: ..." on stderr; they return the exit status. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ctl_error(int err, const char *what); /* wfpredir_ctl_open() failed */
/* A call on ctl failed with err: the errno and the kernel's extack message. */
int ctl_failed(const struct wfpredir_ctl *ctl, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Open the control handle or print why not; *status is then the exit status. */
struct wfpredir_ctl *ctl_connect(int *status);

/* "OBJECT: unknown command 'X'; try ..." */
int unknown_command(const char *object, const char *cmd, const char *try_this);

/* Lower-case hex of len bytes to out, no separator. */
void print_hex(FILE *out, const void *buf, size_t len);

#endif
