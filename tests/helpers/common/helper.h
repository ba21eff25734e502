/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the test helpers in tests/helpers/ share: dying with a message,
 * error names, and ADDR:PORT text both ways. Linked into each helper.
 */
#ifndef WFPREDIR_TEST_HELPER_H
#define WFPREDIR_TEST_HELPER_H

#include <stdint.h>

#include <sys/socket.h>

/* "PROG: MESSAGE" on stderr, exit status 2 (a usage or setup failure). */
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);

/* "ok" for 0, else the errno's macro name ("EAGAIN"); either sign. */
const char *errno_name(int err);

/* "ok" for 0, else the WSA code's name ("WSAEFAULT"). */
const char *wsa_name(int wsa);

/* "1.2.3.4:80" or "[::1]:80" into @ss; dies on anything else. Returns the
 * length of the address. */
socklen_t parse_addr(const char *s, struct sockaddr_storage *ss);

/* A socket of @family and @type (SO_REUSEADDR; IPv6 only for AF_INET6)
 * bound to the literal address @addr and @port; dies when it cannot. */
int open_bound(int family, int type, const char *addr, int port);

/* The length of @ss's address, by its family. */
socklen_t ss_len(const struct sockaddr_storage *ss);

/* The reverse of parse_addr(); a v4-mapped IPv6 address prints as IPv4,
 * AF_UNSPEC as "none". */
void format_addr(const struct sockaddr_storage *ss, char *buf, size_t len);

/* Enters the network namespace that ip netns calls @name (/run/netns/@name),
 * as nsenter --net does; dies when it cannot. For the helpers' -N: one
 * process where nsenter and the helper were two. */
void enter_netns(const char *name);

/* CLOCK_MONOTONIC in milliseconds. */
int64_t now_ms(void);

/* RLIMIT_NOFILE up to 65536, else to the hard limit: the load helpers hold
 * thousands of sockets. */
void raise_nofile(void);

#endif /* WFPREDIR_TEST_HELPER_H */
