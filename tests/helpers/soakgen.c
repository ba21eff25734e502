// SPDX-License-Identifier: GPL-2.0
/*
 * soakgen: the origins and the clients of the soak run (tests/soak/), where
 * a shell loop would be far too slow for hundreds of connections at once.
 *
 *   soakgen serve -n TAG [-t ADDR:PORT]... [-u ADDR:PORT]...
 *	The origin. A TCP connection is answered with "TAG\n", then every byte
 *	it sends comes back, and the origin closes once the client has shut
 *	its side down. A UDP datagram is answered with "TAG " and the datagram.
 *	Prints "listening" once every socket is bound.
 *
 *   soakgen load -d SECS -c CONC [-T SECS] [-U SECS] [-i SECS] SPEC...
 *	For SECS seconds, CONC connections (or UDP flows) at once, taking the
 *	SPECs in turn; SPEC is tcp|udp,ADDR:PORT,TAG: TAG is the origin that
 *	must answer. Each TCP connection sends 1..32 KiB of a pattern its own
 *	id seeds, shuts its side down and reads all of it back; each UDP flow
 *	sends one datagram and reads one answer, within -U SECS (default 10).
 *	A datagram is never resent: the answer to a copy could reach a later
 *	flow that took the same port, and look misrouted. Every -i
 *	SECS (default 5) and at the end, one line of running totals:
 *	  stats ok=N failed=N misrouted=N lost=N hung=N conns=N bytes=N
 *	        unanswered=N late=N
 *	ok: every byte came back from TAG. failed: an error or an end before
 *	the origin answered (what an unloaded module or a full table gives a
 *	proxy). misrouted: another origin answered, or other bytes came back.
 *	lost: bytes missing from a connection the origin answered and that
 *	then ended cleanly. hung: a TCP connection still unfinished after -T
 *	SECS (default 60); a UDP flow without an answer by then is failed,
 *	and counted in unanswered as well: UDP has no other way to show a
 *	datagram lost, so the soak judges unanswered flows by when they came.
 *	Such a flow is listened to for 60 s more: late counts the answers
 *	that came in that time (checked as any other; only bytes from the
 *	wrong origin count again, as misrouted).
 *	Then one line per kind of failure: "error tcp|udp NAME COUNT".
 *	SIGUSR1 ends the SECS early: no new connection, the open ones finish
 *	as at the end.
 *	Exit status 1 when anything was misrouted, lost or hung.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
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

#include "common/helper.h"

#define MAX_SPECS 32
#define TAG_MAX 48
#define CHUNK 16384
#define MAX_PAYLOAD 32768
#define UDP_PAYLOAD 900
/* How long a UDP flow past its deadline is still listened to. */
#define LATE_MS 60000

/* Byte @i of connection @id's payload: any corruption or mix-up shows. */
static uint8_t pattern(uint64_t id, size_t i)
{
	uint64_t x = id * 0x9e3779b97f4a7c15ULL + i;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	return (uint8_t)(x >> 32);
}

/* ------------------------------------------------------------ serve */

struct sconn {
	int fd;
	bool listener, udp, eof;
	size_t len, off;
	char buf[CHUNK];
};

static const char *stag = "origin";

static void sconn_close(int ep, struct sconn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

static void sconn_add(int ep, struct sconn *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e) < 0)
		die("epoll_ctl: %s", strerror(errno));
}

static void sconn_mod(int ep, struct sconn *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
}

/* Write what is pending; then read more, or finish after the client's end. */
static void serve_tcp(int ep, struct sconn *c)
{
	ssize_t n;

	for (;;) {
		while (c->off < c->len) {
			n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
			if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
				sconn_mod(ep, c, EPOLLOUT);
				return;
			}
			if (n <= 0) {
				sconn_close(ep, c);
				return;
			}
			c->off += (size_t)n;
		}
		c->off = c->len = 0;
		if (c->eof) {
			sconn_close(ep, c);
			return;
		}
		n = recv(c->fd, c->buf, sizeof(c->buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			sconn_mod(ep, c, EPOLLIN);
			return;
		}
		if (n < 0) {
			sconn_close(ep, c);
			return;
		}
		if (n == 0)
			c->eof = true;
		c->len = (size_t)n;
	}
}

static void serve_udp(struct sconn *c)
{
	struct sockaddr_storage peer;
	socklen_t plen;
	char out[CHUNK + TAG_MAX + 2];
	int hl = snprintf(out, sizeof(out), "%s ", stag);

	for (;;) {
		ssize_t n;

		plen = sizeof(peer);
		n = recvfrom(c->fd, out + hl, sizeof(out) - (size_t)hl, 0, (struct sockaddr *)&peer,
			     &plen);
		if (n < 0)
			return;
		sendto(c->fd, out, (size_t)(hl + n), 0, (struct sockaddr *)&peer, plen);
	}
}

static int listen_on(const char *spec, bool udp)
{
	struct sockaddr_storage ss;
	socklen_t len = parse_addr(spec, &ss);
	int one = 1;
	int fd = socket(ss.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind %s: %s", spec, strerror(errno));
	if (!udp && listen(fd, 4096) < 0)
		die("listen %s: %s", spec, strerror(errno));
	return fd;
}

static int cmd_serve(int argc, char **argv)
{
	struct epoll_event ev[64];
	int ep = epoll_create1(0);
	int opt, i;

	while ((opt = getopt(argc, argv, "n:t:u:")) != -1) {
		struct sconn *c;

		if (opt == 'n') {
			if (strlen(optarg) >= TAG_MAX)
				die("tag too long");
			stag = optarg;
			continue;
		}
		if (opt != 't' && opt != 'u')
			die("usage: soakgen serve -n TAG [-t ADDR:PORT]... [-u ADDR:PORT]...");
		c = calloc(1, sizeof(*c));
		if (!c)
			die("out of memory");
		c->udp = opt == 'u';
		c->listener = true;
		c->fd = listen_on(optarg, c->udp);
		sconn_add(ep, c, EPOLLIN);
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(ep, ev, 64, -1);

		for (i = 0; i < n; i++) {
			struct sconn *c = ev[i].data.ptr, *nc;
			int fd;

			if (c->listener && c->udp) {
				serve_udp(c);
				continue;
			}
			if (!c->listener) {
				serve_tcp(ep, c);
				continue;
			}
			while ((fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
				nc = calloc(1, sizeof(*nc));
				if (!nc) {
					close(fd);
					continue;
				}
				nc->fd = fd;
				nc->len = (size_t)snprintf(nc->buf, sizeof(nc->buf), "%s\n", stag);
				sconn_add(ep, nc, EPOLLOUT);
			}
		}
	}
}

/* ------------------------------------------------------------- load */

struct spec {
	bool udp;
	struct sockaddr_storage ss;
	socklen_t len;
	char tag[TAG_MAX];
};

struct cconn {
	struct cconn *prev, *next;
	int fd;
	const struct spec *sp;
	uint64_t id;
	size_t size, sent, got;
	int64_t start, deadline;
	size_t hlen;
	bool tagged, shut;
	bool overdue; /* a UDP flow past its deadline, counted, still heard */
	char hdr[TAG_MAX + 2];
};

static struct {
	uint64_t ok, failed, misrouted, lost, hung, conns, bytes, unanswered, late;
} st;

#define MAX_ERRS 16
/* By protocol: a TCP and a UDP timeout have different causes. */
static struct {
	bool udp;
	const char *name;
	uint64_t n;
} errs[MAX_ERRS];

static void note_err(bool udp, const char *name)
{
	int i;

	for (i = 0; i < MAX_ERRS && errs[i].name; i++)
		if (errs[i].udp == udp && !strcmp(errs[i].name, name))
			break;
	if (i == MAX_ERRS)
		return;
	errs[i].udp = udp;
	errs[i].name = name;
	errs[i].n++;
}

static void print_stats(void)
{
	printf("stats ok=%llu failed=%llu misrouted=%llu lost=%llu hung=%llu conns=%llu bytes=%llu "
	       "unanswered=%llu late=%llu\n",
	       (unsigned long long)st.ok, (unsigned long long)st.failed,
	       (unsigned long long)st.misrouted, (unsigned long long)st.lost,
	       (unsigned long long)st.hung, (unsigned long long)st.conns,
	       (unsigned long long)st.bytes, (unsigned long long)st.unanswered,
	       (unsigned long long)st.late);
	fflush(stdout);
}

enum verdict { V_OK, V_FAILED, V_MISROUTED, V_LOST, V_HUNG };

/*
 * "local ADDR:PORT, N ms": what finds the connection in the proxies' logs
 * (wfpredir-proxy's "accept PEER -> LOCAL" line), and when it ended.
 */
static const char *conn_where(const struct cconn *c)
{
	static char out[INET6_ADDRSTRLEN + 64];
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char a[INET6_ADDRSTRLEN + 16] = "?";

	if (!getsockname(c->fd, (struct sockaddr *)&ss, &len))
		format_addr(&ss, a, sizeof(a));
	snprintf(out, sizeof(out), "local %s, %lld ms", a, (long long)(now_ms() - c->start));
	return out;
}

static int ep_load, active;
/* Every unfinished connection, for the deadline sweep: hundreds at most. */
static struct cconn head = { .prev = &head, .next = &head };

static void finish(struct cconn *c, enum verdict v, const char *why)
{
	if (c->overdue) {
		/* Counted failed at its deadline: only a late answer counts now. */
		if (v == V_OK)
			st.late++;
		if (v == V_OK || v == V_FAILED) {
			epoll_ctl(ep_load, EPOLL_CTL_DEL, c->fd, NULL);
			close(c->fd);
			c->prev->next = c->next;
			c->next->prev = c->prev;
			free(c);
			return;
		}
		active++; /* taken off at the deadline; the common end below */
	}
	switch (v) {
	case V_OK:
		st.ok++;
		st.bytes += c->size;
		break;
	case V_FAILED:
		st.failed++;
		break;
	case V_MISROUTED:
		st.misrouted++;
		fprintf(stderr, "misrouted: %s to %s: %s\n", c->sp->udp ? "udp" : "tcp", c->sp->tag,
			why);
		break;
	case V_LOST:
		st.lost += c->size - c->got;
		fprintf(stderr, "lost: %zu of %zu bytes from %s (sent %zu; %s)\n", c->size - c->got,
			c->size, c->sp->tag, c->sent, conn_where(c));
		break;
	case V_HUNG:
		st.hung++;
		fprintf(stderr, "hung: %s to %s: sent %zu of %zu, got %zu (%s)\n",
			c->sp->udp ? "udp" : "tcp", c->sp->tag, c->sent, c->size, c->got,
			conn_where(c));
		break;
	}
	if (v != V_OK)
		note_err(c->sp->udp, why);
	epoll_ctl(ep_load, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->prev->next = c->next;
	c->next->prev = c->prev;
	free(c);
	active--;
}

/* The answer's header: the origin's tag. Returns false when @c finished. */
static bool check_tag(struct cconn *c, const char *p, size_t n, size_t *used)
{
	const char *nl = memchr(p, c->sp->udp ? ' ' : '\n', n);
	size_t take = nl ? (size_t)(nl - p) + 1 : n;

	if (c->hlen + take > sizeof(c->hdr) - 1) {
		finish(c, V_MISROUTED, "EBADTAG");
		return false;
	}
	memcpy(c->hdr + c->hlen, p, take);
	c->hlen += take;
	*used = take;
	if (!nl)
		return true;
	c->hdr[c->hlen - 1] = '\0';
	if (strcmp(c->hdr, c->sp->tag)) {
		fprintf(stderr, "misrouted: answer from '%s'\n", c->hdr);
		finish(c, V_MISROUTED, "EWRONGORIGIN");
		return false;
	}
	c->tagged = true;
	return true;
}

/* Check what came back. Returns false when @c is finished (and freed). */
static bool on_data(struct cconn *c, const char *p, size_t n)
{
	size_t used = 0, i;

	if (!c->tagged) {
		if (!check_tag(c, p, n, &used))
			return false;
		p += used;
		n -= used;
	}
	if (c->got + n > c->size) {
		finish(c, V_MISROUTED, "ETOOMUCH");
		return false;
	}
	for (i = 0; i < n; i++) {
		if ((uint8_t)p[i] != pattern(c->id, c->got + i)) {
			finish(c, V_MISROUTED, "EBADBYTES");
			return false;
		}
	}
	c->got += n;
	if (c->sp->udp && c->tagged) {
		finish(c, c->got == c->size ? V_OK : V_MISROUTED, "ESHORTDGRAM");
		return false;
	}
	return true;
}

/*
 * A datagram the kernel refused (a full flow table refuses with
 * ECONNREFUSED right in send()) is a refusal, not an answer that never came.
 */
static void udp_send(struct cconn *c)
{
	uint8_t buf[UDP_PAYLOAD];
	size_t i;

	for (i = 0; i < c->size; i++)
		buf[i] = pattern(c->id, i);
	if (send(c->fd, buf, c->size, 0) < 0)
		finish(c, V_FAILED, errno_name(errno));
}

static void tcp_io(struct cconn *c, uint32_t events)
{
	char buf[CHUNK];
	ssize_t n;
	int err = 0;
	socklen_t el = sizeof(err);

	if (events & EPOLLERR) {
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		finish(c, V_FAILED, errno_name(err ? err : EIO));
		return;
	}
	while (c->sent < c->size) {
		size_t k = c->size - c->sent, i;

		if (k > sizeof(buf))
			k = sizeof(buf);
		for (i = 0; i < k; i++)
			buf[i] = (char)pattern(c->id, c->sent + i);
		n = send(c->fd, buf, k, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			finish(c, V_FAILED, errno_name(errno));
			return;
		}
		c->sent += (size_t)n;
	}
	if (c->sent == c->size && !c->shut) {
		shutdown(c->fd, SHUT_WR);
		c->shut = true;
		struct epoll_event e = { .events = EPOLLIN, .data.ptr = c };

		epoll_ctl(ep_load, EPOLL_CTL_MOD, c->fd, &e);
	}
	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			finish(c, V_FAILED, errno_name(errno));
			return;
		}
		if (n == 0) {
			if (!c->tagged)
				finish(c, V_FAILED, "EOF_BEFORE_ORIGIN");
			else if (c->got < c->size)
				finish(c, V_LOST, "ELOST");
			else
				finish(c, V_OK, "");
			return;
		}
		if (!on_data(c, buf, (size_t)n))
			return;
	}
}

static void udp_io(struct cconn *c, uint32_t events)
{
	char buf[UDP_PAYLOAD + TAG_MAX + 2];
	ssize_t n;

	(void)events;
	n = recv(c->fd, buf, sizeof(buf), 0);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n < 0) {
		finish(c, V_FAILED, errno_name(errno));
		return;
	}
	on_data(c, buf, (size_t)n);
}

static uint64_t next_id;

static void start_one(const struct spec *sp, int64_t timeout_ms)
{
	struct cconn *c = calloc(1, sizeof(*c));
	struct epoll_event e;
	int fd;

	if (!c)
		die("out of memory");
	fd = socket(sp->ss.ss_family, (sp->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		free(c);
		st.conns++;
		st.failed++;
		note_err(sp->udp, errno_name(errno));
		return;
	}
	c->fd = fd;
	c->sp = sp;
	c->id = ((uint64_t)getpid() << 32) | next_id++;
	c->size = sp->udp ? 1 + (size_t)(c->id % (UDP_PAYLOAD - 1))
			  : 1 + (size_t)((c->id * 7919) % MAX_PAYLOAD);
	c->start = now_ms();
	c->deadline = c->start + timeout_ms;
	e.events = sp->udp ? EPOLLIN : EPOLLIN | EPOLLOUT;
	e.data.ptr = c;
	epoll_ctl(ep_load, EPOLL_CTL_ADD, fd, &e);
	c->next = &head;
	c->prev = head.prev;
	head.prev->next = c;
	head.prev = c;
	active++;
	st.conns++;
	if (connect(fd, (const struct sockaddr *)&sp->ss, sp->len) < 0 && errno != EINPROGRESS) {
		finish(c, V_FAILED, errno_name(errno));
		return;
	}
	if (sp->udp)
		udp_send(c);
}

static volatile sig_atomic_t end_now;

static void on_usr1(int sig)
{
	(void)sig;
	end_now = 1;
}

/* Connections past their deadline. */
static void sweep_deadlines(int64_t t)
{
	struct cconn *c, *nx;

	for (c = head.next; c != &head; c = nx) {
		nx = c->next;
		if (t < c->deadline)
			continue;
		if (c->sp->udp && !c->overdue) {
			/*
			 * Failed now, but still listened to: an answer after
			 * the deadline (late) is slowness, none at all a loss.
			 */
			st.failed++;
			st.unanswered++;
			note_err(true, "ETIMEDOUT");
			c->overdue = true;
			c->deadline = t + LATE_MS;
			active--;
			continue;
		}
		finish(c, c->sp->udp ? V_FAILED : V_HUNG, "ETIMEDOUT");
	}
}

static int cmd_load(int argc, char **argv)
{
	struct spec specs[MAX_SPECS];
	int nspecs = 0, conc = 100, opt, i, next = 0;
	int64_t secs = 10, timeout_ms = 60000, udp_timeout_ms = 10000, ival = 5000, end, tick,
		sweep = 0;
	struct epoll_event ev[256];

	while ((opt = getopt(argc, argv, "d:c:T:U:i:")) != -1) {
		switch (opt) {
		case 'd':
			secs = atoll(optarg);
			break;
		case 'c':
			conc = atoi(optarg);
			break;
		case 'T':
			timeout_ms = atoll(optarg) * 1000;
			break;
		case 'U':
			udp_timeout_ms = atoll(optarg) * 1000;
			break;
		case 'i':
			ival = atoll(optarg) * 1000;
			break;
		default:
			die("usage: soakgen load -d SECS -c CONC [-T SECS] [-U SECS] [-i SECS] SPEC...");
		}
	}
	for (i = optind; i < argc; i++) {
		char *s = strdup(argv[i]), *a, *t;

		if (!s || nspecs == MAX_SPECS)
			die("too many specs");
		a = strchr(s, ',');
		t = a ? strrchr(a + 1, ',') : NULL;
		if (!a || !t || strlen(t + 1) >= TAG_MAX)
			die("bad spec %s: want tcp|udp,ADDR:PORT,TAG", argv[i]);
		*a++ = '\0';
		*t++ = '\0';
		if (strcmp(s, "tcp") && strcmp(s, "udp"))
			die("bad spec %s: want tcp|udp,ADDR:PORT,TAG", argv[i]);
		specs[nspecs].udp = !strcmp(s, "udp");
		specs[nspecs].len = parse_addr(a, &specs[nspecs].ss);
		strcpy(specs[nspecs].tag, t);
		nspecs++;
		free(s);
	}
	if (!nspecs || conc < 1)
		die("usage: soakgen load -d SECS -c CONC [-T SECS] [-U SECS] [-i SECS] SPEC...");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, on_usr1);
	raise_nofile();
	ep_load = epoll_create1(0);
	end = now_ms() + secs * 1000;
	tick = now_ms() + ival;
	while (now_ms() < end || active > 0) {
		int64_t t = now_ms();

		if (end_now && end > t)
			end = t;
		/*
		 * At most CONC starts a round: a connect the kernel refuses at
		 * once (a full flow table) frees its slot at once, and without
		 * the bound this loop would spin on refusals, never serving the
		 * open connections (they went past their deadline: "hung") nor
		 * looking at the clock (-d was never reached).
		 */
		for (int started = 0; t < end && active < conc && started < conc; started++) {
			start_one(&specs[next], specs[next].udp ? udp_timeout_ms : timeout_ms);
			next = (next + 1) % nspecs;
		}
		int n = epoll_wait(ep_load, ev, 256, 200);

		for (i = 0; i < n; i++) {
			struct cconn *c = ev[i].data.ptr;

			if (c->sp->udp)
				udp_io(c, ev[i].events);
			else
				tcp_io(c, ev[i].events);
		}
		t = now_ms();
		if (t >= tick) {
			print_stats();
			tick = t + ival;
		}
		if (t >= sweep) {
			sweep_deadlines(t);
			sweep = t + 200;
		}
	}
	print_stats();
	for (i = 0; i < MAX_ERRS && errs[i].name; i++)
		printf("error %s %s %llu\n", errs[i].udp ? "udp" : "tcp", errs[i].name,
		       (unsigned long long)errs[i].n);
	return st.misrouted || st.lost || st.hung ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		die("usage: soakgen serve|load ...");
	if (!strcmp(argv[1], "serve"))
		return cmd_serve(argc - 1, argv + 1);
	if (!strcmp(argv[1], "load"))
		return cmd_load(argc - 1, argv + 1);
	die("usage: soakgen serve|load ...");
}
