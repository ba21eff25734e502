// SPDX-License-Identifier: GPL-2.0
/*
 * handoff: WFPREDIR_SO_HANDOFF (a proxy's query and set in one call) on a
 * redirected TCP connection, compared with the query and the set it
 * replaces, and every error it gives, for tests/kselftest/handoff.sh.
 *
 *   handoff [-N NS] -l LISTEN -c DST -p PROBE [-X OTHER_NS] [-k]
 *
 * It listens at LISTEN, the address of a wfpredir service, connects to DST
 * (a rule redirects that to LISTEN) and to LISTEN itself (not redirected),
 * and accepts both. Onward sockets are of DST's family. Then it prints one
 * line per case, "NAME FACTS...", the first fact the error name ("ok" on
 * success):
 *
 *   raw      len= same=          getsockopt(WFPREDIR_SO_HANDOFF) into a
 *                                buffer of 4096: the answer is byte for byte
 *                                WFPREDIR_SO_GET_REDIRECT's on the accepted
 *                                socket
 *   levels   same=               AF_INET6: the same at SOL_IP
 *   set                          the query's records set on another socket
 *   lib      len= same=          wfpredir_handoff(), the same answer
 *   wsa      len= same=          WSAIoctl(SIO_WFPREDIR_HANDOFF), the same
 *                                answer, len its *lpcbBytesReturned (the
 *                                first fact the WSA error's name)
 *   conn NAME src=ADDR:PORT      NAME (raw, set, lib, wsa) connected to DST:
 *                                the test compares their flows' records
 *                                (wfpredirctl flow list)
 *   short    len= untouched=     a buffer one byte short: success, the size,
 *                                nothing copied
 *   hdronly  len=                room for the request alone
 *   lib_null len=                wfpredir_handoff() without a buffer
 *   wsa_short len=, wsa_probe len=  WSAIoctl one byte short, and with no
 *                                buffer: WSAEFAULT, the size
 *   conn NAME src=ADDR:PORT      NAME (short, hdronly, lib_null, flags,
 *                                wsa_short, wsa_probe)
 *                                connected to PROBE (no rule): their
 *                                flows would show records handed on
 *   tiny, negative, flags        len 4, len -1, flags 2
 *   bufs     len= optlen= same=  WFPREDIR_HANDOFF_F_BUFFERS: the descriptor
 *                                read from memory, the answer into another
 *                                buffer: the same answer, answer_len its
 *                                length, len left alone
 *   bufs_short len= untouched=   answer_len one byte short: the size
 *   bufs_badfd, bufs_badanswer   from_fd_ptr, answer unmapped
 *   bufs_tiny, bufs_reserved     len short of the longer request; reserved 1
 *   conn NAME src=ADDR:PORT      bufs connected to DST; bufs_short,
 *                                bufs_badfd, bufs_badanswer to PROBE
 *   badptr                       an unmapped buffer
 *   badfd, closedfd              from_fd -1, a descriptor not open
 *   notsock                      from_fd a pipe
 *   unix, packet                 from_fd an AF_UNIX socket; an AF_PACKET
 *                                SOCK_DGRAM socket whose protocol number
 *                                reads as IPPROTO_UDP ("packet skip" when
 *                                it cannot be made)
 *   xdev                         from_fd a TCP socket of OTHER_NS (-X)
 *   fresh, listener, udp         from_fd never connected; listening; a UDP
 *                                socket never bound
 *   direct                       from_fd the connection not redirected
 *   onward_connected             the onward socket connected (to PROBE)
 *   onward_listening             the onward socket listening
 *   onward_raw                   a raw onward socket
 *   unpriv                       a child without CAP_NET_ADMIN (uid 65534)
 *   wsa_NAME                     through WSAIoctl, its WSA error: wsa_inlen
 *                                (cbInBuffer 8), wsa_badin, wsa_badout
 *                                (unmapped lpvInBuffer, lpvOutBuffer), and
 *                                wsa_ before badfd, notsock, unix, xdev,
 *                                fresh, direct, onward_connected, unpriv
 *   holding                      with -k: every socket stays open (the
 *                                flows with it) until SIGTERM
 *
 * Exit status 0 when it could run the cases, 2 on a setup failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/wfpredir.h>

#include "wfpredir.h"

#include "common/helper.h"

#define BUF_LEN 4096

static int family; /* of DST: the onward sockets' */
static int level;  /* theirs */

static int tcp_socket(void)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %s", errno_name(errno));
	return fd;
}

/* WFPREDIR_SO_HANDOFF on @up from @from at @lvl into @buf (@len in and
 * out): 0 or the errno. The request goes first into @buf if it fits. */
static int handoff_at(int up, int lvl, int from, unsigned int flags, void *buf, socklen_t *len)
{
	struct wfpredir_handoff req = { .from_fd = from, .flags = flags };

	if (*len >= sizeof(req))
		memcpy(buf, &req, sizeof(req));
	return getsockopt(up, lvl, WFPREDIR_SO_HANDOFF, buf, len) ? errno : 0;
}

static int handoff(int up, int from, unsigned int flags, void *buf, socklen_t *len)
{
	return handoff_at(up, level, from, flags, buf, len);
}

/* The same with WFPREDIR_HANDOFF_F_BUFFERS: the descriptor read at @fromp,
 * the answer written at @answer (@room); from_fd -1, which the kernel must
 * not read. *@got: the answer_len it stored; *@optlen: the len it left. */
static int handoff_bufs(int up, const int *fromp, void *answer, __u32 room, __u32 reserved,
			socklen_t *optlen, __u32 *got)
{
	struct wfpredir_handoff_buffers req = {
		.head = { .from_fd = -1, .flags = WFPREDIR_HANDOFF_F_BUFFERS },
		.from_fd_ptr = (uintptr_t)fromp,
		.answer = (uintptr_t)answer,
		.answer_len = room,
		.reserved = reserved,
	};
	int err = getsockopt(up, level, WFPREDIR_SO_HANDOFF, &req, optlen) ? errno : 0;

	*got = req.answer_len;
	return err;
}

/* SIO_WFPREDIR_HANDOFF on @up from @from: "ok" or the WSA error's name;
 * *@got the count stored. */
static const char *wsa_handoff(int up, SOCKET from, void *buf, DWORD len, DWORD *got)
{
	*got = 0xdeadbeef;
	if (!WSAIoctl(up, SIO_WFPREDIR_HANDOFF, &from, sizeof(from), buf, len, got, NULL, NULL))
		return "ok";
	return wsa_name(WSAGetLastError());
}

/* The same, the WSA error's name alone. */
static const char *wsa_error(int up, SOCKET from)
{
	static unsigned char buf[BUF_LEN];
	DWORD got;

	return wsa_handoff(up, from, buf, sizeof(buf), &got);
}

/* A fresh onward socket and the errno of a hand-off from @from to it; then
 * the same through WSAIoctl when @wsa_case is given. */
static void error_case2(const char *name, const char *wsa_case, int from)
{
	unsigned char buf[BUF_LEN];
	socklen_t len = sizeof(buf);
	int up = tcp_socket();

	printf("%s %s\n", name, errno_name(handoff(up, from, 0, buf, &len)));
	close(up);
	if (!wsa_case)
		return;
	up = tcp_socket();
	printf("%s %s\n", wsa_case, wsa_error(up, from));
	close(up);
}

static void error_case(const char *name, int from)
{
	error_case2(name, NULL, from);
}

static int connect_to(int fd, const char *to)
{
	struct sockaddr_storage ss;
	socklen_t len = parse_addr(to, &ss);

	return connect(fd, (struct sockaddr *)&ss, len) ? errno : 0;
}

/* Connect @fd to @to and print its source, for the test's flow lookup. */
static void conn(const char *name, int fd, const char *to)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char src[64];
	int err = connect_to(fd, to);

	if (!err && getsockname(fd, (struct sockaddr *)&ss, &len))
		err = errno;
	if (err) {
		printf("conn %s %s\n", name, errno_name(err));
		return;
	}
	format_addr(&ss, src, sizeof(src));
	printf("conn %s src=%s\n", name, src);
}

static bool all(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static int accept_one(int ls)
{
	int a = accept4(ls, NULL, NULL, SOCK_CLOEXEC);

	if (a < 0)
		die("accept: %s", errno_name(errno));
	return a;
}

/* A TCP socket of the network namespace @ns (/run/netns/@ns). */
static int socket_in(const char *ns)
{
	char path[256];
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), other, fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	other = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || other < 0 || setns(other, CLONE_NEWNET))
		die("enter %s: %s", ns, errno_name(errno));
	fd = tcp_socket();
	if (setns(self, CLONE_NEWNET))
		die("back from %s: %s", ns, errno_name(errno));
	close(self);
	close(other);
	return fd;
}

/* The hand-off in a child that gave up its privilege. */
static void unpriv_case(int from)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork: %s", errno_name(errno));
	if (!pid) {
		/* setuid() from root clears the effective capabilities */
		if (setgid(65534) || setuid(65534))
			die("setuid: %s", errno_name(errno));
		error_case2("unpriv", "wsa_unpriv", from);
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &status, 0);
}

static void cases(int a, int d, int ls, const char *dst, const char *probe, const char *other)
{
	static unsigned char ref[BUF_LEN], buf[BUF_LEN];
	struct wfpredir_redirect hdr;
	struct wfpredir_redirect_info info;
	socklen_t len = sizeof(ref), total, olen;
	size_t slen;
	int err, up_raw, up_set, up_lib, up_wsa, up_bufs, up, p[2], fd;
	__u32 got32;
	const char *wsa;
	DWORD got;
	void *bad;

	/* what the query answers: the reference */
	if (getsockopt(a, level, WFPREDIR_SO_GET_REDIRECT, ref, &len) || len < sizeof(hdr))
		die("WFPREDIR_SO_GET_REDIRECT: %s", errno_name(errno));
	total = len;
	memcpy(&hdr, ref, sizeof(hdr));

	up_raw = tcp_socket();
	len = sizeof(buf);
	err = handoff(up_raw, a, 0, buf, &len);
	printf("raw %s len=%u same=%d\n", errno_name(err), (unsigned int)len,
	       !err && len == total && !memcmp(buf, ref, total));
	if (level == SOL_IPV6) {
		static unsigned char other_buf[BUF_LEN];

		up = tcp_socket();
		olen = sizeof(other_buf);
		err = handoff_at(up, SOL_IP, a, 0, other_buf, &olen);
		printf("levels %s same=%d\n", errno_name(err),
		       !err && olen == total && !memcmp(other_buf, ref, total));
		close(up);
	}
	up_set = tcp_socket();
	printf("set %s\n", errno_name(setsockopt(up_set, level, WFPREDIR_SO_SET_RECORDS,
						 ref + hdr.hdr_len, hdr.records_len)
					      ? errno
					      : 0));
	up_lib = tcp_socket();
	slen = sizeof(buf);
	memset(buf, 0, sizeof(buf));
	err = wfpredir_handoff(up_lib, a, buf, &slen, &info);
	printf("lib %s len=%zu same=%d\n", errno_name(err), err ? 0 : slen,
	       !err && slen == total && !memcmp(buf, ref, total) &&
		       info.records == buf + hdr.hdr_len && info.records_len == hdr.records_len);
	up_wsa = tcp_socket();
	memset(buf, 0, sizeof(buf));
	wsa = wsa_handoff(up_wsa, a, buf, sizeof(buf), &got);
	printf("wsa %s len=%u same=%d\n", wsa, (unsigned int)got,
	       !strcmp(wsa, "ok") && got == total && !memcmp(buf, ref, total));
	up_bufs = tcp_socket();
	memset(buf, 0, sizeof(buf));
	olen = sizeof(struct wfpredir_handoff_buffers);
	err = handoff_bufs(up_bufs, &a, buf, sizeof(buf), 0, &olen, &got32);
	printf("bufs %s len=%u optlen=%u same=%d\n", errno_name(err), (unsigned int)got32,
	       (unsigned int)olen, !err && got32 == total && !memcmp(buf, ref, total));
	conn("raw", up_raw, dst);
	conn("set", up_set, dst);
	conn("lib", up_lib, dst);
	conn("wsa", up_wsa, dst);
	conn("bufs", up_bufs, dst);
	fflush(stdout);

	/*
	 * Too small: the size, nothing copied, nothing handed on. These
	 * sockets stay open, connected where no rule applies: a flow of theirs
	 * would show records handed on.
	 */
	up = tcp_socket();
	memset(buf, 0xa5, sizeof(buf));
	len = total - 1;
	err = handoff(up, a, 0, buf, &len);
	printf("short %s len=%u untouched=%d\n", errno_name(err), (unsigned int)len,
	       all(buf + sizeof(struct wfpredir_handoff),
		   sizeof(buf) - sizeof(struct wfpredir_handoff), 0xa5));
	conn("short", up, probe);
	up = tcp_socket();
	len = sizeof(struct wfpredir_handoff);
	err = handoff(up, a, 0, buf, &len);
	printf("hdronly %s len=%u\n", errno_name(err), (unsigned int)len);
	conn("hdronly", up, probe);
	up = tcp_socket();
	slen = 1;
	err = wfpredir_handoff(up, a, NULL, &slen, &info);
	printf("lib_null %s len=%zu\n", errno_name(err), slen);
	conn("lib_null", up, probe);

	up = tcp_socket();
	printf("wsa_short %s len=%u\n", wsa_handoff(up, a, buf, total - 1, &got),
	       (unsigned int)got);
	conn("wsa_short", up, probe);
	up = tcp_socket();
	printf("wsa_probe %s len=%u\n", wsa_handoff(up, a, NULL, 0, &got), (unsigned int)got);
	conn("wsa_probe", up, probe);

	up = tcp_socket();
	len = 4;
	printf("tiny %s\n", errno_name(handoff(up, a, 0, buf, &len)));
	len = (socklen_t)-1;
	printf("negative %s\n", errno_name(handoff_at(up, level, a, 0, buf, &len)));
	len = sizeof(buf);
	printf("flags %s\n", errno_name(handoff(up, a, 2, buf, &len)));
	/* the flag without room for the longer request */
	memset(buf, 0, sizeof(buf));
	len = sizeof(struct wfpredir_handoff_buffers) - 1;
	printf("bufs_tiny %s\n", errno_name(handoff(up, a, WFPREDIR_HANDOFF_F_BUFFERS, buf, &len)));
	olen = sizeof(struct wfpredir_handoff_buffers);
	printf("bufs_reserved %s\n",
	       errno_name(handoff_bufs(up, &a, buf, sizeof(buf), 1, &olen, &got32)));
	conn("flags", up, probe);
	bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bad == MAP_FAILED)
		die("mmap: %s", errno_name(errno));

	/* buffers too small or bad: nothing handed on either */
	up = tcp_socket();
	memset(buf, 0xa5, sizeof(buf));
	olen = sizeof(struct wfpredir_handoff_buffers);
	err = handoff_bufs(up, &a, buf, total - 1, 0, &olen, &got32);
	printf("bufs_short %s len=%u untouched=%d\n", errno_name(err), (unsigned int)got32,
	       all(buf, sizeof(buf), 0xa5));
	conn("bufs_short", up, probe);
	up = tcp_socket();
	printf("bufs_badfd %s\n",
	       errno_name(handoff_bufs(up, bad, buf, sizeof(buf), 0, &olen, &got32)));
	conn("bufs_badfd", up, probe);
	up = tcp_socket();
	printf("bufs_badanswer %s\n",
	       errno_name(handoff_bufs(up, &a, bad, total, 0, &olen, &got32)));
	conn("bufs_badanswer", up, probe);
	up = tcp_socket();
	len = total;
	printf("badptr %s\n",
	       errno_name(getsockopt(up, level, WFPREDIR_SO_HANDOFF, bad, &len) ? errno : 0));
	close(up);
	up = tcp_socket();
	printf("wsa_badout %s\n", wsa_handoff(up, a, bad, total, &got));
	printf("wsa_badin %s\n", WSAIoctl(up, SIO_WFPREDIR_HANDOFF, bad, sizeof(SOCKET), buf,
					  sizeof(buf), &got, NULL, NULL)
					 ? wsa_name(WSAGetLastError())
					 : "ok");
	printf("wsa_inlen %s\n", WSAIoctl(up, SIO_WFPREDIR_HANDOFF, &(SOCKET[2]){ a, 0 },
					  2 * sizeof(SOCKET), buf, sizeof(buf), &got, NULL, NULL)
					 ? wsa_name(WSAGetLastError())
					 : "ok");
	close(up);
	munmap(bad, 4096);

	error_case2("badfd", "wsa_badfd", -1);
	/* a number above every descriptor this makes: none reuses it */
	for (fd = 1000; fcntl(fd, F_GETFD) != -1; fd++)
		;
	error_case("closedfd", fd);
	if (pipe(p))
		die("pipe: %s", errno_name(errno));
	error_case2("notsock", "wsa_notsock", p[0]);
	close(p[0]);
	close(p[1]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	error_case2("unix", "wsa_unix", fd);
	close(fd);
	/* sk_protocol is the ethertype argument: 17 reads as IPPROTO_UDP */
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0) {
		printf("packet skip %s\n", errno_name(errno));
	} else {
		error_case("packet", fd);
		close(fd);
	}
	if (other) {
		fd = socket_in(other);
		error_case2("xdev", "wsa_xdev", fd);
		close(fd);
	}
	fd = tcp_socket();
	error_case2("fresh", "wsa_fresh", fd);
	close(fd);
	error_case("listener", ls);
	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	error_case("udp", fd);
	close(fd);
	error_case2("direct", "wsa_direct", d);

	up = tcp_socket();
	err = connect_to(up, probe);
	len = sizeof(buf);
	printf("onward_connected %s\n",
	       err ? errno_name(err) : errno_name(handoff(up, a, 0, buf, &len)));
	printf("wsa_onward_connected %s\n", err ? errno_name(err) : wsa_error(up, a));
	close(up);
	up = tcp_socket();
	len = sizeof(buf);
	printf("onward_listening %s\n",
	       listen(up, 1) ? errno_name(errno) : errno_name(handoff(up, a, 0, buf, &len)));
	close(up);
	up = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);
	if (up < 0) {
		printf("onward_raw skip %s\n", errno_name(errno));
	} else {
		len = sizeof(buf);
		printf("onward_raw %s\n", errno_name(handoff(up, a, 0, buf, &len)));
		close(up);
	}
	unpriv_case(a);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *listen_at = NULL, *dst = NULL, *probe = NULL, *other = NULL;
	struct sockaddr_storage ss;
	socklen_t len;
	int opt, ls, c1, c2, a, d, one = 1;
	bool keep = false;

	while ((opt = getopt(argc, argv, "N:l:c:p:X:k")) != -1) {
		switch (opt) {
		case 'N':
			enter_netns(optarg);
			break;
		case 'l':
			listen_at = optarg;
			break;
		case 'c':
			dst = optarg;
			break;
		case 'p':
			probe = optarg;
			break;
		case 'X':
			other = optarg;
			break;
		case 'k':
			keep = true;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || !listen_at || !dst || !probe)
		goto usage;

	parse_addr(dst, &ss);
	family = ss.ss_family;
	level = family == AF_INET6 ? SOL_IPV6 : SOL_IP;
	len = parse_addr(listen_at, &ss);
	ls = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (struct sockaddr *)&ss, len) || listen(ls, 4))
		die("listen %s: %s", listen_at, errno_name(errno));

	/* the clients stay open: their flows must live */
	c1 = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c1 < 0 || connect_to(c1, dst))
		die("connect %s: %s", dst, errno_name(errno));
	a = accept_one(ls);
	c2 = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c2 < 0 || connect_to(c2, listen_at))
		die("connect %s: %s", listen_at, errno_name(errno));
	d = accept_one(ls);
	printf("accepted\n");
	cases(a, d, ls, dst, probe, other);
	if (keep) {
		printf("holding\n");
		fflush(stdout);
		/* SIGTERM's default action ends it */
		for (;;)
			pause();
	}
	return 0;

usage:
	fprintf(stderr, "usage: handoff [-N NS] -l LISTEN -c DST -p PROBE [-X OTHER_NS] [-k]\n");
	return 2;
}
