// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal JSON writer for wfpredirctl -j: one flat object at a time.
 */
#include <stdio.h>

#include "wfpredirctl.h"

static void json_key(struct json *j, const char *key)
{
	fprintf(j->out, "%s\"%s\":", j->first ? "" : ",", key);
	j->first = false;
}

void json_begin(struct json *j, FILE *out)
{
	j->out = out;
	j->first = true;
	fputc('{', out);
}

void json_string(struct json *j, const char *key, const char *value)
{
	json_key(j, key);
	fputc('"', j->out);
	for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(j->out, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(j->out, "\\u%04x", *c);
		else
			fputc(*c, j->out);
	}
	fputc('"', j->out);
}

void json_uint(struct json *j, const char *key, unsigned long long value)
{
	json_key(j, key);
	fprintf(j->out, "%llu", value);
}

void json_end(struct json *j)
{
	fputs("}\n", j->out);
}
