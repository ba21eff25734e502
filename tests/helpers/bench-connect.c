// SPDX-License-Identifier: MIT
/*
 * bench-connect [-d DUPS] [-u UDP] [-b ADDR:PORT] TARGET: connect latency
 * of a process with a large file table, for tests/bench/inherit_fds.
 *
 *   -d DUPS	hold DUPS descriptors of /dev/null (dup()s: one struct file,
 *		so 400 000 of them cost the fd table, not 100 MB of files)
 *   -u UDP	hold UDP sockets
 *   -b ADDR:PORT  bind every UDP socket there (SO_REUSEADDR) and connect
 *		each to its own peer port: a connected socket at a service
 *		address is what the file-table scan of the old inheritance
 *		looked up the conntrack of, its most expensive case
 *
 * Prints "ready FDS" once the descriptors are open, then reads commands on
 * stdin, one a line: "N" makes N TCP connections to TARGET one after the
 * other, each closed with a reset, and prints the median, minimum and
 * maximum time connect() took, in microseconds: "N MEDIAN MIN MAX". The
 * process stays alive between commands so that the benchmark can change the
 * configuration and measure again with the same file table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/helper.h"

#define MAX_CONNECTS 100000

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static unsigned long parse_count(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > 2000000) {
		fprintf(stderr, "bench-connect: bad count '%s'\n", s);
		exit(2);
	}
	return v;
}

static void raise_nofile_to(unsigned long want)
{
	struct rlimit rl = { .rlim_cur = want, .rlim_max = want };
	struct rlimit old;

	if (getrlimit(RLIMIT_NOFILE, &old) == 0 && old.rlim_cur >= want)
		return;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		fprintf(stderr, "bench-connect: RLIMIT_NOFILE %lu: %s (fs.nr_open?)\n", want,
			strerror(errno));
		exit(1);
	}
}

static void open_udp(unsigned long n, const char *bind_to)
{
	struct sockaddr_storage local, peer;
	socklen_t len = 0;
	unsigned long i;
	int one = 1;

	if (bind_to)
		len = parse_addr(bind_to, &local);
	for (i = 0; i < n; i++) {
		int fd = socket(bind_to ? local.ss_family : AF_INET, SOCK_DGRAM, 0);
		if (fd < 0) {
			perror("bench-connect: socket");
			exit(1);
		}
		if (!bind_to)
			continue;
		peer = local;
		/* a distinct peer each: 16 000 ports from 40000 */
		((struct sockaddr_in *)&peer)->sin_port = htons(40000 + i % 20000);
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		    bind(fd, (struct sockaddr *)&local, len) ||
		    connect(fd, (struct sockaddr *)&peer, len)) {
			perror("bench-connect: udp bind/connect");
			exit(1);
		}
	}
}

static void measure(unsigned long n, const struct sockaddr_storage *to, socklen_t len, double *t)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	unsigned long i;

	for (i = 0; i < n; i++) {
		double start;
		int fd = socket(to->ss_family, SOCK_STREAM, 0);
		if (fd < 0) {
			perror("bench-connect: socket");
			exit(1);
		}
		start = now_us();
		if (connect(fd, (const struct sockaddr *)to, len)) {
			printf("error %s\n", errno_name(errno));
			fflush(stdout);
			close(fd);
			return;
		}
		t[i] = now_us() - start;
		/* a reset: no TIME_WAIT left behind to slow the next sample */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
	}
	qsort(t, n, sizeof(*t), cmp_double);
	printf("%lu %.1f %.1f %.1f\n", n, t[n / 2], t[0], t[n - 1]);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	unsigned long dups = 0, udp = 0, i, n;
	const char *bind_to = NULL;
	struct sockaddr_storage to;
	char line[64];
	socklen_t len;
	double *t;
	int opt, fd;

	while ((opt = getopt(argc, argv, "d:u:b:")) != -1) {
		switch (opt) {
		case 'd':
			dups = parse_count(optarg);
			break;
		case 'u':
			udp = parse_count(optarg);
			break;
		case 'b':
			bind_to = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	len = parse_addr(argv[optind], &to);
	t = calloc(MAX_CONNECTS, sizeof(*t));
	if (!t)
		return 1;

	raise_nofile_to(dups + udp + 64);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0) {
		perror("bench-connect: /dev/null");
		return 1;
	}
	for (i = 0; i < dups; i++) {
		if (dup(fd) < 0) {
			perror("bench-connect: dup");
			return 1;
		}
	}
	open_udp(udp, bind_to);
	printf("ready %lu\n", dups + udp);
	fflush(stdout);

	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		n = parse_count(line);
		if (!n || n > MAX_CONNECTS) {
			fprintf(stderr, "bench-connect: 1 to %d connections\n", MAX_CONNECTS);
			return 2;
		}
		measure(n, &to, len, t);
	}
	free(t);
	return 0;

usage:
	fprintf(stderr, "usage: bench-connect [-d DUPS] [-u UDP] [-b ADDR:PORT] TARGET\n");
	return 2;
}
