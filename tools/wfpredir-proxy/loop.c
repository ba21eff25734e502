// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredir-proxy: the event loop. One epoll instance serves the listeners,
 * every connection and flow, and a signalfd for SIGINT, SIGTERM and SIGHUP.
 * Objects closed while a batch of events is dispatched are only unlinked;
 * they are freed after the batch, so a later event of the same batch never
 * points to freed memory. A tick twice a second enforces connect timeouts
 * and UDP idle timeouts and resumes listeners paused for lack of
 * descriptors.
 *
 * The first SIGTERM or SIGINT closes the listeners and lets what is open
 * drain for up to --drain-timeout; a second one ends it at once. SIGHUP
 * reloads the -c file: everything but the pidfile changes at run time,
 * listeners included, and established connections stay.
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

static void signal_event(struct handler *h, uint32_t events);

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
	for (size_t i = 0; i < PROXY_LISTENER_SLOTS; i++)
		if (px->listeners[i].fd >= 0 && px->listeners[i].proto == proto &&
		    addr_equal(&px->listeners[i].addr, a))
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
	/* Closed by a signal handled earlier in the same batch. */
	if (ls->fd < 0)
		return;
	if (ls->proto == IPPROTO_TCP)
		tcp_accept(ls);
	else
		udp_readable(ls);
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
	ls->spec = *spec;
	ls->id = ++px->next_listener_id;
	ls->paused = false;
	ls->addr = spec->addr;
	addr_format(&spec->addr, a, sizeof(a));
	ls->fd = socket(spec->addr.ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ls->fd < 0) {
		log_msg(&px->log, LVL_ERROR, "%s %s: socket: %s", pname, a, strerror(errno));
		return -1;
	}
	/* From here a failure leaves ls->fd for listener_close() to close. */
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

static void listener_close(struct proxy *px, struct listener *ls, bool say)
{
	if (ls->fd < 0)
		return;
	ep_del(px, ls->fd);
	close(ls->fd);
	ls->fd = -1;
	if (say) {
		char a[ADDR_STRLEN];

		log_msg(&px->log, LVL_NOTICE, "stopped listening on %s %s",
			ls->proto == IPPROTO_TCP ? "tcp" : "udp",
			addr_format(&ls->addr, a, sizeof(a)));
	}
}

static void listeners_close(struct proxy *px, bool say)
{
	for (size_t i = 0; i < PROXY_LISTENER_SLOTS; i++)
		listener_close(px, &px->listeners[i], say);
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
	for (size_t i = 0; i < PROXY_LISTENER_SLOTS; i++)
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
	for (size_t i = 0; i < px->cfg.n_listen; i++)
		if (listener_open(px, &px->listeners[i], &px->cfg.listen[i]))
			return -1;
	return 0;
}

static void tick(struct proxy *px)
{
	tcp_sweep(px);
	udp_sweep(px);
	for (size_t i = 0; i < PROXY_LISTENER_SLOTS; i++) {
		struct listener *ls = &px->listeners[i];

		if (ls->fd >= 0 && ls->paused && ep_mod(px, ls->fd, EPOLLIN, &ls->h) == 0)
			ls->paused = false;
	}
	if (px->active != px->status_active)
		proxy_status(px);
}

/* The service manager's one-line status: what is open now. */
void proxy_status(struct proxy *px)
{
	unsigned int udp = px->active - px->tcp_active;

	px->status_active = px->active;
	if (px->draining)
		notify_send(&px->notify, "STATUS=Draining: %u TCP connections, %u UDP flows left",
			    px->tcp_active, udp);
	else
		notify_send(&px->notify, "STATUS=%u TCP connections, %u UDP flows", px->tcp_active,
			    udp);
}

/* The first SIGTERM or SIGINT: stop accepting, let what is open finish. */
static void drain_start(struct proxy *px, int sig)
{
	px->draining = true;
	px->drain_deadline_ms = px->now_ms + (int64_t)px->cfg.drain_timeout * 1000;
	notify_send(&px->notify, "STOPPING=1");
	listeners_close(px, false);
	log_msg(&px->log, LVL_NOTICE,
		"%s: shutting down: no longer listening; %u TCP connections and %u UDP flows "
		"may finish within %u s (drain-timeout)",
		strsignal(sig), px->tcp_active, px->active - px->tcp_active, px->cfg.drain_timeout);
	proxy_status(px);
}

/* Leave the loop once nothing is left or the drain timeout has passed. */
static void drain_check(struct proxy *px)
{
	if (px->active == 0) {
		log_msg(&px->log, LVL_NOTICE, "drained: every connection has finished");
		px->stopping = true;
	} else if (px->now_ms >= px->drain_deadline_ms) {
		log_msg(&px->log, LVL_NOTICE,
			"drain-timeout %u s reached: closing %u TCP connections and %u UDP flows",
			px->cfg.drain_timeout, px->tcp_active, px->active - px->tcp_active);
		tcp_close_all(px, "drain timeout");
		udp_close_all(px, "drain timeout");
		px->stopping = true;
	}
}

/* Whether two listener specs are the same listener (port 0 included). */
static bool spec_equal(const struct listen_spec *a, const struct listen_spec *b)
{
	return a->proto == b->proto && addr_equal(&a->addr, &b->addr);
}

/*
 * Bring the listeners to what cfg asks: keep those that stay, open the new
 * ones first, then close those no longer asked for. When a new one cannot
 * be opened, those just opened are closed again and nothing changes.
 * Return: 0 or -1.
 */
static int listeners_apply(struct proxy *px, const struct config *cfg)
{
	bool keep[PROXY_LISTENER_SLOTS] = { false };
	bool opened[PROXY_LISTENER_SLOTS] = { false };
	size_t i, j, slot = 0;

	for (i = 0; i < cfg->n_listen; i++) {
		for (j = 0; j < PROXY_LISTENER_SLOTS; j++)
			if (px->listeners[j].fd >= 0 && !opened[j] && !keep[j] &&
			    spec_equal(&px->listeners[j].spec, &cfg->listen[i]))
				break;
		if (j < PROXY_LISTENER_SLOTS) {
			keep[j] = true;
			continue;
		}
		while (slot < PROXY_LISTENER_SLOTS && px->listeners[slot].fd >= 0)
			slot++;
		/* Cannot happen: twice the listeners one configuration may have. */
		if (slot == PROXY_LISTENER_SLOTS)
			goto undo;
		opened[slot] = true;
		if (listener_open(px, &px->listeners[slot], &cfg->listen[i]))
			goto undo;
	}
	for (j = 0; j < PROXY_LISTENER_SLOTS; j++)
		if (!keep[j] && !opened[j])
			listener_close(px, &px->listeners[j], true);
	return 0;
undo:
	for (j = 0; j < PROXY_LISTENER_SLOTS; j++)
		if (opened[j])
			listener_close(px, &px->listeners[j], false);
	return -1;
}

/* Log one setting a reload changed. */
static void reload_changed(struct proxy *px, const char *opt, unsigned int from, unsigned int to)
{
	if (from != to)
		log_msg(&px->log, LVL_NOTICE, "reload: %s %u -> %u", opt, from, to);
}

/*
 * SIGHUP with -c: read the file again and apply it, the command line's
 * options still winning. A file with an error, or a listener that cannot
 * be opened, leaves the running configuration as it was.
 */
static void proxy_reload(struct proxy *px)
{
	struct config *cfg = malloc(sizeof(*cfg));
	char err[600];

	notify_send(&px->notify, "RELOADING=1\nMONOTONIC_USEC=%lld", (long long)now_ms() * 1000);
	if (!cfg) {
		log_msg(&px->log, LVL_ERROR, "reload: malloc: %s", strerror(ENOMEM));
		goto out;
	}
	if (config_load(cfg, px->config_path, err, sizeof(err))) {
		log_msg(&px->log, LVL_ERROR, "reload: %s; keeping the running configuration", err);
		goto out;
	}
	config_merge(cfg, &px->cli);
	if (!cfg->n_listen) {
		log_msg(&px->log, LVL_ERROR,
			"reload: %s: nothing to listen on (no tcp or udp); keeping the running "
			"configuration",
			px->config_path);
		goto out;
	}
	if (listeners_apply(px, cfg)) {
		log_msg(&px->log, LVL_ERROR,
			"reload: %s: a listener could not be opened; keeping the running "
			"configuration",
			px->config_path);
		goto out;
	}
	if (strcmp(cfg->pidfile, px->cfg.pidfile)) {
		log_msg(&px->log, LVL_WARN,
			"reload: pidfile '%s' -> '%s' takes effect only at a restart",
			px->cfg.pidfile, cfg->pidfile);
		memcpy(cfg->pidfile, px->cfg.pidfile, sizeof(cfg->pidfile));
	}
	reload_changed(px, "max-conns", px->cfg.max_conns, cfg->max_conns);
	reload_changed(px, "udp-idle", px->cfg.udp_idle, cfg->udp_idle);
	reload_changed(px, "connect-timeout", px->cfg.connect_timeout, cfg->connect_timeout);
	reload_changed(px, "drain-timeout", px->cfg.drain_timeout, cfg->drain_timeout);
	reload_changed(px, "verbose", (unsigned int)px->cfg.verbose, (unsigned int)cfg->verbose);
	reload_changed(px, "drop-records", px->cfg.drop_records, cfg->drop_records);
	reload_changed(px, "require-records", px->cfg.require_records, cfg->require_records);
	reload_changed(px, "wsaioctl", px->cfg.wsaioctl, cfg->wsaioctl);
	if (px->cfg.have_to != cfg->have_to ||
	    (cfg->have_to && !addr_equal(&px->cfg.to, &cfg->to))) {
		char a[ADDR_STRLEN] = "none", b[ADDR_STRLEN] = "none";

		if (px->cfg.have_to)
			addr_format(&px->cfg.to, a, sizeof(a));
		if (cfg->have_to)
			addr_format(&cfg->to, b, sizeof(b));
		log_msg(&px->log, LVL_NOTICE, "reload: to %s -> %s", a, b);
	}
	if (strcmp(px->cfg.name, cfg->name))
		log_msg(&px->log, LVL_NOTICE, "reload: name %s -> %s", px->cfg.name, cfg->name);
	px->cfg = *cfg;
	/* The module may have been loaded since: try the hand-off again. */
	px->handoff_absent = false;
	/* px->log points into px->cfg, which now holds the new strings. */
	px->log.verbose = px->cfg.verbose;
	px->log.path = px->cfg.log_path[0] ? px->cfg.log_path : NULL;
	raise_nofile(px);
	log_msg(&px->log, LVL_NOTICE, "reloaded %s", px->config_path);
out:
	free(cfg);
	/* Also what logrotate's postrotate asks for. */
	log_reopen(&px->log);
	notify_send(&px->notify, "READY=1");
	proxy_status(px);
}

static void signal_event(struct handler *h, uint32_t events)
{
	struct proxy *px = container_of(h, struct proxy, sig_h);
	struct signalfd_siginfo si;

	(void)events;
	while (read(px->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			if (px->config_path && !px->draining)
				proxy_reload(px);
			else
				log_reopen(&px->log);
		} else if (!px->draining) {
			drain_start(px, (int)si.ssi_signo);
		} else if (!px->stopping) {
			log_msg(&px->log, LVL_NOTICE,
				"%s again: closing %u TCP connections and %u UDP flows now",
				strsignal((int)si.ssi_signo), px->tcp_active,
				px->active - px->tcp_active);
			px->stopping = true;
		}
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
		if (px->draining && !px->stopping) {
			drain_check(px);
			tcp_reap(px);
			udp_reap(px);
		}
	}
	return EXIT_OK;
}

/* Stops accepting first, then closes every connection and flow. */
void proxy_close(struct proxy *px)
{
	listeners_close(px, false);
	tcp_close_all(px, "shutdown");
	udp_close_all(px, "shutdown");
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
