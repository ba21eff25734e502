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

/* wsa_errors.c: the errno -> WSA table, one row per errno. */
struct wfpredir_errno_map {
	int err;
	int wsa;
	const char *name; /* the errno's macro name, "EPERM" */
};

extern const struct wfpredir_errno_map wfpredir__errno_map[];
extern const size_t wfpredir__errno_map_len;

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

/* The request builders add their attributes to msg (after its genl header):
 * 0, -EINVAL for an object they cannot encode, or -EMSGSIZE. */
int wfpredir__ctl_put_config(struct nl_msg *msg, const struct wfpredir_config *cfg);
int wfpredir__ctl_put_service(struct nl_msg *msg, const struct wfpredir_service *svc);
int wfpredir__ctl_put_service_ref(struct nl_msg *msg, uint32_t id, const char *name);
int wfpredir__ctl_put_rule(struct nl_msg *msg, const struct wfpredir_rule *rule);

/* The extended-ACK message (NLMSGERR_ATTR_MSG) of an NLMSG_ERROR or
 * NLMSG_DONE message, copied into buf (cut to len - 1 bytes, NUL-terminated):
 * 1, or 0 when it has none. nlh->nlmsg_len must not exceed the buffer. */
int wfpredir__ctl_extack(const struct nlmsghdr *nlh, char *buf, size_t len);

/* overlapped.c: the overlapped engine (section owned by the overlapped engine) */

/* msg.c: UDP control messages (section owned by msg.c) */

/*
 * SIO_GET_EXTENSION_FUNCTION_POINTER (WSAID_WSARECVMSG and friends), in msg.c;
 * called by WSAIoctl() after steps 1-2. Returns 0 or a WSA error.
 */
int wfpredir__extension_function(LPVOID in, DWORD in_len, LPVOID out, DWORD out_len,
				 LPDWORD bytes_returned);

#endif /* WFPREDIR_INTERNAL_H */
