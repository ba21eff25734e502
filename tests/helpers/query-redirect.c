// SPDX-License-Identifier: GPL-2.0
/*
 * query-redirect: WFPREDIR_SO_GET_REDIRECT (records and context in one call)
 * on a redirected socket and on sockets in the wrong state, raw, through
 * wfpredir_query_redirect() and through WSAIoctl(SIO_QUERY_WFPREDIR_
 * REDIRECT), for tests/kselftest/query_combined.sh.
 *
 *   query-redirect -p tcp|udp -l LISTEN -c DST -d DIRECT
 *
 * It listens (TCP) or binds (UDP) at LISTEN, the address of a wfpredir
 * service; sends one connection (one datagram) to DST, which a rule
 * redirects there, and one to DIRECT, which reaches LISTEN without a
 * redirect. Then it prints one line per case, "NAME FACTS...", the first
 * fact the error name ("ok" on success):
 *
 *   combined   len= hdr= rec= ctx= flags=   the answer, buffer of 4096
 *   same       records= context=            "1" when the parts equal what
 *                                           GET_RECORDS / GET_CONTEXT give
 *                                           (context=1 also when it has
 *                                           none and GET_CONTEXT is ENODATA)
 *   levels     same=                        AF_INET6 sockets: SOL_IP and
 *                                           SOL_IPV6 answer the same
 *   short      len= untouched=              buffer one byte short
 *   zero       len=                         len 0 (a size probe)
 *   hdronly    len= untouched=              room for the header only
 *   negative                                len -1
 *   badptr                                  an unmapped buffer
 *   set                                     the records it gave, set on a
 *                                           fresh socket
 *   lib        same=                        wfpredir_query_redirect(),
 *                                           same bytes as the raw answer
 *   lib_null   len=                         its size probe
 *   lib_short  len=                         its buffer one byte short
 *   wsa        bytes= same=                 WSAIoctl(); WSA error names
 *   wsa_short  bytes=
 *   wsa_badptr bytes=
 *   direct, lib_direct, wsa_direct          the connection not redirected
 *   fresh                                   a socket never connected or
 *                                           bound
 *   listener                                the listening socket (TCP)
 *   empty                                   UDP: the bound socket once its
 *                                           datagrams were read
 *
 * Exit status 0 when it could run the cases, 2 on a setup failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/wfpredir.h>

#include "wfpredir.h"

#include "common/helper.h"

#define BUF_LEN 4096

static bool udp;
static int family; /* of LISTEN */

static int level_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		die("getsockname: %s", errno_name(errno));
	return ss.ss_family == AF_INET6 ? SOL_IPV6 : SOL_IP;
}

/* getsockopt() at the socket's own level: 0 or the errno; *len updated. */
static int get(int fd, int name, void *buf, socklen_t *len)
{
	return getsockopt(fd, level_of(fd), name, buf, len) ? errno : 0;
}

static int get_at(int fd, int level, int name, void *buf, socklen_t *len)
{
	return getsockopt(fd, level, name, buf, len) ? errno : 0;
}

static bool all(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* The socket to ask: accepted (TCP) or the bound one (UDP). */
static int sock_new(void)
{
	int fd = socket(family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %s", errno_name(errno));
	return fd;
}

/* Send one connection (datagram) to @to; the client socket stays open. */
static int client(const char *to)
{
	struct sockaddr_storage ss;
	socklen_t len = parse_addr(to, &ss);
	int c = socket(ss.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);

	if (c < 0 || connect(c, (struct sockaddr *)&ss, len))
		die("connect %s: %s", to, errno_name(errno));
	if (udp && send(c, "x", 1, 0) != 1)
		die("send %s: %s", to, errno_name(errno));
	return c;
}

static void wait_readable(int fd)
{
	fd_set rd;
	struct timeval tv = { .tv_sec = 10 };

	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	if (select(fd + 1, &rd, NULL, NULL, &tv) != 1)
		die("nothing arrived");
}

static void cases_redirected(int fd)
{
	static unsigned char buf[BUF_LEN], rec[BUF_LEN], ctx[BUF_LEN], other[BUF_LEN];
	struct wfpredir_redirect hdr;
	struct wfpredir_redirect_info info;
	socklen_t len = sizeof(buf), rlen = sizeof(rec), clen = sizeof(ctx), total, olen;
	size_t slen;
	DWORD got;
	int err, cerr, fresh;
	void *bad;

	memset(buf, 0, sizeof(buf));
	err = get(fd, WFPREDIR_SO_GET_REDIRECT, buf, &len);
	if (err || len < sizeof(hdr)) {
		printf("combined %s len=%u\n", errno_name(err), (unsigned int)len);
		return;
	}
	memcpy(&hdr, buf, sizeof(hdr));
	total = len;
	printf("combined ok len=%u hdr=%u rec=%u ctx=%u flags=%u\n", (unsigned int)len, hdr.hdr_len,
	       hdr.records_len, hdr.context_len, hdr.flags);

	err = get(fd, WFPREDIR_SO_GET_RECORDS, rec, &rlen);
	cerr = get(fd, WFPREDIR_SO_GET_CONTEXT, ctx, &clen);
	printf("same records=%d context=%d\n",
	       !err && rlen == hdr.records_len && !memcmp(rec, buf + hdr.hdr_len, rlen),
	       cerr == ENODATA ? hdr.context_len == 0
			       : !cerr && clen == hdr.context_len &&
					 !memcmp(ctx, buf + hdr.hdr_len + hdr.records_len, clen));

	if (level_of(fd) == SOL_IPV6) {
		olen = sizeof(other);
		err = get_at(fd, SOL_IP, WFPREDIR_SO_GET_REDIRECT, other, &olen);
		printf("levels %s same=%d\n", errno_name(err),
		       !err && olen == total && !memcmp(other, buf, total));
	}

	/* too small: success, the size needed, nothing copied */
	memset(other, 0xa5, sizeof(other));
	olen = total - 1;
	err = get(fd, WFPREDIR_SO_GET_REDIRECT, other, &olen);
	printf("short %s len=%u untouched=%d\n", errno_name(err), (unsigned int)olen,
	       all(other, sizeof(other), 0xa5));
	olen = 0;
	err = get(fd, WFPREDIR_SO_GET_REDIRECT, other, &olen);
	printf("zero %s len=%u\n", errno_name(err), (unsigned int)olen);
	olen = sizeof(hdr);
	err = get(fd, WFPREDIR_SO_GET_REDIRECT, other, &olen);
	printf("hdronly %s len=%u untouched=%d\n", errno_name(err), (unsigned int)olen,
	       all(other, sizeof(other), 0xa5));
	olen = (socklen_t)-1;
	printf("negative %s\n", errno_name(get(fd, WFPREDIR_SO_GET_REDIRECT, other, &olen)));
	bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bad == MAP_FAILED)
		die("mmap: %s", errno_name(errno));
	olen = total;
	printf("badptr %s\n", errno_name(get(fd, WFPREDIR_SO_GET_REDIRECT, bad, &olen)));

	fresh = socket(family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	printf("set %s\n", errno_name(setsockopt(fresh, level_of(fresh), WFPREDIR_SO_SET_RECORDS,
						 buf + hdr.hdr_len, hdr.records_len)
					      ? errno
					      : 0));
	close(fresh);

	memset(other, 0, sizeof(other));
	slen = sizeof(other);
	err = wfpredir_query_redirect(fd, other, &slen, &info);
	printf("lib %s same=%d\n", errno_name(err),
	       !err && slen == total && info.records_len == rlen &&
		       !memcmp(info.records, buf + hdr.hdr_len, rlen) &&
		       info.context_len == hdr.context_len &&
		       (!info.context_len ||
			!memcmp(info.context, buf + hdr.hdr_len + hdr.records_len,
				info.context_len)) &&
		       info.flags == hdr.flags);
	slen = 1234;
	err = wfpredir_query_redirect(fd, NULL, &slen, &info);
	printf("lib_null %s len=%zu\n", errno_name(err), slen);
	slen = total - 1;
	err = wfpredir_query_redirect(fd, other, &slen, &info);
	printf("lib_short %s len=%zu\n", errno_name(err), slen);

	memset(other, 0, sizeof(other));
	got = 0;
	err = WSAIoctl(fd, SIO_QUERY_WFPREDIR_REDIRECT, NULL, 0, other, sizeof(other), &got, NULL,
		       NULL)
		      ? WSAGetLastError()
		      : 0;
	printf("wsa %s bytes=%u same=%d\n", wsa_name(err), (unsigned int)got,
	       !err && got == total && !memcmp(other, buf, total));
	got = 0;
	err = WSAIoctl(fd, SIO_QUERY_WFPREDIR_REDIRECT, NULL, 0, other, total - 1, &got, NULL, NULL)
		      ? WSAGetLastError()
		      : 0;
	printf("wsa_short %s bytes=%u\n", wsa_name(err), (unsigned int)got);
	got = 77;
	err = WSAIoctl(fd, SIO_QUERY_WFPREDIR_REDIRECT, NULL, 0, bad, total, &got, NULL, NULL)
		      ? WSAGetLastError()
		      : 0;
	printf("wsa_badptr %s bytes=%u\n", wsa_name(err), (unsigned int)got);
	munmap(bad, 4096);
}

static void cases_direct(int fd)
{
	unsigned char buf[BUF_LEN];
	struct wfpredir_redirect_info info;
	socklen_t len = sizeof(buf);
	size_t slen = sizeof(buf);
	DWORD got;

	printf("direct %s\n", errno_name(get(fd, WFPREDIR_SO_GET_REDIRECT, buf, &len)));
	printf("lib_direct %s\n", errno_name(wfpredir_query_redirect(fd, buf, &slen, &info)));
	printf("wsa_direct %s\n", wsa_name(WSAIoctl(fd, SIO_QUERY_WFPREDIR_REDIRECT, NULL, 0, buf,
						    sizeof(buf), &got, NULL, NULL)
						   ? WSAGetLastError()
						   : 0));
}

/* The accepted socket, or for UDP the bound one with the datagram queued. */
static int next_flow(int ls)
{
	int a;

	if (udp) {
		wait_readable(ls);
		return ls;
	}
	a = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (a < 0)
		die("accept: %s", errno_name(errno));
	return a;
}

int main(int argc, char **argv)
{
	const char *listen_at = NULL, *dst = NULL, *direct = NULL;
	struct sockaddr_storage ss;
	unsigned char buf[BUF_LEN];
	socklen_t len;
	int opt, ls, fd, one = 1, fresh;

	while ((opt = getopt(argc, argv, "p:l:c:d:")) != -1) {
		switch (opt) {
		case 'p':
			udp = !strcmp(optarg, "udp");
			if (!udp && strcmp(optarg, "tcp"))
				goto usage;
			break;
		case 'l':
			listen_at = optarg;
			break;
		case 'c':
			dst = optarg;
			break;
		case 'd':
			direct = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || !listen_at || !dst || !direct)
		goto usage;

	len = parse_addr(listen_at, &ss);
	family = ss.ss_family;
	ls = sock_new();
	if (setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (struct sockaddr *)&ss, len) || (!udp && listen(ls, 4)))
		die("listen %s: %s", listen_at, errno_name(errno));

	fresh = sock_new();
	len = sizeof(buf);
	printf("fresh %s\n", errno_name(get(fresh, WFPREDIR_SO_GET_REDIRECT, buf, &len)));
	close(fresh);
	if (!udp) {
		len = sizeof(buf);
		printf("listener %s\n", errno_name(get(ls, WFPREDIR_SO_GET_REDIRECT, buf, &len)));
	}

	client(dst);
	fd = next_flow(ls);
	cases_redirected(fd);
	if (udp) {
		/* read the datagram; the direct one is next at the head */
		if (recv(ls, buf, sizeof(buf), 0) < 0)
			die("recv: %s", errno_name(errno));
		len = sizeof(buf);
		printf("empty %s\n", errno_name(get(ls, WFPREDIR_SO_GET_REDIRECT, buf, &len)));
	}
	client(direct);
	cases_direct(next_flow(ls));
	return 0;

usage:
	fprintf(stderr, "usage: query-redirect -p tcp|udp -l LISTEN -c DST -d DIRECT\n");
	return 2;
}
