// SPDX-License-Identifier: GPL-2.0
/*
 * origdst: a one-connection legacy transparent proxy, as so_original_dst.sh
 * runs it (python3 took a second to start under TCG).
 *
 *   origdst ADDR PORT
 *
 * Listens on ADDR:PORT (IPv6 when ADDR has a colon), prints "listening",
 * accepts one connection and prints "orig DST", DST being what
 * SO_ORIGINAL_DST (IPv4, at SOL_IP) or IP6T_SO_ORIGINAL_DST (IPv6, at
 * SOL_IPV6) gives on it ("ADDR:PORT", "[ADDR6]:PORT"); then connects there
 * and relays one exchange: one read from the client upstream, one read of
 * the answer back. Exit status 0, or 2 when a step fails (said on stderr).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/helper.h"

/* <linux/netfilter_ipv4.h> and <linux/netfilter_ipv6/ip6_tables.h>, which
 * clash with <netinet/in.h> */
#define SO_ORIGINAL_DST 80
#define IP6T_SO_ORIGINAL_DST 80
#define WAIT_MS 10000

static void wait_in(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, WAIT_MS) <= 0)
		die("nothing to read within %d s", WAIT_MS / 1000);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ls = { 0 }, dst = { 0 };
	socklen_t ll, dl = sizeof(dst);
	char name[INET6_ADDRSTRLEN + 10], buf[4096];
	int lfd, c, up, one = 1, v6;
	ssize_t r;

	if (argc != 3)
		die("usage: origdst ADDR PORT");
	v6 = strchr(argv[1], ':') != NULL;
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ls;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(atoi(argv[2]));
		if (inet_pton(AF_INET6, argv[1], &a->sin6_addr) != 1)
			die("not an address: %s", argv[1]);
		ll = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ls;

		a->sin_family = AF_INET;
		a->sin_port = htons(atoi(argv[2]));
		if (inet_pton(AF_INET, argv[1], &a->sin_addr) != 1)
			die("not an address: %s", argv[1]);
		ll = sizeof(*a);
	}
	lfd = socket(ls.ss_family, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&ls, ll) < 0 || listen(lfd, 4) < 0)
		die("listen: %s", strerror(errno));
	printf("listening\n");
	fflush(stdout);
	c = accept(lfd, NULL, NULL);
	if (c < 0)
		die("accept: %s", strerror(errno));
	if (getsockopt(c, v6 ? SOL_IPV6 : SOL_IP, v6 ? IP6T_SO_ORIGINAL_DST : SO_ORIGINAL_DST, &dst,
		       &dl) < 0)
		die("SO_ORIGINAL_DST: %s", errno_name(errno));
	format_addr(&dst, name, sizeof(name));
	printf("orig %s\n", name);
	fflush(stdout);
	up = socket(dst.ss_family, SOCK_STREAM, 0);
	if (up < 0 || connect(up, (struct sockaddr *)&dst, ss_len(&dst)) < 0)
		die("connect %s: %s", name, errno_name(errno));
	wait_in(c);
	r = recv(c, buf, sizeof(buf), 0);
	if (r <= 0 || send(up, buf, r, MSG_NOSIGNAL) != r)
		die("relaying the request failed");
	wait_in(up);
	r = recv(up, buf, sizeof(buf), 0);
	if (r <= 0 || send(c, buf, r, MSG_NOSIGNAL) != r)
		die("relaying the answer failed");
	close(up);
	close(c);
	return 0;
}
