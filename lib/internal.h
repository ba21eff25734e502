/* SPDX-License-Identifier: MIT */
/*
 * libwfpredir internals. Every library source includes this first. Nothing here is
 * exported from libwfpredir.so: the library builds with -fvisibility=hidden,
 * and only the public header's declarations are given default visibility
 * (below). The unit tests link the objects directly and use these.
 */
#ifndef WFPREDIR_INTERNAL_H
#define WFPREDIR_INTERNAL_H

#ifdef WFPREDIR_H
#error "include internal.h before <wfpredir.h>: it makes the public API visible"
#endif

#pragma GCC visibility push(default)
#include <wfpredir.h>
#pragma GCC visibility pop

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * The kernel's socket option calls, as a table of functions so that the unit
 * tests can stand in for a kernel with the module loaded. Both return 0 or
 * -errno. The library itself only ever passes &wfpredir__kernel_sockopt.
 */
struct wfpredir_sockopt_ops {
	int (*get)(int fd, int level, int name, void *val, socklen_t *len);
	int (*set)(int fd, int level, int name, const void *val, socklen_t len);
};

extern const struct wfpredir_sockopt_ops wfpredir__kernel_sockopt;

/* sockopt.c */

/* SOL_IP or SOL_IPV6 for the socket's family, or -EBADF, -ENOTSOCK,
 * -EOPNOTSUPP. */
int wfpredir__level(int fd);

int wfpredir__set_at(const struct wfpredir_sockopt_ops *ops, int fd, int level, const void *records,
		     size_t len);

/* wfpredir__query_at() returns this (> 0) when the buffer was too small;
 * *len is then the size needed. */
#define WFPREDIR__TOO_SMALL 1

int wfpredir__query_at(const struct wfpredir_sockopt_ops *ops, int fd, int level, int name,
		       void *buf, size_t *len);

/* The native calls with the sockopt calls as a parameter. */
int wfpredir__native_set(const struct wfpredir_sockopt_ops *ops, int fd, const void *records,
			 size_t len);
int wfpredir__native_query(const struct wfpredir_sockopt_ops *ops, int fd, int name, void *buf,
			   size_t *len);
int wfpredir__native_query_redirect(const struct wfpredir_sockopt_ops *ops, int fd, void *buf,
				    size_t *len, struct wfpredir_redirect_info *out);
/* Where the parts of a WFPREDIR_SO_GET_REDIRECT answer of @got bytes at @p
 * lie, from its header @hdr (read already): 0 with @out filled (pointers
 * into @p, which is not read), or -EPROTO. */
int wfpredir__redirect_layout(const struct wfpredir_redirect *hdr, const uint8_t *p, size_t got,
			      struct wfpredir_redirect_info *out);
int wfpredir__native_handoff(const struct wfpredir_sockopt_ops *ops, int onward_fd, int accepted_fd,
			     void *buf, size_t *len, struct wfpredir_redirect_info *out);

/* wsaioctl.c: WSAIoctl() with the sockopt calls as a parameter. */
int wfpredir__ioctl(const struct wfpredir_sockopt_ops *ops, SOCKET s, DWORD code, LPVOID in,
		    DWORD in_len, LPVOID out, DWORD out_len, LPDWORD bytes_returned);

/* WSPIoctl() likewise: the error goes to *lpErrno, the last error is left
 * alone. */
int wfpredir__spi_ioctl(const struct wfpredir_sockopt_ops *ops, SOCKET s, DWORD code, LPVOID in,
			DWORD in_len, LPVOID out, DWORD out_len, LPDWORD bytes_returned,
			LPINT lpErrno);

/* last_error.c */
void wfpredir__set_last_error(int wsa);

/* safemem.c: fault-safe access to caller memory; 0 or -EFAULT (or the
 * -errno of a resource failure in the fallback path). */
int wfpredir__store_dword(DWORD *dst, DWORD value);
int wfpredir__probe_read(const void *addr, size_t len);
int wfpredir__probe_write(void *addr, size_t len);
/* The same for [addr, addr + len) of which the kernel has just written the
 * first @written bytes: only the pages it did not reach are probed. */
int wfpredir__probe_write_tail(void *addr, size_t len, size_t written);
/*
 * Copy each @from[i] to @to[i] (@n pieces of the same length each, a few
 * bytes in all), in order; either side may be the caller's memory: a bad
 * pointer on either gives -EFAULT, never a fault. A copy that fails has done
 * none of the pieces after the bad one (some before it, maybe).
 */
struct iovec;
int wfpredir__caller_copy(const struct iovec *to, const struct iovec *from, unsigned long n);

/* wsa_errors.c: the errno -> WSA table, one row per errno. */
struct wfpredir_errno_map {
	int err;
	int wsa;
	const char *name; /* the errno's macro name, "EPERM" */
};

extern const struct wfpredir_errno_map wfpredir__errno_map[];
extern const size_t wfpredir__errno_map_len;
/* The WSA code of errno @err (or -@err) in @map: 0 for 0, WSAEINVAL when
 * not listed. */
int wfpredir__errno_lookup(const struct wfpredir_errno_map *map, size_t len, int err);

/*
 * ctl.c: the messages, apart from the socket, so the unit tests can build
 * and parse them without the module.
 *
 * The parsers take one reply (a generic netlink message) and return 0 or
 * -EPROTO, leaving out alone on failure.
 */
struct nl_msg;
struct nlmsghdr;
int wfpredir__ctl_parse_info(struct nl_msg *msg, struct wfpredir_info *out);
int wfpredir__ctl_parse_service(struct nl_msg *msg, struct wfpredir_service *out);
int wfpredir__ctl_parse_rule(struct nl_msg *msg, struct wfpredir_rule *out);
int wfpredir__ctl_parse_flow(struct nl_msg *msg, struct wfpredir_flow *out);
/* The same, with the object's table (WFPREDIR_TABLE_NAME_MAX bytes; NULL:
 * not wanted). */
int wfpredir__ctl_parse_service2(struct nl_msg *msg, struct wfpredir_service *out, char *table);
int wfpredir__ctl_parse_rule2(struct nl_msg *msg, struct wfpredir_rule *out, char *table);

/* The request builders add their attributes to msg (after its genl header):
 * 0, -EINVAL for an object they cannot encode, or -EMSGSIZE. */
int wfpredir__ctl_put_config(struct nl_msg *msg, const struct wfpredir_config *cfg);
int wfpredir__ctl_put_service(struct nl_msg *msg, const struct wfpredir_service *svc);
int wfpredir__ctl_put_service_ref(struct nl_msg *msg, uint32_t id, const char *name);
int wfpredir__ctl_put_rule(struct nl_msg *msg, const struct wfpredir_rule *rule);
/* With a table (NULL: none, the kernel's default) and, for a rule, the
 * service by name in that table (NULL: by service_id). */
int wfpredir__ctl_put_service2(struct nl_msg *msg, const char *table,
			       const struct wfpredir_service *svc);
int wfpredir__ctl_put_rule2(struct nl_msg *msg, const char *table, const char *service_name,
			    const struct wfpredir_rule *rule);
/* The extended ACK's bad attribute offset (NLMSGERR_ATTR_OFFS): 1, or 0. */
int wfpredir__ctl_extack_offs(const struct nlmsghdr *nlh, uint32_t *offs);

/* The extended-ACK message (NLMSGERR_ATTR_MSG) of an NLMSG_ERROR or
 * NLMSG_DONE message, copied into buf (cut to len - 1 bytes, NUL-terminated):
 * 1, or 0 when it has none. nlh->nlmsg_len must not exceed the buffer. */
int wfpredir__ctl_extack(const struct nlmsghdr *nlh, char *buf, size_t len);

/* monitor.c: one event message into out: 0; -ENOENT for a command that is
 * no event (skipped); -EPROTO for a malformed one. */
int wfpredir__monitor_parse(struct nl_msg *msg, struct wfpredir_monitor_event *out);

/* overlapped.c: the overlapped engine (section owned by the overlapped engine) */

/* wsasocket.c: the registry of overlapped sockets, keyed by descriptor and
 * checked against the socket's st_dev/st_ino, so a reused descriptor is not
 * taken for the old socket. */
bool wfpredir__socket_is_overlapped(int fd);
int wfpredir__socket_mark_overlapped(int fd); /* 0 or -errno */
void wfpredir__socket_forget(int fd);

/* apc.c: per-thread APC queues. A thread record is refcounted; a
 * WSATHREADID holds {ThreadHandle = the record, Reserved = its serial}. */
struct wfpredir_thread;
/* The calling thread's record (made on first use), or NULL without memory. */
struct wfpredir_thread *wfpredir__thread_self(void);
/* Likewise, with a new reference for the caller. */
struct wfpredir_thread *wfpredir__thread_self_get(void);
/* A new reference to the live thread @id names, or NULL. */
struct wfpredir_thread *wfpredir__thread_get(const WSATHREADID *id);
void wfpredir__thread_put(struct wfpredir_thread *t);
/* Queue a completion routine; dropped when the thread has exited. 0 or
 * -ENOMEM. */
int wfpredir__apc_queue(struct wfpredir_thread *t, LPWSAOVERLAPPED_COMPLETION_ROUTINE fn, DWORD err,
			DWORD bytes, LPWSAOVERLAPPED ov);
/* The calling thread's APC eventfd (readable while its queue is not empty)
 * or -1; and running the queue: true when at least one routine ran. */
int wfpredir__apc_fd(void);
bool wfpredir__apc_run(void);

/*
 * apc.c's registries, how the layers above it get what they need without
 * apc.c knowing them (Documentation/overlapped.rst, "Who owns what").
 *
 * fork(): each layer's locks, taken in prepare (rank order: the upper
 * layers' first) and released in parent and child (reverse order), so that
 * the child inherits no lock held by a thread it does not have. The child
 * handler may instead reset its state. Register from a constructor.
 */
enum wfpredir_fork_rank {
	WFPREDIR_FORK_MSG,     /* msg.c: the per-socket send/receive locks */
	WFPREDIR_FORK_SOCKETS, /* wsasocket.c: the registry */
	WFPREDIR_FORK_ENGINE,  /* overlapped.c */
	WFPREDIR_FORK_EVENTS,  /* event.c */
	WFPREDIR_FORK_RANKS,   /* apc.c's own locks come last */
};

struct wfpredir_fork_ops {
	void (*prepare)(void);
	void (*parent)(void);
	void (*child)(void);
};

void wfpredir__atfork_register(enum wfpredir_fork_rank rank, const struct wfpredir_fork_ops *ops);

/*
 * A fork gate: many short critical sections (each under a lock of its own:
 * one per socket, per thread record, per hash bucket) enter it; fork()'s
 * prepare handler closes it, waiting until none is inside, so that those
 * locks need not be taken one by one (they may be thousands). New entrants
 * wait while it is closed. Never nested, never held across a blocking call.
 */
struct wfpredir_gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned int active;
	bool closed;
};

#define WFPREDIR_GATE_INIT                                                    \
	{                                                                     \
		PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false \
	}

void wfpredir__gate_enter(struct wfpredir_gate *g);
void wfpredir__gate_leave(struct wfpredir_gate *g);
/* fork(): close (prepare) and open again (parent, child). */
void wfpredir__gate_close(struct wfpredir_gate *g);
void wfpredir__gate_open(struct wfpredir_gate *g, bool child);

/* Called with a thread's record when the thread exits, before the record is
 * marked dead (the engine aborts what the thread issued). One hook. */
void wfpredir__thread_exit_hook(void (*fn)(const struct wfpredir_thread *t));

/* Timeouts: a CLOCK_MONOTONIC deadline @ms from now, and the milliseconds
 * left before it for poll() (-1 when @ms is INFINITE). */
struct timespec;
void wfpredir__deadline(struct timespec *deadline, DWORD ms);
int wfpredir__ms_left(const struct timespec *deadline, DWORD ms);

/* event.c: set or reset an event for the engine, leaving the last error
 * alone; false for a handle that is not an open event. */
bool wfpredir__event_set(WSAEVENT ev);
bool wfpredir__event_reset(WSAEVENT ev);

/* overlapped.c: NTSTATUS <-> WSA error, a bijection on every error the
 * library produces (table in Documentation/overlapped.rst). */
DWORD wfpredir__ntstatus_from_wsa(int wsa);
int wfpredir__wsa_from_ntstatus(DWORD status);

/* try_op's "not yet": retry when the socket polls @poll_events. */
#define WFPREDIR__OV_AGAIN (-11)

/* msg.c: the non-overlapped twin of wfpredir__overlapped_start(): @try_op
 * until it stops saying WFPREDIR__OV_AGAIN, waiting for @fd to turn
 * readable in between; WSAEWOULDBLOCK when @fd is non-blocking, WSAEINTR
 * on a signal. */
int wfpredir__run_blocking(int fd, int (*try_op)(void *ctx, DWORD *bytes), void *ctx, DWORD *bytes);

/*
 * Start an overlapped operation on overlapped socket @s. @try_op does the
 * work without blocking: it returns 0, a WSA error, or WFPREDIR__OV_AGAIN,
 * and sets *bytes (also on error: it becomes InternalHigh). It is called once
 * now with @ctx, then, while it says WFPREDIR__OV_AGAIN, by the engine's
 * worker thread (with no engine lock held; it must not start or wait for
 * an operation itself) with a copy of the @ctx_size bytes at @ctx each time
 * @s polls @poll_events.
 * @thread: where @fn is queued; NULL for the calling thread.
 *
 * Return: 0 (completed now: *@bytes set, the completion signalled or
 * queued), WSA_IO_PENDING (Internal is STATUS_PENDING), or a WSA error: no
 * completion will be indicated (WSAEFAULT for @ov not writable, WSAEINVAL
 * for an unknown @thread, WSAENOBUFS without memory, or @try_op's error,
 * *@bytes set).
 */
int wfpredir__overlapped_start(SOCKET s, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE fn,
			       const WSATHREADID *thread, short poll_events,
			       int (*try_op)(void *ctx, DWORD *bytes), void *ctx, size_t ctx_size,
			       DWORD *bytes);

/* wsaioctl.c: WSAIoctl() and WSPIoctl() in full, with the sockopt calls as
 * a parameter. */
int wfpredir__ioctl_ov(const struct wfpredir_sockopt_ops *ops, SOCKET s, DWORD code, LPVOID in,
		       DWORD in_len, LPVOID out, DWORD out_len, LPDWORD bytes_returned,
		       LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE fn);
int wfpredir__spi_ioctl_ov(const struct wfpredir_sockopt_ops *ops, SOCKET s, DWORD code, LPVOID in,
			   DWORD in_len, LPVOID out, DWORD out_len, LPDWORD bytes_returned,
			   LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE fn,
			   const WSATHREADID *thread, LPINT lpErrno);

/* wsasocket.c: WSAAccept() and the like: make @fd overlapped when
 * @listen_fd is (Windows' accepted sockets inherit the attribute). 0 or
 * -errno. */
int wfpredir__socket_inherit(int listen_fd, int fd);

/* Complete every operation pending on @fd with WSA_OPERATION_ABORTED;
 * when it returns, the engine no longer touches @fd. */
void wfpredir__overlapped_abort_fd(int fd);

/* msg.c: UDP control messages (section owned by msg.c) */

/* WSARecvMsg(), WSASendMsg() and the native twins with the sockopt calls as
 * a parameter (the unit tests pass a fake kernel). */
int wfpredir__wsa_recvmsg(const struct wfpredir_sockopt_ops *ops, SOCKET s, LPWSAMSG msg,
			  LPDWORD bytes, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE fn);
int wfpredir__wsa_sendmsg(const struct wfpredir_sockopt_ops *ops, SOCKET s, LPWSAMSG msg,
			  DWORD flags, LPDWORD bytes, LPWSAOVERLAPPED ov,
			  LPWSAOVERLAPPED_COMPLETION_ROUTINE fn);
ssize_t wfpredir__recvmsg(const struct wfpredir_sockopt_ops *ops, int fd, struct msghdr *msg,
			  int flags);
ssize_t wfpredir__sendmsg(const struct wfpredir_sockopt_ops *ops, int fd, const struct msghdr *msg,
			  int flags);

/*
 * Append the records and context control messages a claim (@df, followed by
 * its records and context) calls for, at *used in @control (@cap bytes),
 * at level @level. Appends nothing unless WFPREDIR_DGRAM_F_FIRST is set and
 * the flow holds records. Returns 0, or MSG_CTRUNC when a control message
 * did not fit (it and any after it are left out).
 */
int wfpredir__msg_append(void *control, size_t cap, size_t *used, int level,
			 const struct wfpredir_dgram_flow *df);

/*
 * SIO_GET_EXTENSION_FUNCTION_POINTER (WSAID_WSARECVMSG and friends), in msg.c;
 * called by WSAIoctl() after steps 1-2. Returns 0 or a WSA error.
 */
int wfpredir__extension_function(LPVOID in, DWORD in_len, LPVOID out, DWORD out_len,
				 LPDWORD bytes_returned);

#endif /* WFPREDIR_INTERNAL_H */
