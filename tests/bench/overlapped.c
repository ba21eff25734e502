// SPDX-License-Identifier: MIT
/*
 * bench-overlapped PENDING COMPLETIONS: what the overlapped engine costs
 * per completion while PENDING operations wait. PENDING overlapped UDP
 * sockets on 127.0.0.1 each hold one query that pends until a datagram
 * arrives (a stand-in kernel answers -EAGAIN until then, as the module does
 * for a proxy socket with an empty queue). Then COMPLETIONS times: one
 * datagram to one socket (spread over all of them), wait for its event,
 * drain it and issue its query again, so PENDING stay pending throughout.
 *
 * Prints one line: "latency_ns=MEDIAN cpu_ns=PER_COMPLETION", the median
 * time from the send to the event and the process's CPU time (every thread:
 * the worker's included) divided by COMPLETIONS. tests/bench/overlapped
 * turns these into ratios against a baseline; nothing here passes or fails.
 */
#include "internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DATA "ready"

static int pend_get(int fd, int level, int name, void *val, socklen_t *len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	(void)level;
	(void)name;
	if (poll(&pfd, 1, 0) != 1)
		return -EAGAIN;
	if (*len >= sizeof(DATA))
		memcpy(val, DATA, sizeof(DATA));
	*len = sizeof(DATA);
	return 0;
}

static const struct wfpredir_sockopt_ops pend_ops = { .get = pend_get };

struct slot {
	SOCKET s;
	struct sockaddr_in addr;
	WSAOVERLAPPED ov;
	WSAEVENT ev;
	char out[16];
};

static void die(const char *what)
{
	fprintf(stderr, "bench-overlapped: %s (WSA %d, errno %d)\n", what, WSAGetLastError(),
		errno);
	exit(1);
}

static void issue(struct slot *sl)
{
	DWORD ret;

	memset(&sl->ov, 0, sizeof(sl->ov));
	sl->ov.hEvent = sl->ev;
	if (wfpredir__ioctl_ov(&pend_ops, sl->s, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, NULL, 0,
			       sl->out, sizeof(sl->out), &ret, &sl->ov, NULL) != SOCKET_ERROR ||
	    WSAGetLastError() != WSA_IO_PENDING)
		die("the query did not pend");
}

static uint64_t ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

static uint64_t cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000u +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000u;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long pending = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
	long completions = argc > 2 ? strtol(argv[2], NULL, 10) : 20000;
	struct rlimit rl;
	struct slot *slots;
	uint64_t *lat, cpu0, cpu1;
	int via;

	if (pending < 1 || completions < 1) {
		fprintf(stderr, "usage: bench-overlapped PENDING COMPLETIONS\n");
		return 2;
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < (rlim_t)(2 * pending + 64)) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)(2 * pending + 64) ? rl.rlim_max
								       : (rlim_t)(2 * pending + 64);
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	slots = calloc((size_t)pending, sizeof(*slots));
	lat = calloc((size_t)completions, sizeof(*lat));
	via = socket(AF_INET, SOCK_DGRAM, 0);
	if (!slots || !lat || via < 0)
		die("no memory or socket");
	for (long i = 0; i < pending; i++) {
		struct slot *sl = &slots[i];
		socklen_t len = sizeof(sl->addr);

		sl->s = WSASocketW(AF_INET, SOCK_DGRAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED);
		sl->ev = WSACreateEvent();
		if (sl->s == INVALID_SOCKET || sl->ev == WSA_INVALID_EVENT)
			die("socket or event");
		sl->addr.sin_family = AF_INET;
		sl->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(sl->s, (struct sockaddr *)&sl->addr, sizeof(sl->addr)) ||
		    getsockname(sl->s, (struct sockaddr *)&sl->addr, &len))
			die("bind");
		issue(sl);
	}

	cpu0 = cpu_ns();
	for (long k = 0; k < completions; k++) {
		struct slot *sl = &slots[(k * 7919) % pending];
		struct timespec t0, t1;
		char drain[8];

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (sendto(via, "x", 1, 0, (struct sockaddr *)&sl->addr, sizeof(sl->addr)) != 1)
			die("sendto");
		if (WSAWaitForMultipleEvents(1, &sl->ev, TRUE, 10000, FALSE) != WSA_WAIT_EVENT_0)
			die("no completion within 10 s");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		lat[k] = ns(&t1) - ns(&t0);
		if (recv(sl->s, drain, sizeof(drain), 0) != 1)
			die("recv");
		issue(sl);
	}
	cpu1 = cpu_ns();

	qsort(lat, (size_t)completions, sizeof(*lat), cmp_u64);
	printf("latency_ns=%llu cpu_ns=%llu\n", (unsigned long long)lat[completions / 2],
	       (unsigned long long)((cpu1 - cpu0) / (uint64_t)completions));
	for (long i = 0; i < pending; i++) {
		closesocket(slots[i].s);
		WSACloseEvent(slots[i].ev);
	}
	close(via);
	free(slots);
	free(lat);
	return 0;
}
