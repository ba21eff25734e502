// SPDX-License-Identifier: MIT
/*
 * WSAIoctl() for the WFP redirect codes. The order of checks and every
 * choice made where the Windows pages disagree are in the header and in
 * Documentation/wsa-errors.rst; the step numbers below are the header's.
 */
#include "internal.h"

#include <errno.h>

/* The steps below return 0 or the WSA error the call fails with; the entry
 * points report it, WSAIoctl() as the last error, WSPIoctl() in *lpErrno. */
static int fail_errno(int err)
{
	return wfpredir_wsa_error_from_errno(err);
}

static int ioctl_set(const struct wfpredir_sockopt_ops *ops, SOCKET s, int level, LPVOID in,
		     DWORD in_len, DWORD out_len, LPDWORD bytes_returned)
{
	int rc;

	if (out_len != 0 || in_len == 0)
		return WSAEINVAL;
	rc = wfpredir__probe_read(in, in_len);
	if (rc)
		return fail_errno(rc);
	if (level < 0)
		return fail_errno(level);
	rc = wfpredir__set_at(ops, s, level, in, in_len);
	if (rc)
		return fail_errno(rc);
	/* No output: report the bytes consumed, never 0 on success. The records
	 * stay set even if the caller unmapped bytes_returned meanwhile. */
	if (wfpredir__store_dword(bytes_returned, in_len))
		return WSAEFAULT;
	return 0;
}

static int ioctl_query(const struct wfpredir_sockopt_ops *ops, SOCKET s, int level, int name,
		       LPVOID out, DWORD out_len, LPDWORD bytes_returned)
{
	size_t len = out ? out_len : 0;
	int rc;

	rc = wfpredir__probe_write(out, len);
	if (rc)
		return fail_errno(rc);
	if (level < 0)
		return fail_errno(level);
	rc = wfpredir__query_at(ops, s, level, name, out, &len);
	if (rc < 0)
		return fail_errno(rc);
	/* len <= INT_MAX: the kernel's len is an int. */
	if (wfpredir__store_dword(bytes_returned, (DWORD)len))
		return WSAEFAULT;
	/* Too small: the size needed is in *bytes_returned. */
	if (rc == WFPREDIR__TOO_SMALL)
		return WSAEFAULT;
	return 0;
}

static int ioctl_run(const struct wfpredir_sockopt_ops *ops, SOCKET s, DWORD code, LPVOID in,
		     DWORD in_len, LPVOID out, DWORD out_len, LPDWORD bytes_returned)
{
	int level, rc;

	/* 1 */
	rc = wfpredir__store_dword(bytes_returned, 0);
	if (rc)
		return fail_errno(rc);

	/* 2; any other failure (not AF_INET/AF_INET6) waits for step 6 */
	level = wfpredir__level(s);
	if (level == -EBADF || level == -ENOTSOCK)
		return WSAENOTSOCK;

	/* 3-7 */
	switch (code) {
	case SIO_FLUSH:
		return 0;
	case SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS:
		return ioctl_set(ops, s, level, in, in_len, out_len, bytes_returned);
	case SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS:
		return ioctl_query(ops, s, level, WFPREDIR_SO_GET_RECORDS, out, out_len,
				   bytes_returned);
	case SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT:
		return ioctl_query(ops, s, level, WFPREDIR_SO_GET_CONTEXT, out, out_len,
				   bytes_returned);
	default:
		return WSAEINVAL;
	}
}

int wfpredir__ioctl(const struct wfpredir_sockopt_ops *ops, SOCKET s, DWORD code, LPVOID in,
		    DWORD in_len, LPVOID out, DWORD out_len, LPDWORD bytes_returned)
{
	int wsa = ioctl_run(ops, s, code, in, in_len, out, out_len, bytes_returned);

	if (!wsa)
		return 0;
	wfpredir__set_last_error(wsa);
	return SOCKET_ERROR;
}

int wfpredir__spi_ioctl(const struct wfpredir_sockopt_ops *ops, SOCKET s, DWORD code, LPVOID in,
			DWORD in_len, LPVOID out, DWORD out_len, LPDWORD bytes_returned,
			LPINT lpErrno)
{
	int wsa;

	/* Nowhere to report an error: do nothing rather than fail silently. */
	if (wfpredir__store_dword((DWORD *)lpErrno, 0))
		return SOCKET_ERROR;
	wsa = ioctl_run(ops, s, code, in, in_len, out, out_len, bytes_returned);
	if (!wsa)
		return 0;
	/* Stored fault-safely too: the caller may have unmapped it meanwhile. */
	wfpredir__store_dword((DWORD *)lpErrno, (DWORD)wsa);
	return SOCKET_ERROR;
}

int WSAIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
	     LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
	     LPWSAOVERLAPPED lpOverlapped, LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)
{
	/* Every socket is non-overlapped in this version; Windows ignores
	 * lpOverlapped for such sockets, and so the completion routine. */
	(void)lpOverlapped;
	(void)lpCompletionRoutine;
	return wfpredir__ioctl(&wfpredir__kernel_sockopt, s, dwIoControlCode, lpvInBuffer,
			       cbInBuffer, lpvOutBuffer, cbOutBuffer, lpcbBytesReturned);
}

int WSPIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
	     LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
	     LPWSAOVERLAPPED lpOverlapped, LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
	     LPWSATHREADID lpThreadId, LPINT lpErrno)
{
	/* lpThreadId names the thread an overlapped completion is queued to;
	 * with every socket non-overlapped there is none to queue. */
	(void)lpOverlapped;
	(void)lpCompletionRoutine;
	(void)lpThreadId;
	return wfpredir__spi_ioctl(&wfpredir__kernel_sockopt, s, dwIoControlCode, lpvInBuffer,
				   cbInBuffer, lpvOutBuffer, cbOutBuffer, lpcbBytesReturned,
				   lpErrno);
}
