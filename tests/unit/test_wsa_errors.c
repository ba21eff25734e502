// SPDX-License-Identifier: MIT
/*
 * lib/wsa_errors.c: the errno -> WSA table, checked against the table in
 * Documentation/wsa-errors.rst in both directions, and the error names.
 */
#include "unit.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOC_PATH "Documentation/wsa-errors.rst"
#define DOC_LABEL ".. _wsa-errno-table:"
#define MAX_ROWS 128

struct doc_row {
	char err[32];
	char wsa[32];
	int value;
	int line;
};

struct doc_table {
	struct doc_row rows[MAX_ROWS];
	size_t n;
	struct doc_row other; /* the "(other)" row; other.line 0 if none */
};

static int is_border(const char *s)
{
	if (*s != '=')
		return 0;
	return strspn(s, "= \n") == strlen(s);
}

/*
 * The table after DOC_LABEL is an RST simple table: border, header,
 * border, rows, border. Each row starts errno, WSA name, value; the rest of
 * the line is prose.
 */
static void parse_doc(struct doc_table *t)
{
	char path[4096], line[512];
	int lineno = 0, state = 0; /* 0 label, 1 border, 2 header, 3 rows, 4 done */
	FILE *f;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "%s/%s", unit_srcdir(), DOC_PATH);
	f = fopen(path, "r");
	ck_assert_msg(f, "cannot open %s (set WFPREDIR_SRCDIR)", path);
	while (state < 4 && fgets(line, sizeof(line), f)) {
		struct doc_row row = { .line = ++lineno };
		char value[32];
		unsigned long v;
		char *end;

		switch (state) {
		case 0:
			if (strncmp(line, DOC_LABEL, strlen(DOC_LABEL)) == 0)
				state = 1;
			continue;
		case 1:
		case 2:
			if (is_border(line))
				state++;
			continue;
		}
		if (is_border(line)) {
			state = 4;
			continue;
		}
		ck_assert_msg(sscanf(line, "%31s %31s %31s", row.err, row.wsa, value) == 3,
			      "%s:%d: a row needs errno, WSA name and value", DOC_PATH, lineno);
		errno = 0;
		v = strtoul(value, &end, 0);
		ck_assert_msg(errno == 0 && *end == '\0' && v <= UINT32_MAX, "%s:%d: bad value %s",
			      DOC_PATH, lineno, value);
		row.value = (int)(uint32_t)v;
		if (strcmp(row.err, "(other)") == 0) {
			t->other = row;
			continue;
		}
		ck_assert_int_lt(t->n, MAX_ROWS);
		t->rows[t->n++] = row;
	}
	fclose(f);
	ck_assert_msg(state == 4, "%s: no complete table after %s", DOC_PATH, DOC_LABEL);
	ck_assert_msg(t->n > 0, "%s: the table has no rows", DOC_PATH);
}

static const struct wfpredir_errno_map *lib_row(const char *name)
{
	size_t i;

	for (i = 0; i < wfpredir__errno_map_len; i++)
		if (strcmp(wfpredir__errno_map[i].name, name) == 0)
			return &wfpredir__errno_map[i];
	return NULL;
}

START_TEST(every_row_of_the_document_table_is_what_the_library_maps)
{
	struct doc_table t;
	size_t i;

	parse_doc(&t);
	for (i = 0; i < t.n; i++) {
		const struct doc_row *r = &t.rows[i];
		const struct wfpredir_errno_map *m = lib_row(r->err);
		const char *name;

		ck_assert_msg(m, "%s:%d: %s is not in the library's table", DOC_PATH, r->line,
			      r->err);
		ck_assert_msg(wfpredir_wsa_error_from_errno(m->err) == r->value,
			      "%s:%d: %s maps to %d in the library, %d in the document", DOC_PATH,
			      r->line, r->err, wfpredir_wsa_error_from_errno(m->err), r->value);
		name = wfpredir_wsa_error_name(r->value);
		ck_assert_msg(name && strcmp(name, r->wsa) == 0,
			      "%s:%d: value %d is %s, the document says %s", DOC_PATH, r->line,
			      r->value, name ? name : "(no name)", r->wsa);
	}
}
END_TEST

START_TEST(the_document_table_lists_every_errno_of_the_library_once)
{
	struct doc_table t;
	size_t i, j;

	parse_doc(&t);
	for (i = 0; i < wfpredir__errno_map_len; i++) {
		size_t seen = 0;

		for (j = 0; j < t.n; j++)
			seen += strcmp(t.rows[j].err, wfpredir__errno_map[i].name) == 0;
		ck_assert_msg(seen == 1, "%s lists %s %zu times", DOC_PATH,
			      wfpredir__errno_map[i].name, seen);
	}
	ck_assert_uint_eq(t.n, wfpredir__errno_map_len);
}
END_TEST

START_TEST(the_document_default_row_is_what_unlisted_errnos_map_to)
{
	static const int unlisted[] = { EXDEV, EDOM, ERANGE, ECHILD, 4095, INT_MAX, INT_MIN };
	struct doc_table t;
	size_t i;

	parse_doc(&t);
	ck_assert_msg(t.other.line, "%s: no (other) row", DOC_PATH);
	ck_assert_int_eq(t.other.value, WSAEINVAL);
	ck_assert_str_eq(t.other.wsa, "WSAEINVAL");
	for (i = 0; i < sizeof(unlisted) / sizeof(unlisted[0]); i++)
		ck_assert_int_eq(wfpredir_wsa_error_from_errno(unlisted[i]), t.other.value);
}
END_TEST

START_TEST(the_library_table_has_each_errno_once)
{
	size_t i, j;

	for (i = 0; i < wfpredir__errno_map_len; i++) {
		ck_assert_int_gt(wfpredir__errno_map[i].err, 0);
		for (j = i + 1; j < wfpredir__errno_map_len; j++)
			ck_assert_msg(wfpredir__errno_map[i].err != wfpredir__errno_map[j].err,
				      "%s and %s are the same errno", wfpredir__errno_map[i].name,
				      wfpredir__errno_map[j].name);
	}
}
END_TEST

START_TEST(the_errnos_the_kernel_and_library_return_map_as_the_brief_says)
{
	/* Spot checks that do not depend on the document. */
	ck_assert_int_eq(wfpredir_wsa_error_from_errno(ENOPROTOOPT), WSAEOPNOTSUPP);
	ck_assert_int_eq(wfpredir_wsa_error_from_errno(ENOENT), FWP_E_NOT_FOUND);
	ck_assert_int_eq(wfpredir_wsa_error_from_errno(ENODATA), FWP_E_NOT_FOUND);
	ck_assert_int_eq(wfpredir_wsa_error_from_errno(EFAULT), WSAEFAULT);
	ck_assert_int_eq(wfpredir_wsa_error_from_errno(EBADF), WSAENOTSOCK);
	ck_assert_int_eq(wfpredir_wsa_error_from_errno(EPERM), WSAEACCES);
	ck_assert_int_eq(wfpredir_wsa_error_from_errno(EISCONN), WSAEINVAL);
	ck_assert_int_eq(wfpredir_wsa_error_from_errno(ENOSPC), WSAENOBUFS);
}
END_TEST

START_TEST(a_negative_errno_maps_like_the_positive_one_and_zero_to_zero)
{
	size_t i;

	ck_assert_int_eq(wfpredir_wsa_error_from_errno(0), 0);
	for (i = 0; i < wfpredir__errno_map_len; i++)
		ck_assert_int_eq(wfpredir_wsa_error_from_errno(-wfpredir__errno_map[i].err),
				 wfpredir_wsa_error_from_errno(wfpredir__errno_map[i].err));
}
END_TEST

START_TEST(every_error_code_of_the_header_has_its_own_name)
{
#define NAMED(code) ck_assert_str_eq(wfpredir_wsa_error_name(code), #code)
	NAMED(WSAEINTR);
	NAMED(WSAEBADF);
	NAMED(WSAEACCES);
	NAMED(WSAEFAULT);
	NAMED(WSAEINVAL);
	NAMED(WSAEMFILE);
	NAMED(WSAEWOULDBLOCK);
	NAMED(WSAEINPROGRESS);
	NAMED(WSAEALREADY);
	NAMED(WSAENOTSOCK);
	NAMED(WSAEMSGSIZE);
	NAMED(WSAENOPROTOOPT);
	NAMED(WSAEPROTONOSUPPORT);
	NAMED(WSAEOPNOTSUPP);
	NAMED(WSAEAFNOSUPPORT);
	NAMED(WSAENETDOWN);
	NAMED(WSAECONNRESET);
	NAMED(WSAENOBUFS);
	NAMED(WSAEISCONN);
	NAMED(WSAENOTCONN);
	NAMED(WSA_IO_PENDING);
	NAMED(WSA_IO_INCOMPLETE);
	NAMED(WSA_OPERATION_ABORTED);
	NAMED(WSA_INVALID_HANDLE);
	NAMED(WSA_INVALID_PARAMETER);
	NAMED(WSA_NOT_ENOUGH_MEMORY);
	NAMED(ERROR_INSUFFICIENT_BUFFER);
	NAMED(FWP_E_NOT_FOUND);
#undef NAMED
}
END_TEST

START_TEST(a_value_that_is_no_error_code_has_no_name)
{
	ck_assert_ptr_null(wfpredir_wsa_error_name(0));
	ck_assert_ptr_null(wfpredir_wsa_error_name(-1));
	ck_assert_ptr_null(wfpredir_wsa_error_name(WSABASEERR));
	ck_assert_ptr_null(wfpredir_wsa_error_name(12345));
}
END_TEST

Suite *wsa_errors_suite(void)
{
	Suite *s = suite_create("wsa_errors");
	TCase *tc = tcase_create("wsa_errors");

	tcase_add_test(tc, every_row_of_the_document_table_is_what_the_library_maps);
	tcase_add_test(tc, the_document_table_lists_every_errno_of_the_library_once);
	tcase_add_test(tc, the_document_default_row_is_what_unlisted_errnos_map_to);
	tcase_add_test(tc, the_library_table_has_each_errno_once);
	tcase_add_test(tc, the_errnos_the_kernel_and_library_return_map_as_the_brief_says);
	tcase_add_test(tc, a_negative_errno_maps_like_the_positive_one_and_zero_to_zero);
	tcase_add_test(tc, every_error_code_of_the_header_has_its_own_name);
	tcase_add_test(tc, a_value_that_is_no_error_code_has_no_name);
	suite_add_tcase(s, tc);
	return s;
}
