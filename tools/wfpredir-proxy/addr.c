// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredir-proxy: socket addresses, parsed from and printed as ADDR:PORT
 * (IPv6 in brackets: [::1]:15001). Numeric only: a proxy that must not
 * depend on DNS to start.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* "1.2.3.4:80", "[::1]:80". Port 0 asks the kernel for one (listeners). */
int addr_parse(const char *s, struct addr *out)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon;
	bool bracketed = s[0] == '[';
	uint16_t port;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (bracketed) {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		hlen = (size_t)(close - s - 1);
		colon = close + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - s);
		if (memchr(s, ':', hlen)) /* bare IPv6 without brackets */
			return -EINVAL;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (parse_port(colon + 1, &port))
		return -EINVAL;

	if (bracketed) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		out->len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		out->len = sizeof(*sin);
	}
	return 0;
}

/* Copies an AF_INET or AF_INET6 address; anything else is -EAFNOSUPPORT. */
int addr_from_sockaddr(struct addr *out, const void *sa, size_t len)
{
	sa_family_t family;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(family))
		return -EINVAL;
	memcpy(&family, sa, sizeof(family));
	if (family == AF_INET && len >= sizeof(struct sockaddr_in))
		out->len = sizeof(struct sockaddr_in);
	else if (family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		out->len = sizeof(struct sockaddr_in6);
	else
		return -EAFNOSUPPORT;
	memcpy(&out->ss, sa, out->len);
	return 0;
}

const char *addr_format(const struct addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	} else if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else {
		snprintf(buf, len, "(family %u)", a->ss.ss_family);
	}
	return buf;
}

bool addr_is_v4mapped(const struct addr *a)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;

	return a->ss.ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr);
}

/* The address as AF_INET when it is a v4-mapped AF_INET6 one. */
static void addr_unmap(const struct addr *a, struct addr *out)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;

	if (!addr_is_v4mapped(a)) {
		*out = *a;
		return;
	}
	memset(out, 0, sizeof(*out));
	sin->sin_family = AF_INET;
	sin->sin_port = sin6->sin6_port;
	memcpy(&sin->sin_addr, &sin6->sin6_addr.s6_addr[12], 4);
	out->len = sizeof(*sin);
}

/* Same address and port; a v4-mapped address equals its IPv4 twin. */
bool addr_equal(const struct addr *a, const struct addr *b)
{
	struct addr x, y;

	addr_unmap(a, &x);
	addr_unmap(b, &y);
	if (x.ss.ss_family != y.ss.ss_family)
		return false;
	if (x.ss.ss_family == AF_INET) {
		const struct sockaddr_in *p = (const struct sockaddr_in *)&x.ss;
		const struct sockaddr_in *q = (const struct sockaddr_in *)&y.ss;

		return p->sin_port == q->sin_port && p->sin_addr.s_addr == q->sin_addr.s_addr;
	}
	if (x.ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *p = (const struct sockaddr_in6 *)&x.ss;
		const struct sockaddr_in6 *q = (const struct sockaddr_in6 *)&y.ss;

		return p->sin6_port == q->sin6_port &&
		       !memcmp(&p->sin6_addr, &q->sin6_addr, sizeof(p->sin6_addr)) &&
		       (!IN6_IS_ADDR_LINKLOCAL(&p->sin6_addr) ||
			p->sin6_scope_id == q->sin6_scope_id);
	}
	return false;
}

uint16_t addr_port(const struct addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return 0;
}

void addr_set_port(struct addr *a, uint16_t port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	else if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}
