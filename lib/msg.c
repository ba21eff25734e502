// SPDX-License-Identifier: MIT
/*
 * UDP control messages: WSARecvMsg(), WSASendMsg() and their native twins.
 *
 * Receive: before each recvmsg() the library asks the kernel about the
 * datagram at the head of the socket's queue (WFPREDIR_SO_GET_DGRAM_FLOW).
 * The kernel answers with the flow's records and context, and claims the
 * flow: exactly one such call per flow is told it is the first. If the
 * datagram then received is the one described (same peer), and it is the
 * flow's first, the records and the context are appended as control
 * messages after those the kernel wrote.
 *
 * Send: a records control message is stripped; the records are set on the
 * socket, the datagram sent (a new flow takes the records in the kernel's
 * hook), and whatever is left cleared (WFPREDIR_SO_CLEAR_RECORDS), so no
 * later flow of the socket gets them.
 *
 * Both run under a per-socket lock, so that the claim and the receive of one
 * call cannot interleave with another call's on the same socket. The locks
 * are a fixed table of mutexes hashed by descriptor: the one piece of global
 * state, shared by every socket, never freed, needing no registry. A plain
 * recv() by another thread bypasses it (Documentation/udp.rst). Because
 * other sockets share each lock, nothing blocks while holding one: the
 * receive and the send under it never wait (MSG_DONTWAIT); a blocking call
 * waits for its socket in poll() with the lock dropped, then tries again.
 * The locks are held across fork() (apc.c's fork registry).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define MSG_LOCKS 64

static pthread_mutex_t msg_locks[MSG_LOCKS];
static pthread_once_t msg_locks_once = PTHREAD_ONCE_INIT;

static void msg_locks_init(void)
{
	for (int i = 0; i < MSG_LOCKS; i++)
		pthread_mutex_init(&msg_locks[i], NULL);
}

/* The locks are taken inside a gate that fork() closes (apc.c), so that
 * none is held across fork() without fork() holding all 64. */
static struct wfpredir_gate msg_gate = WFPREDIR_GATE_INIT;

static void msg_fork_lock(void)
{
	wfpredir__gate_close(&msg_gate);
}

static void msg_fork_parent(void)
{
	wfpredir__gate_open(&msg_gate, false);
}

static void msg_fork_child(void)
{
	wfpredir__gate_open(&msg_gate, true);
}

__attribute__((constructor)) static void msg_fork_init(void)
{
	static const struct wfpredir_fork_ops ops = {
		.prepare = msg_fork_lock,
		.parent = msg_fork_parent,
		.child = msg_fork_child,
	};

	wfpredir__atfork_register(WFPREDIR_FORK_MSG, &ops);
}

static pthread_mutex_t *sock_lock(int fd)
{
	pthread_mutex_t *m;

	pthread_once(&msg_locks_once, msg_locks_init);
	m = &msg_locks[(unsigned int)fd % MSG_LOCKS];
	wfpredir__gate_enter(&msg_gate);
	pthread_mutex_lock(m);
	return m;
}

static void sock_unlock(pthread_mutex_t *m)
{
	pthread_mutex_unlock(m);
	wfpredir__gate_leave(&msg_gate);
}

struct sock_info {
	int family;
	int type;
	int protocol;
};

/* 0, -EBADF or -ENOTSOCK. */
static int sock_info(int fd, struct sock_info *si)
{
	socklen_t len = sizeof(int);

	if (fd < 0)
		return -EBADF;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &si->type, &len) < 0)
		return -errno;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &si->family, &len) < 0)
		return -errno;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &si->protocol, &len) < 0)
		return -errno;
	return 0;
}

static bool sock_is_inet_udp(const struct sock_info *si)
{
	return (si->family == AF_INET || si->family == AF_INET6) && si->type == SOCK_DGRAM &&
	       si->protocol == IPPROTO_UDP;
}

static int sock_level(const struct sock_info *si)
{
	return si->family == AF_INET6 ? SOL_IPV6 : SOL_IP;
}

/* A socket that never bound cannot receive: Windows says WSAEINVAL. */
static bool sock_is_bound(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return true; /* let the receive report it */
	if (ss.ss_family == AF_INET)
		return ((struct sockaddr_in *)&ss)->sin_port != 0;
	if (ss.ss_family == AF_INET6)
		return ((struct sockaddr_in6 *)&ss)->sin6_port != 0;
	return true;
}

/* The receive calls' socket checks: 0, -EOPNOTSUPP or -EINVAL. */
static int recv_sock_check(int fd, const struct sock_info *si)
{
	if (si->type != SOCK_DGRAM && si->type != SOCK_RAW)
		return -EOPNOTSUPP;
	/* A raw socket receives unbound. */
	if (si->type == SOCK_DGRAM && !sock_is_bound(fd))
		return -EINVAL;
	return 0;
}

static bool sock_is_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && (fl & O_NONBLOCK);
}

static int append_one(unsigned char *control, size_t cap, size_t *used, int level, int type,
		      const void *data, size_t len)
{
	size_t at = CMSG_ALIGN(*used);
	struct cmsghdr h;

	if (at > cap || cap - at < CMSG_SPACE(len))
		return MSG_CTRUNC;
	memset(control + at, 0, CMSG_SPACE(len));
	h.cmsg_len = CMSG_LEN(len);
	h.cmsg_level = level;
	h.cmsg_type = type;
	memcpy(control + at, &h, sizeof(h));
	memcpy(control + at + CMSG_LEN(0), data, len);
	*used = at + CMSG_SPACE(len);
	return 0;
}

int wfpredir__msg_append(void *control, size_t cap, size_t *used, int level,
			 const struct wfpredir_dgram_flow *df)
{
	const unsigned char *data = (const unsigned char *)(df + 1);
	int type_records = level == SOL_IPV6 ? IPV6_WFP_REDIRECT_RECORDS : IP_WFP_REDIRECT_RECORDS;
	int type_context = level == SOL_IPV6 ? IPV6_WFP_REDIRECT_CONTEXT : IP_WFP_REDIRECT_CONTEXT;

	if (!(df->flags & WFPREDIR_DGRAM_F_FIRST) || !df->records_len)
		return 0;
	if (!control)
		cap = 0;
	if (append_one(control, cap, used, level, type_records, data, df->records_len))
		return MSG_CTRUNC;
	if (df->context_len && append_one(control, cap, used, level, type_context,
					  data + df->records_len, df->context_len))
		return MSG_CTRUNC;
	return 0;
}

/* The datagram received is the one the claim described. */
static bool peer_matches(const struct wfpredir_dgram_flow *df, const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		return df->family == AF_INET && sin->sin_port == df->peer_port &&
		       !memcmp(&sin->sin_addr, df->peer_addr, 4);
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		if (sin6->sin6_port != df->peer_port)
			return false;
		if (df->family == AF_INET)
			return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
			       !memcmp(&sin6->sin6_addr.s6_addr[12], df->peer_addr, 4);
		return df->family == AF_INET6 && !memcmp(&sin6->sin6_addr, df->peer_addr, 16);
	}
	return false;
}

/*
 * One non-blocking receive, under the socket's lock. *mh as for recvmsg();
 * msg_namelen comes back as the peer's real length (the name is cut to the
 * caller's). Return: the bytes received, or -errno (-EAGAIN: nothing queued).
 */
static ssize_t recv_once(const struct wfpredir_sockopt_ops *ops, int fd, const struct sock_info *si,
			 struct msghdr *mh, int flags)
{
	uint64_t buf[(WFPREDIR_DGRAM_FLOW_MAX_LEN + 7) / 8];
	struct wfpredir_dgram_flow *df = (struct wfpredir_dgram_flow *)buf;
	struct sockaddr_storage peer;
	socklen_t dlen = sizeof(buf);
	struct msghdr m = *mh;
	bool have = false;
	size_t used;
	ssize_t n;

	if (sock_is_inet_udp(si)) {
		int rc = ops->get(fd, sock_level(si),
				  (flags & MSG_PEEK) ? WFPREDIR_SO_PEEK_DGRAM_FLOW
						     : WFPREDIR_SO_GET_DGRAM_FLOW,
				  buf, &dlen);
		if (rc == -EAGAIN)
			return -EAGAIN;
		if (rc == -ENOTCONN)
			return -EINVAL;
		/* Any other failure (no module: -ENOPROTOOPT): no records. */
		have = !rc && dlen >= sizeof(*df) && dlen <= sizeof(buf) &&
		       sizeof(*df) + (size_t)df->records_len + df->context_len <= dlen;
	}

	memset(&peer, 0, sizeof(peer));
	m.msg_name = &peer;
	m.msg_namelen = sizeof(peer);
	n = recvmsg(fd, &m, flags | MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	if (mh->msg_name && mh->msg_namelen)
		memcpy(mh->msg_name, &peer,
		       mh->msg_namelen < m.msg_namelen ? mh->msg_namelen : m.msg_namelen);
	mh->msg_namelen = m.msg_namelen;
	mh->msg_flags = m.msg_flags;
	used = m.msg_controllen;
	if (have && peer_matches(df, &peer))
		mh->msg_flags |= wfpredir__msg_append(mh->msg_control, mh->msg_controllen, &used,
						      sock_level(si), df);
	mh->msg_controllen = used;
	return n;
}

static ssize_t recv_locked(const struct wfpredir_sockopt_ops *ops, int fd,
			   const struct sock_info *si, struct msghdr *mh, int flags)
{
	pthread_mutex_t *lock = sock_lock(fd);
	ssize_t n = recv_once(ops, fd, si, mh, flags);

	sock_unlock(lock);
	return n;
}

/* Until the socket is readable: 0 or -errno (-EINTR). */
static int wait_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, -1) < 0 ? -errno : 0;
}

int wfpredir__run_blocking(int fd, int (*try_op)(void *ctx, DWORD *bytes), void *ctx, DWORD *bytes)
{
	for (;;) {
		int rc = try_op(ctx, bytes);

		if (rc != WFPREDIR__OV_AGAIN)
			return rc;
		if (sock_is_nonblocking(fd))
			return WSAEWOULDBLOCK;
		rc = wait_readable(fd);
		if (rc)
			return wfpredir_wsa_error_from_errno(rc);
	}
}

ssize_t wfpredir__recvmsg(const struct wfpredir_sockopt_ops *ops, int fd, struct msghdr *msg,
			  int flags)
{
	struct sock_info si;
	bool nonblock;
	int rc;

	rc = sock_info(fd, &si);
	if (rc)
		return rc;
	if (!msg)
		return -EFAULT;
	if (flags & ~(MSG_PEEK | MSG_DONTWAIT | MSG_CMSG_CLOEXEC))
		return -EOPNOTSUPP;
	rc = recv_sock_check(fd, &si);
	if (rc)
		return rc;
	nonblock = (flags & MSG_DONTWAIT) || sock_is_nonblocking(fd);
	for (;;) {
		ssize_t n = recv_locked(ops, fd, &si, msg, flags & ~MSG_DONTWAIT);

		if (n != -EAGAIN || nonblock)
			return n;
		rc = wait_readable(fd);
		if (rc)
			return rc;
	}
}

ssize_t wfpredir_recvmsg(int fd, struct msghdr *msg, int flags)
{
	return wfpredir__recvmsg(&wfpredir__kernel_sockopt, fd, msg, flags);
}

/*
 * Send: split the caller's control messages into the records (if any) and
 * the rest, which go to the kernel. *out is a malloc()ed copy of the rest.
 */
static int split_control(const struct msghdr *mh, int family, void **out, size_t *out_len,
			 const void **records, size_t *records_len)
{
	const unsigned char *ctl = mh->msg_control;
	size_t len = mh->msg_control ? mh->msg_controllen : 0;
	unsigned char *copy;
	size_t off = 0, used = 0;

	*out = NULL;
	*out_len = 0;
	*records = NULL;
	*records_len = 0;
	if (!len)
		return 0;
	copy = calloc(1, len);
	if (!copy)
		return -ENOMEM;
	while (len - off >= sizeof(struct cmsghdr)) {
		struct cmsghdr h;
		bool ours;

		memcpy(&h, ctl + off, sizeof(h));
		if (h.cmsg_len < sizeof(h) || h.cmsg_len > len - off)
			goto inval;
		ours = (h.cmsg_level == IPPROTO_IP ||
			(family == AF_INET6 && h.cmsg_level == IPPROTO_IPV6)) &&
		       (h.cmsg_type == IP_WFP_REDIRECT_RECORDS ||
			h.cmsg_type == IP_WFP_REDIRECT_CONTEXT);
		if (ours && h.cmsg_type == IP_WFP_REDIRECT_RECORDS) {
			if (*records || h.cmsg_len <= CMSG_LEN(0))
				goto inval;
			*records = ctl + off + CMSG_LEN(0);
			*records_len = h.cmsg_len - CMSG_LEN(0);
		} else if (!ours) {
			memcpy(copy + used, ctl + off, h.cmsg_len);
			used += CMSG_ALIGN(h.cmsg_len);
			if (used > len)
				used = len;
		}
		/* A context control message is accepted and dropped. */
		off += CMSG_ALIGN(h.cmsg_len);
		if (off > len)
			break;
	}
	*out = copy;
	*out_len = used;
	return 0;
inval:
	free(copy);
	return -EINVAL;
}

/* wfpredir__sendmsg() once the socket is known. */
static ssize_t send_run(const struct wfpredir_sockopt_ops *ops, int fd, const struct sock_info *si,
			const struct msghdr *msg, int flags)
{
	const void *records;
	size_t records_len, ctl_len;
	struct msghdr m;
	bool nonblock;
	void *ctl;
	ssize_t n;
	int rc;

	rc = split_control(msg, si->family, &ctl, &ctl_len, &records, &records_len);
	if (rc)
		return rc;
	if (records && !sock_is_inet_udp(si)) {
		free(ctl);
		return -EOPNOTSUPP;
	}
	m = *msg;
	m.msg_control = ctl_len ? ctl : NULL;
	m.msg_controllen = ctl_len;

	nonblock = (flags & MSG_DONTWAIT) || sock_is_nonblocking(fd);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		pthread_mutex_t *lock = sock_lock(fd);

		if (records) {
			rc = wfpredir__set_at(ops, fd, sock_level(si), records, records_len);
			if (rc) {
				sock_unlock(lock);
				free(ctl);
				return rc;
			}
		}
		n = sendmsg(fd, &m, flags | MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			n = -errno;
		/* A send that created no flow (an existing one, or none) left
		 * them. */
		if (records)
			ops->set(fd, sock_level(si), WFPREDIR_SO_CLEAR_RECORDS, NULL, 0);
		sock_unlock(lock);
		if (n != -EAGAIN || nonblock)
			break;
		/* A full send buffer: wait for room without the shared lock.
		 * A signal ends the wait, as for a blocking receive. */
		if (poll(&pfd, 1, -1) < 0 && errno == EINTR) {
			n = -EINTR;
			break;
		}
	}
	free(ctl);
	return n;
}

ssize_t wfpredir__sendmsg(const struct wfpredir_sockopt_ops *ops, int fd, const struct msghdr *msg,
			  int flags)
{
	struct sock_info si;
	int rc;

	rc = sock_info(fd, &si);
	if (rc)
		return rc;
	if (!msg)
		return -EFAULT;
	return send_run(ops, fd, &si, msg, flags);
}

ssize_t wfpredir_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return wfpredir__sendmsg(&wfpredir__kernel_sockopt, fd, msg, flags);
}

/* ------------------------------------------------------------ Windows */

/* The caller's WSABUF array as an iovec array to free(); 0 or a WSA error. */
static int wsabufs_to_iov(const WSAMSG *m, struct iovec **iov)
{
	WSABUF *bufs;
	ULONG i;

	*iov = NULL;
	if (m->dwBufferCount > IOV_MAX)
		return WSAEINVAL;
	if (!m->dwBufferCount)
		return 0;
	if (!m->lpBuffers ||
	    wfpredir__probe_read(m->lpBuffers, (size_t)m->dwBufferCount * sizeof(WSABUF)))
		return WSAEFAULT;
	bufs = m->lpBuffers;
	*iov = calloc(m->dwBufferCount, sizeof(**iov));
	if (!*iov)
		return WSAENOBUFS;
	for (i = 0; i < m->dwBufferCount; i++) {
		(*iov)[i].iov_base = bufs[i].buf;
		(*iov)[i].iov_len = bufs[i].len;
	}
	return 0;
}

struct recv_ctx {
	const struct wfpredir_sockopt_ops *ops;
	SOCKET s;
	LPWSAMSG msg;
	struct sock_info si;
};

/* One attempt: 0, a WSA error, or WFPREDIR__OV_AGAIN; *bytes set. */
static int wsa_recv_try(void *arg, DWORD *bytes)
{
	struct recv_ctx *ctx = arg;
	struct iovec *iov;
	struct msghdr mh;
	WSAMSG m;
	ssize_t n;
	int rc;

	*bytes = 0;
	if (wfpredir__probe_write(ctx->msg, sizeof(m)))
		return WSAEFAULT;
	memcpy(&m, ctx->msg, sizeof(m));
	if (m.dwFlags & ~(ULONG)MSG_PEEK)
		return WSAEOPNOTSUPP;
	if (m.name && (m.namelen < 0 || wfpredir__probe_write(m.name, (size_t)m.namelen)))
		return WSAEFAULT;
	if (m.Control.len &&
	    (!m.Control.buf || wfpredir__probe_write(m.Control.buf, m.Control.len)))
		return WSAEFAULT;
	rc = wsabufs_to_iov(&m, &iov);
	if (rc)
		return rc;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = m.name;
	mh.msg_namelen = m.name ? (socklen_t)m.namelen : 0;
	mh.msg_iov = iov;
	mh.msg_iovlen = m.dwBufferCount;
	mh.msg_control = m.Control.len ? m.Control.buf : NULL;
	mh.msg_controllen = m.Control.len;
	n = recv_locked(ctx->ops, ctx->s, &ctx->si, &mh, (int)(m.dwFlags & MSG_PEEK));
	free(iov);
	if (n == -EAGAIN)
		return WFPREDIR__OV_AGAIN;
	if (n < 0)
		return wfpredir_wsa_error_from_errno((int)n);

	*bytes = (DWORD)n;
	ctx->msg->namelen = (INT)mh.msg_namelen;
	ctx->msg->Control.len = (ULONG)mh.msg_controllen;
	ctx->msg->dwFlags = (ULONG)(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC));
	if (mh.msg_flags & MSG_TRUNC)
		return WSAEMSGSIZE;
	/* Windows fails a receive whose from-buffer is too small. */
	if (m.name && (socklen_t)m.namelen < mh.msg_namelen)
		return WSAEFAULT;
	return 0;
}

static int wsa_recv_run(const struct wfpredir_sockopt_ops *ops, SOCKET s, LPWSAMSG msg,
			LPDWORD bytes, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE fn)
{
	struct recv_ctx ctx = { .ops = ops, .s = s, .msg = msg };
	DWORD got = 0;
	int rc;

	rc = sock_info(s, &ctx.si);
	if (rc)
		return wfpredir_wsa_error_from_errno(rc);
	if (!msg || wfpredir__probe_write(msg, sizeof(*msg)))
		return WSAEFAULT;
	if (!bytes && !ov)
		return WSAEFAULT;
	if (bytes && wfpredir__store_dword(bytes, 0))
		return WSAEFAULT;
	rc = recv_sock_check(s, &ctx.si);
	if (rc)
		return wfpredir_wsa_error_from_errno(rc);

	if (ov && wfpredir__socket_is_overlapped(s)) {
		rc = wfpredir__overlapped_start(s, ov, fn, NULL, POLLIN, wsa_recv_try, &ctx,
						sizeof(ctx), &got);
		if (bytes && rc != WSA_IO_PENDING && wfpredir__store_dword(bytes, got))
			return WSAEFAULT;
		return rc;
	}

	rc = wfpredir__run_blocking(s, wsa_recv_try, &ctx, &got);
	if (bytes && wfpredir__store_dword(bytes, got))
		return WSAEFAULT;
	return rc;
}

int wfpredir__wsa_recvmsg(const struct wfpredir_sockopt_ops *ops, SOCKET s, LPWSAMSG msg,
			  LPDWORD bytes, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE fn)
{
	int wsa = wsa_recv_run(ops, s, msg, bytes, ov, fn);

	if (!wsa)
		return 0;
	wfpredir__set_last_error(wsa);
	return SOCKET_ERROR;
}

int WSARecvMsg(SOCKET s, LPWSAMSG lpMsg, LPDWORD lpdwNumberOfBytesRecvd,
	       LPWSAOVERLAPPED lpOverlapped, LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)
{
	return wfpredir__wsa_recvmsg(&wfpredir__kernel_sockopt, s, lpMsg, lpdwNumberOfBytesRecvd,
				     lpOverlapped, lpCompletionRoutine);
}

static int wsa_send_run(const struct wfpredir_sockopt_ops *ops, SOCKET s, LPWSAMSG msg, DWORD flags,
			LPDWORD bytes)
{
	struct sock_info si;
	struct iovec *iov;
	struct msghdr mh;
	WSAMSG m;
	ssize_t n;
	int rc;

	rc = sock_info(s, &si);
	if (rc)
		return wfpredir_wsa_error_from_errno(rc);
	if (!msg || wfpredir__probe_read(msg, sizeof(*msg)))
		return WSAEFAULT;
	memcpy(&m, msg, sizeof(m));
	if (bytes && wfpredir__store_dword(bytes, 0))
		return WSAEFAULT;
	if (flags & ~(DWORD)MSG_DONTROUTE)
		return WSAEOPNOTSUPP;
	if (si.type != SOCK_DGRAM && si.type != SOCK_RAW)
		return WSAEOPNOTSUPP;
	if (m.name && (m.namelen < 0 || wfpredir__probe_read(m.name, (size_t)m.namelen)))
		return WSAEFAULT;
	if (m.Control.len && (!m.Control.buf || wfpredir__probe_read(m.Control.buf, m.Control.len)))
		return WSAEFAULT;
	rc = wsabufs_to_iov(&m, &iov);
	if (rc)
		return rc;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = m.name;
	mh.msg_namelen = m.name ? (socklen_t)m.namelen : 0;
	mh.msg_iov = iov;
	mh.msg_iovlen = m.dwBufferCount;
	mh.msg_control = m.Control.len ? m.Control.buf : NULL;
	mh.msg_controllen = m.Control.len;
	n = send_run(ops, s, &si, &mh, (int)flags);
	free(iov);
	if (n < 0)
		return wfpredir_wsa_error_from_errno((int)n);
	if (bytes && wfpredir__store_dword(bytes, (DWORD)n))
		return WSAEFAULT;
	return 0;
}

struct send_ctx {
	const struct wfpredir_sockopt_ops *ops;
	SOCKET s;
	LPWSAMSG msg;
	DWORD flags;
};

/* The send, as one overlapped attempt: it never returns "not yet". */
static int wsa_send_try(void *arg, DWORD *bytes)
{
	const struct send_ctx *ctx = arg;

	*bytes = 0;
	return wsa_send_run(ctx->ops, ctx->s, ctx->msg, ctx->flags, bytes);
}

int wfpredir__wsa_sendmsg(const struct wfpredir_sockopt_ops *ops, SOCKET s, LPWSAMSG msg,
			  DWORD flags, LPDWORD bytes, LPWSAOVERLAPPED ov,
			  LPWSAOVERLAPPED_COMPLETION_ROUTINE fn)
{
	struct send_ctx ctx = { .ops = ops, .s = s, .msg = msg, .flags = flags };
	DWORD sent = 0;
	int wsa;

	if (ov && wfpredir__socket_is_overlapped(s)) {
		/*
		 * A datagram is queued whole or not at all, so the send
		 * completes now; as for any overlapped call that does, the
		 * event is still signalled or the routine queued.
		 */
		wsa = wfpredir__overlapped_start(s, ov, fn, NULL, POLLOUT, wsa_send_try, &ctx,
						 sizeof(ctx), &sent);
		if (!wsa && bytes && wfpredir__store_dword(bytes, sent))
			wsa = WSAEFAULT;
	} else if (!bytes) {
		/* Without an overlapped structure the byte count is required. */
		wsa = WSAEFAULT;
	} else {
		wsa = wsa_send_run(ops, s, msg, flags, bytes);
	}
	if (!wsa)
		return 0;
	wfpredir__set_last_error(wsa);
	return SOCKET_ERROR;
}

int WSASendMsg(SOCKET Handle, LPWSAMSG lpMsg, DWORD dwFlags, LPDWORD lpNumberOfBytesSent,
	       LPWSAOVERLAPPED lpOverlapped, LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)
{
	return wfpredir__wsa_sendmsg(&wfpredir__kernel_sockopt, Handle, lpMsg, dwFlags,
				     lpNumberOfBytesSent, lpOverlapped, lpCompletionRoutine);
}

/* ------------------------------------------ extension function pointers */

int wfpredir__extension_function(LPVOID in, DWORD in_len, LPVOID out, DWORD out_len,
				 LPDWORD bytes_returned)
{
	static const GUID recv_id = WSAID_WSARECVMSG;
	static const GUID send_id = WSAID_WSASENDMSG;
	LPFN_WSARECVMSG recv_fn = WSARecvMsg;
	LPFN_WSASENDMSG send_fn = WSASendMsg;
	const void *fn;
	GUID id;

	/* WSAIoctl(): "cbInBuffer or cbOutBuffer is too small" is WSAEFAULT. */
	if (!in || in_len < sizeof(GUID) || wfpredir__probe_read(in, sizeof(GUID)))
		return WSAEFAULT;
	if (!out || out_len < sizeof(void *) || wfpredir__probe_write(out, sizeof(void *)))
		return WSAEFAULT;
	memcpy(&id, in, sizeof(id));
	if (!memcmp(&id, &recv_id, sizeof(id)))
		fn = &recv_fn;
	else if (!memcmp(&id, &send_id, sizeof(id)))
		fn = &send_fn;
	else
		return WSAEINVAL;
	memcpy(out, fn, sizeof(void *));
	if (wfpredir__store_dword(bytes_returned, sizeof(void *)))
		return WSAEFAULT;
	return 0;
}
