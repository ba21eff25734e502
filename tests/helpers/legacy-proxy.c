// SPDX-License-Identifier: GPL-2.0
/*
 * legacy-proxy: a transparent proxy written before wfpredir, the kind that
 * drops records: it never sets or reads them. For TCP it takes each
 * accepted connection to its original destination, read with
 * SO_ORIGINAL_DST (IPv4) or IP6T_SO_ORIGINAL_DST (IPv6); for UDP, where
 * conntrack gives no original destination to a socket, it relays each
 * client to a fixed upstream. The loop tests run it behind a rule that
 * matches its own onward connections, in the shapes real proxies take,
 * because inheritance can only link what it can see:
 *
 *   legacy-proxy [MODE] [-d MS] [-n MAX] -t ADDR:PORT...
 *   legacy-proxy [-P N] [-d MS] [-n MAX] -u ADDR:PORT... -U UPSTREAM
 *   legacy-proxy --client half|close|rst|udp|udp-retry ADDR:PORT
 *
 *   MODE (TCP):
 *   --threads     (default) one process: it accepts, and a thread per
 *                 connection connects onward
 *   --fork        a child per accepted connection connects onward (socat,
 *                 inetd)
 *   --prefork N   N worker processes, each with its own SO_REUSEPORT
 *                 listener on every address, each accepts and connects
 *   --pass-fd     the process that accepts passes each socket over a unix
 *                 socket to a worker that connects onward; the worker is
 *                 exec'd, and is not the acceptor's child nor its parent
 *                 (it is started through a process that exits at once), so
 *                 it holds nothing of the acceptor's credentials
 *   -P N          UDP only: as --prefork, N workers with SO_REUSEPORT
 *                 sockets (default: one process, a thread per client)
 *   -d MS         connect onward MS milliseconds after the accept (or the
 *                 client's first datagram)
 *   -I SECS       give a TCP connection up after SECS seconds without a byte
 *                 either way (default 30), with a reset both ways: a
 *                 stream cut short must not look complete to either end
 *   -n MAX        take at most MAX connections or UDP clients per accepting
 *                 process, then close what arrives: a test's loop can never
 *                 take every descriptor, however it goes wrong
 *   --client      the clients the loop tests send through such proxies: one
 *                 connection that sends "x\n", then: half, shuts its side
 *                 down and prints the answer once the connection ends;
 *                 close, closes at once and prints "sent"; rst, waits for
 *                 the answer and resets (SO_LINGER 0) with its side still
 *                 open, printing the answer; udp, one datagram, prints the
 *                 answer; udp-retry, as udp, but sent again every 5 s
 *                 while no answer came, as a resolver would, each resend
 *                 said on stderr. "noreply" when none came within 20 s.
 *
 * Both directions are relayed; an end of stream is passed on as
 * shutdown(SHUT_WR), a reset as a reset (SO_LINGER 0). UDP clients are
 * forgotten after 10 s without an answer from upstream.
 *
 * Output, line by line:
 *   listening                       every listener (and worker) is ready
 *   conn orig=ADDR:PORT             an accepted connection and where it goes
 *   client peer=ADDR:PORT           a new UDP client
 *   connect=ERRNO dst=ADDR:PORT     an onward connection that failed
 *   quiet MS orig=ADDR:PORT ...     a connection that had no byte either
 *                                   way for MS (over 10 000) ms, then went on
 *   idle orig=ADDR:PORT ...         one given up after -I SECS, reset
 *   worker ppid=P acceptor=A        --pass-fd: the worker's parent, and the
 *                                   acceptor's pid (never the same)
 * Exit status: 2 on a usage or setup failure; otherwise it runs until
 * killed, and every process it started dies with it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/helper.h"

#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

#define MAX_LISTEN 8
#define MAX_CLIENTS 64
/* A silence this long is printed (a "quiet" line): a stall worth knowing of. */
#define QUIET_MS 10000
#define UDP_IDLE_S 10

enum mode { MODE_THREADS, MODE_FORK, MODE_PREFORK, MODE_PASS_FD };

static enum mode mode = MODE_THREADS;
static int workers = 1;
static int delay_ms;
static int idle_ms = 30000;
static long max_conns = -1;
static bool udp;
static const char *addrs[MAX_LISTEN];
static int n_addrs;
static struct sockaddr_storage upstream;

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Every process this one starts dies with it. */
static void die_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent)
		_exit(0);
}

static int listener(const char *addr, bool reuseport)
{
	struct sockaddr_storage ss;
	socklen_t len = parse_addr(addr, &ss);
	int one = 1, fd;

	fd = socket(ss.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
		die("SO_REUSEPORT: %s", strerror(errno));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len))
		die("bind %s: %s", addr, strerror(errno));
	if (!udp && listen(fd, 64))
		die("listen %s: %s", addr, strerror(errno));
	return fd;
}

static void open_listeners(int *fds, bool reuseport)
{
	for (int i = 0; i < n_addrs; i++)
		fds[i] = listener(addrs[i], reuseport);
}

/* The next socket ready on one of @fds (blocking); its index. */
static int wait_ready(const int *fds)
{
	struct pollfd p[MAX_LISTEN];

	for (int i = 0; i < n_addrs; i++)
		p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	for (;;) {
		if (poll(p, (nfds_t)n_addrs, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		for (int i = 0; i < n_addrs; i++)
			if (p[i].revents)
				return i;
	}
}

/* Accept one connection, or -1; past -n MAX, close it at once. */
static int take(int lfd, long *taken)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return -1;
	if (max_conns >= 0 && ++*taken > max_conns) {
		close(fd);
		return -1;
	}
	return fd;
}

static void reset_close(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static bool write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/*
 * Both directions until both ended: an end of stream goes on as SHUT_WR, a
 * reset (or a failed write) resets the other side too. Closes both.
 */
static void relay(int a, int b, const char *orig)
{
	int fd[2] = { a, b };
	bool open[2] = { true, true };
	unsigned long long moved[2] = { 0, 0 };
	char buf[16384];

	while (open[0] || open[1]) {
		struct pollfd p[2];
		int64_t t0 = now_ms();
		int n;

		for (int i = 0; i < 2; i++)
			p[i] = (struct pollfd){ .fd = open[i] ? fd[i] : -1, .events = POLLIN };
		n = poll(p, 2, idle_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			printf("idle orig=%s client->origin %llu origin->client %llu open %d %d\n",
			       orig, moved[0], moved[1], open[0], open[1]);
			reset_close(a);
			reset_close(b);
			return;
		}
		if (now_ms() - t0 > QUIET_MS)
			printf("quiet %lld orig=%s client->origin %llu origin->client %llu\n",
			       (long long)(now_ms() - t0), orig, moved[0], moved[1]);
		for (int i = 0; i < 2; i++) {
			ssize_t got;

			if (!open[i] || !p[i].revents)
				continue;
			got = recv(fd[i], buf, sizeof(buf), 0);
			if (got > 0 && write_all(fd[!i], buf, (size_t)got)) {
				moved[i] += (unsigned long long)got;
				continue;
			}
			if (got == 0) {
				shutdown(fd[!i], SHUT_WR);
				open[i] = false;
				continue;
			}
			if (got < 0 && errno == EINTR)
				continue;
			reset_close(fd[0]);
			reset_close(fd[1]);
			return;
		}
	}
	close(a);
	close(b);
}

static bool original_dst(int fd, struct sockaddr_storage *dst)
{
	socklen_t len = sizeof(*dst);
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);

	memset(dst, 0, sizeof(*dst));
	if (getsockname(fd, (struct sockaddr *)&local, &llen))
		return false;
	if (local.ss_family == AF_INET6)
		return !getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, dst, &len);
	return !getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, dst, &len);
}

/* One accepted connection, start to end, in whatever process or thread. */
static void serve_conn(int cfd)
{
	struct sockaddr_storage dst;
	char text[INET6_ADDRSTRLEN + 16];
	int ufd;

	if (!original_dst(cfd, &dst)) {
		printf("orig=%s\n", errno_name(errno));
		reset_close(cfd);
		return;
	}
	format_addr(&dst, text, sizeof(text));
	printf("conn orig=%s\n", text);
	if (delay_ms)
		sleep_ms(delay_ms);
	ufd = socket(dst.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ufd < 0 || connect(ufd, (struct sockaddr *)&dst, ss_len(&dst))) {
		printf("connect=%s dst=%s\n", errno_name(errno), text);
		if (ufd >= 0)
			close(ufd);
		reset_close(cfd);
		return;
	}
	relay(cfd, ufd, text);
}

static void *conn_thread(void *arg)
{
	serve_conn((int)(intptr_t)arg);
	return NULL;
}

static void spawn_conn_thread(int cfd)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, conn_thread, (void *)(intptr_t)cfd)) {
		reset_close(cfd);
		printf("thread=failed\n");
	}
	pthread_attr_destroy(&attr);
}

/* --threads, and each --prefork worker: accept here, connect in a thread. */
static __attribute__((noreturn)) void tcp_threads(const int *lfds)
{
	long taken = 0;

	for (;;) {
		int cfd = take(lfds[wait_ready(lfds)], &taken);

		if (cfd >= 0)
			spawn_conn_thread(cfd);
	}
}

static __attribute__((noreturn)) void tcp_fork(const int *lfds)
{
	pid_t self = getpid();
	long taken = 0;

	signal(SIGCHLD, SIG_IGN); /* children reap themselves */
	for (;;) {
		int cfd = take(lfds[wait_ready(lfds)], &taken);
		pid_t pid;

		if (cfd < 0)
			continue;
		pid = fork();
		if (pid == 0) {
			die_with_parent(self);
			for (int i = 0; i < n_addrs; i++)
				close(lfds[i]);
			serve_conn(cfd);
			_exit(0);
		}
		if (pid < 0)
			reset_close(cfd);
		else
			close(cfd);
	}
}

/* One datagram socket: a thread per client, relaying to the upstream. */
struct client {
	struct sockaddr_storage peer;
	int lfd;
	int ufd; /* -1 until connected onward */
	bool used;
	char first[2048];
	size_t first_len;
};

static struct client clients[MAX_CLIENTS];
static pthread_mutex_t clients_lock = PTHREAD_MUTEX_INITIALIZER;

static bool same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	return a->ss_family == b->ss_family && !memcmp(a, b, ss_len(a));
}

static void *udp_client_thread(void *arg)
{
	struct client *c = arg;
	struct timeval tv = { .tv_sec = UDP_IDLE_S };
	char buf[2048];
	int ufd;

	if (delay_ms)
		sleep_ms(delay_ms);
	ufd = socket(upstream.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ufd < 0 || connect(ufd, (struct sockaddr *)&upstream, ss_len(&upstream)) ||
	    send(ufd, c->first, c->first_len, 0) < 0) {
		printf("connect=%s dst=upstream\n", errno_name(errno));
		goto out;
	}
	setsockopt(ufd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	pthread_mutex_lock(&clients_lock);
	c->ufd = ufd;
	pthread_mutex_unlock(&clients_lock);
	for (;;) {
		ssize_t n = recv(ufd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		sendto(c->lfd, buf, (size_t)n, 0, (struct sockaddr *)&c->peer, ss_len(&c->peer));
	}
out:
	pthread_mutex_lock(&clients_lock);
	c->ufd = -1;
	c->used = false;
	pthread_mutex_unlock(&clients_lock);
	if (ufd >= 0)
		close(ufd);
	return NULL;
}

static void udp_datagram(int lfd, long *taken)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	char buf[2048], text[INET6_ADDRSTRLEN + 16];
	struct client *c = NULL, *slot = NULL;
	pthread_t t;
	ssize_t n;

	memset(&peer, 0, sizeof(peer));
	n = recvfrom(lfd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen);
	if (n < 0)
		return;
	pthread_mutex_lock(&clients_lock);
	for (int i = 0; i < MAX_CLIENTS && !c; i++) {
		if (clients[i].used && clients[i].lfd == lfd && same_peer(&clients[i].peer, &peer))
			c = &clients[i];
		else if (!clients[i].used && !slot)
			slot = &clients[i];
	}
	if (c) {
		if (c->ufd >= 0)
			send(c->ufd, buf, (size_t)n, 0);
		pthread_mutex_unlock(&clients_lock);
		return;
	}
	if (!slot || (max_conns >= 0 && ++*taken > max_conns)) {
		pthread_mutex_unlock(&clients_lock);
		return;
	}
	*slot = (struct client){ .peer = peer, .lfd = lfd, .ufd = -1, .used = true };
	memcpy(slot->first, buf, (size_t)n);
	slot->first_len = (size_t)n;
	pthread_mutex_unlock(&clients_lock);
	format_addr(&peer, text, sizeof(text));
	printf("client peer=%s\n", text);
	if (pthread_create(&t, NULL, udp_client_thread, slot)) {
		pthread_mutex_lock(&clients_lock);
		slot->used = false;
		pthread_mutex_unlock(&clients_lock);
		return;
	}
	pthread_detach(t);
}

static __attribute__((noreturn)) void udp_serve(const int *lfds)
{
	long taken = 0;

	for (;;)
		udp_datagram(lfds[wait_ready(lfds)], &taken);
}

/* A --prefork worker (or -P for UDP): its own listeners, told ready on @ready. */
static __attribute__((noreturn)) void prefork_worker(pid_t parent, int ready)
{
	int lfds[MAX_LISTEN];

	die_with_parent(parent);
	open_listeners(lfds, true);
	if (write(ready, "r", 1) != 1)
		_exit(2);
	close(ready);
	if (udp)
		udp_serve(lfds);
	tcp_threads(lfds);
}

static __attribute__((noreturn)) void prefork(void)
{
	pid_t self = getpid();
	int ready[2];
	char c;

	if (pipe(ready))
		die("pipe: %s", strerror(errno));
	for (int i = 0; i < workers; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			close(ready[0]);
			prefork_worker(self, ready[1]);
		}
	}
	close(ready[1]);
	for (int i = 0; i < workers; i++)
		if (read(ready[0], &c, 1) != 1)
			die("a worker did not start");
	printf("listening\n");
	for (;;) {
		/* A worker that dies takes the proxy with it: the test sees it. */
		if (wait(NULL) > 0)
			die("a worker exited");
		if (errno != EINTR)
			die("wait: %s", strerror(errno));
	}
}

/* --pass-fd, the worker: sockets come over @unix_fd; it connects onward. */
static __attribute__((noreturn)) void pass_fd_worker(int unix_fd, pid_t acceptor)
{
	printf("worker ppid=%d acceptor=%d\n", (int)getppid(), (int)acceptor);
	if (getppid() == acceptor)
		die("the worker is the acceptor's child");
	if (write(unix_fd, "r", 1) != 1)
		die("cannot tell the acceptor: %s", strerror(errno));
	for (;;) {
		char byte, cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { &byte, 1 };
		struct msghdr m = { .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm;
		ssize_t n = recvmsg(unix_fd, &m, MSG_CMSG_CLOEXEC);
		int cfd;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0); /* the acceptor is gone: so is the proxy */
		cm = CMSG_FIRSTHDR(&m);
		if (!cm || cm->cmsg_type != SCM_RIGHTS)
			continue;
		memcpy(&cfd, CMSG_DATA(cm), sizeof(cfd));
		spawn_conn_thread(cfd);
	}
}

static bool pass(int unix_fd, int cfd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { "f", 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &cfd, sizeof(cfd));
	return sendmsg(unix_fd, &m, MSG_NOSIGNAL) == 1;
}

/*
 * --pass-fd, the acceptor. The worker is exec'd from a grandchild whose
 * parent exits at once, so that it is reparented away from here: neither
 * its credentials nor its parent's are the ones the accepted sockets were
 * opened under.
 */
static __attribute__((noreturn)) void pass_fd(const int *lfds, const char *argv0)
{
	char fdtext[16], pidtext[16], delaytext[16], c;
	long taken = 0;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair: %s", strerror(errno));
	snprintf(fdtext, sizeof(fdtext), "%d", sv[1]);
	snprintf(pidtext, sizeof(pidtext), "%d", (int)getpid());
	snprintf(delaytext, sizeof(delaytext), "%d", delay_ms);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(sv[0]);
		for (int i = 0; i < n_addrs; i++)
			close(lfds[i]);
		if (fork() == 0) {
			execl("/proc/self/exe", argv0, "--worker", fdtext, pidtext, "-d", delaytext,
			      (char *)NULL);
			_exit(127);
		}
		_exit(0);
	}
	close(sv[1]);
	waitpid(pid, NULL, 0);
	if (read(sv[0], &c, 1) != 1)
		die("the worker did not start");
	printf("listening\n");
	for (;;) {
		int cfd = take(lfds[wait_ready(lfds)], &taken);

		if (cfd < 0)
			continue;
		if (pass(sv[0], cfd))
			close(cfd);
		else
			reset_close(cfd);
	}
}

/* recv(), sending the request again while the wait runs out and @sends last. */
static ssize_t recv_resending(int fd, char *buf, size_t room, int *sends)
{
	ssize_t n;

	while ((n = recv(fd, buf, room, 0)) < 0 && errno == EAGAIN && --*sends > 0) {
		fprintf(stderr, "no answer in 5 s: sent again\n");
		if (send(fd, "x\n", 2, 0) != 2)
			break;
	}
	return n;
}

/* --client: one connection (or datagram) shaped as @how; 0 when it ran. */
static int client(const char *how, const char *addr)
{
	bool retry = !strcmp(how, "udp-retry");
	struct timeval tv = { .tv_sec = retry ? 5 : 20 };
	struct sockaddr_storage dst;
	socklen_t len = parse_addr(addr, &dst);
	bool dgram = retry || !strcmp(how, "udp");
	int sends = retry ? 4 : 1;
	char buf[512];
	size_t got = 0;
	ssize_t n;
	int fd;

	fd = socket(dst.ss_family, dgram ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&dst, len) || send(fd, "x\n", 2, 0) != 2) {
		printf("%s\n", errno_name(errno));
		return 1;
	}
	if (!strcmp(how, "close")) {
		close(fd);
		printf("sent\n");
		return 0;
	}
	if (!strcmp(how, "half"))
		shutdown(fd, SHUT_WR);
	/* half: until the end of the stream; else one answer */
	do {
		n = recv_resending(fd, buf + got, sizeof(buf) - 1 - got, &sends);
		if (n > 0)
			got += (size_t)n;
	} while (n > 0 && got < sizeof(buf) - 1 && !strcmp(how, "half"));
	while (got && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
		got--;
	buf[got] = '\0';
	if (!strcmp(how, "rst"))
		reset_close(fd);
	else
		close(fd);
	printf("%s\n", got ? buf : "noreply");
	return 0;
}

static __attribute__((noreturn)) void usage(void)
{
	die("usage: legacy-proxy [--threads|--fork|--prefork N|--pass-fd] [-d MS] [-I SECS] "
	    "[-n MAX] -t ADDR:PORT...\n"
	    "       legacy-proxy [-P N] [-d MS] [-n MAX] -u ADDR:PORT... -U ADDR:PORT\n"
	    "       legacy-proxy --client half|close|rst|udp|udp-retry ADDR:PORT");
}

static int number(const char *s)
{
	char *end;
	long v = strtol(s ? s : "", &end, 10);

	if (!s || !*s || *end || v < 0 || v > 1000000)
		usage();
	return (int)v;
}

int main(int argc, char **argv)
{
	int lfds[MAX_LISTEN];
	bool have_upstream = false;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = argv[i + 1];

		if (!strcmp(a, "--client") && argc == i + 3) {
			if (strcmp(v, "half") && strcmp(v, "close") && strcmp(v, "rst") &&
			    strcmp(v, "udp") && strcmp(v, "udp-retry"))
				usage();
			return client(v, argv[i + 2]);
		} else if (!strcmp(a, "--worker") && i + 2 < argc) {
			int fd = number(argv[i + 1]);
			pid_t acceptor = number(argv[i + 2]);

			if (i + 4 < argc && !strcmp(argv[i + 3], "-d"))
				delay_ms = number(argv[i + 4]);
			pass_fd_worker(fd, acceptor);
		} else if (!strcmp(a, "--threads")) {
			mode = MODE_THREADS;
		} else if (!strcmp(a, "--fork")) {
			mode = MODE_FORK;
		} else if (!strcmp(a, "--prefork") || !strcmp(a, "-P")) {
			mode = MODE_PREFORK;
			workers = number(v);
			i++;
		} else if (!strcmp(a, "--pass-fd")) {
			mode = MODE_PASS_FD;
		} else if (!strcmp(a, "-d") || !strcmp(a, "--delay")) {
			delay_ms = number(v);
			i++;
		} else if (!strcmp(a, "-I")) {
			idle_ms = number(v) * 1000;
			i++;
		} else if (!strcmp(a, "-n")) {
			max_conns = number(v);
			i++;
		} else if ((!strcmp(a, "-t") || !strcmp(a, "-u")) && v && n_addrs < MAX_LISTEN) {
			udp = a[1] == 'u';
			addrs[n_addrs++] = v;
			i++;
		} else if (!strcmp(a, "-U") && v) {
			parse_addr(v, &upstream);
			have_upstream = true;
			i++;
		} else {
			usage();
		}
	}
	if (!n_addrs || workers < 1 || udp != have_upstream ||
	    (udp && (mode == MODE_FORK || mode == MODE_PASS_FD)))
		usage();
	if (mode == MODE_PREFORK)
		prefork();
	open_listeners(lfds, false);
	if (mode != MODE_PASS_FD)
		printf("listening\n");
	if (udp)
		udp_serve(lfds);
	switch (mode) {
	case MODE_FORK:
		tcp_fork(lfds);
	case MODE_PASS_FD:
		pass_fd(lfds, argv[0]);
	default:
		tcp_threads(lfds);
	}
}
