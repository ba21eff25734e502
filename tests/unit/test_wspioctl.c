// SPDX-License-Identifier: MIT
/*
 * WSPIoctl(): WSAIoctl()'s checks, with the error in *lpErrno and the
 * thread's last error left alone.
 */
#include "unit.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <unistd.h>

#define LAST_ERROR 4242
#define POISON 0xdeadbeefu

static unsigned char records[64] = "records blob";

static void setup(void)
{
	fake_reset();
	WSASetLastError(LAST_ERROR);
}

START_TEST(a_failure_goes_to_lpErrno_and_leaves_the_last_error_alone)
{
	WSATHREADID thread = { 0 };
	DWORD ret = POISON;
	INT err = 0;

	ck_assert_int_eq(WSPIoctl(-1, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, NULL, 0, NULL, 0,
				  &ret, NULL, NULL, &thread, &err),
			 SOCKET_ERROR);
	ck_assert_int_eq(err, WSAENOTSOCK);
	ck_assert_uint_eq(ret, 0);
	ck_assert_int_eq(WSAGetLastError(), LAST_ERROR);
}
END_TEST

START_TEST(without_the_module_a_set_fails_with_WSAEOPNOTSUPP_in_lpErrno)
{
	int fd = unit_socket(AF_INET6, SOCK_STREAM, 0);
	WSATHREADID thread = { 0 };
	DWORD ret = POISON;
	INT err = 0;

	ck_assert_int_eq(WSPIoctl(fd, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, records,
				  sizeof(records), NULL, 0, &ret, NULL, NULL, &thread, &err),
			 SOCKET_ERROR);
	ck_assert_int_eq(err, WSAEOPNOTSUPP);
	ck_assert_int_eq(WSAGetLastError(), LAST_ERROR);
	close(fd);
}
END_TEST

START_TEST(kernel_errors_reach_lpErrno_through_the_same_table)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	DWORD ret = POISON;
	INT err = 0;

	fake.err = -EPERM;
	ck_assert_int_eq(wfpredir__spi_ioctl(&fake_sockopt, fd,
					     SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, records,
					     sizeof(records), NULL, 0, &ret, &err),
			 SOCKET_ERROR);
	ck_assert_int_eq(err, WSAEACCES);
	fake.err = -ENOENT;
	ck_assert_int_eq(wfpredir__spi_ioctl(&fake_sockopt, fd,
					     SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT, NULL, 0,
					     records, sizeof(records), &ret, &err),
			 SOCKET_ERROR);
	ck_assert_int_eq(err, FWP_E_NOT_FOUND);
	ck_assert_int_eq(WSAGetLastError(), LAST_ERROR);
	close(fd);
}
END_TEST

START_TEST(a_success_returns_zero_with_lpErrno_zero_and_the_byte_count)
{
	int fd = unit_socket(AF_INET, SOCK_DGRAM, 0);
	unsigned char buf[16];
	DWORD ret = POISON;
	INT err = -1;

	fake.data = "context";
	fake.data_len = 7;
	ck_assert_int_eq(wfpredir__spi_ioctl(&fake_sockopt, fd,
					     SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT, NULL, 0,
					     buf, sizeof(buf), &ret, &err),
			 0);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(ret, 7);
	ck_assert_int_eq(WSAGetLastError(), LAST_ERROR);
	close(fd);
}
END_TEST

START_TEST(a_too_small_buffer_gives_WSAEFAULT_in_lpErrno_and_the_size_needed)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	DWORD ret = POISON;
	INT err = 0;

	fake.data = "records that do not fit";
	fake.data_len = 23;
	ck_assert_int_eq(wfpredir__spi_ioctl(&fake_sockopt, fd,
					     SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, NULL, 0,
					     NULL, 0, &ret, &err),
			 SOCKET_ERROR);
	ck_assert_int_eq(err, WSAEFAULT);
	ck_assert_uint_eq(ret, 23);
	close(fd);
}
END_TEST

START_TEST(an_unusable_lpErrno_fails_before_anything_is_done)
{
	int fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	INT *unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	DWORD ret = POISON;

	ck_assert_ptr_ne(unmapped, MAP_FAILED);
	ck_assert_int_eq(wfpredir__spi_ioctl(&fake_sockopt, fd,
					     SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, records,
					     sizeof(records), NULL, 0, &ret, NULL),
			 SOCKET_ERROR);
	ck_assert_int_eq(wfpredir__spi_ioctl(&fake_sockopt, fd,
					     SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, records,
					     sizeof(records), NULL, 0, &ret, unmapped),
			 SOCKET_ERROR);
	ck_assert_int_eq(fake.calls, 0);
	ck_assert_uint_eq(ret, POISON);
	ck_assert_int_eq(WSAGetLastError(), LAST_ERROR);
	munmap(unmapped, 4096);
	close(fd);
}
END_TEST

Suite *wspioctl_suite(void)
{
	Suite *s = suite_create("wspioctl");
	TCase *tc = tcase_create("wspioctl");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, a_failure_goes_to_lpErrno_and_leaves_the_last_error_alone);
	tcase_add_test(tc, without_the_module_a_set_fails_with_WSAEOPNOTSUPP_in_lpErrno);
	tcase_add_test(tc, kernel_errors_reach_lpErrno_through_the_same_table);
	tcase_add_test(tc, a_success_returns_zero_with_lpErrno_zero_and_the_byte_count);
	tcase_add_test(tc, a_too_small_buffer_gives_WSAEFAULT_in_lpErrno_and_the_size_needed);
	tcase_add_test(tc, an_unusable_lpErrno_fails_before_anything_is_done);
	suite_add_tcase(s, tc);
	return s;
}
