// SPDX-License-Identifier: GPL-2.0
/*
 * udpflood: as many new UDP flows as one process can open, each a fresh
 * socket (so a fresh source port) sending one datagram and closing; what a
 * local user does to fill a flow table with unreplied flows.
 *
 *   udpflood -d SECS [-f FILE] ADDR:PORT
 *
 * Writes "started" to stdout after the first datagram, then every second
 * "sent=N refused=R" (R: sends that failed with ECONNREFUSED) to FILE if
 * given, and the same line to stdout at the end; exit 0.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/helper.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(const char *file, unsigned long sent, unsigned long refused)
{
	FILE *f;

	if (!file)
		return;
	f = fopen(file, "w");
	if (!f)
		return;
	fprintf(f, "sent=%lu refused=%lu\n", sent, refused);
	fclose(f);
}

int main(int argc, char **argv)
{
	unsigned long sent = 0, refused = 0;
	struct sockaddr_storage dst;
	const char *file = NULL;
	double secs = 0, start, last;
	bool started = false;
	socklen_t len;
	int opt;

	while ((opt = getopt(argc, argv, "d:f:")) != -1) {
		switch (opt) {
		case 'd':
			secs = atof(optarg);
			break;
		case 'f':
			file = optarg;
			break;
		default:
			die("usage: udpflood -d SECS [-f FILE] ADDR:PORT");
		}
	}
	if (optind != argc - 1 || secs <= 0)
		die("usage: udpflood -d SECS [-f FILE] ADDR:PORT");
	len = parse_addr(argv[optind], &dst);

	start = last = now();
	while (now() - start < secs) {
		int fd = socket(dst.ss_family, SOCK_DGRAM, 0);

		if (fd < 0)
			die("socket: %s", errno_name(errno));
		if (sendto(fd, "x", 1, 0, (struct sockaddr *)&dst, len) == 1)
			sent++;
		else if (errno == ECONNREFUSED)
			refused++;
		close(fd);
		if (!started) {
			printf("started\n");
			fflush(stdout);
			started = true;
		}
		if (now() - last >= 1) {
			report(file, sent, refused);
			last = now();
		}
	}
	report(file, sent, refused);
	printf("sent=%lu refused=%lu\n", sent, refused);
	return 0;
}
