// SPDX-License-Identifier: MIT
/* lib/include/wfpredir.h: the Windows names and their values. */
#include "unit.h"

#include <stdint.h>

START_TEST(the_wfp_ioctl_codes_have_their_windows_values)
{
	ck_assert_uint_eq(SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, 0x980000DCu);
	ck_assert_uint_eq(SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT, 0x980000DDu);
	ck_assert_uint_eq(SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, 0x980000DEu);
	ck_assert_uint_eq(SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, _WSAIOW(IOC_VENDOR, 220));
	ck_assert_uint_eq(SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT, _WSAIOW(IOC_VENDOR, 221));
	ck_assert_uint_eq(SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, _WSAIOW(IOC_VENDOR, 222));
	/* a DWORD holds them unchanged */
	ck_assert_uint_eq((DWORD)SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, 2550137054u);
}
END_TEST

START_TEST(sio_flush_is_wsaio_ws2_4_which_is_0x28000004)
{
	ck_assert_uint_eq(SIO_FLUSH, 0x28000004u);
	ck_assert_uint_eq(SIO_FLUSH, _WSAIO(IOC_WS2, 4));
}
END_TEST

START_TEST(the_ioctl_macros_have_their_winsock_values)
{
	ck_assert_uint_eq(IOC_VOID, 0x20000000u);
	ck_assert_uint_eq(IOC_OUT, 0x40000000u);
	ck_assert_uint_eq(IOC_IN, 0x80000000u);
	ck_assert_uint_eq(IOC_INOUT, 0xC0000000u);
	ck_assert_uint_eq(IOC_UNIX, 0u);
	ck_assert_uint_eq(IOC_WS2, 0x08000000u);
	ck_assert_uint_eq(IOC_PROTOCOL, 0x10000000u);
	ck_assert_uint_eq(IOC_VENDOR, 0x18000000u);
	ck_assert_uint_eq(_WSAIO(IOC_VENDOR, 1), 0x38000001u);
	ck_assert_uint_eq(_WSAIOR(IOC_WS2, 2), 0x48000002u);
	ck_assert_uint_eq(_WSAIOW(IOC_PROTOCOL, 3), 0x90000003u);
	/* SIO_GET_EXTENSION_FUNCTION_POINTER */
	ck_assert_uint_eq(_WSAIORW(IOC_WS2, 6), 0xC8000006u);
}
END_TEST

START_TEST(the_wfp_socket_options_have_their_windows_values)
{
	ck_assert_int_eq(IP_WFP_REDIRECT_RECORDS, 60);
	ck_assert_int_eq(IP_WFP_REDIRECT_CONTEXT, 70);
	ck_assert_int_eq(IPV6_WFP_REDIRECT_RECORDS, 60);
	ck_assert_int_eq(IPV6_WFP_REDIRECT_CONTEXT, 70);
}
END_TEST

START_TEST(the_error_codes_have_their_windows_values)
{
	ck_assert_int_eq(WSABASEERR, 10000);
	ck_assert_int_eq(WSAEINTR, 10004);
	ck_assert_int_eq(WSAEBADF, 10009);
	ck_assert_int_eq(WSAEACCES, 10013);
	ck_assert_int_eq(WSAEFAULT, 10014);
	ck_assert_int_eq(WSAEINVAL, 10022);
	ck_assert_int_eq(WSAEMFILE, 10024);
	ck_assert_int_eq(WSAEWOULDBLOCK, 10035);
	ck_assert_int_eq(WSAEINPROGRESS, 10036);
	ck_assert_int_eq(WSAEALREADY, 10037);
	ck_assert_int_eq(WSAENOTSOCK, 10038);
	ck_assert_int_eq(WSAEMSGSIZE, 10040);
	ck_assert_int_eq(WSAENOPROTOOPT, 10042);
	ck_assert_int_eq(WSAEPROTONOSUPPORT, 10043);
	ck_assert_int_eq(WSAEOPNOTSUPP, 10045);
	ck_assert_int_eq(WSAEAFNOSUPPORT, 10047);
	ck_assert_int_eq(WSAENETDOWN, 10050);
	ck_assert_int_eq(WSAECONNRESET, 10054);
	ck_assert_int_eq(WSAENOBUFS, 10055);
	ck_assert_int_eq(WSAEISCONN, 10056);
	ck_assert_int_eq(WSAENOTCONN, 10057);
	ck_assert_int_eq(WSA_IO_PENDING, 997);
	ck_assert_int_eq(WSA_IO_INCOMPLETE, 996);
	ck_assert_int_eq(WSA_OPERATION_ABORTED, 995);
	ck_assert_int_eq(WSA_INVALID_HANDLE, 6);
	ck_assert_int_eq(WSA_INVALID_PARAMETER, 87);
	ck_assert_int_eq(WSA_NOT_ENOUGH_MEMORY, 8);
	ck_assert_int_eq(ERROR_INSUFFICIENT_BUFFER, 122);
}
END_TEST

START_TEST(fwp_e_not_found_is_the_hresult_0x80320008_as_an_int)
{
	ck_assert_uint_eq((uint32_t)FWP_E_NOT_FOUND, 0x80320008u);
	ck_assert_int_lt(FWP_E_NOT_FOUND, 0);
	ck_assert_uint_eq(sizeof(FWP_E_NOT_FOUND), sizeof(int));
}
END_TEST

START_TEST(socket_error_and_invalid_socket_are_minus_one)
{
	ck_assert_int_eq(SOCKET_ERROR, -1);
	ck_assert_int_eq(INVALID_SOCKET, -1);
	ck_assert_uint_eq(sizeof(SOCKET), sizeof(int));
}
END_TEST

START_TEST(the_windows_types_keep_their_windows_widths)
{
	ck_assert_uint_eq(sizeof(DWORD), 4);
	ck_assert_uint_eq(sizeof(ULONG), 4);
	ck_assert_uint_eq(sizeof(INT), 4);
	ck_assert_uint_eq(sizeof(BOOL), 4);
	ck_assert_uint_eq(sizeof(ULONG_PTR), sizeof(void *));
	ck_assert_uint_eq(sizeof(HANDLE), sizeof(void *));
	ck_assert_uint_eq(sizeof(WSAEVENT), sizeof(void *));
	ck_assert((DWORD)-1 > 0); /* unsigned */
	ck_assert((ULONG)-1 > 0);
}
END_TEST

START_TEST(wsaoverlapped_and_wsathreadid_have_the_windows_layout)
{
	size_t p = sizeof(void *);

	ck_assert_uint_eq(offsetof(WSAOVERLAPPED, Internal), 0);
	ck_assert_uint_eq(offsetof(WSAOVERLAPPED, InternalHigh), p);
	ck_assert_uint_eq(offsetof(WSAOVERLAPPED, Offset), 2 * p);
	ck_assert_uint_eq(offsetof(WSAOVERLAPPED, OffsetHigh), 2 * p + 4);
	ck_assert_uint_eq(offsetof(WSAOVERLAPPED, hEvent), 2 * p + 8);
	ck_assert_uint_eq(sizeof(WSAOVERLAPPED), 3 * p + 8); /* 32 on x64 */
	ck_assert_uint_eq(offsetof(WSATHREADID, ThreadHandle), 0);
	ck_assert_uint_eq(offsetof(WSATHREADID, Reserved), p);
	ck_assert_uint_eq(sizeof(WSATHREADID), 2 * p);
}
END_TEST

static void routine(DWORD dwError, DWORD cbTransferred, LPWSAOVERLAPPED lpOverlapped, DWORD dwFlags)
{
	(void)dwError;
	(void)cbTransferred;
	(void)lpOverlapped;
	(void)dwFlags;
}

START_TEST(a_windows_completion_routine_has_the_completion_routine_type)
{
	LPWSAOVERLAPPED_COMPLETION_ROUTINE r = routine;
	WSAOVERLAPPED ov = { 0 };

	r(0, 0, &ov, 0);
	ck_assert_ptr_eq(r, routine);
}
END_TEST

Suite *header_suite(void)
{
	Suite *s = suite_create("header");
	TCase *tc = tcase_create("header");

	tcase_add_test(tc, the_wfp_ioctl_codes_have_their_windows_values);
	tcase_add_test(tc, sio_flush_is_wsaio_ws2_4_which_is_0x28000004);
	tcase_add_test(tc, the_ioctl_macros_have_their_winsock_values);
	tcase_add_test(tc, the_wfp_socket_options_have_their_windows_values);
	tcase_add_test(tc, the_error_codes_have_their_windows_values);
	tcase_add_test(tc, fwp_e_not_found_is_the_hresult_0x80320008_as_an_int);
	tcase_add_test(tc, socket_error_and_invalid_socket_are_minus_one);
	tcase_add_test(tc, the_windows_types_keep_their_windows_widths);
	tcase_add_test(tc, wsaoverlapped_and_wsathreadid_have_the_windows_layout);
	tcase_add_test(tc, a_windows_completion_routine_has_the_completion_routine_type);
	suite_add_tcase(s, tc);
	return s;
}
