// SPDX-License-Identifier: GPL-2.0
/*
 * hop: one hop of a redirect chain, made to be looked at. It stands where a
 * redirect service's proxy stands: it accepts one connection (or the first
 * datagram of one UDP flow), prints the records and context the kernel
 * gives for it, decoded, answers the client like flowpeer does, and then,
 * if asked, sets records (those it read, or a file's, optionally corrupted)
 * on a new socket and connects it onward, printing what each step returned.
 *
 *   hop [-N NS] [-u] -l ADDR:PORT [-s FILE] [-x FILE] [-C] [-T SECS] [-R MS]
 *       [-k] [-c DST [-r FILE] [-m MUTATION]... [-W FILE] | -H -c DST [-W FILE]]
 *   hop [-N NS] [-u] -r FILE [-m MUTATION]... [-W FILE] -c DST|- [-f 4|6]
 *
 *   -N   first enter network namespace NS (/run/netns/NS), as nsenter --net
 *        would, without nsenter's process
 *
 *   -l   listen there (TCP) or bind there (UDP, -u) and take one flow
 *   -s   save the accepted socket's raw records to FILE
 *   -x   save its raw context to FILE
 *   -C   also ask for both in one call (wfpredir_query_redirect(),
 *        WFPREDIR_SO_GET_REDIRECT) and compare them with the single queries
 *   -c   set records on a new socket, then connect it to DST ("-": set only,
 *        on a fresh socket of family -f, default 4)
 *   -H   with -l and -c DST: make the new socket first and hand the
 *        accepted flow's records on to it in one call, wfpredir_handoff()
 *        (WFPREDIR_SO_HANDOFF), instead of the queries and the set; the
 *        records and context lines are then those of its answer (wsa=-),
 *        and set= is the hand-off's result
 *   -n   with -c -: set them on COUNT fresh sockets, and print one line
 *        "set=ok|ERRNO count=SET" (a socket store holding many)
 *   -r   the records to set come from FILE instead of the accepted socket
 *   -m   corrupt them first: flip:OFF flips bit 0 of byte OFF (negative:
 *        from the end); truncate:N drops the last N bytes; dropentry removes
 *        the last entry and lowers the count, keeping the tag; tagfrom:FILE
 *        puts the tag of the records in FILE in place of their own
 *   -W   after setting, print "waiting" and wait until FILE exists before
 *        connecting (lets a test look at the socket store meanwhile)
 *   -T   timeout of each wait, seconds (default 10)
 *   -R   UDP: send the onward datagram again after MS milliseconds without
 *        an answer (default 1000), for 3 s in all (a lost first datagram
 *        costs the test MS, not a second)
 *   -k   keep every socket open until SIGTERM once done
 *
 * Output, one fact per line, "key=value ...":
 *   listening
 *   accepted peer=ADDR:PORT local=ADDR:PORT
 *   records=ok|ERRNO len=N wsa=ok|WSA_NAME
 *   flow_id=0x... count=N                            (records=ok)
 *   entry=I service=S rule=R family=4|6 proto=tcp|udp flags=0xF
 *         inherited=0|1 src=ADDR:PORT dst=ADDR:PORT uid=U pid=P cgroup=C
 *   context=ok|ERRNO len=N wsa=ok|WSA_NAME
 *   ctx_dst=ADDR:PORT ctx_src=ADDR:PORT ctx_uid=U ctx_pid=P ctx_cgroup=C
 *         ctx_comm=NAME                              (default layout)
 *   ctx_hex=HEX                                      (context=ok)
 *   redirect=ok|ERRNO len=N flags=0xF records_same=0|1 context_same=0|1
 *                                                    (-C; _same=1: the
 *                                                    same bytes as above)
 *   set=ok|ERRNO len=N
 *   connect=ok|ERRNO
 *   reply=LINE                                       (the answer upstream)
 * Exit status 0 unless the command line or the setup fails (2).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <endian.h>
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/wfpredir.h>
#include <wfpredir.h>

#include "common/helper.h"

#define MAX_MUT 8
#define BLOB_MAX 4096

static int timeout_s = 10;
static int udp_retry_ms = 1000;

/* An address and port from a record entry (network order). */
static void format_raw(unsigned int family, const uint8_t *addr, uint16_t port_be, char *buf,
		       size_t len)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = port_be;
		memcpy(&sin->sin_addr, addr, 4);
	} else if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port_be;
		memcpy(&sin6->sin6_addr, addr, 16);
	} else {
		ss.ss_family = (sa_family_t)family;
	}
	format_addr(&ss, buf, len);
}

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		die("cannot write %s", path);
}

static size_t read_file(const char *path, unsigned char *buf, size_t size)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		die("cannot read %s", path);
	n = fread(buf, 1, size, f);
	fclose(f);
	return n;
}

static void print_records(const unsigned char *blob, size_t len)
{
	struct wfpredir_records_hdr hdr;
	char src[64], dst[64];

	if (len < sizeof(hdr))
		return;
	memcpy(&hdr, blob, sizeof(hdr));
	printf("flow_id=0x%016llx count=%u\n", (unsigned long long)be64toh(hdr.flow_id), hdr.count);
	for (unsigned int i = 0; i < hdr.count; i++) {
		struct wfpredir_record_entry e;
		size_t off = sizeof(hdr) + i * sizeof(e);

		if (off + sizeof(e) > len)
			break;
		memcpy(&e, blob + off, sizeof(e));
		format_raw(e.family, e.orig_saddr, e.orig_sport, src, sizeof(src));
		format_raw(e.family, e.orig_daddr, e.orig_dport, dst, sizeof(dst));
		printf("entry=%u service=%u rule=%u family=%s proto=%s flags=0x%x inherited=%d "
		       "src=%s dst=%s uid=%u pid=%u cgroup=%llu\n",
		       i, ntohl(e.service_id), ntohl(e.rule_id),
		       e.family == AF_INET    ? "4"
		       : e.family == AF_INET6 ? "6"
					      : "?",
		       e.protocol == IPPROTO_TCP   ? "tcp"
		       : e.protocol == IPPROTO_UDP ? "udp"
						   : "?",
		       e.flags, !!(e.flags & WFPREDIR_RECORD_F_INHERITED), src, dst, ntohl(e.uid),
		       ntohl(e.pid), (unsigned long long)be64toh(e.cgroup_id));
	}
}

static void print_context(const unsigned char *ctx, size_t len)
{
	if (len == WFPREDIR_CONTEXT_DEFAULT_LEN) {
		struct sockaddr_storage d, s;
		struct wfpredir_context_process p;
		char ds[64], ss[64];

		memcpy(&d, ctx, sizeof(d));
		memcpy(&s, ctx + WFPREDIR_CONTEXT_SOCKADDR_LEN, sizeof(s));
		memcpy(&p, ctx + 2 * WFPREDIR_CONTEXT_SOCKADDR_LEN, sizeof(p));
		p.comm[sizeof(p.comm) - 1] = '\0';
		/* One word of text, whatever the bytes (a custom context's). */
		for (size_t i = 0; p.comm[i]; i++)
			if (!isgraph((unsigned char)p.comm[i]))
				p.comm[i] = '?';
		format_addr(&d, ds, sizeof(ds));
		format_addr(&s, ss, sizeof(ss));
		printf("ctx_dst=%s ctx_src=%s ctx_uid=%u ctx_pid=%u ctx_cgroup=%llu ctx_comm=%s\n",
		       ds, ss, p.uid, p.pid, (unsigned long long)p.cgroup_id,
		       p.comm[0] ? p.comm : "-");
	}
	printf("ctx_hex=");
	for (size_t i = 0; i < len; i++)
		printf("%02x", ctx[i]);
	printf("\n");
}

/*
 * Both in one call, compared with what the single queries gave (@reclen,
 * @ctxlen 0 where they failed).
 */
static void query_combined(int fd, const unsigned char *rec, size_t reclen,
			   const unsigned char *ctx, size_t ctxlen)
{
	static unsigned char buf[WFPREDIR_REDIRECT_MAX_LEN];
	struct wfpredir_redirect_info ri = { 0 };
	size_t len = sizeof(buf);
	int err;

	err = wfpredir_query_redirect(fd, buf, &len, &ri);
	printf("redirect=%s len=%zu flags=0x%x records_same=%d context_same=%d\n", errno_name(err),
	       err ? 0 : len, err ? 0 : (unsigned int)ri.flags,
	       !err && ri.records_len == reclen && !memcmp(ri.records, rec, reclen),
	       !err && ri.context_len == ctxlen && (!ctxlen || !memcmp(ri.context, ctx, ctxlen)));
}

/* Query one blob both ways: the native call and WSAIoctl. */
static int query(int fd, bool context, unsigned char *buf, size_t *len)
{
	DWORD code = context ? SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT
			     : SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS;
	unsigned char wbuf[BLOB_MAX];
	DWORD got = 0;
	int err, wsa = 0;

	*len = BLOB_MAX;
	err = context ? wfpredir_query_context(fd, buf, len) : wfpredir_query_records(fd, buf, len);
	if (WSAIoctl(fd, code, NULL, 0, wbuf, sizeof(wbuf), &got, NULL, NULL) != 0)
		wsa = WSAGetLastError();
	else if (!err && (got != *len || memcmp(wbuf, buf, got)))
		wsa = -1;
	printf("%s=%s len=%zu wsa=%s\n", context ? "context" : "records", errno_name(err),
	       err ? 0 : *len, wsa == -1 ? "MISMATCH" : wsa_name(wsa));
	if (err)
		*len = 0;
	return err;
}

static size_t mutate(const char *m, unsigned char *blob, size_t len)
{
	if (!strncmp(m, "flip:", 5)) {
		long off = strtol(m + 5, NULL, 0);

		if (off < 0)
			off += (long)len;
		if (off < 0 || (size_t)off >= len)
			die("flip offset outside the records: %s", m);
		blob[off] ^= 1;
		return len;
	}
	if (!strncmp(m, "truncate:", 9)) {
		size_t n = strtoul(m + 9, NULL, 0);

		return n > len ? 0 : len - n;
	}
	if (!strcmp(m, "dropentry")) {
		struct wfpredir_records_hdr hdr;
		size_t el = sizeof(struct wfpredir_record_entry);

		if (len < sizeof(hdr) + el + WFPREDIR_RECORDS_TAG_LEN)
			die("no entry to drop");
		memcpy(&hdr, blob, sizeof(hdr));
		hdr.count--;
		memcpy(blob, &hdr, sizeof(hdr));
		memmove(blob + len - WFPREDIR_RECORDS_TAG_LEN - el,
			blob + len - WFPREDIR_RECORDS_TAG_LEN, WFPREDIR_RECORDS_TAG_LEN);
		return len - el;
	}
	if (!strncmp(m, "tagfrom:", 8)) {
		unsigned char other[BLOB_MAX];
		size_t olen = read_file(m + 8, other, sizeof(other));

		if (olen < WFPREDIR_RECORDS_TAG_LEN || len < WFPREDIR_RECORDS_TAG_LEN)
			die("no tag to copy: %s", m);
		memcpy(blob + len - WFPREDIR_RECORDS_TAG_LEN,
		       other + olen - WFPREDIR_RECORDS_TAG_LEN, WFPREDIR_RECORDS_TAG_LEN);
		return len;
	}
	if (!strcmp(m, "none"))
		return len;
	die("unknown mutation %s", m);
}

static int wait_fd(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r = poll(&p, 1, timeout_s * 1000);

	if (r == 0)
		return -ETIMEDOUT;
	return r < 0 ? -errno : 0;
}

static void wait_file(const char *path)
{
	struct stat st;

	printf("waiting\n");
	fflush(stdout);
	for (int i = 0; i < timeout_s * 20; i++) {
		if (stat(path, &st) == 0)
			return;
		usleep(50000);
	}
	die("%s did not appear", path);
}

/*
 * -H: the onward socket for DST, given the records of the flow accepted as
 * @c in one call; prints what the queries and the set would print, and
 * copies the records and the context (*@reclen, *@ctxlen 0: none).
 */
static int handoff(int c, bool udp, const char *dst, unsigned char *rec, size_t *reclen,
		   unsigned char *ctx, size_t *ctxlen)
{
	static unsigned char buf[BLOB_MAX];
	struct wfpredir_redirect_info info;
	struct sockaddr_storage ss;
	size_t len = sizeof(buf);
	int fd, err;

	parse_addr(dst, &ss);
	fd = socket(ss.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	err = wfpredir_handoff(fd, c, buf, &len, &info);
	*reclen = err ? 0 : info.records_len;
	*ctxlen = err || !info.context ? 0 : info.context_len;
	if (*reclen)
		memcpy(rec, info.records, *reclen);
	if (*ctxlen)
		memcpy(ctx, info.context, *ctxlen);
	printf("records=%s len=%zu wsa=-\n", errno_name(err), *reclen);
	if (!err)
		print_records(rec, *reclen);
	printf("context=%s len=%zu wsa=-\n",
	       err	 ? errno_name(err)
	       : *ctxlen ? "ok"
			 : "ENODATA",
	       *ctxlen);
	if (*ctxlen)
		print_context(ctx, *ctxlen);
	printf("set=%s len=%zu\n", errno_name(err), *reclen);
	fflush(stdout);
	return fd;
}

/*
 * Sets records on a new socket and connects it; returns the socket or -1.
 * @fd: -1, or -H's socket, which holds its records already.
 */
static int onward(int fd, int family, bool udp, const char *dst, const unsigned char *rec,
		  size_t reclen, const char *waitfile)
{
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	bool handed = fd >= 0;
	int err, fl;

	if (strcmp(dst, "-")) {
		sl = parse_addr(dst, &ss);
		family = ss.ss_family;
	}
	if (!handed)
		fd = socket(family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (handed) {
		/* handoff() said how that went */
	} else if (rec) {
		err = wfpredir_set_records(fd, rec, reclen);
		printf("set=%s len=%zu\n", errno_name(err), reclen);
	} else {
		printf("set=none len=0\n");
	}
	fflush(stdout);
	if (waitfile)
		wait_file(waitfile);
	if (!sl)
		return fd;

	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	err = connect(fd, (struct sockaddr *)&ss, sl) < 0 ? -errno : 0;
	if (err == -EINPROGRESS) {
		int soerr = 0;
		socklen_t el = sizeof(soerr);

		err = wait_fd(fd, POLLOUT);
		if (!err) {
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el);
			err = -soerr;
		}
	}
	printf("connect=%s\n", errno_name(err));
	fflush(stdout);
	if (err) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fl);

	/* one round trip with a flowpeer server */
	int tries_max = udp ? (3000 + udp_retry_ms - 1) / udp_retry_ms : 1;

	for (int tries = 0; tries < tries_max; tries++) {
		char buf[1024];
		ssize_t r;
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (send(fd, "hop", 3, MSG_NOSIGNAL) < 0) {
			printf("reply=%s\n", errno_name(errno));
			break;
		}
		if (poll(&p, 1, udp ? udp_retry_ms : timeout_s * 1000) <= 0) {
			if (tries == tries_max - 1)
				printf("reply=ETIMEDOUT\n");
			continue;
		}
		r = recv(fd, buf, sizeof(buf) - 1, 0);
		if (r < 0) {
			printf("reply=%s\n", errno_name(errno));
			break;
		}
		buf[r] = '\0';
		buf[strcspn(buf, "\r\n")] = '\0';
		printf("reply=%s\n", r ? buf : "EOF");
		break;
	}
	fflush(stdout);
	return fd;
}

/* Sets records on @count fresh sockets, kept open; prints how many took. */
static void set_many(int family, bool udp, const unsigned char *rec, size_t reclen,
		     unsigned long count)
{
	unsigned long done = 0;
	int err = 0;

	raise_nofile();
	while (done < count) {
		int fd = socket(family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);

		if (fd < 0) {
			err = errno;
			break;
		}
		err = wfpredir_set_records(fd, rec, reclen);
		if (err) {
			close(fd);
			break;
		}
		done++;
	}
	printf("set=%s count=%lu\n", errno_name(err), done);
	fflush(stdout);
}

/* Accepts one connection, or the first datagram of a UDP flow. */
static int take_one(const char *at, bool udp, char *msg, size_t msglen)
{
	struct sockaddr_storage ss, peer, local;
	socklen_t sl = parse_addr(at, &ss), pl = sizeof(peer), ll = sizeof(local);
	char ps[64], ls[64];
	int fd, c, one = 1;
	ssize_t r;

	fd = socket(ss.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		die("bind %s: %s", at, strerror(errno));
	if (!udp && listen(fd, 8) < 0)
		die("listen: %s", strerror(errno));
	printf("listening\n");
	fflush(stdout);

	if (wait_fd(fd, POLLIN))
		die("nothing arrived within %d s", timeout_s);
	if (udp) {
		r = recvfrom(fd, msg, msglen - 1, 0, (struct sockaddr *)&peer, &pl);
		if (r < 0)
			die("recvfrom: %s", strerror(errno));
		/* the flow's own socket: bound here, connected to the client */
		c = socket(ss.ss_family, SOCK_DGRAM, 0);
		if (c < 0)
			die("socket: %s", strerror(errno));
		setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ss.ss_family == AF_INET6)
			setsockopt(c, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(c, (struct sockaddr *)&ss, sl) < 0 ||
		    connect(c, (struct sockaddr *)&peer, pl) < 0)
			die("UDP flow socket: %s", strerror(errno));
		close(fd);
	} else {
		c = accept(fd, (struct sockaddr *)&peer, &pl);
		if (c < 0)
			die("accept: %s", strerror(errno));
		close(fd);
		if (wait_fd(c, POLLIN))
			die("the client sent nothing within %d s", timeout_s);
		r = recv(c, msg, msglen - 1, 0);
		if (r < 0)
			r = 0;
	}
	msg[r] = '\0';
	msg[strcspn(msg, "\r\n")] = '\0';
	getsockname(c, (struct sockaddr *)&local, &ll);
	format_addr(&peer, ps, sizeof(ps));
	format_addr(&local, ls, sizeof(ls));
	printf("accepted peer=%s local=%s\n", ps, ls);
	return c;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	const char *listen_at = NULL, *save_rec = NULL, *save_ctx = NULL, *dst = NULL;
	const char *rec_file = NULL, *waitfile = NULL, *mut[MAX_MUT];
	static unsigned char rec[BLOB_MAX];
	size_t reclen = 0, ctxlen = 0, nmut = 0;
	bool udp = false, keep = false, have_rec = false, hand = false;
	bool combined = false;
	int opt, family = AF_INET, c = -1, up = -1;
	unsigned long many = 0;
	struct sigaction sa = { .sa_handler = on_signal };

	while ((opt = getopt(argc, argv, "N:ul:s:x:Cc:r:m:W:T:R:f:kn:H")) != -1) {
		switch (opt) {
		case 'N':
			enter_netns(optarg);
			break;
		case 'u':
			udp = true;
			break;
		case 'l':
			listen_at = optarg;
			break;
		case 's':
			save_rec = optarg;
			break;
		case 'x':
			save_ctx = optarg;
			break;
		case 'C':
			combined = true;
			break;
		case 'c':
			dst = optarg;
			break;
		case 'r':
			rec_file = optarg;
			break;
		case 'm':
			if (nmut == MAX_MUT)
				die("too many -m");
			mut[nmut++] = optarg;
			break;
		case 'W':
			waitfile = optarg;
			break;
		case 'T':
			timeout_s = atoi(optarg);
			break;
		case 'R':
			udp_retry_ms = atoi(optarg);
			if (udp_retry_ms < 1 || udp_retry_ms > 3000)
				die("-R wants milliseconds from 1 to 3000");
			break;
		case 'f':
			family = !strcmp(optarg, "6") ? AF_INET6 : AF_INET;
			break;
		case 'k':
			keep = true;
			break;
		case 'H':
			hand = true;
			break;
		case 'n':
			many = strtoul(optarg, NULL, 10);
			if (!many || many > 1000000)
				die("-n wants a count from 1 to 1000000");
			break;
		default:
			exit(2);
		}
	}
	if (optind != argc || (!listen_at && !(rec_file && dst)) ||
	    (hand && (!listen_at || !dst || !strcmp(dst, "-") || rec_file || nmut || many)))
		die("usage: see the comment at the top of tests/helpers/hop.c");
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (listen_at) {
		static unsigned char ctx[BLOB_MAX];
		char msg[512], out[700], ps[64];
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);

		c = take_one(listen_at, udp, msg, sizeof(msg));
		if (hand) {
			up = handoff(c, udp, dst, rec, &reclen, ctx, &ctxlen);
			if (save_rec && reclen)
				write_file(save_rec, rec, reclen);
			if (save_ctx && ctxlen)
				write_file(save_ctx, ctx, ctxlen);
		} else {
			if (!query(c, false, rec, &reclen)) {
				have_rec = true;
				print_records(rec, reclen);
				if (save_rec)
					write_file(save_rec, rec, reclen);
			}
			if (!query(c, true, ctx, &ctxlen)) {
				print_context(ctx, ctxlen);
				if (save_ctx)
					write_file(save_ctx, ctx, ctxlen);
			}
		}
		if (combined)
			query_combined(c, rec, have_rec ? reclen : 0, ctx, ctxlen);
		fflush(stdout);
		getpeername(c, (struct sockaddr *)&peer, &pl);
		format_addr(&peer, ps, sizeof(ps));
		snprintf(out, sizeof(out), "hop peer=%s msg=%s\n", ps, msg);
		if (send(c, out, strlen(out), MSG_NOSIGNAL) < 0)
			printf("answer=%s\n", errno_name(errno));
	}
	if (dst) {
		if (rec_file) {
			reclen = read_file(rec_file, rec, sizeof(rec));
			have_rec = true;
		}
		for (size_t i = 0; i < nmut; i++)
			reclen = mutate(mut[i], rec, reclen);
		if (many && !strcmp(dst, "-") && have_rec)
			set_many(family, udp, rec, reclen, many);
		else if (many)
			die("-n wants -c - and records to set");
		else
			up = onward(up, family, udp, dst, have_rec ? rec : NULL, reclen, waitfile);
	}
	fflush(stdout);
	if (keep) {
		printf("holding\n");
		fflush(stdout);
		while (!stop)
			pause();
	}
	if (up >= 0)
		close(up);
	if (c >= 0)
		close(c);
	return 0;
}
