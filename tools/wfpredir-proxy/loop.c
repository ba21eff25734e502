// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredir-proxy: the event loop. One epoll instance serves the listeners,
 * every connection and flow, and a signalfd for SIGINT, SIGTERM and SIGHUP.
 * Objects closed while a batch of events is dispatched are only unlinked;
 * they are freed after the batch, so a later event of the same batch never
 * points to freed memory. A tick twice a second enforces connect timeouts
 * and UDP idle timeouts and resumes listeners paused for lack of
 * descriptors.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "proxy.h"

#define LOOP_EVENTS 128
#define LOOP_TICK_MS 500
/* Descriptors: a TCP connection has two sockets and two pipes. */
#define FDS_PER_CONN 6
#define FDS_SPARE 64

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ep_add(struct proxy *px, int fd, uint32_t events, struct handler *h)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	return epoll_ctl(px->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int ep_mod(struct proxy *px, int fd, uint32_t events, struct handler *h)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	return epoll_ctl(px->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void ep_del(struct proxy *px, int fd)
{
	(void)epoll_ctl(px->epfd, EPOLL_CTL_DEL, fd, NULL);
}

/* Whether a is one of the proxy's own listening addresses (loop guard). */
bool proxy_is_own_address(const struct proxy *px, int proto, const struct addr *a)
{
	for (size_t i = 0; i < px->n_listeners; i++)
		if (px->listeners[i].proto == proto && addr_equal(&px->listeners[i].addr, a))
			return true;
	return false;
}

/*
 * A notice about a connection or flow turned away. With -v every one is
 * logged; otherwise one a second, with a count of those held back, so that
 * a scan or a flood cannot flood the log.
 */
void proxy_refused(struct proxy *px, const char *fmt, ...)
{
	unsigned long suppressed = 0;
	char msg[512];
	va_list ap;

	if (!log_enabled(&px->log, LVL_INFO) &&
	    !ratelimit_ok(&px->refuse_rl, px->now_ms, &suppressed))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (suppressed)
		log_msg(&px->log, LVL_NOTICE, "%s (%lu similar messages suppressed)", msg,
			suppressed);
	else
		log_msg(&px->log, LVL_NOTICE, "%s", msg);
}

/* Whether one more connection or flow fits under --max-conns. */
bool proxy_admit(struct proxy *px, const char *what, const struct addr *peer)
{
	char p[ADDR_STRLEN];

	if (px->active < px->cfg.max_conns)
		return true;
	proxy_refused(px, "refusing %s from %s: --max-conns %u reached", what,
		      addr_format(peer, p, sizeof(p)), px->cfg.max_conns);
	return false;
}

static void listener_event(struct handler *h, uint32_t events)
{
	struct listener *ls = container_of(h, struct listener, h);

	(void)events;
	if (ls->proto == IPPROTO_TCP)
		tcp_accept(ls);
	else
		udp_readable(ls);
}

static void signal_event(struct handler *h, uint32_t events)
{
	struct proxy *px = container_of(h, struct proxy, sig_h);
	struct signalfd_siginfo si;

	(void)events;
	while (read(px->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_reopen(&px->log);
		} else if (!px->stopping) {
			log_msg(&px->log, LVL_NOTICE, "%s: shutting down",
				strsignal((int)si.ssi_signo));
			px->stopping = true;
		}
	}
}

static int listener_open(struct proxy *px, struct listener *ls, const struct listen_spec *spec)
{
	const int one = 1;
	int type = spec->proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	const char *pname = spec->proto == IPPROTO_TCP ? "tcp" : "udp";
	char a[ADDR_STRLEN];
	socklen_t len = sizeof(ls->addr.ss);

	ls->px = px;
	ls->proto = spec->proto;
	ls->h.fn = listener_event;
	ls->addr = spec->addr;
	addr_format(&spec->addr, a, sizeof(a));
	ls->fd = socket(spec->addr.ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ls->fd < 0) {
		log_msg(&px->log, LVL_ERROR, "%s %s: socket: %s", pname, a, strerror(errno));
		return -1;
	}
	if (setsockopt(ls->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (spec->addr.ss.ss_family == AF_INET6 &&
	     setsockopt(ls->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)) {
		log_msg(&px->log, LVL_ERROR, "%s %s: setsockopt: %s", pname, a, strerror(errno));
		return -1;
	}
	if (bind(ls->fd, (const struct sockaddr *)&spec->addr.ss, spec->addr.len) < 0) {
		log_msg(&px->log, LVL_ERROR, "%s %s: bind: %s", pname, a, strerror(errno));
		return -1;
	}
	if (getsockname(ls->fd, (struct sockaddr *)&ls->addr.ss, &len) < 0) {
		log_msg(&px->log, LVL_ERROR, "%s %s: getsockname: %s", pname, a, strerror(errno));
		return -1;
	}
	ls->addr.len = len;
	if (spec->proto == IPPROTO_TCP && listen(ls->fd, SOMAXCONN) < 0) {
		log_msg(&px->log, LVL_ERROR, "%s %s: listen: %s", pname, a, strerror(errno));
		return -1;
	}
	if (spec->proto == IPPROTO_UDP && udp_listener_setup(ls) < 0) {
		log_msg(&px->log, LVL_ERROR, "%s %s: setsockopt: %s", pname, a, strerror(errno));
		return -1;
	}
	if (ep_add(px, ls->fd, EPOLLIN, &ls->h) < 0) {
		log_msg(&px->log, LVL_ERROR, "%s %s: epoll_ctl: %s", pname, a, strerror(errno));
		return -1;
	}
	log_msg(&px->log, LVL_NOTICE, "listening on %s %s", pname,
		addr_format(&ls->addr, a, sizeof(a)));
	return 0;
}

/* Enough descriptors for --max-conns, as far as the hard limit allows. */
static void raise_nofile(struct proxy *px)
{
	rlim_t want = (rlim_t)px->cfg.max_conns * FDS_PER_CONN + FDS_SPARE;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < want)
		log_msg(&px->log, LVL_WARN,
			"RLIMIT_NOFILE is %llu, below the %llu descriptors --max-conns %u may need; "
			"connections past it are refused",
			(unsigned long long)rl.rlim_cur, (unsigned long long)want,
			px->cfg.max_conns);
}

/* Return: 0, or -1 after logging why. proxy_close() cleans up either way. */
int proxy_open(struct proxy *px)
{
	sigset_t set;

	px->epfd = px->sigfd = -1;
	for (size_t i = 0; i < PROXY_MAX_LISTENERS; i++)
		px->listeners[i].fd = -1;
	px->now_ms = now_ms();
	raise_nofile(px);
	px->dgram = malloc(UDP_DGRAM_MAX);
	if (!px->dgram) {
		log_msg(&px->log, LVL_ERROR, "malloc: %s", strerror(ENOMEM));
		return -1;
	}
	px->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (px->epfd < 0) {
		log_msg(&px->log, LVL_ERROR, "epoll_create1: %s", strerror(errno));
		return -1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		log_msg(&px->log, LVL_ERROR, "sigprocmask: %s", strerror(errno));
		return -1;
	}
	px->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (px->sigfd < 0) {
		log_msg(&px->log, LVL_ERROR, "signalfd: %s", strerror(errno));
		return -1;
	}
	px->sig_h.fn = signal_event;
	if (ep_add(px, px->sigfd, EPOLLIN, &px->sig_h) < 0) {
		log_msg(&px->log, LVL_ERROR, "epoll_ctl: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < px->cfg.n_listen; i++) {
		px->n_listeners = i + 1;
		if (listener_open(px, &px->listeners[i], &px->cfg.listen[i]))
			return -1;
	}
	return 0;
}

static void tick(struct proxy *px)
{
	tcp_sweep(px);
	udp_sweep(px);
	for (size_t i = 0; i < px->n_listeners; i++) {
		struct listener *ls = &px->listeners[i];

		if (ls->paused && ep_mod(px, ls->fd, EPOLLIN, &ls->h) == 0)
			ls->paused = false;
	}
}

/* Return: EXIT_OK after a shutdown signal, EXIT_FAILED if epoll fails. */
int proxy_run(struct proxy *px)
{
	struct epoll_event evs[LOOP_EVENTS];
	int64_t next_tick = now_ms() + LOOP_TICK_MS;

	while (!px->stopping) {
		int n, timeout;

		px->now_ms = now_ms();
		timeout = next_tick > px->now_ms ? (int)(next_tick - px->now_ms) : 0;
		n = epoll_wait(px->epfd, evs, LOOP_EVENTS, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_msg(&px->log, LVL_ERROR, "epoll_wait: %s", strerror(errno));
			return EXIT_FAILED;
		}
		px->now_ms = now_ms();
		for (int i = 0; i < n && !px->stopping; i++) {
			struct handler *h = evs[i].data.ptr;

			h->fn(h, evs[i].events);
		}
		tcp_reap(px);
		udp_reap(px);
		if (px->now_ms >= next_tick) {
			tick(px);
			tcp_reap(px);
			udp_reap(px);
			next_tick = px->now_ms + LOOP_TICK_MS;
		}
	}
	return EXIT_OK;
}

/* Stops accepting first, then closes every connection and flow. */
void proxy_close(struct proxy *px)
{
	for (size_t i = 0; i < px->n_listeners; i++) {
		if (px->listeners[i].fd >= 0)
			close(px->listeners[i].fd);
		px->listeners[i].fd = -1;
	}
	tcp_close_all(px);
	udp_close_all(px);
	tcp_reap(px);
	udp_reap(px);
	if (px->sigfd >= 0)
		close(px->sigfd);
	if (px->epfd >= 0)
		close(px->epfd);
	px->sigfd = px->epfd = -1;
	free(px->dgram);
	px->dgram = NULL;
}
