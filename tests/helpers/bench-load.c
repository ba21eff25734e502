// SPDX-License-Identifier: GPL-2.0
/*
 * bench-load: the load generators of tests/bench, in C so that the client's
 * own cost does not hide the kernel's.
 *
 *   bench-load serve ADDR:PORT...
 *	one thread, epoll: on every address, a connection whose first byte is
 *	'B' is a bulk upload (read to the end, then answer the byte count as
 *	"N\n" and close); any other is a request: once a '\n' has arrived,
 *	answer REPLY_LEN bytes and close (the server closes first, as an
 *	HTTP/1.0 server does, so TIME_WAIT stays on its side and the client
 *	never runs out of ports). Prints "listening" when ready.
 *   bench-load rate [-n N | -t SECONDS] [-c M] [-q BYTES] [-H HELD] ADDR:PORT
 *	N connections (default 1000), or as many as SECONDS allow, at most M
 *	open at once (default 1: sequential), each: connect, a BYTES-byte
 *	request (default 32, '\n' last), the whole reply, close. A sustained
 *	load runs for a time: the flow table's release of closed connections
 *	is what it measures. -H: first open HELD UDP sockets, each
 *	connected to its own port of ADDR, and keep them: a busy client, whose
 *	file table the kernel may walk. Latency is from socket() to the end of
 *	the reply. Prints one line:
 *	"conns=N errors=E secs=S rate=CONNS_PER_S p50_us= p90_us= p99_us= max_us="
 *   bench-load bulk [-m MIB] ADDR:PORT
 *	one connection that sends 'B' and MIB MiB (default 64), shuts its side
 *	down and waits for the count; prints "bytes=N secs=S rate=BYTES_PER_S".
 *   bench-load hold -n N ADDR:PORT
 *	opens N connections one after the other, sends nothing, prints
 *	"held N" and keeps them until its standard input ends; then resets
 *	them all (SO_LINGER 0: no TIME_WAIT left behind). For memory per
 *	live connection.
 *
 * Exit status: 0; 1 when the bulk count differs or every connection
 * failed; 2 on a usage or setup failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/helper.h"

#define REPLY_LEN 64
#define MAX_LISTEN 8
#define BUF_LEN (256 * 1024)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long parse_num(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v == 0 || v > max)
		die("bad number '%s' (1 to %lu)", s, max);
	return v;
}

/* ------------------------------------------------------------ server */

enum conn_mode { MODE_NEW, MODE_REQUEST, MODE_BULK };

struct sconn {
	int fd;
	bool listener;
	enum conn_mode mode;
	unsigned long long bytes;
};

static void sconn_close(struct sconn *c)
{
	close(c->fd);
	free(c);
}

static void serve_accept(int ep, struct sconn *ls)
{
	for (;;) {
		int fd = accept4(ls->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN };
		struct sconn *c;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				fprintf(stderr, "bench-load: accept: %s\n", errno_name(errno));
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c)
			die("out of memory");
		c->fd = fd;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
			die("epoll_ctl: %s", errno_name(errno));
	}
}

/* Return: true when c is done with (closed and freed). */
static bool serve_read(struct sconn *c, char *buf)
{
	for (;;) {
		ssize_t n = read(c->fd, buf, BUF_LEN);

		if (n < 0)
			return errno == EAGAIN ? false : (sconn_close(c), true);
		if (n == 0) {
			if (c->mode == MODE_BULK) {
				char line[32];
				int len = snprintf(line, sizeof(line), "%llu\n", c->bytes);

				/* 20 bytes into an empty send buffer: never short */
				if (write(c->fd, line, (size_t)len) != len)
					fprintf(stderr, "bench-load: short count write\n");
			}
			sconn_close(c);
			return true;
		}
		if (c->mode == MODE_NEW) {
			c->mode = buf[0] == 'B' ? MODE_BULK : MODE_REQUEST;
			if (c->mode == MODE_BULK) {
				c->bytes = (unsigned long long)n - 1; /* not the 'B' */
				continue;
			}
		}
		if (c->mode == MODE_BULK) {
			c->bytes += (unsigned long long)n;
			continue;
		}
		if (memchr(buf, '\n', (size_t)n)) {
			static const char reply[REPLY_LEN] = "ok\n";

			if (write(c->fd, reply, sizeof(reply)) != (ssize_t)sizeof(reply))
				fprintf(stderr, "bench-load: short reply write\n");
			sconn_close(c);
			return true;
		}
	}
}

static int serve(int argc, char **argv)
{
	struct epoll_event evs[64];
	char *buf = malloc(BUF_LEN);
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (argc < 1 || argc > MAX_LISTEN)
		die("serve: 1 to %d addresses", MAX_LISTEN);
	if (!buf || ep < 0)
		die("setup: %s", errno_name(errno));
	raise_nofile();
	for (int i = 0; i < argc; i++) {
		struct sockaddr_storage ss;
		socklen_t len = parse_addr(argv[i], &ss);
		struct epoll_event ev = { .events = EPOLLIN };
		struct sconn *ls = calloc(1, sizeof(*ls));
		int one = 1;

		if (!ls)
			die("out of memory");
		ls->listener = true;
		ls->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (ls->fd < 0 || setsockopt(ls->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		    bind(ls->fd, (struct sockaddr *)&ss, len) || listen(ls->fd, 4096))
			die("listen %s: %s", argv[i], errno_name(errno));
		ev.data.ptr = ls;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, ls->fd, &ev))
			die("epoll_ctl: %s", errno_name(errno));
	}
	printf("listening\n");
	fflush(stdout);

	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);

		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", errno_name(errno));
		for (int i = 0; i < n; i++) {
			struct sconn *c = evs[i].data.ptr;

			if (c->listener)
				serve_accept(ep, c);
			else
				serve_read(c, buf);
		}
	}
}

/* ------------------------------------------------------------ rate */

struct cslot {
	int fd;
	bool sent;
	size_t got;
	double start;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct rate_run {
	const struct sockaddr_storage *to;
	socklen_t tolen;
	const char *req;
	size_t reqlen;
	unsigned long started, done, errors;
	unsigned long max; /* connections to make, at most */
	double deadline;   /* or 0: start none after this time */
	double *lat;
	int ep;
};

static bool may_start(const struct rate_run *r)
{
	return r->started < r->max && (!r->deadline || now_s() < r->deadline);
}

/* Start a connection in slot s; false when none could be started. */
static bool slot_start(struct rate_run *r, struct cslot *s)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = s };

	memset(s, 0, sizeof(*s));
	s->start = now_s();
	s->fd = socket(r->to->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		die("socket: %s", errno_name(errno));
	r->started++;
	if (connect(s->fd, (const struct sockaddr *)r->to, r->tolen) && errno != EINPROGRESS) {
		close(s->fd);
		s->fd = -1;
		r->errors++;
		return false;
	}
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, s->fd, &ev))
		die("epoll_ctl: %s", errno_name(errno));
	return true;
}

static void slot_end(struct rate_run *r, struct cslot *s, bool ok)
{
	close(s->fd);
	s->fd = -1;
	if (ok)
		r->lat[r->done++] = (now_s() - s->start) * 1e6;
	else
		r->errors++;
}

/* Progress on slot s. Return: true when its connection ended. */
static bool slot_step(struct rate_run *r, struct cslot *s, uint32_t events)
{
	char buf[REPLY_LEN * 2];

	if (!s->sent) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };
		int err = 0;
		socklen_t len = sizeof(err);

		getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err || (events & EPOLLERR) ||
		    write(s->fd, r->req, r->reqlen) != (ssize_t)r->reqlen) {
			slot_end(r, s, false);
			return true;
		}
		s->sent = true;
		if (epoll_ctl(r->ep, EPOLL_CTL_MOD, s->fd, &ev))
			die("epoll_ctl: %s", errno_name(errno));
		return false;
	}
	for (;;) {
		ssize_t n = read(s->fd, buf, sizeof(buf));

		if (n > 0) {
			s->got += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EAGAIN)
			return false;
		slot_end(r, s, n == 0 && s->got == REPLY_LEN);
		return true;
	}
}

static int rate(int argc, char **argv)
{
	unsigned long n = 1000, m = 1, q = 32, held = 0, secs_limit = 0;
	const char *usage = "usage: bench-load rate [-n N | -t SECONDS] [-c M] [-q BYTES] "
			    "[-H HELD] ADDR:PORT";
	struct sockaddr_storage to;
	struct epoll_event evs[64];
	struct rate_run r = { 0 };
	struct cslot *slots;
	double start, secs;
	char *req;
	int opt;

	while ((opt = getopt(argc, argv, "n:t:c:q:H:")) != -1) {
		switch (opt) {
		case 't':
			secs_limit = parse_num(optarg, 86400);
			/* every latency is kept: room for 10^7 connections */
			n = 10000000;
			break;
		case 'H':
			held = parse_num(optarg, 60000);
			break;
		case 'n':
			n = parse_num(optarg, 10000000);
			break;
		case 'c':
			m = parse_num(optarg, 10000);
			break;
		case 'q':
			q = parse_num(optarg, 65536);
			break;
		default:
			die("%s", usage);
		}
	}
	if (optind != argc - 1)
		die("%s", usage);
	r.tolen = parse_addr(argv[optind], &to);
	r.to = &to;
	raise_nofile();
	for (unsigned long i = 0; i < held; i++) {
		struct sockaddr_storage peer = to;
		int fd = socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		/* the port's place is the same in sockaddr_in and sockaddr_in6 */
		((struct sockaddr_in *)&peer)->sin_port = htons((uint16_t)(2000 + i));
		if (fd < 0 || connect(fd, (struct sockaddr *)&peer, r.tolen))
			die("held socket %lu: %s", i, errno_name(errno));
	}
	req = malloc(q);
	r.lat = calloc(n, sizeof(*r.lat));
	slots = calloc(m, sizeof(*slots));
	r.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!req || !r.lat || !slots || r.ep < 0)
		die("setup: %s", errno_name(errno));
	memset(req, 'r', q);
	req[q - 1] = '\n';
	r.req = req;
	r.reqlen = q;

	start = now_s();
	r.max = n;
	r.deadline = secs_limit ? start + (double)secs_limit : 0;
	for (unsigned long i = 0; i < m && may_start(&r); i++)
		while (may_start(&r) && !slot_start(&r, &slots[i]))
			;
	while (r.done + r.errors < r.started) {
		int k = epoll_wait(r.ep, evs, 64, 10000);

		if (k == 0)
			die("no progress in 10 s (%lu done, %lu errors)", r.done, r.errors);
		for (int i = 0; i < k; i++) {
			struct cslot *s = evs[i].data.ptr;

			if (!slot_step(&r, s, evs[i].events))
				continue;
			while (may_start(&r) && !slot_start(&r, s))
				;
		}
	}
	secs = now_s() - start;
	qsort(r.lat, r.done, sizeof(*r.lat), cmp_double);
	if (!r.done) {
		printf("conns=0 errors=%lu\n", r.errors);
		return 1;
	}
	printf("conns=%lu errors=%lu secs=%.3f rate=%.1f p50_us=%.1f p90_us=%.1f p99_us=%.1f "
	       "max_us=%.1f\n",
	       r.done, r.errors, secs, (double)r.done / secs, r.lat[r.done / 2],
	       r.lat[r.done * 9 / 10], r.lat[r.done * 99 / 100], r.lat[r.done - 1]);
	return 0;
}

/* ------------------------------------------------------------ bulk */

static int bulk(int argc, char **argv)
{
	unsigned long mib = 64;
	unsigned long long total, left, got;
	struct sockaddr_storage to;
	char *buf = malloc(BUF_LEN), reply[32];
	size_t rlen = 0;
	double start, secs;
	socklen_t len;
	ssize_t n;
	int opt, fd;

	while ((opt = getopt(argc, argv, "m:")) != -1) {
		if (opt != 'm')
			die("usage: bench-load bulk [-m MIB] ADDR:PORT");
		mib = parse_num(optarg, 1 << 20);
	}
	if (optind != argc - 1 || !buf)
		die("usage: bench-load bulk [-m MIB] ADDR:PORT");
	len = parse_addr(argv[optind], &to);
	memset(buf, 'b', BUF_LEN);
	total = (unsigned long long)mib << 20;

	start = now_s();
	fd = socket(to.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&to, len))
		die("connect %s: %s", argv[optind], errno_name(errno));
	if (write(fd, "B", 1) != 1)
		die("write: %s", errno_name(errno));
	for (left = total; left;) {
		n = write(fd, buf, left < BUF_LEN ? left : BUF_LEN);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write: %s", errno_name(errno));
		left -= (unsigned long long)n;
	}
	shutdown(fd, SHUT_WR);
	while (rlen < sizeof(reply) - 1 &&
	       (n = read(fd, reply + rlen, sizeof(reply) - 1 - rlen)) > 0)
		rlen += (size_t)n;
	secs = now_s() - start;
	close(fd);
	reply[rlen] = '\0';
	got = strtoull(reply, NULL, 10);
	if (got != total) {
		fprintf(stderr, "bench-load: the server counted %llu bytes of %llu\n", got, total);
		return 1;
	}
	printf("bytes=%llu secs=%.3f rate=%.0f\n", total, secs, (double)total / secs);
	return 0;
}

/* ------------------------------------------------------------ hold */

static int hold(int argc, char **argv)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_storage to;
	unsigned long n = 0;
	socklen_t len;
	char line[64];
	int opt, *fds;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n')
			die("usage: bench-load hold -n N ADDR:PORT");
		n = parse_num(optarg, 1000000);
	}
	if (optind != argc - 1 || !n)
		die("usage: bench-load hold -n N ADDR:PORT");
	len = parse_addr(argv[optind], &to);
	raise_nofile();
	fds = calloc(n, sizeof(*fds));
	if (!fds)
		die("out of memory");
	for (unsigned long i = 0; i < n; i++) {
		fds[i] = socket(to.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&to, len))
			die("connection %lu: %s", i, errno_name(errno));
	}
	printf("held %lu\n", n);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin))
		;
	for (unsigned long i = 0; i < n; i++) {
		setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fds[i]);
	}
	free(fds);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "serve"))
		return serve(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "rate"))
		return rate(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "bulk"))
		return bulk(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "hold"))
		return hold(argc - 1, argv + 1);
	fprintf(stderr, "usage: bench-load serve ADDR:PORT... | rate [-n N | -t SECONDS] [-c M] "
			"[-q BYTES] ADDR:PORT | bulk [-m MIB] ADDR:PORT | hold -n N ADDR:PORT\n");
	return 2;
}
