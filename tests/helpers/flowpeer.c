// SPDX-License-Identifier: GPL-2.0
/*
 * flowpeer: both ends of the traffic the redirect kselftests send, so that a
 * shell test can tell where a connection went and how.
 *
 *   flowpeer serve [-n TAG] [-t ADDR:PORT]... [-u ADDR:PORT]...
 *	TCP and UDP echo server. Every message is answered with one line
 *	"TAG peer=ADDR:PORT msg=MESSAGE": who answered, and the peer address
 *	it saw. TCP connections stay open until the client closes them.
 *	Prints "listening" once every socket is bound.
 *
 *   flowpeer connect [-u] [-b ADDR] [-T SECS] [-m MSG] [-v] ADDR:PORT
 *	One connection (or UDP flow): send MSG, read the answer, print
 *	"TAG src=same" when the server saw this socket's own address and port
 *	(a direct connection), "TAG src=other" when it saw another one (the
 *	connection went through a proxy); or the errno name of the failure
 *	(EPERM, ECONNREFUSED, ETIMEDOUT...), or EBADREPLY when the answer does
 *	not echo MSG. -v adds a line with the local address and the answer.
 *
 *   flowpeer storm -n N [-c CONC] [-T SECS] [-u] [-a] ADDR:PORT
 *	N short TCP connections (or UDP flows), CONC at a time, each one
 *	round trip. Prints "ok N same=S other=O" when all succeeded, else
 *	"failed F of N" and the errors; exit 1 then. -a adds a line
 *	"answers TAG=COUNT..." (the first 8 tags, in the order they came):
 *	who answered, for a test that moves traffic between services while
 *	one process connects N times (a process per connection costs more
 *	than the connection under TCG).
 *
 *   flowpeer hold -n N [-c CONC] [-T SECS] ADDR:PORT
 *	As storm, but keeps every TCP connection open once it has made its
 *	round trip; prints the storm line, then waits for SIGTERM.
 *
 *   flowpeer -N NS MODE ...
 *	Any mode in network namespace NS (/run/netns/NS), entered by flowpeer
 *	itself: as `nsenter --net=/run/netns/NS flowpeer MODE ...`, without
 *	nsenter's process (a tenth of a second under TCG, per client).
 *
 * Root raises its own descriptor limit, so thousands of connections work.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <wfpredir.h>

#include "common/helper.h"

#define MAX_LISTEN 16
#define LINE_MAX_LEN 1024

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		die("fcntl: %s", strerror(errno));
}

/* ------------------------------------------------------------- serve */

struct listen_sock {
	int fd;
	bool udp;
};

static const char *tag = "server";

static void answer(char *out, size_t outlen, const struct sockaddr_storage *peer, const char *data,
		   size_t len)
{
	char p[INET6_ADDRSTRLEN + 10];
	char msg[LINE_MAX_LEN];

	format_addr(peer, p, sizeof(p));
	if (len >= sizeof(msg))
		len = sizeof(msg) - 1;
	memcpy(msg, data, len);
	msg[len] = '\0';
	msg[strcspn(msg, "\r\n")] = '\0';
	snprintf(out, outlen, "%s peer=%s msg=%s\n", tag, p, msg);
}

static int serve(int argc, char **argv)
{
	struct listen_sock ls[MAX_LISTEN];
	struct epoll_event ev;
	size_t n = 0;
	int opt, ep;

	while ((opt = getopt(argc, argv, "n:t:u:")) != -1) {
		struct sockaddr_storage ss;
		socklen_t sl;
		int fd, one = 1;

		switch (opt) {
		case 'n':
			tag = optarg;
			continue;
		case 't':
		case 'u':
			break;
		default:
			exit(2);
		}
		if (n == MAX_LISTEN)
			die("too many listeners");
		sl = parse_addr(optarg, &ss);
		fd = socket(ss.ss_family, opt == 't' ? SOCK_STREAM : SOCK_DGRAM, 0);
		if (fd < 0)
			die("socket: %s", strerror(errno));
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ss.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
			die("bind: %s", strerror(errno));
		if (opt == 't' && listen(fd, 4096) < 0)
			die("listen: %s", strerror(errno));
		set_nonblock(fd);
		ls[n].fd = fd;
		ls[n].udp = opt == 'u';
		n++;
	}
	if (!n)
		die("serve needs -t or -u");
	raise_nofile();
	ep = epoll_create1(0);
	if (ep < 0)
		die("epoll: %s", strerror(errno));
	for (size_t i = 0; i < n; i++) {
		ev.events = EPOLLIN;
		ev.data.u64 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, ls[i].fd, &ev) < 0)
			die("epoll_ctl: %s", strerror(errno));
	}
	printf("listening\n");
	fflush(stdout);

	/* data.u64: below MAX_LISTEN a listener, else a connection's fd + MAX_LISTEN */
	for (;;) {
		struct epoll_event evs[64];
		int k = epoll_wait(ep, evs, 64, -1);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			die("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < k; i++) {
			uint64_t id = evs[i].data.u64;
			char buf[LINE_MAX_LEN], out[LINE_MAX_LEN + 128];
			struct sockaddr_storage peer;
			socklen_t pl = sizeof(peer);
			ssize_t r;

			if (id < MAX_LISTEN && ls[id].udp) {
				while ((r = recvfrom(ls[id].fd, buf, sizeof(buf), 0,
						     (struct sockaddr *)&peer, &pl)) >= 0) {
					answer(out, sizeof(out), &peer, buf, (size_t)r);
					sendto(ls[id].fd, out, strlen(out), 0,
					       (struct sockaddr *)&peer, pl);
					pl = sizeof(peer);
				}
			} else if (id < MAX_LISTEN) {
				int c;

				while ((c = accept4(ls[id].fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					ev.events = EPOLLIN;
					ev.data.u64 = (uint64_t)c + MAX_LISTEN;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) < 0)
						close(c);
				}
				if (errno == EMFILE || errno == ENFILE) {
					/* out of descriptors: do not spin */
					fprintf(stderr, "flowpeer: accept: %s\n", strerror(errno));
					usleep(100000);
				}
			} else {
				int c = (int)(id - MAX_LISTEN);

				r = read(c, buf, sizeof(buf));
				if (r < 0 && errno == EAGAIN)
					continue;
				if (r <= 0 || getpeername(c, (struct sockaddr *)&peer, &pl) < 0) {
					close(c);
					continue;
				}
				answer(out, sizeof(out), &peer, buf, (size_t)r);
				if (write(c, out, strlen(out)) < 0)
					close(c);
			}
		}
	}
}

/* ------------------------------------------------- connect, storm, hold */

enum cstate { C_FREE, C_CONNECTING, C_SENT, C_DONE };

struct conn {
	int fd;
	enum cstate state;
	int64_t deadline;
	int64_t resend; /* UDP: when to send the message again */
	size_t len;
	char local[INET6_ADDRSTRLEN + 10];
	char buf[LINE_MAX_LEN];
};

struct client {
	struct sockaddr_storage dst;
	socklen_t dstlen;
	struct sockaddr_storage src;
	socklen_t srclen;
	bool udp;
	const char *msg;
	int timeout_ms;
	int ep;
	/* results */
	unsigned int ok, same, other, failed;
	unsigned int errs[8];
	const char *errname[8];
	unsigned int tag_count[8];
	char tag_name[8][64];
	char last_reply[LINE_MAX_LEN];
	char last_tag[64];
	char last_local[INET6_ADDRSTRLEN + 10];
	const char *last_err;
};

static void note_error(struct client *cl, const char *name)
{
	cl->failed++;
	cl->last_err = name;
	for (size_t i = 0; i < 8; i++) {
		if (cl->errname[i] && strcmp(cl->errname[i], name))
			continue;
		cl->errname[i] = name;
		cl->errs[i]++;
		return;
	}
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = C_FREE;
}

/* Returns 0 when started, else the errno name was noted. */
static int conn_start(struct client *cl, struct conn *c, uint64_t id)
{
	struct epoll_event ev;
	struct sockaddr_storage local;
	socklen_t ll = sizeof(local);
	int r;

	c->len = 0;
	c->fd = socket(cl->dst.ss_family, (cl->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		note_error(cl, errno_name(errno));
		return -1;
	}
	if (cl->srclen && bind(c->fd, (struct sockaddr *)&cl->src, cl->srclen) < 0) {
		note_error(cl, errno_name(errno));
		conn_close(c);
		return -1;
	}
	r = connect(c->fd, (struct sockaddr *)&cl->dst, cl->dstlen);
	if (r < 0 && errno != EINPROGRESS) {
		note_error(cl, errno_name(errno));
		conn_close(c);
		return -1;
	}
	c->deadline = now_ms() + cl->timeout_ms;
	if (getsockname(c->fd, (struct sockaddr *)&local, &ll) == 0)
		format_addr(&local, c->local, sizeof(c->local));
	if (r == 0) {
		/* UDP: connected at once; send now */
		if (send(c->fd, cl->msg, strlen(cl->msg), 0) < 0) {
			note_error(cl, errno_name(errno));
			conn_close(c);
			return -1;
		}
		c->state = C_SENT;
		c->resend = now_ms() + 1000;
		ev.events = EPOLLIN;
	} else {
		c->state = C_CONNECTING;
		ev.events = EPOLLOUT;
	}
	ev.data.u64 = id;
	if (epoll_ctl(cl->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	return 0;
}

/* One more answer from @name; the ninth and later tags are not listed. */
static void count_tag(struct client *cl, const char *name)
{
	for (size_t i = 0; i < 8; i++) {
		if (cl->tag_name[i][0] && strcmp(cl->tag_name[i], name))
			continue;
		snprintf(cl->tag_name[i], sizeof(cl->tag_name[i]), "%s", name);
		cl->tag_count[i]++;
		return;
	}
}

/* Checks an answer; returns true when it is complete and was counted. */
static bool conn_answer(struct client *cl, struct conn *c)
{
	char *nl = memchr(c->buf, '\n', c->len);
	char want_peer[sizeof(c->local) + 16];
	char *peer, *msg, *sp;

	if (!nl)
		return false;
	*nl = '\0';
	snprintf(cl->last_reply, sizeof(cl->last_reply), "%s", c->buf);
	snprintf(cl->last_local, sizeof(cl->last_local), "%s", c->local);
	sp = strchr(c->buf, ' ');
	peer = strstr(c->buf, " peer=");
	msg = strstr(c->buf, " msg=");
	if (!sp || !peer || !msg || strcmp(msg + 5, cl->msg)) {
		note_error(cl, "EBADREPLY");
		return true;
	}
	if ((size_t)(sp - c->buf) >= sizeof(cl->last_tag)) {
		note_error(cl, "EBADREPLY");
		return true;
	}
	memcpy(cl->last_tag, c->buf, (size_t)(sp - c->buf));
	cl->last_tag[sp - c->buf] = '\0';
	count_tag(cl, cl->last_tag);
	snprintf(want_peer, sizeof(want_peer), " peer=%s ", c->local);
	cl->ok++;
	if (!strncmp(peer, want_peer, strlen(want_peer)))
		cl->same++;
	else
		cl->other++;
	return true;
}

/*
 * Runs @total connections, @conc at a time. With @hold, connections stay
 * open after their round trip (their fds are returned in *held).
 */
static void run_clients(struct client *cl, unsigned int total, unsigned int conc, bool hold,
			int **held, unsigned int *nheld)
{
	struct conn *cs = calloc(conc, sizeof(*cs));
	unsigned int started = 0, finished = 0, active = 0;

	if (!cs)
		die("out of memory");
	if (hold) {
		*held = calloc(total ? total : 1, sizeof(int));
		*nheld = 0;
		if (!*held)
			die("out of memory");
	}
	for (unsigned int i = 0; i < conc; i++)
		cs[i].fd = -1;
	cl->ep = epoll_create1(0);
	if (cl->ep < 0)
		die("epoll: %s", strerror(errno));

	while (finished < total) {
		struct epoll_event evs[64];
		int64_t now;
		int k;

		for (unsigned int i = 0; i < conc && started < total; i++) {
			if (cs[i].state != C_FREE)
				continue;
			started++;
			if (conn_start(cl, &cs[i], i) < 0)
				finished++;
			else
				active++;
		}
		if (!active)
			continue;
		k = epoll_wait(cl->ep, evs, 64, 50);
		if (k < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (int j = 0; j < k; j++) {
			struct conn *c = &cs[evs[j].data.u64];
			bool done = false;

			if (c->state == C_CONNECTING) {
				int err = 0;
				socklen_t el = sizeof(err);
				struct epoll_event ev = { .events = EPOLLIN,
							  .data.u64 = evs[j].data.u64 };

				getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
				if (err) {
					note_error(cl, errno_name(err));
					done = true;
				} else if (send(c->fd, cl->msg, strlen(cl->msg), MSG_NOSIGNAL) <
					   0) {
					note_error(cl, errno_name(errno));
					done = true;
				} else {
					c->state = C_SENT;
					epoll_ctl(cl->ep, EPOLL_CTL_MOD, c->fd, &ev);
				}
			} else if (c->state == C_SENT) {
				ssize_t r = recv(c->fd, c->buf + c->len,
						 sizeof(c->buf) - 1 - c->len, 0);

				if (r < 0 && errno == EAGAIN)
					continue;
				if (r < 0) {
					note_error(cl, errno_name(errno));
					done = true;
				} else if (r == 0) {
					note_error(cl, "EOF");
					done = true;
				} else {
					c->len += (size_t)r;
					if (cl->udp && !memchr(c->buf, '\n', c->len))
						c->buf[c->len++] = '\n';
					done = conn_answer(cl, c);
					if (!done && c->len == sizeof(c->buf) - 1) {
						note_error(cl, "EBADREPLY");
						done = true;
					}
				}
			}
			if (done) {
				finished++;
				active--;
				if (hold && c->fd >= 0) {
					epoll_ctl(cl->ep, EPOLL_CTL_DEL, c->fd, NULL);
					(*held)[(*nheld)++] = c->fd;
					c->fd = -1;
				}
				conn_close(c);
			}
		}
		now = now_ms();
		for (unsigned int i = 0; i < conc; i++) {
			if (cl->udp && cs[i].state == C_SENT && now >= cs[i].resend) {
				/* a datagram may be lost while a flow is set up */
				send(cs[i].fd, cl->msg, strlen(cl->msg), 0);
				cs[i].resend = now + 1000;
			}
			if (cs[i].state == C_FREE || now < cs[i].deadline)
				continue;
			note_error(cl, "ETIMEDOUT");
			conn_close(&cs[i]);
			finished++;
			active--;
		}
	}
	close(cl->ep);
	free(cs);
}

static void print_summary(const struct client *cl, unsigned int total)
{
	if (!cl->failed) {
		printf("ok %u same=%u other=%u\n", total, cl->same, cl->other);
		return;
	}
	printf("failed %u of %u (ok %u same=%u other=%u):", cl->failed, total, cl->ok, cl->same,
	       cl->other);
	for (size_t i = 0; i < 8 && cl->errname[i]; i++)
		printf(" %s=%u", cl->errname[i], cl->errs[i]);
	printf("\n");
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int clients(const char *mode, int argc, char **argv)
{
	struct client cl = { .msg = "hello", .timeout_ms = 10000 };
	unsigned int total = 1, conc = 1, nheld = 0;
	bool verbose = false, answers = false, hold = !strcmp(mode, "hold");
	int opt, *held = NULL;

	while ((opt = getopt(argc, argv, "ub:T:m:vn:c:a")) != -1) {
		switch (opt) {
		case 'a':
			answers = true;
			break;
		case 'u':
			cl.udp = true;
			break;
		case 'b':
			cl.srclen = parse_addr(optarg, &cl.src);
			break;
		case 'T':
			cl.timeout_ms = atoi(optarg) * 1000;
			break;
		case 'm':
			cl.msg = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'n':
			total = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			conc = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		default:
			exit(2);
		}
	}
	if (optind != argc - 1 || !conc)
		die("usage: flowpeer %s [options] ADDR:PORT", mode);
	if (strchr(cl.msg, '\n') || strchr(cl.msg, ' '))
		die("the message must be one word");
	cl.dstlen = parse_addr(argv[optind], &cl.dst);
	if (!strcmp(mode, "connect"))
		total = conc = 1;
	if (conc > total)
		conc = total ? total : 1;
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);

	run_clients(&cl, total, conc, hold, &held, &nheld);

	if (!strcmp(mode, "connect")) {
		if (cl.failed)
			printf("%s\n", cl.last_err);
		else
			printf("%s src=%s\n", cl.last_tag, cl.same ? "same" : "other");
		if (verbose)
			printf("local=%s reply=%s\n", cl.last_local, cl.last_reply);
		return cl.failed ? 1 : 0;
	}
	print_summary(&cl, total);
	if (answers) {
		printf("answers");
		for (size_t i = 0; i < 8 && cl.tag_name[i][0]; i++)
			printf(" %s=%u", cl.tag_name[i], cl.tag_count[i]);
		printf("\n");
	}
	fflush(stdout);
	if (hold) {
		struct sigaction sa = { .sa_handler = on_signal };

		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		while (!stop)
			pause();
		for (unsigned int i = 0; i < nheld; i++)
			close(held[i]);
		free(held);
	}
	return cl.failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "-N")) {
		enter_netns(argv[2]);
		argc -= 2;
		argv += 2;
	}
	if (argc < 2)
		die("usage: flowpeer [-N NS] serve|connect|storm|hold ...");
	if (!strcmp(argv[1], "serve"))
		return serve(argc - 1, argv + 1);
	if (!strcmp(argv[1], "connect") || !strcmp(argv[1], "storm") || !strcmp(argv[1], "hold"))
		return clients(argv[1], argc - 1, argv + 1);
	die("unknown mode %s", argv[1]);
}
