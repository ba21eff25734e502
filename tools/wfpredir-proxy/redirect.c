// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredir-proxy: everything that talks to the redirect engine. Records and
 * context go through the Windows-style API (WSAIoctl and WSAGetLastError),
 * as a ported Windows redirect service would, with one extension code that
 * reads both in one call; a TCP flow's query and set are made in one call
 * by the native wfpredir_handoff() unless --wsaioctl says otherwise, and
 * fall back to WSAIoctl whenever that call fails for another reason than
 * a flow that was not redirected, so that every outcome is logged and
 * acted on as the WSAIoctl calls report it. The other Linux call is the
 * SO_ORIGINAL_DST fallback for flows that legacy netfilter rules
 * redirected.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

/* The kernel headers that define these clash with <netinet/in.h>. */
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80 /* <linux/netfilter_ipv4.h> */
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80 /* <linux/netfilter_ipv6/ip6_tables.h> */
#endif

/* Records are at most WFPREDIR_RECORDS_MAX_LEN today; allow a later format. */
#define QUERY_FIRST_LEN 2048
#define QUERY_MAX_LEN 65536

WFPREDIR_STATIC_ASSERT(sizeof(struct sockaddr_storage) == WFPREDIR_CONTEXT_SOCKADDR_LEN,
		       "the default context holds struct sockaddr_storage");

/*
 * One QUERY ioctl into a buffer that grows to the size the library reports
 * with WSAEFAULT. Return: 0 with *out (malloc'd) and *outlen, or the WSA
 * error (WSA_NOT_ENOUGH_MEMORY when malloc fails).
 */
static int query_blob(int fd, DWORD code, void **out, DWORD *outlen)
{
	DWORD cap = QUERY_FIRST_LEN;

	*out = NULL;
	*outlen = 0;
	for (int attempt = 0; attempt < 4; attempt++) {
		void *buf = malloc(cap);
		DWORD got = 0;
		int err;

		if (!buf)
			return WSA_NOT_ENOUGH_MEMORY;
		if (WSAIoctl(fd, code, NULL, 0, buf, cap, &got, NULL, NULL) == 0) {
			*out = buf;
			*outlen = got;
			return 0;
		}
		err = WSAGetLastError();
		free(buf);
		if (err != WSAEFAULT || got <= cap || got > QUERY_MAX_LEN)
			return err;
		cap = got; /* the size needed: try again with that */
	}
	return WSAEFAULT;
}

static void parse_context(struct redirect_info *ri, const unsigned char *ctx, DWORD len)
{
	const size_t sa_len = WFPREDIR_CONTEXT_SOCKADDR_LEN;
	struct sockaddr_storage dst, src;

	if (len != WFPREDIR_CONTEXT_DEFAULT_LEN)
		return; /* a rule's custom context: not ours to read */
	memcpy(&dst, ctx, sa_len);
	memcpy(&src, ctx + sa_len, sa_len);
	if (addr_from_sockaddr(&ri->orig_dst, &dst, sizeof(dst)) ||
	    addr_from_sockaddr(&ri->orig_src, &src, sizeof(src)) || !addr_port(&ri->orig_dst))
		return;
	memcpy(&ri->proc, ctx + 2 * sa_len, sizeof(ri->proc));
	ri->proc.comm[sizeof(ri->proc.comm) - 1] = '\0';
	ri->have_orig = true;
}

/*
 * Both at once: SIO_QUERY_WFPREDIR_REDIRECT, libwfpredir's one extension
 * code, costs one kernel call where the two Windows queries cost two.
 * Return: false when the module predates it (WSAEOPNOTSUPP, which a
 * module that is not loaded gives too: the two queries then tell).
 */
static bool query_both(int fd, struct redirect_info *ri)
{
	struct wfpredir_redirect hdr;
	unsigned char *buf;
	DWORD len;
	int err;

	err = query_blob(fd, SIO_QUERY_WFPREDIR_REDIRECT, (void **)&buf, &len);
	if (err == WSAEOPNOTSUPP)
		return false;
	if (err) {
		ri->records_err = err;
		ri->context_err = err;
		return true;
	}
	memcpy(&hdr, buf, len < sizeof(hdr) ? 0 : sizeof(hdr));
	if (len < sizeof(hdr) || hdr.hdr_len < sizeof(hdr) ||
	    (DWORD)hdr.hdr_len + hdr.records_len + hdr.context_len != len) {
		free(buf);
		ri->records_err = WSAEINVAL;
		ri->context_err = WSAEINVAL;
		return true;
	}
	if (hdr.context_len) {
		ri->context_len = hdr.context_len;
		if (!(hdr.flags & WFPREDIR_REDIRECT_F_CUSTOM_CONTEXT))
			parse_context(ri, buf + hdr.hdr_len + hdr.records_len, hdr.context_len);
	} else {
		/* as the context query answers a flow without context */
		ri->context_err = FWP_E_NOT_FOUND;
	}
	/* the buffer becomes the records: redirect_info_free() frees it */
	memmove(buf, buf + hdr.hdr_len, hdr.records_len);
	ri->records = buf;
	ri->records_len = hdr.records_len;
	return true;
}

/* Fills *ri from the socket; every outcome is recorded in it, none fails. */
void redirect_query(int fd, struct redirect_info *ri)
{
	void *ctx;

	memset(ri, 0, sizeof(*ri));
	if (query_both(fd, ri))
		return;
	ri->records_err = query_blob(fd, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, &ri->records,
				     &ri->records_len);
	ri->context_err =
		query_blob(fd, SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT, &ctx, &ri->context_len);
	if (!ri->context_err) {
		parse_context(ri, ctx, ri->context_len);
		free(ctx);
	}
}

/*
 * The query and the set in one call (wfpredir_handoff()): the records of the
 * connection accepted as @fd go to @up, a socket not connected yet, and *ri
 * is filled as redirect_query() fills it. Return: 1, handed on; 0, not
 * redirected (*ri says so, as the query would); else a negative errno, with
 * nothing handed on and *ri empty: the caller queries and sets through
 * WSAIoctl instead, which then reports the error as it always did.
 */
int redirect_handoff(int up, int fd, struct redirect_info *ri)
{
	size_t cap = QUERY_FIRST_LEN;

	memset(ri, 0, sizeof(*ri));
	for (int attempt = 0; attempt < 2; attempt++) {
		struct wfpredir_redirect_info info;
		unsigned char *buf = malloc(cap);
		size_t len = cap;
		int err;

		if (!buf)
			return -ENOMEM;
		err = wfpredir_handoff(up, fd, buf, &len, &info);
		if (!err) {
			/* as query_both() reads SIO_QUERY_WFPREDIR_REDIRECT's answer */
			if (info.context_len) {
				ri->context_len = (DWORD)info.context_len;
				if (!(info.flags & WFPREDIR_REDIRECT_F_CUSTOM_CONTEXT))
					parse_context(ri, info.context, ri->context_len);
			} else {
				ri->context_err = FWP_E_NOT_FOUND;
			}
			memmove(buf, info.records, info.records_len);
			ri->records = buf;
			ri->records_len = (DWORD)info.records_len;
			return 1;
		}
		free(buf);
		if (err == -ENOENT) {
			ri->records_err = wfpredir_wsa_error_from_errno(err);
			ri->context_err = ri->records_err;
			return 0;
		}
		/* Too small: nothing was handed on; again with the size needed. */
		if (err != -ENOBUFS || len <= cap || len > QUERY_MAX_LEN)
			return err;
		cap = len;
	}
	return -ENOBUFS;
}

void redirect_info_free(struct redirect_info *ri)
{
	free(ri->records);
	ri->records = NULL;
	ri->records_len = 0;
}

/*
 * FWP_E_NOT_FOUND: the flow was not redirected. WSAEOPNOTSUPP: the module
 * is not loaded, so nothing can have been redirected either.
 */
bool redirect_not_redirected(int wsa)
{
	return wsa == FWP_E_NOT_FOUND || wsa == WSAEOPNOTSUPP;
}

/* Return: 0, or the WSA error of SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS. */
int redirect_set_records(int fd, const struct redirect_info *ri)
{
	DWORD done = 0;

	if (WSAIoctl(fd, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, ri->records, ri->records_len,
		     NULL, 0, &done, NULL, NULL) == 0)
		return 0;
	return WSAGetLastError();
}

/*
 * The destination netfilter NAT rewrote, for TCP. A connection that was not
 * NATed reports its own local address: that is "not redirected" (-ENOENT),
 * never a destination, or the proxy would connect to itself.
 */
int redirect_original_dst(int fd, const struct addr *local, struct addr *out)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int r;

	memset(&ss, 0, sizeof(ss));
	if (local->ss.ss_family == AF_INET || addr_is_v4mapped(local)) {
		len = sizeof(struct sockaddr_in);
		r = getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &ss, &len);
	} else {
		len = sizeof(struct sockaddr_in6);
		r = getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &ss, &len);
	}
	if (r < 0)
		return -errno;
	if (addr_from_sockaddr(out, &ss, len))
		return -EAFNOSUPPORT;
	if (addr_equal(out, local) || !addr_port(out))
		return -ENOENT;
	return 0;
}

const char *redirect_error_name(int wsa, char *buf, size_t len)
{
	const char *name = wfpredir_wsa_error_name(wsa);

	if (name)
		return name;
	snprintf(buf, len, "error %d", wsa);
	return buf;
}

/* One line about the record chain: the library's decoder. */
static int describe_records(const void *records, size_t len, char *out, size_t outlen)
{
	return wfpredir_records_format(records, len, out, outlen);
}

void redirect_describe(const struct redirect_info *ri, char *out, size_t len)
{
	char err[32];

	if (ri->records) {
		int r = describe_records(ri->records, ri->records_len, out, len);

		if (r < 0)
			snprintf(out, len, "%u bytes, undecodable (%s)",
				 (unsigned int)ri->records_len, strerror(-r));
	} else if (ri->records_err == FWP_E_NOT_FOUND) {
		snprintf(out, len, "none (not redirected)");
	} else if (ri->records_err == WSAEOPNOTSUPP) {
		snprintf(out, len, "none (wfpredir module not loaded)");
	} else {
		snprintf(out, len, "none (WSAIoctl(SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS): %s)",
			 redirect_error_name(ri->records_err, err, sizeof(err)));
	}
}

/* -v: what the kernel said about a flow, in two lines. */
void redirect_log(struct proxy *px, const char *tag, const struct redirect_info *ri)
{
	char desc[512];

	if (!log_enabled(&px->log, LVL_INFO))
		return;
	redirect_describe(ri, desc, sizeof(desc));
	log_msg(&px->log, LVL_INFO, "%s records: %s", tag, desc);
	if (ri->have_orig) {
		char dst[ADDR_STRLEN], src[ADDR_STRLEN];

		log_msg(&px->log, LVL_INFO,
			"%s context: original destination %s source %s uid %u pid %u comm %s "
			"cgroup %llu",
			tag, addr_format(&ri->orig_dst, dst, sizeof(dst)),
			addr_format(&ri->orig_src, src, sizeof(src)), ri->proc.uid, ri->proc.pid,
			ri->proc.comm[0] ? ri->proc.comm : "-",
			(unsigned long long)ri->proc.cgroup_id);
	} else if (!ri->context_err) {
		log_msg(&px->log, LVL_INFO, "%s context: %u bytes, not the default layout", tag,
			(unsigned int)ri->context_len);
	} else if (!redirect_not_redirected(ri->context_err)) {
		char err[32];

		log_msg(&px->log, LVL_INFO,
			"%s context: WSAIoctl(SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT): %s", tag,
			redirect_error_name(ri->context_err, err, sizeof(err)));
	}
}

/*
 * Where a flow goes: the original destination from the default context;
 * for TCP, else SO_ORIGINAL_DST (legacy NAT rules); else --to. Return: how
 * the destination was found, for the log, or NULL when there is none.
 */
const char *redirect_destination(const struct proxy *px, int fd, int proto,
				 const struct redirect_info *ri, const struct addr *local,
				 struct addr *dst)
{
	if (ri->have_orig) {
		*dst = ri->orig_dst;
		return "redirect context";
	}
	if (proto == IPPROTO_TCP && redirect_original_dst(fd, local, dst) == 0)
		return "SO_ORIGINAL_DST";
	if (px->cfg.have_to) {
		*dst = px->cfg.to;
		return "--to";
	}
	return NULL;
}
