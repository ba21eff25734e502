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
#include <limits.h>
#include <poll.h>
#include <sys/uio.h>

/* The request SIO_WFPREDIR_HANDOFF writes: lpvInBuffer's SOCKET, then 0;
 * the kernel reads lpvInBuffer as the descriptor of a buffers request. */
WFPREDIR_STATIC_ASSERT(sizeof(struct wfpredir_handoff) == sizeof(SOCKET) + sizeof(DWORD) &&
			       offsetof(struct wfpredir_handoff, flags) == sizeof(SOCKET) &&
			       sizeof(SOCKET) == sizeof(__s32),
		       "struct wfpredir_handoff: a SOCKET, then 32 bits of flags");

/* The overlapped part of a call; NULL for a non-overlapped call. */
struct ov_call {
	LPWSAOVERLAPPED ov;
	LPWSAOVERLAPPED_COMPLETION_ROUTINE fn;
	const WSATHREADID *thread; /* NULL: the calling thread, unless spi */
	bool spi;		   /* WSPIoctl(): @fn goes to @thread, which must be given */
	WSATHREADID tid;	   /* spi: the copy @thread points to */
};

/* The steps below return 0 or the WSA error the call fails with; the entry
 * points report it, WSAIoctl() as the last error, WSPIoctl() in *lpErrno. */
static int fail_errno(int err)
{
	return wfpredir_wsa_error_from_errno(err);
}

/* One sockopt call of a SET or a QUERY (name unused for SET). */
struct sockopt_ctx {
	const struct wfpredir_sockopt_ops *ops;
	SOCKET s;
	int level;
	int name;
	LPVOID buf;
	DWORD len;
};

/* @try_op now, through the engine when overlapped; a non-overlapped call
 * that would pend blocks, unless the socket is non-blocking. */
static int run_call(SOCKET s, const struct ov_call *oc, short events,
		    int (*try_op)(void *ctx, DWORD *bytes), void *ctx, size_t ctx_size,
		    DWORD *bytes)
{
	if (oc)
		return wfpredir__overlapped_start(s, oc->ov, oc->fn, oc->thread, events, try_op,
						  ctx, ctx_size, bytes);
	return wfpredir__run_blocking(s, try_op, ctx, bytes);
}

static int try_set(void *arg, DWORD *bytes)
{
	struct sockopt_ctx *c = arg;
	int rc = wfpredir__set_at(c->ops, c->s, c->level, c->buf, c->len);

	*bytes = 0;
	if (rc)
		return fail_errno(rc);
	*bytes = c->len;
	return 0;
}

static int ioctl_set(const struct wfpredir_sockopt_ops *ops, SOCKET s, int level, LPVOID in,
		     DWORD in_len, DWORD out_len, LPDWORD bytes_returned, const struct ov_call *oc)
{
	struct sockopt_ctx c = { ops, s, level, 0, in, in_len };
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
	rc = run_call(s, oc, 0, try_set, &c, sizeof(c), &bytes);
	if (rc)
		return rc;
	/* No output: report the bytes consumed, never 0 on success. The records
	 * stay set even if the caller unmapped bytes_returned meanwhile. */
	if (wfpredir__store_dword(bytes_returned, bytes))
		return WSAEFAULT;
	return 0;
}

/* 0, a WSA error, or WFPREDIR__OV_AGAIN when a UDP socket has no datagram
 * flow to answer for yet. *bytes: the bytes written, or the size needed
 * with WSAEFAULT for a buffer too small. */
static int try_query(void *arg, DWORD *bytes)
{
	struct sockopt_ctx *c = arg;
	size_t len = c->buf ? c->len : 0;
	int rc = wfpredir__query_at(c->ops, c->s, c->level, c->name, c->buf, &len);

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

static int ioctl_query(const struct wfpredir_sockopt_ops *ops, SOCKET s, int level, int name,
		       LPVOID out, DWORD out_len, LPDWORD bytes_returned, const struct ov_call *oc)
{
	struct sockopt_ctx c = { ops, s, level, name, out, out_len };
	DWORD bytes = 0;
	int rc;

	rc = wfpredir__probe_write(out, out ? out_len : 0);
	if (rc)
		return fail_errno(rc);
	if (level < 0)
		return fail_errno(level);
	rc = run_call(s, oc, POLLIN, try_query, &c, sizeof(c), &bytes);
	/* Pending: *bytes_returned is not updated. */
	if (rc == WSA_IO_PENDING)
		return rc;
	if (rc && rc != WSAEFAULT)
		return rc;
	if (wfpredir__store_dword(bytes_returned, bytes))
		return WSAEFAULT;
	return rc;
}

/*
 * A hand-off: WFPREDIR_SO_HANDOFF on the onward socket @q.s, the request at
 * the start of the caller's buffer @q.buf, or in @req when that is NULL or
 * shorter than a request (a size probe: the kernel then answers with the
 * size alone, as nothing fits).
 */
struct handoff_ctx {
	struct sockopt_ctx q;
	SOCKET accepted;
	bool may_wait; /* an accepted socket with no flow to answer for yet */
	struct wfpredir_handoff req;
};

/* try_op's answer when the accepted socket has no flow to answer for yet:
 * a non-overlapped call waits for it as the query does, an overlapped one
 * fails at once (the operation belongs to the onward socket, which has
 * nothing to wait for: a hand-off, like a SET, never pends). */
static int handoff_again(const struct handoff_ctx *h)
{
	return h->may_wait ? WFPREDIR__OV_AGAIN : WSAEWOULDBLOCK;
}

/* A call that fails after the kernel handed the records on takes them back,
 * so that no call that fails has handed anything on. */
static void handoff_undo(const struct sockopt_ctx *c)
{
	c->ops->set(c->s, c->level, WFPREDIR_SO_CLEAR_RECORDS, NULL, 0);
}

/* A hand-off the kernel made: 0 with the count stored; WSAEFAULT, the
 * records taken back, when lpcbBytesReturned (written before the kernel
 * call) is no longer writable. */
static int handoff_done(const struct sockopt_ctx *c, LPDWORD bytes_returned, DWORD bytes)
{
	if (!wfpredir__store_dword(bytes_returned, bytes))
		return 0;
	handoff_undo(c);
	return WSAEFAULT;
}

/*
 * A module older than WFPREDIR_SO_HANDOFF: the query SIO_QUERY_WFPREDIR_REDIRECT
 * makes, of the accepted socket into the caller's buffer, then the set of
 * its records on the onward socket; their errors in that order. Without
 * WFPREDIR_SO_GET_REDIRECT either, that query's WSAEOPNOTSUPP.
 */
static int handoff_compat(struct handoff_ctx *h, DWORD *bytes)
{
	const struct sockopt_ctx *c = &h->q;
	size_t len = c->buf ? c->len : 0;
	struct wfpredir_redirect hdr;
	struct wfpredir_redirect_info info;
	struct iovec to = { &hdr, sizeof(hdr) }, from = { c->buf, sizeof(hdr) };
	int rc =
		wfpredir__native_query(c->ops, h->accepted, WFPREDIR_SO_GET_REDIRECT, c->buf, &len);

	if (rc == -ENOBUFS) {
		*bytes = (DWORD)len;
		return WSAEFAULT;
	}
	if (rc == -EAGAIN)
		return handoff_again(h);
	/* The header the kernel has just written into the caller's buffer. */
	if (!rc)
		rc = len < sizeof(hdr) ? -EPROTO : wfpredir__caller_copy(&to, &from, 1);
	if (!rc)
		rc = wfpredir__redirect_layout(&hdr, c->buf, len, &info);
	if (!rc)
		rc = wfpredir__set_at(c->ops, c->s, c->level, info.records, info.records_len);
	if (rc)
		return fail_errno(rc);
	*bytes = (DWORD)len;
	return 0;
}

/* 0 (handed on), a WSA error (nothing handed on; WSAEFAULT with the size
 * needed in *bytes for a buffer too small), or WFPREDIR__OV_AGAIN. */
static int try_handoff(void *arg, DWORD *bytes)
{
	struct handoff_ctx *h = arg;
	const struct sockopt_ctx *c = &h->q;
	void *buf = c->buf;
	size_t len = c->len;
	int rc;

	*bytes = 0;
	/* Written again for each try: a failed one may have overwritten it. */
	h->req = (struct wfpredir_handoff){ .from_fd = h->accepted };
	if (!buf || len < sizeof(h->req)) {
		buf = &h->req;
		len = sizeof(h->req);
	} else {
		struct iovec to = { buf, sizeof(h->req) }, from = { &h->req, sizeof(h->req) };

		rc = wfpredir__caller_copy(&to, &from, 1);
		if (rc)
			return fail_errno(rc);
	}
	rc = wfpredir__query_at(c->ops, c->s, c->level, WFPREDIR_SO_HANDOFF, buf, &len);
	if (rc == -ENOPROTOOPT)
		return handoff_compat(h, bytes);
	if (rc == -EAGAIN)
		return handoff_again(h);
	if (rc < 0)
		return fail_errno(rc);
	*bytes = (DWORD)len;
	if (rc == WFPREDIR__TOO_SMALL)
		return WSAEFAULT;
	/* No answer fits in the request alone; should one, it is not kept. */
	if (buf == &h->req) {
		handoff_undo(c);
		return fail_errno(-EPROTO);
	}
	return 0;
}

static int ioctl_handoff(const struct wfpredir_sockopt_ops *ops, SOCKET s, int level, LPVOID in,
			 DWORD in_len, LPVOID out, DWORD out_len, LPDWORD bytes_returned,
			 const struct ov_call *oc)
{
	struct handoff_ctx h = { .q = { ops, s, level, WFPREDIR_SO_HANDOFF, out, out_len },
				 .may_wait = !oc };
	struct iovec to = { &h.accepted, sizeof(h.accepted) }, from = { in, sizeof(h.accepted) };
	DWORD bytes = 0;
	int rc;

	if (in_len != sizeof(SOCKET))
		return WSAEINVAL;
	/* lpvInBuffer probed as Windows probes it, and read by the same call. */
	rc = in ? wfpredir__caller_copy(&to, &from, 1) : -EFAULT;
	if (rc)
		return fail_errno(rc);
	rc = wfpredir__probe_write(out, out ? out_len : 0);
	if (rc)
		return fail_errno(rc);
	if (level < 0)
		return fail_errno(level);
	/* Overlapped: on @s, completing now (events 0: see handoff_again()).
	 * Not: a wait, if any, is the accepted socket's, as its query's. */
	rc = run_call(oc ? s : h.accepted, oc, 0, try_handoff, &h, sizeof(h), &bytes);
	if (rc == WSAEFAULT) {
		/* Nothing handed on: the size needed, or 0. */
		wfpredir__store_dword(bytes_returned, bytes);
		return rc;
	}
	if (rc)
		return rc;
	return handoff_done(&h.q, bytes_returned, bytes);
}

/*
 * SIO_WFPREDIR_HANDOFF at the kernel's cost: step 1's store of 0; the pages
 * of lpvOutBuffer past its first probed, as Windows probes the whole buffer,
 * before anything is handed on; then one kernel call whose request, on our
 * stack, names lpvInBuffer and lpvOutBuffer (WFPREDIR_HANDOFF_F_BUFFERS), so
 * the kernel's own reads and writes there report a bad pointer; the count.
 * -1: nothing was handed on (a module without the flag says EINVAL), and
 * the exact path tells.
 */
static int handoff_fast(const struct wfpredir_sockopt_ops *ops, SOCKET s, LPVOID in, DWORD in_len,
			LPVOID out, DWORD out_len, LPDWORD bytes_returned)
{
	struct sockopt_ctx c = { ops, s, SOL_IP, WFPREDIR_SO_HANDOFF, out, out_len };
	struct wfpredir_handoff_buffers req = {
		.head = { .from_fd = -1, .flags = WFPREDIR_HANDOFF_F_BUFFERS },
		.from_fd_ptr = (uintptr_t)in,
		.answer = (uintptr_t)out,
		.answer_len = out_len,
	};
	size_t len = sizeof(req);

	if (in_len != sizeof(SOCKET) || !in || !out || !out_len || out_len > INT_MAX ||
	    !bytes_returned)
		return -1;
	if (wfpredir__store_dword(bytes_returned, 0) ||
	    /* as if its first byte were written: the kernel's write checks
	     * that page */
	    wfpredir__probe_write_tail(out, out_len, 1))
		return -1;
	/* Failed or too small: nothing handed on. */
	if (wfpredir__query_at(ops, s, SOL_IP, WFPREDIR_SO_HANDOFF, &req, &len) ||
	    req.answer_len > out_len)
		return -1;
	return handoff_done(&c, bytes_returned, req.answer_len);
}

static int try_nothing(void *arg, DWORD *bytes)
{
	(void)arg;
	*bytes = 0;
	return 0;
}

/*
 * The common call, at what the kernel call costs: a non-overlapped SET,
 * QUERY or hand-off with plausible parameters goes straight to the kernel,
 * at SOL_IP (the IPv6 layer hands that to the same handler), and lets the
 * kernel's own copy tell whether the buffers are good. Only a call that
 * succeeds there, with every byte the exact path would probe accounted
 * for, ends here: 0 (or a hand-off's WSAEFAULT from handoff_done(): the
 * kernel call succeeded, so it must not be made again). Anything else
 * returns -1, and the exact path (ioctl_run()) runs the numbered steps from
 * the start; it stores 0 first, so a count stored here is never left
 * behind by a call that fails. No kernel call changes anything when it
 * fails. A QUERY whose *bytes_returned turns out not writable has filled
 * the output buffer (no other effect) before failing with WSAEFAULT.
 */
static int ioctl_fast(const struct wfpredir_sockopt_ops *ops, SOCKET s, DWORD code, LPVOID in,
		      DWORD in_len, LPVOID out, DWORD out_len, LPDWORD bytes_returned,
		      const struct ov_call *oc)
{
	size_t len;
	int name;

	if ((oc && oc->ov) || s < 0)
		return -1;
	switch (code) {
	case SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS:
		if (out_len || !in_len || !in)
			return -1;
		/* Step 1's store, with the count a success reports. */
		if (wfpredir__store_dword(bytes_returned, in_len))
			return -1;
		/* The kernel reads all in_len bytes or fails. */
		return wfpredir__set_at(ops, s, SOL_IP, in, in_len) ? -1 : 0;
	case SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS:
		name = WFPREDIR_SO_GET_RECORDS;
		break;
	case SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT:
		name = WFPREDIR_SO_GET_CONTEXT;
		break;
	case SIO_QUERY_WFPREDIR_REDIRECT:
		name = WFPREDIR_SO_GET_REDIRECT;
		break;
	case SIO_WFPREDIR_HANDOFF:
		return handoff_fast(ops, s, in, in_len, out, out_len, bytes_returned);
	default:
		return -1;
	}
	/* Size probes and answers too small fail: the exact path tells. */
	if (!out || !out_len)
		return -1;
	len = out_len;
	if (wfpredir__query_at(ops, s, SOL_IP, name, out, &len))
		return -1;
	/* Windows probes the whole buffer: the part the kernel did not write. */
	if (wfpredir__probe_write_tail(out, out_len, len))
		return -1;
	return wfpredir__store_dword(bytes_returned, (DWORD)len) ? -1 : 0;
}

static int ioctl_run(const struct wfpredir_sockopt_ops *ops, SOCKET s, DWORD code, LPVOID in,
		     DWORD in_len, LPVOID out, DWORD out_len, LPDWORD bytes_returned,
		     struct ov_call *oc)
{
	int level, rc;

	rc = ioctl_fast(ops, s, code, in, in_len, out, out_len, bytes_returned, oc);
	if (rc >= 0)
		return rc;

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
	/* WSPIoctl(): the routine's thread, kept by value (the caller may free
	 * it at once). Not readable: WSAEFAULT; no live thread: WSAEINVAL (from
	 * the engine). */
	if (oc && oc->fn && oc->spi) {
		if (!oc->thread || wfpredir__probe_read(oc->thread, sizeof(*oc->thread)))
			return WSAEFAULT;
		oc->tid = *oc->thread;
		oc->thread = &oc->tid;
	}

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
						  NULL, 0, NULL);
	case SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS:
		return ioctl_set(ops, s, level, in, in_len, out_len, bytes_returned, oc);
	case SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS:
		return ioctl_query(ops, s, level, WFPREDIR_SO_GET_RECORDS, out, out_len,
				   bytes_returned, oc);
	case SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT:
		return ioctl_query(ops, s, level, WFPREDIR_SO_GET_CONTEXT, out, out_len,
				   bytes_returned, oc);
	case SIO_QUERY_WFPREDIR_REDIRECT:
		return ioctl_query(ops, s, level, WFPREDIR_SO_GET_REDIRECT, out, out_len,
				   bytes_returned, oc);
	case SIO_WFPREDIR_HANDOFF:
		return ioctl_handoff(ops, s, level, in, in_len, out, out_len, bytes_returned, oc);
	default:
		return WSAEINVAL;
	}
}

int wfpredir__ioctl_ov(const struct wfpredir_sockopt_ops *ops, SOCKET s, DWORD code, LPVOID in,
		       DWORD in_len, LPVOID out, DWORD out_len, LPDWORD bytes_returned,
		       LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE fn)
{
	struct ov_call oc = { .ov = ov, .fn = fn };
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
	struct ov_call oc = { .ov = ov, .fn = fn, .thread = thread, .spi = true };
	int wsa;

	/* Nowhere to report an error: do nothing rather than fail silently. */
	if (wfpredir__store_dword((DWORD *)lpErrno, 0))
		return SOCKET_ERROR;
	wsa = ioctl_run(ops, s, code, in, in_len, out, out_len, bytes_returned, &oc);
	if (!wsa)
		return 0;
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
