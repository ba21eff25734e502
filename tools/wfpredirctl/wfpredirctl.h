/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wfpredirctl: shared between the command dispatcher and the objects.
 */
#ifndef WFPREDIRCTL_H
#define WFPREDIRCTL_H

#include <stdbool.h>
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
};

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
