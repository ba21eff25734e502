// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim: makes the N-th memory allocation of one generic netlink
 * request fail (the kernel's fault injection, /proc/thread-self/fail-nth),
 * so that a real wfpredirctl or library call meets the failure where the
 * module meets it: in the sendmsg() that carries the request (a command runs
 * there whole, a dump its first part) and in the recvmsg() calls that read
 * the answer (a dump's later parts run there).
 *
 *   WFPREDIR_FAILNTH=N          the allocation to fail, counted from the
 *                               request's sendmsg() on; unset: do nothing
 *   WFPREDIR_FAILNTH_CMD=C      the request: the first one with genl command
 *                               C to a family other than nlctrl (default:
 *                               the first to any such family)
 *   WFPREDIR_FAILNTH_OUT=FILE   where to append, at exit, one line:
 *                               "injected"    the N-th allocation failed;
 *                               "unused LEFT" the request and its answer
 *                                             made fewer than N (LEFT more
 *                                             would have been needed);
 *                               "unarmed"     no such request was sent
 *
 *   WFPREDIR_FAILNTH_STATE=1    also append, at exit, "state DIGEST": a
 *                               digest of the namespace's services and rules
 *                               (their dumps) and configuration, read by the
 *                               shim itself, disarmed, so that a test needs
 *                               no second program to compare the state
 *                               before and after; with it alone (no
 *                               WFPREDIR_FAILNTH), nothing is armed
 *
 * Only the calls on the request's socket are armed: what the program does in
 * between (printing, other sockets) is not counted.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/wfpredir.h>

static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);

static enum { UNARMED, ARMED, INJECTED } state = UNARMED;
static unsigned int nth; /* allocations still to go before the failing one */
static int want_cmd = -1;
static bool want_state;
static int target = -1; /* the request's socket */
static int family = -1; /* the wfpredir family's id, from a request */
static int nth_fd = -1;

__attribute__((constructor)) static void failnth_init(void)
{
	const char *v = getenv("WFPREDIR_FAILNTH");

	real_sendmsg = (ssize_t(*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");
	real_recvmsg = (ssize_t(*)(int, struct msghdr *, int))dlsym(RTLD_NEXT, "recvmsg");
	want_state = getenv("WFPREDIR_FAILNTH_STATE") != NULL;
	if (!v || !*v)
		return;
	nth = (unsigned int)strtoul(v, NULL, 10);
	v = getenv("WFPREDIR_FAILNTH_CMD");
	if (v && *v)
		want_cmd = atoi(v);
	/* Opened now: an open() while armed would count. */
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0 || !nth) {
		fprintf(stderr, "failnth: cannot arm /proc/thread-self/fail-nth\n");
		_exit(125);
	}
	state = ARMED;
}

/* FNV-1a, 64 bits: enough to tell two states apart. */
static unsigned long long digest_add(unsigned long long h, const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

enum digest_level { D_INFO, D_DUMP, D_SERVICE, D_RULE };

/*
 * The attributes at @a into @h, but for what moves by itself: the info's
 * counters (only its configuration counts) and the objects' (redirects,
 * matches), which a replaced object starts again from 0.
 */
static unsigned long long digest_attrs(unsigned long long h, const unsigned char *a, size_t len,
				       enum digest_level level)
{
	while (len >= NLA_HDRLEN) {
		const struct nlattr *at = (const void *)a;
		int t = at->nla_type & NLA_TYPE_MASK;
		size_t step;

		if (at->nla_len < NLA_HDRLEN || at->nla_len > len)
			break;
		switch (level) {
		case D_INFO:
			if (t == WFPREDIR_A_CONFIG_CHAIN_MAX || t == WFPREDIR_A_CONFIG_INHERIT ||
			    t == WFPREDIR_A_CONFIG_FLOW_SHARE)
				h = digest_add(h, at, at->nla_len);
			break;
		case D_DUMP:
			h = digest_add(h, &at->nla_type, sizeof(at->nla_type));
			if (t == WFPREDIR_A_SERVICE || t == WFPREDIR_A_RULE)
				h = digest_attrs(h, a + NLA_HDRLEN, at->nla_len - NLA_HDRLEN,
						 t == WFPREDIR_A_SERVICE ? D_SERVICE : D_RULE);
			else
				h = digest_add(h, at, at->nla_len);
			break;
		case D_SERVICE:
			if (t != WFPREDIR_A_SERVICE_REDIRECTS && t != WFPREDIR_A_SERVICE_SKIPPED &&
			    t != WFPREDIR_A_SERVICE_PAD)
				h = digest_add(h, at, at->nla_len);
			break;
		case D_RULE:
			if (t != WFPREDIR_A_RULE_MATCHES && t != WFPREDIR_A_RULE_PAD)
				h = digest_add(h, at, at->nla_len);
			break;
		}
		step = NLA_ALIGN((size_t)at->nla_len);
		if (step >= len)
			break;
		len -= step;
		a += step;
	}
	return h;
}

/* One request's answers into @h. 0 on success. */
static int digest_cmd(int fd, unsigned char cmd, unsigned long long *h)
{
	static unsigned char buf[65536];
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
	} req = {
		.n = { .nlmsg_len = sizeof(req),
		       .nlmsg_type = (unsigned short)family,
		       .nlmsg_flags = NLM_F_REQUEST |
				      (cmd == WFPREDIR_CMD_GET_INFO ? 0 : NLM_F_DUMP),
		       .nlmsg_seq = cmd },
		.g = { .cmd = cmd, .version = WFPREDIR_GENL_VERSION },
	};

	if (send(fd, &req, sizeof(req), 0) != (ssize_t)sizeof(req))
		return -1;
	for (;;) {
		ssize_t n = real_recvmsg(
			fd,
			&(struct msghdr){ .msg_iov = &(struct iovec){ buf, sizeof(buf) },
					  .msg_iovlen = 1 },
			0);
		int rem = (int)n;

		if (n <= 0)
			return -1;
		for (struct nlmsghdr *nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, rem);
		     nlh = NLMSG_NEXT(nlh, rem)) {
			const unsigned char *a =
				(const unsigned char *)NLMSG_DATA(nlh) + GENL_HDRLEN;

			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type == NLMSG_ERROR ||
			    nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
				return -1;
			*h = digest_attrs(*h, a, nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN,
					  cmd == WFPREDIR_CMD_GET_INFO ? D_INFO : D_DUMP);
			if (cmd == WFPREDIR_CMD_GET_INFO)
				return 0;
		}
	}
}

static void digest_state(FILE *f)
{
	static const unsigned char cmds[] = { WFPREDIR_CMD_GET_INFO, WFPREDIR_CMD_GET_SERVICE,
					      WFPREDIR_CMD_GET_RULE };
	unsigned long long h = 0xcbf29ce484222325ULL;
	int fd;

	if (family < 0) {
		fprintf(f, "state unknown\n");
		return;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	for (size_t i = 0; i < sizeof(cmds); i++) {
		if (fd < 0 || digest_cmd(fd, cmds[i], &h)) {
			fprintf(f, "state unreadable\n");
			goto out;
		}
	}
	fprintf(f, "state %016llx\n", h);
out:
	if (fd >= 0)
		close(fd);
}

__attribute__((destructor)) static void failnth_report(void)
{
	const char *path = getenv("WFPREDIR_FAILNTH_OUT");
	FILE *f;

	if ((nth_fd < 0 && !want_state) || !path)
		return;
	f = fopen(path, "a");
	if (!f)
		return;
	if (nth_fd >= 0 && state == INJECTED)
		fprintf(f, "injected\n");
	else if (nth_fd >= 0 && target >= 0)
		fprintf(f, "unused %u\n", nth);
	else if (nth_fd >= 0)
		fprintf(f, "unarmed\n");
	if (want_state)
		digest_state(f);
	fclose(f);
}

static void nth_write(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(nth_fd, buf, (size_t)len, 0) != len)
		_exit(125);
}

/* What is left of the count: 0 once the failure was injected. */
static unsigned int nth_read(void)
{
	char buf[16] = "";

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		_exit(125);
	return (unsigned int)strtoul(buf, NULL, 10);
}

/* Around one call on the request's socket: armed for it alone. */
static void arm(void)
{
	nth_write(nth);
}

static void disarm(void)
{
	nth = nth_read();
	if (!nth) {
		state = INJECTED;
		return;
	}
	nth_write(0);
}

/* The genl command of a request to a family other than nlctrl, or -1. */
static int genl_request(int fd, const struct msghdr *msg)
{
	const struct nlmsghdr *nlh;
	const struct genlmsghdr *g;
	int v;
	socklen_t len = sizeof(v);

	if (msg->msg_iovlen < 1 || msg->msg_iov[0].iov_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len) || v != NETLINK_GENERIC)
		return -1;
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) || v != AF_NETLINK)
		return -1;
	nlh = msg->msg_iov[0].iov_base;
	g = (const struct genlmsghdr *)((const char *)nlh + NLMSG_HDRLEN);
	if (nlh->nlmsg_type == GENL_ID_CTRL)
		return -1;
	family = nlh->nlmsg_type;
	return g->cmd;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	ssize_t n;
	int cmd, err;

	if (state != ARMED && !want_state)
		return real_sendmsg(fd, msg, flags);
	cmd = genl_request(fd, msg);
	if (state != ARMED || target >= 0 || cmd < 0 || (want_cmd >= 0 && cmd != want_cmd))
		return real_sendmsg(fd, msg, flags);
	target = fd;
	arm();
	n = real_sendmsg(fd, msg, flags);
	err = errno;
	disarm();
	errno = err;
	return n;
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t n;
	int err;

	if (state != ARMED || fd != target)
		return real_recvmsg(fd, msg, flags);
	arm();
	n = real_recvmsg(fd, msg, flags);
	err = errno;
	disarm();
	errno = err;
	return n;
}
