// SPDX-License-Identifier: MIT
/*
 * lib/wsaioctl.c: WSAIoctl() with Windows semantics. Tests call WSAIoctl()
 * on real sockets of the host kernel (no wfpredir module), or
 * wfpredir__ioctl() with the fake kernel for replies only the module gives.
 */
#include "unit.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define POISON 0xdeadbeefu
#define LAST_ERROR 4242

static const DWORD all_codes[] = {
	SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS,
	SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
	SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT,
	SIO_FLUSH,
	SIO_QUERY_WFPREDIR_REDIRECT,
	SIO_WFPREDIR_HANDOFF,
};

static const DWORD wfp_codes[] = {
	SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS,
	SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
	SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT,
	SIO_QUERY_WFPREDIR_REDIRECT,
	SIO_WFPREDIR_HANDOFF,
};

/* libwfpredir's combined query is a QUERY in every respect. */
static const DWORD query_codes[] = {
	SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
	SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT,
	SIO_QUERY_WFPREDIR_REDIRECT,
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const int rw_none[] = { PROT_READ | PROT_WRITE, PROT_NONE };
static const int ro[] = { PROT_READ };
static const int none[] = { PROT_NONE };

static unsigned char records[64] = "records blob";

static void setup(void)
{
	fake_reset();
	WSASetLastError(LAST_ERROR);
}

/* The input a Windows caller gives @code: records for SET, a socket (@s
 * itself) for the hand-off; nothing for the others. */
static void input_for(DWORD code, SOCKET *s, void **in, DWORD *in_len)
{
	*in = NULL;
	*in_len = 0;
	if (code == SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS) {
		*in = records;
		*in_len = sizeof(records);
	} else if (code == SIO_WFPREDIR_HANDOFF) {
		*in = s;
		*in_len = sizeof(*s);
	}
}

/* WSAIoctl() as a non-overlapped Windows caller makes it, with sensible
 * buffers for the code: records in for SET, buf out for QUERY and the
 * hand-off (from @s itself: the errors below are @s's). */
static int call(SOCKET s, DWORD code, DWORD *ret)
{
	static unsigned char buf[256];
	DWORD in_len;
	void *in;

	input_for(code, &s, &in, &in_len);
	if (code == SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS)
		return WSAIoctl(s, code, in, in_len, NULL, 0, ret, NULL, NULL);
	return WSAIoctl(s, code, in, in_len, buf, sizeof(buf), ret, NULL, NULL);
}

static void expect_fail(int rc, int wsa)
{
	ck_assert_int_eq(rc, SOCKET_ERROR);
	ck_assert_msg(WSAGetLastError() == wsa, "WSAGetLastError() is %d (%s), expected %d (%s)",
		      WSAGetLastError(), wfpredir_wsa_error_name(WSAGetLastError()), wsa,
		      wfpredir_wsa_error_name(wsa));
}

/* Every code in codes fails on s with wsa and 0 bytes returned. */
static void expect_codes_fail(SOCKET s, const DWORD *codes, size_t n, int wsa)
{
	size_t i;

	for (i = 0; i < n; i++) {
		DWORD ret = POISON;

		WSASetLastError(LAST_ERROR);
		expect_fail(call(s, codes[i], &ret), wsa);
		ck_assert_uint_eq(ret, 0);
	}
}

/* ------------------------------------------------------ lpcbBytesReturned */

START_TEST(a_null_lpcbBytesReturned_fails_with_WSAEFAULT_for_every_code)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	size_t i;

	for (i = 0; i < N(all_codes); i++)
		expect_fail(call(fd, all_codes[i], NULL), WSAEFAULT);
	expect_fail(call(fd, 0x12345678, NULL), WSAEFAULT);
	close(fd);
}
END_TEST

START_TEST(an_unmapped_lpcbBytesReturned_fails_with_WSAEFAULT_without_a_crash)
{
	int fd = unit_socket(AF_INET6, SOCK_STREAM, 0);
	size_t i;

	for (i = 0; i < N(all_codes); i++)
		expect_fail(call(fd, all_codes[i], (DWORD *)16), WSAEFAULT);
	close(fd);
}
END_TEST

START_TEST(a_PROT_NONE_or_read_only_lpcbBytesReturned_fails_with_WSAEFAULT)
{
	int fd = unit_socket(AF_INET, SOCK_DGRAM, 0);
	DWORD *n = unit_map(1, none), *r = unit_map(1, ro);
	unsigned char *p = unit_map(2, rw_none);
	size_t i;

	for (i = 0; i < N(all_codes); i++) {
		expect_fail(call(fd, all_codes[i], n), WSAEFAULT);
		expect_fail(call(fd, all_codes[i], r), WSAEFAULT);
		/* the last two bytes of a page, then PROT_NONE */
		expect_fail(call(fd, all_codes[i], (DWORD *)(p + unit_page_size() - 2)), WSAEFAULT);
	}
	ck_assert_uint_eq(*(unsigned char *)r, 0x5a);
	close(fd);
}
END_TEST

START_TEST(lpcbBytesReturned_is_checked_before_the_socket_as_wine_does)
{
	expect_fail(call(-1, SIO_FLUSH, NULL), WSAEFAULT);
	expect_fail(call(unit_closed_fd(), SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, (DWORD *)16),
		    WSAEFAULT);
}
END_TEST

/* ------------------------------------------------------------- sockets */

START_TEST(a_negative_or_closed_fd_fails_with_WSAENOTSOCK)
{
	expect_codes_fail(-1, all_codes, N(all_codes), WSAENOTSOCK);
	expect_codes_fail(INVALID_SOCKET, all_codes, N(all_codes), WSAENOTSOCK);
	expect_codes_fail(unit_closed_fd(), all_codes, N(all_codes), WSAENOTSOCK);
}
END_TEST

START_TEST(a_pipe_fails_with_WSAENOTSOCK)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	expect_codes_fail(p[0], all_codes, N(all_codes), WSAENOTSOCK);
	expect_codes_fail(p[1], all_codes, N(all_codes), WSAENOTSOCK);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(a_regular_file_fails_with_WSAENOTSOCK)
{
	int fd = memfd_create("unit", MFD_CLOEXEC);
	struct stat st;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	expect_codes_fail(fd, all_codes, N(all_codes), WSAENOTSOCK);
	close(fd);
}
END_TEST

START_TEST(a_unix_or_netlink_socket_fails_with_WSAEOPNOTSUPP)
{
	int u = unit_socket(AF_UNIX, SOCK_DGRAM, 0);
	int n = unit_socket(AF_NETLINK, SOCK_RAW, 0);

	expect_codes_fail(u, wfp_codes, N(wfp_codes), WSAEOPNOTSUPP);
	expect_codes_fail(n, wfp_codes, N(wfp_codes), WSAEOPNOTSUPP);
	close(u);
	close(n);
}
END_TEST

START_TEST(a_raw_ip_socket_fails_with_WSAEOPNOTSUPP)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);

	if (fd < 0) /* unprivileged: a ping socket, where the host allows it */
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
	ck_assert_msg(fd >= 0, "no raw or ping socket: %s", strerror(errno));
	expect_codes_fail(fd, wfp_codes, N(wfp_codes), WSAEOPNOTSUPP);
	close(fd);
}
END_TEST

START_TEST(without_the_module_tcp_and_udp_over_ipv4_and_ipv6_fail_with_WSAEOPNOTSUPP)
{
	static const int families[] = { AF_INET, AF_INET6 };
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM };
	size_t f, t;

	unit_assert_module_absent();
	for (f = 0; f < N(families); f++) {
		for (t = 0; t < N(types); t++) {
			int fd = unit_socket(families[f], types[t], 0);

			expect_codes_fail(fd, wfp_codes, N(wfp_codes), WSAEOPNOTSUPP);
			close(fd);
		}
	}
}
END_TEST

/* --------------------------------------------------------- codes, flush */

START_TEST(an_unknown_code_fails_with_WSAEINVAL)
{
	/*
	 * Near misses of the WFP codes (0x480000DC was seen in third-party
	 * code), SIO_GET_EXTENSION_FUNCTION_POINTER, FIONREAD, and extremes.
	 */
	static const DWORD unknown[] = {
		0x480000DC,
		0x980000DF,
		0x580000DC,
		0xC8000006,
		0x4004667F,
		0,
		0xFFFFFFFF,
		/* the hand-off's number without IOC_OUT, the query's with it */
		0x98005751,
		0xD8005750,
	};
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	size_t i;

	for (i = 0; i < N(unknown); i++) {
		DWORD ret = POISON;

		expect_fail(WSAIoctl(fd, unknown[i], records, sizeof(records), records,
				     sizeof(records), &ret, NULL, NULL),
			    WSAEINVAL);
		ck_assert_uint_eq(ret, 0);
	}
	close(fd);
}
END_TEST

START_TEST(SIO_FLUSH_succeeds_with_zero_bytes_and_keeps_the_last_error)
{
	int tcp = unit_socket(AF_INET, SOCK_STREAM, 0);
	int unx = unit_socket(AF_UNIX, SOCK_STREAM, 0);
	DWORD ret = POISON;

	ck_assert_int_eq(WSAIoctl(tcp, SIO_FLUSH, NULL, 0, NULL, 0, &ret, NULL, NULL), 0);
	ck_assert_uint_eq(ret, 0);
	ck_assert_int_eq(WSAGetLastError(), LAST_ERROR);
	ret = POISON;
	ck_assert_int_eq(WSAIoctl(unx, SIO_FLUSH, NULL, 0, NULL, 0, &ret, NULL, NULL), 0);
	ck_assert_uint_eq(ret, 0);
	close(tcp);
	close(unx);
}
END_TEST

START_TEST(lpOverlapped_and_lpCompletionRoutine_are_ignored_and_untouched)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	WSAOVERLAPPED ov, copy;
	LPWSAOVERLAPPED_COMPLETION_ROUTINE routine;
	DWORD ret = POISON;
	size_t i;

	memset(&ov, 0xa5, sizeof(ov));
	copy = ov;
	/* abort() has another signature; it must never be called */
	routine = (LPWSAOVERLAPPED_COMPLETION_ROUTINE)(void (*)(void))abort;
	ck_assert_int_eq(WSAIoctl(fd, SIO_FLUSH, NULL, 0, NULL, 0, &ret, &ov, routine), 0);
	ck_assert_uint_eq(ret, 0);
	for (i = 0; i < N(wfp_codes); i++) {
		unsigned char buf[64];
		DWORD in_len;
		void *in;

		input_for(wfp_codes[i], &fd, &in, &in_len);
		if (!in) {
			in = records; /* ignored */
			in_len = sizeof(records);
		}
		ret = POISON;
		expect_fail(WSAIoctl(fd, wfp_codes[i], in, in_len, buf,
				     wfp_codes[i] == SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS
					     ? 0
					     : sizeof(buf),
				     &ret, &ov, routine),
			    WSAEOPNOTSUPP); /* synchronous, no WSA_IO_PENDING */
		ck_assert_uint_eq(ret, 0);
	}
	/* an unmapped overlapped pointer is not looked at either */
	ck_assert_int_eq(
		WSAIoctl(fd, SIO_FLUSH, NULL, 0, NULL, 0, &ret, (LPWSAOVERLAPPED)16, routine), 0);
	ck_assert_int_eq(memcmp(&ov, &copy, sizeof(ov)), 0);
	close(fd);
}
END_TEST

/* ------------------------------------------------------------------ SET */

START_TEST(SET_with_cbOutBuffer_not_zero_fails_with_WSAEINVAL)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char out[8];
	DWORD ret = POISON;

	expect_fail(wfpredir__ioctl(&fake_sockopt, fd, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS,
				    records, sizeof(records), out, sizeof(out), &ret),
		    WSAEINVAL);
	ck_assert_uint_eq(ret, 0);
	expect_fail(WSAIoctl(fd, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, records, sizeof(records),
			     NULL, 1, &ret, NULL, NULL),
		    WSAEINVAL);
	ck_assert_int_eq(fake.calls, 0);
	close(fd);
}
END_TEST

START_TEST(SET_with_cbInBuffer_zero_fails_with_WSAEINVAL)
{
	int fd = unit_socket(AF_INET6, SOCK_DGRAM, 0);
	DWORD ret = POISON;

	expect_fail(wfpredir__ioctl(&fake_sockopt, fd, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS,
				    records, 0, NULL, 0, &ret),
		    WSAEINVAL);
	ck_assert_uint_eq(ret, 0);
	expect_fail(WSAIoctl(fd, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, NULL, 0, NULL, 0, &ret,
			     NULL, NULL),
		    WSAEINVAL);
	ck_assert_int_eq(fake.calls, 0);
	close(fd);
}
END_TEST

START_TEST(SET_with_a_null_lpvInBuffer_and_a_size_fails_with_WSAEFAULT)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	DWORD ret = POISON;

	expect_fail(WSAIoctl(fd, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, NULL, 100, NULL, 0, &ret,
			     NULL, NULL),
		    WSAEFAULT);
	ck_assert_uint_eq(ret, 0);
	close(fd);
}
END_TEST

START_TEST(SET_with_an_unmapped_or_PROT_NONE_lpvInBuffer_fails_with_WSAEFAULT)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char *n = unit_map(1, none), *p = unit_map(2, rw_none);
	void *bad[] = { (void *)16, n, p + unit_page_size() - 8 /* runs into PROT_NONE */ };
	size_t i;

	for (i = 0; i < N(bad); i++) {
		DWORD ret = POISON;

		expect_fail(WSAIoctl(fd, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, bad[i], 16, NULL,
				     0, &ret, NULL, NULL),
			    WSAEFAULT);
		ck_assert_uint_eq(ret, 0);
		ret = POISON;
		expect_fail(wfpredir__ioctl(&fake_sockopt, fd,
					    SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, bad[i], 16,
					    NULL, 0, &ret),
			    WSAEFAULT);
		ck_assert_uint_eq(ret, 0);
	}
	/* the kernel may be asked first: it faults as the probe does */
	close(fd);
}
END_TEST

START_TEST(a_successful_SET_returns_zero_with_cbInBuffer_bytes_and_keeps_the_last_error)
{
	int v4 = unit_socket(AF_INET, SOCK_STREAM, 0);
	int v6 = unit_socket(AF_INET6, SOCK_DGRAM, 0);
	DWORD ret = POISON;

	ck_assert_int_eq(wfpredir__ioctl(&fake_sockopt, v4, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS,
					 records, 40, NULL, 0, &ret),
			 0);
	ck_assert_uint_eq(ret, 40);
	ck_assert_int_eq(WSAGetLastError(), LAST_ERROR);
	ck_assert_int_eq(fake.level, SOL_IP);
	ck_assert_int_eq(fake.name, WFPREDIR_SO_SET_RECORDS);
	ck_assert_uint_eq(fake.asked, 40);
	ck_assert_int_eq(memcmp(fake.set_copy, records, 40), 0);

	ck_assert_int_eq(wfpredir__ioctl(&fake_sockopt, v6, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS,
					 records, 1, NULL, 0, &ret),
			 0);
	ck_assert_uint_eq(ret, 1);
	/* SOL_IP for both families: the IPv6 layer hands it to the same handler */
	ck_assert_int_eq(fake.level, SOL_IP);
	close(v4);
	close(v6);
}
END_TEST

START_TEST(SET_kernel_errors_reach_WSAGetLastError_through_the_table)
{
	static const struct {
		int err, wsa;
	} cases[] = {
		{ -EPERM, WSAEACCES },		{ -EISCONN, WSAEINVAL },
		{ -EINVAL, WSAEINVAL },		{ -EBADMSG, WSAEINVAL },
		{ -EPROTO, WSAEINVAL },		{ -ENOSPC, WSAENOBUFS },
		{ -ENOMEM, WSAENOBUFS },	{ -EFAULT, WSAEFAULT },
		{ -EOPNOTSUPP, WSAEOPNOTSUPP }, { -ENOPROTOOPT, WSAEOPNOTSUPP },
	};
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	size_t i;

	for (i = 0; i < N(cases); i++) {
		DWORD ret = POISON;

		fake.err = cases[i].err;
		expect_fail(wfpredir__ioctl(&fake_sockopt, fd,
					    SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, records,
					    sizeof(records), NULL, 0, &ret),
			    cases[i].wsa);
		ck_assert_uint_eq(ret, 0);
	}
	close(fd);
}
END_TEST

/* ---------------------------------------------------------------- QUERY */

START_TEST(a_query_with_an_unmapped_PROT_NONE_or_read_only_lpvOutBuffer_fails_with_WSAEFAULT)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char *n = unit_map(1, none), *r = unit_map(1, ro), *p = unit_map(2, rw_none);
	void *bad[] = { (void *)16, n, r, p + unit_page_size() - 8 };
	size_t i, j;

	fake.data = "records";
	fake.data_len = 7;
	for (i = 0; i < N(bad); i++) {
		for (j = 0; j < N(query_codes); j++) {
			DWORD ret = POISON;

			expect_fail(WSAIoctl(fd, query_codes[j], NULL, 0, bad[i], 64, &ret, NULL,
					     NULL),
				    WSAEFAULT);
			ck_assert_uint_eq(ret, 0);
			ret = POISON;
			expect_fail(wfpredir__ioctl(&fake_sockopt, fd, query_codes[j], NULL, 0,
						    bad[i], 64, &ret),
				    WSAEFAULT);
			ck_assert_uint_eq(ret, 0);
		}
	}
	ck_assert_uint_eq(r[0], 0x5a);
	close(fd);
}
END_TEST

START_TEST(a_cbOutBuffer_larger_than_the_real_buffer_fails_with_WSAEFAULT)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char *p = unit_map(2, rw_none);
	DWORD ret = POISON;

	expect_fail(wfpredir__ioctl(&fake_sockopt, fd, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
				    NULL, 0, p, (DWORD)unit_page_size() + 1, &ret),
		    WSAEFAULT);
	ck_assert_uint_eq(ret, 0);
	close(fd);
}
END_TEST

START_TEST(pointer_and_parameter_checks_come_before_the_family_check)
{
	int u = unit_socket(AF_UNIX, SOCK_STREAM, 0);
	DWORD ret;

	expect_fail(WSAIoctl(u, SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT, NULL, 0, (void *)16, 8,
			     &ret, NULL, NULL),
		    WSAEFAULT);
	expect_fail(WSAIoctl(u, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, records, 8, NULL, 8, &ret,
			     NULL, NULL),
		    WSAEINVAL);
	expect_fail(WSAIoctl(u, 0x12345678, NULL, 0, NULL, 0, &ret, NULL, NULL), WSAEINVAL);
	close(u);
}
END_TEST

START_TEST(a_query_that_fits_returns_zero_and_the_bytes_written_and_keeps_the_last_error)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char buf[64];
	size_t i;

	fake.data = "redirect data";
	fake.data_len = 13;
	for (i = 0; i < N(query_codes); i++) {
		DWORD ret = POISON;

		memset(buf, 0, sizeof(buf));
		ck_assert_int_eq(wfpredir__ioctl(&fake_sockopt, fd, query_codes[i], NULL, 0, buf,
						 sizeof(buf), &ret),
				 0);
		ck_assert_uint_eq(ret, 13);
		ck_assert_int_eq(memcmp(buf, "redirect data", 13), 0);
		ck_assert_int_eq(WSAGetLastError(), LAST_ERROR);
		ck_assert_int_eq(fake.level, SOL_IP);
		ck_assert_uint_eq(fake.asked, sizeof(buf));
	}
	close(fd);
}
END_TEST

START_TEST(the_queries_ask_at_sol_ip_first_and_at_the_family_level_after_a_failure)
{
	int v6 = unit_socket(AF_INET6, SOCK_STREAM, 0);
	unsigned char buf[16];
	DWORD ret;

	fake.data = "x";
	fake.data_len = 1;
	ck_assert_int_eq(wfpredir__ioctl(&fake_sockopt, v6,
					 SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, NULL, 0, buf,
					 sizeof(buf), &ret),
			 0);
	ck_assert_int_eq(fake.name, WFPREDIR_SO_GET_RECORDS);
	ck_assert_int_eq(fake.level, SOL_IP);
	ck_assert_int_eq(fake.calls, 1);
	ck_assert_int_eq(wfpredir__ioctl(&fake_sockopt, v6,
					 SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT, NULL, 0, buf,
					 sizeof(buf), &ret),
			 0);
	ck_assert_int_eq(fake.name, WFPREDIR_SO_GET_CONTEXT);
	ck_assert_int_eq(fake.level, SOL_IP);
	ck_assert_int_eq(wfpredir__ioctl(&fake_sockopt, v6, SIO_QUERY_WFPREDIR_REDIRECT, NULL, 0,
					 buf, sizeof(buf), &ret),
			 0);
	ck_assert_int_eq(fake.name, WFPREDIR_SO_GET_REDIRECT);
	fake_reset();
	fake.err = -ENOENT;
	expect_fail(wfpredir__ioctl(&fake_sockopt, v6, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
				    NULL, 0, buf, sizeof(buf), &ret),
		    FWP_E_NOT_FOUND);
	ck_assert_int_eq(fake.first_level, SOL_IP);
	ck_assert_int_eq(fake.level, SOL_IPV6);
	ck_assert_uint_eq(ret, 0);
	close(v6);
}
END_TEST

START_TEST(a_query_into_a_too_small_buffer_fails_with_WSAEFAULT_and_the_size_needed)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char data[300], buf[100];
	size_t i;

	memset(data, 0xab, sizeof(data));
	fake.data = data;
	fake.data_len = sizeof(data);
	for (i = 0; i < N(query_codes); i++) {
		DWORD ret = POISON;

		memset(buf, 0, sizeof(buf));
		expect_fail(wfpredir__ioctl(&fake_sockopt, fd, query_codes[i], NULL, 0, buf,
					    sizeof(buf), &ret),
			    WSAEFAULT);
		ck_assert_uint_eq(ret, sizeof(data));
		ck_assert_uint_eq(fake.asked, sizeof(buf));
		ck_assert_int_eq(buf[0], 0); /* nothing copied */
	}
	close(fd);
}
END_TEST

START_TEST(a_query_with_cbOutBuffer_zero_or_a_null_buffer_is_a_size_probe)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char buf[8];
	DWORD ret = POISON;

	fake.data = "some redirect records";
	fake.data_len = 21;
	expect_fail(wfpredir__ioctl(&fake_sockopt, fd, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
				    NULL, 0, buf, 0, &ret),
		    WSAEFAULT);
	ck_assert_uint_eq(ret, 21);
	ck_assert_uint_eq(fake.asked, 0);

	ret = POISON;
	fake.asked = 99;
	expect_fail(wfpredir__ioctl(&fake_sockopt, fd, SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT,
				    NULL, 0, NULL, 4096, &ret),
		    WSAEFAULT);
	ck_assert_uint_eq(ret, 21);
	ck_assert_uint_eq(fake.asked, 0);
	ck_assert_ptr_null(fake.buf);
	close(fd);
}
END_TEST

START_TEST(a_caller_that_probes_the_size_then_queries_gets_the_data)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char data[700];
	DWORD ret = 0, size;
	unsigned char *buf;
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)i;
	fake.data = data;
	fake.data_len = sizeof(data);
	/* the Windows remarks: pass 0 to learn the size */
	expect_fail(wfpredir__ioctl(&fake_sockopt, fd, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
				    NULL, 0, NULL, 0, &ret),
		    WSAEFAULT);
	size = ret;
	buf = malloc(size);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(wfpredir__ioctl(&fake_sockopt, fd,
					 SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, NULL, 0, buf,
					 size, &ret),
			 0);
	ck_assert_uint_eq(ret, sizeof(data));
	ck_assert_int_eq(memcmp(buf, data, sizeof(data)), 0);
	free(buf);
	close(fd);
}
END_TEST

START_TEST(a_caller_that_doubles_its_buffer_on_WSAEFAULT_gets_the_data)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char data[1100];
	unsigned char *buf = NULL;
	DWORD size = 16, ret = 0;
	int rc, rounds = 0;

	memset(data, 0x3c, sizeof(data));
	fake.data = data;
	fake.data_len = sizeof(data);
	for (;;) {
		unsigned char *bigger = realloc(buf, size);

		ck_assert_ptr_nonnull(bigger);
		buf = bigger;
		rc = wfpredir__ioctl(&fake_sockopt, fd, SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT,
				     NULL, 0, buf, size, &ret);
		if (rc == 0 || WSAGetLastError() != WSAEFAULT)
			break;
		size *= 2;
		ck_assert_int_lt(++rounds, 10);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(ret, sizeof(data));
	ck_assert_uint_eq(size, 2048);
	ck_assert_int_eq(memcmp(buf, data, sizeof(data)), 0);
	free(buf);
	close(fd);
}
END_TEST

START_TEST(a_connection_not_redirected_or_without_context_fails_with_FWP_E_NOT_FOUND)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char buf[64];
	DWORD ret = POISON;

	fake.err = -ENOENT;
	expect_fail(wfpredir__ioctl(&fake_sockopt, fd, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
				    NULL, 0, buf, sizeof(buf), &ret),
		    FWP_E_NOT_FOUND);
	ck_assert_uint_eq(ret, 0);
	fake.err = -ENODATA;
	ret = POISON;
	expect_fail(wfpredir__ioctl(&fake_sockopt, fd, SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT,
				    NULL, 0, buf, sizeof(buf), &ret),
		    FWP_E_NOT_FOUND);
	ck_assert_uint_eq(ret, 0);
	close(fd);
}
END_TEST

START_TEST(a_query_on_an_unconnected_socket_fails_with_WSAENOTCONN)
{
	int fd = unit_socket(AF_INET6, SOCK_STREAM, 0);
	unsigned char buf[64];
	DWORD ret = POISON;

	fake.err = -ENOTCONN;
	expect_fail(wfpredir__ioctl(&fake_sockopt, fd, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
				    NULL, 0, buf, sizeof(buf), &ret),
		    WSAENOTCONN);
	ck_assert_uint_eq(ret, 0);
	close(fd);
}
END_TEST

START_TEST(a_query_ignores_lpvInBuffer_and_cbInBuffer)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char buf[16];
	DWORD ret = POISON;

	fake.data = "ok";
	fake.data_len = 2;
	ck_assert_int_eq(wfpredir__ioctl(&fake_sockopt, fd,
					 SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, (void *)16,
					 100000, buf, sizeof(buf), &ret),
			 0);
	ck_assert_uint_eq(ret, 2);
	close(fd);
}
END_TEST

/* ------------------------------------------------------------ fast path */

START_TEST(a_successful_query_or_set_asks_the_kernel_once)
{
	int fd = unit_socket(AF_INET6, SOCK_STREAM, 0);
	unsigned char buf[64];
	size_t i;

	fake.data = "answer";
	fake.data_len = 6;
	for (i = 0; i < N(query_codes); i++) {
		DWORD ret = POISON;

		fake.calls = 0;
		ck_assert_int_eq(wfpredir__ioctl(&fake_sockopt, fd, query_codes[i], NULL, 0, buf,
						 sizeof(buf), &ret),
				 0);
		ck_assert_int_eq(fake.calls, 1);
		ck_assert_uint_eq(ret, 6);
	}
	fake.calls = 0;
	ck_assert_int_eq(wfpredir__ioctl(&fake_sockopt, fd, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS,
					 records, 40, NULL, 0, &(DWORD){ 0 }),
			 0);
	ck_assert_int_eq(fake.calls, 1);
	close(fd);
}
END_TEST

START_TEST(a_SET_with_an_unwritable_lpcbBytesReturned_sets_nothing)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char *r = unit_map(1, ro);

	expect_fail(wfpredir__ioctl(&fake_sockopt, fd, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS,
				    records, 40, NULL, 0, (DWORD *)r),
		    WSAEFAULT);
	ck_assert_int_eq(fake.calls, 0);
	ck_assert_uint_eq(r[0], 0x5a);
	close(fd);
}
END_TEST

START_TEST(a_failed_SET_leaves_zero_in_lpcbBytesReturned_not_the_count)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	DWORD ret = POISON;

	fake.err = -EBADMSG;
	expect_fail(wfpredir__ioctl(&fake_sockopt, fd, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS,
				    records, 40, NULL, 0, &ret),
		    WSAEINVAL);
	ck_assert_uint_eq(ret, 0);
	close(fd);
}
END_TEST

START_TEST(a_query_the_kernel_answered_fails_when_an_unwritten_page_is_bad)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char *p = unit_map(2, rw_none);
	size_t i;

	/* the answer fits in the first page, the declared length does not */
	fake.data = "redirect data";
	fake.data_len = 13;
	for (i = 0; i < N(query_codes); i++) {
		DWORD ret = POISON;

		expect_fail(wfpredir__ioctl(&fake_sockopt, fd, query_codes[i], NULL, 0, p,
					    (DWORD)unit_page_size() + 16, &ret),
			    WSAEFAULT);
		ck_assert_uint_eq(ret, 0);
	}
	close(fd);
}
END_TEST

START_TEST(a_query_with_an_unwritable_lpcbBytesReturned_fails_with_WSAEFAULT)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char *r = unit_map(1, ro), buf[64];
	size_t i;

	fake.data = "redirect data";
	fake.data_len = 13;
	for (i = 0; i < N(query_codes); i++) {
		WSASetLastError(LAST_ERROR);
		expect_fail(wfpredir__ioctl(&fake_sockopt, fd, query_codes[i], NULL, 0, buf,
					    sizeof(buf), (DWORD *)r),
			    WSAEFAULT);
		ck_assert_uint_eq(r[0], 0x5a);
	}
	close(fd);
}
END_TEST

START_TEST(the_combined_query_too_small_gives_WSAEFAULT_and_the_size_needed)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char buf[8];
	DWORD ret = POISON;

	fake.data = "header+records+context";
	fake.data_len = 22;
	expect_fail(wfpredir__ioctl(&fake_sockopt, fd, SIO_QUERY_WFPREDIR_REDIRECT, NULL, 0, buf,
				    sizeof(buf), &ret),
		    WSAEFAULT);
	ck_assert_uint_eq(ret, 22);
	ck_assert_int_eq(fake.name, WFPREDIR_SO_GET_REDIRECT);
	fake.err = -ENOENT;
	expect_fail(wfpredir__ioctl(&fake_sockopt, fd, SIO_QUERY_WFPREDIR_REDIRECT, NULL, 0, buf,
				    sizeof(buf), &ret),
		    FWP_E_NOT_FOUND);
	ck_assert_uint_eq(ret, 0);
	close(fd);
}
END_TEST

/* ------------------------------------------------------------ hand-off */

/* What WFPREDIR_SO_GET_REDIRECT answers: header, records, context. */
static const struct {
	struct wfpredir_redirect hdr;
	unsigned char records[12];
	unsigned char context[5];
} __attribute__((packed)) answer = {
	{ .hdr_len = 8, .records_len = 12, .context_len = 5 },
	"records blob",
	"ctx!!",
};

static void answer_with(const void *data, socklen_t len)
{
	fake.data = data;
	fake.data_len = len;
}

/* The hand-off from @from on @up into @out (@out_len), through the fake. */
static int handoff(SOCKET up, SOCKET from, void *out, DWORD out_len, DWORD *ret)
{
	return wfpredir__ioctl(&fake_sockopt, up, SIO_WFPREDIR_HANDOFF, &from, sizeof(from), out,
			       out_len, ret);
}

/* Failed with @wsa, 0 bytes returned, nothing handed on. */
static void expect_handoff_fail(int rc, const DWORD *ret, int wsa)
{
	expect_fail(rc, wsa);
	ck_assert_uint_eq(*ret, 0);
	ck_assert(!fake.handed);
}

START_TEST(a_handoff_answers_as_the_query_in_one_kernel_call_naming_the_callers_buffers)
{
	static const int families[] = { AF_INET, AF_INET6 };
	int from = unit_socket(AF_INET, SOCK_STREAM, 0);
	struct wfpredir_handoff_buffers req;
	unsigned char buf[256];
	size_t i;

	for (i = 0; i < N(families); i++) {
		int up = unit_socket(families[i], SOCK_STREAM, 0);
		DWORD ret = POISON;

		fake_reset();
		answer_with(&answer, sizeof(answer));
		memset(buf, 0, sizeof(buf));
		ck_assert_int_eq(handoff(up, from, buf, sizeof(buf), &ret), 0);
		ck_assert_uint_eq(ret, sizeof(answer));
		ck_assert_int_eq(memcmp(buf, &answer, sizeof(answer)), 0);
		ck_assert_int_eq(WSAGetLastError(), LAST_ERROR);
		ck_assert_int_eq(fake.calls, 1);
		ck_assert_int_eq(fake.name, WFPREDIR_SO_HANDOFF);
		ck_assert_int_eq(fake.level, SOL_IP);
		/* the request is the library's, the answer goes to the caller's */
		ck_assert_ptr_ne(fake.buf, buf);
		ck_assert_uint_eq(fake.asked, sizeof(req));
		memcpy(&req, fake.get_in, sizeof(req));
		ck_assert_uint_eq(req.head.flags, WFPREDIR_HANDOFF_F_BUFFERS);
		ck_assert_uint_eq(req.answer, (uintptr_t)buf);
		ck_assert_uint_eq(req.answer_len, sizeof(buf));
		ck_assert_uint_eq(req.reserved, 0);
		ck_assert_int_eq(fake.handoff_from, from);
		ck_assert(fake.handed);
		close(up);
	}
	close(from);
}
END_TEST

START_TEST(a_handoff_on_a_module_without_the_buffers_request_puts_the_request_first)
{
	int up = unit_socket(AF_INET, SOCK_STREAM, 0), from = 9;
	struct wfpredir_handoff req;
	unsigned char buf[256];
	DWORD ret = POISON;

	fake.old_handoff = true;
	answer_with(&answer, sizeof(answer));
	ck_assert_int_eq(handoff(up, from, buf, sizeof(buf), &ret), 0);
	ck_assert_uint_eq(ret, sizeof(answer));
	ck_assert_int_eq(memcmp(buf, &answer, sizeof(answer)), 0);
	/* the buffers request refused (EINVAL), then the request in buf */
	ck_assert_int_eq(fake.calls, 2);
	ck_assert_int_eq(fake.name, WFPREDIR_SO_HANDOFF);
	ck_assert_ptr_eq(fake.buf, buf);
	ck_assert_uint_eq(fake.asked, sizeof(buf));
	memcpy(&req, fake.get_in, sizeof(req));
	ck_assert_int_eq(req.from_fd, from);
	ck_assert_uint_eq(req.flags, 0);
	ck_assert(fake.handed);
	close(up);
}
END_TEST

START_TEST(wspioctl_takes_the_handoff_too)
{
	int up = unit_socket(AF_INET, SOCK_STREAM, 0), from = up;
	unsigned char buf[64];
	DWORD ret = POISON;
	int err = 77;

	answer_with(&answer, sizeof(answer));
	ck_assert_int_eq(wfpredir__spi_ioctl(&fake_sockopt, up, SIO_WFPREDIR_HANDOFF, &from,
					     sizeof(from), buf, sizeof(buf), &ret, &err),
			 0);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(ret, sizeof(answer));
	fake_reset();
	fake.err = -ENOENT;
	ck_assert_int_eq(wfpredir__spi_ioctl(&fake_sockopt, up, SIO_WFPREDIR_HANDOFF, &from,
					     sizeof(from), buf, sizeof(buf), &ret, &err),
			 SOCKET_ERROR);
	ck_assert_int_eq(err, FWP_E_NOT_FOUND);
	ck_assert_int_eq(WSAGetLastError(), LAST_ERROR);
	close(up);
}
END_TEST

START_TEST(a_handoff_too_small_gives_WSAEFAULT_the_size_needed_and_hands_nothing_on)
{
	int up = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char buf[sizeof(answer)];
	struct wfpredir_handoff req;
	static const DWORD lens[] = { sizeof(answer) - 1, sizeof(struct wfpredir_handoff), 4, 0 };
	size_t i;

	answer_with(&answer, sizeof(answer));
	for (i = 0; i < N(lens); i++) {
		DWORD ret = POISON;

		memset(buf, 0xa5, sizeof(buf));
		expect_fail(handoff(up, 7, buf, lens[i], &ret), WSAEFAULT);
		ck_assert_uint_eq(ret, sizeof(answer));
		ck_assert(!fake.handed);
		/* Room for the request: it goes there; else into the library's. */
		ck_assert_int_eq(fake.buf == buf, lens[i] >= sizeof(req));
		ck_assert_uint_ge(fake.asked, sizeof(req));
		memcpy(&req, fake.get_in, sizeof(req));
		ck_assert_int_eq(req.from_fd, 7);
		ck_assert_uint_eq(buf[sizeof(req)], 0xa5); /* nothing copied */
	}
	/* NULL: a size probe, whatever cbOutBuffer says */
	{
		DWORD ret = POISON;

		expect_fail(handoff(up, 7, NULL, 4096, &ret), WSAEFAULT);
		ck_assert_uint_eq(ret, sizeof(answer));
		ck_assert_uint_eq(fake.asked, sizeof(req));
		ck_assert(!fake.handed);
	}
	close(up);
}
END_TEST

START_TEST(a_handoff_with_cbInBuffer_not_the_size_of_a_SOCKET_fails_with_WSAEINVAL)
{
	static const DWORD lens[] = { 0, 1, sizeof(SOCKET) - 1, sizeof(SOCKET) + 1, 8, 64 };
	int up = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char buf[64];
	SOCKET from[16] = { 0 };
	size_t i;

	answer_with(&answer, sizeof(answer));
	for (i = 0; i < N(lens); i++) {
		DWORD ret = POISON;

		expect_handoff_fail(wfpredir__ioctl(&fake_sockopt, up, SIO_WFPREDIR_HANDOFF, from,
						    lens[i], buf, sizeof(buf), &ret),
				    &ret, WSAEINVAL);
		/* before the pointer is looked at */
		expect_handoff_fail(wfpredir__ioctl(&fake_sockopt, up, SIO_WFPREDIR_HANDOFF, NULL,
						    lens[i], buf, sizeof(buf), &ret),
				    &ret, WSAEINVAL);
	}
	ck_assert_int_eq(fake.calls, 0);
	close(up);
}
END_TEST

START_TEST(
	a_handoff_with_a_bad_lpvInBuffer_or_lpvOutBuffer_fails_with_WSAEFAULT_and_hands_nothing_on)
{
	int up = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char *n = unit_map(1, none), *r = unit_map(1, ro), *p = unit_map(2, rw_none);
	void *bad_in[] = { NULL, (void *)16, n, p + unit_page_size() - 2 };
	void *bad_out[] = { (void *)16, n, r, p + unit_page_size() - 4 };
	SOCKET from = 3;
	unsigned char buf[64];
	size_t i;

	answer_with(&answer, sizeof(answer));
	for (i = 0; i < N(bad_in); i++) {
		DWORD ret = POISON;

		expect_handoff_fail(wfpredir__ioctl(&fake_sockopt, up, SIO_WFPREDIR_HANDOFF,
						    bad_in[i], sizeof(SOCKET), buf, sizeof(buf),
						    &ret),
				    &ret, WSAEFAULT);
		/* lpvInBuffer is looked at before lpvOutBuffer */
		expect_handoff_fail(wfpredir__ioctl(&fake_sockopt, up, SIO_WFPREDIR_HANDOFF,
						    bad_in[i], sizeof(SOCKET), bad_out[i], 64,
						    &ret),
				    &ret, WSAEFAULT);
	}
	for (i = 0; i < N(bad_out); i++) {
		DWORD ret = POISON;

		expect_handoff_fail(handoff(up, from, bad_out[i], 64, &ret), &ret, WSAEFAULT);
	}
	/* The answer fits in the first page, the declared length does not:
	 * Windows probes the whole buffer, and so before the kernel call. */
	{
		DWORD ret = POISON;

		fake.calls = 0;
		expect_handoff_fail(handoff(up, from, p, (DWORD)unit_page_size() + 16, &ret), &ret,
				    WSAEFAULT);
		ck_assert_int_eq(fake.calls, 0);
	}
	ck_assert_uint_eq(r[0], 0x5a);
	close(up);
}
END_TEST

START_TEST(a_handoff_checks_its_parameters_before_the_family_of_s)
{
	int u = unit_socket(AF_UNIX, SOCK_STREAM, 0);
	unsigned char buf[64];
	SOCKET from = u;
	DWORD ret = POISON;

	expect_handoff_fail(wfpredir__ioctl(&fake_sockopt, u, SIO_WFPREDIR_HANDOFF, &from, 8, buf,
					    sizeof(buf), &ret),
			    &ret, WSAEINVAL);
	expect_handoff_fail(wfpredir__ioctl(&fake_sockopt, u, SIO_WFPREDIR_HANDOFF, (void *)16,
					    sizeof(from), buf, sizeof(buf), &ret),
			    &ret, WSAEFAULT);
	fake.err = -EOPNOTSUPP; /* the kernel's answer at SOL_IP for a Unix socket */
	expect_handoff_fail(handoff(u, from, (void *)16, 8, &ret), &ret, WSAEFAULT);
	fake.calls = 0;
	expect_handoff_fail(handoff(u, from, buf, sizeof(buf), &ret), &ret, WSAEOPNOTSUPP);
	/* the family level is never asked: step 6 tells first */
	ck_assert_int_eq(fake.calls, 1);
	ck_assert_int_eq(fake.level, SOL_IP);
	close(u);
}
END_TEST

START_TEST(a_handoff_fails_as_the_kernel_says_and_hands_nothing_on)
{
	static const struct {
		int err, wsa;
	} cases[] = {
		/* the accepted socket */
		{ -EBADF, WSAENOTSOCK },
		{ -ENOTSOCK, WSAENOTSOCK },
		{ -EPROTOTYPE, WSAEOPNOTSUPP },
		{ -EXDEV, WSAEINVAL },
		{ -ENOTCONN, WSAENOTCONN },
		{ -ENOENT, FWP_E_NOT_FOUND },
		/* the onward socket */
		{ -EISCONN, WSAEINVAL },
		{ -EPERM, WSAEACCES },
		{ -EOPNOTSUPP, WSAEOPNOTSUPP },
		/* the call */
		{ -EINVAL, WSAEINVAL },
		{ -EFAULT, WSAEFAULT },
		{ -ENOSPC, WSAENOBUFS },
		{ -ENOMEM, WSAENOBUFS },
	};
	int up = unit_socket(AF_INET6, SOCK_STREAM, 0);
	unsigned char buf[64];
	size_t i;

	answer_with(&answer, sizeof(answer));
	for (i = 0; i < N(cases); i++) {
		DWORD ret = POISON;

		fake.err = cases[i].err;
		fake.calls = 0;
		expect_handoff_fail(handoff(up, 5, buf, sizeof(buf), &ret), &ret, cases[i].wsa);
		/* SOL_IP first, then the family's level, where the error is told */
		ck_assert_int_eq(fake.first_level, SOL_IP);
		ck_assert_int_eq(fake.level, SOL_IPV6);
		ck_assert_int_eq(fake.calls, 2);
	}
	close(up);
}
END_TEST

START_TEST(a_handoff_from_an_invalid_socket_fails_with_WSAENOTSOCK)
{
	int up = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char buf[64];
	DWORD ret = POISON;

	/* the host kernel, without the module: the fallback's query tells */
	expect_fail(WSAIoctl(up, SIO_WFPREDIR_HANDOFF, &(SOCKET){ INVALID_SOCKET }, sizeof(SOCKET),
			     buf, sizeof(buf), &ret, NULL, NULL),
		    WSAENOTSOCK);
	ck_assert_uint_eq(ret, 0);
	expect_fail(WSAIoctl(up, SIO_WFPREDIR_HANDOFF, &(SOCKET){ unit_closed_fd() },
			     sizeof(SOCKET), buf, sizeof(buf), &ret, NULL, NULL),
		    WSAENOTSOCK);
	/* an accepted socket the module does not know: WSAEOPNOTSUPP here,
	 * as the query gives */
	expect_fail(WSAIoctl(up, SIO_WFPREDIR_HANDOFF, &up, sizeof(SOCKET), buf, sizeof(buf), &ret,
			     NULL, NULL),
		    WSAEOPNOTSUPP);
	close(up);
}
END_TEST

START_TEST(a_handoff_with_an_unwritable_lpcbBytesReturned_asks_nothing_of_the_kernel)
{
	int up = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char *r = unit_map(1, ro), buf[64];

	answer_with(&answer, sizeof(answer));
	expect_fail(handoff(up, 3, buf, sizeof(buf), (DWORD *)r), WSAEFAULT);
	expect_fail(handoff(up, 3, buf, sizeof(buf), NULL), WSAEFAULT);
	ck_assert_int_eq(fake.calls, 0);
	ck_assert(!fake.handed);
	ck_assert_uint_eq(r[0], 0x5a);
	close(up);
}
END_TEST

static DWORD *count_page;

static void protect_count(void)
{
	ck_assert_int_eq(mprotect(count_page, unit_page_size(), PROT_READ), 0);
}

START_TEST(a_handoff_whose_count_cannot_be_stored_after_the_kernel_call_takes_the_records_back)
{
	int up = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char buf[64];
	static const int rw[] = { PROT_READ | PROT_WRITE };

	count_page = unit_map(1, rw);
	answer_with(&answer, sizeof(answer));
	/* lpcbBytesReturned is written before the kernel call, unmapped meanwhile */
	fake.on_get = protect_count;
	expect_fail(handoff(up, 3, buf, sizeof(buf), count_page), WSAEFAULT);
	ck_assert_int_eq(fake.calls, 2);
	ck_assert_int_eq(fake.name, WFPREDIR_SO_CLEAR_RECORDS);
	ck_assert(!fake.handed);
	ck_assert_uint_eq(*count_page, 0);
	unit_unmap(count_page, 1);
	close(up);
}
END_TEST

START_TEST(a_handoff_on_a_module_without_the_option_queries_then_sets)
{
	int up = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char buf[64];
	DWORD ret = POISON;

	fake.unknown_name = WFPREDIR_SO_HANDOFF;
	answer_with(&answer, sizeof(answer));
	ck_assert_int_eq(handoff(up, up, buf, sizeof(buf), &ret), 0);
	ck_assert_uint_eq(ret, sizeof(answer));
	ck_assert_int_eq(memcmp(buf, &answer, sizeof(answer)), 0);
	ck_assert_int_eq(fake.name, WFPREDIR_SO_SET_RECORDS);
	ck_assert_int_eq(fake.level, SOL_IP);
	ck_assert_uint_eq(fake.asked, sizeof(answer.records));
	ck_assert_int_eq(memcmp(fake.set_copy, answer.records, sizeof(answer.records)), 0);
	ck_assert(fake.handed);

	/* too small: the size needed, no set */
	fake.handed = false;
	ret = POISON;
	expect_fail(handoff(up, up, buf, sizeof(answer) - 1, &ret), WSAEFAULT);
	ck_assert_uint_eq(ret, sizeof(answer));
	ck_assert_int_ne(fake.name, WFPREDIR_SO_SET_RECORDS);
	ck_assert(!fake.handed);
	expect_fail(handoff(up, up, NULL, 0, &ret), WSAEFAULT);
	ck_assert_uint_eq(ret, sizeof(answer));
	ck_assert(!fake.handed);

	/* an answer that does not parse: no set */
	answer_with("not an answer", 13);
	expect_handoff_fail(handoff(up, up, buf, sizeof(buf), &ret), &ret, WSAEINVAL);

	/* without WFPREDIR_SO_GET_REDIRECT either: the query's answer */
	fake.unknown_name = 0;
	fake.err = -ENOPROTOOPT;
	expect_handoff_fail(handoff(up, up, buf, sizeof(buf), &ret), &ret, WSAEOPNOTSUPP);
	close(up);
}
END_TEST

Suite *wsaioctl_suite(void)
{
	Suite *s = suite_create("wsaioctl");
	TCase *tc = tcase_create("wsaioctl");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, a_null_lpcbBytesReturned_fails_with_WSAEFAULT_for_every_code);
	tcase_add_test(tc, an_unmapped_lpcbBytesReturned_fails_with_WSAEFAULT_without_a_crash);
	tcase_add_test(tc, a_PROT_NONE_or_read_only_lpcbBytesReturned_fails_with_WSAEFAULT);
	tcase_add_test(tc, lpcbBytesReturned_is_checked_before_the_socket_as_wine_does);
	tcase_add_test(tc, a_negative_or_closed_fd_fails_with_WSAENOTSOCK);
	tcase_add_test(tc, a_pipe_fails_with_WSAENOTSOCK);
	tcase_add_test(tc, a_regular_file_fails_with_WSAENOTSOCK);
	tcase_add_test(tc, a_unix_or_netlink_socket_fails_with_WSAEOPNOTSUPP);
	tcase_add_test(tc, a_raw_ip_socket_fails_with_WSAEOPNOTSUPP);
	tcase_add_test(tc,
		       without_the_module_tcp_and_udp_over_ipv4_and_ipv6_fail_with_WSAEOPNOTSUPP);
	tcase_add_test(tc, an_unknown_code_fails_with_WSAEINVAL);
	tcase_add_test(tc, SIO_FLUSH_succeeds_with_zero_bytes_and_keeps_the_last_error);
	tcase_add_test(tc, lpOverlapped_and_lpCompletionRoutine_are_ignored_and_untouched);
	tcase_add_test(tc, SET_with_cbOutBuffer_not_zero_fails_with_WSAEINVAL);
	tcase_add_test(tc, SET_with_cbInBuffer_zero_fails_with_WSAEINVAL);
	tcase_add_test(tc, SET_with_a_null_lpvInBuffer_and_a_size_fails_with_WSAEFAULT);
	tcase_add_test(tc, SET_with_an_unmapped_or_PROT_NONE_lpvInBuffer_fails_with_WSAEFAULT);
	tcase_add_test(
		tc, a_successful_SET_returns_zero_with_cbInBuffer_bytes_and_keeps_the_last_error);
	tcase_add_test(tc, SET_kernel_errors_reach_WSAGetLastError_through_the_table);
	tcase_add_test(
		tc,
		a_query_with_an_unmapped_PROT_NONE_or_read_only_lpvOutBuffer_fails_with_WSAEFAULT);
	tcase_add_test(tc, a_cbOutBuffer_larger_than_the_real_buffer_fails_with_WSAEFAULT);
	tcase_add_test(tc, pointer_and_parameter_checks_come_before_the_family_check);
	tcase_add_test(
		tc, a_query_that_fits_returns_zero_and_the_bytes_written_and_keeps_the_last_error);
	tcase_add_test(tc, the_queries_ask_at_sol_ip_first_and_at_the_family_level_after_a_failure);
	tcase_add_test(tc, a_successful_query_or_set_asks_the_kernel_once);
	tcase_add_test(tc, a_SET_with_an_unwritable_lpcbBytesReturned_sets_nothing);
	tcase_add_test(tc, a_failed_SET_leaves_zero_in_lpcbBytesReturned_not_the_count);
	tcase_add_test(tc, a_query_the_kernel_answered_fails_when_an_unwritten_page_is_bad);
	tcase_add_test(tc, a_query_with_an_unwritable_lpcbBytesReturned_fails_with_WSAEFAULT);
	tcase_add_test(tc, the_combined_query_too_small_gives_WSAEFAULT_and_the_size_needed);
	tcase_add_test(tc,
		       a_query_into_a_too_small_buffer_fails_with_WSAEFAULT_and_the_size_needed);
	tcase_add_test(tc, a_query_with_cbOutBuffer_zero_or_a_null_buffer_is_a_size_probe);
	tcase_add_test(tc, a_caller_that_probes_the_size_then_queries_gets_the_data);
	tcase_add_test(tc, a_caller_that_doubles_its_buffer_on_WSAEFAULT_gets_the_data);
	tcase_add_test(tc,
		       a_connection_not_redirected_or_without_context_fails_with_FWP_E_NOT_FOUND);
	tcase_add_test(tc, a_query_on_an_unconnected_socket_fails_with_WSAENOTCONN);
	tcase_add_test(tc, a_query_ignores_lpvInBuffer_and_cbInBuffer);
	tcase_add_test(
		tc, a_handoff_answers_as_the_query_in_one_kernel_call_naming_the_callers_buffers);
	tcase_add_test(tc,
		       a_handoff_on_a_module_without_the_buffers_request_puts_the_request_first);
	tcase_add_test(tc, wspioctl_takes_the_handoff_too);
	tcase_add_test(tc,
		       a_handoff_too_small_gives_WSAEFAULT_the_size_needed_and_hands_nothing_on);
	tcase_add_test(tc, a_handoff_with_cbInBuffer_not_the_size_of_a_SOCKET_fails_with_WSAEINVAL);
	tcase_add_test(
		tc,
		a_handoff_with_a_bad_lpvInBuffer_or_lpvOutBuffer_fails_with_WSAEFAULT_and_hands_nothing_on);
	tcase_add_test(tc, a_handoff_checks_its_parameters_before_the_family_of_s);
	tcase_add_test(tc, a_handoff_fails_as_the_kernel_says_and_hands_nothing_on);
	tcase_add_test(tc, a_handoff_from_an_invalid_socket_fails_with_WSAENOTSOCK);
	tcase_add_test(tc,
		       a_handoff_with_an_unwritable_lpcbBytesReturned_asks_nothing_of_the_kernel);
	tcase_add_test(
		tc,
		a_handoff_whose_count_cannot_be_stored_after_the_kernel_call_takes_the_records_back);
	tcase_add_test(tc, a_handoff_on_a_module_without_the_option_queries_then_sets);
	suite_add_tcase(s, tc);
	return s;
}
