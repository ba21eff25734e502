// SPDX-License-Identifier: MIT
/*
 * Writes the seed corpora of tests/fuzz/corpus/: valid encodings of what
 * each target parses (record blobs, context, claims and control messages,
 * the module's netlink replies and events, wfpredirctl command lines and
 * configuration files), and a few near misses. `make fuzz-seeds` runs it;
 * its output is checked in.
 *
 *   gen-seeds DIR
 */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

static const char *top;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void seed(const char *target, const char *name, const void *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", top, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		die(path);
}

/* ------------------------------------------------------------ records */

/* A blob of count entries (structure only: the tag is zero). */
static size_t blob(uint8_t *p, unsigned int count, int family)
{
	struct wfpredir_records_hdr h = {
		.magic = htons(WFPREDIR_RECORDS_MAGIC),
		.version = WFPREDIR_RECORDS_VERSION,
		.count = (uint8_t)count,
		.hdr_len = htons(sizeof(h)),
		.entry_len = htons(sizeof(struct wfpredir_record_entry)),
		.flow_id = htobe64(0x1122334455667788ull),
	};
	size_t len = WFPREDIR_RECORDS_LEN(count);

	memset(p, 0, len);
	memcpy(p, &h, sizeof(h));
	for (unsigned int i = 0; i < count; i++) {
		struct wfpredir_record_entry e = {
			.service_id = htonl(1 + i),
			.rule_id = htonl(10 + i),
			.family = (uint8_t)family,
			.protocol = i & 1 ? IPPROTO_UDP : IPPROTO_TCP,
			.flags = i == 1 ? WFPREDIR_RECORD_F_INHERITED : 0,
			.orig_sport = htons(40000),
			.orig_dport = htons(443),
			.timestamp_ns = htobe64(1700000000000000000ull),
			.uid = htonl(i == 2 ? 100500 : 1000),
			.pid = htonl(i == 0 ? 4242 : 70000),
			.cgroup_id = htobe64(77),
		};

		if (family == AF_INET) {
			memcpy(e.orig_saddr, "\x0a\x00\x00\x01", 4);
			memcpy(e.orig_daddr, "\xc0\x00\x02\x01", 4);
		} else if (family == AF_INET6) {
			e.orig_saddr[0] = 0x20;
			e.orig_saddr[15] = 1;
			e.orig_daddr[0] = 0x20;
			e.orig_daddr[15] = 2;
		} else {
			e.flags = WFPREDIR_RECORD_F_INHERITED | WFPREDIR_RECORD_F_SERVICE_ONLY;
		}
		memcpy(p + sizeof(h) + i * sizeof(e), &e, sizeof(e));
	}
	return len;
}

static void records_seeds(void)
{
	static uint8_t b[4 + sizeof(struct wfpredir_record_entry) + WFPREDIR_RECORDS_MAX_LEN];
	static const struct {
		const char *name;
		uint8_t flags, views, prev_flags;
		unsigned int count;
		int family;
	} k[] = {
		/* flags: 1 seal, 2 allocation fails, 4 new flow, 8 no entry */
		{ "one-v4-sealed", 0x01, 0x02, 0x00, 1, AF_INET },
		{ "two-v6-sealed-inherit", 0x01, 0x13, 0x02, 2, AF_INET6 },
		{ "three-service-only", 0x09, 0x21, 0x02, 3, 0 },
		{ "full-chain", 0x01, 0x30, 0x00, WFPREDIR_RECORDS_MAX_ENTRIES, AF_INET },
		{ "nomem", 0x03, 0x00, 0x00, 1, AF_INET },
		{ "new-flow", 0x04, 0x00, 0x00, 1, AF_INET },
		{ "forged-tag", 0x00, 0x00, 0x00, 2, AF_INET },
	};
	uint8_t *entry = b + 4;

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		size_t len;

		b[0] = k[i].flags;
		b[1] = k[i].views;
		b[2] = k[i].prev_flags;
		b[3] = 0;
		len = blob(entry + sizeof(struct wfpredir_record_entry), k[i].count, k[i].family);
		memcpy(entry, entry + sizeof(struct wfpredir_record_entry) + 16,
		       sizeof(struct wfpredir_record_entry));
		seed("kmod_records", k[i].name, b, 4 + sizeof(struct wfpredir_record_entry) + len);
		b[3] = 0x55; /* output size for lib_records */
		seed("lib_records", k[i].name, b + 3, 1 + len);
	}
	/* A bad version and a bad magic: the errors the decoders tell apart. */
	b[3] = 0x10;
	blob(b + 4, 1, AF_INET);
	b[4 + 2] = 2;
	seed("lib_records", "version-2", b + 3, 1 + WFPREDIR_RECORDS_LEN(1));
	b[4 + 2] = 1;
	b[4] = 'X';
	seed("lib_records", "bad-magic", b + 3, 1 + WFPREDIR_RECORDS_LEN(1));
}

static void context_seeds(void)
{
	static uint8_t b[1 + WFPREDIR_CONTEXT_DEFAULT_LEN];
	struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)(b + 1);
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(b + 1 + WFPREDIR_CONTEXT_SOCKADDR_LEN);
	struct sockaddr_in *d4 = (struct sockaddr_in *)(b + 1);
	struct sockaddr_in *s4 = (struct sockaddr_in *)(b + 1 + WFPREDIR_CONTEXT_SOCKADDR_LEN);
	struct wfpredir_context_process proc = { .uid = 1000, .pid = 4242, .cgroup_id = 77 };

	strcpy(proc.comm, "curl");
	b[0] = 0x20;
	d4->sin_family = AF_INET;
	d4->sin_port = htons(443);
	d4->sin_addr.s_addr = htonl(0xc0000201);
	s4->sin_family = AF_INET;
	s4->sin_port = htons(40000);
	s4->sin_addr.s_addr = htonl(0x0a000001);
	memcpy(b + 1 + 2 * WFPREDIR_CONTEXT_SOCKADDR_LEN, &proc, sizeof(proc));
	seed("lib_records", "context-v4", b, sizeof(b));
	memset(b + 1, 0, 2 * WFPREDIR_CONTEXT_SOCKADDR_LEN);
	d6->sin6_family = AF_INET6;
	d6->sin6_port = htons(443);
	d6->sin6_addr = in6addr_loopback;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(40000);
	s6->sin6_addr = in6addr_loopback;
	seed("lib_records", "context-v6", b, sizeof(b));
}

/* ------------------------------------------------------------- dgram */

static void dgram_seeds(void)
{
	static uint8_t b[4096];
	struct wfpredir_dgram_flow df = {
		.flags = WFPREDIR_DGRAM_F_FIRST,
		.records_len = WFPREDIR_RECORDS_LEN(1),
		.context_len = 7,
		.family = AF_INET,
	};
	size_t claim = sizeof(df) + df.records_len + df.context_len;
	unsigned char cm[CMSG_SPACE(WFPREDIR_RECORDS_LEN(1)) + CMSG_SPACE(7) + CMSG_SPACE(4)];
	struct cmsghdr *c = (struct cmsghdr *)cm;
	static const struct {
		const char *name;
		uint8_t mode, cap;
	} k[] = {
		/* mode: 1 IPv6, 2 peek, 4 the real peer, 8 WSA, 16 no module,
		 * 32 no control buffer */
		{ "v4-first", 0x04, 0xff },	{ "v6-first", 0x05, 0xff },
		{ "v4-peek-wsa", 0x0e, 0xff },	{ "v4-ctrunc", 0x04, 0x40 },
		{ "v4-no-module", 0x14, 0xff }, { "v6-wsa-no-control", 0x2d, 0x00 },
	};

	memset(cm, 0, sizeof(cm));
	c->cmsg_len = CMSG_LEN(WFPREDIR_RECORDS_LEN(1));
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_WFP_REDIRECT_RECORDS;
	blob(CMSG_DATA(c), 1, AF_INET);
	c = (struct cmsghdr *)(cm + CMSG_SPACE(WFPREDIR_RECORDS_LEN(1)));
	c->cmsg_len = CMSG_LEN(7);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_WFP_REDIRECT_CONTEXT;
	memcpy(CMSG_DATA(c), "context", 7);
	c = (struct cmsghdr *)((unsigned char *)c + CMSG_SPACE(7));
	c->cmsg_len = CMSG_LEN(4);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_TTL;
	memcpy(CMSG_DATA(c), &(int){ 9 }, 4);

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		size_t off = 5;

		df.family = k[i].mode & 1 ? AF_INET6 : AF_INET;
		b[0] = k[i].mode;
		b[1] = k[i].cap;
		b[2] = 0x80;
		b[3] = (uint8_t)(claim >> 8);
		b[4] = (uint8_t)claim;
		memcpy(b + off, &df, sizeof(df));
		off += sizeof(df);
		off += blob(b + off, 1, df.family);
		memcpy(b + off, "context", 7);
		off += 7;
		/* The sender's records, context and TTL (IPv4 level: an IPv6
		 * socket takes IPPROTO_IP records too). */
		memcpy(b + off, cm, sizeof(cm));
		off += sizeof(cm);
		seed("lib_dgram", k[i].name, b, off);
	}
}

/* ----------------------------------------------------------- netlink */

static struct nl_msg *genl(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc_size(16384);

	if (!msg || !genlmsg_put(msg, 1, 1, 0x20, 0, 0, cmd, WFPREDIR_GENL_VERSION))
		die("genlmsg_put");
	return msg;
}

static void nl_seed(const char *name, struct nl_msg *msg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);

	seed("lib_netlink", name, h, h->nlmsg_len);
	nlmsg_free(msg);
}

static void netlink_seeds(void)
{
	struct wfpredir_service svc;
	struct wfpredir_rule rule;
	struct nl_msg *msg;
	uint8_t rec[WFPREDIR_RECORDS_LEN(2)];
	unsigned char e[256];
	struct nlmsghdr *nlh = (struct nlmsghdr *)e;
	struct nlmsgerr err;
	struct nlattr *a;
	size_t off;

	msg = genl(WFPREDIR_CMD_GET_INFO);
	nla_put_string(msg, WFPREDIR_A_INFO_VERSION, "0.2.0");
	nla_put_u32(msg, WFPREDIR_A_INFO_SO_BASE, WFPREDIR_SO_BASE);
	nla_put_u32(msg, WFPREDIR_A_INFO_RECORDS_VERSION, 1);
	nla_put_u32(msg, WFPREDIR_A_INFO_RECORDS_MAX_LEN, WFPREDIR_RECORDS_MAX_LEN);
	nla_put_u32(msg, WFPREDIR_A_INFO_SOCKETS, 3);
	nla_put_u32(msg, WFPREDIR_A_INFO_SOCKETS_MAX, 65536);
	nla_put_flag(msg, WFPREDIR_A_INFO_PAD);
	for (int t = WFPREDIR_A_INFO_FLOWS; t <= WFPREDIR_A_STATS_NOMEM; t++) {
		if (t == WFPREDIR_A_CONFIG_INHERIT)
			nla_put_u8(msg, t, 1);
		else if (t >= WFPREDIR_A_STATS_REDIRECTS)
			nla_put_u64(msg, t, 1000000ull + (uint64_t)t);
		else
			nla_put_u32(msg, t, 100 + (uint32_t)t);
	}
	nla_put_u8(msg, WFPREDIR_A_INFO_HOOK, 1);
	nl_seed("info", msg);

	memset(&svc, 0, sizeof(svc));
	svc.id = 5;
	strcpy(svc.name, "proxy-a");
	svc.has4 = true;
	svc.addr4.sin_family = AF_INET;
	svc.addr4.sin_port = htons(15001);
	svc.addr4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	svc.has6 = true;
	svc.addr6.sin6_family = AF_INET6;
	svc.addr6.sin6_port = htons(15002);
	svc.addr6.sin6_addr = in6addr_loopback;
	svc.has_owner_uid = true;
	svc.owner_uid = 998;
	svc.has_owner_cgroup = true;
	strcpy(svc.owner_cgroup, "/system.slice/proxy.service");
	msg = genl(WFPREDIR_CMD_NEW_SERVICE);
	if (wfpredir__ctl_put_service2(msg, "edge", &svc))
		die("put_service2");
	nl_seed("service", msg);
	msg = genl(WFPREDIR_CMD_DEL_SERVICE);
	wfpredir__ctl_put_service2(msg, NULL, &svc);
	nl_seed("service-deleted", msg);

	memset(&rule, 0, sizeof(rule));
	rule.id = 7;
	rule.priority = 100;
	rule.has_priority = true;
	rule.service_id = 5;
	rule.family = AF_INET6;
	rule.protocol = IPPROTO_TCP;
	rule.has_daddr = true;
	rule.daddr[0] = 0x20;
	rule.daddr[1] = 0x01;
	rule.prefix = 32;
	rule.has_dport = true;
	rule.dport_min = 80;
	rule.dport_max = 443;
	rule.has_uid = true;
	rule.uid_min = 1000;
	rule.uid_max = 2000;
	rule.has_cgroup = true;
	strcpy(rule.cgroup, "/user.slice");
	rule.context_len = 4;
	memcpy(rule.context, "ctx!", 4);
	msg = genl(WFPREDIR_CMD_NEW_RULE);
	if (wfpredir__ctl_put_rule2(msg, "edge", NULL, &rule))
		die("put_rule2");
	nl_seed("rule", msg);
	msg = genl(WFPREDIR_CMD_FLUSH_RULES);
	nla_put_string(msg, WFPREDIR_A_TABLE, "edge");
	nl_seed("flush-rules", msg);

	blob(rec, 2, AF_INET);
	for (int ev = 0; ev < 3; ev++) {
		static const char *const names[] = { "flow", "flow-event-redirect",
						     "flow-event-refused" };
		struct nlattr *nest;

		msg = genl(ev ? WFPREDIR_CMD_FLOW_EVENT : WFPREDIR_CMD_GET_FLOW);
		nest = nla_nest_start(msg, WFPREDIR_A_FLOW);
		nla_put_u8(msg, WFPREDIR_A_FLOW_FAMILY, AF_INET);
		nla_put_u8(msg, WFPREDIR_A_FLOW_PROTOCOL, IPPROTO_TCP);
		nla_put(msg, WFPREDIR_A_FLOW_ORIG_SADDR, 4, "\x0a\x00\x00\x01");
		nla_put_u16(msg, WFPREDIR_A_FLOW_ORIG_SPORT, htons(40000));
		nla_put(msg, WFPREDIR_A_FLOW_ORIG_DADDR, 4, "\xc0\x00\x02\x01");
		nla_put_u16(msg, WFPREDIR_A_FLOW_ORIG_DPORT, htons(443));
		if (ev != 2) {
			nla_put(msg, WFPREDIR_A_FLOW_REDIR_DADDR, 4, "\x7f\x00\x00\x01");
			nla_put_u16(msg, WFPREDIR_A_FLOW_REDIR_DPORT, htons(15001));
			nla_put(msg, WFPREDIR_A_FLOW_RECORDS, sizeof(rec), rec);
			nla_put(msg, WFPREDIR_A_FLOW_CONTEXT, 7, "context");
		}
		nla_put_u32(msg, WFPREDIR_A_FLOW_SERVICE, 5);
		nla_put_u32(msg, WFPREDIR_A_FLOW_RULE, 7);
		nla_put_u64(msg, WFPREDIR_A_FLOW_AGE_MS, 1234);
		if (ev) {
			nla_put_u8(msg, WFPREDIR_A_FLOW_EVENT,
				   ev == 1 ? WFPREDIR_FLOW_EVENT_REDIRECT
					   : WFPREDIR_FLOW_EVENT_REFUSED);
			nla_put_u32(msg, WFPREDIR_A_FLOW_UID, 1000);
			if (ev == 2)
				nla_put_u8(msg, WFPREDIR_A_FLOW_REASON, 1);
		}
		nla_nest_end(msg, nest);
		nl_seed(names[ev], msg);
	}

	/* An error with its extended ACK: capped (no request), a message and
	 * the offset of the attribute at fault. */
	memset(e, 0, sizeof(e));
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	nlh->nlmsg_seq = 12;
	memset(&err, 0, sizeof(err));
	err.error = -EINVAL;
	err.msg.nlmsg_len = NLMSG_HDRLEN + 20;
	err.msg.nlmsg_type = 0x20;
	memcpy(e + NLMSG_HDRLEN, &err, sizeof(err));
	off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(err));
	a = (struct nlattr *)(e + off);
	a->nla_type = NLMSGERR_ATTR_MSG;
	a->nla_len = NLA_HDRLEN + 18;
	memcpy(e + off + NLA_HDRLEN, "rule: bad priority", 18);
	off += NLA_ALIGN(a->nla_len);
	a = (struct nlattr *)(e + off);
	a->nla_type = NLMSGERR_ATTR_OFFS;
	a->nla_len = NLA_HDRLEN + 4;
	memcpy(e + off + NLA_HDRLEN, &(uint32_t){ 28 }, 4);
	off += NLA_ALIGN(a->nla_len);
	nlh->nlmsg_len = (uint32_t)off;
	seed("lib_netlink", "error-extack", e, off);
	/* A dump's end with its error and a message. */
	memset(e, 0, sizeof(e));
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	memcpy(e + NLMSG_HDRLEN, &(int){ -ENOBUFS }, sizeof(int));
	off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int));
	a = (struct nlattr *)(e + off);
	a->nla_type = NLMSGERR_ATTR_MSG;
	a->nla_len = NLA_HDRLEN + 9;
	memcpy(e + off + NLA_HDRLEN, "dump lost", 9);
	off += NLA_ALIGN(a->nla_len);
	nlh->nlmsg_len = (uint32_t)off;
	seed("lib_netlink", "done-extack", e, off);
}

/* ---------------------------------------------------------------- CLI */

/* A command line: a selector, then the words NUL-separated. */
static void args_seed(const char *name, uint8_t sel, const char *words)
{
	char b[1024];
	size_t n = strlen(words);

	b[0] = (char)sel;
	memcpy(b + 1, words, n);
	for (size_t i = 1; i <= n; i++)
		if (b[i] == ' ')
			b[i] = '\0';
	seed("ctl_args", name, b, n + 1);
}

static void cli_seeds(void)
{
	/* 0 service add, 1 rule add, 2 service del, 3 config set, 4 values */
	args_seed("service-add", 0,
		  "proxy-a id 5 table edge ipv4 127.0.0.1:15001 ipv6 [::1]:15002 owner uid 998 "
		  "cgroup /system.slice/p.service");
	args_seed("service-add-user", 0, "proxy-b ipv4 10.0.0.1:3128 owner user root");
	args_seed("rule-add", 1,
		  "service proxy-a id 7 priority 100 table edge proto tcp to 2001:db8::/32 "
		  "dport 80-443 uid 1000-2000 cgroup /user.slice context 0x637478");
	args_seed("rule-add-file", 1, "service 5 family ipv4 to 192.0.2.0/24 context @ctx");
	args_seed("service-del", 2, "id 5");
	args_seed("config-set", 3, "chain-max 4 inherit on flow-share 50");
	args_seed("values", 4,
		  "65535 1-65535 0-4294967294 10.0.0.1:80 [2001:db8::1]:443 10.0.0.0/8 "
		  "::ffff:0.0.0.0/96 ipv6 udp off 0xdeadbeef @ctx proxy-a 42 my_table.1");
}

static void conf_seeds(void)
{
	static const char conf[] =
		"# wfpredir.conf(5)\n"
		"config set chain-max 4 inherit on\n"
		"service add proxy-a id 5 ipv4 127.0.0.1:15001 ipv6 [::1]:15002\n"
		"rule add service proxy-a proto tcp dport 80 to 0.0.0.0/0\n"
		"table edge\n"
		"service add proxy-b ipv4 127.0.0.1:15003 owner uid 998\n"
		"rule add service proxy-b priority 10 uid 1000-2000 context 0x01ff\n"
		"rule add table other service 5 family ipv6 cgroup /user.slice\n";

	seed("ctl_conffile", "full", conf, sizeof(conf) - 1);
	seed("ctl_conffile", "include",
	     "include b.conf\ninclude *.none\nrule add service a context @ctx\n", 62);
	seed("ctl_conffile", "include-loop", "table x\ninclude loop.conf\n", 26);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen-seeds DIR\n");
		return 2;
	}
	top = argv[1];
	mkdir(top, 0755);
	records_seeds();
	context_seeds();
	dgram_seeds();
	netlink_seeds();
	cli_seeds();
	conf_seeds();
	return 0;
}
