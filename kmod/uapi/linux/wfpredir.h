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
 *   -EBADMSG		records fail authentication: forged, altered,
 *			issued in another network namespace, or a view read
 *			in other user or pid namespaces than the setter's
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
 * socket carries (a proxy's accepted socket). A connection redirected to a
 * service with an owner (WFPREDIR_A_SERVICE_OWNER_*) is answered only on
 * sockets of that owner; one redirected to an unowned service only on
 * sockets opened with CAP_NET_ADMIN over the socket's network namespace.
 * Any other socket gets -ENOENT, as for a connection that was not
 * redirected. uids and pids are told in the reader's user and pid
 * namespaces (as SO_PEERCRED); outside the initial ones, the records are a
 * view that only a socket of the same namespaces can set back.
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
 *   -ENOENT		the socket's connection was not redirected, or the
 *			socket may not read it
 *   -ENOMEM		out of memory
 *   -ENODATA		(context only) redirected, but no context is
 *			available to this socket
 *   -EFAULT		buf not writable
 */
#define WFPREDIR_SO_GET_RECORDS		(WFPREDIR_SO_BASE + 0)
#define WFPREDIR_SO_GET_CONTEXT		(WFPREDIR_SO_BASE + 1)

/*
 * Unconnected UDP sockets. WFPREDIR_SO_GET_RECORDS and _GET_CONTEXT on a UDP
 * socket that is bound but not connected answer for the flow of the datagram
 * at the head of its receive queue (the one the next recvmsg() returns),
 * wildcard-bound or not, without IP_PKTINFO. Instead of -ENOTCONN:
 *
 *   -ENOTCONN		the socket is not bound (it cannot have received)
 *   -EAGAIN		its receive queue is empty
 */

/*
 * getsockopt(fd, level, WFPREDIR_SO_GET_DGRAM_FLOW, buf, &len)
 * getsockopt(fd, level, WFPREDIR_SO_PEEK_DGRAM_FLOW, buf, &len)
 *
 * For WSARecvMsg(): the flow of the datagram at the head of a UDP socket's
 * receive queue, as one struct wfpredir_dgram_flow followed by the flow's
 * records (records_len bytes) and context (context_len bytes). Both are 0
 * when the flow holds no records; context_len is 0 when it has no context.
 *
 * GET claims the flow: WFPREDIR_DGRAM_F_FIRST is set in the answer of
 * exactly one GET per flow, the first, whatever socket or thread asks, so
 * that one receive reports the records, as Windows delivers them with the
 * flow's first datagram only. PEEK reports whether the flow is still
 * unclaimed (WFPREDIR_DGRAM_F_FIRST) without claiming it. A flow without
 * records is never FIRST.
 *
 * The peer and local addresses and ports are the datagram's, so a caller
 * can check that the datagram it then receives is the one described.
 *
 * Buffer too small: as for WFPREDIR_SO_GET_RECORDS (success, nothing
 * copied, len set to the size required), and nothing is claimed.
 * WFPREDIR_DGRAM_FLOW_MAX_LEN is always enough. A flow the socket may not
 * read (as for WFPREDIR_SO_GET_RECORDS) is answered as one without records.
 *
 *   -EOPNOTSUPP	not a UDP socket
 *   -EINVAL		len is negative
 *   -ENOTCONN		the socket is not bound
 *   -EAGAIN		its receive queue is empty
 *   -ENOMEM		out of memory
 *   -EFAULT		buf not writable
 */
#define WFPREDIR_SO_GET_DGRAM_FLOW	(WFPREDIR_SO_BASE + 2)
#define WFPREDIR_SO_PEEK_DGRAM_FLOW	(WFPREDIR_SO_BASE + 3)

/* The first claim of the flow (GET), or the flow is unclaimed (PEEK). */
#define WFPREDIR_DGRAM_F_FIRST		0x01

struct wfpredir_dgram_flow {
	__u32	flags;		/* WFPREDIR_DGRAM_F_* */
	__u16	records_len;	/* bytes of records after the struct */
	__u16	context_len;	/* bytes of context after the records */
	__u8	family;		/* of the datagram: AF_INET or AF_INET6 */
	__u8	reserved[3];	/* zero */
	__be16	peer_port;	/* the datagram's source */
	__be16	local_port;	/* the datagram's destination */
	__u8	peer_addr[16];	/* IPv4 in the first four bytes */
	__u8	local_addr[16];
};

/*
 * getsockopt(fd, level, WFPREDIR_SO_GET_REDIRECT, buf, &len)
 *
 * The records and the context of the socket's connection in one call, which
 * costs what one WFPREDIR_SO_GET_RECORDS does: what a proxy asks for each
 * connection it accepts. The socket, the flow answered for (a UDP socket
 * without a peer: the datagram at the head of its queue), who may read it,
 * and the namespaces uids and pids are told in are those of
 * WFPREDIR_SO_GET_RECORDS.
 *
 * The answer is a struct wfpredir_redirect, then records_len bytes of
 * records starting at offset hdr_len, then context_len bytes of context
 * right after them, in all hdr_len + records_len + context_len bytes.
 * context_len is 0 when the connection holds records but no context (where
 * WFPREDIR_SO_GET_CONTEXT fails with -ENODATA).
 *
 * Extensible: hdr_len is the size of struct wfpredir_redirect as the
 * running module knows it. A later version only appends fields to the
 * struct (raising hdr_len) and defines new flags; a caller finds the records
 * at hdr_len, never at sizeof(struct wfpredir_redirect), and ignores flags
 * it does not know. hdr_len is never less than 8.
 *
 * Buffer too small (len less than the whole answer, header included): as
 * for WFPREDIR_SO_GET_RECORDS, the call SUCCEEDS, copies nothing, and sets
 * len to the size required. WFPREDIR_REDIRECT_MAX_LEN is enough for every
 * answer of a module with this header; a caller that gets a larger len back
 * retries with that.
 *
 * A module without this option (before 0.2.0) fails it with -ENOPROTOOPT;
 * callers then fall back to the two queries above, as libwfpredir does.
 *
 *   -EOPNOTSUPP	not a TCP or UDP socket
 *   -EINVAL		len is negative
 *   -ENOTCONN		socket is not connected (a UDP socket: not bound)
 *   -EAGAIN		UDP socket without a peer, its receive queue empty
 *   -ENOENT		the socket's connection was not redirected and
 *			carries no records, or the socket may not read it
 *   -ENOMEM		out of memory
 *   -EFAULT		buf not writable
 */
#define WFPREDIR_SO_GET_REDIRECT	(WFPREDIR_SO_BASE + 4)

/* The context is the custom bytes of the rule, not the default layout. */
#define WFPREDIR_REDIRECT_F_CUSTOM_CONTEXT	0x0001

struct wfpredir_redirect {
	__u16	hdr_len;	/* offset of the records: this struct's size */
	__u16	records_len;	/* bytes of records at offset hdr_len */
	__u16	context_len;	/* bytes of context after the records */
	__u16	flags;		/* WFPREDIR_REDIRECT_F_*; others are zero */
};

/*
 * getsockopt(onward_fd, level, WFPREDIR_SO_HANDOFF, buf, &len)
 *
 * A proxy's whole control work for one connection in one call: the records
 * of the connection an accepted socket carries are given to the proxy's
 * onward socket, as WFPREDIR_SO_SET_RECORDS with what WFPREDIR_SO_GET_RECORDS
 * on the accepted socket returns would give them, and the answer of
 * WFPREDIR_SO_GET_REDIRECT on the accepted socket (records and context) comes
 * back. The option is a get only because a get can return an answer.
 *
 * On input buf holds a struct wfpredir_handoff naming the accepted socket
 * (from_fd, a descriptor of the calling process); len is the size of buf,
 * at least sizeof(struct wfpredir_handoff). On success buf holds, from
 * offset 0, exactly what WFPREDIR_SO_GET_REDIRECT on from_fd would return
 * to the caller (struct wfpredir_redirect, the records, the context) and len
 * its length: records_len tells that there were records, the context where
 * the connection was going.
 *
 * The flow handed on, who may read it, and the namespaces identities are
 * told in are those of WFPREDIR_SO_GET_REDIRECT on from_fd (a UDP socket
 * without a peer: the datagram at the head of its queue). The onward socket
 * keeps the records the set of that answer's records would store: a view
 * read outside the initial user and pid namespaces goes back through the
 * same namespaces (identities unknown there stay unknown), but the kernel
 * does not check again the authenticity of records it has just read from
 * its own flow table. The onward socket, the privilege it takes and the
 * records' life on it are those of WFPREDIR_SO_SET_RECORDS; the accepted
 * socket and its connection are not changed.
 *
 * Buffer too small for the answer: as for WFPREDIR_SO_GET_REDIRECT the call
 * SUCCEEDS, copies nothing, sets len to the size required, and hands
 * NOTHING on: the hand-off happened only if the len returned is not larger
 * than the len passed in. WFPREDIR_REDIRECT_MAX_LEN is enough for every
 * answer of a module with this header.
 *
 * With WFPREDIR_HANDOFF_F_BUFFERS in flags, buf holds the longer struct
 * wfpredir_handoff_buffers instead (len at least its size), which names two
 * buffers of the caller's: the descriptor of the accepted socket (an __s32)
 * is read at from_fd_ptr (from_fd is ignored), and the answer is written at
 * answer, of answer_len bytes. On success answer_len is set to the answer's
 * length, or, when the answer does not fit, to the size required (and
 * nothing is handed on); len and the rest of buf are left alone. This is for
 * callers that hold the descriptor and the answer's room in memory they
 * have not checked, WSAIoctl()'s lpvInBuffer and lpvOutBuffer: a bad
 * pointer fails the call with -EFAULT and hands nothing on, and neither the
 * caller nor the kernel has to copy the request into the answer's buffer.
 *
 * A module without this option (before 0.2.0) fails it with -ENOPROTOOPT;
 * callers then query the accepted socket and set the records, as
 * libwfpredir's wfpredir_handoff() does.
 *
 * The checks run in this order; the first that fails decides the error.
 * Nothing is handed on when the call fails; buf may have been written.
 *
 *   -EOPNOTSUPP	onward_fd is not a TCP or UDP socket
 *   -EPERM		caller lacks CAP_NET_ADMIN over onward_fd's netns
 *   -EINVAL		len is less than sizeof(struct wfpredir_handoff)
 *			(or negative)
 *   -EISCONN		onward socket is connected, connecting or listening
 *   -EFAULT		buf not readable
 *   -EINVAL		flags has a bit this module does not know
 *   -EINVAL		WFPREDIR_HANDOFF_F_BUFFERS: len is less than
 *			sizeof(struct wfpredir_handoff_buffers), reserved
 *			is not zero, or answer_len is above INT_MAX
 *   -EFAULT		WFPREDIR_HANDOFF_F_BUFFERS: from_fd_ptr not readable
 *   -EBADF		from_fd is not an open file descriptor
 *   -ENOTSOCK		from_fd is not a socket
 *   -EPROTOTYPE	from_fd is not a TCP or UDP socket of AF_INET or
 *			AF_INET6
 *   -EXDEV		from_fd's socket is in another network namespace than
 *			the onward socket (records never leave the namespace
 *			that issued them)
 *   -ENOTCONN		from_fd's socket is not connected (a UDP socket: not
 *			bound)
 *   -EAGAIN		from_fd is a UDP socket without a peer and its
 *			receive queue is empty
 *   -ENOENT		from_fd's connection was not redirected and carries
 *			no records, or from_fd may not read it
 *   -ENOMEM		out of memory
 *   -EFAULT		buf (WFPREDIR_HANDOFF_F_BUFFERS: answer, or
 *			answer_len) not writable
 *   -EISCONN		the onward socket connected meanwhile (checked again
 *			under its socket lock)
 *   -ENOSPC		the namespace's table of sockets with records is full
 *   -ENOMEM		out of memory
 *
 * and, rarely, the error of conntrack or NAT when the namespace's NAT hook
 * could not be registered (as for WFPREDIR_SO_SET_RECORDS).
 */
#define WFPREDIR_SO_HANDOFF		(WFPREDIR_SO_BASE + 5)

struct wfpredir_handoff {
	__s32	from_fd;	/* the accepted socket, a descriptor of the caller */
	__u32	flags;		/* WFPREDIR_HANDOFF_F_*; others are zero */
};

/* The request is a struct wfpredir_handoff_buffers. */
#define WFPREDIR_HANDOFF_F_BUFFERS	0x0001

struct wfpredir_handoff_buffers {
	struct wfpredir_handoff	head;	/* flags has WFPREDIR_HANDOFF_F_BUFFERS */
	__aligned_u64	from_fd_ptr;	/* where the accepted socket's __s32 is */
	__aligned_u64	answer;		/* where the answer goes */
	__u32		answer_len;	/* in: its room; out: the answer's length */
	__u32		reserved;	/* zero */
};

/*
 * setsockopt(fd, level, WFPREDIR_SO_CLEAR_RECORDS, NULL, 0)
 *
 * Drop the records set on a socket and not yet taken by a new connection:
 * WSASendMsg() sets records, sends, and clears them, so that records given
 * for one datagram's flow never reach a later flow of the same socket.
 * Returns 0 whether or not the socket held records. No privilege is needed.
 *
 *   -EOPNOTSUPP	not a TCP or UDP socket
 *   -EINVAL		len is not 0
 */
#define WFPREDIR_SO_CLEAR_RECORDS	(WFPREDIR_SO_BASE + 1)

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
/*
 * WFPREDIR_RECORD_F_INHERITED: the entry was not handed on by the proxy that
 * opened the connection; the kernel linked the connection to the redirected
 * connection that proxy holds (same original destination), because the proxy
 * set no records. Inherited entries count toward the chain cap but exclude
 * no service: the link is the kernel's inference, not the proxy's word. The
 * exception is the last entry of an inheritance made for an owned service:
 * only that service's owner's socket is linked, so it has seen the flow (see
 * Documentation/design.rst, "The chain cap").
 */
#define WFPREDIR_RECORD_F_INHERITED		0x02
/*
 * WFPREDIR_RECORD_F_SERVICE_ONLY: an inherited entry that names only the
 * service: the proxy held several redirected connections to the same
 * destination, and the kernel does not copy any one client's identity into
 * another's chain. Every other field is zero. Counts toward the chain cap.
 */
#define WFPREDIR_RECORD_F_SERVICE_ONLY		0x04

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
 * Enough for any answer of WFPREDIR_SO_GET_DGRAM_FLOW (the default context
 * is shorter than the longest custom one).
 */
#define WFPREDIR_DGRAM_FLOW_MAX_LEN					\
	(sizeof(struct wfpredir_dgram_flow) + WFPREDIR_RECORDS_MAX_LEN +	\
	 WFPREDIR_CONTEXT_MAX_CUSTOM_LEN)

/* Enough for any answer of WFPREDIR_SO_GET_REDIRECT from this version. */
#define WFPREDIR_REDIRECT_MAX_LEN					\
	(sizeof(struct wfpredir_redirect) + WFPREDIR_RECORDS_MAX_LEN +	\
	 WFPREDIR_CONTEXT_MAX_CUSTOM_LEN)

/*
 * Generic netlink
 * ---------------
 *
 * Family WFPREDIR_GENL_NAME; every command acts on the caller's network
 * namespace. Commands that change state need CAP_NET_ADMIN over it.
 */
#define WFPREDIR_GENL_NAME		"wfpredir"
#define WFPREDIR_GENL_VERSION		1

/*
 * Commands. NEW_*, DEL_*, FLUSH_*, SET_CONFIG and the dumps GET_SERVICE,
 * GET_RULE and GET_FLOW (they name owners, cgroups, custom context and
 * other users' flows) need CAP_NET_ADMIN over the namespace; GET_INFO does
 * not. Each command takes only the attributes
 * listed with it; anything else is rejected (-EINVAL with an extack message
 * naming the attribute).
 *
 * GET_INFO		reply: WFPREDIR_A_INFO_*, WFPREDIR_A_CONFIG_*,
 *			WFPREDIR_A_STATS_*
 * SET_CONFIG		WFPREDIR_A_CONFIG_*; those given are changed
 * NEW_SERVICE		WFPREDIR_A_SERVICE (nested WFPREDIR_A_SERVICE_*):
 *			NAME required; ID optional (0 or absent: the kernel
 *			picks one); at least one of ADDR4+PORT4, ADDR6+PORT6;
 *			OWNER_UID, OWNER_CGROUP optional
 * DEL_SERVICE		WFPREDIR_A_SERVICE with ID or NAME; -EBUSY while a
 *			rule redirects to it
 * GET_SERVICE		dump; reply per service: WFPREDIR_A_SERVICE
 * FLUSH_SERVICES	WFPREDIR_A_TABLE optional; -EBUSY while any rule of
 *			those services exists
 * NEW_RULE		WFPREDIR_A_RULE (nested WFPREDIR_A_RULE_*): SERVICE
 *			or SERVICE_NAME required, everything else optional
 * DEL_RULE		WFPREDIR_A_RULE with ID
 * GET_RULE		dump; reply per rule: WFPREDIR_A_RULE
 * FLUSH_RULES		WFPREDIR_A_TABLE optional
 * GET_FLOW		dump; reply per flow: WFPREDIR_A_FLOW
 * FLOW_EVENT		never a request: the events group's flow events
 *			(below)
 * APPLY		one transaction: any number of WFPREDIR_A_TABLE (the
 *			tables whose whole content is replaced), then any
 *			number of WFPREDIR_A_SERVICE and WFPREDIR_A_RULE (as
 *			for NEW_*, each with its table, which must be one of
 *			those named), then optional WFPREDIR_A_CONFIG_*. All
 *			or nothing; the packet path sees the old state or the
 *			new, never a mix. A failure names the object with the
 *			extack's bad attribute.
 *
 * Tables: every service and rule belongs to a table (WFPREDIR_A_SERVICE_TABLE,
 * WFPREDIR_A_RULE_TABLE; "default" when absent), a name of 1 to 31 bytes of
 * [A-Za-z0-9_.-]. Service names are unique per table. FLUSH_SERVICES and
 * FLUSH_RULES take an optional WFPREDIR_A_TABLE: that table only. NEW_SERVICE
 * and NEW_RULE with the WFPREDIR_A_REPLACE flag replace the service of the
 * same table and name, or the rule of the same id, in one step; with
 * NLM_F_ECHO they answer with the object created, as a dump would show it.
 */
enum wfpredir_cmd {
	WFPREDIR_CMD_UNSPEC,
	WFPREDIR_CMD_GET_INFO,
	WFPREDIR_CMD_SET_CONFIG,
	WFPREDIR_CMD_NEW_SERVICE,
	WFPREDIR_CMD_DEL_SERVICE,
	WFPREDIR_CMD_GET_SERVICE,
	WFPREDIR_CMD_FLUSH_SERVICES,
	WFPREDIR_CMD_NEW_RULE,
	WFPREDIR_CMD_DEL_RULE,
	WFPREDIR_CMD_GET_RULE,
	WFPREDIR_CMD_FLUSH_RULES,
	WFPREDIR_CMD_GET_FLOW,
	WFPREDIR_CMD_FLOW_EVENT,
	WFPREDIR_CMD_APPLY,
	__WFPREDIR_CMD_MAX
};

#define WFPREDIR_CMD_MAX (__WFPREDIR_CMD_MAX - 1)

/* Limits of the objects, per network namespace. */
#define WFPREDIR_SERVICE_NAME_MAX	32	/* with the NUL */
#define WFPREDIR_TABLE_NAME_MAX		32	/* with the NUL */
#define WFPREDIR_TABLE_DEFAULT		"default"
#define WFPREDIR_SERVICES_MAX		1024
#define WFPREDIR_CGROUP_PATH_MAX	1024	/* with the NUL */
#define WFPREDIR_CHAIN_MAX_DEFAULT	8

enum wfpredir_attr {
	WFPREDIR_A_UNSPEC,
	WFPREDIR_A_INFO_VERSION,	/* string: module version */
	WFPREDIR_A_INFO_SO_BASE,	/* u32: WFPREDIR_SO_BASE */
	WFPREDIR_A_INFO_RECORDS_VERSION,	/* u32 */
	WFPREDIR_A_INFO_RECORDS_MAX_LEN,	/* u32 */
	WFPREDIR_A_INFO_SOCKETS,	/* u32: sockets holding records */
	WFPREDIR_A_INFO_SOCKETS_MAX,	/* u32: limit per namespace */
	WFPREDIR_A_INFO_PAD,
	WFPREDIR_A_INFO_FLOWS,		/* u32: connections holding records */
	WFPREDIR_A_INFO_FLOWS_MAX,	/* u32: limit per namespace */
	WFPREDIR_A_INFO_SERVICES,	/* u32 */
	WFPREDIR_A_INFO_RULES,		/* u32 */
	WFPREDIR_A_INFO_RULES_MAX,	/* u32: limit per namespace */
	WFPREDIR_A_CONFIG_CHAIN_MAX,	/* u32: a flow whose chain holds this
					 * many entries is not redirected again;
					 * 1..WFPREDIR_RECORDS_MAX_ENTRIES,
					 * default WFPREDIR_CHAIN_MAX_DEFAULT
					 */
	WFPREDIR_A_CONFIG_INHERIT,	/* u8: 1 (default) links connections
					 * of proxies that set no records to the
					 * redirected connection they hold
					 * (WFPREDIR_RECORD_F_INHERITED); 0: off
					 */
	WFPREDIR_A_STATS_REDIRECTS,	/* u64: flows redirected */
	WFPREDIR_A_STATS_CHAIN_CAPPED,	/* u64: flows left alone: chain full */
	WFPREDIR_A_STATS_INHERITED,	/* u64: chains inherited */
	WFPREDIR_A_STATS_TABLE_FULL,	/* u64: connections refused
					 * (ECONNREFUSED): flow table full and
					 * nothing could be evicted
					 */
	WFPREDIR_A_STATS_NOMEM,		/* u64: connections refused
					 * (ECONNREFUSED): out of memory
					 */
	WFPREDIR_A_SERVICE,		/* nested: WFPREDIR_A_SERVICE_* */
	WFPREDIR_A_RULE,		/* nested: WFPREDIR_A_RULE_* */
	WFPREDIR_A_FLOW,		/* nested: WFPREDIR_A_FLOW_* */
	WFPREDIR_A_INFO_HOOK,		/* u8: 1 while the NAT hook is
					 * registered (and conntrack held) in
					 * the namespace: from its first
					 * service, rule or socket given records
					 * until its last service, rule, flow
					 * and socket entry are gone
					 */
	WFPREDIR_A_CONFIG_FLOW_SHARE,	/* u32: most of the flow table one uid
					 * may hold, percent of max_flows,
					 * 1..100, default 50
					 */
	WFPREDIR_A_STATS_EVICTED,	/* u64: flows evicted from a full flow
					 * table (not assured, or never
					 * confirmed), their conntrack entry
					 * killed
					 */
	WFPREDIR_A_STATS_FLOW_SHARE,	/* u64: connections refused
					 * (ECONNREFUSED): their uid held its
					 * share of the flow table
					 */
	WFPREDIR_A_TABLE,		/* string: a table (FLUSH_*, APPLY) */
	WFPREDIR_A_CHECK,		/* flag: APPLY prepares and checks the
					 * transaction, then drops it
					 */
	WFPREDIR_A_REPLACE,		/* flag: NEW_SERVICE, NEW_RULE replace
					 * the object of the same table and
					 * name, or id (NLM_F_REPLACE is
					 * refused by strict generic netlink)
					 */
	WFPREDIR_A_STATS_EVENTS_LOST,	/* u64: events the events group could
					 * not deliver to a listener of the
					 * namespace (its receive buffer full,
					 * or memory short); see "Events"
					 */
	WFPREDIR_A_APPLY_SERVICES_DELETED,	/* u32, APPLY events only: the
						 * table's services deleted
						 */
	WFPREDIR_A_APPLY_SERVICES_ADDED,	/* u32: services created */
	WFPREDIR_A_APPLY_SERVICES_KEPT,		/* u32: services identical in
						 * the new content, kept with
						 * their ids and counters
						 */
	WFPREDIR_A_APPLY_RULES_DELETED,		/* u32: the table's old rules */
	WFPREDIR_A_APPLY_RULES_ADDED,		/* u32: its new rules */
	__WFPREDIR_A_MAX
};

#define WFPREDIR_A_MAX (__WFPREDIR_A_MAX - 1)

/*
 * A redirect service: Windows' redirect handle. Addresses are binary,
 * network order (4 or 16 bytes); ports are u16 in host order, 1..65535.
 * The proxy listens at these addresses; flows are redirected to the one of
 * their own family, and a rule never redirects a flow of a family its
 * service has no address for.
 */
enum wfpredir_service_attr {
	WFPREDIR_A_SERVICE_UNSPEC,
	WFPREDIR_A_SERVICE_ID,		/* u32, 1..U32_MAX */
	WFPREDIR_A_SERVICE_NAME,	/* string, 1..31 bytes, unique */
	WFPREDIR_A_SERVICE_ADDR4,	/* binary, 4 bytes */
	WFPREDIR_A_SERVICE_PORT4,	/* u16 */
	WFPREDIR_A_SERVICE_ADDR6,	/* binary, 16 bytes */
	WFPREDIR_A_SERVICE_PORT6,	/* u16 */
	WFPREDIR_A_SERVICE_REDIRECTS,	/* u64, dump only: flows redirected */
	WFPREDIR_A_SERVICE_SKIPPED,	/* u64, dump only: rule matched but the
					 * chain already held the service
					 */
	WFPREDIR_A_SERVICE_RULES,	/* u32, dump only: rules using it */
	WFPREDIR_A_SERVICE_PAD,
	WFPREDIR_A_SERVICE_OWNER_UID,	/* u32: only sockets of this uid (in the
					 * caller's user namespace) receive and
					 * query the service's flows
					 */
	/*
	 * string: cgroup v2 path, as under /sys/fs/cgroup: only sockets of
	 * that cgroup or its descendants; with OWNER_UID, both must hold
	 */
	WFPREDIR_A_SERVICE_OWNER_CGROUP,
	WFPREDIR_A_SERVICE_TABLE,	/* string: its table; default "default" */
	__WFPREDIR_A_SERVICE_MAX
};

#define WFPREDIR_A_SERVICE_MAX (__WFPREDIR_A_SERVICE_MAX - 1)

/*
 * A rule. Absent match attributes match everything. Rules are tried from
 * the lowest PRIORITY up, ties by ID; the first that matches and whose
 * service the flow's chain does not hold yet redirects the flow.
 */
enum wfpredir_rule_attr {
	WFPREDIR_A_RULE_UNSPEC,
	WFPREDIR_A_RULE_ID,		/* u32, 1..U32_MAX; NEW: 0 or absent
					 * lets the kernel pick
					 */
	WFPREDIR_A_RULE_PRIORITY,	/* u32, default 1000 */
	WFPREDIR_A_RULE_SERVICE,	/* u32: service id */
	WFPREDIR_A_RULE_FAMILY,		/* u8: AF_INET, AF_INET6; absent or
					 * AF_UNSPEC: both (then no DADDR)
					 */
	WFPREDIR_A_RULE_PROTOCOL,	/* u8: IPPROTO_TCP, IPPROTO_UDP;
					 * absent or 0: both
					 */
	WFPREDIR_A_RULE_DADDR,		/* binary, 4 or 16 bytes by FAMILY */
	WFPREDIR_A_RULE_DPREFIX,	/* u8: prefix length of DADDR; default
					 * the full length
					 */
	WFPREDIR_A_RULE_DPORT_MIN,	/* u16, default 0 */
	WFPREDIR_A_RULE_DPORT_MAX,	/* u16, default 65535 */
	WFPREDIR_A_RULE_UID_MIN,	/* u32, in the namespace owner's user
					 * namespace; default 0
					 */
	WFPREDIR_A_RULE_UID_MAX,	/* u32, default the largest uid */
	WFPREDIR_A_RULE_CGROUP,		/* string: cgroup v2 path, as under
					 * /sys/fs/cgroup; matches sockets of
					 * that cgroup and its descendants
					 */
	WFPREDIR_A_RULE_CONTEXT,	/* binary, 1..WFPREDIR_CONTEXT_MAX_
					 * CUSTOM_LEN: the context of flows it
					 * redirects, instead of the default
					 */
	WFPREDIR_A_RULE_MATCHES,	/* u64, dump only: flows redirected */
	WFPREDIR_A_RULE_PAD,
	WFPREDIR_A_RULE_TABLE,		/* string: its table; default "default" */
	WFPREDIR_A_RULE_SERVICE_NAME,	/* string: its service by name, in the
					 * rule's table (instead of SERVICE)
					 */
	__WFPREDIR_A_RULE_MAX
};

#define WFPREDIR_A_RULE_MAX (__WFPREDIR_A_RULE_MAX - 1)

/*
 * A flow: a connection (conntrack entry) that holds records. Dump only.
 * Addresses as in services; ORIG_* is the connection as its socket opened
 * it, REDIR_* where it was redirected to (absent when it was not).
 */
enum wfpredir_flow_attr {
	WFPREDIR_A_FLOW_UNSPEC,
	WFPREDIR_A_FLOW_FAMILY,		/* u8 */
	WFPREDIR_A_FLOW_PROTOCOL,	/* u8 */
	WFPREDIR_A_FLOW_ORIG_SADDR,	/* binary */
	WFPREDIR_A_FLOW_ORIG_SPORT,	/* u16 */
	WFPREDIR_A_FLOW_ORIG_DADDR,	/* binary */
	WFPREDIR_A_FLOW_ORIG_DPORT,	/* u16 */
	WFPREDIR_A_FLOW_REDIR_DADDR,	/* binary */
	WFPREDIR_A_FLOW_REDIR_DPORT,	/* u16 */
	WFPREDIR_A_FLOW_SERVICE,	/* u32: service it was redirected to */
	WFPREDIR_A_FLOW_RULE,		/* u32: rule that redirected it */
	WFPREDIR_A_FLOW_RECORDS,	/* binary: the record blob */
	WFPREDIR_A_FLOW_CONTEXT,	/* binary: the context, if any */
	WFPREDIR_A_FLOW_AGE_MS,		/* u64: since the flow was seen */
	WFPREDIR_A_FLOW_PAD,
	WFPREDIR_A_FLOW_EVENT,		/* u8, events only:
					 * WFPREDIR_FLOW_EVENT_*
					 */
	WFPREDIR_A_FLOW_REASON,		/* u8, events only: why a flow was
					 * refused or left alone:
					 * WFPREDIR_FLOW_REASON_*
					 */
	WFPREDIR_A_FLOW_UID,		/* u32, events only: the sending
					 * socket's uid, in the namespace
					 * owner's user namespace
					 */
	__WFPREDIR_A_FLOW_MAX
};

#define WFPREDIR_A_FLOW_MAX (__WFPREDIR_A_FLOW_MAX - 1)

/*
 * Events
 * ------
 *
 * The multicast group WFPREDIR_GENL_MCGRP_EVENTS of the family tells what
 * changes in the listener's network namespace, as it happens (ip monitor,
 * conntrack -E). Joining it needs CAP_NET_ADMIN over the namespace (the
 * events name other users' connections): -EPERM otherwise. A kernel older
 * than the multicast group permission check (GENL_MCAST_CAP_NET_ADMIN)
 * offers no group, and resolving it fails.
 *
 * Configuration changes carry the command that made them and the object as
 * its dump does:
 *
 *   NEW_SERVICE, DEL_SERVICE	WFPREDIR_A_SERVICE (with its TABLE)
 *   NEW_RULE, DEL_RULE		WFPREDIR_A_RULE (with its TABLE)
 *   FLUSH_SERVICES, FLUSH_RULES	WFPREDIR_A_TABLE when one table was
 *				flushed; none when every table was
 *   APPLY			one event per table a committed APPLY
 *				replaced, after the commit: WFPREDIR_A_TABLE
 *				and WFPREDIR_A_APPLY_* (how many services and
 *				rules went, came and stayed); nothing for an
 *				APPLY that failed or only checked
 *
 * An APPLY is summed up per table rather than told object by object: one
 * may replace hundreds of thousands of rules (max_rules) in one step, which
 * as single events would overflow every listener's buffer and tell it only
 * that events were lost. At most 64 tables, so 64 events, per APPLY; a
 * listener lists the table for its new content.
 *
 * A listener that misses events is told by its next read failing with
 * ENOBUFS; GET_INFO's WFPREDIR_A_STATS_EVENTS_LOST counts, per namespace,
 * the events that did not reach every listener: those dropped for memory,
 * and those a listener with socket option NETLINK_BROADCAST_ERROR set (as
 * libwfpredir's monitor sets it) had no room for; netlink does not tell
 * the module of the losses of other listeners.
 *
 * Flows: command WFPREDIR_CMD_FLOW_EVENT, with WFPREDIR_A_FLOW holding
 * FAMILY, PROTOCOL, ORIG_*, EVENT, UID and, for a redirect, REDIR_DADDR,
 * REDIR_DPORT, SERVICE and RULE (SERVICE and RULE also for a refused flow
 * that a rule had chosen), for a refusal or a flow left alone, REASON.
 * They are sent from the packet path, only while someone listens, and
 * dropped when a listener's receive buffer is full: its next read fails
 * with ENOBUFS, which tells it events were lost.
 */
#define WFPREDIR_GENL_MCGRP_EVENTS	"events"

enum wfpredir_flow_event {
	WFPREDIR_FLOW_EVENT_UNSPEC,
	WFPREDIR_FLOW_EVENT_REDIRECT,	/* redirected to a service */
	WFPREDIR_FLOW_EVENT_REFUSED,	/* dropped, the sender gets
					 * ECONNREFUSED (it would have lost
					 * its records)
					 */
	WFPREDIR_FLOW_EVENT_SKIPPED,	/* left alone: not redirected */
	__WFPREDIR_FLOW_EVENT_MAX
};

enum wfpredir_flow_reason {
	WFPREDIR_FLOW_REASON_UNSPEC,
	WFPREDIR_FLOW_REASON_TABLE_FULL,	/* refused: flow table full */
	WFPREDIR_FLOW_REASON_FLOW_SHARE,	/* refused: the uid holds its
						 * share of the flow table
						 */
	WFPREDIR_FLOW_REASON_NOMEM,		/* refused: out of memory */
	WFPREDIR_FLOW_REASON_CHAIN_CAPPED,	/* skipped: the chain holds
						 * chain_max entries
						 */
	__WFPREDIR_FLOW_REASON_MAX
};

#endif /* _UAPI_LINUX_WFPREDIR_H */
