// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredir-proxy: TCP connections. For each accepted connection: read the
 * records and context, find the original destination, open a socket of its
 * family, hand the records on before connect() (the kernel then knows this
 * proxy already saw the flow), connect without blocking, and relay.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "proxy.h"

#define ACCEPT_BATCH 64

struct endpoint {
	struct handler h;
	struct conn *conn;
	const char *name; /* "client" or "upstream", for the log */
	int fd;
	uint32_t mask; /* events registered */
	bool in_epoll;
	bool hup; /* EPOLLHUP seen: sticky, so never wait with an empty mask */
};

enum conn_state {
	CONN_CONNECTING,
	CONN_RELAYING,
};

struct conn {
	struct proxy *px;
	struct conn *prev;
	struct conn *next;
	char tag[32]; /* "tcp#ID" */
	struct endpoint client;
	struct endpoint upstream;
	enum conn_state state;
	bool closed;
	int64_t start_ms;
	int64_t deadline_ms; /* of the connect */
	struct relay relay;
	struct addr peer;
	struct addr dst;
};

static void endpoint_close(struct proxy *px, struct endpoint *ep, bool abort)
{
	if (ep->fd < 0)
		return;
	if (ep->in_epoll)
		ep_del(px, ep->fd);
	if (abort) {
		/* Pass a failure on as a reset, as the far end would have seen it. */
		const struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		(void)setsockopt(ep->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(ep->fd);
	ep->fd = -1;
	ep->in_epoll = false;
}

/*
 * Close both sockets and the pipes, log the byte counts (-v), and move the
 * connection to the dead list; it is freed after the current batch of
 * events. abort resets both sockets instead of closing them gracefully.
 */
static void conn_close(struct conn *c, bool abort, const char *why)
{
	struct proxy *px = c->px;

	if (c->closed)
		return;
	c->closed = true;
	if (c->state == CONN_RELAYING)
		log_msg(&px->log, LVL_INFO,
			"%s close (%s): client->upstream %llu bytes, upstream->client %llu bytes, "
			"%.3f s",
			c->tag, why, (unsigned long long)c->relay.dir[0].bytes,
			(unsigned long long)c->relay.dir[1].bytes,
			(double)(px->now_ms - c->start_ms) / 1000.0);
	else
		log_msg(&px->log, LVL_INFO, "%s close (%s)", c->tag, why);
	endpoint_close(px, &c->client, abort);
	endpoint_close(px, &c->upstream, abort);
	relay_close(&c->relay);

	if (c->prev)
		c->prev->next = c->next;
	else
		px->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = NULL;
	c->next = px->dead_conns;
	px->dead_conns = c;
	px->active--;
	px->tcp_active--;
}

/* Register what the endpoint waits for now. Return: 0 or -errno. */
static int endpoint_update(struct proxy *px, struct endpoint *ep, uint32_t want)
{
	int err;

	if (ep->fd < 0)
		return 0;
	if (!want && ep->hup) {
		if (ep->in_epoll)
			ep_del(px, ep->fd);
		ep->in_epoll = false;
		return 0;
	}
	if (!ep->in_epoll) {
		err = ep_add(px, ep->fd, want, &ep->h);
		ep->in_epoll = !err;
	} else if (want != ep->mask) {
		err = ep_mod(px, ep->fd, want, &ep->h);
	} else {
		return 0;
	}
	if (!err)
		ep->mask = want;
	return err;
}

static void conn_update(struct conn *c)
{
	int err = endpoint_update(c->px, &c->client, relay_events(&c->relay, c->client.fd));

	if (!err)
		err = endpoint_update(c->px, &c->upstream, relay_events(&c->relay, c->upstream.fd));
	if (err) {
		log_msg(&c->px->log, LVL_ERROR, "%s epoll_ctl: %s", c->tag, strerror(-err));
		conn_close(c, true, "epoll_ctl failed");
	}
}

static int socket_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

/* Pump one direction; close the connection if a socket failed. */
static bool pump(struct conn *c, int i)
{
	static const char *const names[] = { "client->upstream", "upstream->client" };
	char why[96];
	int err = relay_pump(&c->relay.dir[i]);

	if (!err)
		return true;
	snprintf(why, sizeof(why), "%s: splice: %s", names[i], strerror(-err));
	if (err == -ECONNRESET || err == -EPIPE)
		log_msg(&c->px->log, LVL_INFO, "%s %s", c->tag, why);
	else
		log_msg(&c->px->log, LVL_WARN, "%s %s", c->tag, why);
	conn_close(c, true, why);
	return false;
}

static void relay_step(struct conn *c, struct endpoint *ep, uint32_t events)
{
	bool in = events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP);
	bool out = events & (EPOLLOUT | EPOLLHUP);

	if (events & EPOLLERR) {
		char why[96];

		snprintf(why, sizeof(why), "%s: %s", ep->name, strerror(socket_error(ep->fd)));
		log_msg(&c->px->log, LVL_INFO, "%s %s", c->tag, why);
		conn_close(c, true, why);
		return;
	}
	if (events & EPOLLHUP)
		ep->hup = true;
	for (int i = 0; i < 2; i++) {
		const struct relay_dir *d = &c->relay.dir[i];

		if (((d->src == ep->fd && in) || (d->dst == ep->fd && out)) && !pump(c, i))
			return;
	}
	if (relay_finished(&c->relay))
		conn_close(c, false, "done");
	else
		conn_update(c);
}

static void conn_established(struct conn *c)
{
	char d[ADDR_STRLEN];
	int err;

	c->state = CONN_RELAYING;
	err = relay_start(&c->relay, c->client.fd, c->upstream.fd);
	if (err) {
		log_msg(&c->px->log, LVL_WARN, "%s pipe2: %s", c->tag, strerror(-err));
		conn_close(c, true, "no pipes");
		return;
	}
	log_msg(&c->px->log, LVL_INFO, "%s connected to %s", c->tag,
		addr_format(&c->dst, d, sizeof(d)));
	/* The client may have sent already, and the upstream may have spoken. */
	if (pump(c, 0) && pump(c, 1)) {
		if (relay_finished(&c->relay))
			conn_close(c, false, "done");
		else
			conn_update(c);
	}
}

static void connect_failed(struct conn *c, int err)
{
	char d[ADDR_STRLEN], why[160];

	snprintf(why, sizeof(why), "connect %s: %s", addr_format(&c->dst, d, sizeof(d)),
		 strerror(err));
	log_msg(&c->px->log, LVL_WARN, "%s %s", c->tag, why);
	conn_close(c, true, why);
}

static void client_event(struct handler *h, uint32_t events)
{
	struct endpoint *ep = container_of(h, struct endpoint, h);
	struct conn *c = ep->conn;

	if (c->closed)
		return;
	if (c->state == CONN_CONNECTING) {
		/* Registered with no events: only an error or hangup wakes it. */
		conn_close(c, true, "client went away during connect");
		return;
	}
	relay_step(c, ep, events);
}

static void upstream_event(struct handler *h, uint32_t events)
{
	struct endpoint *ep = container_of(h, struct endpoint, h);
	struct conn *c = ep->conn;

	if (c->closed)
		return;
	if (c->state == CONN_CONNECTING) {
		int err = socket_error(ep->fd);

		if (!err && (events & (EPOLLERR | EPOLLHUP)))
			err = ECONNREFUSED;
		if (err)
			connect_failed(c, err);
		else
			conn_established(c);
		return;
	}
	relay_step(c, ep, events);
}

static void keepalive(int fd)
{
	const int one = 1;

	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
}

/* The upstream socket made before the destination was known (handoff_open()). */
struct handoff {
	int fd; /* -1: none */
	int family;
	bool handed; /* the records are on it */
};

/*
 * Open the upstream socket (or take @up's, if of the destination's family),
 * hand the records on unless @up holds them, start connecting. @up's socket
 * is the connection's or closed when this returns.
 */
static void conn_connect(struct conn *c, const struct redirect_info *ri, const char *how,
			 struct handoff *up)
{
	struct proxy *px = c->px;
	char d[ADDR_STRLEN], e[32];
	const char *records = "none";
	int fd, err;

	addr_format(&c->dst, d, sizeof(d));
	/* Another family (a custom context, SO_ORIGINAL_DST, --to): start over. */
	if (up->fd >= 0 && up->family != c->dst.ss.ss_family) {
		close(up->fd);
		up->fd = -1;
		up->handed = false;
	}
	fd = up->fd;
	up->fd = -1;
	if (fd < 0)
		fd = socket(c->dst.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_msg(&px->log, LVL_WARN, "%s socket: %s", c->tag, strerror(errno));
		conn_close(c, true, "no upstream socket");
		return;
	}
	c->upstream.fd = fd;
	keepalive(fd);
	if (ri->records && px->cfg.drop_records) {
		records = "dropped (--drop-records)";
	} else if (ri->records && up->handed) {
		records = "handed on";
	} else if (ri->records) {
		err = redirect_set_records(fd, ri);
		if (err) {
			/*
			 * Going on without them could loop the flow back here.
			 * An error on this proxy's side, not the peer's: a
			 * missing CAP_NET_ADMIN, or the module was removed.
			 */
			log_msg(&px->log, LVL_ERROR,
				"%s WSAIoctl(SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS): %s; closing",
				c->tag, redirect_error_name(err, e, sizeof(e)));
			conn_close(c, true, "records not accepted");
			return;
		}
		records = "handed on";
	}
	log_msg(&px->log, LVL_INFO, "%s connecting to %s (from %s), records %s", c->tag, d, how,
		records);

	c->deadline_ms = px->now_ms + (int64_t)px->cfg.connect_timeout * 1000;
	if (connect(fd, (const struct sockaddr *)&c->dst.ss, c->dst.len) == 0) {
		conn_established(c);
		return;
	}
	if (errno != EINPROGRESS) {
		connect_failed(c, errno);
		return;
	}
	err = ep_add(px, fd, EPOLLOUT, &c->upstream.h);
	c->upstream.in_epoll = !err;
	c->upstream.mask = EPOLLOUT;
	if (!err) {
		err = ep_add(px, c->client.fd, 0, &c->client.h);
		c->client.in_epoll = !err;
	}
	if (err) {
		log_msg(&px->log, LVL_ERROR, "%s epoll_ctl: %s", c->tag, strerror(-err));
		conn_close(c, true, "epoll_ctl failed");
	}
}

/*
 * The hand-off (wfpredir_handoff()) needs the upstream socket before the
 * context tells the destination: it is made of the accepted connection's
 * family, which is the original destination's for every redirected flow.
 * Fills *up and *ri, as redirect_query() would, when the hand-off was made
 * or found the flow not redirected; else leaves up->fd -1 and *ri to the
 * WSAIoctl queries, which then report what went wrong as they always did.
 * Not with --wsaioctl, nor --drop-records (nothing to hand on), nor once
 * the module has been found missing (until a reload). A fallback is logged
 * at -vv only: at -v the log is the same either way.
 */
static void handoff_open(struct conn *c, const struct addr *local, struct redirect_info *ri,
			 struct handoff *up)
{
	struct proxy *px = c->px;
	int r;

	up->fd = -1;
	up->handed = false;
	up->family = local->ss.ss_family == AF_INET6 && !addr_is_v4mapped(local) ? AF_INET6
										 : AF_INET;
	if (px->cfg.wsaioctl || px->cfg.drop_records || px->handoff_absent)
		return;
	up->fd = socket(up->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (up->fd < 0)
		return;
	r = redirect_handoff(up->fd, c->client.fd, ri);
	if (r >= 0) {
		up->handed = r > 0;
		return;
	}
	if (r == -ENOPROTOOPT)
		px->handoff_absent = true;
	log_msg(&px->log, LVL_DEBUG, "%s wfpredir_handoff: %s; through WSAIoctl instead", c->tag,
		strerror(-r));
	close(up->fd);
	up->fd = -1;
}

/* Decide what to do with a new connection, and do it. */
static void conn_start(struct conn *c)
{
	struct proxy *px = c->px;
	struct redirect_info ri;
	struct handoff up = { .fd = -1 };
	char p[ADDR_STRLEN], l[ADDR_STRLEN], d[ADDR_STRLEN], e[32];
	struct addr local;
	socklen_t len = sizeof(local.ss);
	const char *how;

	if (getsockname(c->client.fd, (struct sockaddr *)&local.ss, &len) < 0) {
		log_msg(&px->log, LVL_WARN, "%s getsockname: %s", c->tag, strerror(errno));
		conn_close(c, true, "getsockname failed");
		return;
	}
	local.len = len;
	addr_format(&c->peer, p, sizeof(p));
	addr_format(&local, l, sizeof(l));
	log_msg(&px->log, LVL_INFO, "%s accept %s -> %s", c->tag, p, l);

	handoff_open(c, &local, &ri, &up);
	if (up.fd < 0)
		redirect_query(c->client.fd, &ri);
	redirect_log(px, c->tag, &ri);
	if (ri.records_err && !redirect_not_redirected(ri.records_err))
		log_msg(&px->log, LVL_WARN,
			"%s WSAIoctl(SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS): %s", c->tag,
			redirect_error_name(ri.records_err, e, sizeof(e)));
	if (px->cfg.require_records && !ri.records) {
		proxy_refused(px, "%s from %s refused: no redirect records (--require-records)",
			      c->tag, p);
		conn_close(c, false, "no records");
		goto out;
	}
	how = redirect_destination(px, c->client.fd, IPPROTO_TCP, &ri, &local, &c->dst);
	if (!how) {
		proxy_refused(px,
			      "%s from %s to %s refused: not redirected, no original destination",
			      c->tag, p, l);
		conn_close(c, false, "no destination");
		goto out;
	}
	if (proxy_is_own_address(px, IPPROTO_TCP, &c->dst) || addr_equal(&c->dst, &local)) {
		log_msg(&px->log, LVL_WARN, "%s from %s: destination %s is this proxy; closing",
			c->tag, p, addr_format(&c->dst, d, sizeof(d)));
		conn_close(c, false, "destination is this proxy");
		goto out;
	}
	conn_connect(c, &ri, how, &up);
out:
	if (up.fd >= 0)
		close(up.fd);
	redirect_info_free(&ri);
}

static void conn_new(struct listener *ls, int fd, const struct addr *peer)
{
	struct proxy *px = ls->px;
	struct conn *c = calloc(1, sizeof(*c));

	if (!c) {
		log_msg(&px->log, LVL_ERROR, "tcp: calloc: %s", strerror(ENOMEM));
		close(fd);
		return;
	}
	c->px = px;
	snprintf(c->tag, sizeof(c->tag), "tcp#%llu", (unsigned long long)++px->next_id);
	c->client =
		(struct endpoint){ .h.fn = client_event, .conn = c, .name = "client", .fd = fd };
	c->upstream = (struct endpoint){
		.h.fn = upstream_event, .conn = c, .name = "upstream", .fd = -1
	};
	c->state = CONN_CONNECTING;
	c->start_ms = px->now_ms;
	c->peer = *peer;
	relay_init(&c->relay);
	keepalive(fd);
	c->next = px->conns;
	if (c->next)
		c->next->prev = c;
	px->conns = c;
	px->active++;
	px->tcp_active++;
	conn_start(c);
}

static void accept_failed(struct listener *ls, int err)
{
	struct proxy *px = ls->px;
	unsigned long suppressed;

	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		/* Level-triggered: stop listening for a tick rather than spin. */
		if (ep_mod(px, ls->fd, 0, &ls->h) == 0)
			ls->paused = true;
	}
	if (ratelimit_ok(&px->error_rl, px->now_ms, &suppressed))
		log_msg(&px->log, LVL_WARN, "tcp accept: %s (%lu similar errors suppressed)",
			strerror(err), suppressed);
}

void tcp_accept(struct listener *ls)
{
	struct proxy *px = ls->px;

	for (int i = 0; i < ACCEPT_BATCH && !px->stopping; i++) {
		struct addr peer;
		socklen_t len = sizeof(peer.ss);
		int fd = accept4(ls->fd, (struct sockaddr *)&peer.ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue; /* a connection reset before accept(): next */
			if (errno != EAGAIN)
				accept_failed(ls, errno);
			return;
		}
		peer.len = len;
		if (!proxy_admit(px, "tcp connection", &peer)) {
			close(fd);
			continue;
		}
		conn_new(ls, fd, &peer);
	}
}

/* Connect timeouts. */
void tcp_sweep(struct proxy *px)
{
	struct conn *c = px->conns;

	while (c) {
		struct conn *next = c->next;

		if (c->state == CONN_CONNECTING && px->now_ms >= c->deadline_ms)
			connect_failed(c, ETIMEDOUT);
		c = next;
	}
}

void tcp_reap(struct proxy *px)
{
	while (px->dead_conns) {
		struct conn *c = px->dead_conns;

		px->dead_conns = c->next;
		free(c);
	}
}

void tcp_close_all(struct proxy *px, const char *why)
{
	while (px->conns)
		conn_close(px->conns, false, why);
}
