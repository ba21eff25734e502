// SPDX-License-Identifier: GPL-2.0
/*
 * bench-relay: the simplest transparent TCP relay that can stand behind
 * either a wfpredir rule or an nft/iptables REDIRECT, so that a benchmark
 * compares the two with everything else equal. wfpredir-proxy cannot: it
 * always asks for records and context first and falls back to
 * SO_ORIGINAL_DST only when they fail, so behind REDIRECT it would pay for
 * two failed queries a connection.
 *
 *   bench-relay -m wfp|origdst -l ADDR:PORT
 *
 *   -m wfp      the destination from the redirect context, and the records
 *               handed on to the onward socket (libwfpredir's native calls:
 *               wfpredir_query_records, wfpredir_query_context,
 *               wfpredir_set_records): what a ported redirect service does
 *   -m origdst  the destination from one getsockopt(SO_ORIGINAL_DST)
 *
 * IPv4 only. A thread per connection relays both ways with poll(); an end
 * of stream is passed on with shutdown(SHUT_WR). Prints "listening" when
 * ready; runs until killed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wfpredir.h"

#include "common/helper.h"

#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80 /* <linux/netfilter_ipv4.h>, which clashes with <netinet/in.h> */
#endif

#define RECORDS_LEN 2048
#define CONTEXT_LEN 1024
#define BUF_LEN 65536

static bool use_wfp;

/* The onward socket, connected, or -1. */
static int connect_onward(int client)
{
	struct sockaddr_storage dst;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&dst, 0, sizeof(dst));
	if (use_wfp) {
		unsigned char records[RECORDS_LEN], ctx[CONTEXT_LEN];
		size_t rlen = sizeof(records), clen = sizeof(ctx);

		if (wfpredir_query_records(client, records, &rlen) ||
		    wfpredir_query_context(client, ctx, &clen) ||
		    wfpredir_context_decode(ctx, clen, &dst, NULL, NULL) ||
		    wfpredir_set_records(fd, records, rlen))
			goto fail;
	} else {
		socklen_t len = sizeof(struct sockaddr_in);

		if (getsockopt(client, SOL_IP, SO_ORIGINAL_DST, &dst, &len))
			goto fail;
	}
	if (connect(fd, (struct sockaddr *)&dst, sizeof(struct sockaddr_in)) == 0)
		return fd;
fail:
	close(fd);
	return -1;
}

static void *relay(void *arg)
{
	int client = (int)(intptr_t)arg;
	int up = connect_onward(client);
	struct pollfd p[2] = { { .fd = client, .events = POLLIN }, { .fd = up, .events = POLLIN } };
	char *buf = up < 0 ? NULL : malloc(BUF_LEN);
	int open_dirs = 2;

	while (buf && open_dirs) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (!p[i].revents)
				continue;
			n = read(p[i].fd, buf, BUF_LEN);
			if (n > 0) {
				if (write(p[!i].fd, buf, (size_t)n) !=
				    n) /* blocking: all or error */
					goto out;
				continue;
			}
			if (n < 0)
				goto out;
			shutdown(p[!i].fd, SHUT_WR);
			p[i].fd = -1; /* poll() skips it */
			open_dirs--;
		}
	}
out:
	free(buf);
	if (up >= 0)
		close(up);
	close(client);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	const char *listen_at = NULL, *mode = NULL;
	pthread_attr_t attr;
	socklen_t len;
	int opt, ls, one = 1;

	while ((opt = getopt(argc, argv, "m:l:")) != -1) {
		if (opt == 'm')
			mode = optarg;
		else if (opt == 'l')
			listen_at = optarg;
		else
			goto usage;
	}
	if (optind != argc || !listen_at || !mode ||
	    (strcmp(mode, "wfp") && strcmp(mode, "origdst")))
		goto usage;
	use_wfp = !strcmp(mode, "wfp");
	len = parse_addr(listen_at, &ss);
	if (ss.ss_family != AF_INET)
		die("IPv4 only");
	raise_nofile();
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (struct sockaddr *)&ss, len) || listen(ls, 4096))
		die("listen %s: %s", listen_at, errno_name(errno));
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		pthread_t t;

		if (fd < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				fprintf(stderr, "bench-relay: accept: %s\n", errno_name(errno));
			continue;
		}
		if (pthread_create(&t, &attr, relay, (void *)(intptr_t)fd)) {
			fprintf(stderr, "bench-relay: pthread_create failed\n");
			close(fd);
		}
	}

usage:
	fprintf(stderr, "usage: bench-relay -m wfp|origdst -l ADDR:PORT\n");
	return 2;
}
