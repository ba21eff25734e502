// SPDX-License-Identifier: GPL-2.0
/*
 * sockopt-probe: make one wfpredir socket-option call on a socket in a given
 * state, and print what came back, so that shell tests can assert on it.
 *
 *   sockopt-probe [-a raw|wsa] -f 4|6|m -p tcp|udp|raw -s STATE -o OP
 *                 [-r RECORDS] [-l LEN] [-n OPTNAME] [-w SECONDS] [-F N]
 *
 * STATE: fresh, bound, connected, listening, accepted
 * OP:    set, get-records, get-context, get (with -n), set-raw (with -n)
 * RECORDS (for set): shaped, short, long, badmagic, badversion, badcount,
 *                    badhdrlen, reserved, badptr, null
 * -f m:  an AF_INET6 socket carrying a v4-mapped flow, asked at level SOL_IP
 * -a raw prints the errno name ("ok" on success) and, for gets, " len=N";
 * -w keeps the socket open that many seconds after the call.
 * -F N makes the N-th memory allocation inside the call fail (the kernel's
 *      fault injection, /proc/thread-self/fail-nth; raw API only).
 * -a wsa goes through WSAIoctl and prints the WSA error name and the value
 *        stored in *lpcbBytesReturned.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/wfpredir.h>
#include <wfpredir.h>

struct probe {
	const char *api;
	int family; /* AF_INET, AF_INET6; mapped adds v4-mapped */
	bool mapped;
	const char *proto;
	const char *state;
	const char *op;
	const char *records;
	bool len_given; /* else the op's natural length */
	long len;
	int optname;
	unsigned int hold;
	unsigned int fail_nth;
};

static _Noreturn void die(const char *msg)
{
	fprintf(stderr, "sockopt-probe: %s\n", msg);
	exit(2);
}

static _Noreturn void die_errno(const char *what)
{
	fprintf(stderr, "sockopt-probe: %s: %s\n", what, strerror(errno));
	exit(2);
}

static const char *errno_name(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ 0, "ok" },
		{ EPERM, "EPERM" },
		{ EACCES, "EACCES" },
		{ EINVAL, "EINVAL" },
		{ EFAULT, "EFAULT" },
		{ EISCONN, "EISCONN" },
		{ ENOTCONN, "ENOTCONN" },
		{ EPROTO, "EPROTO" },
		{ EBADMSG, "EBADMSG" },
		{ ENOSPC, "ENOSPC" },
		{ ENOMEM, "ENOMEM" },
		{ ENOENT, "ENOENT" },
		{ ENODATA, "ENODATA" },
		{ EOPNOTSUPP, "EOPNOTSUPP" },
		{ ENOPROTOOPT, "ENOPROTOOPT" },
		{ ENOBUFS, "ENOBUFS" },
		{ ENOTSOCK, "ENOTSOCK" },
		{ EBADF, "EBADF" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	return "EUNKNOWN";
}

static socklen_t loopback(const struct probe *p, struct sockaddr_storage *ss, in_port_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (p->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = port;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = port;
	if (p->mapped)
		inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6->sin6_addr);
	else
		sin6->sin6_addr = in6addr_loopback;
	return sizeof(*sin6);
}

static in_port_t bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		die_errno("getsockname");
	return ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
				       : ((struct sockaddr_in6 *)&ss)->sin6_port;
}

/* Returns the socket to probe, in the requested state. */
static int make_socket(const struct probe *p)
{
	struct sockaddr_storage ss;
	socklen_t sslen = loopback(p, &ss, 0);
	int type, proto;

	if (!strcmp(p->proto, "tcp")) {
		type = SOCK_STREAM;
		proto = IPPROTO_TCP;
	} else if (!strcmp(p->proto, "udp")) {
		type = SOCK_DGRAM;
		proto = IPPROTO_UDP;
	} else if (!strcmp(p->proto, "raw")) {
		type = SOCK_RAW;
		proto = IPPROTO_ICMP;
	} else {
		die("unknown protocol");
	}

	int fd = socket(p->family, type, proto);

	if (fd < 0)
		die_errno("socket");
	if (!strcmp(p->state, "fresh"))
		return fd;
	if (bind(fd, (struct sockaddr *)&ss, sslen))
		die_errno("bind");
	if (!strcmp(p->state, "bound"))
		return fd;
	if (!strcmp(p->state, "listening")) {
		if (listen(fd, 1))
			die_errno("listen");
		return fd;
	}

	/* connected and accepted need a peer on loopback */
	int peer = socket(p->family, type, proto);

	if (peer < 0)
		die_errno("socket");
	if (bind(peer, (struct sockaddr *)&ss, sslen))
		die_errno("bind peer");
	if (type == SOCK_STREAM && listen(peer, 1))
		die_errno("listen");

	struct sockaddr_storage to;
	socklen_t tolen = loopback(p, &to, bound_port(peer));

	if (connect(fd, (struct sockaddr *)&to, tolen))
		die_errno("connect");
	if (!strcmp(p->state, "connected"))
		return fd;
	if (!strcmp(p->state, "accepted") && type == SOCK_STREAM) {
		int afd = accept(peer, NULL, NULL);

		if (afd < 0)
			die_errno("accept");
		return afd;
	}
	die("unknown state for this protocol");
}

/* Fills buf with records of the requested shape; returns their length. */
static size_t make_records(const char *shape, unsigned char *buf, size_t size)
{
	struct wfpredir_records_hdr hdr = {
		.magic = htons(WFPREDIR_RECORDS_MAGIC),
		.version = WFPREDIR_RECORDS_VERSION,
		.count = 1,
		.hdr_len = htons(sizeof(struct wfpredir_records_hdr)),
		.entry_len = htons(sizeof(struct wfpredir_record_entry)),
		.flow_id = 0x0123456789abcdefULL,
	};
	size_t len = WFPREDIR_RECORDS_LEN(1);

	if (!strcmp(shape, "short"))
		len = WFPREDIR_RECORDS_MIN_LEN - 1;
	else if (!strcmp(shape, "long"))
		len = WFPREDIR_RECORDS_MAX_LEN + 1;
	else if (!strcmp(shape, "badmagic"))
		hdr.magic = htons(0x1234);
	else if (!strcmp(shape, "badversion"))
		hdr.version = WFPREDIR_RECORDS_VERSION + 1;
	else if (!strcmp(shape, "badcount"))
		hdr.count = 2;
	else if (!strcmp(shape, "badhdrlen"))
		hdr.hdr_len = htons(sizeof(hdr) + 1);
	else if (strcmp(shape, "shaped") && strcmp(shape, "reserved") && strcmp(shape, "badptr") &&
		 strcmp(shape, "null"))
		die("unknown records shape");

	if (len > size)
		die("records buffer too small");
	/* An entry and a tag no key made: the kernel must refuse them. */
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 37 + 11);
	memcpy(buf, &hdr, sizeof(hdr));
	if (!strcmp(shape, "reserved")) {
		struct wfpredir_record_entry *e = (void *)(buf + sizeof(hdr));

		e->family = AF_INET;
		e->reserved = 1;
	} else if (len >= sizeof(hdr) + sizeof(struct wfpredir_record_entry)) {
		struct wfpredir_record_entry *e = (void *)(buf + sizeof(hdr));

		e->reserved = 0;
	}
	return len;
}

static int level_of(const struct probe *p)
{
	return p->family == AF_INET || p->mapped ? SOL_IP : SOL_IPV6;
}

/*
 * Arms fault injection for the next system call: its N-th slab allocation
 * fails. The file stays open: closing it would be the next system call.
 */
static void arm_fail_nth(unsigned int nth)
{
	char val[16];
	int fd, n;

	if (!nth)
		return;
	fd = open("/proc/thread-self/fail-nth", O_WRONLY);
	if (fd < 0)
		die_errno("open /proc/thread-self/fail-nth");
	n = snprintf(val, sizeof(val), "%u", nth);
	if (write(fd, val, (size_t)n) != n)
		die_errno("write fail-nth");
}

static void run_raw(const struct probe *p, int fd)
{
	static unsigned char buf[4096];
	int level = level_of(p);

	if (!strcmp(p->op, "set") || !strcmp(p->op, "set-raw")) {
		int name = p->op[3] ? p->optname : WFPREDIR_SO_SET_RECORDS;
		size_t len = make_records(p->records, buf, sizeof(buf));
		const void *ptr = buf;

		if (p->len_given)
			len = (size_t)p->len;
		if (!strcmp(p->records, "badptr"))
			ptr = (const void *)16;
		else if (!strcmp(p->records, "null"))
			ptr = NULL;
		arm_fail_nth(p->fail_nth);
		int rc = setsockopt(fd, level, name, ptr, (socklen_t)len);

		printf("%s\n", errno_name(rc ? errno : 0));
		return;
	}

	int name;

	if (!strcmp(p->op, "get-records"))
		name = WFPREDIR_SO_GET_RECORDS;
	else if (!strcmp(p->op, "get-context"))
		name = WFPREDIR_SO_GET_CONTEXT;
	else if (!strcmp(p->op, "get"))
		name = p->optname;
	else
		die("unknown op");

	socklen_t len = p->len_given ? (socklen_t)p->len : (socklen_t)sizeof(buf);
	arm_fail_nth(p->fail_nth);
	int rc = getsockopt(fd, level, name, buf, &len);

	if (rc)
		printf("%s\n", errno_name(errno));
	else
		printf("ok len=%u\n", (unsigned int)len);
}

static void run_wsa(const struct probe *p, int fd)
{
	static unsigned char buf[4096];
	DWORD code, returned = 0xdeadbeef;
	LPVOID in = NULL, out = NULL;
	DWORD inlen = 0, outlen = 0;

	if (!strcmp(p->op, "set")) {
		code = SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS;
		in = buf;
		inlen = (DWORD)make_records(p->records, buf, sizeof(buf));
		if (!strcmp(p->records, "badptr"))
			in = (LPVOID)16;
		if (p->len_given)
			inlen = (DWORD)p->len;
	} else {
		if (!strcmp(p->op, "get-records"))
			code = SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS;
		else if (!strcmp(p->op, "get-context"))
			code = SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT;
		else
			die("op not available through WSAIoctl");
		out = buf;
		outlen = p->len_given ? (DWORD)p->len : (DWORD)sizeof(buf);
	}

	int rc = WSAIoctl(fd, code, in, inlen, out, outlen, &returned, NULL, NULL);

	if (rc == 0)
		printf("ok returned=%u\n", returned);
	else {
		int err = WSAGetLastError();
		const char *name = wfpredir_wsa_error_name(err);

		if (name)
			printf("%s returned=%u\n", name, returned);
		else
			printf("WSA%d returned=%u\n", err, returned);
	}
}

int main(int argc, char **argv)
{
	struct probe p = { .api = "raw",
			   .family = AF_INET,
			   .proto = "tcp",
			   .state = "fresh",
			   .op = "set",
			   .records = "shaped" };
	int opt;

	while ((opt = getopt(argc, argv, "a:f:p:s:o:r:l:n:w:F:")) != -1) {
		switch (opt) {
		case 'a':
			p.api = optarg;
			break;
		case 'f':
			p.family = strcmp(optarg, "4") ? AF_INET6 : AF_INET;
			p.mapped = !strcmp(optarg, "m");
			break;
		case 'p':
			p.proto = optarg;
			break;
		case 's':
			p.state = optarg;
			break;
		case 'o':
			p.op = optarg;
			break;
		case 'r':
			p.records = optarg;
			break;
		case 'l':
			p.len = strtol(optarg, NULL, 0);
			p.len_given = true;
			break;
		case 'n':
			p.optname = (int)strtol(optarg, NULL, 0);
			break;
		case 'F':
			p.fail_nth = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'w':
			p.hold = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		default:
			die("bad usage; see the comment at the top of sockopt-probe.c");
		}
	}

	int fd = make_socket(&p);

	if (!strcmp(p.api, "wsa"))
		run_wsa(&p, fd);
	else
		run_raw(&p, fd);
	fflush(stdout);
	if (p.hold)
		sleep(p.hold);
	return 0;
}
