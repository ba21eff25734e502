// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal JSON writer for wfpredirctl -j: objects and arrays, streamed.
 */
#include <stdio.h>

#include "wfpredirctl.h"

bool json_pretty;

void json_init(struct json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->pretty = json_pretty;
	j->first[0] = true;
}

/* Pretty: a new line, indented two spaces per level. */
static void json_newline(struct json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->out);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

static void json_quoted(struct json *j, const char *s)
{
	fputc('"', j->out);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(j->out, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			fprintf(j->out, "\\u%04x", *c);
		else
			fputc(*c, j->out);
	}
	fputc('"', j->out);
}

/* The separator and key before a value at the current level. */
static void json_key(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->out);
	if (j->depth)
		json_newline(j);
	j->first[j->depth] = false;
	if (key) {
		json_quoted(j, key);
		fputs(j->pretty ? ": " : ":", j->out);
	}
}

static void json_open(struct json *j, const char *key, int c)
{
	json_key(j, key);
	fputc(c, j->out);
	if (j->depth < JSON_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void json_close(struct json *j, int c)
{
	bool empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty)
		json_newline(j);
	fputc(c, j->out);
}

void json_open_object(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void json_close_object(struct json *j)
{
	json_close(j, '}');
}

void json_open_array(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void json_close_array(struct json *j)
{
	json_close(j, ']');
}

void json_string(struct json *j, const char *key, const char *value)
{
	json_key(j, key);
	json_quoted(j, value);
}

void json_uint(struct json *j, const char *key, unsigned long long value)
{
	json_key(j, key);
	fprintf(j->out, "%llu", value);
}

void json_bool(struct json *j, const char *key, bool value)
{
	json_key(j, key);
	fputs(value ? "true" : "false", j->out);
}

void json_finish(struct json *j)
{
	fputc('\n', j->out);
	fflush(j->out);
}
