// SPDX-License-Identifier: MIT
/*
 * UDP control messages: the claim the kernel hands back for a received
 * datagram (struct wfpredir_dgram_flow and the records and context after
 * it, WFPREDIR_SO_GET_DGRAM_FLOW / _PEEK_), turned into the records and
 * context control messages of wfpredir_recvmsg() and WSARecvMsg(); and the
 * caller's control messages that wfpredir_sendmsg() and WSASendMsg() split
 * into the records and the rest. Real loopback UDP sockets carry the
 * datagrams; a fake kernel answers the socket options with the fuzzed claim.
 *
 * Input: mode, control buffer size, name size, then a 2-byte length (big
 * endian) and the claim, then the sender's control messages.
 */
#include "fuzz.h"
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

enum {
	M_V6 = 0x01,	     /* the IPv6 pair */
	M_PEEK = 0x02,	     /* MSG_PEEK first */
	M_PEER = 0x04,	     /* the claim names the real sender */
	M_WSA = 0x08,	     /* WSARecvMsg()/WSASendMsg() */
	M_GET_ERR = 0x10,    /* the claim's option fails */
	M_NO_CONTROL = 0x20, /* no control buffer */
};

struct pair {
	int rx, tx;
	struct sockaddr_storage rx_addr, tx_addr;
	socklen_t len;
};

static struct pair pairs[2];

static struct {
	const uint8_t *claim;
	size_t claim_len;
	int get_err;
} kern;

static int fake_get(int fd, int level, int name, void *val, socklen_t *len)
{
	(void)fd;
	(void)level;
	(void)name;
	if (kern.get_err)
		return kern.get_err;
	/* A hostile kernel: it may say it wrote more than there was room for. */
	memcpy(val, kern.claim, kern.claim_len < *len ? kern.claim_len : *len);
	*len = (socklen_t)kern.claim_len;
	return 0;
}

static int fake_set(int fd, int level, int name, const void *val, socklen_t len)
{
	(void)fd;
	(void)level;
	(void)name;
	(void)val;
	(void)len;
	return 0;
}

static const struct wfpredir_sockopt_ops ops = { .get = fake_get, .set = fake_set };

static int udp_bound(int family, struct sockaddr_storage *ss, socklen_t *len)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	check(fd >= 0);
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		((struct sockaddr_in *)ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
		*len = sizeof(struct sockaddr_in6);
	}
	check(!bind(fd, (struct sockaddr *)ss, *len));
	check(!getsockname(fd, (struct sockaddr *)ss, len));
	return fd;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (int i = 0; i < 2; i++) {
		int family = i ? AF_INET6 : AF_INET;

		pairs[i].rx = udp_bound(family, &pairs[i].rx_addr, &pairs[i].len);
		pairs[i].tx = udp_bound(family, &pairs[i].tx_addr, &pairs[i].len);
	}
	return 0;
}

static void drain(int fd)
{
	char b[64];

	while (recv(fd, b, sizeof(b), MSG_DONTWAIT) >= 0)
		;
}

/* The control messages the library wrote lie within what it says. */
static void check_control(const void *control, size_t cap, size_t used)
{
	const unsigned char *p = control;
	size_t off = 0;

	check(used <= cap);
	while (used - off >= sizeof(struct cmsghdr)) {
		struct cmsghdr h;

		memcpy(&h, p + off, sizeof(h));
		check(h.cmsg_len >= sizeof(h) && h.cmsg_len <= used - off);
		off += CMSG_ALIGN(h.cmsg_len);
		if (off >= used)
			break;
	}
}

static void receive(struct pair *pr, uint8_t mode, size_t cap, size_t namelen)
{
	void *control = mode & M_NO_CONTROL ? NULL : malloc(cap ? cap : 1);
	struct sockaddr_storage *name = malloc(namelen ? namelen : 1);
	char payload[16];
	struct iovec iov = { payload, sizeof(payload) };

	check(name && (control || (mode & M_NO_CONTROL)));
	if (mode & M_WSA) {
		WSABUF buf = { sizeof(payload), payload };
		WSAMSG m = {
			.name = (struct sockaddr *)name,
			.namelen = (INT)namelen,
			.lpBuffers = &buf,
			.dwBufferCount = 1,
			.Control = { (ULONG)(control ? cap : 0), control },
			.dwFlags = mode & M_PEEK ? MSG_PEEK : 0,
		};
		DWORD bytes = 0;

		if (!wfpredir__wsa_recvmsg(&ops, pr->rx, &m, &bytes, NULL, NULL) && control)
			check_control(control, cap, m.Control.len);
	} else {
		struct msghdr m = {
			.msg_name = name,
			.msg_namelen = (socklen_t)namelen,
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = control,
			.msg_controllen = control ? cap : 0,
		};

		ssize_t n = wfpredir__recvmsg(&ops, pr->rx, &m, mode & M_PEEK ? MSG_PEEK : 0);

		if (n >= 0 && control)
			check_control(control, cap, m.msg_controllen);
	}
	drain(pr->rx);
	free(control);
	free(name);
}

static void send_with(struct pair *pr, uint8_t mode, const uint8_t *ctl, size_t len)
{
	void *control = fuzz_dup(ctl, len);
	char payload[] = "x";

	if (mode & M_WSA) {
		WSABUF buf = { 1, payload };
		WSAMSG m = {
			.name = (struct sockaddr *)&pr->rx_addr,
			.namelen = (INT)pr->len,
			.lpBuffers = &buf,
			.dwBufferCount = 1,
			.Control = { (ULONG)len, len ? control : NULL },
		};
		DWORD bytes = 0;

		wfpredir__wsa_sendmsg(&ops, pr->tx, &m, 0, &bytes, NULL, NULL);
	} else {
		struct iovec iov = { payload, 1 };
		struct msghdr m = {
			.msg_name = &pr->rx_addr,
			.msg_namelen = pr->len,
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = len ? control : NULL,
			.msg_controllen = len,
		};

		wfpredir__sendmsg(&ops, pr->tx, &m, 0);
	}
	drain(pr->rx);
	free(control);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *claim;
	size_t claim_len;
	struct pair *pr;
	uint8_t mode;

	if (size < 5)
		return 0;
	mode = data[0];
	pr = &pairs[mode & M_V6];
	claim_len = (size_t)data[3] << 8 | data[4];
	if (claim_len > size - 5)
		claim_len = size - 5;
	claim = fuzz_dup(data + 5, claim_len);
	/* The claim names the datagram's real source, or the fuzzer's. */
	if ((mode & M_PEER) && claim_len >= sizeof(struct wfpredir_dgram_flow)) {
		struct wfpredir_dgram_flow df;

		memcpy(&df, claim, sizeof(df));
		df.family = (uint8_t)pr->tx_addr.ss_family;
		if (df.family == AF_INET) {
			const struct sockaddr_in *sin = (const struct sockaddr_in *)&pr->tx_addr;

			df.peer_port = sin->sin_port;
			memcpy(df.peer_addr, &sin->sin_addr, 4);
		} else {
			const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&pr->tx_addr;

			df.peer_port = sin6->sin6_port;
			memcpy(df.peer_addr, &sin6->sin6_addr, 16);
		}
		memcpy(claim, &df, sizeof(df));
	}
	kern.claim = claim;
	kern.claim_len = claim_len;
	kern.get_err = mode & M_GET_ERR ? -ENOPROTOOPT : 0;

	check(sendto(pr->tx, "x", 1, 0, (struct sockaddr *)&pr->rx_addr, pr->len) == 1);
	receive(pr, mode, data[1], data[2] % (sizeof(struct sockaddr_storage) + 1));

	send_with(pr, mode, data + 5 + claim_len, size - 5 - claim_len);
	free(claim);
	return 0;
}
