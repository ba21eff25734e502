// SPDX-License-Identifier: MIT
/*
 * msg.c: WSACMSGHDR and the WSA_CMSG_*() macros, the extension function
 * pointers, WSARecvMsg()/WSASendMsg() argument checks, and the records and
 * context control messages built from a fake kernel's claim, over real
 * loopback UDP sockets.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

Suite *msg_suite(void);

#define LAST_ERROR 4242
#define POISON 0xdeadbeefu

/* A fake kernel for the claim (get) and the records (set) calls. */
static struct {
	int get_err;
	unsigned char claim[WFPREDIR_DGRAM_FLOW_MAX_LEN];
	socklen_t claim_len;
	int get_calls, get_name, get_level;
	int set_err;
	int set_calls;
	int set_names[4];
	unsigned char set_data[64];
	socklen_t set_len;
} mk;

static int mk_get(int fd, int level, int name, void *val, socklen_t *len)
{
	(void)fd;
	mk.get_calls++;
	mk.get_name = name;
	mk.get_level = level;
	if (mk.get_err)
		return mk.get_err;
	if (*len >= mk.claim_len)
		memcpy(val, mk.claim, mk.claim_len);
	*len = mk.claim_len;
	return 0;
}

static int mk_set(int fd, int level, int name, const void *val, socklen_t len)
{
	(void)fd;
	(void)level;
	if (mk.set_calls < 4)
		mk.set_names[mk.set_calls] = name;
	mk.set_calls++;
	if (name == WFPREDIR_SO_SET_RECORDS) {
		if (mk.set_err)
			return mk.set_err;
		mk.set_len = len;
		if (len <= sizeof(mk.set_data))
			memcpy(mk.set_data, val, len);
	}
	return 0;
}

static const struct wfpredir_sockopt_ops mk_ops = { .get = mk_get, .set = mk_set };

static const unsigned char rec[] = "RECORDS-0123456789";
static const unsigned char ctx[] = "CONTEXT";

/* A claim: FIRST or not, for peer @peer, with records and context. */
static void mk_claim(bool first, const struct sockaddr_in *peer, bool context)
{
	struct wfpredir_dgram_flow df;

	memset(&df, 0, sizeof(df));
	df.flags = first ? WFPREDIR_DGRAM_F_FIRST : 0;
	df.family = AF_INET;
	df.peer_port = peer->sin_port;
	memcpy(df.peer_addr, &peer->sin_addr, 4);
	df.records_len = sizeof(rec);
	df.context_len = context ? sizeof(ctx) : 0;
	memcpy(mk.claim, &df, sizeof(df));
	memcpy(mk.claim + sizeof(df), rec, sizeof(rec));
	memcpy(mk.claim + sizeof(df) + sizeof(rec), ctx, sizeof(ctx));
	mk.claim_len = sizeof(df) + df.records_len + df.context_len;
}

static void setup(void)
{
	memset(&mk, 0, sizeof(mk));
	WSASetLastError(LAST_ERROR);
}

/* A bound loopback UDP socket and its address. */
static int udp_bound(struct sockaddr_in *sin)
{
	int fd = unit_socket(AF_INET, SOCK_DGRAM, 0);
	socklen_t len = sizeof(*sin);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)sin, &len), 0);
	return fd;
}

struct pair {
	int rx, tx;
	struct sockaddr_in rx_addr, tx_addr;
};

static void pair_open(struct pair *p, const char *payload)
{
	p->rx = udp_bound(&p->rx_addr);
	p->tx = udp_bound(&p->tx_addr);
	if (payload)
		ck_assert_int_eq(sendto(p->tx, payload, strlen(payload), 0,
					(struct sockaddr *)&p->rx_addr, sizeof(p->rx_addr)),
				 (ssize_t)strlen(payload));
}

static void pair_close(struct pair *p)
{
	close(p->rx);
	close(p->tx);
}

/* ------------------------------------------------------------ layout */

START_TEST(WSACMSGHDR_and_the_WSA_CMSG_macros_match_cmsghdr_and_CMSG)
{
	unsigned char buf[256] __attribute__((aligned(8)));
	WSAMSG m = { 0 };
	LPWSACMSGHDR c;
	struct msghdr mh = { 0 };
	size_t n;

	ck_assert_uint_eq(sizeof(WSACMSGHDR), sizeof(struct cmsghdr));
	ck_assert_uint_eq(sizeof(WSAMSG), 56);
	ck_assert_uint_eq(sizeof(WSABUF), 16);
	ck_assert_uint_eq(offsetof(WSABUF, buf), 8);
	for (n = 0; n < 40; n++) {
		ck_assert_uint_eq(WSA_CMSG_LEN(n), CMSG_LEN(n));
		ck_assert_uint_eq(WSA_CMSG_SPACE(n), CMSG_SPACE(n));
	}

	m.Control.buf = (char *)buf;
	m.Control.len = sizeof(WSACMSGHDR) - 1;
	ck_assert_ptr_null(WSA_CMSG_FIRSTHDR(&m));
	m.Control.len = sizeof(buf);
	mh.msg_control = buf;
	mh.msg_controllen = sizeof(buf);
	c = WSA_CMSG_FIRSTHDR(&m);
	ck_assert_ptr_eq(c, (void *)CMSG_FIRSTHDR(&mh));
	c->cmsg_len = WSA_CMSG_LEN(5);
	ck_assert_ptr_eq(WSA_CMSG_DATA(c), CMSG_DATA((struct cmsghdr *)(void *)c));
	ck_assert_ptr_eq(WSA_CMSG_NXTHDR(&m, c),
			 (void *)CMSG_NXTHDR(&mh, (struct cmsghdr *)(void *)c));
	c = NULL;
	ck_assert_ptr_eq(WSA_CMSG_NXTHDR(&m, c), (void *)buf);
	c = WSA_CMSG_FIRSTHDR(&m);
	/* A header that would run past the buffer ends the walk. */
	c->cmsg_len = sizeof(buf) - 8;
	ck_assert_ptr_null(WSA_CMSG_NXTHDR(&m, c));
}
END_TEST

/* ------------------------------------------------- extension pointers */

START_TEST(the_extension_pointers_are_WSARecvMsg_and_WSASendMsg)
{
	GUID r = WSAID_WSARECVMSG, s = WSAID_WSASENDMSG;
	LPFN_WSARECVMSG rf = NULL;
	LPFN_WSASENDMSG sf = NULL;
	DWORD ret = POISON;

	ck_assert_uint_eq(SIO_GET_EXTENSION_FUNCTION_POINTER, 0xC8000006u);
	ck_assert_uint_eq(r.Data1, 0xf689d7c8u);
	ck_assert_uint_eq(s.Data4[7], 0x6d);
	ck_assert_int_eq(wfpredir__extension_function(&r, sizeof(r), &rf, sizeof(rf), &ret), 0);
	ck_assert_ptr_eq((void *)rf, (void *)WSARecvMsg);
	ck_assert_uint_eq(ret, sizeof(void *));
	ret = POISON;
	ck_assert_int_eq(wfpredir__extension_function(&s, sizeof(s), &sf, sizeof(sf), &ret), 0);
	ck_assert_ptr_eq((void *)sf, (void *)WSASendMsg);
	ck_assert_uint_eq(ret, sizeof(void *));
}
END_TEST

START_TEST(an_unknown_GUID_is_WSAEINVAL_and_short_buffers_WSAEFAULT)
{
	GUID r = WSAID_WSARECVMSG, bad = WSAID_WSARECVMSG;
	void *out = NULL;
	DWORD ret = 0;

	bad.Data4[0] ^= 1;
	ck_assert_int_eq(wfpredir__extension_function(&bad, sizeof(bad), &out, sizeof(out), &ret),
			 WSAEINVAL);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(wfpredir__extension_function(&r, sizeof(r) - 1, &out, sizeof(out), &ret),
			 WSAEFAULT);
	ck_assert_int_eq(wfpredir__extension_function(&r, sizeof(r), &out, sizeof(out) - 1, &ret),
			 WSAEFAULT);
	ck_assert_int_eq(wfpredir__extension_function(NULL, sizeof(r), &out, sizeof(out), &ret),
			 WSAEFAULT);
	ck_assert_int_eq(wfpredir__extension_function(&r, sizeof(r), NULL, sizeof(out), &ret),
			 WSAEFAULT);
	ck_assert_ptr_null(out);
}
END_TEST

/* -------------------------------------------------- building cmsgs */

START_TEST(a_first_claim_appends_records_then_context)
{
	unsigned char buf[256] __attribute__((aligned(8)));
	struct sockaddr_in peer = { .sin_family = AF_INET };
	struct msghdr mh = { .msg_control = buf, .msg_controllen = sizeof(buf) };
	struct cmsghdr *c;
	size_t used = 0;

	mk_claim(true, &peer, true);
	ck_assert_int_eq(wfpredir__msg_append(buf, sizeof(buf), &used, SOL_IP,
					      (const struct wfpredir_dgram_flow *)mk.claim),
			 0);
	ck_assert_uint_eq(used, CMSG_SPACE(sizeof(rec)) + CMSG_SPACE(sizeof(ctx)));
	mh.msg_controllen = used;
	c = CMSG_FIRSTHDR(&mh);
	ck_assert_int_eq(c->cmsg_level, IPPROTO_IP);
	ck_assert_int_eq(c->cmsg_type, IP_WFP_REDIRECT_RECORDS);
	ck_assert_uint_eq(c->cmsg_len, CMSG_LEN(sizeof(rec)));
	ck_assert_mem_eq(CMSG_DATA(c), rec, sizeof(rec));
	c = CMSG_NXTHDR(&mh, c);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->cmsg_type, IP_WFP_REDIRECT_CONTEXT);
	ck_assert_mem_eq(CMSG_DATA(c), ctx, sizeof(ctx));
	ck_assert_ptr_null(CMSG_NXTHDR(&mh, c));

	/* IPv6 sockets: the IPV6_ twins at IPPROTO_IPV6. */
	used = 0;
	wfpredir__msg_append(buf, sizeof(buf), &used, SOL_IPV6,
			     (const struct wfpredir_dgram_flow *)mk.claim);
	c = CMSG_FIRSTHDR(&mh);
	ck_assert_int_eq(c->cmsg_level, IPPROTO_IPV6);
	ck_assert_int_eq(c->cmsg_type, IPV6_WFP_REDIRECT_RECORDS);
}
END_TEST

START_TEST(a_later_claim_or_a_flow_without_records_appends_nothing)
{
	unsigned char buf[256];
	struct sockaddr_in peer = { .sin_family = AF_INET };
	struct wfpredir_dgram_flow *df = (struct wfpredir_dgram_flow *)mk.claim;
	size_t used = 8;

	mk_claim(false, &peer, true);
	ck_assert_int_eq(wfpredir__msg_append(buf, sizeof(buf), &used, SOL_IP, df), 0);
	ck_assert_uint_eq(used, 8);
	mk_claim(true, &peer, false);
	df->records_len = 0;
	ck_assert_int_eq(wfpredir__msg_append(buf, sizeof(buf), &used, SOL_IP, df), 0);
	ck_assert_uint_eq(used, 8);
}
END_TEST

START_TEST(control_messages_that_do_not_fit_are_left_out_with_MSG_CTRUNC)
{
	unsigned char buf[256];
	struct sockaddr_in peer = { .sin_family = AF_INET };
	const struct wfpredir_dgram_flow *df = (const struct wfpredir_dgram_flow *)mk.claim;
	size_t used = 0;

	mk_claim(true, &peer, true);
	/* room for the records only */
	ck_assert_int_eq(wfpredir__msg_append(buf, CMSG_SPACE(sizeof(rec)) + 8, &used, SOL_IP, df),
			 MSG_CTRUNC);
	ck_assert_uint_eq(used, CMSG_SPACE(sizeof(rec)));
	used = 0;
	ck_assert_int_eq(wfpredir__msg_append(buf, CMSG_SPACE(sizeof(rec)) - 1, &used, SOL_IP, df),
			 MSG_CTRUNC);
	ck_assert_uint_eq(used, 0);
	ck_assert_int_eq(wfpredir__msg_append(NULL, 0, &used, SOL_IP, df), MSG_CTRUNC);
}
END_TEST

/* ----------------------------------------------------- WSARecvMsg */

static int recv_msg(int fd, WSAMSG *m, DWORD *got)
{
	return wfpredir__wsa_recvmsg(&mk_ops, fd, m, got, NULL, NULL);
}

static int recv_msg_ov(int fd, WSAMSG *m, DWORD *got, WSAOVERLAPPED *ov)
{
	return wfpredir__wsa_recvmsg(&mk_ops, fd, m, got, ov, NULL);
}

START_TEST(WSARecvMsg_argument_errors)
{
	struct sockaddr_in sin;
	char data[16];
	WSABUF b = { sizeof(data), data };
	WSAMSG m = { .lpBuffers = &b, .dwBufferCount = 1 };
	DWORD got = POISON;
	int fd;

	ck_assert_int_eq(recv_msg(unit_closed_fd(), &m, &got), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAENOTSOCK);

	fd = udp_bound(&sin);
	ck_assert_int_eq(recv_msg(fd, NULL, &got), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEFAULT);
	ck_assert_int_eq(recv_msg(fd, &m, NULL), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEFAULT);
	m.dwFlags = MSG_OOB;
	ck_assert_int_eq(recv_msg(fd, &m, &got), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEOPNOTSUPP);
	m.dwFlags = 0;
	m.Control.buf = (char *)8;
	m.Control.len = 64;
	ck_assert_int_eq(recv_msg(fd, &m, &got), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEFAULT);
	m.Control.buf = NULL;
	m.Control.len = 0;
	/* nothing queued on a non-blocking socket */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	mk.get_err = -EAGAIN;
	ck_assert_int_eq(recv_msg(fd, &m, &got), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEWOULDBLOCK);
	ck_assert_uint_eq(got, 0);
	close(fd);

	/* not bound */
	fd = unit_socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_eq(recv_msg(fd, &m, &got), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEINVAL);
	close(fd);
	/* a stream socket */
	fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(recv_msg(fd, &m, &got), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEOPNOTSUPP);
	close(fd);
}
END_TEST

START_TEST(WSARecvMsg_reports_the_records_on_a_first_datagram)
{
	unsigned char ctl[256] __attribute__((aligned(8)));
	struct sockaddr_in from;
	struct pair p;
	char data[16];
	WSABUF b[2] = { { 3, data }, { sizeof(data) - 3, data + 3 } };
	WSAMSG m = { .name = (struct sockaddr *)&from,
		     .namelen = sizeof(from),
		     .lpBuffers = b,
		     .dwBufferCount = 2,
		     .Control = { sizeof(ctl), (char *)ctl } };
	LPWSACMSGHDR c;
	DWORD got = POISON;

	pair_open(&p, "hello");
	mk_claim(true, &p.tx_addr, true);
	ck_assert_int_eq(recv_msg(p.rx, &m, &got), 0);
	ck_assert_int_eq(mk.get_name, WFPREDIR_SO_GET_DGRAM_FLOW);
	ck_assert_int_eq(mk.get_level, SOL_IP);
	ck_assert_uint_eq(got, 5);
	ck_assert_mem_eq(data, "hello", 5);
	ck_assert_int_eq(m.namelen, sizeof(from));
	ck_assert_uint_eq(from.sin_port, p.tx_addr.sin_port);
	ck_assert_uint_eq(m.dwFlags, 0);
	ck_assert_uint_eq(m.Control.len, CMSG_SPACE(sizeof(rec)) + CMSG_SPACE(sizeof(ctx)));
	c = WSA_CMSG_FIRSTHDR(&m);
	ck_assert_int_eq(c->cmsg_level, IPPROTO_IP);
	ck_assert_int_eq(c->cmsg_type, IP_WFP_REDIRECT_RECORDS);
	ck_assert_mem_eq(WSA_CMSG_DATA(c), rec, sizeof(rec));
	c = WSA_CMSG_NXTHDR(&m, c);
	ck_assert_int_eq(c->cmsg_type, IP_WFP_REDIRECT_CONTEXT);
	ck_assert_mem_eq(WSA_CMSG_DATA(c), ctx, sizeof(ctx));

	/* a later datagram of the flow: no claim, no control messages */
	ck_assert_int_eq(
		sendto(p.tx, "again", 5, 0, (struct sockaddr *)&p.rx_addr, sizeof(p.rx_addr)), 5);
	mk_claim(false, &p.tx_addr, true);
	m.Control.len = sizeof(ctl);
	ck_assert_int_eq(recv_msg(p.rx, &m, &got), 0);
	ck_assert_uint_eq(got, 5);
	ck_assert_uint_eq(m.Control.len, 0);
	pair_close(&p);
}
END_TEST

START_TEST(WSARecvMsg_leaves_the_records_out_when_the_datagram_is_not_the_claimed_one)
{
	unsigned char ctl[256] __attribute__((aligned(8)));
	struct sockaddr_in other;
	struct pair p;
	char data[16];
	WSABUF b = { sizeof(data), data };
	WSAMSG m = { .lpBuffers = &b, .dwBufferCount = 1, .Control = { sizeof(ctl), (char *)ctl } };
	DWORD got;

	pair_open(&p, "hello");
	other = p.tx_addr;
	other.sin_port = htons(ntohs(other.sin_port) ^ 1);
	mk_claim(true, &other, true);
	ck_assert_int_eq(recv_msg(p.rx, &m, &got), 0);
	ck_assert_uint_eq(m.Control.len, 0);
	pair_close(&p);
}
END_TEST

START_TEST(WSARecvMsg_truncation_is_WSAEMSGSIZE_and_MSG_CTRUNC_for_control)
{
	unsigned char ctl[56] __attribute__((aligned(8)));
	struct pair p;
	char data[4];
	WSABUF b = { sizeof(data), data };
	WSAMSG m = { .lpBuffers = &b, .dwBufferCount = 1, .Control = { sizeof(ctl), (char *)ctl } };
	DWORD got = POISON;

	pair_open(&p, "longer than four");
	mk_claim(true, &p.tx_addr, true);
	/* 56 bytes hold the records (40) but not the context (24) too */
	ck_assert_int_eq(recv_msg(p.rx, &m, &got), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEMSGSIZE);
	ck_assert_uint_eq(got, sizeof(data));
	ck_assert_uint_eq(m.dwFlags, MSG_TRUNC | MSG_CTRUNC);
	ck_assert_uint_eq(m.Control.len, CMSG_SPACE(sizeof(rec)));
	pair_close(&p);
}
END_TEST

START_TEST(MSG_PEEK_asks_without_claiming)
{
	struct pair p;
	char data[16];
	WSABUF b = { sizeof(data), data };
	WSAMSG m = { .lpBuffers = &b, .dwBufferCount = 1, .dwFlags = MSG_PEEK };
	DWORD got;

	pair_open(&p, "hello");
	mk_claim(true, &p.tx_addr, false);
	ck_assert_int_eq(recv_msg(p.rx, &m, &got), 0);
	ck_assert_int_eq(mk.get_name, WFPREDIR_SO_PEEK_DGRAM_FLOW);
	m.dwFlags = 0;
	ck_assert_int_eq(recv_msg(p.rx, &m, &got), 0);
	ck_assert_int_eq(mk.get_name, WFPREDIR_SO_GET_DGRAM_FLOW);
	ck_assert_uint_eq(got, 5);
	pair_close(&p);
}
END_TEST

START_TEST(an_overlapped_WSARecvMsg_completes_when_the_datagram_arrives)
{
	unsigned char ctl[256] __attribute__((aligned(8)));
	struct sockaddr_in rx_addr, tx_addr;
	socklen_t len = sizeof(rx_addr);
	char data[16];
	WSABUF b = { sizeof(data), data };
	WSAMSG m = { .lpBuffers = &b, .dwBufferCount = 1, .Control = { sizeof(ctl), (char *)ctl } };
	WSAOVERLAPPED ov = { 0 };
	DWORD got = POISON, flags;
	LPWSACMSGHDR c;
	SOCKET rx;
	int tx;

	rx = WSASocketW(AF_INET, SOCK_DGRAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED);
	ck_assert_int_ne(rx, INVALID_SOCKET);
	memset(&rx_addr, 0, sizeof(rx_addr));
	rx_addr.sin_family = AF_INET;
	rx_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(rx, (struct sockaddr *)&rx_addr, sizeof(rx_addr)), 0);
	ck_assert_int_eq(getsockname(rx, (struct sockaddr *)&rx_addr, &len), 0);
	tx = udp_bound(&tx_addr);
	ov.hEvent = WSACreateEvent();
	mk_claim(true, &tx_addr, false);

	ck_assert_int_eq(recv_msg_ov(rx, &m, &got, &ov), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSA_IO_PENDING);
	ck_assert_int_eq(sendto(tx, "hello", 5, 0, (struct sockaddr *)&rx_addr, sizeof(rx_addr)),
			 5);
	ck_assert_int_eq(WSAGetOverlappedResult(rx, &ov, &got, TRUE, &flags), TRUE);
	ck_assert_uint_eq(got, 5);
	ck_assert_mem_eq(data, "hello", 5);
	ck_assert_uint_eq(m.Control.len, CMSG_SPACE(sizeof(rec)));
	c = WSA_CMSG_FIRSTHDR(&m);
	ck_assert_int_eq(c->cmsg_type, IP_WFP_REDIRECT_RECORDS);
	ck_assert_mem_eq(WSA_CMSG_DATA(c), rec, sizeof(rec));
	WSACloseEvent(ov.hEvent);
	closesocket(rx);
	close(tx);
}
END_TEST

/* ----------------------------------------------------- WSASendMsg */

START_TEST(an_overlapped_WSASendMsg_completes_at_once_and_signals_its_event)
{
	struct sockaddr_in rx_addr;
	char data[] = "hello";
	WSABUF b = { 5, data };
	WSAMSG m = { .name = (struct sockaddr *)&rx_addr,
		     .namelen = sizeof(rx_addr),
		     .lpBuffers = &b,
		     .dwBufferCount = 1 };
	WSAOVERLAPPED ov = { 0 };
	DWORD sent = POISON, flags;
	SOCKET tx;
	int rx;

	rx = udp_bound(&rx_addr);
	tx = WSASocketW(AF_INET, SOCK_DGRAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED);
	ck_assert_int_ne(tx, INVALID_SOCKET);
	ov.hEvent = WSACreateEvent();

	ck_assert_int_eq(wfpredir__wsa_sendmsg(&mk_ops, tx, &m, 0, &sent, &ov, NULL), 0);
	ck_assert_uint_eq(sent, 5);
	/* Completed at once, and the event is signalled all the same. */
	ck_assert_uint_eq(WSAWaitForMultipleEvents(1, &ov.hEvent, TRUE, 0, FALSE),
			  WSA_WAIT_EVENT_0);
	sent = POISON;
	ck_assert_int_eq(WSAGetOverlappedResult(tx, &ov, &sent, FALSE, &flags), TRUE);
	ck_assert_uint_eq(sent, 5);
	ck_assert_int_eq(recv(rx, data, sizeof(data), MSG_DONTWAIT), 5);
	WSACloseEvent(ov.hEvent);
	closesocket(tx);
	close(rx);
}
END_TEST

static int send_msg(int fd, WSAMSG *m, DWORD flags, DWORD *sent)
{
	return wfpredir__wsa_sendmsg(&mk_ops, fd, m, flags, sent, NULL, NULL);
}

/* A control buffer: a records message and an IP_TOS message. */
static size_t build_send_control(unsigned char *ctl, size_t cap, int level, bool tos)
{
	WSAMSG m = { .Control = { (ULONG)cap, (char *)ctl } };
	LPWSACMSGHDR c = WSA_CMSG_FIRSTHDR(&m);
	size_t len = WSA_CMSG_SPACE(sizeof(rec));

	memset(ctl, 0, cap);
	c->cmsg_len = WSA_CMSG_LEN(sizeof(rec));
	c->cmsg_level = level;
	c->cmsg_type = IP_WFP_REDIRECT_RECORDS;
	memcpy(WSA_CMSG_DATA(c), rec, sizeof(rec));
	if (tos) {
		int v = 0x10;

		c = WSA_CMSG_NXTHDR(&m, c);
		c->cmsg_len = WSA_CMSG_LEN(sizeof(v));
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_TOS;
		memcpy(WSA_CMSG_DATA(c), &v, sizeof(v));
		len += WSA_CMSG_SPACE(sizeof(v));
	}
	return len;
}

START_TEST(WSASendMsg_sets_the_records_sends_without_them_and_clears)
{
	unsigned char ctl[128] __attribute__((aligned(8)));
	char in[16];
	struct pair p;
	WSABUF b = { 5, "hello" };
	WSAMSG m = { .lpBuffers = &b, .dwBufferCount = 1 };
	DWORD sent = POISON;

	pair_open(&p, NULL);
	m.name = (struct sockaddr *)&p.rx_addr;
	m.namelen = sizeof(p.rx_addr);
	m.Control.len = (ULONG)build_send_control(ctl, sizeof(ctl), IPPROTO_IP, true);
	m.Control.buf = (char *)ctl;
	ck_assert_int_eq(send_msg(p.tx, &m, 0, &sent), 0);
	ck_assert_uint_eq(sent, 5);
	ck_assert_int_eq(mk.set_calls, 2);
	ck_assert_int_eq(mk.set_names[0], WFPREDIR_SO_SET_RECORDS);
	ck_assert_int_eq(mk.set_names[1], WFPREDIR_SO_CLEAR_RECORDS);
	ck_assert_uint_eq(mk.set_len, sizeof(rec));
	ck_assert_mem_eq(mk.set_data, rec, sizeof(rec));
	/* the kernel got the IP_TOS message only (it rejects unknown ones) */
	ck_assert_int_eq(recv(p.rx, in, sizeof(in), MSG_DONTWAIT), 5);

	/* without a records message nothing is set or cleared */
	m.Control.len = 0;
	m.Control.buf = NULL;
	mk.set_calls = 0;
	ck_assert_int_eq(send_msg(p.tx, &m, 0, &sent), 0);
	ck_assert_int_eq(mk.set_calls, 0);
	pair_close(&p);
}
END_TEST

START_TEST(WSASendMsg_sends_nothing_when_the_records_are_refused)
{
	unsigned char ctl[128] __attribute__((aligned(8)));
	char in[16];
	struct pair p;
	WSABUF b = { 5, "hello" };
	WSAMSG m = { .lpBuffers = &b, .dwBufferCount = 1 };
	DWORD sent = POISON;

	pair_open(&p, NULL);
	m.name = (struct sockaddr *)&p.rx_addr;
	m.namelen = sizeof(p.rx_addr);
	m.Control.len = (ULONG)build_send_control(ctl, sizeof(ctl), IPPROTO_IP, false);
	m.Control.buf = (char *)ctl;
	mk.set_err = -EISCONN;
	ck_assert_int_eq(send_msg(p.tx, &m, 0, &sent), SOCKET_ERROR);
	/* mapped as WSAIoctl() maps it (Documentation/wsa-errors.rst) */
	ck_assert_int_eq(WSAGetLastError(), WSAEINVAL);
	ck_assert_uint_eq(sent, 0);
	ck_assert_int_eq(recv(p.rx, in, sizeof(in), MSG_DONTWAIT), -1);
	pair_close(&p);
}
END_TEST

START_TEST(WSASendMsg_argument_errors)
{
	unsigned char ctl[128] __attribute__((aligned(8)));
	struct pair p;
	WSABUF b = { 5, "hello" };
	WSAMSG m = { .lpBuffers = &b, .dwBufferCount = 1 };
	DWORD sent;
	int fd;

	ck_assert_int_eq(send_msg(unit_closed_fd(), &m, 0, &sent), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAENOTSOCK);
	pair_open(&p, NULL);
	m.name = (struct sockaddr *)&p.rx_addr;
	m.namelen = sizeof(p.rx_addr);
	ck_assert_int_eq(send_msg(p.tx, NULL, 0, &sent), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEFAULT);
	ck_assert_int_eq(WSASendMsg(p.tx, &m, 0, NULL, NULL, NULL), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEFAULT);
	ck_assert_int_eq(send_msg(p.tx, &m, MSG_OOB, &sent), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEOPNOTSUPP);
	/* a control message longer than the buffer */
	m.Control.len = (ULONG)build_send_control(ctl, sizeof(ctl), IPPROTO_IP, false);
	m.Control.buf = (char *)ctl;
	((WSACMSGHDR *)(void *)ctl)->cmsg_len = sizeof(ctl) + 1;
	ck_assert_int_eq(send_msg(p.tx, &m, 0, &sent), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEINVAL);
	/* an empty records message */
	((WSACMSGHDR *)(void *)ctl)->cmsg_len = WSA_CMSG_LEN(0);
	ck_assert_int_eq(send_msg(p.tx, &m, 0, &sent), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEINVAL);
	ck_assert_int_eq(mk.set_calls, 0);
	pair_close(&p);
	fd = unit_socket(AF_INET, SOCK_STREAM, 0);
	m.Control.len = 0;
	ck_assert_int_eq(send_msg(fd, &m, 0, &sent), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEOPNOTSUPP);
	close(fd);
}
END_TEST

Suite *msg_suite(void)
{
	Suite *s = suite_create("msg");
	TCase *tc = tcase_create("msg");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, WSACMSGHDR_and_the_WSA_CMSG_macros_match_cmsghdr_and_CMSG);
	tcase_add_test(tc, the_extension_pointers_are_WSARecvMsg_and_WSASendMsg);
	tcase_add_test(tc, an_unknown_GUID_is_WSAEINVAL_and_short_buffers_WSAEFAULT);
	tcase_add_test(tc, a_first_claim_appends_records_then_context);
	tcase_add_test(tc, a_later_claim_or_a_flow_without_records_appends_nothing);
	tcase_add_test(tc, control_messages_that_do_not_fit_are_left_out_with_MSG_CTRUNC);
	tcase_add_test(tc, WSARecvMsg_argument_errors);
	tcase_add_test(tc, WSARecvMsg_reports_the_records_on_a_first_datagram);
	tcase_add_test(tc,
		       WSARecvMsg_leaves_the_records_out_when_the_datagram_is_not_the_claimed_one);
	tcase_add_test(tc, WSARecvMsg_truncation_is_WSAEMSGSIZE_and_MSG_CTRUNC_for_control);
	tcase_add_test(tc, MSG_PEEK_asks_without_claiming);
	tcase_add_test(tc, an_overlapped_WSARecvMsg_completes_when_the_datagram_arrives);
	tcase_add_test(tc, WSASendMsg_sets_the_records_sends_without_them_and_clears);
	tcase_add_test(tc, WSASendMsg_sends_nothing_when_the_records_are_refused);
	tcase_add_test(tc, WSASendMsg_argument_errors);
	tcase_add_test(tc, an_overlapped_WSASendMsg_completes_at_once_and_signals_its_event);
	suite_add_tcase(s, tc);
	return s;
}
