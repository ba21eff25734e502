// SPDX-License-Identifier: MIT
/* lib/sockopt.c: the native calls (0 or -errno, no WSA last error). */
#include "unit.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void setup(void)
{
	fake_reset();
	WSASetLastError(4242);
}

static void teardown(void)
{
	/* no native call touches the WSA last error */
	ck_assert_int_eq(WSAGetLastError(), 4242);
}

/* Each native call on fd gives want (a negative errno). */
static void expect_all(int fd, int want)
{
	unsigned char buf[64] = { 0 };
	size_t len = sizeof(buf);

	ck_assert_int_eq(wfpredir_set_records(fd, buf, sizeof(buf)), want);
	ck_assert_int_eq(wfpredir_query_records(fd, buf, &len), want);
	ck_assert_uint_eq(len, sizeof(buf));
	ck_assert_int_eq(wfpredir_query_context(fd, buf, &len), want);
	ck_assert_uint_eq(len, sizeof(buf));
}

START_TEST(a_negative_or_closed_fd_gives_ebadf)
{
	expect_all(-1, -EBADF);
	expect_all(INT_MIN, -EBADF);
	expect_all(unit_closed_fd(), -EBADF);
}
END_TEST

START_TEST(a_pipe_or_a_regular_file_gives_enotsock)
{
	int p[2], fd;
	struct stat st;

	ck_assert_int_eq(pipe(p), 0);
	expect_all(p[0], -ENOTSOCK);
	fd = memfd_create("unit", MFD_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	expect_all(fd, -ENOTSOCK);
	close(fd);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(a_unix_or_netlink_socket_gives_eopnotsupp)
{
	int u = unit_socket(AF_UNIX, SOCK_STREAM, 0);
	int n = unit_socket(AF_NETLINK, SOCK_RAW, 0);

	expect_all(u, -EOPNOTSUPP);
	expect_all(n, -EOPNOTSUPP);
	close(u);
	close(n);
}
END_TEST

START_TEST(without_the_module_tcp_and_udp_over_ipv4_and_ipv6_give_enoprotoopt)
{
	static const int families[] = { AF_INET, AF_INET6 };
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM };
	size_t f, t;

	unit_assert_module_absent();
	for (f = 0; f < 2; f++) {
		for (t = 0; t < 2; t++) {
			int fd = unit_socket(families[f], types[t], 0);

			expect_all(fd, -ENOPROTOOPT);
			close(fd);
		}
	}
}
END_TEST

START_TEST(a_query_with_a_null_len_gives_efault)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	char buf[8];

	ck_assert_int_eq(wfpredir_query_records(fd, buf, NULL), -EFAULT);
	ck_assert_int_eq(wfpredir_query_context(fd, buf, NULL), -EFAULT);
	ck_assert_int_eq(wfpredir__native_query(&fake_sockopt, fd, WFPREDIR_SO_GET_RECORDS, buf,
						NULL),
			 -EFAULT);
	ck_assert_int_eq(fake.calls, 0);
	close(fd);
}
END_TEST

START_TEST(the_kernel_is_asked_at_sol_ip_first_and_at_the_family_level_after_a_failure)
{
	int v4 = unit_socket(AF_INET, SOCK_DGRAM, 0);
	int v6 = unit_socket(AF_INET6, SOCK_STREAM, 0);
	size_t len = 0;

	ck_assert_int_eq(wfpredir__level(v4), SOL_IP);
	ck_assert_int_eq(wfpredir__level(v6), SOL_IPV6);
	/* success at SOL_IP, which the IPv6 layer hands to the same handler:
	 * one call, no SO_DOMAIN */
	ck_assert_int_eq(wfpredir__native_set(&fake_sockopt, v6, "x", 1), 0);
	ck_assert_int_eq(fake.calls, 1);
	ck_assert_int_eq(fake.level, SOL_IP);
	ck_assert_int_eq(fake.name, WFPREDIR_SO_SET_RECORDS);
	fake_reset();
	ck_assert_int_eq(
		wfpredir__native_query(&fake_sockopt, v6, WFPREDIR_SO_GET_CONTEXT, NULL, &len), 0);
	ck_assert_int_eq(fake.calls, 1);
	ck_assert_int_eq(fake.level, SOL_IP);
	ck_assert_int_eq(fake.name, WFPREDIR_SO_GET_CONTEXT);

	/* a failure is asked again at the family's level, whose error counts */
	fake_reset();
	fake.err = -ENOENT;
	len = 8;
	ck_assert_int_eq(wfpredir__native_query(&fake_sockopt, v6, WFPREDIR_SO_GET_RECORDS, NULL,
						&len),
			 -ENOENT);
	ck_assert_int_eq(fake.calls, 2);
	ck_assert_int_eq(fake.first_level, SOL_IP);
	ck_assert_int_eq(fake.level, SOL_IPV6);
	ck_assert_uint_eq(len, 8);
	fake_reset();
	fake.err = -EISCONN;
	ck_assert_int_eq(wfpredir__native_set(&fake_sockopt, v6, "x", 1), -EISCONN);
	ck_assert_int_eq(fake.calls, 2);
	ck_assert_int_eq(fake.level, SOL_IPV6);
	fake_reset();
	fake.err = -EISCONN;
	ck_assert_int_eq(wfpredir__native_set(&fake_sockopt, v4, "x", 1), -EISCONN);
	ck_assert_int_eq(fake.level, SOL_IP);
	close(v4);
	close(v6);
}
END_TEST

START_TEST(set_hands_the_records_and_their_length_to_the_kernel)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	static const char records[] = "opaque records";

	ck_assert_int_eq(wfpredir__native_set(&fake_sockopt, fd, records, sizeof(records)), 0);
	ck_assert_int_eq(fake.calls, 1);
	ck_assert_ptr_eq(fake.buf, records);
	ck_assert_uint_eq(fake.asked, sizeof(records));
	fake.err = -EBADMSG;
	ck_assert_int_eq(wfpredir__native_set(&fake_sockopt, fd, records, sizeof(records)),
			 -EBADMSG);
	close(fd);
}
END_TEST

START_TEST(set_with_more_than_int_max_bytes_gives_einval_without_asking_the_kernel)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_eq(wfpredir__native_set(&fake_sockopt, fd, "x", (size_t)INT_MAX + 1),
			 -EINVAL);
	ck_assert_int_eq(fake.calls, 0);
	close(fd);
}
END_TEST

START_TEST(a_kernel_reply_longer_than_the_buffer_gives_enobufs_and_the_size_needed)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char data[300], buf[100];
	size_t len = sizeof(buf);

	memset(data, 0xab, sizeof(data));
	memset(buf, 0, sizeof(buf));
	fake.data = data;
	fake.data_len = sizeof(data);
	ck_assert_int_eq(wfpredir__native_query(&fake_sockopt, fd, WFPREDIR_SO_GET_RECORDS, buf,
						&len),
			 -ENOBUFS);
	ck_assert_uint_eq(len, sizeof(data));
	ck_assert_uint_eq(fake.asked, sizeof(buf));
	ck_assert_int_eq(buf[0], 0);
	close(fd);
}
END_TEST

START_TEST(a_kernel_reply_that_fits_gives_zero_and_the_bytes_written)
{
	int fd = unit_socket(AF_INET6, SOCK_DGRAM, 0);
	unsigned char buf[100];
	size_t len = sizeof(buf);

	fake.data = "context";
	fake.data_len = 7;
	ck_assert_int_eq(
		wfpredir__native_query(&fake_sockopt, fd, WFPREDIR_SO_GET_CONTEXT, buf, &len), 0);
	ck_assert_uint_eq(len, 7);
	ck_assert_int_eq(memcmp(buf, "context", 7), 0);

	len = 7; /* exactly the size */
	ck_assert_int_eq(
		wfpredir__native_query(&fake_sockopt, fd, WFPREDIR_SO_GET_CONTEXT, buf, &len), 0);
	ck_assert_uint_eq(len, 7);
	close(fd);
}
END_TEST

START_TEST(a_null_buffer_asks_the_kernel_for_the_size_with_len_zero)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	size_t len = 4096;

	fake.data = "records";
	fake.data_len = 7;
	ck_assert_int_eq(wfpredir__native_query(&fake_sockopt, fd, WFPREDIR_SO_GET_RECORDS, NULL,
						&len),
			 -ENOBUFS);
	ck_assert_uint_eq(fake.asked, 0);
	ck_assert_uint_eq(len, 7);
	close(fd);
}
END_TEST

START_TEST(a_kernel_error_is_returned_with_len_unchanged)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char buf[16];
	size_t len = sizeof(buf);

	fake.err = -ENOENT;
	ck_assert_int_eq(wfpredir__native_query(&fake_sockopt, fd, WFPREDIR_SO_GET_RECORDS, buf,
						&len),
			 -ENOENT);
	ck_assert_uint_eq(len, sizeof(buf));
	close(fd);
}
END_TEST

START_TEST(a_len_above_int_max_reaches_the_kernel_as_int_max)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char buf[16];
	size_t len = (size_t)UINT_MAX + 5;

	fake.data = "r";
	fake.data_len = 1;
	ck_assert_int_eq(
		wfpredir__native_query(&fake_sockopt, fd, WFPREDIR_SO_GET_RECORDS, buf, &len), 0);
	ck_assert_uint_eq(fake.asked, INT_MAX);
	ck_assert_uint_eq(len, 1);
	close(fd);
}
END_TEST

/* A WFPREDIR_SO_GET_REDIRECT answer: header (hdr_len bytes), records,
 * context; returns its length. */
static size_t redirect_answer(unsigned char *buf, unsigned int hdr_len, const char *rec,
			      const char *ctx, unsigned int flags)
{
	struct wfpredir_redirect h = { .hdr_len = (uint16_t)hdr_len,
				       .records_len = (uint16_t)strlen(rec),
				       .context_len = (uint16_t)strlen(ctx),
				       .flags = (uint16_t)flags };

	memset(buf, 0xee, hdr_len);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + hdr_len, rec, h.records_len);
	memcpy(buf + hdr_len + h.records_len, ctx, h.context_len);
	return hdr_len + h.records_len + h.context_len;
}

START_TEST(query_redirect_points_into_the_buffer_at_the_records_and_the_context)
{
	int fd = unit_socket(AF_INET6, SOCK_STREAM, 0);
	unsigned char answer[64], buf[64];
	struct wfpredir_redirect_info info;
	size_t len = sizeof(buf);

	fake.data = answer;
	fake.data_len = (socklen_t)redirect_answer(answer, 8, "RECORDS", "CONTEXT!", 1);
	ck_assert_int_eq(wfpredir__native_query_redirect(&fake_sockopt, fd, buf, &len, &info), 0);
	ck_assert_int_eq(fake.calls, 1);
	ck_assert_int_eq(fake.name, WFPREDIR_SO_GET_REDIRECT);
	ck_assert_uint_eq(len, 8 + 7 + 8);
	ck_assert_ptr_eq(info.records, buf + 8);
	ck_assert_uint_eq(info.records_len, 7);
	ck_assert_int_eq(memcmp(info.records, "RECORDS", 7), 0);
	ck_assert_ptr_eq(info.context, buf + 15);
	ck_assert_uint_eq(info.context_len, 8);
	ck_assert_int_eq(memcmp(info.context, "CONTEXT!", 8), 0);
	ck_assert_uint_eq(info.flags, WFPREDIR_REDIRECT_F_CUSTOM_CONTEXT);
	close(fd);
}
END_TEST

START_TEST(query_redirect_finds_the_records_at_hdr_len_of_a_longer_header)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char answer[64], buf[64];
	struct wfpredir_redirect_info info;
	size_t len = sizeof(buf);

	fake.data = answer;
	fake.data_len = (socklen_t)redirect_answer(answer, 16, "R", "", 0);
	ck_assert_int_eq(wfpredir__native_query_redirect(&fake_sockopt, fd, buf, &len, &info), 0);
	ck_assert_ptr_eq(info.records, buf + 16);
	ck_assert_uint_eq(info.records_len, 1);
	/* no context: NULL, not a pointer past the records */
	ck_assert_ptr_null(info.context);
	ck_assert_uint_eq(info.context_len, 0);
	close(fd);
}
END_TEST

START_TEST(query_redirect_refuses_an_answer_whose_lengths_do_not_add_up)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char answer[64], buf[64];
	struct wfpredir_redirect_info info;
	size_t len;

	fake.data = answer;
	fake.data_len = (socklen_t)redirect_answer(answer, 8, "RECORDS", "CTX", 0) - 1;
	len = sizeof(buf);
	ck_assert_int_eq(wfpredir__native_query_redirect(&fake_sockopt, fd, buf, &len, &info),
			 -EPROTO);
	fake.data_len = (socklen_t)redirect_answer(answer, 4, "", "", 0);
	len = sizeof(buf);
	ck_assert_int_eq(wfpredir__native_query_redirect(&fake_sockopt, fd, buf, &len, &info),
			 -EPROTO);
	fake.data_len = 6; /* shorter than the header */
	len = sizeof(buf);
	ck_assert_int_eq(wfpredir__native_query_redirect(&fake_sockopt, fd, buf, &len, &info),
			 -EPROTO);
	close(fd);
}
END_TEST

START_TEST(query_redirect_too_small_or_without_a_buffer_gives_enobufs_and_the_size)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char answer[64], buf[64];
	struct wfpredir_redirect_info info;
	size_t len = 10, total;

	total = redirect_answer(answer, 8, "RECORDS", "CONTEXT", 0);
	fake.data = answer;
	fake.data_len = (socklen_t)total;
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(wfpredir__native_query_redirect(&fake_sockopt, fd, buf, &len, &info),
			 -ENOBUFS);
	ck_assert_uint_eq(len, total);
	ck_assert_int_eq(buf[0], 0);
	len = 4096;
	ck_assert_int_eq(wfpredir__native_query_redirect(&fake_sockopt, fd, NULL, &len, &info),
			 -ENOBUFS);
	ck_assert_uint_eq(len, total);
	ck_assert_uint_eq(fake.asked, 0);
	close(fd);
}
END_TEST

START_TEST(query_redirect_errors_keep_len_and_null_pointers_give_efault)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char buf[64];
	struct wfpredir_redirect_info info;
	size_t len = sizeof(buf);
	void *bad = unit_map(1, (const int[]){ PROT_NONE });

	ck_assert_int_eq(wfpredir__native_query_redirect(&fake_sockopt, fd, buf, NULL, &info),
			 -EFAULT);
	ck_assert_int_eq(wfpredir__native_query_redirect(&fake_sockopt, fd, buf, &len, NULL),
			 -EFAULT);
	ck_assert_int_eq(fake.calls, 0);
	fake.err = -ENOENT;
	ck_assert_int_eq(wfpredir__native_query_redirect(&fake_sockopt, fd, buf, &len, &info),
			 -ENOENT);
	ck_assert_uint_eq(len, sizeof(buf));
	/* a buffer the kernel cannot write: its EFAULT */
	fake.err = 0;
	fake.data = "0123456789abcdef";
	fake.data_len = 16;
	ck_assert_int_eq(wfpredir__native_query_redirect(&fake_sockopt, fd, bad, &len, &info),
			 -EFAULT);
	ck_assert_uint_eq(len, sizeof(buf));
	unit_unmap(bad, 1);
	/* not a socket: the family lookup after the failure tells */
	ck_assert_int_eq(wfpredir_query_redirect(-1, buf, &len, &info), -EBADF);
	close(fd);
}
END_TEST

START_TEST(query_redirect_makes_the_two_queries_when_the_module_predates_it)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char buf[64];
	struct wfpredir_redirect_info info;
	size_t len = sizeof(buf);

	fake.unknown_name = WFPREDIR_SO_GET_REDIRECT;
	fake.data = "BLOB";
	fake.data_len = 4;
	ck_assert_int_eq(wfpredir__native_query_redirect(&fake_sockopt, fd, buf, &len, &info), 0);
	ck_assert_int_eq(fake.name, WFPREDIR_SO_GET_CONTEXT);
	ck_assert_ptr_eq(info.records, buf);
	ck_assert_uint_eq(info.records_len, 4);
	ck_assert_ptr_eq(info.context, buf + 4);
	ck_assert_uint_eq(info.context_len, 4);
	ck_assert_uint_eq(len, 8);
	ck_assert_uint_eq(info.flags, 0);

	/* too small for both: the sum of the sizes */
	len = 6;
	ck_assert_int_eq(wfpredir__native_query_redirect(&fake_sockopt, fd, buf, &len, &info),
			 -ENOBUFS);
	ck_assert_uint_eq(len, 8);
	close(fd);
}
END_TEST

/* The request WFPREDIR_SO_HANDOFF read from the start of its buffer. */
static struct wfpredir_handoff handoff_request(void)
{
	struct wfpredir_handoff req;

	memcpy(&req, fake.get_in, sizeof(req));
	return req;
}

START_TEST(handoff_sends_the_accepted_fd_and_points_into_the_answer)
{
	int up = unit_socket(AF_INET6, SOCK_STREAM, 0);
	unsigned char answer[64], buf[64];
	struct wfpredir_redirect_info info;
	size_t len = sizeof(buf);

	fake.data = answer;
	fake.data_len = (socklen_t)redirect_answer(answer, 8, "RECORDS", "CONTEXT!", 0);
	ck_assert_int_eq(wfpredir__native_handoff(&fake_sockopt, up, 42, buf, &len, &info), 0);
	/* one call, at SOL_IP, on the onward socket */
	ck_assert_int_eq(fake.calls, 1);
	ck_assert_int_eq(fake.level, SOL_IP);
	ck_assert_int_eq(fake.name, WFPREDIR_SO_HANDOFF);
	ck_assert_ptr_eq(fake.buf, buf);
	ck_assert_uint_eq(fake.asked, sizeof(buf));
	ck_assert_int_eq(handoff_request().from_fd, 42);
	ck_assert_uint_eq(handoff_request().flags, 0);
	ck_assert_uint_eq(len, 8 + 7 + 8);
	ck_assert_ptr_eq(info.records, buf + 8);
	ck_assert_uint_eq(info.records_len, 7);
	ck_assert_ptr_eq(info.context, buf + 15);
	ck_assert_uint_eq(info.context_len, 8);
	ck_assert_uint_eq(info.flags, 0);
	close(up);
}
END_TEST

START_TEST(handoff_too_small_or_without_a_buffer_gives_enobufs_and_the_size)
{
	int up = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char answer[64], buf[64];
	struct wfpredir_redirect_info info;
	size_t len = 12, total;

	total = redirect_answer(answer, 8, "RECORDS", "CONTEXT", 0);
	fake.data = answer;
	fake.data_len = (socklen_t)total;
	ck_assert_int_eq(wfpredir__native_handoff(&fake_sockopt, up, 7, buf, &len, &info),
			 -ENOBUFS);
	ck_assert_uint_eq(len, total);
	ck_assert_uint_eq(fake.asked, 12);
	/* no buffer, or one shorter than the request: the request alone */
	len = 4096;
	ck_assert_int_eq(wfpredir__native_handoff(&fake_sockopt, up, 7, NULL, &len, &info),
			 -ENOBUFS);
	ck_assert_uint_eq(len, total);
	ck_assert_uint_eq(fake.asked, sizeof(struct wfpredir_handoff));
	ck_assert_int_eq(handoff_request().from_fd, 7);
	len = sizeof(struct wfpredir_handoff) - 1;
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(wfpredir__native_handoff(&fake_sockopt, up, 7, buf, &len, &info),
			 -ENOBUFS);
	ck_assert_uint_eq(len, total);
	ck_assert_ptr_ne(fake.buf, buf);
	ck_assert_int_eq(buf[0], 0);
	close(up);
}
END_TEST

START_TEST(handoff_checks_the_onward_fd_and_leaves_the_accepted_one_to_the_kernel)
{
	int up = unit_socket(AF_INET, SOCK_STREAM, 0), p[2];
	int u = unit_socket(AF_UNIX, SOCK_STREAM, 0);
	unsigned char buf[64];
	struct wfpredir_redirect_info info;
	size_t len = sizeof(buf);

	/* NULL len or out: nothing asked */
	ck_assert_int_eq(wfpredir__native_handoff(&fake_sockopt, up, up, buf, NULL, &info),
			 -EFAULT);
	ck_assert_int_eq(wfpredir__native_handoff(&fake_sockopt, up, up, buf, &len, NULL), -EFAULT);
	ck_assert_int_eq(fake.calls, 0);
	/* the onward descriptor, as for the other calls */
	ck_assert_int_eq(wfpredir_handoff(-1, up, buf, &len, &info), -EBADF);
	ck_assert_int_eq(wfpredir_handoff(unit_closed_fd(), up, buf, &len, &info), -EBADF);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(wfpredir_handoff(p[0], up, buf, &len, &info), -ENOTSOCK);
	ck_assert_int_eq(wfpredir_handoff(u, up, buf, &len, &info), -EOPNOTSUPP);
	ck_assert_uint_eq(len, sizeof(buf));
	/* the kernel judges the accepted one; without the module, the query
	 * of the fallback tells */
	unit_assert_module_absent();
	ck_assert_int_eq(wfpredir_handoff(up, up, buf, &len, &info), -ENOPROTOOPT);
	ck_assert_int_eq(wfpredir_handoff(up, -1, buf, &len, &info), -EBADF);
	ck_assert_int_eq(wfpredir_handoff(up, p[1], buf, &len, &info), -ENOTSOCK);
	ck_assert_uint_eq(len, sizeof(buf));
	close(p[0]);
	close(p[1]);
	close(u);
	close(up);
}
END_TEST

START_TEST(handoff_errors_are_asked_again_at_the_family_level_and_keep_len)
{
	int up = unit_socket(AF_INET6, SOCK_DGRAM, 0);
	unsigned char buf[64];
	struct wfpredir_redirect_info info;
	size_t len = sizeof(buf);

	fake.err = -EXDEV;
	ck_assert_int_eq(wfpredir__native_handoff(&fake_sockopt, up, 3, buf, &len, &info), -EXDEV);
	ck_assert_int_eq(fake.calls, 2);
	ck_assert_int_eq(fake.first_level, SOL_IP);
	ck_assert_int_eq(fake.level, SOL_IPV6);
	ck_assert_uint_eq(len, sizeof(buf));
	/* the request is written again for the second call */
	ck_assert_int_eq(handoff_request().from_fd, 3);
	close(up);
}
END_TEST

START_TEST(handoff_refuses_an_answer_whose_lengths_do_not_add_up)
{
	int up = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char answer[64], buf[64];
	struct wfpredir_redirect_info info;
	size_t len = sizeof(buf);

	fake.data = answer;
	fake.data_len = (socklen_t)redirect_answer(answer, 8, "RECORDS", "CTX", 0) - 1;
	ck_assert_int_eq(wfpredir__native_handoff(&fake_sockopt, up, 3, buf, &len, &info), -EPROTO);
	ck_assert_uint_eq(len, sizeof(buf));
	close(up);
}
END_TEST

START_TEST(handoff_with_a_len_above_int_max_asks_int_max)
{
	int up = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char answer[64], buf[64];
	struct wfpredir_redirect_info info;
	size_t len = (size_t)UINT_MAX + 5;

	fake.data = answer;
	fake.data_len = (socklen_t)redirect_answer(answer, 8, "R", "C", 0);
	ck_assert_int_eq(wfpredir__native_handoff(&fake_sockopt, up, 3, buf, &len, &info), 0);
	ck_assert_uint_eq(fake.asked, INT_MAX);
	ck_assert_uint_eq(len, 10);
	close(up);
}
END_TEST

START_TEST(handoff_queries_and_sets_when_the_module_predates_it)
{
	int up = unit_socket(AF_INET, SOCK_STREAM, 0);
	unsigned char answer[64], buf[64];
	struct wfpredir_redirect_info info;
	size_t len = sizeof(buf);

	fake.unknown_name = WFPREDIR_SO_HANDOFF;
	fake.data = answer;
	fake.data_len = (socklen_t)redirect_answer(answer, 8, "RECORDS", "CONTEXT", 0);
	ck_assert_int_eq(wfpredir__native_handoff(&fake_sockopt, up, 3, buf, &len, &info), 0);
	/* two handoffs (SOL_IP, then the family's), the query, the set */
	ck_assert_int_eq(fake.calls, 4);
	ck_assert_int_eq(fake.name, WFPREDIR_SO_SET_RECORDS);
	ck_assert_ptr_eq(fake.buf, buf + 8);
	ck_assert_uint_eq(fake.asked, 7);
	ck_assert_int_eq(memcmp(fake.set_copy, "RECORDS", 7), 0);
	ck_assert_uint_eq(len, 8 + 7 + 7);
	ck_assert_ptr_eq(info.context, buf + 15);
	close(up);
}
END_TEST

Suite *sockopt_suite(void)
{
	Suite *s = suite_create("sockopt");
	TCase *tc = tcase_create("sockopt");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_negative_or_closed_fd_gives_ebadf);
	tcase_add_test(tc, a_pipe_or_a_regular_file_gives_enotsock);
	tcase_add_test(tc, a_unix_or_netlink_socket_gives_eopnotsupp);
	tcase_add_test(tc, without_the_module_tcp_and_udp_over_ipv4_and_ipv6_give_enoprotoopt);
	tcase_add_test(tc, a_query_with_a_null_len_gives_efault);
	tcase_add_test(tc,
		       the_kernel_is_asked_at_sol_ip_first_and_at_the_family_level_after_a_failure);
	tcase_add_test(tc, set_hands_the_records_and_their_length_to_the_kernel);
	tcase_add_test(tc, set_with_more_than_int_max_bytes_gives_einval_without_asking_the_kernel);
	tcase_add_test(tc, a_kernel_reply_longer_than_the_buffer_gives_enobufs_and_the_size_needed);
	tcase_add_test(tc, a_kernel_reply_that_fits_gives_zero_and_the_bytes_written);
	tcase_add_test(tc, a_null_buffer_asks_the_kernel_for_the_size_with_len_zero);
	tcase_add_test(tc, a_kernel_error_is_returned_with_len_unchanged);
	tcase_add_test(tc, a_len_above_int_max_reaches_the_kernel_as_int_max);
	tcase_add_test(tc, query_redirect_points_into_the_buffer_at_the_records_and_the_context);
	tcase_add_test(tc, query_redirect_finds_the_records_at_hdr_len_of_a_longer_header);
	tcase_add_test(tc, query_redirect_refuses_an_answer_whose_lengths_do_not_add_up);
	tcase_add_test(tc, query_redirect_too_small_or_without_a_buffer_gives_enobufs_and_the_size);
	tcase_add_test(tc, handoff_sends_the_accepted_fd_and_points_into_the_answer);
	tcase_add_test(tc, handoff_too_small_or_without_a_buffer_gives_enobufs_and_the_size);
	tcase_add_test(tc, handoff_checks_the_onward_fd_and_leaves_the_accepted_one_to_the_kernel);
	tcase_add_test(tc, handoff_errors_are_asked_again_at_the_family_level_and_keep_len);
	tcase_add_test(tc, handoff_refuses_an_answer_whose_lengths_do_not_add_up);
	tcase_add_test(tc, handoff_with_a_len_above_int_max_asks_int_max);
	tcase_add_test(tc, handoff_queries_and_sets_when_the_module_predates_it);
	tcase_add_test(tc, query_redirect_errors_keep_len_and_null_pointers_give_efault);
	tcase_add_test(tc, query_redirect_makes_the_two_queries_when_the_module_predates_it);
	suite_add_tcase(s, tc);
	return s;
}
