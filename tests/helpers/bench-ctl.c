// SPDX-License-Identifier: GPL-2.0
/*
 * bench-ctl: what a proxy pays per connection to learn where it goes and
 * hand the flow on, for tests/bench/p4.
 *
 *   bench-ctl [-n N] [-r ROUNDS] -l LISTEN -w WFP_DST -o REDIRECT_DST
 *
 * It listens at LISTEN (a wfpredir service's address, and the target of an
 * nft REDIRECT), connects once to WFP_DST (which a wfpredir rule sends to
 * LISTEN) and once to REDIRECT_DST (which an nft REDIRECT sends there), and
 * accepts both. Then, ROUNDS times, each of these N times in a row, timed
 * as a whole (ns per iteration):
 *
 *   od    one getsockopt(SO_ORIGINAL_DST) on the REDIRECT connection
 *   raw   getsockopt(WFPREDIR_SO_GET_RECORDS) and (..._GET_CONTEXT) on the
 *         wfpredir connection, setsockopt(WFPREDIR_SO_SET_RECORDS) on a
 *         fresh socket
 *   lib   the same through wfpredir_query_records, wfpredir_query_context,
 *         wfpredir_set_records
 *   wsa   the same through WSAIoctl (SIO_QUERY_WFP_CONNECTION_REDIRECT_
 *         RECORDS, ..._CONTEXT, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS)
 *   set   the raw setsockopt alone; qrec, qctx: each raw query alone
 *   rawc  getsockopt(WFPREDIR_SO_GET_REDIRECT) (records and context in one
 *         call), then the set, raw
 *   libc  the same through wfpredir_query_redirect, wfpredir_set_records
 *   wsac  the same through WSAIoctl (SIO_QUERY_WFPREDIR_REDIRECT, then
 *         SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS)
 *   qboth the combined raw query alone
 *   hoff  getsockopt(WFPREDIR_SO_HANDOFF) on a fresh socket: the query and
 *         the set in one call, raw
 *   lhoff the same through wfpredir_handoff()
 *   wsah  the same through WSAIoctl (SIO_WFPREDIR_HANDOFF)
 *
 * The fresh sockets are made before the timing starts (a proxy makes its
 * onward socket either way). Prints a line a round:
 * "od=NS raw=NS lib=NS wsa=NS set=NS qrec=NS qctx=NS rawc=NS libc=NS wsac=NS
 * qboth=NS hoff=NS lhoff=NS wsah=NS". Exit status 1 when a
 * call fails (the message names it), 2 on a usage or setup failure.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/wfpredir.h>

#include "wfpredir.h"

#include "common/helper.h"

#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80 /* <linux/netfilter_ipv4.h> */
#endif

enum op {
	OP_OD,
	OP_RAW,
	OP_LIB,
	OP_WSA,
	OP_SET,
	OP_QREC,
	OP_QCTX,
	OP_RAWC,
	OP_LIBC,
	OP_WSAC,
	OP_QBOTH,
	OP_HOFF,
	OP_LHOFF,
	OP_WSAH,
	OP_COUNT
};
static const char *const op_names[OP_COUNT] = { "od",	 "raw",	 "lib",	  "wsa",  "set",
						"qrec",	 "qctx", "rawc",  "libc", "wsac",
						"qboth", "hoff", "lhoff", "wsah" };

static unsigned char records[2048], ctx[1024], both[WFPREDIR_REDIRECT_MAX_LEN];
static int wfp_fd, od_fd;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void fail(const char *what, int err)
{
	fprintf(stderr, "bench-ctl: %s: %s\n", what, errno_name(err));
	exit(1);
}

static void raw_qrec(void)
{
	socklen_t len = sizeof(records);

	if (getsockopt(wfp_fd, SOL_IP, WFPREDIR_SO_GET_RECORDS, records, &len))
		fail("WFPREDIR_SO_GET_RECORDS", errno);
}

static void raw_qctx(void)
{
	socklen_t len = sizeof(ctx);

	if (getsockopt(wfp_fd, SOL_IP, WFPREDIR_SO_GET_CONTEXT, ctx, &len))
		fail("WFPREDIR_SO_GET_CONTEXT", errno);
}

static void raw_qboth(void)
{
	socklen_t len = sizeof(both);

	if (getsockopt(wfp_fd, SOL_IP, WFPREDIR_SO_GET_REDIRECT, both, &len))
		fail("WFPREDIR_SO_GET_REDIRECT", errno);
}

static socklen_t records_len(void)
{
	socklen_t len = sizeof(records);

	if (getsockopt(wfp_fd, SOL_IP, WFPREDIR_SO_GET_RECORDS, records, &len))
		fail("WFPREDIR_SO_GET_RECORDS", errno);
	return len;
}

static void one(enum op op, int fresh, socklen_t rlen)
{
	size_t len;
	DWORD got;

	switch (op) {
	case OP_OD: {
		struct sockaddr_in dst;
		socklen_t dlen = sizeof(dst);

		if (getsockopt(od_fd, SOL_IP, SO_ORIGINAL_DST, &dst, &dlen))
			fail("SO_ORIGINAL_DST", errno);
		break;
	}
	case OP_RAW:
		raw_qrec();
		raw_qctx();
		/* fall through */
	case OP_SET:
		if (setsockopt(fresh, SOL_IP, WFPREDIR_SO_SET_RECORDS, records, rlen))
			fail("WFPREDIR_SO_SET_RECORDS", errno);
		break;
	case OP_LIB: {
		int r;

		len = sizeof(records);
		r = wfpredir_query_records(wfp_fd, records, &len);
		if (r)
			fail("wfpredir_query_records", -r);
		len = sizeof(ctx);
		r = wfpredir_query_context(wfp_fd, ctx, &len);
		if (r)
			fail("wfpredir_query_context", -r);
		r = wfpredir_set_records(fresh, records, rlen);
		if (r)
			fail("wfpredir_set_records", -r);
		break;
	}
	case OP_WSA:
		if (WSAIoctl(wfp_fd, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, NULL, 0, records,
			     sizeof(records), &got, NULL, NULL) ||
		    WSAIoctl(wfp_fd, SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT, NULL, 0, ctx,
			     sizeof(ctx), &got, NULL, NULL) ||
		    WSAIoctl(fresh, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, records, rlen, NULL, 0,
			     &got, NULL, NULL)) {
			fprintf(stderr, "bench-ctl: WSAIoctl: %d\n", WSAGetLastError());
			exit(1);
		}
		break;
	case OP_RAWC:
		raw_qboth();
		if (setsockopt(fresh, SOL_IP, WFPREDIR_SO_SET_RECORDS, records, rlen))
			fail("WFPREDIR_SO_SET_RECORDS", errno);
		break;
	case OP_LIBC: {
		struct wfpredir_redirect_info info;
		int r;

		len = sizeof(both);
		r = wfpredir_query_redirect(wfp_fd, both, &len, &info);
		if (r)
			fail("wfpredir_query_redirect", -r);
		r = wfpredir_set_records(fresh, info.records, info.records_len);
		if (r)
			fail("wfpredir_set_records", -r);
		break;
	}
	case OP_WSAC:
		if (WSAIoctl(wfp_fd, SIO_QUERY_WFPREDIR_REDIRECT, NULL, 0, both, sizeof(both), &got,
			     NULL, NULL) ||
		    WSAIoctl(fresh, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS,
			     both + sizeof(struct wfpredir_redirect), rlen, NULL, 0, &got, NULL,
			     NULL)) {
			fprintf(stderr, "bench-ctl: WSAIoctl: %d\n", WSAGetLastError());
			exit(1);
		}
		break;
	case OP_QBOTH:
		raw_qboth();
		break;
	case OP_HOFF: {
		struct wfpredir_handoff req = { .from_fd = wfp_fd };
		socklen_t blen = sizeof(both);

		memcpy(both, &req, sizeof(req));
		if (getsockopt(fresh, SOL_IP, WFPREDIR_SO_HANDOFF, both, &blen))
			fail("WFPREDIR_SO_HANDOFF", errno);
		if (blen > sizeof(both))
			fail("WFPREDIR_SO_HANDOFF", ENOBUFS);
		break;
	}
	case OP_LHOFF: {
		struct wfpredir_redirect_info info;
		int r;

		len = sizeof(both);
		r = wfpredir_handoff(fresh, wfp_fd, both, &len, &info);
		if (r)
			fail("wfpredir_handoff", -r);
		break;
	}
	case OP_WSAH:
		if (WSAIoctl(fresh, SIO_WFPREDIR_HANDOFF, &wfp_fd, sizeof(wfp_fd), both,
			     sizeof(both), &got, NULL, NULL)) {
			fprintf(stderr, "bench-ctl: WSAIoctl(SIO_WFPREDIR_HANDOFF): %d\n",
				WSAGetLastError());
			exit(1);
		}
		break;
	case OP_QREC:
		raw_qrec();
		break;
	case OP_QCTX:
		raw_qctx();
		break;
	default:
		break;
	}
}

/* ns per iteration of op, n times; fresh sockets made beforehand. */
static double measure(enum op op, unsigned long n, int *pool, socklen_t rlen)
{
	bool sets = op == OP_RAW || op == OP_LIB || op == OP_WSA || op == OP_SET || op == OP_RAWC ||
		    op == OP_LIBC || op == OP_WSAC || op == OP_HOFF || op == OP_LHOFF ||
		    op == OP_WSAH;
	double start, ns;

	for (unsigned long i = 0; sets && i < n; i++) {
		pool[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (pool[i] < 0)
			fail("socket", errno);
	}
	start = now_ns();
	for (unsigned long i = 0; i < n; i++)
		one(op, sets ? pool[i] : -1, rlen);
	ns = (now_ns() - start) / (double)n;
	for (unsigned long i = 0; sets && i < n; i++)
		close(pool[i]);
	return ns;
}

static int connect_accept(int ls, const char *to)
{
	struct sockaddr_storage ss;
	socklen_t len = parse_addr(to, &ss);
	int c = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), a;

	if (c < 0 || connect(c, (struct sockaddr *)&ss, len))
		die("connect %s: %s", to, errno_name(errno));
	a = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (a < 0)
		die("accept: %s", errno_name(errno));
	/* c stays open for the whole run: the flow must stay alive */
	return a;
}

int main(int argc, char **argv)
{
	const char *listen_at = NULL, *wfp_dst = NULL, *od_dst = NULL;
	unsigned long n = 2000, rounds = 5;
	struct sockaddr_storage ss;
	socklen_t len, rlen;
	int opt, ls, one_ = 1, *pool;

	while ((opt = getopt(argc, argv, "n:r:l:w:o:")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rounds = strtoul(optarg, NULL, 10);
			break;
		case 'l':
			listen_at = optarg;
			break;
		case 'w':
			wfp_dst = optarg;
			break;
		case 'o':
			od_dst = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || !listen_at || !wfp_dst || !od_dst || !n || n > 100000 || !rounds)
		goto usage;
	raise_nofile();
	pool = calloc(n, sizeof(*pool));
	len = parse_addr(listen_at, &ss);
	ls = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!pool || ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one_, sizeof(one_)) ||
	    bind(ls, (struct sockaddr *)&ss, len) || listen(ls, 16))
		die("listen %s: %s", listen_at, errno_name(errno));
	wfp_fd = connect_accept(ls, wfp_dst);
	od_fd = connect_accept(ls, od_dst);
	rlen = records_len();

	for (unsigned long r = 0; r < rounds; r++) {
		for (int op = 0; op < OP_COUNT; op++)
			printf("%s%s=%.0f", op ? " " : "", op_names[op],
			       measure((enum op)op, n, pool, rlen));
		printf("\n");
		fflush(stdout);
	}
	return 0;

usage:
	fprintf(stderr, "usage: bench-ctl [-n N(<=100000)] [-r ROUNDS] -l LISTEN -w WFP_DST "
			"-o REDIRECT_DST\n");
	return 2;
}
