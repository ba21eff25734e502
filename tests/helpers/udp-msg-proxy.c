// SPDX-License-Identifier: GPL-2.0
/*
 * udp-msg-proxy: a UDP redirect service written as on Windows, for the
 * udp_* kselftests.
 *
 *   udp-msg-proxy serve -l ADDR:PORT [-c ADDR:PORT] [-L ADDR:PORT] [-x]
 *	One unconnected socket bound to ADDR:PORT. Every datagram is read
 *	with WSARecvMsg() (found with SIO_GET_EXTENSION_FUNCTION_POINTER) and
 *	logged as one line:
 *	  "dgram peer=P first=0|1 count=N services=S,S ctx=LEN dst=D msg=M"
 *	first=1 when the records control message came with it; count and
 *	services from the records, dst the original destination from the
 *	context. A new peer gets a new socket that sends on to dst (or -c)
 *	with WSASendMsg() carrying the records ("send peer=P set=ok|ERROR");
 *	answers come back through the bound socket. With -L: on the first
 *	flow, a socket sends a plain datagram to dst, then one with the
 *	records (to the same, existing flow: the records are not taken), then
 *	a plain one to -L ("leak sent=ok"): no records must reach that flow.
 *	With -x, a datagram that came with a context is followed by the
 *	context's bytes: "ctx peer=P len=N hex=HEX". Prints "listening" once
 *	bound.
 *
 *   udp-msg-proxy client [-n N] [-T SECS] -m MSG ADDR:PORT
 *	N datagrams "MSG-i" from one socket, each answered; prints each answer
 *	("reply i: ANSWER") or "timeout i".
 *
 *   udp-msg-proxy query -l ADDR:PORT [-T SECS]
 *	Binds an unconnected socket and asks, before anything is queued, for
 *	records with the native call ("empty native=ERRNO"); prints
 *	"listening", waits until a datagram is queued, then asks again without
 *	reading it: native, WSAIoctl() and the context
 *	("queued native=ok count=N services=S wsa=ok bytes=B dst=D"); reads it
 *	and asks once more ("drained native=ERRNO").
 */
#include <wfpredir.h>

#include "common/helper.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FLOWS 64

/* serve -x: print each datagram's context, byte for byte. */
static bool print_ctx;

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	return a->ss_family == b->ss_family && !memcmp(a, b, ss_len(a));
}

/* "count=N services=S,S" of a record blob. */
static void format_records(const void *buf, size_t len, char *out, size_t outlen)
{
	struct wfpredir_record_info e[WFPREDIR_RECORDS_MAX_ENTRIES];
	int n = wfpredir_records_decode(buf, len, NULL, e, WFPREDIR_RECORDS_MAX_ENTRIES);
	size_t at;

	if (n < 0) {
		snprintf(out, outlen, "count=bad services=none");
		return;
	}
	at = (size_t)snprintf(out, outlen, "count=%d services=", n);
	for (int i = 0; i < n && at < outlen; i++)
		at += (size_t)snprintf(out + at, outlen - at, "%s%u", i ? "," : "",
				       e[i].service_id);
	if (!n && at < outlen)
		snprintf(out + at, outlen - at, "none");
}

static int bound_socket(const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len = parse_addr(addr, &ss);
	int fd = socket(ss.ss_family, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len))
		die("bind %s: %s", addr, strerror(errno));
	return fd;
}

struct flow {
	struct sockaddr_storage peer;
	struct sockaddr_storage dst;
	int fd;
};

/* WSASendMsg() of @data to @dst from @fd, with records if @rec. */
static int send_with_records(LPFN_WSASENDMSG send_fn, int fd, const struct sockaddr_storage *dst,
			     const void *data, size_t len, const void *rec, size_t rec_len)
{
	/* Outlives the if below: m.Control points into it. */
	// cppcheck-suppress variableScope
	uint64_t ctl[(WFPREDIR_RECORDS_MAX_LEN + 64) / 8] = { 0 };
	WSABUF b = { (ULONG)len, (char *)data };
	WSAMSG m = { .name = (struct sockaddr *)dst,
		     .namelen = (INT)ss_len(dst),
		     .lpBuffers = &b,
		     .dwBufferCount = 1 };
	DWORD sent;

	if (rec) {
		LPWSACMSGHDR c;

		m.Control.buf = (char *)ctl;
		m.Control.len = (ULONG)WSA_CMSG_SPACE(rec_len);
		c = WSA_CMSG_FIRSTHDR(&m);
		c->cmsg_len = WSA_CMSG_LEN(rec_len);
		c->cmsg_level = dst->ss_family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
		c->cmsg_type = dst->ss_family == AF_INET6 ? IPV6_WFP_REDIRECT_RECORDS
							  : IP_WFP_REDIRECT_RECORDS;
		memcpy(WSA_CMSG_DATA(c), rec, rec_len);
	}
	return send_fn(fd, &m, 0, &sent, NULL, NULL) ? WSAGetLastError() : 0;
}

static void leak_test(LPFN_WSASENDMSG send_fn, const struct sockaddr_storage *dst,
		      const char *leak_to, const void *rec, size_t rec_len)
{
	struct sockaddr_storage other;
	int fd, rc;

	parse_addr(leak_to, &other);
	fd = socket(dst->ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	rc = send_with_records(send_fn, fd, dst, "plain", 5, NULL, 0);
	if (!rc)
		rc = send_with_records(send_fn, fd, dst, "records", 7, rec, rec_len);
	if (!rc)
		rc = send_with_records(send_fn, fd, &other, "other", 5, NULL, 0);
	printf("leak sent=%s\n", wsa_name(rc));
	close(fd);
}

static int serve(const char *listen_at, const char *fallback, const char *leak_to)
{
	GUID rid = WSAID_WSARECVMSG, sid = WSAID_WSASENDMSG;
	LPFN_WSARECVMSG recv_fn = NULL;
	LPFN_WSASENDMSG send_fn = NULL;
	struct sockaddr_storage fb = { 0 };
	struct flow flows[MAX_FLOWS] = { 0 };
	struct pollfd pfd[MAX_FLOWS + 1];
	int nflows = 0, lfd;
	bool leaked = false;
	DWORD bytes;

	lfd = bound_socket(listen_at);
	if (fallback)
		parse_addr(fallback, &fb);
	if (WSAIoctl(lfd, SIO_GET_EXTENSION_FUNCTION_POINTER, &rid, sizeof(rid), &recv_fn,
		     sizeof(recv_fn), &bytes, NULL, NULL) ||
	    WSAIoctl(lfd, SIO_GET_EXTENSION_FUNCTION_POINTER, &sid, sizeof(sid), &send_fn,
		     sizeof(send_fn), &bytes, NULL, NULL)) {
		printf("extension pointers: %s, calling directly\n", wsa_name(WSAGetLastError()));
		recv_fn = WSARecvMsg;
		send_fn = WSASendMsg;
	}
	printf("listening\n");
	fflush(stdout);

	for (;;) {
		pfd[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (int i = 0; i < nflows; i++)
			pfd[i + 1] = (struct pollfd){ .fd = flows[i].fd, .events = POLLIN };
		if (poll(pfd, (nfds_t)nflows + 1, -1) < 0)
			die("poll: %s", strerror(errno));

		for (int i = 0; i < nflows; i++) {
			char buf[2048];
			ssize_t n;

			if (!(pfd[i + 1].revents & POLLIN))
				continue;
			n = recv(flows[i].fd, buf, sizeof(buf), 0);
			if (n > 0)
				sendto(lfd, buf, (size_t)n, 0, (struct sockaddr *)&flows[i].peer,
				       ss_len(&flows[i].peer));
		}
		if (!(pfd[0].revents & POLLIN))
			continue;

		uint64_t ctl[(2 * WFPREDIR_DGRAM_FLOW_MAX_LEN) / 8];
		const void *rec = NULL, *ctx = NULL;
		size_t rec_len = 0, ctx_len = 0;
		struct sockaddr_storage peer, dst = fb;
		char data[1500], ps[80], ds[80], rs[200] = "count=0 services=none";
		WSABUF b = { sizeof(data) - 1, data };
		WSAMSG m = { .name = (struct sockaddr *)&peer,
			     .namelen = sizeof(peer),
			     .lpBuffers = &b,
			     .dwBufferCount = 1,
			     .Control = { sizeof(ctl), (char *)ctl } };
		struct flow *f = NULL;
		DWORD got;

		if (recv_fn(lfd, &m, &got, NULL, NULL)) {
			printf("recv error=%s\n", wsa_name(WSAGetLastError()));
			fflush(stdout);
			continue;
		}
		data[got] = '\0';
		for (LPWSACMSGHDR c = WSA_CMSG_FIRSTHDR(&m); c; c = WSA_CMSG_NXTHDR(&m, c)) {
			if ((c->cmsg_level != IPPROTO_IP && c->cmsg_level != IPPROTO_IPV6) ||
			    c->cmsg_len < WSA_CMSG_LEN(0))
				continue;
			if (c->cmsg_type == IP_WFP_REDIRECT_RECORDS) {
				rec = WSA_CMSG_DATA(c);
				rec_len = c->cmsg_len - WSA_CMSG_LEN(0);
			} else if (c->cmsg_type == IP_WFP_REDIRECT_CONTEXT) {
				ctx = WSA_CMSG_DATA(c);
				ctx_len = c->cmsg_len - WSA_CMSG_LEN(0);
			}
		}
		if (rec)
			format_records(rec, rec_len, rs, sizeof(rs));
		if (ctx)
			wfpredir_context_decode(ctx, ctx_len, &dst, NULL, NULL);
		format_addr(&peer, ps, sizeof(ps));
		format_addr(&dst, ds, sizeof(ds));
		printf("dgram peer=%s first=%d %s ctx=%zu dst=%s msg=%s\n", ps, rec ? 1 : 0, rs,
		       ctx_len, ds, data);
		if (print_ctx && ctx) {
			printf("ctx peer=%s len=%zu hex=", ps, ctx_len);
			for (size_t i = 0; i < ctx_len; i++)
				printf("%02x", ((const unsigned char *)ctx)[i]);
			printf("\n");
		}

		for (int i = 0; i < nflows; i++)
			if (same_addr(&flows[i].peer, &peer))
				f = &flows[i];
		if (!f && dst.ss_family && nflows < MAX_FLOWS) {
			f = &flows[nflows];
			f->peer = peer;
			f->dst = dst;
			f->fd = socket(dst.ss_family, SOCK_DGRAM, 0);
			if (f->fd < 0)
				die("socket: %s", strerror(errno));
			nflows++;
			printf("send peer=%s set=%s\n", ps,
			       wsa_name(send_with_records(send_fn, f->fd, &dst, data, got, rec,
							  rec_len)));
			if (leak_to && rec && !leaked) {
				leak_test(send_fn, &dst, leak_to, rec, rec_len);
				leaked = true;
			}
		} else if (f) {
			send_with_records(send_fn, f->fd, &f->dst, data, got, NULL, 0);
		}
		fflush(stdout);
	}
}

static int client(const char *to, const char *msg, int count, int secs)
{
	struct sockaddr_storage dst;
	socklen_t len = parse_addr(to, &dst);
	int fd = socket(dst.ss_family, SOCK_DGRAM, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	for (int i = 1; i <= count; i++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char out[256], in[1024];
		ssize_t n;

		snprintf(out, sizeof(out), "%s-%d", msg, i);
		if (sendto(fd, out, strlen(out), 0, (struct sockaddr *)&dst, len) < 0)
			die("sendto: %s", strerror(errno));
		if (poll(&pfd, 1, secs * 1000) != 1) {
			printf("timeout %d\n", i);
			continue;
		}
		n = recv(fd, in, sizeof(in) - 1, 0);
		in[n > 0 ? n : 0] = '\0';
		in[strcspn(in, "\n")] = '\0';
		printf("reply %d: %s\n", i, in);
	}
	return 0;
}

static int query(const char *listen_at, int secs)
{
	unsigned char buf[WFPREDIR_RECORDS_MAX_LEN], cbuf[WFPREDIR_DGRAM_FLOW_MAX_LEN];
	struct pollfd pfd;
	struct sockaddr_storage dst = { 0 };
	char rs[200] = "count=0 services=none", ds[80];
	size_t len = sizeof(buf), clen = sizeof(cbuf);
	DWORD bytes = 0;
	int fd, rc, wsa = 0;

	fd = bound_socket(listen_at);
	rc = wfpredir_query_records(fd, buf, &len);
	printf("empty native=%s\n", errno_name(-rc));
	printf("listening\n");
	fflush(stdout);

	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, secs * 1000) != 1) {
		printf("nothing queued\n");
		return 1;
	}
	len = sizeof(buf);
	rc = wfpredir_query_records(fd, buf, &len);
	if (!rc)
		format_records(buf, len, rs, sizeof(rs));
	if (WSAIoctl(fd, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, NULL, 0, buf, sizeof(buf),
		     &bytes, NULL, NULL))
		wsa = WSAGetLastError();
	if (!wfpredir_query_context(fd, cbuf, &clen))
		wfpredir_context_decode(cbuf, clen, &dst, NULL, NULL);
	format_addr(&dst, ds, sizeof(ds));
	printf("queued native=%s %s wsa=%s bytes=%u dst=%s\n", errno_name(-rc), rs, wsa_name(wsa),
	       bytes, ds);
	recv(fd, buf, sizeof(buf), 0);
	len = sizeof(buf);
	rc = wfpredir_query_records(fd, buf, &len);
	printf("drained native=%s\n", errno_name(-rc));
	return 0;
}

int main(int argc, char **argv)
{
	const char *listen_at = NULL, *fallback = NULL, *leak_to = NULL, *msg = "hi";
	int count = 1, secs = 10, opt;
	const char *mode;

	if (argc < 2)
		die("usage: udp-msg-proxy serve|client|query ...");
	mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "l:c:L:m:n:T:x")) != -1) {
		switch (opt) {
		case 'l':
			listen_at = optarg;
			break;
		case 'c':
			fallback = optarg;
			break;
		case 'L':
			leak_to = optarg;
			break;
		case 'm':
			msg = optarg;
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'T':
			secs = atoi(optarg);
			break;
		case 'x':
			print_ctx = true;
			break;
		default:
			die("bad option");
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "serve") && listen_at)
		return serve(listen_at, fallback, leak_to);
	if (!strcmp(mode, "client") && optind < argc)
		return client(argv[optind], msg, count, secs);
	if (!strcmp(mode, "query") && listen_at)
		return query(listen_at, secs);
	die("usage: udp-msg-proxy serve|client|query ...");
}
