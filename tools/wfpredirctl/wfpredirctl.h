/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wfpredirctl: shared between the command dispatcher and the objects.
 */
#ifndef WFPREDIRCTL_H
#define WFPREDIRCTL_H

#include <stdbool.h>
#include <stdio.h>

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

/* An OBJECT: its commands take the arguments after OBJECT COMMAND. */
struct ctl_object {
	const char *name;
	const char *usage;
	int (*run)(const struct ctl_opts *opts, int argc, char **argv);
};

int info_run(const struct ctl_opts *opts, int argc, char **argv);

/* JSON output: just enough for flat objects of strings and numbers. */
struct json {
	FILE *out;
	bool first;
};

void json_begin(struct json *j, FILE *out);
void json_string(struct json *j, const char *key, const char *value);
void json_uint(struct json *j, const char *key, unsigned long long value);
void json_end(struct json *j);

int ctl_error(int err, const char *what);

#endif
