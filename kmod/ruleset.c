// SPDX-License-Identifier: GPL-2.0
/*
 * Rules and the classifier that finds the rule for a new flow.
 *
 * The classifier is a tuple-space search, as Open vSwitch's: rules are
 * grouped in buckets keyed by (family, destination prefix length, masked
 * destination, whether the port range is a single port and if so which).
 * A tuple is the (family, prefix length, port kind) part of the key. For a
 * flow, the lookup visits each tuple in use, masks the flow's destination
 * to the tuple's prefix, and probes one hash bucket; it never walks the
 * rules one by one. At most 33 x 2 tuples exist for IPv4 and 129 x 2 for
 * IPv6, plus 2 for rules of either family (which have no address, so
 * prefix 0), and only tuples that hold rules are visited: a namespace
 * whose rules name /32 destinations with one port each costs one probe
 * per flow whether it has ten rules or a million.
 *
 * Within a bucket, rules that match a socket's uid or cgroup are grouped
 * again, the same way one level down, so that rules differing only by uid
 * or cgroup are not compared one by one either. A uid range is keyed by
 * the smallest aligned power-of-two block of uids that holds it (its
 * "uid prefix": the bits uid_min and uid_max share; an exact uid is a
 * block of one); a cgroup by the cgroup itself and its level. A lookup
 * probes, for each uid prefix length and cgroup level in use in the
 * bucket, the one group of the socket's uid (masked) or of its cgroup's
 * ancestor at that level: at most 33 + 64 probes, one or two for the
 * common shapes (a rule per uid, per uid range, per cgroup). A rule with
 * an exact uid is grouped by uid, one with a cgroup and a uid range by
 * cgroup, one with neither stays in the bucket's own list, as does one
 * whose cgroup lies 64 or more levels deep. Every rule is in exactly one
 * list, so the index costs a group (64 bytes) per distinct key and 388
 * bytes per bucket that has grouped rules, whatever the overlap.
 *
 * Every list (a bucket's own, a group's) is kept in (priority, id) order,
 * so the first rule of a list that matches everything else (protocol, port
 * range, uid, cgroup, the service's family and exclusion) is the list's
 * best, and a list is left as soon as its rules rank after the best found
 * so far: the best over all lists probed is the lookup's, as if they were
 * one list in (priority, id) order. Rules are compared one by one only
 * where they share a destination prefix, port, and uid block or cgroup.
 * Disjoint uid ranges never share a group but by their block: a range's
 * block is the smallest that holds it, so the range holds the block's
 * middle, and of disjoint ranges only one can. Overlapping ranges that
 * hold the same block middle share a group and are walked in order, as
 * every rule of a bucket was before the index: memory stays one list node
 * per rule, and the walk is the fallback for deeply overlapping ranges.
 *
 * The packet path is an RCU reader: no lock, no allocation. Changes happen
 * under the namespace's config_lock; rules and buckets are freed after a
 * grace period. A rule's cgroup reference is dropped from its RCU
 * callback: cgroup_put() only queues work when the last reference goes, as
 * it does when a socket is freed from an RCU callback, so deleting or
 * flushing any number of rules waits for no grace period.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "netns.h"
#include "ruleset.h"
#include "service.h"

#include <linux/bitops.h>
#include <linux/cgroup.h>
#include <linux/err.h>
#include <linux/in.h>
#include <linux/lockdep.h>
#include <linux/netlink.h>
#include <linux/rculist.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <linux/workqueue.h>
#include <net/sock.h>

/* Tuple families: rules of either family, IPv4, IPv6. */
enum {
	WFPREDIR_TF_ANY,
	WFPREDIR_TF_V4,
	WFPREDIR_TF_V6,
	WFPREDIR_TF_COUNT,
};

#define WFPREDIR_PREFIXES	129	/* prefix lengths 0..128 */
#define WFPREDIR_PREFIX_WORDS	BITS_TO_LONGS(WFPREDIR_PREFIXES)

/*
 * No uid is (uid_t)-1: from_kuid() answers it for a uid the namespace does
 * not map, so a range must end before it.
 */
#define WFPREDIR_UID_LAST	((u32)-2)

/**
 * struct wfpredir_tuples - which tuples hold rules
 * @in_use: bit p of [family][exact] is set while the tuple of prefix length
 *	p holds rules; read locklessly by lookups
 * @rules: rules per tuple, under &wfpredir_net.config_lock
 */
struct wfpredir_tuples {
	unsigned long in_use[WFPREDIR_TF_COUNT][2][WFPREDIR_PREFIX_WORDS];
	unsigned int rules[WFPREDIR_TF_COUNT][2][WFPREDIR_PREFIXES];
};

/*
 * A bucket's key. No implicit padding: keys are memset or copied whole, and
 * the hash table hashes and compares all 24 bytes (jhash2, six words).
 */
struct wfpredir_bucket_key {
	union nf_inet_addr addr;	/* masked to @prefix; 0 for AF_UNSPEC */
	__be16 port;			/* the single port, if @exact; else 0 */
	u8 family;			/* AF_UNSPEC, AF_INET or AF_INET6 */
	u8 prefix;
	u8 exact;
	u8 pad[3];
};

/* uid prefix lengths 0..32, and the cgroup levels grouped (deeper: not). */
#define WFPREDIR_UID_PLENS	33
#define WFPREDIR_CGROUP_LEVELS	64

/**
 * struct wfpredir_bucket_counts - a bucket's grouped rules, counted
 * @uid: rules per uid prefix length
 * @cgroup: rules per cgroup level
 *
 * Only the writer reads them, to clear a mask bit when its count drops.
 */
struct wfpredir_bucket_counts {
	unsigned int uid[WFPREDIR_UID_PLENS];
	unsigned int cgroup[WFPREDIR_CGROUP_LEVELS];
};

/**
 * struct wfpredir_bucket - the rules of one key
 * @node: in &wfpredir_ruleset.buckets
 * @key: the key
 * @rest: its rules that are in no group, in (priority, id) order; RCU list
 * @uid_plens: bit p set while a group of uid prefix length p holds rules;
 *	read locklessly by lookups
 * @cgroup_levels: bit l set while a group of cgroup level l holds rules;
 *	likewise
 * @n_rules: its rules, grouped or not
 * @counts: what @uid_plens and @cgroup_levels are kept from; allocated with
 *	the first grouped rule
 * @rcu: frees the bucket after readers are done
 */
struct wfpredir_bucket {
	struct rhash_head node;
	struct wfpredir_bucket_key key;
	struct list_head rest;
	u64 uid_plens;
	u64 cgroup_levels;
	unsigned int n_rules;
	struct wfpredir_bucket_counts *counts;
	struct rcu_head rcu;
};

enum {
	WFPREDIR_GROUP_UID = 1,
	WFPREDIR_GROUP_CGROUP,
};

/*
 * A group's key: hashed and compared whole (jhash2, six words), so no
 * implicit padding.
 */
struct wfpredir_group_key {
	const struct wfpredir_bucket *bucket;
	u64 value;	/* the uid masked to @level bits, or the cgroup */
	u8 kind;	/* WFPREDIR_GROUP_* */
	u8 level;	/* the uid prefix length, or the cgroup's level */
	u8 pad[6];
};

/**
 * struct wfpredir_group - the rules of a bucket that share a uid block or a
 *	cgroup
 * @node: in &wfpredir_ruleset.groups
 * @key: the key
 * @rules: its rules, in (priority, id) order; RCU list
 * @rcu: frees the group after readers are done
 */
struct wfpredir_group {
	struct rhash_head node;
	struct wfpredir_group_key key;
	struct list_head rules;
	struct rcu_head rcu;
};

/**
 * struct wfpredir_rule_entry - a rule and what the classifier keeps of it
 * @rule: what the packet path sees
 * @node: in its group's &wfpredir_group.rules, or its bucket's
 *	&wfpredir_bucket.rest
 * @rank: priority << 32 | id: one comparison orders two rules
 * @by_rank: in its service's &wfpredir_service.rules_by_rank
 * @protocol: IPPROTO_TCP, IPPROTO_UDP, or 0 for both
 * @has_uid: match the socket's uid against @uid_min..@uid_max
 * @dport_min: lowest destination port, host order
 * @dport_max: highest destination port, host order
 * @uid_min: lowest uid, in the user namespace owning the network namespace
 * @uid_max: highest uid, likewise
 * @cgrp: match sockets of this cgroup or a descendant; NULL for any. The
 *	rule holds a reference.
 * @bucket: the bucket it is in
 * @group: the group it is in, or NULL for its bucket's own list
 * @family: AF_INET, AF_INET6, or AF_UNSPEC for both
 * @prefix: prefix length of @daddr
 * @has_daddr: a destination was given (dumps tell it from family-only)
 * @daddr: the destination, masked to @prefix
 * @cgroup_path: the cgroup path as given, in @data; NULL with @cgrp
 * @table: its table
 * @genmask: bit g set: inactive in generation g (a transaction's rules
 *	before its commit, and those it deletes after); read locklessly
 * @tx_node: in a transaction's list while it is prepared
 * @tx_slot_taken: a rule the transaction deletes, whose id a rule it
 *	creates takes over at commit
 * @rcu: frees the rule after readers are done
 * @data: the context bytes, then the cgroup path
 */
struct wfpredir_rule_entry {
	struct wfpredir_rule rule;
	struct list_head node;
	u64 rank;
	struct rb_node by_rank;
	u8 protocol;
	bool has_uid;
	u16 dport_min;
	u16 dport_max;
	u32 uid_min;
	u32 uid_max;
	struct cgroup *cgrp;
	struct wfpredir_bucket *bucket;
	struct wfpredir_group *group;
	u8 family;
	u8 prefix;
	bool has_daddr;
	union nf_inet_addr daddr;
	const char *cgroup_path;
	char table[WFPREDIR_TABLE_NAME_MAX];
	u8 genmask;
	bool tx_slot_taken;
	struct list_head tx_node;
	struct rcu_head rcu;
	u8 data[];
};

static const struct rhashtable_params wfpredir_bucket_params = {
	.head_offset = offsetof(struct wfpredir_bucket, node),
	.key_offset = offsetof(struct wfpredir_bucket, key),
	.key_len = sizeof(struct wfpredir_bucket_key),
	.automatic_shrinking = true,
};

static const struct rhashtable_params wfpredir_group_params = {
	.head_offset = offsetof(struct wfpredir_group, node),
	.key_offset = offsetof(struct wfpredir_group, key),
	.key_len = sizeof(struct wfpredir_group_key),
	.automatic_shrinking = true,
};

/**
 * struct wfpredir_lookup - one lookup's state
 * @key: the flow
 * @exclude: service ids the flow's chain holds
 * @n_exclude: how many
 * @after: only rules ranking after this may match (the loop bound)
 * @best: the best rule found so far
 * @skipped: per @exclude index, the best matching rule passed over for
 *	that service
 * @uid: the socket's uid in its namespace's owner's user namespace
 * @uid_known: @uid has been computed
 * @genbit: the bit of the generation the lookup sees, read once so that it
 *	sees a transaction's rules all or not at all
 */
struct wfpredir_lookup {
	const struct wfpredir_flow_key *key;
	const u32 *exclude;
	unsigned int n_exclude;
	u64 after;
	const struct wfpredir_rule_entry *best;
	const struct wfpredir_rule_entry *skipped[WFPREDIR_RECORDS_MAX_ENTRIES];
	u32 uid;
	bool uid_known;
	u8 genbit;
};

static inline struct wfpredir_rule_entry *
wfpredir_rule_entry(const struct wfpredir_rule *rule)
{
	return container_of((struct wfpredir_rule *)rule,
			    struct wfpredir_rule_entry, rule);
}

static unsigned int wfpredir_tuple_family(u8 family)
{
	switch (family) {
	case AF_INET:
		return WFPREDIR_TF_V4;
	case AF_INET6:
		return WFPREDIR_TF_V6;
	default:
		return WFPREDIR_TF_ANY;
	}
}

static unsigned int wfpredir_family_bits(u8 family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
}

/* @out = @in masked to @prefix bits of @family; zero beyond the family. */
static void wfpredir_mask_addr(union nf_inet_addr *out,
			       const union nf_inet_addr *in, u8 family,
			       unsigned int prefix)
{
	unsigned int i, bits;

	memset(out, 0, sizeof(*out));
	if (family == AF_INET) {
		if (prefix)
			out->ip = in->ip & htonl(~0U << (32 - prefix));
		return;
	}
	if (family != AF_INET6)
		return;
	for (i = 0; i < ARRAY_SIZE(out->ip6) && prefix; i++) {
		bits = min(prefix, 32U);
		out->ip6[i] = in->ip6[i] & htonl(~0U << (32 - bits));
		prefix -= bits;
	}
}

/* -------------------------------------------------------------- lookup */

/* The socket's uid as its namespace's owner sees it; -1 if unmapped. */
static u32 wfpredir_lookup_uid(struct wfpredir_lookup *lk)
{
	const struct sock *sk = lk->key->sk;

	if (!lk->uid_known) {
		lk->uid = from_kuid(sock_net(sk)->user_ns, sk->sk_uid);
		lk->uid_known = true;
	}
	return lk->uid;
}

/* Everything but the destination address, which the bucket matched. */
static bool wfpredir_rule_match(const struct wfpredir_rule_entry *r,
				struct wfpredir_lookup *lk)
{
	const struct wfpredir_flow_key *key = lk->key;
	u16 dport = ntohs(key->dport);
	u32 uid;

	if (r->protocol && r->protocol != key->protocol)
		return false;
	if (dport < r->dport_min || dport > r->dport_max)
		return false;
	if (r->has_uid || r->cgrp) {
		if (!key->sk)
			return false;
		if (r->has_uid) {
			uid = wfpredir_lookup_uid(lk);
			if (uid < r->uid_min || uid > r->uid_max)
				return false;
		}
#ifdef CONFIG_SOCK_CGROUP_DATA
		if (r->cgrp &&
		    !cgroup_is_descendant(sock_cgroup_ptr(&key->sk->sk_cgrp_data),
					  r->cgrp))
			return false;
#endif
	}
	return wfpredir_service_addr_of(r->rule.service, key->family);
}

/* The index of @id in the exclusion list, or -1. */
static int wfpredir_lookup_excluded(const struct wfpredir_lookup *lk, u32 id)
{
	unsigned int i;

	for (i = 0; i < lk->n_exclude; i++)
		if (lk->exclude[i] == id)
			return i;
	return -1;
}

/* The uid block mask of prefix length @plen (0..32). */
static u32 wfpredir_uid_mask(unsigned int plen)
{
	return plen ? ~0U << (32 - plen) : 0;
}

/* Walk one list of rules in (priority, id) order; see the header comment. */
static void wfpredir_probe_list(struct wfpredir_lookup *lk,
				const struct list_head *head)
{
	const struct wfpredir_rule_entry *r;
	int i;

	list_for_each_entry_rcu(r, head, node) {
		/* Sorted: nothing further on can beat the best. */
		if (lk->best && r->rank > lk->best->rank)
			return;
		if (READ_ONCE(r->genmask) & lk->genbit)
			continue;
		if (r->rank <= lk->after || !wfpredir_rule_match(r, lk))
			continue;
		i = wfpredir_lookup_excluded(lk, r->rule.service->id);
		if (i < 0) {
			lk->best = r;
			return;
		}
		if (!lk->skipped[i] || r->rank < lk->skipped[i]->rank)
			lk->skipped[i] = r;
	}
}

static void wfpredir_probe_group(struct wfpredir_ruleset *rules,
				 struct wfpredir_lookup *lk,
				 const struct wfpredir_group_key *gkey)
{
	struct wfpredir_group *g;

	g = rhashtable_lookup(&rules->groups, gkey, wfpredir_group_params);
	if (g)
		wfpredir_probe_list(lk, &g->rules);
}

/* The groups of @b that a socket's uid and cgroup may match. */
static void wfpredir_probe_groups(struct wfpredir_ruleset *rules,
				  struct wfpredir_lookup *lk,
				  const struct wfpredir_bucket *b)
{
	u64 plens = READ_ONCE(b->uid_plens);
	u64 levels = READ_ONCE(b->cgroup_levels);
	struct wfpredir_group_key gkey;
	unsigned int level;
	u32 uid;

	/* Grouped rules all match on the socket. */
	if (!(plens | levels) || !lk->key->sk)
		return;
	memset(&gkey, 0, sizeof(gkey));
	gkey.bucket = b;
	if (plens) {
		uid = wfpredir_lookup_uid(lk);
		gkey.kind = WFPREDIR_GROUP_UID;
		while (plens) {
			level = __ffs64(plens);
			plens &= plens - 1;
			gkey.level = level;
			gkey.value = uid & wfpredir_uid_mask(level);
			wfpredir_probe_group(rules, lk, &gkey);
		}
	}
#ifdef CONFIG_SOCK_CGROUP_DATA
	if (levels) {
		struct cgroup *cg = sock_cgroup_ptr(&lk->key->sk->sk_cgrp_data);

		gkey.kind = WFPREDIR_GROUP_CGROUP;
		while (levels) {
			level = __ffs64(levels);
			levels &= levels - 1;
			/* Rules of deeper cgroups cannot hold the socket's. */
			if (level > cg->level)
				break;
			gkey.level = level;
			gkey.value = (unsigned long)cgroup_ancestor(cg, level);
			wfpredir_probe_group(rules, lk, &gkey);
		}
	}
#endif
}

static void wfpredir_probe(struct wfpredir_ruleset *rules,
			   struct wfpredir_lookup *lk,
			   const struct wfpredir_bucket_key *bkey)
{
	struct wfpredir_bucket *b;

	b = rhashtable_lookup(&rules->buckets, bkey, wfpredir_bucket_params);
	if (!b)
		return;
	wfpredir_probe_list(lk, &b->rest);
	wfpredir_probe_groups(rules, lk, b);
}

/* Probe every tuple of @tf in use; @family is that of the bucket keys. */
static void wfpredir_probe_family(struct wfpredir_ruleset *rules,
				  struct wfpredir_lookup *lk, unsigned int tf,
				  u8 family)
{
	const struct wfpredir_tuples *tuples = rules->tuples;
	struct wfpredir_bucket_key bkey;
	unsigned int exact, w, prefix;
	unsigned long bits;

	memset(&bkey, 0, sizeof(bkey));
	bkey.family = family;
	for (exact = 0; exact < 2; exact++) {
		bkey.exact = exact;
		bkey.port = exact ? lk->key->dport : 0;
		for (w = 0; w < WFPREDIR_PREFIX_WORDS; w++) {
			/* A tuple changing meanwhile is a racing change. */
			bits = READ_ONCE(tuples->in_use[tf][exact][w]);
			while (bits) {
				prefix = w * BITS_PER_LONG + __ffs(bits);
				bits &= bits - 1;
				bkey.prefix = prefix;
				wfpredir_mask_addr(&bkey.addr, &lk->key->daddr,
						   family, prefix);
				wfpredir_probe(rules, lk, &bkey);
			}
		}
	}
}

/**
 * wfpredir_ruleset_lookup - the rule for a new flow
 * @wn: the namespace's state
 * @key: the flow
 * @exclude: ids of services the flow's chain holds
 * @n_exclude: how many; only the first WFPREDIR_RECORDS_MAX_ENTRIES count
 * @after: only a rule ranking after this (priority << 32 | id) may match;
 *	0 for any rule
 *
 * See ruleset.h.
 *
 * Context: RCU read side (the caller holds rcu_read_lock()); any context.
 * Return: the rule, good until rcu_read_unlock(), or NULL.
 */
const struct wfpredir_rule *
wfpredir_ruleset_lookup(struct wfpredir_net *wn,
			const struct wfpredir_flow_key *key,
			const u32 *exclude, unsigned int n_exclude, u64 after)
{
	struct wfpredir_ruleset *rules = &wn->rules;
	struct wfpredir_lookup lk = {
		.key = key,
		.after = after,
		.exclude = exclude,
		.n_exclude = min_t(unsigned int, n_exclude,
				   WFPREDIR_RECORDS_MAX_ENTRIES),
		.genbit = 1U << READ_ONCE(rules->gencursor),
	};
	unsigned int i;

	if (key->family != AF_INET && key->family != AF_INET6)
		return NULL;

	wfpredir_probe_family(rules, &lk, wfpredir_tuple_family(key->family),
			      key->family);
	wfpredir_probe_family(rules, &lk, WFPREDIR_TF_ANY, AF_UNSPEC);

	/*
	 * A service was passed over if a rule for it would have won. Rules
	 * ranking after the winner were not all looked at, and were not
	 * passed over anyway: they would have lost.
	 */
	for (i = 0; i < lk.n_exclude; i++)
		if (lk.skipped[i] &&
		    (!lk.best || lk.skipped[i]->rank < lk.best->rank))
			atomic64_inc(&lk.skipped[i]->rule.service->skipped);

	return lk.best ? &lk.best->rule : NULL;
}

/**
 * wfpredir_rule_matched - count a flow a rule redirected
 * @rule: the rule, from wfpredir_ruleset_lookup()
 *
 * Rules are immutable once published but for this counter.
 *
 * Context: RCU read side.
 */
void wfpredir_rule_matched(const struct wfpredir_rule *rule)
{
	atomic64_inc(&wfpredir_rule_entry(rule)->rule.matches);
}

/* ------------------------------------------------------------- changes */

/* The attribute @type of @spec, to name in an error; NULL if none. */
static const struct nlattr *
wfpredir_spec_attr(const struct wfpredir_rule_spec *spec, int type)
{
	return spec->tb ? spec->tb[type] : NULL;
}

#define WFPREDIR_SPEC_ERR(extack, spec, type, msg)			\
	NL_SET_ERR_MSG_ATTR(extack, wfpredir_spec_attr(spec, type), msg)

static int wfpredir_rule_check(const struct wfpredir_rule_spec *spec,
			       struct netlink_ext_ack *extack)
{
	if (!spec->table || !wfpredir_table_name_ok(spec->table)) {
		WFPREDIR_SPEC_ERR(extack, spec, WFPREDIR_A_RULE_TABLE,
				  "table name must be 1 to 31 characters of A-Z a-z 0-9 _ . -");
		return -EINVAL;
	}
	if (spec->family != AF_UNSPEC && spec->family != AF_INET &&
	    spec->family != AF_INET6) {
		WFPREDIR_SPEC_ERR(extack, spec, WFPREDIR_A_RULE_FAMILY,
				  "family must be AF_INET, AF_INET6 or AF_UNSPEC");
		return -EINVAL;
	}
	if (spec->protocol && spec->protocol != IPPROTO_TCP &&
	    spec->protocol != IPPROTO_UDP) {
		WFPREDIR_SPEC_ERR(extack, spec, WFPREDIR_A_RULE_PROTOCOL,
				  "protocol must be TCP, UDP or 0 for both");
		return -EINVAL;
	}
	if (spec->has_daddr && spec->family == AF_UNSPEC) {
		WFPREDIR_SPEC_ERR(extack, spec, WFPREDIR_A_RULE_DADDR,
				  "a destination address needs a family");
		return -EINVAL;
	}
	if (spec->has_daddr &&
	    spec->prefix > wfpredir_family_bits(spec->family)) {
		WFPREDIR_SPEC_ERR(extack, spec, WFPREDIR_A_RULE_DPREFIX,
				  "prefix longer than the address");
		return -EINVAL;
	}
	if (spec->dport_min > spec->dport_max) {
		WFPREDIR_SPEC_ERR(extack, spec, WFPREDIR_A_RULE_DPORT_MAX,
				  "port range ends before it starts");
		return -EINVAL;
	}
	if (spec->has_uid && spec->uid_min > WFPREDIR_UID_LAST) {
		WFPREDIR_SPEC_ERR(extack, spec, WFPREDIR_A_RULE_UID_MIN,
				  "not a valid uid");
		return -EINVAL;
	}
	if (spec->has_uid && spec->uid_max > WFPREDIR_UID_LAST) {
		WFPREDIR_SPEC_ERR(extack, spec, WFPREDIR_A_RULE_UID_MAX,
				  "not a valid uid");
		return -EINVAL;
	}
	if (spec->has_uid && spec->uid_min > spec->uid_max) {
		WFPREDIR_SPEC_ERR(extack, spec, WFPREDIR_A_RULE_UID_MAX,
				  "uid range ends before it starts");
		return -EINVAL;
	}
	if (spec->context_len > WFPREDIR_CONTEXT_MAX_CUSTOM_LEN ||
	    (spec->context_len && !spec->context)) {
		WFPREDIR_SPEC_ERR(extack, spec, WFPREDIR_A_RULE_CONTEXT,
				  "context must be 1 to 1024 bytes");
		return -EINVAL;
	}
	if (spec->cgroup) {
#ifdef CONFIG_SOCK_CGROUP_DATA
		if (strnlen(spec->cgroup, WFPREDIR_CGROUP_PATH_MAX) >=
		    WFPREDIR_CGROUP_PATH_MAX) {
			WFPREDIR_SPEC_ERR(extack, spec, WFPREDIR_A_RULE_CGROUP,
					  "cgroup path too long");
			return -EINVAL;
		}
#else
		WFPREDIR_SPEC_ERR(extack, spec, WFPREDIR_A_RULE_CGROUP,
				  "kernel without socket cgroup data");
		return -EOPNOTSUPP;
#endif
	}
	return 0;
}

static void wfpredir_tuple_get(struct wfpredir_tuples *tuples,
			       const struct wfpredir_bucket_key *key)
{
	unsigned int tf = wfpredir_tuple_family(key->family);

	if (!tuples->rules[tf][key->exact][key->prefix]++)
		set_bit(key->prefix, tuples->in_use[tf][key->exact]);
}

static void wfpredir_tuple_put(struct wfpredir_tuples *tuples,
			       const struct wfpredir_bucket_key *key)
{
	unsigned int tf = wfpredir_tuple_family(key->family);

	if (!--tuples->rules[tf][key->exact][key->prefix])
		clear_bit(key->prefix, tuples->in_use[tf][key->exact]);
}

/* The bucket of @key, created (empty) if there is none. */
static struct wfpredir_bucket *
wfpredir_bucket_get(struct wfpredir_ruleset *rules,
		    const struct wfpredir_bucket_key *key)
{
	struct wfpredir_bucket *b;
	int ret;

	b = rhashtable_lookup_fast(&rules->buckets, key,
				   wfpredir_bucket_params);
	if (b)
		return b;
	b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b)
		return ERR_PTR(-ENOMEM);
	b->key = *key;
	INIT_LIST_HEAD(&b->rest);
	ret = rhashtable_insert_fast(&rules->buckets, &b->node,
				     wfpredir_bucket_params);
	if (ret) {
		kfree(b);
		return ERR_PTR(ret);
	}
	return b;
}

/* Drop @b if it holds no rule. */
static void wfpredir_bucket_put(struct wfpredir_ruleset *rules,
				struct wfpredir_bucket *b)
{
	if (b->n_rules)
		return;
	rhashtable_remove_fast(&rules->buckets, &b->node,
			       wfpredir_bucket_params);
	/* Readers never look at the counts. */
	kfree(b->counts);
	b->counts = NULL;
	kfree_rcu(b, rcu);
}

/* Publish @r in @head, in (priority, id) order. */
static void wfpredir_list_add(struct list_head *head,
			      struct wfpredir_rule_entry *r)
{
	struct wfpredir_rule_entry *pos;

	/*
	 * From the tail: rules mostly come with ascending ids and equal
	 * priorities, so a list of many rules is extended in O(1).
	 */
	list_for_each_entry_reverse(pos, head, node)
		if (pos->rank < r->rank)
			break;
	/* After @pos, or first if the walk ended at the head. */
	list_add_rcu(&r->node, &pos->node);
}

/*
 * The key of the group @r belongs in, its bucket set; false if it stays in
 * its bucket's own list. See the header comment.
 */
static bool wfpredir_group_key_of(const struct wfpredir_rule_entry *r,
				  struct wfpredir_group_key *gkey)
{
	unsigned int plen;

	memset(gkey, 0, sizeof(*gkey));
	gkey->bucket = r->bucket;
	if (r->has_uid && (r->uid_min == r->uid_max || !r->cgrp)) {
		plen = 32 - fls(r->uid_min ^ r->uid_max);
		gkey->kind = WFPREDIR_GROUP_UID;
		gkey->level = plen;
		gkey->value = r->uid_min & wfpredir_uid_mask(plen);
		return true;
	}
	if (r->cgrp && r->cgrp->level < WFPREDIR_CGROUP_LEVELS) {
		gkey->kind = WFPREDIR_GROUP_CGROUP;
		gkey->level = r->cgrp->level;
		gkey->value = (unsigned long)r->cgrp;
		return true;
	}
	return false;
}

/* The count of @gkey's level in @b's counts, and the mask it keeps. */
static unsigned int *wfpredir_group_count(struct wfpredir_bucket *b,
					  const struct wfpredir_group_key *gkey,
					  u64 **mask)
{
	if (gkey->kind == WFPREDIR_GROUP_UID) {
		*mask = &b->uid_plens;
		return &b->counts->uid[gkey->level];
	}
	*mask = &b->cgroup_levels;
	return &b->counts->cgroup[gkey->level];
}

/* Put @r, its bucket set, in its group, creating what it needs. */
static int wfpredir_group_add(struct wfpredir_ruleset *rules,
			      struct wfpredir_rule_entry *r,
			      const struct wfpredir_group_key *gkey)
{
	struct wfpredir_bucket *b = r->bucket;
	struct wfpredir_group *g;
	unsigned int *count;
	u64 *mask;
	int ret;

	if (!b->counts) {
		b->counts = kzalloc(sizeof(*b->counts), GFP_KERNEL_ACCOUNT);
		if (!b->counts)
			return -ENOMEM;
	}
	g = rhashtable_lookup_fast(&rules->groups, gkey,
				   wfpredir_group_params);
	if (!g) {
		g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
		if (!g)
			return -ENOMEM;
		g->key = *gkey;
		INIT_LIST_HEAD(&g->rules);
		ret = rhashtable_insert_fast(&rules->groups, &g->node,
					     wfpredir_group_params);
		if (ret) {
			kfree(g);
			return ret;
		}
	}
	wfpredir_list_add(&g->rules, r);
	r->group = g;
	count = wfpredir_group_count(b, gkey, &mask);
	/* After the rule is in the group: a lookup that sees the bit finds it. */
	if (!(*count)++)
		WRITE_ONCE(*mask, *mask | BIT_ULL(gkey->level));
	return 0;
}

/* Take @r out of its group, and the group out if it is left empty. */
static void wfpredir_group_del(struct wfpredir_ruleset *rules,
			       struct wfpredir_rule_entry *r)
{
	struct wfpredir_group *g = r->group;
	unsigned int *count;
	u64 *mask;

	list_del_rcu(&r->node);
	count = wfpredir_group_count(r->bucket, &g->key, &mask);
	if (!--(*count))
		WRITE_ONCE(*mask, *mask & ~BIT_ULL(g->key.level));
	if (list_empty(&g->rules)) {
		rhashtable_remove_fast(&rules->groups, &g->node,
				       wfpredir_group_params);
		kfree_rcu(g, rcu);
	}
}

/* Reserve @spec's id, or a free one; the slot reads as empty until stored. */
static int wfpredir_rule_reserve_id(struct wfpredir_ruleset *rules,
				    const struct wfpredir_rule_spec *spec,
				    u32 *id, struct netlink_ext_ack *extack)
{
	int ret;

	if (spec->id) {
		ret = xa_insert(&rules->by_id, spec->id, NULL,
				GFP_KERNEL_ACCOUNT);
		if (ret == -EBUSY) {
			WFPREDIR_SPEC_ERR(extack, spec, WFPREDIR_A_RULE_ID,
					  "a rule with this id exists");
			return -EEXIST;
		}
		*id = spec->id;
		return ret;
	}
	ret = xa_alloc_cyclic(&rules->by_id, id, NULL, XA_LIMIT(1, U32_MAX),
			      &rules->next_id, GFP_KERNEL_ACCOUNT);
	return ret < 0 ? ret : 0;
}

/* Nobody can see @r any more. */
static void wfpredir_rule_free(struct wfpredir_rule_entry *r)
{
	if (r->cgrp)
		cgroup_put(r->cgrp);
	kfree(r);
}

static void wfpredir_rule_free_rcu(struct rcu_head *head)
{
	wfpredir_rule_free(container_of(head, struct wfpredir_rule_entry, rcu));
}

/* Keep @service's last rule rank, the owner loop bound's, up to date. */
static void wfpredir_service_rank_update(struct wfpredir_service *service)
{
	struct rb_node *last = rb_last(&service->rules_by_rank);

	WRITE_ONCE(service->rule_rank_max,
		   last ? rb_entry(last, struct wfpredir_rule_entry,
				   by_rank)->rank : 0);
}

static void wfpredir_service_rank_add(struct wfpredir_service *service,
				      struct wfpredir_rule_entry *r)
{
	struct rb_node **link = &service->rules_by_rank.rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		if (r->rank < rb_entry(parent, struct wfpredir_rule_entry,
				       by_rank)->rank)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&r->by_rank, parent, link);
	rb_insert_color(&r->by_rank, &service->rules_by_rank);
	wfpredir_service_rank_update(service);
}

/*
 * A rule for @spec, not linked anywhere and without an id yet; ERR_PTR on
 * a malformed rule, a missing service or cgroup.
 */
static struct wfpredir_rule_entry *
wfpredir_rule_alloc(struct wfpredir_net *wn,
		    const struct wfpredir_rule_spec *spec,
		    struct netlink_ext_ack *extack)
{
	size_t path_len = spec->cgroup ? strlen(spec->cgroup) + 1 : 0;
	struct wfpredir_service *service;
	struct wfpredir_rule_entry *r;
	int ret;

	ret = wfpredir_rule_check(spec, extack);
	if (ret)
		return ERR_PTR(ret);
	service = wfpredir_service_tx_lookup(wn, spec->service_id);
	if (!service || service->tx_doomed) {
		WFPREDIR_SPEC_ERR(extack, spec, WFPREDIR_A_RULE_SERVICE,
				  "no service with this id");
		return ERR_PTR(-ENOENT);
	}
	/* Services never change, so such a rule could never match. */
	if (spec->family && !wfpredir_service_addr_of(service, spec->family)) {
		WFPREDIR_SPEC_ERR(extack, spec, WFPREDIR_A_RULE_FAMILY,
				  "the service has no listen address of this family");
		return ERR_PTR(-EINVAL);
	}

	r = kzalloc(struct_size(r, data, spec->context_len + path_len),
		    GFP_KERNEL_ACCOUNT);
	if (!r)
		return ERR_PTR(-ENOMEM);
	if (spec->cgroup) {
		r->cgrp = cgroup_get_from_path(spec->cgroup);
		if (IS_ERR(r->cgrp)) {
			ret = PTR_ERR(r->cgrp);
			r->cgrp = NULL;
			WFPREDIR_SPEC_ERR(extack, spec, WFPREDIR_A_RULE_CGROUP,
					  "no such cgroup v2 directory");
			wfpredir_rule_free(r);
			return ERR_PTR(ret);
		}
		memcpy(r->data + spec->context_len, spec->cgroup, path_len);
		r->cgroup_path = (const char *)r->data + spec->context_len;
	}
	if (spec->context_len) {
		memcpy(r->data, spec->context, spec->context_len);
		r->rule.context = r->data;
		r->rule.context_len = spec->context_len;
	}
	strscpy(r->table, spec->table, sizeof(r->table));
	r->rule.priority = spec->priority;
	r->rule.service = service;
	atomic64_set(&r->rule.matches, 0);
	r->protocol = spec->protocol;
	r->dport_min = spec->dport_min;
	r->dport_max = spec->dport_max;
	r->has_uid = spec->has_uid;
	r->uid_min = spec->uid_min;
	r->uid_max = spec->uid_max;
	r->family = spec->family;
	r->has_daddr = spec->has_daddr;
	r->prefix = spec->has_daddr ? spec->prefix : 0;
	wfpredir_mask_addr(&r->daddr, &spec->daddr, r->family, r->prefix);
	INIT_LIST_HEAD(&r->tx_node);
	return r;
}

/* Put @r (its id set) in the classifier; it is seen unless its genmask says. */
static int wfpredir_rule_link(struct wfpredir_ruleset *rules,
			      struct wfpredir_rule_entry *r)
{
	struct wfpredir_bucket_key bkey;
	struct wfpredir_group_key gkey;
	struct wfpredir_bucket *b;
	int ret;

	memset(&bkey, 0, sizeof(bkey));
	bkey.family = r->family;
	bkey.prefix = r->prefix;
	bkey.addr = r->daddr;
	if (r->dport_min == r->dport_max) {
		bkey.exact = 1;
		bkey.port = htons(r->dport_min);
	}
	r->rank = (u64)r->rule.priority << 32 | r->rule.id;
	b = wfpredir_bucket_get(rules, &bkey);
	if (IS_ERR(b))
		return PTR_ERR(b);
	r->bucket = b;
	if (wfpredir_group_key_of(r, &gkey)) {
		ret = wfpredir_group_add(rules, r, &gkey);
		if (ret) {
			wfpredir_bucket_put(rules, b);
			return ret;
		}
	} else {
		r->group = NULL;
		wfpredir_list_add(&b->rest, r);
	}
	b->n_rules++;
	wfpredir_tuple_get(rules->tuples, &bkey);
	return 0;
}

/* Take @r out of the classifier; readers may still see it until RCU. */
static void wfpredir_rule_unlink(struct wfpredir_ruleset *rules,
				 struct wfpredir_rule_entry *r)
{
	struct wfpredir_bucket *b = r->bucket;

	if (r->group)
		wfpredir_group_del(rules, r);
	else
		list_del_rcu(&r->node);
	wfpredir_tuple_put(rules->tuples, &b->key);
	b->n_rules--;
	wfpredir_bucket_put(rules, b);
}

static bool wfpredir_rules_full(struct wfpredir_ruleset *rules,
				unsigned int freed,
				struct netlink_ext_ack *extack)
{
	if (rules->count - freed < rules->max)
		return false;
	/* NL_SET_ERR_MSG() takes literals only. */
	if (extack)
		extack->_msg = rules->full_msg;
	return true;
}

/**
 * wfpredir_rule_create - create a rule
 * @wn: the namespace's state
 * @spec: the rule
 * @id: set to the new rule's id
 * @extack: where to say what is wrong; may be NULL
 *
 * Context: process context (resolves the cgroup path), under
 * &wfpredir_net.config_lock.
 * Return: 0; -EINVAL for a malformed rule, -ENOENT if the service or the
 * cgroup does not exist, -EEXIST if the id is taken, -ENOSPC beyond the
 * namespace's max_rules, or -ENOMEM.
 */
int wfpredir_rule_create(struct wfpredir_net *wn,
			 const struct wfpredir_rule_spec *spec, u32 *id,
			 struct netlink_ext_ack *extack)
{
	struct wfpredir_ruleset *rules = &wn->rules;
	struct wfpredir_rule_entry *r;
	int ret;

	lockdep_assert_held(&wn->config_lock);

	if (wfpredir_rules_full(rules, 0, extack))
		return -ENOSPC;
	r = wfpredir_rule_alloc(wn, spec, extack);
	if (IS_ERR(r))
		return PTR_ERR(r);
	ret = wfpredir_rule_reserve_id(rules, spec, &r->rule.id, extack);
	if (ret)
		goto err_free;
	ret = wfpredir_rule_link(rules, r);
	if (ret)
		goto err_release;

	/* Nothing fails from here on. */
	/* Replaces the reserved slot: allocates nothing, cannot fail. */
	xa_store(&rules->by_id, r->rule.id, r, GFP_KERNEL_ACCOUNT);
	r->rule.service->rules++;
	wfpredir_service_rank_add(r->rule.service, r);
	WRITE_ONCE(rules->count, rules->count + 1);
	rules->gen++;
	*id = r->rule.id;
	return 0;

err_release:
	xa_release(&rules->by_id, r->rule.id);
err_free:
	wfpredir_rule_free(r);
	return ret;
}

/* Unpublish @r and free it after readers are done. */
static void wfpredir_rule_remove(struct wfpredir_ruleset *rules,
				 struct wfpredir_rule_entry *r)
{
	/* A transaction's new rule takes the slot over: no allocation. */
	if (!r->tx_slot_taken)
		xa_erase(&rules->by_id, r->rule.id);
	wfpredir_rule_unlink(rules, r);
	r->rule.service->rules--;
	rb_erase(&r->by_rank, &r->rule.service->rules_by_rank);
	wfpredir_service_rank_update(r->rule.service);
	WRITE_ONCE(rules->count, rules->count - 1);
	rules->gen++;
	call_rcu(&r->rcu, wfpredir_rule_free_rcu);
}

/**
 * wfpredir_rule_delete - delete a rule
 * @wn: the namespace's state
 * @id: its id
 * @extack: where to say what is wrong; may be NULL
 *
 * Context: process context, under &wfpredir_net.config_lock.
 * Return: 0, or -ENOENT if there is no such rule.
 */
int wfpredir_rule_delete(struct wfpredir_net *wn, u32 id,
			 struct netlink_ext_ack *extack)
{
	struct wfpredir_rule_entry *r;

	lockdep_assert_held(&wn->config_lock);

	r = xa_load(&wn->rules.by_id, id);
	if (!r) {
		NL_SET_ERR_MSG(extack, "no rule with this id");
		return -ENOENT;
	}
	wfpredir_rule_remove(&wn->rules, r);
	return 0;
}

/**
 * wfpredir_rules_flush - delete every rule, or a table's
 * @wn: the namespace's state
 * @table: the table; NULL for every rule
 *
 * Context: process context, under &wfpredir_net.config_lock. Waits for no
 * grace period, whatever the number of rules.
 */
void wfpredir_rules_flush(struct wfpredir_net *wn, const char *table)
{
	struct wfpredir_rule_entry *r;
	unsigned long id;

	lockdep_assert_held(&wn->config_lock);

	xa_for_each(&wn->rules.by_id, id, r) {
		if (!table || !strcmp(r->table, table))
			wfpredir_rule_remove(&wn->rules, r);
		cond_resched();
	}
}

/* ------------------------------------------------------- transactions */

/*
 * A transaction (see transaction.c) prepares its rules in the classifier
 * inactive in the generation the packet path sees, and marks the rules it
 * deletes inactive in the next; the commit flips the cursor, so that every
 * lookup sees either the old rules or the new ones, never a mix.
 */

static u8 wfpredir_genbit_cur(const struct wfpredir_ruleset *rules)
{
	return 1U << rules->gencursor;
}

static u8 wfpredir_genbit_next(const struct wfpredir_ruleset *rules)
{
	return 1U << (rules->gencursor ^ 1);
}

/**
 * wfpredir_rules_tx_init - an empty transaction
 * @tx: the transaction
 */
void wfpredir_rules_tx_init(struct wfpredir_rules_tx *tx)
{
	INIT_LIST_HEAD(&tx->added);
	INIT_LIST_HEAD(&tx->doomed);
	tx->n_added = 0;
	tx->n_doomed = 0;
}

static void wfpredir_rule_doom(struct wfpredir_ruleset *rules,
			       struct wfpredir_rules_tx *tx,
			       struct wfpredir_rule_entry *r)
{
	WRITE_ONCE(r->genmask, r->genmask | wfpredir_genbit_next(rules));
	list_add_tail(&r->tx_node, &tx->doomed);
	tx->n_doomed++;
	r->rule.service->tx_doomed_rules++;
}

/**
 * wfpredir_rules_tx_doom_table - delete a table's rules at commit
 * @wn: the namespace's state
 * @tx: the transaction
 * @table: the table
 *
 * Context: under &wfpredir_net.config_lock; once per table.
 */
void wfpredir_rules_tx_doom_table(struct wfpredir_net *wn,
				  struct wfpredir_rules_tx *tx,
				  const char *table)
{
	struct wfpredir_rule_entry *r;
	unsigned long id;

	xa_for_each(&wn->rules.by_id, id, r) {
		if (!strcmp(r->table, table) && list_empty(&r->tx_node))
			wfpredir_rule_doom(&wn->rules, tx, r);
		cond_resched();
	}
}

/**
 * wfpredir_rules_tx_doom_id - delete a rule at commit
 * @wn: the namespace's state
 * @tx: the transaction
 * @id: its id
 *
 * Context: under &wfpredir_net.config_lock.
 * Return: 0, or -ENOENT if there is no such rule.
 */
int wfpredir_rules_tx_doom_id(struct wfpredir_net *wn,
			      struct wfpredir_rules_tx *tx, u32 id)
{
	struct wfpredir_rule_entry *r = xa_load(&wn->rules.by_id, id);

	if (!r)
		return -ENOENT;
	if (list_empty(&r->tx_node))
		wfpredir_rule_doom(&wn->rules, tx, r);
	return 0;
}

/* @spec's id for a new rule of @tx: free, or a rule @tx deletes. */
static int wfpredir_rules_tx_id(struct wfpredir_ruleset *rules,
				const struct wfpredir_rule_spec *spec,
				struct wfpredir_rule_entry *r,
				struct netlink_ext_ack *extack)
{
	struct wfpredir_rule_entry *old;

	if (spec->id) {
		old = xa_load(&rules->by_id, spec->id);
		if (old && (old->genmask & wfpredir_genbit_next(rules)) &&
		    !old->tx_slot_taken) {
			old->tx_slot_taken = true;
			r->rule.id = spec->id;
			return 0;
		}
	}
	return wfpredir_rule_reserve_id(rules, spec, &r->rule.id, extack);
}

/* Undo wfpredir_rules_tx_id(). */
static void wfpredir_rules_tx_id_release(struct wfpredir_ruleset *rules,
					 struct wfpredir_rule_entry *r)
{
	struct wfpredir_rule_entry *old = xa_load(&rules->by_id, r->rule.id);

	if (old)
		old->tx_slot_taken = false;
	else
		xa_release(&rules->by_id, r->rule.id);
}

/**
 * wfpredir_rules_tx_add - create a rule at commit
 * @wn: the namespace's state
 * @tx: the transaction
 * @spec: the rule; its id may be that of a rule @tx deletes
 * @id: set to the new rule's id
 * @extack: where to say what is wrong; may be NULL
 *
 * Context: process context, under &wfpredir_net.config_lock.
 * Return: as wfpredir_rule_create(); max_rules counts the state after
 * the commit.
 */
int wfpredir_rules_tx_add(struct wfpredir_net *wn,
			  struct wfpredir_rules_tx *tx,
			  const struct wfpredir_rule_spec *spec, u32 *id,
			  struct netlink_ext_ack *extack)
{
	struct wfpredir_ruleset *rules = &wn->rules;
	struct wfpredir_rule_entry *r;
	int ret;

	lockdep_assert_held(&wn->config_lock);

	if (wfpredir_rules_full(rules, tx->n_doomed, extack))
		return -ENOSPC;
	r = wfpredir_rule_alloc(wn, spec, extack);
	if (IS_ERR(r))
		return PTR_ERR(r);
	ret = wfpredir_rules_tx_id(rules, spec, r, extack);
	if (ret)
		goto err_free;
	/* Inactive in the generation the packet path sees. */
	r->genmask = wfpredir_genbit_cur(rules);
	ret = wfpredir_rule_link(rules, r);
	if (ret)
		goto err_release;
	list_add_tail(&r->tx_node, &tx->added);
	tx->n_added++;
	r->rule.service->rules++;
	/* An upper bound of the active rules: the empty check stays safe. */
	WRITE_ONCE(rules->count, rules->count + 1);
	*id = r->rule.id;
	return 0;

err_release:
	wfpredir_rules_tx_id_release(rules, r);
err_free:
	wfpredir_rule_free(r);
	return ret;
}

/**
 * wfpredir_rules_tx_commit - make a transaction's rules the packet path's
 * @wn: the namespace's state
 * @tx: the transaction; empty afterwards
 *
 * Flips the generation, waits for the lookups that may still see the old
 * one, then deletes the old rules and makes the new ones plain rules.
 * Cannot fail.
 *
 * Context: process context (sleeps), under &wfpredir_net.config_lock.
 */
void wfpredir_rules_tx_commit(struct wfpredir_net *wn,
			      struct wfpredir_rules_tx *tx)
{
	struct wfpredir_ruleset *rules = &wn->rules;
	struct wfpredir_rule_entry *r, *tmp;

	if (!tx->n_added && !tx->n_doomed)
		return;
	WRITE_ONCE(rules->gencursor, rules->gencursor ^ 1);
	/* No lookup sees the old generation after this. */
	synchronize_rcu();

	list_for_each_entry_safe(r, tmp, &tx->doomed, tx_node) {
		list_del_init(&r->tx_node);
		r->rule.service->tx_doomed_rules--;
		wfpredir_rule_remove(rules, r);
		cond_resched();
	}
	list_for_each_entry_safe(r, tmp, &tx->added, tx_node) {
		list_del_init(&r->tx_node);
		WRITE_ONCE(r->genmask, 0);
		/* The slot is reserved or was the old rule's: no allocation. */
		xa_store(&rules->by_id, r->rule.id, r, GFP_KERNEL_ACCOUNT);
		wfpredir_service_rank_add(r->rule.service, r);
		cond_resched();
	}
	rules->gen++;
	wfpredir_rules_tx_init(tx);
}

/**
 * wfpredir_rules_tx_abort - undo a transaction's rule changes
 * @wn: the namespace's state
 * @tx: the transaction; empty afterwards
 *
 * The packet path never saw the new rules, and still sees the old ones.
 *
 * Context: process context, under &wfpredir_net.config_lock.
 */
void wfpredir_rules_tx_abort(struct wfpredir_net *wn,
			     struct wfpredir_rules_tx *tx)
{
	struct wfpredir_ruleset *rules = &wn->rules;
	struct wfpredir_rule_entry *r, *tmp;

	list_for_each_entry_safe(r, tmp, &tx->added, tx_node) {
		list_del_init(&r->tx_node);
		wfpredir_rule_unlink(rules, r);
		wfpredir_rules_tx_id_release(rules, r);
		r->rule.service->rules--;
		WRITE_ONCE(rules->count, rules->count - 1);
		call_rcu(&r->rcu, wfpredir_rule_free_rcu);
	}
	list_for_each_entry_safe(r, tmp, &tx->doomed, tx_node) {
		list_del_init(&r->tx_node);
		r->rule.service->tx_doomed_rules--;
		r->tx_slot_taken = false;
		WRITE_ONCE(r->genmask, 0);
	}
	wfpredir_rules_tx_init(tx);
}

/**
 * wfpredir_rule_by_id - a rule by id
 * @wn: the namespace's state
 * @id: the id
 *
 * Context: RCU read side, or under &wfpredir_net.config_lock.
 * Return: the rule, or NULL.
 */
const struct wfpredir_rule *wfpredir_rule_by_id(struct wfpredir_net *wn,
						u32 id)
{
	struct wfpredir_rule_entry *r = xa_load(&wn->rules.by_id, id);

	return r ? &r->rule : NULL;
}

/**
 * wfpredir_rule_table - a rule's table
 * @rule: the rule
 *
 * Return: its name, as long as the rule lives.
 */
const char *wfpredir_rule_table(const struct wfpredir_rule *rule)
{
	return wfpredir_rule_entry(rule)->table;
}

/**
 * wfpredir_rule_next - the rule with the lowest id from a given one
 * @wn: the namespace's state
 * @id: in: the lowest id wanted; out: the rule's id
 *
 * Context: RCU read side; the rule is good until it ends.
 * Return: the rule, or NULL if there is none at or above *@id.
 */
const struct wfpredir_rule *wfpredir_rule_next(struct wfpredir_net *wn,
					       unsigned long *id)
{
	struct wfpredir_rule_entry *r;

	r = xa_find(&wn->rules.by_id, id, U32_MAX, XA_PRESENT);
	return r ? &r->rule : NULL;
}

/**
 * wfpredir_rule_spec - what a rule is, for a dump
 * @rule: the rule
 * @spec: filled in; its pointers point into @rule
 *
 * Context: RCU read side, or under &wfpredir_net.config_lock.
 */
void wfpredir_rule_spec(const struct wfpredir_rule *rule,
			struct wfpredir_rule_spec *spec)
{
	const struct wfpredir_rule_entry *r = wfpredir_rule_entry(rule);

	memset(spec, 0, sizeof(*spec));
	spec->id = rule->id;
	spec->priority = rule->priority;
	spec->service_id = rule->service->id;
	spec->table = r->table;
	spec->family = r->family;
	spec->protocol = r->protocol;
	spec->has_daddr = r->has_daddr;
	spec->prefix = r->prefix;
	spec->daddr = r->daddr;
	spec->dport_min = r->dport_min;
	spec->dport_max = r->dport_max;
	spec->has_uid = r->has_uid;
	spec->uid_min = r->uid_min;
	spec->uid_max = r->uid_max;
	spec->cgroup = r->cgroup_path;
	spec->context_len = rule->context_len;
	spec->context = rule->context;
}

#ifdef DEBUG
/*
 * Walks wfpredir_ruleset_check() tries before it gives up on a table that
 * keeps resizing: the deferred worker queues itself again for each further
 * table, and without writers there are few.
 */
#define WFPREDIR_CHECK_WALKS 8

/* What a walk of the buckets adds up, for wfpredir_ruleset_check(). */
struct wfpredir_bucket_sums {
	unsigned int rules, nonempty_rest, grouped;
	bool ok;
};

/*
 * Walk every bucket once. False if a resize was under way: the walk then
 * reaches the new table before the deferred worker has moved every chain to
 * it, and misses the chains still in the old one.
 */
static bool wfpredir_buckets_sum(struct rhashtable *ht,
				 struct wfpredir_bucket_sums *s)
{
	struct wfpredir_bucket_counts *counts;
	struct rhashtable_iter iter;
	struct wfpredir_bucket *b;
	bool stable = true;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->ok = true;
	rhashtable_walk_enter(ht, &iter);
	rhashtable_walk_start(&iter);
	while ((b = rhashtable_walk_next(&iter))) {
		if (IS_ERR(b)) {
			stable = false;
			break;
		}
		s->rules += b->n_rules;
		if (!b->n_rules)
			s->ok = false;
		/* Buckets with grouped rules only may have an empty list. */
		if (!list_empty(&b->rest))
			s->nonempty_rest++;
		counts = b->counts;
		if (!counts) {
			if (b->uid_plens || b->cgroup_levels)
				s->ok = false;
			continue;
		}
		for (i = 0; i < WFPREDIR_UID_PLENS; i++) {
			s->grouped += counts->uid[i];
			if (!counts->uid[i] != !(b->uid_plens & BIT_ULL(i)))
				s->ok = false;
		}
		for (i = 0; i < WFPREDIR_CGROUP_LEVELS; i++) {
			s->grouped += counts->cgroup[i];
			if (!counts->cgroup[i] !=
			    !(b->cgroup_levels & BIT_ULL(i)))
				s->ok = false;
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return stable;
}

/**
 * wfpredir_ruleset_check - whether the classifier's indexes agree
 * @rules: the rules
 *
 * For the self-test: every rule is in the bucket of its key, which is in
 * the table; buckets are sorted, not empty, and hold all the rules and no
 * other; the tuple counts add up and their bits are set exactly for
 * non-zero counts.
 *
 * Context: under &wfpredir_net.config_lock, or with no writer about.
 * Return: true if they agree.
 */
bool wfpredir_ruleset_check(struct wfpredir_ruleset *rules)
{
	const struct wfpredir_tuples *tuples = rules->tuples;
	const struct wfpredir_rule_entry *r, *pos, *prev;
	unsigned int tf, exact, prefix, sum = 0, n = 0, nb = 0, ng = 0;
	struct wfpredir_bucket_sums sums;
	const struct list_head *head;
	struct wfpredir_group_key gkey;
	struct wfpredir_bucket *b;
	struct wfpredir_group *g;
	unsigned int i, grouped = 0;
	unsigned long id;
	bool ok = true;

	for (tf = 0; tf < WFPREDIR_TF_COUNT; tf++)
		for (exact = 0; exact < 2; exact++)
			for (prefix = 0; prefix < WFPREDIR_PREFIXES; prefix++) {
				unsigned int c = tuples->rules[tf][exact][prefix];

				sum += c;
				if (!c != !test_bit(prefix,
						    tuples->in_use[tf][exact]))
					ok = false;
			}
	if (sum != rules->count)
		ok = false;

	rcu_read_lock();
	xa_for_each(&rules->by_id, id, r) {
		n++;
		b = rhashtable_lookup(&rules->buckets, &r->bucket->key,
				      wfpredir_bucket_params);
		if (b != r->bucket || r->rule.id != id)
			ok = false;
		if (!b)
			continue;
		/* In the group its key names, or in its bucket's list. */
		if (wfpredir_group_key_of(r, &gkey)) {
			grouped++;
			g = rhashtable_lookup(&rules->groups, &gkey,
					      wfpredir_group_params);
			if (!g || g != r->group || !b->counts ||
			    !((gkey.kind == WFPREDIR_GROUP_UID ?
			       b->uid_plens : b->cgroup_levels) &
			      BIT_ULL(gkey.level)))
				ok = false;
			if (!g)
				continue;
			head = &g->rules;
		} else {
			if (r->group)
				ok = false;
			head = &b->rest;
		}
		/* Check each list once: from its first rule. */
		if (list_first_entry(head, typeof(*r), node) != r)
			continue;
		if (head == &b->rest)
			nb++;
		else
			ng++;
		prev = NULL;
		list_for_each_entry(pos, head, node) {
			if ((prev && prev->rank >= pos->rank) ||
			    pos->bucket != b || pos->group != r->group ||
			    xa_load(&rules->by_id, pos->rule.id) != pos)
				ok = false;
			prev = pos;
		}
	}
	rcu_read_unlock();
	if (n != rules->count ||
	    atomic_read(&rules->groups.nelems) != ng)
		ok = false;

	/*
	 * Every bucket: rules counted, masks as its counts say. With no writer
	 * about, no resize starts once the deferred worker is done.
	 */
	for (i = 0; i < WFPREDIR_CHECK_WALKS; i++) {
		flush_work(&rules->buckets.run_work);
		if (wfpredir_buckets_sum(&rules->buckets, &sums))
			break;
	}
	if (i == WFPREDIR_CHECK_WALKS)
		return false;
	if (!sums.ok || sums.rules != rules->count ||
	    sums.nonempty_rest != nb || sums.grouped != grouped)
		ok = false;
	return ok;
}
#endif

/* --------------------------------------------------------- lifetime */

/**
 * wfpredir_ruleset_init - set up a namespace's rules
 * @rules: the rules, zeroed
 * @max: most rules allowed
 *
 * Context: process context (pernet init).
 * Return: 0 or a negative errno.
 */
int wfpredir_ruleset_init(struct wfpredir_ruleset *rules, unsigned int max)
{
	int ret;

	rules->tuples = kzalloc(sizeof(*rules->tuples), GFP_KERNEL_ACCOUNT);
	if (!rules->tuples)
		return -ENOMEM;
	ret = rhashtable_init(&rules->buckets, &wfpredir_bucket_params);
	if (ret)
		goto err_tuples;
	ret = rhashtable_init(&rules->groups, &wfpredir_group_params);
	if (ret)
		goto err_buckets;
	xa_init_flags(&rules->by_id, XA_FLAGS_ALLOC1);
	rules->count = 0;
	rules->max = max;
	rules->next_id = 1;
	rules->gen = 0;
	snprintf(rules->full_msg, sizeof(rules->full_msg),
		 "rule table full (max_rules=%u)", max);
	return 0;

err_buckets:
	rhashtable_destroy(&rules->buckets);
err_tuples:
	kfree(rules->tuples);
	rules->tuples = NULL;
	return ret;
}

static void wfpredir_bucket_free(void *ptr, void *arg)
{
	struct wfpredir_bucket *b = ptr;

	kfree(b->counts);
	kfree(b);
}

static void wfpredir_group_free(void *ptr, void *arg)
{
	kfree(ptr);
}

/**
 * wfpredir_ruleset_destroy - free a namespace's rules
 * @rules: the rules
 *
 * Context: process context (pernet exit), after the hook is unregistered
 * and a grace period has passed: nobody can see a rule. Frees at once,
 * without waiting for grace periods. The services are destroyed after.
 */
void wfpredir_ruleset_destroy(struct wfpredir_ruleset *rules)
{
	struct wfpredir_rule_entry *r;
	unsigned long id;

	xa_for_each(&rules->by_id, id, r) {
		r->rule.service->rules--;
		wfpredir_rule_free(r);
		cond_resched();
	}
	xa_destroy(&rules->by_id);
	rhashtable_free_and_destroy(&rules->groups, wfpredir_group_free, NULL);
	rhashtable_free_and_destroy(&rules->buckets, wfpredir_bucket_free,
				    NULL);
	kfree(rules->tuples);
	rules->tuples = NULL;
	rules->count = 0;
}
