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
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

struct cgroup;
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

/**
 * struct wfpredir_ruleset - the rules of one namespace
 * @by_id: id -> rule
 * @buckets: the classifier (see ruleset.c)
 * @count: number of rules; read locklessly by the packet path to skip the
 *	classifier when there are none
 * @max: most rules allowed
 * @tuples: which (family, prefix length, port kind) tuples hold rules, so
 *	that a lookup probes only those (see ruleset.c)
 *
 * Changed under &wfpredir_net.config_lock; read under RCU.
 */
struct wfpredir_ruleset {
	struct xarray by_id;
	struct rhashtable buckets;
	unsigned int count;
	unsigned int max;
	struct wfpredir_tuples *tuples;
};

int wfpredir_ruleset_init(struct wfpredir_ruleset *rules, unsigned int max);
void wfpredir_ruleset_destroy(struct wfpredir_ruleset *rules);

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
 * @n_exclude ids in @exclude. Each rule that matched but was passed over for
 * its service being excluded counts once in that service's skipped counter.
 */
const struct wfpredir_rule *
wfpredir_ruleset_lookup(struct wfpredir_net *wn,
			const struct wfpredir_flow_key *key,
			const u32 *exclude, unsigned int n_exclude);

#endif /* _WFPREDIR_RULESET_H */
