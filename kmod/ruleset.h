/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rules and the classifier that finds the rule for a new flow.
 */
#ifndef _WFPREDIR_RULESET_H
#define _WFPREDIR_RULESET_H

#include "uapi/linux/wfpredir.h"

#include <linux/atomic.h>
#include <linux/netfilter.h>
#include <linux/rhashtable-types.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

struct cgroup;
struct netlink_ext_ack;
struct nlattr;
struct wfpredir_tuples;
struct sock;
struct wfpredir_net;
struct wfpredir_service;

/**
 * struct wfpredir_flow_key - what the classifier is told about a new flow
 * @family: AF_INET or AF_INET6
 * @protocol: IPPROTO_TCP or IPPROTO_UDP
 * @dport: destination port, network order
 * @daddr: destination address
 * @sk: the full socket that sent the flow's first packet, or NULL; rules
 *	with a uid or cgroup match never match without one
 */
struct wfpredir_flow_key {
	u8 family;
	u8 protocol;
	__be16 dport;
	union nf_inet_addr daddr;
	struct sock *sk;
};

/**
 * struct wfpredir_rule - a rule, as the packet path sees it
 * @id: its id, unique in the namespace
 * @priority: lower first; ties by @id
 * @service: the service it redirects to (a rule pins its service)
 * @context_len: length of @context; 0 for the default context
 * @context: the custom context of the flows it redirects, or NULL
 * @matches: flows it redirected
 *
 * The classifier's own fields follow in ruleset.c's container; rules are
 * immutable once published but for @matches, and freed after RCU readers.
 */
struct wfpredir_rule {
	u32 id;
	u32 priority;
	struct wfpredir_service *service;
	u16 context_len;
	const u8 *context;
	atomic64_t matches;
};

/* The rule table full message, with the limit in it: see ruleset.c. */
#define WFPREDIR_RULESET_FULL_MSG_LEN 48

/**
 * struct wfpredir_ruleset - the rules of one namespace
 * @by_id: id -> rule
 * @buckets: the classifier (see ruleset.c)
 * @groups: its index of a bucket's rules by uid block and cgroup (likewise)
 * @count: number of rules; read locklessly by the packet path to skip the
 *	classifier when there are none
 * @max: most rules allowed
 * @tuples: which (family, prefix length, port kind) tuples hold rules, so
 *	that a lookup probes only those (see ruleset.c)
 * @next_id: where the search for a free id starts (ids are handed out
 *	cyclically, so that records naming a deleted rule do not soon name
 *	another)
 * @gen: bumped by every change, for NLM_F_DUMP_INTR
 * @gencursor: the generation (0 or 1) the packet path sees; a transaction
 *	prepares the next one and flips this (see transaction.c)
 * @full_msg: "rule table full (max_rules=N)": extack messages are not
 *	formatted in 6.1, and this one must outlive the command
 *
 * Changed under &wfpredir_net.config_lock; read under RCU.
 */
struct wfpredir_ruleset {
	struct xarray by_id;
	struct rhashtable buckets;
	struct rhashtable groups;
	unsigned int count;
	unsigned int max;
	struct wfpredir_tuples *tuples;
	u32 next_id;
	unsigned int gen;
	u8 gencursor;
	char full_msg[WFPREDIR_RULESET_FULL_MSG_LEN];
};

#define WFPREDIR_RULE_PRIORITY_DEFAULT 1000

/**
 * struct wfpredir_rule_spec - a rule to create, or what a rule is
 * @id: its id; 0 (create) lets the kernel pick one
 * @priority: lower first
 * @service_id: the service it redirects to
 * @table: its table, NUL-terminated
 * @family: AF_INET, AF_INET6, or AF_UNSPEC for both
 * @protocol: IPPROTO_TCP, IPPROTO_UDP, or 0 for both
 * @has_daddr: @daddr and @prefix were given (needs @family)
 * @prefix: prefix length of @daddr
 * @daddr: destination address; of a rule, masked to @prefix
 * @dport_min: lowest destination port, host order
 * @dport_max: highest destination port, host order
 * @has_uid: match the socket's uid between @uid_min and @uid_max
 * @uid_min: lowest uid, in the user namespace owning the network namespace
 * @uid_max: highest uid, likewise
 * @cgroup: cgroup v2 path, NUL-terminated; NULL for none
 * @context_len: length of @context; 0 for none
 * @context: custom context bytes
 * @tb: the WFPREDIR_A_RULE_* attributes the spec came from, so that errors
 *	name the attribute; NULL when it did not come from netlink
 *
 * Filled by the caller for wfpredir_rule_create(), by wfpredir_rule_spec()
 * for a dump; the pointers then point into the rule.
 */
struct wfpredir_rule_spec {
	u32 id;
	u32 priority;
	u32 service_id;
	const char *table;
	u8 family;
	u8 protocol;
	bool has_daddr;
	u8 prefix;
	union nf_inet_addr daddr;
	u16 dport_min;
	u16 dport_max;
	bool has_uid;
	u32 uid_min;
	u32 uid_max;
	const char *cgroup;
	u16 context_len;
	const u8 *context;
	struct nlattr *const *tb;
};

int wfpredir_ruleset_init(struct wfpredir_ruleset *rules, unsigned int max);
void wfpredir_ruleset_destroy(struct wfpredir_ruleset *rules);

/**
 * wfpredir_rule_spec_init - a spec for a rule that matches everything
 * @spec: the spec
 * @service_id: the service it redirects to
 */
static inline void wfpredir_rule_spec_init(struct wfpredir_rule_spec *spec,
					   u32 service_id)
{
	memset(spec, 0, sizeof(*spec));
	spec->priority = WFPREDIR_RULE_PRIORITY_DEFAULT;
	spec->service_id = service_id;
	spec->table = WFPREDIR_TABLE_DEFAULT;
	spec->dport_max = U16_MAX;
	spec->uid_max = (u32)-2;
}

/**
 * wfpredir_ruleset_empty - whether a namespace has no rules
 * @rules: the rules
 *
 * Context: any; lockless, for the packet path's fast exit.
 */
static inline bool wfpredir_ruleset_empty(const struct wfpredir_ruleset *rules)
{
	return !READ_ONCE(rules->count);
}

/*
 * RCU read side: the best rule (lowest priority, then id) that matches @key,
 * whose service has an address of @key->family and is not one of the
 * @n_exclude (at most WFPREDIR_RECORDS_MAX_ENTRIES) ids in @exclude. A
 * service passed over because it is excluded, for a rule that matched and
 * ranks before the one returned (or any rule, if none is), counts once in
 * its skipped counter.
 */
const struct wfpredir_rule *
wfpredir_ruleset_lookup(struct wfpredir_net *wn,
			const struct wfpredir_flow_key *key,
			const u32 *exclude, unsigned int n_exclude, u64 after);
void wfpredir_rule_matched(const struct wfpredir_rule *rule);

/* Under &wfpredir_net.config_lock. */
int wfpredir_rule_create(struct wfpredir_net *wn,
			 const struct wfpredir_rule_spec *spec, u32 *id,
			 struct netlink_ext_ack *extack);
int wfpredir_rule_delete(struct wfpredir_net *wn, u32 id,
			 struct netlink_ext_ack *extack);
void wfpredir_rules_flush(struct wfpredir_net *wn, const char *table);

/**
 * struct wfpredir_rules_tx - a transaction's rule changes
 * @added: the rules it creates, inactive until the commit
 * @doomed: the rules it deletes, inactive from the commit on
 * @n_added: how many in @added
 * @n_doomed: how many in @doomed
 */
struct wfpredir_rules_tx {
	struct list_head added;
	struct list_head doomed;
	unsigned int n_added;
	unsigned int n_doomed;
};

/* Under &wfpredir_net.config_lock; see transaction.c. */
void wfpredir_rules_tx_init(struct wfpredir_rules_tx *tx);
void wfpredir_rules_tx_doom_table(struct wfpredir_net *wn,
				  struct wfpredir_rules_tx *tx,
				  const char *table);
int wfpredir_rules_tx_doom_id(struct wfpredir_net *wn,
			      struct wfpredir_rules_tx *tx, u32 id);
int wfpredir_rules_tx_add(struct wfpredir_net *wn,
			  struct wfpredir_rules_tx *tx,
			  const struct wfpredir_rule_spec *spec, u32 *id,
			  struct netlink_ext_ack *extack);
void wfpredir_rules_tx_commit(struct wfpredir_net *wn,
			      struct wfpredir_rules_tx *tx);
void wfpredir_rules_tx_abort(struct wfpredir_net *wn,
			     struct wfpredir_rules_tx *tx);
const struct wfpredir_rule *wfpredir_rule_by_id(struct wfpredir_net *wn,
						u32 id);
const char *wfpredir_rule_table(const struct wfpredir_rule *rule);

/* RCU read side, for dumps. */
const struct wfpredir_rule *wfpredir_rule_next(struct wfpredir_net *wn,
					       unsigned long *id);
void wfpredir_rule_spec(const struct wfpredir_rule *rule,
			struct wfpredir_rule_spec *spec);

#ifdef DEBUG
bool wfpredir_ruleset_check(struct wfpredir_ruleset *rules);
bool wfpredir_ruleset_selftest(void);
#endif

#endif /* _WFPREDIR_RULESET_H */
