// SPDX-License-Identifier: MIT
/*
 * Conformance with the Windows pages: Documentation/windows-mapping.rst's
 * error table is complete and every test it names exists; and the seed
 * errors the host can produce come out of WSAIoctl() and WSPIoctl() alike.
 */
#include "unit.h"

#include <wfpredir/winsock.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#define DOC_PATH "Documentation/windows-mapping.rst"
#define DOC_LABEL ".. _conformance-errors:"
#define MAX_ROWS 64
#define MAX_CELLS 8
#define CELL_LEN 4096

#define N(a) (sizeof(a) / sizeof((a)[0]))

Suite *conformance_suite(void);

/*
 * Every error and status the Windows pages list: the user-mode set page
 * (seeds 002-004), the two query pages, the kernel-mode pages (seeds 000,
 * 001 and the kernel query pages).
 */
static const struct {
	const char *name;
	long long value;
} seed_errors[] = {
	{ "WSA_IO_PENDING", WSA_IO_PENDING },
	{ "WSA_OPERATION_ABORTED", WSA_OPERATION_ABORTED },
	{ "WSAEACCES", WSAEACCES },
	{ "WSAEFAULT", WSAEFAULT },
	{ "WSAEINPROGRESS", WSAEINPROGRESS },
	{ "WSAEINTR", WSAEINTR },
	{ "WSAEINVAL", WSAEINVAL },
	{ "WSAENETDOWN", WSAENETDOWN },
	{ "WSAENOTSOCK", WSAENOTSOCK },
	{ "WSAEOPNOTSUPP", WSAEOPNOTSUPP },
	{ "WSAENOPROTOOPT", WSAENOPROTOOPT },
	{ "WSAENOTCONN", WSAENOTCONN },
	{ "ERROR_INSUFFICIENT_BUFFER", ERROR_INSUFFICIENT_BUFFER },
	{ "STATUS_SUCCESS", 0x00000000 },
	{ "STATUS_INTEGER_OVERFLOW", 0xC0000095 },
	{ "STATUS_ACCESS_DENIED", 0xC0000022 },
	{ "STATUS_BUFFER_TOO_SMALL", 0xC0000023 },
	{ "STATUS_NOT_FOUND", 0xC0000225 },
	{ "STATUS_PENDING", 0x00000103 },
	{ "STATUS_FILE_FORCED_CLOSED", 0xC00000B6 },
};

/* Every parameter of the pages' tables must be named in the document. */
static const char *const seed_params[] = {
	"s",
	"dwIoControlCode",
	"lpvInBuffer",
	"cbInBuffer",
	"lpvOutBuffer",
	"cbOutBuffer",
	"lpcbBytesReturned",
	"lpOverlapped",
	"lpCompletionRoutine",
	"lpThreadId",
	"lpErrno",
	"RequestType",
	"ControlCode",
	"Level",
	"InputSize",
	"InputBuffer",
	"OutputSize",
	"OutputBuffer",
	"OutputSizeReturned",
	"Irp",
};

struct doc_row {
	char cell[MAX_CELLS][CELL_LEN];
	int ncells;
	int line;
};

struct doc_table {
	struct doc_row rows[MAX_ROWS];
	size_t n; /* the header row included */
};

static char *read_file(const char *rel)
{
	char path[4096];
	char *buf;
	long len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", unit_srcdir(), rel);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static void cell_append(struct doc_row *r, const char *text)
{
	char *c = r->cell[r->ncells - 1];
	size_t len = strlen(c);

	while (*text == ' ')
		text++;
	ck_assert_msg(len + strlen(text) + 2 < CELL_LEN, "%s:%d: cell too long", DOC_PATH, r->line);
	if (len)
		c[len++] = ' ';
	strcpy(c + len, text);
}

/*
 * The list-table after DOC_LABEL: "   * - " starts a row, "     - " a
 * cell, deeper lines continue the cell; the first line that is neither
 * blank nor indented ends the table.
 */
static void parse_doc(struct doc_table *t)
{
	char path[4096], line[1024];
	int lineno = 0, state = 0; /* 0 label, 1 table */
	struct doc_row *r = NULL;
	FILE *f;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "%s/%s", unit_srcdir(), DOC_PATH);
	f = fopen(path, "r");
	ck_assert_msg(f, "cannot open %s (set WFPREDIR_SRCDIR)", path);
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (state == 0) {
			if (strcmp(line, DOC_LABEL) == 0)
				state = 1;
			continue;
		}
		if (line[0] != ' ' && line[0] != '\0' && strncmp(line, ".. list-table", 13) != 0) {
			if (t->n)
				break;
			continue;
		}
		if (strncmp(line, "   * - ", 7) == 0) {
			ck_assert_int_lt(t->n, MAX_ROWS);
			r = &t->rows[t->n++];
			r->line = lineno;
			r->ncells = 1;
			cell_append(r, line + 7);
		} else if (r && strncmp(line, "     - ", 7) == 0) {
			ck_assert_int_lt(r->ncells, MAX_CELLS);
			r->ncells++;
			cell_append(r, line + 7);
		} else if (r && strncmp(line, "     -", 6) == 0 && line[6] == '\0') {
			ck_assert_int_lt(r->ncells, MAX_CELLS);
			r->ncells++;
		} else if (r && strncmp(line, "       ", 7) == 0) {
			cell_append(r, line + 7);
		}
	}
	fclose(f);
	ck_assert_msg(state == 1, "%s: no %s", DOC_PATH, DOC_LABEL);
	ck_assert_msg(t->n > 1, "%s: the error table has no rows", DOC_PATH);
}

static const struct doc_row *find_row(const struct doc_table *t, const char *name)
{
	size_t i;

	for (i = 1; i < t->n; i++)
		if (strcmp(t->rows[i].cell[0], name) == 0)
			return &t->rows[i];
	return NULL;
}

/* Does FILE (relative to the source tree) hold test NAME? A Check test is
 * START_TEST(NAME); a kselftest case is its description, found verbatim. */
static int test_exists(const char *file, const char *name)
{
	char *text = read_file(file);
	char want[512];
	int found;

	if (!text)
		return 0;
	if (strlen(file) > 2 && strcmp(file + strlen(file) - 2, ".c") == 0)
		snprintf(want, sizeof(want), "START_TEST(%s)", name);
	else
		snprintf(want, sizeof(want), "%s", name);
	found = strstr(text, want) != NULL;
	free(text);
	return found;
}

START_TEST(every_error_of_the_windows_pages_has_a_row)
{
	static struct doc_table t;
	size_t i;

	parse_doc(&t);
	for (i = 0; i < N(seed_errors); i++) {
		const struct doc_row *r = find_row(&t, seed_errors[i].name);
		long long v;
		char *end;

		ck_assert_msg(r, "%s: no row for %s", DOC_PATH, seed_errors[i].name);
		ck_assert_msg(r->ncells == 6, "%s:%d: %s: %d cells, want 6", DOC_PATH, r->line,
			      r->cell[0], r->ncells);
		errno = 0;
		v = strtoll(r->cell[1], &end, 0);
		ck_assert_msg(errno == 0 && *end == '\0' && v == seed_errors[i].value,
			      "%s:%d: %s: value %s, want %#llx", DOC_PATH, r->line, r->cell[0],
			      r->cell[1], seed_errors[i].value);
	}
}
END_TEST

START_TEST(every_row_names_an_existing_test_or_says_why_it_cannot_happen)
{
	static struct doc_table t;
	size_t i;

	parse_doc(&t);
	for (i = 1; i < t.n; i++) {
		const struct doc_row *r = &t.rows[i];
		const char *ev = r->cell[5];
		const char *p = ev;
		int tests = 0;

		ck_assert_msg(r->ncells == 6, "%s:%d: %s: %d cells, want 6", DOC_PATH, r->line,
			      r->cell[0], r->ncells);
		ck_assert_msg(r->cell[4][0], "%s:%d: %s: empty differs column", DOC_PATH, r->line,
			      r->cell[0]);
		while ((p = strstr(p, "test: ``")) != NULL) {
			char ref[1024], *sep;
			const char *end;

			p += strlen("test: ``");
			end = strstr(p, "``");
			ck_assert_msg(end && (size_t)(end - p) < sizeof(ref),
				      "%s:%d: unclosed test", DOC_PATH, r->line);
			memcpy(ref, p, (size_t)(end - p));
			ref[end - p] = '\0';
			sep = strstr(ref, "::");
			ck_assert_msg(sep, "%s:%d: %s: test %s is not FILE::NAME", DOC_PATH,
				      r->line, r->cell[0], ref);
			*sep = '\0';
			ck_assert_msg(test_exists(ref, sep + 2), "%s:%d: %s: no test '%s' in %s",
				      DOC_PATH, r->line, r->cell[0], sep + 2, ref);
			tests++;
			p = end + 2;
		}
		ck_assert_msg(tests || strstr(ev, "cannot happen: "),
			      "%s:%d: %s names no test and gives no reason", DOC_PATH, r->line,
			      r->cell[0]);
		if (strstr(ev, "cannot happen:"))
			ck_assert_msg(strlen(strstr(ev, "cannot happen:")) > 40,
				      "%s:%d: %s: the reason is too short", DOC_PATH, r->line,
				      r->cell[0]);
	}
}
END_TEST

START_TEST(every_parameter_of_the_windows_pages_is_mapped)
{
	char *text = read_file(DOC_PATH);
	size_t i;

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < N(seed_params); i++) {
		char want[64];
		const char *p = text;
		int found = 0;

		/* in the first cell of a row: "   * - ``NAME``" or "``A``, ``NAME``" */
		snprintf(want, sizeof(want), "``%s``", seed_params[i]);
		while (!found && (p = strstr(p, "\n   * - ")) != NULL) {
			const char *eol = strchr(p + 1, '\n');
			const char *hit = strstr(p, want);

			found = hit && (!eol || hit < eol);
			p++;
		}
		ck_assert_msg(found, "%s: no row for parameter %s", DOC_PATH, seed_params[i]);
	}
	free(text);
}
END_TEST

/* ------------------------------------------------- behaviour on the host */

#define POISON 0xdeadbeefu
#define LAST_ERROR 4242

static unsigned char records[64] = "records blob";
static unsigned char outbuf[256];

/* A call both ways: WSAIoctl()'s last error and WSPIoctl()'s lpErrno, and
 * the byte counts, must agree. */
static void expect_both(SOCKET s, DWORD code, void *in, DWORD in_len, void *out, DWORD out_len,
			DWORD *ret, int wsa, const char *what)
{
	DWORD bytes = POISON;
	int err = 4343, rc1, rc2;

	WSASetLastError(LAST_ERROR);
	rc1 = WSAIoctl(s, code, in, in_len, out, out_len, ret, NULL, NULL);
	ck_assert_msg(rc1 == SOCKET_ERROR && WSAGetLastError() == wsa,
		      "%s: WSAIoctl gave %d/%d (%s), want %d (%s)", what, rc1, WSAGetLastError(),
		      wfpredir_wsa_error_name(WSAGetLastError()), wsa,
		      wfpredir_wsa_error_name(wsa));
	WSASetLastError(LAST_ERROR);
	rc2 = WSPIoctl(s, code, in, in_len, out, out_len, ret ? &bytes : NULL, NULL, NULL, NULL,
		       &err);
	ck_assert_msg(rc2 == SOCKET_ERROR && err == wsa, "%s: WSPIoctl gave %d/%d, want %d", what,
		      rc2, err, wsa);
	ck_assert_int_eq(WSAGetLastError(), LAST_ERROR);
	if (ret)
		ck_assert_uint_eq(bytes, *ret);
}

START_TEST(each_seed_error_the_host_produces_is_the_same_from_WSAIoctl_and_WSPIoctl)
{
	static const DWORD codes[] = {
		SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS,
		SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
		SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT,
	};
	int tcp = unit_socket(AF_INET, SOCK_STREAM, 0);
	int tcp6 = unit_socket(AF_INET6, SOCK_STREAM, 0);
	int unx = unit_socket(AF_UNIX, SOCK_STREAM, 0);
	int closed = unit_closed_fd();
	size_t i;

	unit_assert_module_absent();
	for (i = 0; i < N(codes); i++) {
		int set = codes[i] == SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS;
		void *in = set ? records : NULL;
		DWORD in_len = set ? sizeof(records) : 0;
		void *out = set ? NULL : outbuf;
		DWORD out_len = set ? 0 : sizeof(outbuf);
		DWORD ret = POISON;

		/* WSAEFAULT: lpcbBytesReturned */
		expect_both(tcp, codes[i], in, in_len, out, out_len, NULL, WSAEFAULT,
			    "NULL lpcbBytesReturned");
		/* WSAENOTSOCK */
		expect_both(closed, codes[i], in, in_len, out, out_len, &ret, WSAENOTSOCK,
			    "closed descriptor");
		ck_assert_uint_eq(ret, 0);
		/* WSAEOPNOTSUPP: not an IP socket; no module */
		expect_both(unx, codes[i], in, in_len, out, out_len, &ret, WSAEOPNOTSUPP,
			    "unix socket");
		expect_both(tcp, codes[i], in, in_len, out, out_len, &ret, WSAEOPNOTSUPP,
			    "no module, IPv4");
		expect_both(tcp6, codes[i], in, in_len, out, out_len, &ret, WSAEOPNOTSUPP,
			    "no module, IPv6");
		ck_assert_uint_eq(ret, 0);
	}
	/* WSAEINVAL: not a valid command; SET's parameters */
	expect_both(tcp, 0x980000DF, NULL, 0, outbuf, sizeof(outbuf), &(DWORD){ 0 }, WSAEINVAL,
		    "unknown code");
	expect_both(tcp, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, records, sizeof(records), outbuf,
		    1, &(DWORD){ 0 }, WSAEINVAL, "SET with cbOutBuffer 1");
	expect_both(tcp, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, records, 0, NULL, 0,
		    &(DWORD){ 0 }, WSAEINVAL, "SET with cbInBuffer 0");
	/* WSAEFAULT: SET's input buffer */
	expect_both(tcp, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, NULL, 16, NULL, 0, &(DWORD){ 0 },
		    WSAEFAULT, "SET with a NULL lpvInBuffer");
	close(tcp);
	close(tcp6);
	close(unx);
}
END_TEST

START_TEST(each_seed_error_from_the_kernel_reaches_WSAIoctl_and_WSPIoctl_alike)
{
	/* The errnos behind the seed errors, and the mapping ones that the real
	 * module never returns (EINTR, EINPROGRESS, ENETDOWN): if it ever did,
	 * the caller would get the page's code. */
	static const struct {
		int err, wsa;
	} cases[] = {
		{ -EPERM, WSAEACCES },	    { -EACCES, WSAEACCES },
		{ -EFAULT, WSAEFAULT },	    { -EINVAL, WSAEINVAL },
		{ -EBADMSG, WSAEINVAL },    { -EISCONN, WSAEINVAL },
		{ -ENOTCONN, WSAENOTCONN }, { -EOPNOTSUPP, WSAEOPNOTSUPP },
		{ -EINTR, WSAEINTR },	    { -EINPROGRESS, WSAEINPROGRESS },
		{ -ENETDOWN, WSAENETDOWN },
	};
	static const DWORD codes[] = {
		SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS,
		SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
		SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT,
	};
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	size_t i, j;

	for (i = 0; i < N(cases); i++) {
		for (j = 0; j < N(codes); j++) {
			int set = codes[j] == SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS;
			DWORD ret = POISON, ret2 = POISON;
			int err = 4343;

			fake_reset();
			fake.err = cases[i].err;
			WSASetLastError(LAST_ERROR);
			ck_assert_int_eq(
				wfpredir__ioctl(&fake_sockopt, fd, codes[j], set ? records : NULL,
						set ? sizeof(records) : 0, set ? NULL : outbuf,
						set ? 0 : sizeof(outbuf), &ret),
				SOCKET_ERROR);
			ck_assert_msg(WSAGetLastError() == cases[i].wsa, "errno %d: %d, want %d",
				      -cases[i].err, WSAGetLastError(), cases[i].wsa);
			ck_assert_uint_eq(ret, 0);
			WSASetLastError(LAST_ERROR);
			ck_assert_int_eq(wfpredir__spi_ioctl(
						 &fake_sockopt, fd, codes[j], set ? records : NULL,
						 set ? sizeof(records) : 0, set ? NULL : outbuf,
						 set ? 0 : sizeof(outbuf), &ret2, &err),
					 SOCKET_ERROR);
			ck_assert_int_eq(err, cases[i].wsa);
			ck_assert_int_eq(WSAGetLastError(), LAST_ERROR);
			ck_assert_uint_eq(ret2, 0);
		}
	}
	close(fd);
}
END_TEST

START_TEST(no_call_reports_WSAENOPROTOOPT_or_ERROR_INSUFFICIENT_BUFFER)
{
	static const unsigned char data[300] = { 1 };
	static const DWORD sizes[] = { 0, 1, 3, 4, 256, 299 };
	int fd = unit_socket(AF_INET6, SOCK_STREAM, 0);
	size_t i;

	/* ENOPROTOOPT, as without the module, is WSAEOPNOTSUPP */
	fake_reset();
	fake.err = -ENOPROTOOPT;
	ck_assert_int_eq(wfpredir__ioctl(&fake_sockopt, fd,
					 SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT, NULL, 0, outbuf,
					 sizeof(outbuf), &(DWORD){ 0 }),
			 SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEOPNOTSUPP);
	ck_assert_int_ne(wfpredir_wsa_error_from_errno(ENOPROTOOPT), WSAENOPROTOOPT);

	/* too small, whatever the size: WSAEFAULT with the size needed, never
	 * ERROR_INSUFFICIENT_BUFFER nor WSAEINVAL with 0 */
	for (i = 0; i < N(sizes); i++) {
		DWORD ret = POISON;

		fake_reset();
		fake.data = data;
		fake.data_len = sizeof(data);
		ck_assert_int_eq(wfpredir__ioctl(&fake_sockopt, fd,
						 SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, NULL, 0,
						 sizes[i] ? outbuf : NULL, sizes[i], &ret),
				 SOCKET_ERROR);
		ck_assert_int_eq(WSAGetLastError(), WSAEFAULT);
		ck_assert_int_ne(WSAGetLastError(), ERROR_INSUFFICIENT_BUFFER);
		ck_assert_uint_eq(ret, sizeof(data));
	}
	close(fd);
}
END_TEST

/* ------------------------------------------------ porting aid (winsock.c) */

START_TEST(WSAStartup_grants_up_to_2_2_and_WSACleanup_pairs_with_it)
{
	WSADATA d;

	ck_assert_int_eq(WSAStartup(MAKEWORD(2, 2), NULL), WSAEFAULT);
	ck_assert_int_eq(WSAStartup(MAKEWORD(0, 9), &d), WSAVERNOTSUPPORTED);
	WSASetLastError(0);
	ck_assert_int_eq(WSACleanup(), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSANOTINITIALISED);
	ck_assert_int_eq(WSAStartup(MAKEWORD(1, 1), &d), 0);
	ck_assert_uint_eq(d.wVersion, MAKEWORD(1, 1));
	ck_assert_uint_eq(d.wHighVersion, MAKEWORD(2, 2));
	ck_assert_int_eq(WSAStartup(MAKEWORD(3, 0), &d), 0);
	ck_assert_uint_eq(d.wVersion, MAKEWORD(2, 2));
	ck_assert_int_eq(WSACleanup(), 0);
	ck_assert_int_eq(WSACleanup(), 0);
	ck_assert_int_eq(WSACleanup(), SOCKET_ERROR);
}
END_TEST

START_TEST(WSAStartup_ignores_SIGPIPE_only_when_it_has_the_default_action)
{
	struct sigaction sa;
	WSADATA d;

	signal(SIGPIPE, SIG_DFL);
	ck_assert_int_eq(WSAStartup(MAKEWORD(2, 2), &d), 0);
	ck_assert_int_eq(sigaction(SIGPIPE, NULL, &sa), 0);
	ck_assert(sa.sa_handler == SIG_IGN);
	ck_assert_int_eq(WSACleanup(), 0);
}
END_TEST

START_TEST(WSAConnect_and_WSAAccept_report_through_WSAGetLastError)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int l = unit_socket(AF_INET, SOCK_STREAM, 0);
	int c = unit_socket(AF_INET, SOCK_STREAM, 0);
	SOCKADDR_STORAGE peer;
	int plen = (int)sizeof(peer);
	SOCKET s;

	/* not listening: accept() says EINVAL */
	WSASetLastError(0);
	ck_assert_int_eq(WSAAccept(l, NULL, NULL, NULL, 0), INVALID_SOCKET);
	ck_assert_int_eq(WSAGetLastError(), WSAEINVAL);
	/* a port nobody listens on: WSAECONNREFUSED, not the ioctl table's WSAEINVAL */
	ck_assert_int_eq(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&a, &alen), 0);
	ck_assert_int_eq(WSAConnect(c, (struct sockaddr *)&a, sizeof(a), NULL, NULL, NULL, NULL),
			 SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAECONNREFUSED);
	close(c);
	c = unit_socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(WSAConnect(c, (struct sockaddr *)&a, sizeof(a), NULL, NULL, NULL, NULL),
			 0);
	s = WSAAccept(l, (SOCKADDR *)&peer, &plen, NULL, 0);
	ck_assert_int_ne(s, INVALID_SOCKET);
	ck_assert_int_eq(plen, (int)sizeof(struct sockaddr_in));
	ck_assert_uint_eq(peer.ss_family, AF_INET);
	/* unsupported arguments */
	ck_assert_int_eq(WSAConnect(c, (struct sockaddr *)&a, sizeof(a), NULL, NULL, NULL,
				    (struct _QualityOfService *)&peer),
			 SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEOPNOTSUPP);
	close(s);
	close(c);
	close(l);
	ck_assert_int_eq(wfpredir_winsock_error_from_errno(-ETIMEDOUT), WSAETIMEDOUT);
	ck_assert_int_eq(wfpredir_winsock_error_from_errno(0), 0);
	ck_assert_int_eq(wfpredir_winsock_error_from_errno(EXDEV), WSAEINVAL);
}
END_TEST

START_TEST(the_compat_structures_have_the_windows_layout)
{
	ck_assert_uint_eq(sizeof(SOCKADDR_STORAGE), 128);
	ck_assert_uint_eq(sizeof(SOCKADDR_IN), 16);
	ck_assert_uint_eq(sizeof(SOCKADDR_IN6), 28);
	ck_assert_uint_eq(offsetof(SOCKADDR_IN6, sin6_addr), 8);
	ck_assert_uint_eq(offsetof(SOCKADDR_IN6, sin6_scope_id), 24);
	ck_assert_uint_eq(sizeof(WORD), 2);
	ck_assert_uint_eq(sizeof(BYTE), 1);
	ck_assert_uint_eq(sizeof(LONG), 4);
	ck_assert_uint_eq(offsetof(WSADATA, lpVendorInfo), 8);
	ck_assert_uint_eq(offsetof(WSADATA, szDescription), 16);
	ck_assert_uint_eq(MAKEWORD(2, 1), 0x0102);
	ck_assert_int_eq(SD_SEND, SHUT_WR);
	ck_assert_int_eq(SD_BOTH, SHUT_RDWR);
}
END_TEST

Suite *conformance_suite(void)
{
	Suite *s = suite_create("conformance");
	TCase *tc = tcase_create("conformance");

	tcase_add_test(tc, every_error_of_the_windows_pages_has_a_row);
	tcase_add_test(tc, every_row_names_an_existing_test_or_says_why_it_cannot_happen);
	tcase_add_test(tc, every_parameter_of_the_windows_pages_is_mapped);
	tcase_add_test(tc,
		       each_seed_error_the_host_produces_is_the_same_from_WSAIoctl_and_WSPIoctl);
	tcase_add_test(tc, each_seed_error_from_the_kernel_reaches_WSAIoctl_and_WSPIoctl_alike);
	tcase_add_test(tc, no_call_reports_WSAENOPROTOOPT_or_ERROR_INSUFFICIENT_BUFFER);
	tcase_add_test(tc, WSAStartup_grants_up_to_2_2_and_WSACleanup_pairs_with_it);
	tcase_add_test(tc, WSAStartup_ignores_SIGPIPE_only_when_it_has_the_default_action);
	tcase_add_test(tc, WSAConnect_and_WSAAccept_report_through_WSAGetLastError);
	tcase_add_test(tc, the_compat_structures_have_the_windows_layout);
	suite_add_tcase(s, tc);
	return s;
}
