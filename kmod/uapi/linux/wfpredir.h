/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * wfpredir: connection-redirect records for Linux, after Windows WFP.
 *
 * This header is the whole user ABI of wfpredir.ko and nothing else: the
 * socket options, the record and context formats, and the generic netlink
 * family. The module and libwfpredir both build from it.
 *
 * Documentation/uapi.rst explains every item here in prose.
 */
#ifndef _UAPI_LINUX_WFPREDIR_H
#define _UAPI_LINUX_WFPREDIR_H

#include <linux/types.h>

/*
 * Socket options
 * --------------
 *
 * Level SOL_IP on AF_INET sockets, SOL_IPV6 on AF_INET6 sockets (SOL_IP also
 * works on AF_INET6 sockets carrying v4-mapped flows). TCP and UDP only.
 * The module registers the whole block [WFPREDIR_SO_BASE,
 * WFPREDIR_SO_BASE + WFPREDIR_SO_RANGE) for set and get, on PF_INET and on
 * PF_INET6, so later options never change what is registered; numbers in
 * the block that name no option fail with -ENOPROTOOPT, as they do when the
 * module is not loaded.
 *
 * The block sits far above every in-tree netfilter range (ip_vs ends at
 * 1167) and above every option the IP and IPv6 layers handle themselves.
 */
#define WFPREDIR_SO_BASE		0x5750	/* 22352, "WP" */
#define WFPREDIR_SO_RANGE		16

/*
 * setsockopt(fd, level, WFPREDIR_SO_SET_RECORDS, records, len)
 *
 * Attach kernel-issued records (as read from an accepted socket) to a socket
 * that has not connected yet, so that its connection carries the chain on.
 * Requires CAP_NET_ADMIN in the user namespace that owns the socket's network
 * namespace. Setting again replaces the records.
 *
 * The checks run in this order; the first that fails decides the error:
 *
 *   -EOPNOTSUPP	not a TCP or UDP socket
 *   -EPERM		caller lacks CAP_NET_ADMIN over the socket's netns
 *   -EINVAL		len outside [WFPREDIR_RECORDS_MIN_LEN,
 *			WFPREDIR_RECORDS_MAX_LEN]
 *   -EISCONN		socket is connected, connecting or listening
 *   -ENOMEM		out of memory
 *   -EFAULT		records not readable
 *   -EINVAL		not a record blob (magic)
 *   -EPROTO		record format version not supported
 *   -EINVAL		malformed records (header or entry length, entry
 *			count, length, reserved field)
 *   -EBADMSG		records fail authentication: forged, altered, or
 *			issued in another network namespace
 *   -EISCONN		the socket connected meanwhile (checked again under
 *			the socket lock)
 *   -ENOSPC		the namespace's table of sockets with records is full
 *   -ENOMEM		out of memory
 */
#define WFPREDIR_SO_SET_RECORDS		(WFPREDIR_SO_BASE + 0)

/*
 * getsockopt(fd, level, WFPREDIR_SO_GET_RECORDS, buf, &len)
 * getsockopt(fd, level, WFPREDIR_SO_GET_CONTEXT, buf, &len)
 *
 * Read the records, or the redirect context, of the redirected connection the
 * socket carries (a proxy's accepted socket). No privilege is needed.
 *
 * Buffer too small: the call SUCCEEDS, copies nothing, and sets len to the
 * size required, which is then larger than the len passed in. (The IP and
 * IPv6 layers copy len back to user space only on success, so this is the
 * one way to report the size.) Callers compare the two; libwfpredir turns
 * it into -ENOBUFS or WSAEFAULT with the required size.
 *
 *   -EOPNOTSUPP	not a TCP or UDP socket
 *   -EINVAL		len is negative
 *   -ENOTCONN		socket is not connected (no flow to ask about)
 *   -ENOENT		the socket's connection was not redirected
 *   -ENOMEM		out of memory
 *   -ENODATA		(context only) redirected, but no context is
 *			available to this socket
 *   -EFAULT		buf not writable
 */
#define WFPREDIR_SO_GET_RECORDS		(WFPREDIR_SO_BASE + 0)
#define WFPREDIR_SO_GET_CONTEXT		(WFPREDIR_SO_BASE + 1)

/*
 * Records
 * -------
 *
 * Opaque to applications; documented so that they can be audited. A record
 * blob is a header, count entries (one per redirect, oldest first) and a
 * 16-byte keyed BLAKE2s tag over everything before it, under a random key of
 * the issuing network namespace. Multi-byte fields are big-endian.
 */
#define WFPREDIR_RECORDS_MAGIC		0x5752	/* "WR" */
#define WFPREDIR_RECORDS_VERSION	1
#define WFPREDIR_RECORDS_MAX_ENTRIES	16
#define WFPREDIR_RECORDS_TAG_LEN	16

struct wfpredir_records_hdr {
	__be16	magic;		/* WFPREDIR_RECORDS_MAGIC */
	__u8	version;	/* WFPREDIR_RECORDS_VERSION */
	__u8	count;		/* entries, 1..WFPREDIR_RECORDS_MAX_ENTRIES */
	__be16	hdr_len;	/* sizeof(struct wfpredir_records_hdr) */
	__be16	entry_len;	/* sizeof(struct wfpredir_record_entry) */
	__be64	flow_id;	/* issued once per original flow */
};

/*
 * Values of wfpredir_record_entry.flags
 * WFPREDIR_RECORD_F_PID_BEST_EFFORT: pid taken from the sending task
 */
#define WFPREDIR_RECORD_F_PID_BEST_EFFORT	0x01

struct wfpredir_record_entry {
	__be32	service_id;	/* redirect service that took the flow */
	__be32	rule_id;	/* rule that matched */
	__u8	family;		/* AF_INET or AF_INET6 */
	__u8	protocol;	/* IPPROTO_TCP or IPPROTO_UDP */
	__u8	flags;		/* WFPREDIR_RECORD_F_* */
	__u8	reserved;	/* zero */
	__be16	orig_sport;
	__be16	orig_dport;
	__u8	orig_saddr[16];	/* IPv4 in the first four bytes */
	__u8	orig_daddr[16];
	__be64	timestamp_ns;	/* CLOCK_REALTIME when redirected */
	__be32	uid;		/* originating socket's uid, init_user_ns */
	__be32	pid;		/* best effort, 0 when unknown */
	__be64	cgroup_id;	/* originating socket's cgroup v2 id */
};

#define WFPREDIR_RECORDS_LEN(count)					\
	(sizeof(struct wfpredir_records_hdr) +				\
	 (count) * sizeof(struct wfpredir_record_entry) +		\
	 WFPREDIR_RECORDS_TAG_LEN)
#define WFPREDIR_RECORDS_MIN_LEN	WFPREDIR_RECORDS_LEN(1)
#define WFPREDIR_RECORDS_MAX_LEN					\
	WFPREDIR_RECORDS_LEN(WFPREDIR_RECORDS_MAX_ENTRIES)

/*
 * Context
 * -------
 *
 * By default: the original destination, then the original source, each a
 * struct sockaddr_storage (128 bytes, as Microsoft's WFPSampler lays it out),
 * then struct wfpredir_context_process. When the rule that redirected the flow
 * carries custom context bytes, the context is those bytes instead.
 */
#define WFPREDIR_CONTEXT_SOCKADDR_LEN	128
#define WFPREDIR_CONTEXT_MAX_CUSTOM_LEN	1024

struct wfpredir_context_process {
	__u32	uid;		/* host byte order, init_user_ns */
	__u32	pid;		/* best effort, 0 when unknown */
	__u64	cgroup_id;
	char	comm[16];	/* best effort, NUL-terminated */
};

#define WFPREDIR_CONTEXT_DEFAULT_LEN					\
	(2 * WFPREDIR_CONTEXT_SOCKADDR_LEN +				\
	 sizeof(struct wfpredir_context_process))

/*
 * Generic netlink
 * ---------------
 *
 * Family WFPREDIR_GENL_NAME; every command acts on the caller's network
 * namespace. Commands that change state need CAP_NET_ADMIN over it.
 */
#define WFPREDIR_GENL_NAME		"wfpredir"
#define WFPREDIR_GENL_VERSION		1

enum wfpredir_cmd {
	WFPREDIR_CMD_UNSPEC,
	WFPREDIR_CMD_GET_INFO,		/* reply: WFPREDIR_A_INFO_* */
	__WFPREDIR_CMD_MAX
};

#define WFPREDIR_CMD_MAX (__WFPREDIR_CMD_MAX - 1)

enum wfpredir_attr {
	WFPREDIR_A_UNSPEC,
	WFPREDIR_A_INFO_VERSION,	/* string: module version */
	WFPREDIR_A_INFO_SO_BASE,	/* u32: WFPREDIR_SO_BASE */
	WFPREDIR_A_INFO_RECORDS_VERSION,	/* u32 */
	WFPREDIR_A_INFO_RECORDS_MAX_LEN,	/* u32 */
	WFPREDIR_A_INFO_SOCKETS,	/* u32: sockets holding records */
	WFPREDIR_A_INFO_SOCKETS_MAX,	/* u32: limit per namespace */
	WFPREDIR_A_INFO_PAD,
	__WFPREDIR_A_MAX
};

#define WFPREDIR_A_MAX (__WFPREDIR_A_MAX - 1)

#endif /* _UAPI_LINUX_WFPREDIR_H */
