// SPDX-License-Identifier: GPL-2.0
/*
 * udpsnoop: the two sides of query_owner.sh's UDP cases, one process each
 * (python3 took a second to start under TCG).
 *
 *   udpsnoop victim DST:PORT
 *	Sends one datagram ("victim-secret") to DST:PORT from an ephemeral
 *	port of a connected IPv4 UDP socket, prints "src ADDR:PORT" (its
 *	source), then keeps the socket 30 s.
 *
 *   udpsnoop snoop LOCAL:LPORT PEER:PPORT
 *	Binds LOCAL:LPORT (SO_REUSEADDR), connects to PEER:PPORT, asks for
 *	the flow's records and context (SOL_IP, the raw wfpredir options,
 *	1024 bytes of room) and prints "records=ok|ERRNO context=ok|ERRNO",
 *	and " uid=U" (the context's uid) when the context came.
 *
 * Exit status 0, or 2 when the command line or a socket call fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <wfpredir.h>

#include "common/helper.h"

/* the default context: two addresses, then the process, whose uid is first */
#define CTX_UID_OFF (2 * WFPREDIR_CONTEXT_SOCKADDR_LEN)
#define CTX_MIN_LEN (CTX_UID_OFF + sizeof(struct wfpredir_context_process))

static int udp_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	return fd;
}

static int victim(const char *dst)
{
	struct sockaddr_storage ss, local;
	socklen_t sl = parse_addr(dst, &ss), ll = sizeof(local);
	char buf[INET6_ADDRSTRLEN + 10];
	int fd = udp_socket();

	if (connect(fd, (struct sockaddr *)&ss, sl) < 0)
		die("connect: %s", strerror(errno));
	if (send(fd, "victim-secret", 13, 0) < 0)
		die("send: %s", strerror(errno));
	if (getsockname(fd, (struct sockaddr *)&local, &ll) < 0)
		die("getsockname: %s", strerror(errno));
	format_addr(&local, buf, sizeof(buf));
	printf("src %s\n", buf);
	fflush(stdout);
	sleep(30);
	return 0;
}

static int snoop(const char *at, const char *peer)
{
	struct sockaddr_storage ls, ps;
	socklen_t ll = parse_addr(at, &ls), pl = parse_addr(peer, &ps);
	unsigned char buf[1024];
	socklen_t len;
	int fd = udp_socket(), one = 1;
	int err;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ls, ll) < 0)
		die("bind: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&ps, pl) < 0)
		die("connect: %s", strerror(errno));
	len = sizeof(buf);
	err = getsockopt(fd, SOL_IP, WFPREDIR_SO_GET_RECORDS, buf, &len) ? errno : 0;
	printf("records=%s", errno_name(err));
	len = sizeof(buf);
	err = getsockopt(fd, SOL_IP, WFPREDIR_SO_GET_CONTEXT, buf, &len) ? errno : 0;
	printf(" context=%s", errno_name(err));
	if (!err && len >= CTX_MIN_LEN) {
		uint32_t uid;

		memcpy(&uid, buf + CTX_UID_OFF, sizeof(uid));
		printf(" uid=%u", uid);
	}
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "victim"))
		return victim(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "snoop"))
		return snoop(argv[2], argv[3]);
	die("usage: udpsnoop victim DST:PORT | udpsnoop snoop LOCAL:LPORT PEER:PPORT");
}
