// SPDX-License-Identifier: GPL-2.0
/*
 * allocsweep: fail the allocations of one new flow's first packet in the
 * wfpredir NAT hook, one after the other, with the kernel's fault injection
 * (/proc/thread-self/fail-nth), and tell after each where the flow went;
 * for tests/kselftest/alloc_failure_hook.sh and alloc_failure_kapi.sh.
 *
 *   allocsweep hook [-N NS] -p tcp|udp -f 4|6|m -m client|records|inherit
 *                   [-A] -o ORIGIN -1 SVC1 [-2 SVC2] -t orig|svc1|svc2
 *                   -e ENTRIES -s SERVICE [-n MAX] [-u UID] [-T SECS] [-K]
 *   allocsweep write -F N FILE TEXT
 *
 * hook: one process plays every part, so that each step costs system calls,
 * not process starts. It listens (TCP) or binds (UDP) at ORIGIN (the
 * address a rule sends to SVC1), SVC1 and SVC2, ADDR:PORT each, all of one
 * family (-f m: IPv4 ones; the client is then an AF_INET6 socket sending to
 * their v4-mapped addresses). Step N (1, 2, ...) opens the swept socket:
 *   client   the client's own socket, sending to ORIGIN
 *   records  a proxy's onward socket: a client first connects to ORIGIN
 *            (not swept), the connection is accepted at SVC1, its records
 *            are set on a new socket, which connects to ORIGIN
 *   inherit  the same, records not set: a legacy proxy's onward socket,
 *            whose chain the kernel infers (inherit.c); -A: two clients'
 *            flows are held, so that it cannot tell whose (service-only
 *            entries)
 * and arms fail-nth with N right before its connect() (TCP) or first
 * sendto() (UDP): the N-th slab allocation of that call, in this task,
 * fails. The call's error, whether the fault was injected (fail-nth reads 0
 * after), and the namespace's nomem counter before and after tell what
 * happened; then which listener got the flow, and what records and context
 * it carries there. The sweep ends with the first step whose call made
 * fewer than N allocations, or at MAX (default 64). Each step's sockets
 * belong to a uid of their own (the file-system uid, from UID, default
 * 50000, two a step): the flow store allocates an owner for a uid's first
 * flow, and every step must reach it. The process stays on CPU 0: the
 * route and slab caches are per CPU, and a step that found a route cached
 * where the one before had to allocate it would shift every later
 * allocation by one, skipping one of the hook's. -K marks each step in the kernel log
 * ("allocsweep: step N") and paces the steps, so that the stack dump of each
 * injected failure (failslab's verbose=2) shows which allocation it was.
 *
 * One line per step:
 *   step N injected=0|1 call=ERRNO nomem=+D landed=orig|svc1|svc2|none
 *        records=ok|ERRNO entries=K last=SERVICE so=0|1 context=ok|ERRNO
 *        verdict=WORD
 * (so=1: the first entry is service-only.) WORD is one of
 *   refused   the hook refused the flow for want of memory: ECONNREFUSED,
 *             counted in nomem
 *   error     the call failed with another errno, nomem unchanged: an
 *             allocation of the stack outside the hook
 *   absorbed  the fault was injected and the flow still went where it
 *             should, with its records: a retransmitted SYN, or an
 *             allocation whose failure costs nothing but a hint
 *   lost      UDP: sent, nomem unchanged, and the datagram never came: the
 *             stack dropped it after the hook, as UDP may
 *   clean     the last step, no fault injected: went where it should
 *   bad       anything else: a refusal not counted or counted but not
 *             told, a flow that reached ORIGIN while it should have been
 *             redirected (a bypass), another service, nobody, or got
 *             there without its records or context
 * and at the end one line:
 *   sweep steps=S refused=R errors=E absorbed=A lost=L bad=B
 *         errnos=NAME:COUNT,... final=clean|bad|none
 * Exit status 0 when no step is bad and the last one is clean, 1 otherwise,
 * 2 when the command line or the setup fails.
 *
 * write: open FILE, arm fail-nth with N, write TEXT to it (one write()),
 * print "ERRNO injected=0|1" (ok for a write that succeeded). For a
 * control file whose write runs a kernel call in the writer's context.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/wfpredir.h>
#include <wfpredir.h>

#include "common/helper.h"

enum { L_ORIG, L_SVC1, L_SVC2, L_NONE };
static const char *const lname[] = { "orig", "svc1", "svc2", "none" };

static struct {
	bool udp;
	char fam; /* '4', '6' or 'm' */
	const char *mode;
	bool ambiguous;
	struct sockaddr_storage addr[3];
	bool have[3];
	int target;
	int entries;
	uint32_t service;
	int max;
	unsigned int uid;
	int timeout_ms;
	bool kmsg;
} o = { .max = 64, .uid = 50000, .timeout_ms = 5000 };

static int listener[3] = { -1, -1, -1 };
static int nth_fd = -1;
static int kmsg_fd = -1;
static struct wfpredir_ctl *ctl;

/* For -K: name the step in the kernel log, slowly enough for its dump. */
static void kmsg_mark(int n)
{
	char line[64];
	int len = snprintf(line, sizeof(line), "allocsweep: step %d\n", n);

	if (write(kmsg_fd, line, (size_t)len) != len)
		die("/dev/kmsg: %s", strerror(errno));
	/* failslab's dumps are rate limited to ten in five seconds */
	usleep(600000);
}

static void usage(void)
{
	die("usage: allocsweep hook [-N NS] -p tcp|udp -f 4|6|m -m client|records|inherit [-A] "
	    "-o ORIGIN -1 SVC1 [-2 SVC2] -t orig|svc1|svc2 -e ENTRIES -s SERVICE [-n MAX] "
	    "[-u UID] [-T SECS] [-K]\n       allocsweep write -F N FILE TEXT");
}

static void nth_arm(unsigned int n)
{
	char val[16];
	int len = snprintf(val, sizeof(val), "%u", n);

	if (pwrite(nth_fd, val, (size_t)len, 0) != len)
		die("write fail-nth: %s", strerror(errno));
}

/*
 * Whether the armed fault was injected (fail-nth reads 0 once it was), and
 * disarm it: left armed, it would fail an allocation of a later call.
 */
static bool nth_injected(void)
{
	char val[16] = "";
	ssize_t n = pread(nth_fd, val, sizeof(val) - 1, 0);

	if (n <= 0)
		die("read fail-nth: %s", n < 0 ? strerror(errno) : "empty");
	nth_arm(0);
	return atoi(val) == 0;
}

static void nth_open(void)
{
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0)
		die("open /proc/thread-self/fail-nth: %s", strerror(errno));
}

/* The address of listener @i as the client sends to it. */
static socklen_t dest(int i, struct sockaddr_storage *ss)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&o.addr[i];
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	if (o.fam != 'm') {
		*ss = o.addr[i];
		return ss_len(ss);
	}
	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = sin->sin_port;
	sin6->sin6_addr.s6_addr[10] = 0xff;
	sin6->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&sin6->sin6_addr.s6_addr[12], &sin->sin_addr, 4);
	return sizeof(*sin6);
}

static int client_socket(void)
{
	int family = o.fam == '4' ? AF_INET : AF_INET6;
	int fd = socket(family, o.udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	struct timeval tv = { .tv_sec = o.timeout_ms / 1000 };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (fd < 0)
		die("socket: %s", strerror(errno));
	/* connect() waits this long for a retransmitted SYN's answer */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* closed with a reset: no TIME_WAIT, the flow goes at once */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	return fd;
}

static void open_listeners(void)
{
	char a[INET6_ADDRSTRLEN];
	int i;

	for (i = 0; i < 3; i++) {
		const struct sockaddr_storage *ss = &o.addr[i];
		const void *ip =
			ss->ss_family == AF_INET6
				? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
				: (const void *)&((const struct sockaddr_in *)ss)->sin_addr;
		int port = ntohs(ss->ss_family == AF_INET6
					 ? ((const struct sockaddr_in6 *)ss)->sin6_port
					 : ((const struct sockaddr_in *)ss)->sin_port);

		if (!o.have[i])
			continue;
		inet_ntop(ss->ss_family, ip, a, sizeof(a));
		listener[i] = open_bound(ss->ss_family, o.udp ? SOCK_DGRAM : SOCK_STREAM, a, port);
		if (!o.udp && listen(listener[i], 16) < 0)
			die("listen: %s", strerror(errno));
	}
}

/* Which listener has something within @ms: the flow's landing place. */
static int landed(int ms)
{
	struct pollfd p[3];
	int i, n = 0, idx[3];

	for (i = 0; i < 3; i++) {
		if (listener[i] < 0)
			continue;
		p[n].fd = listener[i];
		p[n].events = POLLIN;
		idx[n++] = i;
	}
	if (poll(p, (nfds_t)n, ms) <= 0)
		return L_NONE;
	for (i = 0; i < n; i++)
		if (p[i].revents & POLLIN)
			return idx[i];
	return L_NONE;
}

static int accept_rst(int l)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	return fd;
}

static uint64_t nomem(void)
{
	struct wfpredir_info info;
	int err = wfpredir_ctl_get_info(ctl, &info);

	if (err)
		die("get info: %s", strerror(-err));
	return info.nomem;
}

/* What a flow carries where it landed. */
struct found {
	int records; /* 0 or -errno */
	int entries;
	uint32_t last;
	bool service_only;
	int context;	  /* 0 or -errno */
	bool context_dst; /* the context names ORIGIN */
};

static void inspect(int fd, struct found *f)
{
	uint8_t buf[4096];
	struct sockaddr_storage dst, want;
	size_t len = sizeof(buf);

	memset(f, 0, sizeof(*f));
	f->records = wfpredir_query_records(fd, buf, &len);
	if (!f->records) {
		struct wfpredir_record_info e[WFPREDIR_RECORDS_MAX_ENTRIES];
		int n = wfpredir_records_decode(buf, len, NULL, e, WFPREDIR_RECORDS_MAX_ENTRIES);
		if (n < 0) {
			f->records = n;
		} else {
			f->entries = n;
			f->last = n ? e[n - 1].service_id : 0;
			f->service_only = n && (e[0].flags & WFPREDIR_RECORD_F_SERVICE_ONLY);
		}
	}
	len = sizeof(buf);
	f->context = wfpredir_query_context(fd, buf, &len);
	if (!f->context && !wfpredir_context_decode(buf, len, &dst, NULL, NULL)) {
		want = o.addr[L_ORIG];
		f->context_dst = dst.ss_family == want.ss_family &&
				 !memcmp(&dst, &want, ss_len(&want));
	}
}

/* Whether @f is what the flow must carry where it was meant to go. */
static bool found_good(const struct found *f)
{
	bool redirected = o.target != L_ORIG;

	if (f->records || f->entries != o.entries || f->last != o.service ||
	    f->service_only != o.ambiguous)
		return false;
	/* A flow that only carries records it was given has no context. */
	return redirected ? !f->context && f->context_dst : f->context == -ENODATA;
}

/* A client's connection to ORIGIN, which a rule sends to SVC1. */
static int held_client(void)
{
	struct sockaddr_storage ss;
	socklen_t sl = dest(L_ORIG, &ss);
	int fd = client_socket();

	if (connect(fd, (struct sockaddr *)&ss, sl) < 0)
		die("the client's connection (not swept): %s", strerror(errno));
	return fd;
}

/* Its other end at SVC1: what a proxy holds. */
static int held_accept(void)
{
	int fd;

	if (landed(o.timeout_ms) != L_SVC1)
		die("the client's connection did not reach SVC1");
	fd = accept_rst(listener[L_SVC1]);
	if (fd < 0)
		die("accept: %s", strerror(errno));
	return fd;
}

struct tally {
	int steps, refused, errors, absorbed, lost, bad;
	int errno_count[160];
	const char *final;
};

/* One step; returns whether the fault was injected (the sweep goes on). */
static bool step(int n, struct tally *t)
{
	int cfd[2] = { -1, -1 }, afd[2] = { -1, -1 }, fd, got = -1, err = 0, where;
	unsigned int uid = o.uid + 2 * (unsigned int)n;
	uint8_t rec[4096];
	size_t rlen = sizeof(rec);
	struct sockaddr_storage ss;
	socklen_t sl = dest(L_ORIG, &ss);
	struct found f = { .records = -ENOENT, .context = -ENOENT };
	uint64_t before, after;
	const char *verdict;
	bool injected, proxy = strcmp(o.mode, "client") != 0;
	int i;

	/* The clients' flows are charged to one uid... */
	setfsuid(uid);
	if (proxy) {
		cfd[0] = held_client();
		if (o.ambiguous)
			cfd[1] = held_client();
	}
	/*
	 * ...the swept one to another, whose first flow it is. The proxy
	 * accepts after the change: inheritance compares the credentials a
	 * held socket was accepted under with the sender's, and setfsuid()
	 * replaces them.
	 */
	setfsuid(uid + 1);
	if (proxy) {
		afd[0] = held_accept();
		if (o.ambiguous)
			afd[1] = held_accept();
		if (!strcmp(o.mode, "records")) {
			int e = wfpredir_query_records(afd[0], rec, &rlen);

			if (e)
				die("records of the held connection: %s", strerror(-e));
		}
	}
	fd = client_socket();
	if (!strcmp(o.mode, "records")) {
		int e = wfpredir_set_records(fd, rec, rlen);

		if (e)
			die("set records: %s", strerror(-e));
	}
	if (o.kmsg)
		kmsg_mark(n);
	before = nomem();
	nth_arm((unsigned int)n);
	if (o.udp)
		got = (int)sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, sl);
	else
		got = connect(fd, (struct sockaddr *)&ss, sl);
	if (got < 0)
		err = errno;
	injected = nth_injected();
	after = nomem();

	where = L_NONE;
	if (!err) {
		where = landed(o.udp ? 1500 : o.timeout_ms);
		if (where != L_NONE) {
			int l = listener[where];

			if (o.udp) {
				char b[16];

				inspect(l, &f);
				recv(l, b, sizeof(b), MSG_DONTWAIT);
			} else {
				int s = accept_rst(l);

				if (s >= 0) {
					inspect(s, &f);
					close(s);
				}
			}
		}
	}

	if (!injected && !err && after == before && where == o.target && found_good(&f))
		verdict = "clean";
	else if (!injected)
		verdict = "bad";
	else if (err == ECONNREFUSED && after == before + 1)
		verdict = "refused";
	else if (err && err != ECONNREFUSED && after == before)
		verdict = "error";
	else if (!err && after == before && where == o.target && found_good(&f))
		verdict = "absorbed";
	else if (!err && after == before && o.udp && where == L_NONE)
		verdict = "lost";
	else
		verdict = "bad";

	printf("step %d injected=%d call=%s nomem=+%llu landed=%s records=%s entries=%d last=%u "
	       "so=%d context=%s verdict=%s\n",
	       n, injected, errno_name(err), (unsigned long long)(after - before), lname[where],
	       errno_name(f.records), f.entries, f.last, f.service_only, errno_name(f.context),
	       verdict);
	fflush(stdout);

	t->steps++;
	if (!strcmp(verdict, "refused"))
		t->refused++;
	else if (!strcmp(verdict, "error"))
		t->errors++;
	else if (!strcmp(verdict, "absorbed"))
		t->absorbed++;
	else if (!strcmp(verdict, "lost"))
		t->lost++;
	else if (!strcmp(verdict, "bad"))
		t->bad++;
	if (!strcmp(verdict, "error") && err < (int)(sizeof(t->errno_count) / sizeof(int)))
		t->errno_count[err]++;
	if (!injected)
		t->final = strcmp(verdict, "clean") ? "bad" : "clean";

	close(fd);
	for (i = 0; i < 2; i++) {
		if (afd[i] >= 0)
			close(afd[i]);
		if (cfd[i] >= 0)
			close(cfd[i]);
	}
	setfsuid(0);
	return injected;
}

static int run_hook(int argc, char **argv)
{
	struct tally t = { .final = "none" };
	const char *ns = NULL, *sep = "";
	cpu_set_t cpus;
	int c, n, err;

	o.target = -1;
	while ((c = getopt(argc, argv, "N:p:f:m:Ao:1:2:t:e:s:n:u:T:K")) != -1) {
		switch (c) {
		case 'N':
			ns = optarg;
			break;
		case 'p':
			if (strcmp(optarg, "tcp") && strcmp(optarg, "udp"))
				usage();
			o.udp = !strcmp(optarg, "udp");
			break;
		case 'f':
			if (strcmp(optarg, "4") && strcmp(optarg, "6") && strcmp(optarg, "m"))
				usage();
			o.fam = optarg[0];
			break;
		case 'm':
			o.mode = optarg;
			break;
		case 'A':
			o.ambiguous = true;
			break;
		case 'o':
		case '1':
		case '2':
			n = c == 'o' ? L_ORIG : c == '1' ? L_SVC1 : L_SVC2;
			parse_addr(optarg, &o.addr[n]);
			o.have[n] = true;
			break;
		case 't':
			for (n = 0; n < L_NONE && strcmp(optarg, lname[n]); n++)
				;
			if (n == L_NONE)
				usage();
			o.target = n;
			break;
		case 'e':
			o.entries = atoi(optarg);
			break;
		case 's':
			o.service = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			o.max = atoi(optarg);
			break;
		case 'u':
			o.uid = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'T':
			o.timeout_ms = atoi(optarg) * 1000;
			break;
		case 'K':
			o.kmsg = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !o.fam || !o.mode || o.target < 0 || !o.have[L_ORIG] ||
	    !o.have[L_SVC1] || !o.have[o.target] || o.max < 1 ||
	    (strcmp(o.mode, "client") && strcmp(o.mode, "records") && strcmp(o.mode, "inherit")) ||
	    (o.ambiguous && strcmp(o.mode, "inherit")) || (o.udp && strcmp(o.mode, "client")))
		usage();
	for (n = 0; n < 3; n++)
		if (o.have[n] && (o.addr[n].ss_family == AF_INET6) != (o.fam == '6'))
			die("-f %c wants %s addresses", o.fam, o.fam == '6' ? "IPv6" : "IPv4");

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus) < 0)
		die("sched_setaffinity: %s", strerror(errno));
	if (ns)
		enter_netns(ns);
	ctl = wfpredir_ctl_open(&err);
	if (!ctl)
		die("wfpredir_ctl_open: %s", strerror(-err));
	open_listeners();
	nth_open();
	/* opened as root: the steps run under other file-system uids */
	if (o.kmsg) {
		kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
		if (kmsg_fd < 0)
			die("/dev/kmsg: %s", strerror(errno));
	}

	for (n = 1; n <= o.max; n++)
		if (!step(n, &t))
			break;

	printf("sweep steps=%d refused=%d errors=%d absorbed=%d lost=%d bad=%d errnos=", t.steps,
	       t.refused, t.errors, t.absorbed, t.lost, t.bad);
	for (n = 0; n < (int)(sizeof(t.errno_count) / sizeof(int)); n++) {
		if (t.errno_count[n]) {
			printf("%s%s:%d", sep, errno_name(n), t.errno_count[n]);
			sep = ",";
		}
	}
	printf("%s final=%s\n", *sep ? "" : "none", t.final);
	wfpredir_ctl_close(ctl);
	return t.bad || strcmp(t.final, "clean") ? 1 : 0;
}

static int run_write(int argc, char **argv)
{
	unsigned int n = 0;
	size_t len;
	bool injected;
	int c, fd, err = 0;

	while ((c = getopt(argc, argv, "F:")) != -1) {
		if (c != 'F')
			usage();
		n = (unsigned int)strtoul(optarg, NULL, 10);
	}
	if (argc - optind != 2)
		usage();
	fd = open(argv[optind], O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", argv[optind], strerror(errno));
	nth_open();
	len = strlen(argv[optind + 1]);
	nth_arm(n);
	if (write(fd, argv[optind + 1], len) != (ssize_t)len)
		err = errno ? errno : EIO;
	injected = n && nth_injected();
	printf("%s injected=%d\n", errno_name(err), injected);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "hook"))
		return run_hook(argc - 1, argv + 1);
	if (!strcmp(argv[1], "write"))
		return run_write(argc - 1, argv + 1);
	usage();
}
