// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredir-proxy: UDP flows. The listening socket is unconnected. The first
 * datagram from a new peer makes a flow: a socket bound to the same local
 * address (SO_REUSEADDR) and connect()ed to the peer, so that its tuple is
 * the flow's and the kernel delivers the peer's later datagrams to it; the
 * records and context are read from that socket. An upstream socket gets the
 * records before it connects to the original destination; the first
 * datagram is sent on, and then datagrams are relayed both ways until the
 * flow has been silent for --udp-idle seconds.
 *
 * A flow that is refused (no records with --require-records, no
 * destination, upstream failure) stays as a sink that drops the peer's
 * datagrams until it is idle, so a chatty peer costs one query, not one a
 * datagram.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "proxy.h"

#define UDP_BATCH 64

struct udp_flow {
	struct proxy *px;
	struct udp_flow *prev;
	struct udp_flow *next;
	char tag[32];	/* "udp#ID" */
	uint64_t ls_id; /* the listener's: its slot may serve another after a reload */
	struct handler client_h;
	struct handler upstream_h;
	int client_fd;	 /* bound to the local address, connected to the peer */
	int upstream_fd; /* -1: a sink */
	bool closed;
	struct addr peer;
	struct addr local;
	struct addr dst;
	int64_t start_ms;
	int64_t last_ms;
	uint64_t bytes[2]; /* [0] client->upstream, [1] upstream->client */
	uint64_t dgrams[2];
	uint64_t dropped;
};

/* Ask for the local address of each datagram: it is the flow's. */
int udp_listener_setup(struct listener *ls)
{
	const int one = 1;

	if (ls->addr.ss.ss_family == AF_INET)
		return setsockopt(ls->fd, SOL_IP, IP_PKTINFO, &one, sizeof(one));
	return setsockopt(ls->fd, SOL_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
}

static void flow_close(struct udp_flow *f, const char *why)
{
	struct proxy *px = f->px;

	if (f->closed)
		return;
	f->closed = true;
	log_msg(&px->log, LVL_INFO,
		"%s close (%s): client->upstream %llu bytes in %llu datagrams, "
		"upstream->client %llu bytes in %llu datagrams, %llu dropped, %.3f s",
		f->tag, why, (unsigned long long)f->bytes[0], (unsigned long long)f->dgrams[0],
		(unsigned long long)f->bytes[1], (unsigned long long)f->dgrams[1],
		(unsigned long long)f->dropped, (double)(px->now_ms - f->start_ms) / 1000.0);
	if (f->client_fd >= 0) {
		ep_del(px, f->client_fd);
		close(f->client_fd);
	}
	if (f->upstream_fd >= 0) {
		ep_del(px, f->upstream_fd);
		close(f->upstream_fd);
	}
	f->client_fd = f->upstream_fd = -1;

	if (f->prev)
		f->prev->next = f->next;
	else
		px->flows = f->next;
	if (f->next)
		f->next->prev = f->prev;
	f->prev = NULL;
	f->next = px->dead_flows;
	px->dead_flows = f;
	px->active--;
}

/* Send one datagram on; a full buffer or an ICMP error drops it. */
static void flow_send(struct udp_flow *f, int dir, const void *buf, size_t len)
{
	int fd = dir ? f->client_fd : f->upstream_fd;

	f->last_ms = f->px->now_ms;
	if (fd < 0) {
		f->dropped++;
		return;
	}
	if (send(fd, buf, len, 0) < 0) {
		f->dropped++;
		log_msg(&f->px->log, LVL_DEBUG, "%s %s: send: %s", f->tag,
			dir ? "upstream->client" : "client->upstream", strerror(errno));
		return;
	}
	f->bytes[dir] += len;
	f->dgrams[dir]++;
}

/* Relay what waits on one of the flow's sockets. */
static void flow_pump(struct udp_flow *f, int dir)
{
	int fd = dir ? f->upstream_fd : f->client_fd;

	for (int i = 0; i < UDP_BATCH && !f->closed; i++) {
		ssize_t n = recv(fd, f->px->dgram, UDP_DGRAM_MAX, 0);

		if (n < 0) {
			if (errno == EAGAIN)
				return;
			if (errno == EINTR || errno == ECONNREFUSED || errno == EHOSTUNREACH ||
			    errno == ENETUNREACH) {
				/* An ICMP error about an earlier datagram; the flow goes on. */
				log_msg(&f->px->log, LVL_DEBUG, "%s %s: recv: %s", f->tag,
					dir ? "upstream" : "client", strerror(errno));
				continue;
			}
			log_msg(&f->px->log, LVL_WARN, "%s %s: recv: %s", f->tag,
				dir ? "upstream" : "client", strerror(errno));
			flow_close(f, "recv failed");
			return;
		}
		flow_send(f, dir, f->px->dgram, (size_t)n);
	}
}

static void client_event(struct handler *h, uint32_t events)
{
	struct udp_flow *f = container_of(h, struct udp_flow, client_h);

	(void)events;
	if (!f->closed)
		flow_pump(f, 0);
}

static void upstream_event(struct handler *h, uint32_t events)
{
	struct udp_flow *f = container_of(h, struct udp_flow, upstream_h);

	(void)events;
	if (!f->closed)
		flow_pump(f, 1);
}

/* The flow's own socket: the listener's local address, connected to the peer. */
static int flow_client_socket(struct udp_flow *f)
{
	const int one = 1;
	int fd = socket(f->local.ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	const char *call = "socket";

	if (fd < 0)
		goto fail;
	f->client_fd = fd;
	call = "setsockopt";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (f->local.ss.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0))
		goto fail;
	call = "bind";
	if (bind(fd, (const struct sockaddr *)&f->local.ss, f->local.len) < 0)
		goto fail;
	call = "connect";
	if (connect(fd, (const struct sockaddr *)&f->peer.ss, f->peer.len) < 0)
		goto fail;
	call = "epoll_ctl";
	if (ep_add(f->px, fd, EPOLLIN, &f->client_h) < 0)
		goto fail;
	return 0;
fail:
	log_msg(&f->px->log, LVL_WARN, "%s %s: %s", f->tag, call, strerror(errno));
	return -1;
}

/* The upstream socket: records set before connect(). Return: 0, or -1. */
static int flow_upstream_socket(struct udp_flow *f, const struct redirect_info *ri, const char *how)
{
	struct proxy *px = f->px;
	const char *records = "none";
	char d[ADDR_STRLEN], e[32];
	const char *call = "socket";
	int fd, err;

	addr_format(&f->dst, d, sizeof(d));
	fd = socket(f->dst.ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	f->upstream_fd = fd;
	if (ri->records && px->cfg.drop_records) {
		records = "dropped (--drop-records)";
	} else if (ri->records) {
		err = redirect_set_records(fd, ri);
		if (err) {
			/* This side's (no CAP_NET_ADMIN, no module), not the peer's. */
			log_msg(&px->log, LVL_ERROR,
				"%s WSAIoctl(SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS): %s; dropping "
				"the flow",
				f->tag, redirect_error_name(err, e, sizeof(e)));
			return -1;
		}
		records = "handed on";
	}
	call = "connect";
	if (connect(fd, (const struct sockaddr *)&f->dst.ss, f->dst.len) < 0)
		goto fail;
	call = "epoll_ctl";
	if (ep_add(px, fd, EPOLLIN, &f->upstream_h) < 0)
		goto fail;
	log_msg(&px->log, LVL_INFO, "%s relaying to %s (from %s), records %s", f->tag, d, how,
		records);
	return 0;
fail:
	log_msg(&px->log, LVL_WARN, "%s upstream %s: %s: %s", f->tag, d, call, strerror(errno));
	return -1;
}

/* Make the upstream side, or leave the flow a sink. */
static void flow_start(struct udp_flow *f)
{
	struct proxy *px = f->px;
	struct redirect_info ri;
	char p[ADDR_STRLEN], l[ADDR_STRLEN], d[ADDR_STRLEN], e[32];
	const char *how;

	addr_format(&f->peer, p, sizeof(p));
	addr_format(&f->local, l, sizeof(l));
	log_msg(&px->log, LVL_INFO, "%s flow %s -> %s", f->tag, p, l);
	redirect_query(f->client_fd, &ri);
	redirect_log(px, f->tag, &ri);
	if (ri.records_err && !redirect_not_redirected(ri.records_err))
		log_msg(&px->log, LVL_WARN,
			"%s WSAIoctl(SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS): %s", f->tag,
			redirect_error_name(ri.records_err, e, sizeof(e)));
	how = redirect_destination(px, f->client_fd, IPPROTO_UDP, &ri, &f->local, &f->dst);
	if (px->cfg.require_records && !ri.records)
		proxy_refused(px, "%s from %s refused: no redirect records (--require-records)",
			      f->tag, p);
	else if (!how)
		proxy_refused(px,
			      "%s from %s to %s refused: not redirected, no original destination",
			      f->tag, p, l);
	else if (proxy_is_own_address(px, IPPROTO_UDP, &f->dst) || addr_equal(&f->dst, &f->local))
		log_msg(&px->log, LVL_WARN, "%s from %s: destination %s is this proxy; dropping",
			f->tag, p, addr_format(&f->dst, d, sizeof(d)));
	else if (flow_upstream_socket(f, &ri, how) == 0)
		goto out;
	/* A sink: datagrams from the peer are dropped until the flow is idle. */
	if (f->upstream_fd >= 0)
		close(f->upstream_fd);
	f->upstream_fd = -1;
out:
	redirect_info_free(&ri);
}

static void flow_new(struct listener *ls, const struct addr *peer, const struct addr *local,
		     size_t len)
{
	struct proxy *px = ls->px;
	struct udp_flow *f = calloc(1, sizeof(*f));

	if (!f) {
		log_msg(&px->log, LVL_ERROR, "udp: calloc: %s", strerror(ENOMEM));
		return;
	}
	f->px = px;
	snprintf(f->tag, sizeof(f->tag), "udp#%llu", (unsigned long long)++px->next_id);
	f->ls_id = ls->id;
	f->client_h.fn = client_event;
	f->upstream_h.fn = upstream_event;
	f->client_fd = f->upstream_fd = -1;
	f->peer = *peer;
	f->local = *local;
	f->start_ms = f->last_ms = px->now_ms;
	f->next = px->flows;
	if (f->next)
		f->next->prev = f;
	px->flows = f;
	px->active++;
	if (flow_client_socket(f) < 0) {
		flow_close(f, "no flow socket");
		return;
	}
	flow_start(f);
	flow_send(f, 0, px->dgram, len);
}

static struct udp_flow *flow_find(struct proxy *px, const struct listener *ls,
				  const struct addr *peer)
{
	for (struct udp_flow *f = px->flows; f; f = f->next)
		if (f->ls_id == ls->id && addr_equal(&f->peer, peer))
			return f;
	return NULL;
}

/* The datagram's local address, from IP_PKTINFO or IPV6_PKTINFO. */
static void local_address(const struct listener *ls, struct msghdr *msg, struct addr *local)
{
	*local = ls->addr;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_PKTINFO &&
		    local->ss.ss_family == AF_INET) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			((struct sockaddr_in *)&local->ss)->sin_addr = pi.ipi_addr;
		} else if (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
			   local->ss.ss_family == AF_INET6) {
			struct in6_pktinfo pi;
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&local->ss;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			sin6->sin6_addr = pi.ipi6_addr;
			if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
				sin6->sin6_scope_id = pi.ipi6_ifindex;
		}
	}
}

void udp_readable(struct listener *ls)
{
	struct proxy *px = ls->px;

	for (int i = 0; i < UDP_BATCH && !px->stopping; i++) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				 CMSG_SPACE(sizeof(struct in_pktinfo))];
		} control;
		struct iovec iov = { .iov_base = px->dgram, .iov_len = UDP_DGRAM_MAX };
		struct addr peer, local;
		struct msghdr msg = {
			.msg_name = &peer.ss,
			.msg_namelen = sizeof(peer.ss),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = control.buf,
			.msg_controllen = sizeof(control.buf),
		};
		struct udp_flow *f;
		unsigned long suppressed;
		ssize_t n = recvmsg(ls->fd, &msg, 0);

		if (n < 0) {
			if (errno == EAGAIN)
				return;
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;
			if (ratelimit_ok(&px->error_rl, px->now_ms, &suppressed))
				log_msg(&px->log, LVL_WARN,
					"udp recvmsg: %s (%lu similar errors suppressed)",
					strerror(errno), suppressed);
			return;
		}
		peer.len = msg.msg_namelen;
		/* Raced with the flow's socket, or arrived before it existed. */
		f = flow_find(px, ls, &peer);
		if (f) {
			flow_send(f, 0, px->dgram, (size_t)n);
			continue;
		}
		if (!proxy_admit(px, "udp flow", &peer))
			continue;
		local_address(ls, &msg, &local);
		flow_new(ls, &peer, &local, (size_t)n);
	}
}

/*
 * Idle timeouts. UDP has no end of its own: while draining, a flow silent
 * for a second counts as finished (an exchange in flight has had its
 * answer), so that a reply still arrives but the drain does not wait out
 * --udp-idle for every flow.
 */
void udp_sweep(struct proxy *px)
{
	int64_t idle_ms = (int64_t)px->cfg.udp_idle * 1000;
	struct udp_flow *f = px->flows;

	if (px->draining && idle_ms > 1000)
		idle_ms = 1000;

	while (f) {
		struct udp_flow *next = f->next;

		if (px->now_ms - f->last_ms >= idle_ms)
			flow_close(f, "idle");
		f = next;
	}
}

void udp_reap(struct proxy *px)
{
	while (px->dead_flows) {
		struct udp_flow *f = px->dead_flows;

		px->dead_flows = f->next;
		free(f);
	}
}

void udp_close_all(struct proxy *px, const char *why)
{
	while (px->flows)
		flow_close(px->flows, why);
}
