// SPDX-License-Identifier: GPL-2.0
/*
 * udp-race: the first datagram of one UDP flow, sent from two threads at
 * once, by a proxy that set records on the socket. Both sends create a
 * conntrack entry for the same tuple, and conntrack resolves the clash when
 * the second is confirmed; the test looks at where the datagrams went.
 *
 *   udp-race -r FILE [-n ROUNDS] [-T MS] DST
 *
 *   -r   the records to set on each socket (from hop -s)
 *   -n   rounds (default 200): each a new socket, records set, connected to
 *        DST, two threads released together to send "race R a" and
 *        "race R b", then the answers of a flowpeer server read
 *   -T   how long to wait for a round's answers, milliseconds (default 500)
 *
 * Output, one line: "rounds=N both=B one=O none=Z self=S set_failed=F":
 * rounds whose two datagrams, one, or none were answered by a flowpeer
 * server tagged "server" (the destination); S answers came from anyone
 * else (a flow redirected to a service's echo server). Exit status 0
 * unless the command line or the setup fails (2).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <wfpredir.h>

#include "common/helper.h"

#define BLOB_MAX 4096

/*
 * The main thread sends one datagram of each round and a worker the other.
 * They meet at a blocking barrier (the socket is ready), then at a spinning
 * one, so that both sends start as close together as two CPUs allow; the
 * second blocking barrier lets the main thread read the answers.
 */
static pthread_barrier_t b_start, b_end;
static atomic_int arrived;
static atomic_bool stop;
static int race_fd;

static void send_race(int r, const char *who)
{
	char msg[64];

	atomic_fetch_add(&arrived, 1);
	while (atomic_load(&arrived) < 2 * r)
		;
	snprintf(msg, sizeof(msg), "race %d %s", r, who);
	if (send(race_fd, msg, strlen(msg), 0) < 0)
		fprintf(stderr, "round %d %s: send: %s\n", r, who, strerror(errno));
}

static void *worker(void *arg)
{
	(void)arg;
	for (int r = 1;; r++) {
		pthread_barrier_wait(&b_start);
		if (atomic_load(&stop))
			return NULL;
		send_race(r, "b");
		pthread_barrier_wait(&b_end);
	}
}

int main(int argc, char **argv)
{
	static unsigned char rec[BLOB_MAX];
	unsigned int both = 0, one = 0, none = 0, self = 0, set_failed = 0;
	int opt, rounds = 200, wait_ms = 500;
	const char *rec_file = NULL;
	struct sockaddr_storage ss;
	pthread_t t;
	size_t reclen;
	socklen_t sl;
	FILE *f;

	while ((opt = getopt(argc, argv, "r:n:T:")) != -1) {
		switch (opt) {
		case 'r':
			rec_file = optarg;
			break;
		case 'n':
			rounds = atoi(optarg);
			break;
		case 'T':
			wait_ms = atoi(optarg);
			break;
		default:
			exit(2);
		}
	}
	if (!rec_file || optind != argc - 1 || rounds < 1)
		die("usage: see the comment at the top of tests/helpers/udp-race.c");
	sl = parse_addr(argv[optind], &ss);
	f = fopen(rec_file, "rb");
	if (!f)
		die("cannot read %s", rec_file);
	reclen = fread(rec, 1, sizeof(rec), f);
	fclose(f);

	if (pthread_barrier_init(&b_start, NULL, 2) || pthread_barrier_init(&b_end, NULL, 2) ||
	    pthread_create(&t, NULL, worker, NULL))
		die("cannot start the second thread");

	for (int r = 1; r <= rounds; r++) {
		int answers = 0;
		int64_t end;

		race_fd = socket(ss.ss_family, SOCK_DGRAM, 0);
		if (race_fd < 0)
			die("socket: %s", strerror(errno));
		if (wfpredir_set_records(race_fd, rec, reclen))
			set_failed++;
		if (connect(race_fd, (struct sockaddr *)&ss, sl) < 0)
			die("connect: %s", strerror(errno));

		pthread_barrier_wait(&b_start);
		send_race(r, "a");
		pthread_barrier_wait(&b_end);

		end = now_ms() + wait_ms;
		while (answers < 2) {
			struct pollfd p = { .fd = race_fd, .events = POLLIN };
			int64_t left = end - now_ms();
			char buf[512];
			ssize_t n;

			if (left <= 0 || poll(&p, 1, (int)left) <= 0)
				break;
			n = recv(race_fd, buf, sizeof(buf) - 1, 0);
			if (n < 0)
				break;
			buf[n] = '\0';
			if (!strncmp(buf, "server ", 7))
				answers++;
			else
				self++;
		}
		if (answers == 2)
			both++;
		else if (answers == 1)
			one++;
		else
			none++;
		close(race_fd);
	}

	atomic_store(&stop, true);
	pthread_barrier_wait(&b_start);
	pthread_join(t, NULL);
	printf("rounds=%d both=%u one=%u none=%u self=%u set_failed=%u\n", rounds, both, one, none,
	       self, set_failed);
	return 0;
}
