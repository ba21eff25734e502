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
 * Only the calls on the request's socket are armed: what the program does in
 * between (printing, other sockets) is not counted.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);

static enum { UNARMED, ARMED, INJECTED } state = UNARMED;
static unsigned int nth;	/* allocations still to go before the failing one */
static int want_cmd = -1;
static int target = -1;		/* the request's socket */
static int nth_fd = -1;

__attribute__((constructor)) static void failnth_init(void)
{
	const char *v = getenv("WFPREDIR_FAILNTH");

	real_sendmsg = (ssize_t(*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");
	real_recvmsg = (ssize_t(*)(int, struct msghdr *, int))dlsym(RTLD_NEXT, "recvmsg");
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

__attribute__((destructor)) static void failnth_report(void)
{
	const char *path = getenv("WFPREDIR_FAILNTH_OUT");
	FILE *f;

	if (nth_fd < 0 || !path)
		return;
	f = fopen(path, "a");
	if (!f)
		return;
	if (state == INJECTED)
		fprintf(f, "injected\n");
	else if (target >= 0)
		fprintf(f, "unused %u\n", nth);
	else
		fprintf(f, "unarmed\n");
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

static int is_request(int fd, const struct msghdr *msg)
{
	const struct nlmsghdr *nlh;
	const struct genlmsghdr *g;
	int v;
	socklen_t len = sizeof(v);

	if (msg->msg_iovlen < 1 ||
	    msg->msg_iov[0].iov_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len) || v != NETLINK_GENERIC)
		return 0;
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) || v != AF_NETLINK)
		return 0;
	nlh = msg->msg_iov[0].iov_base;
	g = (const struct genlmsghdr *)((const char *)nlh + NLMSG_HDRLEN);
	if (nlh->nlmsg_type == GENL_ID_CTRL)
		return 0;
	return want_cmd < 0 || g->cmd == want_cmd;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	ssize_t n;
	int err;

	if (state != ARMED || target >= 0 || !is_request(fd, msg))
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
