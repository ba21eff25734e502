// SPDX-License-Identifier: GPL-2.0
/*
 * echoserve: the echo server at the end of the loop kselftests' chains
 * (loop_server_start in tests/kselftest/lib.sh), one process without
 * threads: python3 took over a second to start under TCG.
 *
 *   echoserve ADDR4 ADDR6 PORT
 *
 * Listens on TCP and binds UDP, ADDR4:PORT and [ADDR6]:PORT. Answers every
 * read (TCP) or datagram (UDP) with "echo " and the bytes received, and
 * prints one line per event, what reached it whatever the client did next:
 *   listening                once every socket is bound
 *   conn PEER                a TCP connection accepted
 *   msg PEER DATA            bytes read on one (DATA: stripped of blanks)
 *   udp PEER DATA            a datagram
 *   error PEER ERRNO         a read or write on a connection failed
 * PEER is the client's address, without port. Runs until killed.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/helper.h"

#define MAX_FDS 512
#define BUF_LEN 4096

struct slot {
	int kind; /* 0 free, 1 TCP listener, 2 UDP socket, 3 connection */
	char peer[INET6_ADDRSTRLEN];
};

static struct pollfd pfd[MAX_FDS];
static struct slot slot[MAX_FDS];
static int nfds;

static int add(int fd, int kind, const char *peer)
{
	int i;

	for (i = 0; i < nfds; i++)
		if (slot[i].kind == 0)
			break;
	if (i == MAX_FDS)
		return -1;
	if (i == nfds)
		nfds++;
	pfd[i] = (struct pollfd){ .fd = fd, .events = POLLIN };
	slot[i].kind = kind;
	snprintf(slot[i].peer, sizeof(slot[i].peer), "%s", peer ? peer : "");
	return 0;
}

static void peer_name(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf, len);
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, len);
}

/* DATA as python's bytes.decode().strip() left it, for ASCII messages */
static void print_event(const char *what, const char *peer, const char *data, size_t len)
{
	while (len && isspace((unsigned char)*data)) {
		data++;
		len--;
	}
	while (len && isspace((unsigned char)data[len - 1]))
		len--;
	printf("%s %s %.*s\n", what, peer, (int)len, data);
	fflush(stdout);
}

static void open_one(int family, int type, const char *addr, int port)
{
	int fd = open_bound(family, type, addr, port);

	if (type == SOCK_STREAM && listen(fd, 64) < 0)
		die("listen: %s", strerror(errno));
	if (add(fd, type == SOCK_STREAM ? 1 : 2, NULL) < 0)
		die("too many sockets");
}

static void drop(int i)
{
	close(pfd[i].fd);
	pfd[i].fd = -1;
	slot[i].kind = 0;
}

static void on_ready(int i)
{
	static char buf[BUF_LEN + 5] = "echo ";
	char *data = buf + 5;
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);
	char name[INET6_ADDRSTRLEN];
	ssize_t r;
	int fd;

	switch (slot[i].kind) {
	case 1:
		fd = accept(pfd[i].fd, (struct sockaddr *)&peer, &pl);
		if (fd < 0)
			return;
		peer_name(&peer, name, sizeof(name));
		printf("conn %s\n", name);
		fflush(stdout);
		if (add(fd, 3, name) < 0)
			close(fd);
		return;
	case 2:
		r = recvfrom(pfd[i].fd, data, BUF_LEN, 0, (struct sockaddr *)&peer, &pl);
		if (r < 0)
			return;
		peer_name(&peer, name, sizeof(name));
		print_event("udp", name, data, r);
		sendto(pfd[i].fd, buf, r + 5, 0, (struct sockaddr *)&peer, pl);
		return;
	case 3:
		r = recv(pfd[i].fd, data, BUF_LEN, 0);
		if (r == 0) {
			drop(i);
			return;
		}
		if (r > 0) {
			print_event("msg", slot[i].peer, data, r);
			if (send(pfd[i].fd, buf, r + 5, MSG_NOSIGNAL) == r + 5)
				return;
		}
		printf("error %s %d\n", slot[i].peer, errno);
		fflush(stdout);
		drop(i);
		return;
	}
}

int main(int argc, char **argv)
{
	int port;

	if (argc != 4)
		die("usage: echoserve ADDR4 ADDR6 PORT");
	port = atoi(argv[3]);
	signal(SIGPIPE, SIG_IGN);
	open_one(AF_INET, SOCK_STREAM, argv[1], port);
	open_one(AF_INET6, SOCK_STREAM, argv[2], port);
	open_one(AF_INET, SOCK_DGRAM, argv[1], port);
	open_one(AF_INET6, SOCK_DGRAM, argv[2], port);
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		if (poll(pfd, nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		for (int i = 0; i < nfds; i++)
			if (slot[i].kind && (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)))
				on_ready(i);
	}
}
