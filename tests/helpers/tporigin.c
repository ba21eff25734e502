// SPDX-License-Identifier: GPL-2.0
/*
 * tporigin: the origin HTTP server of the thirdparty_*.sh kselftests
 * (tp_origin_start in tests/kselftest/lib.sh), one process without threads:
 * python3 took over a second to start under TCG.
 *
 *   tporigin ADDR4 ADDR6 RELEASE PORT...
 *
 * Listens on ADDR4:PORT and [ADDR6]:PORT for each PORT. For every request
 * (read up to the blank line after its head) it prints "req PEER PORT PATH",
 * then holds the answer until the file RELEASE/TOKEN exists (PATH is
 * /TOKEN; at most 15 s), so that every hop of the connection stays alive
 * while the test lists the flows, then answers 200 with the body
 * "origin PORT TOKEN" and closes. Other lines: "listening" once every socket
 * is bound; "short PEER PORT" for a connection that ended before its head
 * did; "error PEER PORT ERRNO" for a failed read or write. PEER is the
 * client's address without port, PORT the one it connected to.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/helper.h"

#define MAX_FDS 256
#define HEAD_MAX 4096
#define HOLD_MS 15000

enum kind { K_FREE, K_LISTEN, K_READ, K_HOLD };

struct slot {
	enum kind kind;
	int port;
	char peer[INET6_ADDRSTRLEN];
	char head[HEAD_MAX + 1];
	size_t len;
	char token[256];
	int64_t deadline;
};

static struct pollfd pfd[MAX_FDS];
static struct slot slot[MAX_FDS];
static int nfds;
static const char *release;

static struct slot *add(int fd, enum kind kind, int port)
{
	int i;

	for (i = 0; i < nfds; i++)
		if (slot[i].kind == K_FREE)
			break;
	if (i == MAX_FDS)
		return NULL;
	if (i == nfds)
		nfds++;
	pfd[i] = (struct pollfd){ .fd = fd, .events = POLLIN };
	memset(&slot[i], 0, sizeof(slot[i]));
	slot[i].kind = kind;
	slot[i].port = port;
	return &slot[i];
}

static void drop(int i)
{
	close(pfd[i].fd);
	pfd[i].fd = -1;
	pfd[i].events = 0;
	slot[i].kind = K_FREE;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void listen_on(int family, const char *addr, int port)
{
	int fd = open_bound(family, SOCK_STREAM, addr, port);

	if (listen(fd, 64) < 0)
		die("listen on %s port %d: %s", addr, port, strerror(errno));
	if (!add(fd, K_LISTEN, port))
		die("too many sockets");
}

static void on_accept(int i)
{
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);
	struct slot *s;
	int fd;

	fd = accept(pfd[i].fd, (struct sockaddr *)&peer, &pl);
	if (fd < 0)
		return;
	s = add(fd, K_READ, slot[i].port);
	if (!s) {
		close(fd);
		return;
	}
	if (peer.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&peer)->sin6_addr, s->peer,
			  sizeof(s->peer));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&peer)->sin_addr, s->peer,
			  sizeof(s->peer));
}

/* The request line's path, "/TOKEN": the token, without slashes around it. */
static void take_token(struct slot *s)
{
	char *p = strchr(s->head, ' '), *e;

	if (!p)
		return;
	while (*p == ' ' || *p == '/')
		p++;
	e = p + strcspn(p, " \r\n");
	while (e > p && e[-1] == '/')
		e--;
	snprintf(s->token, sizeof(s->token), "%.*s", (int)(e - p), p);
}

static void on_read(int i)
{
	struct slot *s = &slot[i];
	ssize_t r;

	if (s->len == HEAD_MAX) {
		say("short %s %d\n", s->peer, s->port);
		drop(i);
		return;
	}
	r = recv(pfd[i].fd, s->head + s->len, HEAD_MAX - s->len, 0);
	if (r <= 0) {
		if (r < 0)
			say("error %s %d %d\n", s->peer, s->port, errno);
		else
			say("short %s %d\n", s->peer, s->port);
		drop(i);
		return;
	}
	s->len += r;
	s->head[s->len] = '\0';
	if (!strstr(s->head, "\r\n\r\n"))
		return;
	take_token(s);
	say("req %s %d /%s\n", s->peer, s->port, s->token);
	s->kind = K_HOLD;
	s->deadline = now_ms() + HOLD_MS;
	pfd[i].events = 0; /* nothing more is read; only the release is waited for */
}

static void answer(int i)
{
	struct slot *s = &slot[i];
	char body[512], msg[1024];
	int bl, ml;

	bl = snprintf(body, sizeof(body), "origin %d %s\n", s->port, s->token);
	ml = snprintf(msg, sizeof(msg),
		      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
		      "Connection: close\r\n\r\n%s",
		      bl, body);
	if (send(pfd[i].fd, msg, ml, MSG_NOSIGNAL) != ml)
		say("error %s %d %d\n", s->peer, s->port, errno);
	drop(i);
}

int main(int argc, char **argv)
{
	char path[4096];

	if (argc < 5)
		die("usage: tporigin ADDR4 ADDR6 RELEASE PORT...");
	release = argv[3];
	signal(SIGPIPE, SIG_IGN);
	for (int a = 4; a < argc; a++) {
		listen_on(AF_INET, argv[1], atoi(argv[a]));
		listen_on(AF_INET6, argv[2], atoi(argv[a]));
	}
	say("listening\n");
	for (;;) {
		int held = 0;

		for (int i = 0; i < nfds; i++)
			held += slot[i].kind == K_HOLD;
		if (poll(pfd, nfds, held ? 20 : -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		for (int i = 0; i < nfds; i++) {
			switch (slot[i].kind) {
			case K_LISTEN:
				if (pfd[i].revents & POLLIN)
					on_accept(i);
				break;
			case K_READ:
				if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
					on_read(i);
				break;
			case K_HOLD:
				snprintf(path, sizeof(path), "%s/%s", release, slot[i].token);
				if (access(path, F_OK) == 0 || now_ms() >= slot[i].deadline)
					answer(i);
				break;
			default:
				break;
			}
		}
	}
}
