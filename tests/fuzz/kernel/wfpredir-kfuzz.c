// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredir-kfuzz: a syscall fuzzer for wfpredir.ko, run inside the test VM
 * (tests/fuzz/kernel/run drives it, with namespace deletion and module
 * reloads around it). It finds bugs through the kernel's own detectors
 * (KASAN, lockdep, kmemleak on the debug kernel); nothing it gets back from
 * a call is a failure by itself.
 *
 *   wfpredir-kfuzz [--seed N] [--seconds N] [--procs N] [--netns PREFIX]
 *                  [--outcomes FILE] [--make-it-fail]
 *
 * Several worker processes, each with its own PRNG stream (seed + index),
 * drive at random:
 *   genl      the generic netlink family: valid messages built from the
 *             UAPI, and mutated ones (types, lengths, nesting, missing and
 *             extra attributes, huge values, header fields), dumps read to
 *             the end or abandoned, the events group;
 *   sockopt   setsockopt/getsockopt at levels and option numbers in and
 *             around the module's block, random lengths and buffers (bad
 *             pointers included), on TCP and UDP sockets of AF_INET, AF_INET6
 *             and v4-mapped flows in every state (fresh, bound, listening,
 *             connected, accepted, half-closed);
 *   records   SET_RECORDS with records read from redirected connections,
 *             bit-flipped, truncated, extended or spliced, then connected;
 *   traffic   connections and datagrams to destinations that the worker's
 *             own rule redirects to its own service (loopback, or the veth
 *             toward the namespace's peer), read back with GET_RECORDS,
 *             GET_CONTEXT and the datagram-flow options, and handed off
 *             (WFPREDIR_SO_HANDOFF) to fresh sockets;
 *   netns     moving to another namespace: one of the controller's (PREFIX*
 *             under /run/netns) or a new private one, leaving sockets behind.
 * Workers end after a random lifetime and are replaced, so process exit with
 * live state is exercised too. The module may vanish at any moment (rmmod):
 * every call tolerates it.
 *
 * At the end it prints executions per operation class and, as a coverage
 * proxy, the number of distinct (operation, result) outcomes; --outcomes
 * writes them, one a line. --make-it-fail subjects the fuzzer's processes to
 * the kernel's fault injection (/proc/PID/make-it-fail, failslab's
 * task-filter). It is not kcov: see Documentation/testing.rst.
 * Exit status 0, or 1 when a worker died of a signal (a fuzzer bug, or the
 * kernel killing it), 2 on a usage or setup error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/wfpredir.h>

#include "../../helpers/common/helper.h"

#ifndef SOL_UDP
#define SOL_UDP 17
#endif

/* ------------------------------------------------------------ the shared tally */

enum op_class {
	OP_GENL_VALID,
	OP_GENL_MUTATED,
	OP_GENL_DUMP,
	OP_GENL_EVENTS,
	OP_SOCKOPT_SET,
	OP_SOCKOPT_GET,
	OP_RECORDS_SET,
	OP_TRAFFIC_TCP,
	OP_TRAFFIC_UDP,
	OP_SOCKET,
	OP_NETNS,
	OP_CLASSES
};

static const char *const op_names[OP_CLASSES] = {
	"genl-valid",  "genl-mutated", "genl-dump",   "genl-events",  "sockopt-set",  "sockopt-get",
	"records-set", "traffic-tcp",  "traffic-udp", "socket-state", "netns-switch",
};

/* A worker's exit status: it could not allocate its buffers. */
#define EXIT_NOMEM 3

/* A result that is not an errno: a get that answered "buffer too small". */
#define RES_SHORT 300

#define OUTCOME_SLOTS (1u << 16)

/* Shared by all workers (MAP_SHARED, set up before the first fork). */
struct tally {
	uint64_t execs[OP_CLASSES];
	uint64_t outcome[OUTCOME_SLOTS]; /* open addressing, 0 = empty */
	uint64_t outcomes_lost;
};

static struct tally *tally;

/*
 * An outcome is (class, sub-operation, result): the sub-operation names the
 * command, level, option number, socket family, protocol and state, so a
 * new way through the module's code mostly shows as a new outcome.
 */
static void record(enum op_class cls, uint32_t sub, int res)
{
	uint64_t key = ((uint64_t)(cls + 1) << 48) | ((uint64_t)sub << 16) |
		       (uint16_t)(res < 0 ? -res : res);
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	__atomic_add_fetch(&tally->execs[cls], 1, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < 64; i++) {
		uint64_t expected = 0;
		uint32_t slot = (uint32_t)((h >> 40) + i) & (OUTCOME_SLOTS - 1);
		if (__atomic_load_n(&tally->outcome[slot], __ATOMIC_RELAXED) == key)
			return;
		if (__atomic_compare_exchange_n(&tally->outcome[slot], &expected, key, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return;
		if (expected == key)
			return;
	}
	__atomic_add_fetch(&tally->outcomes_lost, 1, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------ the PRNG */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	/* xorshift64*: reproducible from --seed, no libc state shared */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

static bool chance(uint32_t one_in)
{
	return rnd(one_in) == 0;
}

static void rnd_bytes(void *p, size_t n)
{
	uint8_t *b = p;

	while (n--)
		*b++ = (uint8_t)rnd64();
}

/* An "interesting" 32-bit value: boundaries more often than not. */
static uint32_t rnd_u32(void)
{
	static const uint32_t edge[] = { 0,	    1,	   2,	       7,	   8,
					 15,	    16,	   17,	       100,	   101,
					 255,	    256,   1023,       1024,	   1025,
					 65535,	    65536, 0x7fffffff, 0x80000000, 0xfffffffe,
					 0xffffffff };

	switch (rnd(3)) {
	case 0:
		return edge[rnd(sizeof(edge) / sizeof(edge[0]))];
	case 1:
		return rnd(64);
	default:
		return (uint32_t)rnd64();
	}
}

/* ------------------------------------------------------------ worker state */

static int worker_idx;
static const char *netns_prefix = "kfz-";
static bool worker_fail;    /* --make-it-fail */
static uint16_t base_dport; /* this worker's 16 destination ports */

struct family_info {
	int id;	    /* 0: not resolved (module absent) */
	int mcgrp;  /* events group, 0 if none */
	bool stale; /* an ENOENT came back: maybe the module was reloaded */
	unsigned int resolved_at;
};

static struct family_info fam;
static int genl_fd = -1;
static int events_fd = -1;
static unsigned int op_count;

#define MAX_RECORDS 16
static uint8_t records[MAX_RECORDS][WFPREDIR_RECORDS_MAX_LEN];
static uint16_t records_len[MAX_RECORDS];
static unsigned int n_records;

enum sk_state { ST_FRESH, ST_BOUND, ST_LISTEN, ST_CONNECTED, ST_ACCEPTED, ST_HALF, ST_STATES };

struct pool_sk {
	int fd;
	uint8_t fam; /* 0: v4, 1: v6, 2: v6 socket, v4-mapped flow */
	uint8_t udp;
	uint8_t state;
};

#define POOL 24
static struct pool_sk pool[POOL];

/* The worker's redirect service: listeners at these ports in this netns. */
struct service {
	int tcp4, tcp6, udp4, udp6;
	uint16_t port;
	bool ready;
};

static struct service svc = { -1, -1, -1, -1, 0, false };

/* Plain listeners (no service) for connected/accepted socket states. */
static int plain4 = -1, plain6 = -1;
static uint16_t plain4_port, plain6_port;

/* 128 KiB of random bytes: no length a call reads runs off it. */
static uint8_t *bigbuf;
#define BIGBUF_LEN (128 * 1024)
static void *unmapped; /* a page that faults */
static void *readonly; /* a page that faults on write */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ------------------------------------------------------------ netlink */

struct msg {
	union {
		uint8_t buf[16384];
		struct nlmsghdr nlh;
	};
	size_t len;
	/* where each attribute starts, for the mutations */
	uint16_t attr_off[128];
	unsigned int n_attrs;
};

static void msg_init(struct msg *m, uint16_t type, uint16_t flags, uint8_t cmd)
{
	struct genlmsghdr *g;

	memset(&m->nlh, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	m->nlh.nlmsg_type = type;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = WFPREDIR_GENL_VERSION;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->n_attrs = 0;
}

static bool put(struct msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a;

	if (m->len + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(m->buf))
		return false;
	a = (struct nlattr *)(m->buf + m->len);
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy(m->buf + m->len + NLA_HDRLEN, data, len);
	memset(m->buf + m->len + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	if (m->n_attrs < sizeof(m->attr_off) / sizeof(m->attr_off[0]))
		m->attr_off[m->n_attrs++] = (uint16_t)m->len;
	m->len += NLA_HDRLEN + NLA_ALIGN(len);
	return true;
}

static void put_u8(struct msg *m, uint16_t t, uint8_t v)
{
	put(m, t, &v, 1);
}

static void put_u16(struct msg *m, uint16_t t, uint16_t v)
{
	put(m, t, &v, 2);
}

static void put_u32(struct msg *m, uint16_t t, uint32_t v)
{
	put(m, t, &v, 4);
}

static void put_str(struct msg *m, uint16_t t, const char *s)
{
	put(m, t, s, strlen(s) + 1);
}

static size_t nest_start(struct msg *m, uint16_t type)
{
	size_t off = m->len;

	put(m, type | NLA_F_NESTED, NULL, 0);
	return off;
}

static void nest_end(struct msg *m, size_t off)
{
	((struct nlattr *)(m->buf + off))->nla_len = (uint16_t)(m->len - off);
}

static int nl_open(void)
{
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	int one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* extack and strict checking: the kernel's richer error paths */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	return fd;
}

static int nl_send(int fd, struct msg *m)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	m->nlh.nlmsg_len = (uint32_t)m->len;
	if (sendto(fd, m->buf, m->len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

static uint8_t rxbuf[65536];

/*
 * Read the answers until the ack, an error or the end of a dump. Returns 0,
 * the negative errno of the ack, or of the receive. @cb sees every message
 * that is not an error or done.
 */
static int nl_recv(int fd, bool dump, void (*cb)(struct nlmsghdr *))
{
	for (int rounds = 0; rounds < 4096; rounds++) {
		/*
		 * Generic netlink answers within sendmsg(), and a dump queues
		 * its next part within the recvmsg() that reads one: nothing
		 * queued is no answer (a request without NLM_F_REQUEST or
		 * NLM_F_ACK), never one still coming.
		 */
		ssize_t n = recv(fd, rxbuf, sizeof(rxbuf), MSG_DONTWAIT);
		struct nlmsghdr *h;

		if (n < 0)
			return -errno;
		for (h = (struct nlmsghdr *)rxbuf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (cb)
				cb(h);
			if (!dump)
				return 0; /* then the ack follows, unread: drained below */
		}
	}
	return -EOVERFLOW;
}

/* Empty the socket: leftovers of an earlier exchange would be misread. */
static void nl_drain(int fd)
{
	while (recv(fd, rxbuf, sizeof(rxbuf), MSG_DONTWAIT) > 0)
		;
}

static void family_cb(struct nlmsghdr *h)
{
	struct genlmsghdr *g = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	struct nlattr *a = (struct nlattr *)((uint8_t *)g + GENL_HDRLEN);

	for (; len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len),
	     a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len))) {
		int t = a->nla_type & NLA_TYPE_MASK;

		if (t == CTRL_ATTR_FAMILY_ID)
			fam.id = *(uint16_t *)((uint8_t *)a + NLA_HDRLEN);
		if (t == CTRL_ATTR_MCAST_GROUPS) {
			/* one nest per group: its id is all we need (one group) */
			uint8_t *p = (uint8_t *)a + NLA_HDRLEN, *end = (uint8_t *)a + a->nla_len;

			while (p + NLA_HDRLEN <= end) {
				struct nlattr *grp = (struct nlattr *)p;
				uint8_t *q = p + NLA_HDRLEN, *gend = p + grp->nla_len;

				if (grp->nla_len < NLA_HDRLEN || gend > end)
					break;
				while (q + NLA_HDRLEN <= gend) {
					struct nlattr *ga = (struct nlattr *)q;

					if (ga->nla_len < NLA_HDRLEN)
						break;
					if ((ga->nla_type & NLA_TYPE_MASK) ==
					    CTRL_ATTR_MCAST_GRP_ID)
						fam.mcgrp = *(uint32_t *)(q + NLA_HDRLEN);
					q += NLA_ALIGN(ga->nla_len);
				}
				p += NLA_ALIGN(grp->nla_len);
			}
		}
	}
}

/* The family's id in this netns now: it changes with every module load. */
static void family_resolve(void)
{
	struct msg *m = malloc(sizeof(*m));
	int fd;

	fam.id = 0;
	fam.mcgrp = 0;
	fam.stale = false;
	fam.resolved_at = op_count;
	if (!m)
		return;
	fd = nl_open();
	if (fd >= 0) {
		msg_init(m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY);
		((struct genlmsghdr *)(m->buf + NLMSG_HDRLEN))->version = 2;
		put_str(m, CTRL_ATTR_FAMILY_NAME, WFPREDIR_GENL_NAME);
		if (!nl_send(fd, m))
			nl_recv(fd, false, family_cb);
		close(fd);
	}
	free(m);
}

/* ------------------------------------------------------------ genl messages */

static const char *const tables[] = { "default", "t1", "t2", "kfz", "" };
static const char *const cgroups[] = { "/", "/kfz", "/nonexistent", "", "//", "/../.." };

static const char *rnd_table(void)
{
	return tables[rnd(sizeof(tables) / sizeof(tables[0]))];
}

static void rnd_name(char *buf, size_t len)
{
	switch (rnd(4)) {
	case 0:
		snprintf(buf, len, "kfz%u", rnd(4));
		break;
	case 1:
		snprintf(buf, len, "w%d-%u", worker_idx, rnd(3));
		break;
	case 2: {
		size_t n = 1 + rnd((uint32_t)len - 1);

		for (size_t i = 0; i < n - 1; i++)
			buf[i] = (char)(' ' + rnd(95));
		buf[n - 1] = 0;
		break;
	}
	default:
		memset(buf, 'n', len - 1);
		buf[len - 1] = 0;
		break;
	}
}

static void rnd_addr(uint8_t *a, bool v6)
{
	memset(a, 0, 16);
	switch (rnd(3)) {
	case 0:
		if (v6)
			a[15] = 1;
		else
			a[0] = 127, a[3] = (uint8_t)(1 + rnd(3));
		break;
	case 1:
		if (v6)
			a[0] = 0xfd, a[1] = 0x77, a[15] = (uint8_t)(1 + rnd(2));
		else
			a[0] = 10, a[1] = 77, a[3] = (uint8_t)(1 + rnd(2));
		break;
	default:
		rnd_bytes(a, v6 ? 16 : 4);
	}
}

static void put_service(struct msg *m, uint16_t type, bool ref)
{
	size_t nest = nest_start(m, type);

	if (!ref || chance(2))
		put_u32(m, WFPREDIR_A_SERVICE_ID, chance(2) ? rnd(8) : rnd_u32());
	if (!ref || chance(2)) {
		char name[40];

		rnd_name(name, chance(8) ? sizeof(name) : 12);
		put_str(m, WFPREDIR_A_SERVICE_NAME, name);
	}
	if (chance(3))
		put_str(m, WFPREDIR_A_SERVICE_TABLE, rnd_table());
	if (!ref) {
		uint8_t a[16];

		if (!chance(4)) {
			rnd_addr(a, false);
			put(m, WFPREDIR_A_SERVICE_ADDR4, a, 4);
			put_u16(m, WFPREDIR_A_SERVICE_PORT4, (uint16_t)(chance(4) ? 0 : rnd_u32()));
		}
		if (!chance(3)) {
			rnd_addr(a, true);
			put(m, WFPREDIR_A_SERVICE_ADDR6, a, 16);
			put_u16(m, WFPREDIR_A_SERVICE_PORT6, (uint16_t)(1 + rnd(65535)));
		}
		if (chance(4))
			put_u32(m, WFPREDIR_A_SERVICE_OWNER_UID, chance(2) ? 0 : rnd_u32());
		if (chance(5))
			put_str(m, WFPREDIR_A_SERVICE_OWNER_CGROUP,
				cgroups[rnd(sizeof(cgroups) / sizeof(cgroups[0]))]);
	}
	nest_end(m, nest);
}

static void put_rule(struct msg *m, uint16_t type, bool ref)
{
	size_t nest = nest_start(m, type);
	static const uint8_t families[] = { AF_UNSPEC, AF_INET, AF_INET6, 1, 255 };
	static const uint8_t protos[] = { 0, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, 255 };

	if (ref || chance(2))
		put_u32(m, WFPREDIR_A_RULE_ID, chance(2) ? rnd(16) : rnd_u32());
	if (ref) {
		nest_end(m, nest);
		return;
	}
	if (chance(2))
		put_u32(m, WFPREDIR_A_RULE_PRIORITY, rnd_u32());
	if (chance(4)) {
		char name[16];

		rnd_name(name, sizeof(name));
		put_str(m, WFPREDIR_A_RULE_SERVICE_NAME, name);
	} else {
		put_u32(m, WFPREDIR_A_RULE_SERVICE, chance(2) ? 1 + rnd(8) : rnd_u32());
	}
	if (chance(2)) {
		uint8_t f = families[rnd(sizeof(families))];

		put_u8(m, WFPREDIR_A_RULE_FAMILY, f);
		if (chance(2)) {
			bool v6 = f == AF_INET6 ? !chance(8) : chance(8);
			uint8_t a[16];

			rnd_addr(a, v6);
			put(m, WFPREDIR_A_RULE_DADDR, a, v6 ? 16 : 4);
			if (chance(2))
				put_u8(m, WFPREDIR_A_RULE_DPREFIX, (uint8_t)rnd(130));
		}
	}
	if (chance(2))
		put_u8(m, WFPREDIR_A_RULE_PROTOCOL, protos[rnd(sizeof(protos))]);
	if (chance(2)) {
		put_u16(m, WFPREDIR_A_RULE_DPORT_MIN, (uint16_t)rnd_u32());
		put_u16(m, WFPREDIR_A_RULE_DPORT_MAX, (uint16_t)rnd_u32());
	}
	if (chance(3)) {
		put_u32(m, WFPREDIR_A_RULE_UID_MIN, rnd_u32());
		put_u32(m, WFPREDIR_A_RULE_UID_MAX, rnd_u32());
	}
	if (chance(5))
		put_str(m, WFPREDIR_A_RULE_CGROUP,
			cgroups[rnd(sizeof(cgroups) / sizeof(cgroups[0]))]);
	if (chance(4)) {
		size_t n = chance(3) ? WFPREDIR_CONTEXT_MAX_CUSTOM_LEN + rnd(2) : 1 + rnd(64);
		uint8_t ctx[WFPREDIR_CONTEXT_MAX_CUSTOM_LEN + 1];

		rnd_bytes(ctx, n);
		put(m, WFPREDIR_A_RULE_CONTEXT, ctx, n);
	}
	if (chance(3))
		put_str(m, WFPREDIR_A_RULE_TABLE, rnd_table());
	nest_end(m, nest);
}

static void put_config(struct msg *m)
{
	if (chance(2))
		put_u32(m, WFPREDIR_A_CONFIG_CHAIN_MAX, chance(2) ? 1 + rnd(16) : rnd_u32());
	if (chance(2))
		put_u8(m, WFPREDIR_A_CONFIG_INHERIT, (uint8_t)rnd(3));
	if (chance(2))
		put_u32(m, WFPREDIR_A_CONFIG_FLOW_SHARE, chance(2) ? 1 + rnd(100) : rnd_u32());
}

static bool is_dump(uint8_t cmd)
{
	return cmd == WFPREDIR_CMD_GET_SERVICE || cmd == WFPREDIR_CMD_GET_RULE ||
	       cmd == WFPREDIR_CMD_GET_FLOW;
}

/* A message for @cmd as the UAPI describes it, with random valid-looking values. */
static void build_valid(struct msg *m, uint8_t cmd)
{
	uint16_t flags = NLM_F_ACK;

	if (is_dump(cmd))
		flags |= NLM_F_DUMP;
	if ((cmd == WFPREDIR_CMD_NEW_SERVICE || cmd == WFPREDIR_CMD_NEW_RULE) && chance(3))
		flags |= NLM_F_ECHO;
	msg_init(m, (uint16_t)fam.id, flags, cmd);
	switch (cmd) {
	case WFPREDIR_CMD_SET_CONFIG:
		put_config(m);
		break;
	case WFPREDIR_CMD_NEW_SERVICE:
		put_service(m, WFPREDIR_A_SERVICE, false);
		if (chance(2))
			put(m, WFPREDIR_A_REPLACE, NULL, 0);
		break;
	case WFPREDIR_CMD_DEL_SERVICE:
		put_service(m, WFPREDIR_A_SERVICE, true);
		break;
	case WFPREDIR_CMD_FLUSH_SERVICES:
	case WFPREDIR_CMD_FLUSH_RULES:
		if (!chance(4))
			put_str(m, WFPREDIR_A_TABLE, rnd_table());
		break;
	case WFPREDIR_CMD_NEW_RULE:
		put_rule(m, WFPREDIR_A_RULE, false);
		if (chance(2))
			put(m, WFPREDIR_A_REPLACE, NULL, 0);
		break;
	case WFPREDIR_CMD_DEL_RULE:
		put_rule(m, WFPREDIR_A_RULE, true);
		break;
	case WFPREDIR_CMD_APPLY: {
		unsigned int n = rnd(4);

		for (unsigned int i = 0; i < n; i++)
			put_str(m, WFPREDIR_A_TABLE, rnd_table());
		n = rnd(chance(8) ? 200 : 5);
		for (unsigned int i = 0; i < n; i++)
			put_service(m, WFPREDIR_A_SERVICE, false);
		n = rnd(chance(8) ? 200 : 5);
		for (unsigned int i = 0; i < n; i++)
			put_rule(m, WFPREDIR_A_RULE, false);
		put_config(m);
		if (chance(2))
			put(m, WFPREDIR_A_CHECK, NULL, 0);
		break;
	}
	default:
		break;
	}
}

/* Break @m in one to three ways. Returns a tag of what was done (outcome key). */
static uint32_t mutate(struct msg *m)
{
	uint32_t tag = 0;
	unsigned int n = 1 + rnd(3);

	for (unsigned int i = 0; i < n; i++) {
		uint32_t kind = rnd(10);
		struct nlattr *a = NULL;

		if (m->n_attrs)
			a = (struct nlattr *)(m->buf + m->attr_off[rnd(m->n_attrs)]);
		tag |= 1u << kind;
		switch (kind) {
		case 0: /* another attribute type, maybe with the flag bits */
			if (a)
				a->nla_type = (uint16_t)((a->nla_type & NLA_F_NESTED) ^
							 (rnd(40) | (chance(4) ? NLA_F_NESTED : 0) |
							  (chance(8) ? NLA_F_NET_BYTEORDER : 0)));
			break;
		case 1: /* a wrong length */
			if (a) {
				static const int16_t d[] = { -4, -1, 1, 2, 3, 4, 8, 64 };

				a->nla_len = (uint16_t)(chance(4) ? (int)rnd(8)
								  : a->nla_len + d[rnd(8)]);
			}
			break;
		case 2: /* truncated */
			if (m->len > NLMSG_HDRLEN)
				m->len = NLMSG_HDRLEN + rnd((uint32_t)(m->len - NLMSG_HDRLEN));
			break;
		case 3: { /* an extra attribute, random type and payload */
			uint8_t p[96];
			size_t plen = rnd(sizeof(p));

			rnd_bytes(p, plen);
			put(m, (uint16_t)(rnd(40) | (chance(3) ? NLA_F_NESTED : 0)), p, plen);
			break;
		}
		case 4: { /* deep or wrong nesting */
			unsigned int depth = 1 + rnd(chance(4) ? 40 : 4);
			size_t offs[64];

			for (unsigned int d = 0; d < depth; d++)
				offs[d] = nest_start(
					m, (uint16_t)(chance(2) ? WFPREDIR_A_SERVICE + rnd(3)
								: rnd(40)));
			if (chance(2))
				put_u32(m, (uint16_t)rnd(20), rnd_u32());
			for (unsigned int d = depth; d-- > 0;)
				nest_end(m, offs[d]);
			break;
		}
		case 5: /* flipped payload bytes */
			if (a && a->nla_len > NLA_HDRLEN) {
				uint8_t *p = (uint8_t *)a + NLA_HDRLEN;
				uint16_t plen = (uint16_t)(a->nla_len - NLA_HDRLEN);

				if ((uint8_t *)a + a->nla_len <= m->buf + m->len)
					p[rnd(plen)] ^= (uint8_t)(1u << rnd(8));
			}
			break;
		case 6: /* huge or zero values in fixed-size payloads */
			if (a && a->nla_len == NLA_HDRLEN + 4)
				*(uint32_t *)((uint8_t *)a + NLA_HDRLEN) = chance(2) ? 0xffffffff
										     : 0;
			else if (a && a->nla_len == NLA_HDRLEN + 2)
				*(uint16_t *)((uint8_t *)a + NLA_HDRLEN) = chance(2) ? 0xffff : 0;
			break;
		case 7: { /* the generic header */
			struct genlmsghdr *g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);

			if (chance(2))
				g->cmd = (uint8_t)rnd(chance(2) ? 20 : 256);
			else if (chance(2))
				g->version = (uint8_t)rnd(256);
			else
				g->reserved = (uint16_t)rnd(65536);
			break;
		}
		case 8: /* netlink flags: dump on a doit, echo, replace, excl... */
			m->nlh.nlmsg_flags ^= (uint16_t)(1u << rnd(12));
			break;
		default: /* a missing attribute: dropped by renaming to UNSPEC */
			if (a)
				a->nla_type = 0;
			break;
		}
	}
	return tag;
}

static int genl_ensure(void)
{
	if (genl_fd < 0)
		genl_fd = nl_open();
	if (!fam.id || op_count - fam.resolved_at > 512 ||
	    (fam.stale && op_count - fam.resolved_at > 32))
		family_resolve();
	return genl_fd >= 0 && fam.id ? 0 : -ENOENT;
}

/* Send @m, read the answer; a gone family means the module went away. */
static int genl_exchange(struct msg *m, bool dump)
{
	int err;

	nl_drain(genl_fd);
	err = nl_send(genl_fd, m);
	if (!err)
		err = nl_recv(genl_fd, dump, NULL);
	if (!err && !dump && (m->nlh.nlmsg_flags & NLM_F_ACK))
		nl_drain(genl_fd);
	/* ENOENT is also "no such object": look the family up again, but not every time */
	if (err == -ENOENT)
		fam.stale = true;
	return err;
}

static void op_genl(bool mutated)
{
	static struct msg m;
	uint8_t cmd = (uint8_t)(1 + rnd(WFPREDIR_CMD_MAX + (mutated ? 2 : 0)));
	uint32_t tag = 0;
	int err;

	if (genl_ensure()) {
		record(mutated ? OP_GENL_MUTATED : OP_GENL_VALID, cmd, -ENOENT);
		return;
	}
	build_valid(&m, cmd);
	if (mutated)
		tag = mutate(&m);
	if (m.len < NLMSG_HDRLEN)
		m.len = NLMSG_HDRLEN;
	err = genl_exchange(&m, (m.nlh.nlmsg_flags & NLM_F_DUMP) != 0);
	/* the mutation kinds are part of the outcome: (cmd, what broke, errno) */
	record(mutated ? OP_GENL_MUTATED : OP_GENL_VALID, cmd | ((tag & 0x3ff) << 8), err);
}

/* A dump read to the end, or started and abandoned (the .done path). */
static void op_genl_dump(void)
{
	static struct msg m;
	static const uint8_t cmds[] = { WFPREDIR_CMD_GET_SERVICE, WFPREDIR_CMD_GET_RULE,
					WFPREDIR_CMD_GET_FLOW, WFPREDIR_CMD_GET_INFO };
	uint8_t cmd = cmds[rnd(4)];
	int err;

	if (genl_ensure()) {
		record(OP_GENL_DUMP, cmd, -ENOENT);
		return;
	}
	msg_init(&m, (uint16_t)fam.id, NLM_F_DUMP | NLM_F_ACK, cmd);
	if (chance(3)) {
		int fd = nl_open();
		int rcvbuf = 1024;

		/* a tiny buffer, one message, then the socket is closed mid-dump */
		if (fd < 0)
			return;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		m.nlh.nlmsg_len = (uint32_t)m.len;
		err = nl_send(fd, &m);
		if (!err && chance(2))
			err = recv(fd, rxbuf, 256, 0) < 0 ? -errno : 0;
		close(fd);
		record(OP_GENL_DUMP, cmd | 0x100, err);
		return;
	}
	err = genl_exchange(&m, true);
	record(OP_GENL_DUMP, cmd, err);
}

/* The events group: joined, drained, left, with a tiny buffer that overflows. */
static void op_genl_events(void)
{
	int err = 0, grp;

	if (genl_ensure() || !fam.mcgrp) {
		record(OP_GENL_EVENTS, 0, -ENOENT);
		return;
	}
	grp = fam.mcgrp;
	if (events_fd < 0 || chance(8)) {
		int rcvbuf = 2048;

		close_fd(&events_fd);
		events_fd = nl_open();
		if (events_fd < 0)
			return;
		setsockopt(events_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		if (setsockopt(events_fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)))
			err = -errno;
		record(OP_GENL_EVENTS, 1, err);
		return;
	}
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(events_fd, rxbuf, sizeof(rxbuf), MSG_DONTWAIT);

		if (n < 0) {
			err = -errno;
			break;
		}
	}
	record(OP_GENL_EVENTS, 2, err == -EAGAIN ? 0 : err);
	if (chance(16)) {
		err = setsockopt(events_fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &grp, sizeof(grp))
			      ? -errno
			      : 0;
		record(OP_GENL_EVENTS, 3, err);
	}
}

/* ------------------------------------------------------------ sockets */

/*
 * Destinations: DST_LO is 127.0.0.1 or ::1, DST_LO2 127.0.0.2 (::1 in v6),
 * DST_VETH the peer across the veth of the controller's namespaces
 * (10.77.0.2, fd77::2; unreachable elsewhere). famc 2: v4-mapped.
 */
enum { DST_LO, DST_LO2, DST_VETH, DSTS };

static void sa_make(struct sockaddr_storage *ss, socklen_t *len, int famc, int dst, uint16_t port)
{
	static const uint8_t v4[DSTS][4] = { { 127, 0, 0, 1 }, { 127, 0, 0, 2 }, { 10, 77, 0, 2 } };

	memset(ss, 0, sizeof(*ss));
	if (famc == 0) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, v4[dst], 4);
		*len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (famc == 2) {
			s6->sin6_addr.s6_addr[10] = 0xff;
			s6->sin6_addr.s6_addr[11] = 0xff;
			memcpy(&s6->sin6_addr.s6_addr[12], v4[dst], 4);
		} else if (dst == DST_VETH) {
			s6->sin6_addr.s6_addr[0] = 0xfd;
			s6->sin6_addr.s6_addr[1] = 0x77;
			s6->sin6_addr.s6_addr[15] = 2;
		} else {
			s6->sin6_addr.s6_addr[15] = 1;
		}
		*len = sizeof(*s6);
	}
}

static int sock_new(int famc, bool udp)
{
	int fd = socket(famc ? AF_INET6 : AF_INET,
			(udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd >= 0 && famc == 1 && chance(2)) {
		int one = 1;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	return fd;
}

static int listen_on(int famc, bool udp, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = sock_new(famc == 2 ? 1 : famc, udp), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa_make(&ss, &len, famc, DST_LO, *port);
	if (bind(fd, (struct sockaddr *)&ss, len) || (!udp && listen(fd, 64))) {
		close(fd);
		return -1;
	}
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static int wait_fd(int fd, short ev, int ms)
{
	struct pollfd p = { .fd = fd, .events = ev };

	return poll(&p, 1, ms) == 1 ? 0 : -ETIMEDOUT;
}

/*
 * Connect @fd to @ss and, when @lfd listens there (directly or through a
 * redirect), accept the other end. Returns the accepted fd or -1.
 */
static int connect_accept(int fd, struct sockaddr_storage *ss, socklen_t len, int lfd)
{
	int afd;

	if (connect(fd, (struct sockaddr *)ss, len) && errno != EINPROGRESS)
		return -1;
	if (lfd < 0 || wait_fd(lfd, POLLIN, 150))
		return -1;
	afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	wait_fd(fd, POLLOUT, 50);
	return afd;
}

static void plain_ensure(void)
{
	if (plain4 < 0) {
		plain4_port = 0;
		plain4 = listen_on(0, false, &plain4_port);
	}
	if (plain6 < 0) {
		plain6_port = 0;
		plain6 = listen_on(1, false, &plain6_port);
	}
}

static void pool_put(int fd, int famc, bool udp, int state)
{
	unsigned int i = rnd(POOL);

	close_fd(&pool[i].fd);
	pool[i] = (struct pool_sk){ fd, (uint8_t)famc, udp, (uint8_t)state };
}

/* A socket in a random state, into the pool. */
static void op_socket(void)
{
	int famc = (int)rnd(3), state = (int)rnd(ST_STATES), err = 0;
	bool udp = chance(2);
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, afd;

	if (chance(4)) {
		unsigned int i = rnd(POOL);

		if (pool[i].fd >= 0 && chance(2) && !pool[i].udp)
			err = shutdown(pool[i].fd, (int)rnd(3)) ? -errno : 0;
		else
			close_fd(&pool[i].fd);
		record(OP_SOCKET, 0x100 | (uint32_t)famc, err);
		return;
	}
	fd = sock_new(famc, udp);
	if (fd < 0) {
		record(OP_SOCKET, (uint32_t)state, -errno);
		return;
	}
	plain_ensure();
	switch (state) {
	case ST_BOUND:
		sa_make(&ss, &len, famc, DST_LO, 0);
		err = bind(fd, (struct sockaddr *)&ss, len) ? -errno : 0;
		break;
	case ST_LISTEN:
		if (udp) {
			sa_make(&ss, &len, famc, DST_LO, 0);
			err = bind(fd, (struct sockaddr *)&ss, len) ? -errno : 0;
		} else {
			err = listen(fd, 4) ? -errno : 0;
		}
		break;
	case ST_CONNECTED:
	case ST_ACCEPTED:
	case ST_HALF:
		if (udp) {
			uint16_t p = 0;
			int peer = listen_on(famc == 1 ? 1 : 0, true, &p);

			sa_make(&ss, &len, famc, DST_LO, p);
			err = connect(fd, (struct sockaddr *)&ss, len) ? -errno : 0;
			close_fd(&peer);
			break;
		}
		sa_make(&ss, &len, famc, DST_LO, famc == 1 ? plain6_port : plain4_port);
		afd = connect_accept(fd, &ss, len, famc == 1 ? plain6 : plain4);
		if (afd < 0) {
			err = -ETIMEDOUT;
			break;
		}
		if (state == ST_ACCEPTED) {
			pool_put(fd, famc, udp, ST_CONNECTED);
			fd = afd;
		} else {
			if (state == ST_HALF)
				shutdown(fd, SHUT_WR);
			pool_put(afd, famc, udp, ST_ACCEPTED);
		}
		break;
	default:
		break;
	}
	record(OP_SOCKET, (uint32_t)(state | famc << 4 | udp << 6), err);
	pool_put(fd, famc, udp, state);
}

/* A length for a call: the interesting ones near the module's sizes. */
static int rnd_len(void)
{
	static const int lens[] = {
		-1,
		0,
		1,
		3,
		4,
		7,
		8,
		16,
		(int)sizeof(struct wfpredir_dgram_flow) - 1,
		(int)sizeof(struct wfpredir_dgram_flow),
		(int)sizeof(struct wfpredir_records_hdr),
		(int)WFPREDIR_RECORDS_MIN_LEN - 1,
		(int)WFPREDIR_RECORDS_MIN_LEN,
		(int)WFPREDIR_RECORDS_MIN_LEN + 1,
		(int)WFPREDIR_RECORDS_LEN(2),
		(int)WFPREDIR_RECORDS_MAX_LEN,
		(int)WFPREDIR_RECORDS_MAX_LEN + 1,
		(int)WFPREDIR_CONTEXT_DEFAULT_LEN - 1,
		(int)WFPREDIR_CONTEXT_DEFAULT_LEN,
		(int)WFPREDIR_DGRAM_FLOW_MAX_LEN,
		4096,
		65536,
		0x7fffffff,
		-0x7fffffff,
	};

	if (chance(4))
		return (int)rnd(2048);
	return lens[rnd(sizeof(lens) / sizeof(lens[0]))];
}

static void *rnd_buf(bool for_write)
{
	switch (rnd(12)) {
	case 0:
		return NULL;
	case 1:
		return unmapped;
	case 2:
		return for_write ? readonly : (void *)1;
	case 3: /* the last bytes before the unmapped page */
		return (uint8_t *)unmapped - 1 - rnd(64);
	default:
		return bigbuf + rnd(64);
	}
}

/* A level, and its class for the outcome: 0 the socket's own, 1 the other IP level, 2 any other. */
static int rnd_level(int famc, uint32_t *cls)
{
	static const int levels[] = { SOL_IP, SOL_IPV6, SOL_TCP, SOL_UDP, SOL_SOCKET, SOL_RAW };
	int natural = famc == 1 ? SOL_IPV6 : SOL_IP, level;
	uint32_t i = rnd(8);

	if (i < 2)
		level = natural;
	else if (i < 7)
		level = levels[i - 2];
	else
		level = (int)rnd_u32();
	if (level == natural || (famc == 2 && level == SOL_IPV6))
		*cls = 0;
	else if (level == SOL_IP || level == SOL_IPV6)
		*cls = 1;
	else
		*cls = 2;
	return level;
}

/* The block and 8 numbers on each side; the outcome tells the block's apart. */
static int rnd_optname(uint32_t *cls)
{
	int off = (int)rnd(WFPREDIR_SO_RANGE + 16) - 8;

	*cls = off < 0 ? 16 : off >= WFPREDIR_SO_RANGE ? 17 : (uint32_t)off;
	return WFPREDIR_SO_BASE + off;
}

static struct pool_sk *pool_pick(void)
{
	for (int tries = 0; tries < 4; tries++) {
		struct pool_sk *p = &pool[rnd(POOL)];

		if (p->fd >= 0)
			return p;
	}
	op_socket();
	return &pool[rnd(POOL)];
}

static uint32_t sk_sub(const struct pool_sk *p, uint32_t level_idx, uint32_t off)
{
	return off | level_idx << 5 | (uint32_t)p->state << 8 | (uint32_t)p->fam << 11 |
	       (uint32_t)p->udp << 13;
}

static void op_sockopt_set(void)
{
	struct pool_sk *p = pool_pick();
	uint32_t li, off;
	int level, optname, len, err;
	void *buf;

	if (p->fd < 0)
		return;
	level = rnd_level(p->fam, &li);
	optname = rnd_optname(&off);
	len = rnd_len();
	buf = rnd_buf(false);
	if (n_records && chance(3) && buf == bigbuf) {
		unsigned int r = rnd(n_records);

		memcpy(bigbuf, records[r], records_len[r]);
		len = records_len[r];
	}
	err = setsockopt(p->fd, level, optname, buf, (socklen_t)len) ? -errno : 0;
	rnd_bytes(bigbuf, 64);
	record(OP_SOCKOPT_SET, sk_sub(p, li, off), err);
}

static void op_sockopt_get(void)
{
	struct pool_sk *p = pool_pick();
	uint32_t li, off;
	int level, optname, err;
	socklen_t len, asked;
	void *buf;

	if (p->fd < 0)
		return;
	level = rnd_level(p->fam, &li);
	optname = rnd_optname(&off);
	asked = len = (socklen_t)rnd_len();
	buf = rnd_buf(true);
	/* len itself unreadable: the kernel must fault cleanly */
	if (chance(32))
		err = getsockopt(p->fd, level, optname, buf, (socklen_t *)unmapped) ? -errno : 0;
	else
		err = getsockopt(p->fd, level, optname, buf, &len) ? -errno : 0;
	if (!err && len > asked)
		err = RES_SHORT;
	record(OP_SOCKOPT_GET, sk_sub(p, li, off), err);
}

/* ------------------------------------------------------------ records */

static void records_keep(const uint8_t *r, size_t len)
{
	unsigned int i = n_records < MAX_RECORDS ? n_records++ : rnd(MAX_RECORDS);

	if (len > WFPREDIR_RECORDS_MAX_LEN)
		len = WFPREDIR_RECORDS_MAX_LEN;
	memcpy(records[i], r, len);
	records_len[i] = (uint16_t)len;
}

/* A real record, broken in one of several ways; returns its length. */
static size_t records_mutant(uint8_t *out, uint32_t *how)
{
	unsigned int r = rnd(n_records);
	size_t len = records_len[r];

	memcpy(out, records[r], len);
	*how = rnd(7);
	switch (*how) {
	case 0: /* intact: it must be accepted (or refused for its state) */
		break;
	case 1: /* bit flips */
		for (unsigned int i = 1 + rnd(3); i--;)
			out[rnd((uint32_t)len)] ^= (uint8_t)(1u << rnd(8));
		break;
	case 2: /* truncated */
		len = rnd((uint32_t)len);
		break;
	case 3: /* extended with random or zero bytes */
		if (len < WFPREDIR_RECORDS_MAX_LEN) {
			size_t add = 1 + rnd((uint32_t)(WFPREDIR_RECORDS_MAX_LEN + 8 - len));

			if (chance(2))
				rnd_bytes(out + len, add);
			else
				memset(out + len, 0, add);
			len += add;
		}
		break;
	case 4: { /* spliced: the head of one, the tail of another */
		unsigned int o = rnd(n_records);
		size_t cut = rnd((uint32_t)len);
		size_t olen = records_len[o];
		size_t ocut = rnd((uint32_t)olen);

		if (cut + olen - ocut <= WFPREDIR_RECORDS_MAX_LEN + 16) {
			memcpy(out + cut, records[o] + ocut, olen - ocut);
			len = cut + olen - ocut;
		}
		break;
	}
	case 5: { /* the header's fields */
		struct wfpredir_records_hdr *h = (struct wfpredir_records_hdr *)out;

		switch (rnd(4)) {
		case 0:
			h->count = (uint8_t)rnd(256);
			break;
		case 1:
			h->hdr_len = htons((uint16_t)rnd_u32());
			break;
		case 2:
			h->entry_len = htons((uint16_t)rnd_u32());
			break;
		default:
			h->version = (uint8_t)rnd(4);
		}
		break;
	}
	default: /* an entry duplicated, count raised to match (the tag fails) */
		if (len + sizeof(struct wfpredir_record_entry) <= WFPREDIR_RECORDS_MAX_LEN) {
			struct wfpredir_records_hdr *h = (struct wfpredir_records_hdr *)out;
			size_t e = sizeof(*h), el = sizeof(struct wfpredir_record_entry);

			memmove(out + e + el, out + e, len - e);
			len += el;
			h->count++;
		}
	}
	return len;
}

/* ------------------------------------------------------------ traffic */

/*
 * This worker's service and rule in the current namespace, (re)made every
 * time: random genl traffic flushes them.
 */
static bool service_ensure(void)
{
	static struct msg m;
	uint8_t a4[4] = { 127, 0, 0, 1 }, a6[16] = { [15] = 1 };
	char name[32];
	size_t nest;
	int err;

	if (!svc.ready) {
		for (int tries = 0; tries < 8 && !svc.ready; tries++) {
			svc.port = (uint16_t)(20000 + rnd(20000));
			svc.tcp4 = listen_on(0, false, &svc.port);
			svc.tcp6 = listen_on(1, false, &svc.port);
			svc.udp4 = listen_on(0, true, &svc.port);
			svc.udp6 = listen_on(1, true, &svc.port);
			svc.ready = svc.tcp4 >= 0 && svc.tcp6 >= 0 && svc.udp4 >= 0 &&
				    svc.udp6 >= 0;
			if (!svc.ready) {
				close_fd(&svc.tcp4);
				close_fd(&svc.tcp6);
				close_fd(&svc.udp4);
				close_fd(&svc.udp6);
			}
		}
		if (!svc.ready)
			return false;
	}
	if (genl_ensure())
		return false;
	snprintf(name, sizeof(name), "kfzw%d", worker_idx);
	msg_init(&m, (uint16_t)fam.id, NLM_F_ACK, WFPREDIR_CMD_NEW_SERVICE);
	nest = nest_start(&m, WFPREDIR_A_SERVICE);
	put_str(&m, WFPREDIR_A_SERVICE_NAME, name);
	put_str(&m, WFPREDIR_A_SERVICE_TABLE, "kfzw");
	put(&m, WFPREDIR_A_SERVICE_ADDR4, a4, 4);
	put_u16(&m, WFPREDIR_A_SERVICE_PORT4, svc.port);
	put(&m, WFPREDIR_A_SERVICE_ADDR6, a6, 16);
	put_u16(&m, WFPREDIR_A_SERVICE_PORT6, svc.port);
	nest_end(&m, nest);
	put(&m, WFPREDIR_A_REPLACE, NULL, 0);
	err = genl_exchange(&m, false);
	if (err && err != -EEXIST)
		return false;

	msg_init(&m, (uint16_t)fam.id, NLM_F_ACK, WFPREDIR_CMD_NEW_RULE);
	nest = nest_start(&m, WFPREDIR_A_RULE);
	put_u32(&m, WFPREDIR_A_RULE_ID, 100000 + (uint32_t)worker_idx);
	/* before the random rules (default priority 1000) mostly */
	put_u32(&m, WFPREDIR_A_RULE_PRIORITY, rnd(1100));
	put_str(&m, WFPREDIR_A_RULE_SERVICE_NAME, name);
	put_str(&m, WFPREDIR_A_RULE_TABLE, "kfzw");
	put_u16(&m, WFPREDIR_A_RULE_DPORT_MIN, base_dport);
	put_u16(&m, WFPREDIR_A_RULE_DPORT_MAX, (uint16_t)(base_dport + 15));
	nest_end(&m, nest);
	put(&m, WFPREDIR_A_REPLACE, NULL, 0);
	err = genl_exchange(&m, false);
	return !err || err == -EEXIST;
}

/*
 * The same as a buffers request (WFPREDIR_HANDOFF_F_BUFFERS) on @up, which it
 * closes: now and then a pointer that faults, an odd answer_len or len,
 * reserved or other flags set.
 */
static void handoff_buffers(int up, bool v6, int from_fd, bool udp, uint32_t sub)
{
	static uint8_t answer[WFPREDIR_REDIRECT_MAX_LEN];
	struct wfpredir_handoff_buffers req = {
		.head = { .from_fd = (int)rnd(64) - 1,
			  .flags = WFPREDIR_HANDOFF_F_BUFFERS | (chance(16) ? rnd(4) << 1 : 0) },
		.from_fd_ptr = (uintptr_t)(chance(16) ? unmapped : &from_fd),
		.answer = (uintptr_t)(chance(16) ? unmapped : answer),
		.answer_len = chance(4)	   ? rnd(600)
			      : chance(32) ? rnd_u32()
					   : sizeof(answer),
		.reserved = chance(16) ? rnd_u32() : 0,
	};
	socklen_t len = chance(8) ? (socklen_t)rnd(48) : sizeof(req);
	int err;

	err = getsockopt(up, v6 && chance(2) ? SOL_IPV6 : SOL_IP, WFPREDIR_SO_HANDOFF, &req, &len)
		      ? -errno
		      : 0;
	record(udp ? OP_TRAFFIC_UDP : OP_TRAFFIC_TCP, sub | 0x200 | (uint32_t)v6 << 7, err);
	close(up);
}

/*
 * WFPREDIR_SO_HANDOFF from @fd (now and then another descriptor) to a fresh
 * socket of either family and type: short and odd lengths, unknown flags.
 */
static void handoff(int fd, bool udp, uint32_t sub)
{
	static uint8_t buf[WFPREDIR_REDIRECT_MAX_LEN];
	struct wfpredir_handoff req = {
		.from_fd = chance(8) ? (int)rnd(64) - 1 : fd,
		.flags = chance(8) ? rnd(4) : 0,
	};
	bool v6 = chance(2);
	int up = socket(v6 ? AF_INET6 : AF_INET,
			(chance(2) ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	socklen_t len = chance(4) ? (socklen_t)rnd(600) : sizeof(buf);
	int err;

	if (up < 0)
		return;
	if (chance(3)) {
		handoff_buffers(up, v6, req.from_fd, udp, sub);
		return;
	}
	memcpy(buf, &req, sizeof(req));
	err = getsockopt(up, v6 && chance(2) ? SOL_IPV6 : SOL_IP, WFPREDIR_SO_HANDOFF, buf, &len)
		      ? -errno
		      : 0;
	record(udp ? OP_TRAFFIC_UDP : OP_TRAFFIC_TCP, sub | 0x100 | (uint32_t)v6 << 7, err);
	close(up);
}

/* Read what the module says about an accepted or received-on socket. */
static void query(int fd, int famc, bool udp, uint32_t sub)
{
	static uint8_t buf[WFPREDIR_DGRAM_FLOW_MAX_LEN];
	int level = famc == 1 ? SOL_IPV6 : SOL_IP;
	socklen_t len = sizeof(buf);
	int err;

	if (famc == 2 && chance(4))
		level = SOL_IPV6;
	err = getsockopt(fd, level, WFPREDIR_SO_GET_RECORDS, buf, &len) ? -errno : 0;
	if (!err && len >= WFPREDIR_RECORDS_MIN_LEN && len <= WFPREDIR_RECORDS_MAX_LEN)
		records_keep(buf, len);
	record(udp ? OP_TRAFFIC_UDP : OP_TRAFFIC_TCP, sub | 0x10, err);
	len = chance(4) ? (socklen_t)rnd(300) : sizeof(buf);
	err = getsockopt(fd, level, WFPREDIR_SO_GET_CONTEXT, buf, &len) ? -errno : 0;
	record(udp ? OP_TRAFFIC_UDP : OP_TRAFFIC_TCP, sub | 0x20, err);
	if (udp) {
		int opt = chance(2) ? WFPREDIR_SO_GET_DGRAM_FLOW : WFPREDIR_SO_PEEK_DGRAM_FLOW;

		len = chance(4) ? (socklen_t)rnd(200) : sizeof(buf);
		err = getsockopt(fd, level, opt, buf, &len) ? -errno : 0;
		record(OP_TRAFFIC_UDP, sub | 0x30 | (uint32_t)(opt & 1) << 6, err);
	}
	if (chance(3))
		handoff(fd, udp, sub);
}

/* Optionally hand records to a socket before it connects: the chain goes on. */
static void maybe_set(int fd, int famc, enum op_class cls)
{
	static uint8_t r[WFPREDIR_RECORDS_MAX_LEN + 64];
	uint32_t how = 7;
	size_t len;
	int err;

	if (!n_records || chance(2))
		return;
	len = records_mutant(r, &how);
	err = setsockopt(fd, famc == 1 ? SOL_IPV6 : SOL_IP, WFPREDIR_SO_SET_RECORDS, r,
			 (socklen_t)len)
		      ? -errno
		      : 0;
	record(OP_RECORDS_SET, how | (uint32_t)famc << 3 | (uint32_t)(cls == OP_TRAFFIC_UDP) << 5,
	       err);
	if (chance(8)) {
		err = setsockopt(fd, famc == 1 ? SOL_IPV6 : SOL_IP, WFPREDIR_SO_CLEAR_RECORDS, NULL,
				 0)
			      ? -errno
			      : 0;
		record(OP_RECORDS_SET, 0x80, err);
	}
}

static void op_traffic(bool udp)
{
	enum op_class cls = udp ? OP_TRAFFIC_UDP : OP_TRAFFIC_TCP;
	int famc = (int)rnd(3), dst = (int)rnd(DSTS), fd, afd;
	struct sockaddr_storage ss;
	socklen_t len;
	uint32_t sub = (uint32_t)(famc | dst << 2);

	if (!service_ensure()) {
		record(cls, 0xf, -ENOENT);
		return;
	}
	fd = sock_new(famc, udp);
	if (fd < 0)
		return;
	maybe_set(fd, famc, cls);
	/* a rule-matched destination where nothing listens: only a redirect reaches */
	sa_make(&ss, &len, famc, dst, (uint16_t)(base_dport + rnd(16)));
	if (!udp) {
		afd = connect_accept(fd, &ss, len, famc == 1 ? svc.tcp6 : svc.tcp4);
		record(cls, sub, afd < 0 ? -ETIMEDOUT : 0);
		if (afd >= 0) {
			query(afd, famc, false, sub);
			if (chance(2))
				send(fd, bigbuf, 1 + rnd(2000), MSG_NOSIGNAL | MSG_DONTWAIT);
			if (chance(3))
				pool_put(afd, famc, false, ST_ACCEPTED);
			else
				close(afd);
		}
		if (chance(3))
			pool_put(fd, famc, false, ST_CONNECTED);
		else
			close(fd);
		return;
	}
	for (int i = 1 + (int)rnd(3); i--;) {
		ssize_t n =
			sendto(fd, bigbuf, 1 + rnd(512), MSG_DONTWAIT, (struct sockaddr *)&ss, len);

		record(cls, sub | 0x40, n < 0 ? -errno : 0);
	}
	afd = famc == 1 ? svc.udp6 : svc.udp4;
	if (!wait_fd(afd, POLLIN, 100)) {
		query(afd, famc, true, sub);
		if (chance(2))
			recv(afd, rxbuf, sizeof(rxbuf), MSG_DONTWAIT);
	}
	if (chance(4))
		pool_put(fd, famc, true, ST_CONNECTED);
	else
		close(fd);
}

/* ------------------------------------------------------------ netns */

static void service_drop(void)
{
	close_fd(&svc.tcp4);
	close_fd(&svc.tcp6);
	close_fd(&svc.udp4);
	close_fd(&svc.udp6);
	svc.ready = false;
	close_fd(&plain4);
	close_fd(&plain6);
	close_fd(&genl_fd);
	close_fd(&events_fd);
	fam.id = 0;
}

static void lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	strcpy(ifr.ifr_name, "lo");
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
}

/*
 * Into one of the controller's namespaces, or a private new one; the pool's
 * sockets stay where they were made and keep that namespace alive.
 */
static void op_netns(void)
{
	int err = 0;
	uint32_t sub;

	if (chance(3)) {
		sub = 0;
		err = unshare(CLONE_NEWNET) ? -errno : 0;
		if (!err)
			lo_up();
	} else {
		char pat[128];
		glob_t g;

		sub = 1;
		snprintf(pat, sizeof(pat), "/run/netns/%s*", netns_prefix);
		if (glob(pat, 0, NULL, &g) == 0) {
			int fd = open(g.gl_pathv[rnd((uint32_t)g.gl_pathc)], O_RDONLY | O_CLOEXEC);

			if (fd < 0 || setns(fd, CLONE_NEWNET))
				err = -errno;
			if (fd >= 0)
				close(fd);
			globfree(&g);
		} else {
			err = -ENOENT;
		}
	}
	if (!err)
		service_drop();
	if (chance(4)) {
		/* and sometimes leave everything behind at once */
		for (int i = 0; i < POOL; i++)
			close_fd(&pool[i].fd);
	}
	record(OP_NETNS, sub, err);
}

/* ------------------------------------------------------------ worker */

/* Opening the file allocates, and may fail once the flag is set: retry. */
static int set_make_it_fail(char v)
{
	int err = 0;

	for (int i = 0; i < 100; i++) {
		int fd = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);

		if (fd >= 0 && write(fd, &v, 1) == 1) {
			close(fd);
			return 0;
		}
		err = errno;
		if (fd >= 0)
			close(fd);
	}
	errno = err;
	return -1;
}

static void worker(uint64_t seed, int idx, double until)
{
	struct timespec ts;
	double life;

	worker_idx = idx;
	rng_state = seed * 0x9e3779b97f4a7c15ull + (uint64_t)idx * 0x632be59bd9b4e019ull + 1;
	base_dport = (uint16_t)(41000 + (idx % 1024) * 16);
	for (int i = 0; i < POOL; i++)
		pool[i].fd = -1;
	bigbuf = malloc(BIGBUF_LEN);
	unmapped = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	readonly = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* out of memory (failslab): not the fuzzer's fault, nor the module's */
	if (!bigbuf || unmapped == MAP_FAILED || readonly == MAP_FAILED)
		exit(EXIT_NOMEM);
	/* the second page goes: a buffer running into it faults */
	munmap((uint8_t *)unmapped + 4096, 4096);
	unmapped = (uint8_t *)unmapped + 4096;
	rnd_bytes(bigbuf, BIGBUF_LEN);
	/*
	 * Each worker after its own setup, never the parent: fork() under
	 * failslab fails in vmalloc() of the new stack, whose warn_alloc()
	 * dump reads as a kernel report.
	 */
	if (worker_fail && set_make_it_fail('1'))
		exit(EXIT_NOMEM);

	clock_gettime(CLOCK_MONOTONIC, &ts);
	life = ts.tv_sec + ts.tv_nsec / 1e9 + 5 + rnd(25);
	if (life > until)
		life = until;
	for (;;) {
		uint32_t pick = rnd(100);

		op_count++;
		if ((op_count & 15) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			if (ts.tv_sec + ts.tv_nsec / 1e9 >= life)
				break;
		}
		if (pick < 14)
			op_genl(false);
		else if (pick < 30)
			op_genl(true);
		else if (pick < 34)
			op_genl_dump();
		else if (pick < 36)
			op_genl_events();
		else if (pick < 50)
			op_sockopt_set();
		else if (pick < 64)
			op_sockopt_get();
		else if (pick < 74)
			op_traffic(false);
		else if (pick < 84)
			op_traffic(true);
		else if (pick < 99)
			op_socket();
		else
			op_netns();
	}
	exit(0);
}

/* ------------------------------------------------------------ controller */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t total_execs(void)
{
	uint64_t t = 0;

	for (int c = 0; c < OP_CLASSES; c++)
		t += __atomic_load_n(&tally->execs[c], __ATOMIC_RELAXED);
	return t;
}

static void report(FILE *f, double secs, const char *outcomes_path)
{
	unsigned int per_class[OP_CLASSES] = { 0 }, distinct = 0;
	FILE *o = NULL;

	if (outcomes_path) {
		o = fopen(outcomes_path, "w");
		if (!o)
			fprintf(stderr, "wfpredir-kfuzz: %s: %s\n", outcomes_path, strerror(errno));
	}
	for (uint32_t i = 0; i < OUTCOME_SLOTS; i++) {
		uint64_t k = tally->outcome[i];
		int cls;

		if (!k)
			continue;
		cls = (int)(k >> 48) - 1;
		if (cls >= 0 && cls < OP_CLASSES)
			per_class[cls]++;
		distinct++;
		if (o) {
			int res = (int)(k & 0xffff);

			fprintf(o, "%s 0x%06x %s\n", op_names[cls],
				(unsigned int)(k >> 16) & 0xffffffu,
				res == RES_SHORT ? "ok-short" : errno_name(res));
		}
	}
	if (o)
		fclose(o);
	fprintf(f, "%-14s %12s %9s\n", "class", "executions", "outcomes");
	for (int c = 0; c < OP_CLASSES; c++)
		fprintf(f, "%-14s %12llu %9u\n", op_names[c], (unsigned long long)tally->execs[c],
			per_class[c]);
	fprintf(f, "%-14s %12llu %9u\n", "total", (unsigned long long)total_execs(), distinct);
	fprintf(f, "executions/s: %.0f; distinct (operation, result) outcomes: %u%s\n",
		secs > 0 ? total_execs() / secs : 0.0, distinct,
		tally->outcomes_lost ? " (outcome table full: more not counted)" : "");
}

static void usage(void)
{
	fprintf(stderr, "usage: wfpredir-kfuzz [--seed N] [--seconds N] [--procs N] "
			"[--netns PREFIX] [--outcomes FILE] [--make-it-fail]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "procs", required_argument, NULL, 'p' },
		{ "netns", required_argument, NULL, 'n' },
		{ "outcomes", required_argument, NULL, 'o' },
		{ "make-it-fail", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned long long seed = (unsigned long long)time(NULL);
	const char *outcomes = NULL;
	long seconds = 60, procs = 4;
	double start, until, next_progress;
	int spawned = 0, failed = 0, nomem = 0, c;
	pid_t *pids;
	char *end;

	while ((c = getopt_long(argc, argv, "s:t:p:n:o:fh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, &end, 0);
			if (*end || !*optarg)
				usage();
			break;
		case 't':
			seconds = strtol(optarg, &end, 10);
			if (*end || seconds < 1)
				usage();
			break;
		case 'p':
			procs = strtol(optarg, &end, 10);
			if (*end || procs < 1 || procs > 256)
				usage();
			break;
		case 'n':
			netns_prefix = optarg;
			break;
		case 'o':
			outcomes = optarg;
			break;
		case 'f':
			worker_fail = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	tally = mmap(NULL, sizeof(*tally), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		     0);
	pids = calloc((size_t)procs, sizeof(*pids));
	if (tally == MAP_FAILED || !pids)
		die("out of memory");
	signal(SIGPIPE, SIG_IGN);

	printf("wfpredir-kfuzz: seed %llu, %ld processes, %ld s\n", seed, procs, seconds);
	fflush(stdout);

	start = now();
	until = start + seconds;
	next_progress = start + 60;
	for (;;) {
		int status;
		pid_t pid;

		/* replace ended workers until the time is up */
		for (int i = 0; i < procs && now() < until - 1; i++) {
			if (pids[i] > 0)
				continue;
			pid = fork();
			if (pid < 0) {
				/* failslab makes fork fail too: try again later */
				nomem++;
				break;
			}
			if (!pid)
				worker(seed + (unsigned long long)spawned * 1000003ull, i, until);
			pids[i] = pid;
			spawned++;
		}
		pid = wait(&status);
		if (pid < 0 && errno == ECHILD && now() < until - 1) {
			usleep(100000);
			continue;
		}
		if (pid < 0)
			break;
		for (int i = 0; i < procs; i++)
			if (pids[i] == pid)
				pids[i] = 0;
		if (WIFSIGNALED(status)) {
			fprintf(stderr, "wfpredir-kfuzz: worker %d died of signal %d\n", (int)pid,
				WTERMSIG(status));
			failed++;
		} else if (WEXITSTATUS(status) == EXIT_NOMEM) {
			nomem++;
		} else if (WEXITSTATUS(status)) {
			fprintf(stderr, "wfpredir-kfuzz: worker %d exited %d\n", (int)pid,
				WEXITSTATUS(status));
			failed++;
		}
		if (now() >= next_progress) {
			printf("wfpredir-kfuzz: %.0f s, %llu executions\n", now() - start,
			       (unsigned long long)total_execs());
			fflush(stdout);
			next_progress += 60;
		}
	}
	printf("wfpredir-kfuzz: %d workers over %.0f s (seeds %llu + k * 1000003, k < %d)\n",
	       spawned, now() - start, seed, spawned);
	if (nomem)
		printf("wfpredir-kfuzz: %d times out of memory for fork or a worker's setup\n",
		       nomem);
	report(stdout, now() - start, outcomes);
	return failed ? 1 : 0;
}
