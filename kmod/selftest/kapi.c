// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the kernel API (include/wfpredir/wfpredir.h) and its WSK
 * layer (wsk.h), run at load time in debug builds: the errno to status
 * table, and the synchronous calls' answers that need neither a redirected
 * connection nor the namespace state (not set up yet), on kernel sockets of
 * init_net. The kselftests kernel_api.sh and kernel_proxy.sh cover the rest.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "kapi.h"

#include <wfpredir/wfpredir.h>
#include <wfpredir/wsk.h>

#include <linux/errno.h>
#include <linux/in.h>
#include <linux/init.h>
#include <linux/limits.h>
#include <linux/net.h>
#include <net/net_namespace.h>

static bool __init expect(bool cond, const char *what, const char *func,
			  int line)
{
	if (!cond)
		pr_err("kapi self-test: %s:%d: %s\n", func, line, what);
	return cond;
}

#define EXPECT(cond) expect(cond, #cond, __func__, __LINE__)

static bool __init kapi_selftest_table(void)
{
	static const int errs[] __initconst = {
		-ERANGE, -EOPNOTSUPP, -EPERM, -EINVAL, -EPROTO, -EBADMSG,
		-EISCONN, -ENOTCONN, -ENOENT, -EAGAIN, -ENOMEM, -EFAULT,
		-ECANCELED,
	};
	bool ok = true;
	int i, j;

	ok &= EXPECT(wfpredir_wsk_status_from_errno(0) ==
		     WFPREDIR_STATUS_SUCCESS);
	ok &= EXPECT(wfpredir_wsk_status_from_errno(-ERANGE) ==
		     WFPREDIR_STATUS_BUFFER_TOO_SMALL);
	ok &= EXPECT(wfpredir_wsk_status_from_errno(-ECANCELED) ==
		     WFPREDIR_STATUS_CANCELLED);
	ok &= EXPECT(wfpredir_wsk_status_from_errno(-ENODATA) ==
		     WFPREDIR_STATUS_NOT_FOUND);
	ok &= EXPECT(wfpredir_wsk_status_from_errno(-ENOSPC) ==
		     WFPREDIR_STATUS_INSUFFICIENT_RESOURCES);
	ok &= EXPECT(wfpredir_wsk_status_from_errno(-EXDEV) ==
		     WFPREDIR_STATUS_UNSUCCESSFUL);
	/* apart from the two pairs above, one errno per status */
	for (i = 0; i < ARRAY_SIZE(errs); i++) {
		s32 s = wfpredir_wsk_status_from_errno(errs[i]);

		ok &= EXPECT(!WFPREDIR_NT_SUCCESS(s));
		ok &= EXPECT(s != WFPREDIR_STATUS_UNSUCCESSFUL);
		for (j = i + 1; j < ARRAY_SIZE(errs); j++)
			ok &= EXPECT(s != wfpredir_wsk_status_from_errno(errs[j]));
	}
	return ok;
}

static bool __init kapi_selftest_calls(int type, int proto)
{
	u32 qrec = WFPREDIR_SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS;
	u32 set = WFPREDIR_SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS;
	struct socket *sock;
	size_t returned = 1, len;
	bool ok = true;
	u8 buf[8];

	if (!EXPECT(!sock_create_kern(&init_net, AF_INET, type, proto, &sock)))
		return false;
	len = sizeof(buf);
	ok &= EXPECT(wfpredir_kernel_query_records(sock, buf, &len) ==
		     -ENOTCONN);
	ok &= EXPECT(!len);
	len = 0;
	ok &= EXPECT(wfpredir_kernel_query_context(sock, NULL, &len) ==
		     -ENOTCONN);
	ok &= EXPECT(wfpredir_wsk_control_socket(sock, 0x980000DF, 0, NULL, 0,
						 NULL, &returned) ==
		     WFPREDIR_STATUS_INVALID_DEVICE_REQUEST);
	ok &= EXPECT(!returned);
	ok &= EXPECT(wfpredir_wsk_control_socket(sock, qrec, 0, NULL,
						 sizeof(buf), buf, NULL) ==
		     WFPREDIR_STATUS_INVALID_CONNECTION);
	ok &= EXPECT(wfpredir_wsk_control_socket(sock, qrec, 0, NULL,
						 (size_t)INT_MAX + 1, buf,
						 NULL) ==
		     WFPREDIR_STATUS_INTEGER_OVERFLOW);
	ok &= EXPECT(wfpredir_wsk_control_socket(sock, qrec, 0, NULL, 8, NULL,
						 NULL) ==
		     WFPREDIR_STATUS_INVALID_PARAMETER);
	ok &= EXPECT(wfpredir_wsk_control_socket(sock, set,
						 (size_t)INT_MAX + 1, buf, 0,
						 NULL, NULL) ==
		     WFPREDIR_STATUS_INTEGER_OVERFLOW);
	ok &= EXPECT(wfpredir_wsk_control_socket(sock, set, 8, NULL, 0, NULL,
						 NULL) ==
		     WFPREDIR_STATUS_INVALID_PARAMETER);
	sock_release(sock);
	return ok;
}

/**
 * wfpredir_kapi_selftest - the kernel-mode API's load-time self-test
 *
 * Context: module init, before the socket options are registered.
 * Return: true when every check passed; each failure is logged.
 */
bool __init wfpredir_kapi_selftest(void)
{
	bool ok = true;

	ok &= kapi_selftest_table();
	ok &= EXPECT(wfpredir_wsk_control_socket(NULL, 0, 0, NULL, 0, NULL,
						 NULL) ==
		     WFPREDIR_STATUS_INVALID_PARAMETER);
	ok &= kapi_selftest_calls(SOCK_STREAM, IPPROTO_TCP);
	ok &= kapi_selftest_calls(SOCK_DGRAM, IPPROTO_UDP);
	return ok;
}
