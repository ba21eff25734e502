// SPDX-License-Identifier: MIT
/*
 * WSAIoctl() for the WFP redirect codes. The order of checks and every
 * choice made where the Windows pages disagree are in the header and in
 * Documentation/wsa-errors.rst; the step numbers below are the header's.
 * Overlapped calls (an overlapped socket and an lpOverlapped) go through the
 * engine of lib/overlapped.c; Documentation/overlapped.rst has the model.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>

/* The overlapped part of a call; NULL for a non-overlapped call. */
struct ov_call {
	LPWSAOVERLAPPED ov;
	LPWSAOVERLAPPED_COMPLETION_ROUTINE fn;
	const WSATHREADID *thread; /* NULL: the calling thread */
};

/* The steps below return 0 or the WSA error the call fails with; the entry
 * points report it, WSAIoctl() as the last error, WSPIoctl() in *lpErrno. */
static int fail_errno(int err)
{
	return wfpredir_wsa_error_from_errno(err);
}

struct set_ctx {
	const struct wfpredir_sockopt_ops *ops;
	SOCKET s;
	int level;
	LPVOID in;
	DWORD in_len;
};

static int try_set(void *arg, DWORD *bytes)
{
	struct set_ctx *c = arg;
	int rc = wfpredir__set_at(c->ops, c->s, c->level, c->in, c->in_len);

	*bytes = 0;
	if (rc)
		return fail_errno(rc);
	*bytes = c->in_len;
	return 0;
}

static int ioctl_set(const struct wfpredir_sockopt_ops *ops, SOCKET s, int level, LPVOID in,
		     DWORD in_len, DWORD out_len, LPDWORD bytes_returned, const struct ov_call *oc)
{
	struct set_ctx c = { ops, s, level, in, in_len };
	DWORD bytes = 0;
	int rc;

	if (out_len != 0 || in_len == 0)
		return WSAEINVAL;
	rc = wfpredir__probe_read(in, in_len);
	if (rc)
		return fail_errno(rc);
	if (level < 0)
		return fail_errno(level);
	/* SET never pends: an overlapped SET completes now. */
	if (oc)
		rc = wfpredir__overlapped_start(s, oc->ov, oc->fn, oc->thread, 0, try_set, &c,
						sizeof(c), &bytes);
	else
		rc = try_set(&c, &bytes);
	if (rc)
		return rc;
	/* No output: report the bytes consumed, never 0 on success. The records
	 * stay set even if the caller unmapped bytes_returned meanwhile. */
	if (wfpredir__store_dword(bytes_returned, bytes))
		return WSAEFAULT;
	return 0;
}

struct query_ctx {
	const struct wfpredir_sockopt_ops *ops;
	SOCKET s;
	int level;
	int name;
	LPVOID out;
	DWORD out_len;
};

/* 0, a WSA error, or WFPREDIR__OV_AGAIN when a UDP socket has no datagram
 * flow to answer for yet. *bytes: the bytes written, or the size needed
 * with WSAEFAULT for a buffer too small. */
static int try_query(void *arg, DWORD *bytes)
{
	struct query_ctx *c = arg;
	size_t len = c->out ? c->out_len : 0;
	int rc = wfpredir__query_at(c->ops, c->s, c->level, c->name, c->out, &len);

	*bytes = 0;
	if (rc == -EAGAIN)
		return WFPREDIR__OV_AGAIN;
	if (rc < 0)
		return fail_errno(rc);
	/* len <= INT_MAX: the kernel's len is an int. */
	*bytes = (DWORD)len;
	/* Too small: the size needed is in *bytes. */
	return rc == WFPREDIR__TOO_SMALL ? WSAEFAULT : 0;
}

/* A non-overlapped query that would pend: block until the socket is
 * readable and retry, unless it is non-blocking. */
static int query_blocking(struct query_ctx *c, DWORD *bytes)
{
	for (;;) {
		struct pollfd pfd = { .fd = c->s, .events = POLLIN };
		int rc = try_query(c, bytes), fl;

		if (rc != WFPREDIR__OV_AGAIN)
			return rc;
		fl = fcntl(c->s, F_GETFL);
		if (fl < 0)
			return fail_errno(errno);
		if (fl & O_NONBLOCK)
			return WSAEWOULDBLOCK;
		if (poll(&pfd, 1, -1) < 0)
			return errno == EINTR ? WSAEINTR : fail_errno(errno);
	}
}

static int ioctl_query(const struct wfpredir_sockopt_ops *ops, SOCKET s, int level, int name,
		       LPVOID out, DWORD out_len, LPDWORD bytes_returned, const struct ov_call *oc)
{
	struct query_ctx c = { ops, s, level, name, out, out_len };
	DWORD bytes = 0;
	int rc;

	rc = wfpredir__probe_write(out, out ? out_len : 0);
	if (rc)
		return fail_errno(rc);
	if (level < 0)
		return fail_errno(level);
	if (oc)
		rc = wfpredir__overlapped_start(s, oc->ov, oc->fn, oc->thread, POLLIN, try_query,
						&c, sizeof(c), &bytes);
	else
		rc = query_blocking(&c, &bytes);
	/* Pending: *bytes_returned is not updated. */
	if (rc == WSA_IO_PENDING)
		return rc;
	if (rc && rc != WSAEFAULT)
		return rc;
	if (wfpredir__store_dword(bytes_returned, bytes))
		return WSAEFAULT;
	return rc;
}

static int try_nothing(void *arg, DWORD *bytes)
{
	(void)arg;
	*bytes = 0;
	return 0;
}

static int ioctl_run(const struct wfpredir_sockopt_ops *ops, SOCKET s, DWORD code, LPVOID in,
		     DWORD in_len, LPVOID out, DWORD out_len, LPDWORD bytes_returned,
		     const struct ov_call *oc)
{
	int level, rc;
	char dummy = 0;

	/* 1 */
	rc = wfpredir__store_dword(bytes_returned, 0);
	if (rc)
		return fail_errno(rc);

	/* 2; any other failure (not AF_INET/AF_INET6) waits for step 6 */
	level = wfpredir__level(s);
	if (level == -EBADF || level == -ENOTSOCK)
		return WSAENOTSOCK;

	/* Overlapped only on an overlapped socket with an lpOverlapped; else
	 * both lpOverlapped and lpCompletionRoutine are ignored. */
	if (oc && (!oc->ov || !wfpredir__socket_is_overlapped(s)))
		oc = NULL;
	if (oc && wfpredir__probe_write(oc->ov, sizeof(*oc->ov)))
		return WSAEFAULT;

	if (code == SIO_GET_EXTENSION_FUNCTION_POINTER)
		return wfpredir__extension_function(in, in_len, out, out_len, bytes_returned);

	/* 3-7 */
	switch (code) {
	case SIO_FLUSH:
		/* Every operation pending on the socket is aborted. */
		wfpredir__overlapped_abort_fd(s);
		if (!oc)
			return 0;
		return wfpredir__overlapped_start(s, oc->ov, oc->fn, oc->thread, 0, try_nothing,
						  &dummy, sizeof(dummy), NULL);
	case SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS:
		return ioctl_set(ops, s, level, in, in_len, out_len, bytes_returned, oc);
	case SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS:
		return ioctl_query(ops, s, level, WFPREDIR_SO_GET_RECORDS, out, out_len,
				   bytes_returned, oc);
	case SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT:
		return ioctl_query(ops, s, level, WFPREDIR_SO_GET_CONTEXT, out, out_len,
				   bytes_returned, oc);
	default:
		return WSAEINVAL;
	}
}

int wfpredir__ioctl_ov(const struct wfpredir_sockopt_ops *ops, SOCKET s, DWORD code, LPVOID in,
		       DWORD in_len, LPVOID out, DWORD out_len, LPDWORD bytes_returned,
		       LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE fn)
{
	struct ov_call oc = { ov, fn, NULL };
	int wsa = ioctl_run(ops, s, code, in, in_len, out, out_len, bytes_returned, &oc);

	if (!wsa)
		return 0;
	wfpredir__set_last_error(wsa);
	return SOCKET_ERROR;
}

int wfpredir__ioctl(const struct wfpredir_sockopt_ops *ops, SOCKET s, DWORD code, LPVOID in,
		    DWORD in_len, LPVOID out, DWORD out_len, LPDWORD bytes_returned)
{
	return wfpredir__ioctl_ov(ops, s, code, in, in_len, out, out_len, bytes_returned, NULL,
				  NULL);
}

int wfpredir__spi_ioctl_ov(const struct wfpredir_sockopt_ops *ops, SOCKET s, DWORD code, LPVOID in,
			   DWORD in_len, LPVOID out, DWORD out_len, LPDWORD bytes_returned,
			   LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE fn,
			   const WSATHREADID *thread, LPINT lpErrno)
{
	struct ov_call oc = { ov, fn, NULL };
	WSATHREADID tid;
	int wsa;

	/* Nowhere to report an error: do nothing rather than fail silently. */
	if (wfpredir__store_dword((DWORD *)lpErrno, 0))
		return SOCKET_ERROR;
	/* The thread id is kept by value: the caller may free it at once. A
	 * routine without a readable id: WSAEFAULT; an id naming no live
	 * thread: WSAEINVAL (from the engine). Only overlapped calls with a
	 * routine read it. */
	if (ov && fn && wfpredir__socket_is_overlapped(s)) {
		if (!thread || wfpredir__probe_read(thread, sizeof(*thread))) {
			wsa = WSAEFAULT;
			goto fail;
		}
		tid = *thread;
		oc.thread = &tid;
	}
	wsa = ioctl_run(ops, s, code, in, in_len, out, out_len, bytes_returned, &oc);
	if (!wsa)
		return 0;
fail:
	/* Stored fault-safely too: the caller may have unmapped it meanwhile. */
	wfpredir__store_dword((DWORD *)lpErrno, (DWORD)wsa);
	return SOCKET_ERROR;
}

int wfpredir__spi_ioctl(const struct wfpredir_sockopt_ops *ops, SOCKET s, DWORD code, LPVOID in,
			DWORD in_len, LPVOID out, DWORD out_len, LPDWORD bytes_returned,
			LPINT lpErrno)
{
	return wfpredir__spi_ioctl_ov(ops, s, code, in, in_len, out, out_len, bytes_returned, NULL,
				      NULL, NULL, lpErrno);
}

int WSAIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
	     LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
	     LPWSAOVERLAPPED lpOverlapped, LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)
{
	return wfpredir__ioctl_ov(&wfpredir__kernel_sockopt, s, dwIoControlCode, lpvInBuffer,
				  cbInBuffer, lpvOutBuffer, cbOutBuffer, lpcbBytesReturned,
				  lpOverlapped, lpCompletionRoutine);
}

int WSPIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
	     LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
	     LPWSAOVERLAPPED lpOverlapped, LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
	     LPWSATHREADID lpThreadId, LPINT lpErrno)
{
	return wfpredir__spi_ioctl_ov(&wfpredir__kernel_sockopt, s, dwIoControlCode, lpvInBuffer,
				      cbInBuffer, lpvOutBuffer, cbOutBuffer, lpcbBytesReturned,
				      lpOverlapped, lpCompletionRoutine, lpThreadId, lpErrno);
}
