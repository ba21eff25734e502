// SPDX-License-Identifier: GPL-2.0
/*
 * The NAT hook. Registered as a NAT lookup function at LOCAL_OUT, it is
 * called by the NAT core once per new locally sent flow (the first packet
 * of a connection, or of a UDP flow, with no NAT binding yet); established
 * packets never get here. For each flow it:
 *
 *  1. uses the records the sending socket was given, if any; they stay
 *     with the socket until one of its flows has left (sockstore.c);
 *  2. without records: if the socket is a service owner's, only rules
 *     ranking after that service's may take the flow (owner.c, the loop
 *     bound); if a rule matches, the connection may continue the chain of
 *     the redirected connection the proxy holds (inherit.c);
 *  3. stops if the chain already holds chain_max entries (the loop cap);
 *     otherwise asks the classifier for the best rule whose service the
 *     chain does not hold yet, by its explicit entries and the owned
 *     services its inheritances went through;
 *  4. if there is one, appends an entry, builds the redirect context,
 *     rewrites the destination to the service's listen address and stores
 *     the chain and context with the connection (flowstore.c);
 *  5. otherwise stores the chain it was given with the connection, so that
 *     it stays readable at the far end and on the socket.
 *
 * A flow that must carry records but cannot (flow table full, no memory) is
 * refused: the packet is dropped and connect() or sendmsg() fails with
 * ECONNREFUSED, counted in the namespace's stats and logged, rate limited.
 *
 * The hook is registered in a namespace when it is first configured (a
 * service or rule is created, or a socket is given records), and stays until
 * nothing is left that needs it (netns.c's idle check), the namespace goes,
 * or the module is unloaded.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "flowstore.h"
#include "hook.h"
#include "inherit.h"
#include "netns.h"
#include "notify.h"
#include "owner.h"
#include "records.h"
#include "ruleset.h"
#include "service.h"

#include <linux/cgroup.h>
#include <linux/err.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_nat.h>
#include <net/sock.h>

/* Run before iptables' and nftables' nat OUTPUT chains (-100). */
#define WFPREDIR_NAT_PRIORITY (NF_IP_PRI_NAT_DST - 10)

/* What the hook learned about a flow's chain before the classifier. */
struct wfpredir_chain {
	const struct wfpredir_records *records;	/* may be NULL */
	struct wfpredir_records *built;	/* inherit.c's, to free */
	u8 flags;	/* to set on the entries of @records; 0: the socket's */
	u32 self;	/* inherited: the service whose proxy is sending */
};

/* Who opened a flow, as its records and context tell it; found once. */
struct wfpredir_origin {
	u32 uid;			/* the socket's, init_user_ns */
	u64 cgroup;			/* the socket's cgroup v2 id */
	struct task_struct *task;	/* the sending task, or NULL */
};

static void wfpredir_origin_get(struct wfpredir_origin *origin,
				const struct net *net, struct sock *sk)
{
	origin->uid = from_kuid_munged(&init_user_ns, sock_net_uid(net, sk));
	origin->cgroup = 0;
#ifdef CONFIG_SOCK_CGROUP_DATA
	if (sk)
		origin->cgroup = cgroup_id(sock_cgroup_ptr(&sk->sk_cgrp_data));
#endif
	/* Meaningful only if a syscall sent the first packet. */
	origin->task = in_task() && !(current->flags & PF_KTHREAD) ?
		       current : NULL;
}

/* The flags of the entry @origin's flow gets. */
static u8 wfpredir_origin_flags(const struct wfpredir_origin *origin)
{
	return origin->task ? WFPREDIR_RECORD_F_PID_BEST_EFFORT : 0;
}

/*
 * The entry of a redirect whose chain goes in a blob. A first redirect with
 * the default context keeps its chain as parts instead, the same bytes
 * (wfpredir_flow_set_own()).
 */
static void wfpredir_fill_entry(struct wfpredir_record_entry *entry,
				const struct nf_conn *ct,
				const struct wfpredir_origin *origin,
				const struct wfpredir_rule *rule)
{
	memset(entry, 0, sizeof(*entry));
	entry->service_id = cpu_to_be32(rule->service->id);
	entry->rule_id = cpu_to_be32(rule->id);
	entry->flags = wfpredir_origin_flags(origin);
	wfpredir_record_entry_tuple(entry, ct);
	entry->timestamp_ns = cpu_to_be64(ktime_get_real_ns());
	entry->uid = cpu_to_be32(origin->uid);
	entry->cgroup_id = cpu_to_be64(origin->cgroup);
	if (origin->task)
		entry->pid = cpu_to_be32(task_tgid_nr(origin->task));
}

/*
 * A rule's custom bytes; or, for the default context, what the conntrack
 * entry will not tell a reader: the process (wfpredir_flow_context_copy()
 * builds the rest). @flow is zeroed, with room for @rule's custom bytes.
 */
static void wfpredir_fill_context(struct wfpredir_flow *flow,
				  const struct wfpredir_origin *origin,
				  const struct wfpredir_rule *rule)
{
	if (rule->context_len) {
		memcpy(flow->context, rule->context, rule->context_len);
		flow->context_len = rule->context_len;
		flow->custom_context = true;
		return;
	}

	flow->context_len = WFPREDIR_CONTEXT_DEFAULT_LEN;
	flow->origin.uid = origin->uid;
	flow->origin.cgroup_id = origin->cgroup;
	if (origin->task) {
		flow->origin.pid = task_tgid_nr(origin->task);
		get_task_comm(flow->origin.comm, origin->task);
	}
}

/*
 * Refuse a connection that would lose its records. The error reaches the
 * sender: TCP's connect() reports only ECONNREFUSED from its first packet
 * (with any other error it would retransmit the SYN, hanging), so that is
 * the error for both protocols. @rule: the one that had chosen the flow,
 * or NULL; @uid: the sending socket's, for the event.
 */
static unsigned int wfpredir_refuse(struct wfpredir_net *wn,
				    const struct nf_conn *ct,
				    const struct wfpredir_rule *rule,
				    kuid_t uid, int err)
{
	u8 reason = err == -ENOSPC ? WFPREDIR_FLOW_REASON_TABLE_FULL :
		    err == -EDQUOT ? WFPREDIR_FLOW_REASON_FLOW_SHARE :
		    WFPREDIR_FLOW_REASON_NOMEM;

	wfpredir_notify_flow(wn->net, ct, WFPREDIR_FLOW_EVENT_REFUSED, reason,
			     rule, uid);
	if (err == -ENOSPC) {
		atomic64_inc(&wn->stats.table_full);
		net_warn_ratelimited("flow table full of assured connections (max_flows=%u), refusing a connection that carries records\n",
				     wn->flows.max);
	} else if (err == -EDQUOT) {
		atomic64_inc(&wn->stats.flow_share);
		net_warn_ratelimited("a uid holds its share (%u%%) of the flow table, refusing its connection that carries records\n",
				     READ_ONCE(wn->flows.share));
	} else {
		atomic64_inc(&wn->stats.nomem);
		net_warn_ratelimited("out of memory, refusing a connection that carries records\n");
	}
	return NF_DROP_ERR(-ECONNREFUSED);
}

/*
 * Store @records, which the flow now owns, with @ct; not redirected. The
 * flow is charged to @uid.
 */
static unsigned int wfpredir_attach(struct wfpredir_net *wn,
				    struct nf_conn *ct, kuid_t uid,
				    struct wfpredir_records *records)
{
	struct wfpredir_flow *flow;
	int err;

	flow = wfpredir_flow_alloc(&wn->flows, uid, WFPREDIR_FLOW_SIZE_BARE,
				   GFP_ATOMIC | __GFP_ACCOUNT);
	if (IS_ERR(flow)) {
		wfpredir_records_free(records);
		return wfpredir_refuse(wn, ct, NULL, uid, PTR_ERR(flow));
	}
	flow->records = records;
	err = wfpredir_flowstore_insert(&wn->flows, flow, ct);
	if (err) {
		wfpredir_flow_abandon(&wn->flows, flow);
		return wfpredir_refuse(wn, ct, NULL, uid, err);
	}
	return NF_ACCEPT;
}

static unsigned int wfpredir_redirect(struct wfpredir_net *wn,
				      struct nf_conn *ct,
				      const struct nf_hook_state *state,
				      const struct wfpredir_flow_key *key,
				      const struct wfpredir_rule *rule,
				      const struct wfpredir_chain *chain)
{
	const struct wfpredir_service_addr *to =
		wfpredir_service_addr_of(rule->service, key->family);
	struct nf_nat_range2 range = {
		.flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED,
	};
	/* A first redirect with the default context: no blob (flowstore.h). */
	bool own = !chain->records && !rule->context_len;
	struct wfpredir_record_entry entry;
	struct wfpredir_origin origin;
	kuid_t uid = sock_net_uid(state->net, key->sk);
	struct wfpredir_flow *flow;
	unsigned int verdict;
	size_t size;
	int err;

	size = rule->context_len ? WFPREDIR_FLOW_SIZE_CUSTOM(rule->context_len) :
	       own ? WFPREDIR_FLOW_SIZE_OWN : WFPREDIR_FLOW_SIZE_DEFAULT;
	flow = wfpredir_flow_alloc(&wn->flows, uid, size,
				   GFP_ATOMIC | __GFP_ACCOUNT);
	if (IS_ERR(flow))
		return wfpredir_refuse(wn, ct, rule, uid, PTR_ERR(flow));

	wfpredir_origin_get(&origin, state->net, key->sk);
	wfpredir_fill_context(flow, &origin, rule);
	flow->service_id = rule->service->id;
	flow->rule_id = rule->id;
	if (own) {
		wfpredir_flow_set_own(wn, flow, ct,
				      wfpredir_origin_flags(&origin));
	} else {
		wfpredir_fill_entry(&entry, ct, &origin, rule);
		flow->records = wfpredir_records_append(wn, chain->records,
							chain->flags, &entry,
							GFP_ATOMIC |
							__GFP_ACCOUNT);
		if (IS_ERR(flow->records)) {
			err = PTR_ERR(flow->records);
			flow->records = NULL;
			wfpredir_flow_abandon(&wn->flows, flow);
			return wfpredir_refuse(wn, ct, rule, uid, err);
		}
	}

	range.min_addr = to->addr;
	range.max_addr = to->addr;
	range.min_proto.all = to->port;
	range.max_proto.all = to->port;
	verdict = nf_nat_setup_info(ct, &range, NF_NAT_MANIP_DST);
	if (verdict != NF_ACCEPT) {
		wfpredir_flow_abandon(&wn->flows, flow);
		return verdict;
	}

	err = wfpredir_flowstore_insert(&wn->flows, flow, ct);
	if (err) {
		wfpredir_flow_abandon(&wn->flows, flow);
		return wfpredir_refuse(wn, ct, rule, uid, err);
	}

	wfpredir_notify_flow(state->net, ct, WFPREDIR_FLOW_EVENT_REDIRECT, 0,
			     rule, uid);
	wfpredir_rule_matched(rule);
	atomic64_inc(&rule->service->redirects);
	atomic64_inc(&wn->stats.redirects);
	if (chain->flags & WFPREDIR_RECORD_F_INHERITED)
		atomic64_inc(&wn->stats.inherited);
	return NF_ACCEPT;
}

static void wfpredir_log_capped(const struct wfpredir_flow_key *key,
				unsigned int count)
{
	if (key->family == AF_INET)
		net_info_ratelimited("flow to %pI4:%u has a chain of %u entries, not redirecting it again (a proxy dropping records?)\n",
				     &key->daddr.ip,
				     ntohs(key->dport), count);
	else
		net_info_ratelimited("flow to [%pI6c]:%u has a chain of %u entries, not redirecting it again (a proxy dropping records?)\n",
				     &key->daddr.in6,
				     ntohs(key->dport), count);
}

/*
 * Whether the inherited entry @i closes a run of inherited entries for an
 * owned service. A run is one inheritance: a copy of the chain of a
 * redirected flow, whose last entry is that flow's service, and which the
 * kernel linked only because the sending socket was that service's owner's.
 * That the owner's proxy sent this flow on is then no inference: the
 * service is passed over for good, as a proxy's own entry is. An entry
 * inside a run, or closing a run of an unowned service, stays inference.
 */
static bool wfpredir_entry_owner_linked(struct wfpredir_net *wn,
					const struct wfpredir_records *records,
					unsigned int i)
{
	const struct wfpredir_service *service;
	const struct wfpredir_record_entry *entry;

	if (i + 1 < wfpredir_records_count(records) &&
	    wfpredir_records_entry(records, i + 1)->flags &
	    WFPREDIR_RECORD_F_INHERITED)
		return false;
	entry = wfpredir_records_entry(records, i);
	service = wfpredir_service_lookup(wn, be32_to_cpu(entry->service_id));
	return service && wfpredir_owner_is_set(&service->owner);
}

/*
 * The services a socket's chain excludes: those of its explicit entries, and
 * of inherited entries that an owner's connection made facts.
 */
static unsigned int wfpredir_chain_exclude(struct wfpredir_net *wn,
					   const struct wfpredir_chain *chain,
					   u32 *exclude)
{
	const struct wfpredir_record_entry *entry;
	unsigned int i, n = 0;

	for (i = 0; i < wfpredir_records_count(chain->records); i++) {
		entry = wfpredir_records_entry(chain->records, i);
		if (!(entry->flags & WFPREDIR_RECORD_F_INHERITED) ||
		    wfpredir_entry_owner_linked(wn, chain->records, i))
			exclude[n++] = be32_to_cpu(entry->service_id);
	}
	return n;
}

/*
 * A connection that carries no records: bound it if a proxy opened it
 * (owner.c), find the rule, and only then ask whose flow it continues
 * (inherit.c), which may pass over the rule's service. Returns the rule, or
 * NULL; an ERR_PTR if inheritance ran out of memory.
 */
static const struct wfpredir_rule *
wfpredir_decide_bare(struct wfpredir_net *wn,
		     const struct wfpredir_flow_key *key,
		     struct wfpredir_chain *chain)
{
	const struct wfpredir_rule *rule;
	struct wfpredir_inherited found;
	u64 after = 0;
	int err;

	if (key->sk)
		wfpredir_owner_sk_bound(&wn->services.owners, key->sk, &after);
	rule = wfpredir_ruleset_lookup(wn, key, NULL, 0, after);
	if (!rule || !key->sk || !READ_ONCE(wn->inherit))
		return rule;

	err = wfpredir_inherit_find(wn, key, &found);
	if (err)
		return ERR_PTR(err);
	if (!found.records)
		return rule;
	chain->records = found.records;
	chain->built = found.owned;
	chain->flags = WFPREDIR_RECORD_F_INHERITED;
	chain->self = found.self;
	if (wfpredir_records_count(chain->records) >= READ_ONCE(wn->chain_max))
		return NULL;
	if (found.self && rule->service->id == found.self)
		rule = wfpredir_ruleset_lookup(wn, key, &found.self, 1, after);
	return rule;
}

static unsigned int wfpredir_decide(struct wfpredir_net *wn,
				    struct nf_conn *ct,
				    const struct nf_hook_state *state,
				    const struct wfpredir_flow_key *key,
				    struct wfpredir_chain *chain)
{
	u32 exclude[WFPREDIR_RECORDS_MAX_ENTRIES];
	kuid_t uid = sock_net_uid(state->net, key->sk);
	const struct wfpredir_rule *rule = NULL;
	struct wfpredir_records *records;
	unsigned int n_exclude, count;

	if (!chain->records) {
		rule = wfpredir_decide_bare(wn, key, chain);
		if (IS_ERR(rule))
			return wfpredir_refuse(wn, ct, NULL, uid,
					       PTR_ERR(rule));
	}

	count = chain->records ? wfpredir_records_count(chain->records) : 0;
	if (count >= READ_ONCE(wn->chain_max)) {
		atomic64_inc(&wn->stats.chain_capped);
		wfpredir_log_capped(key, count);
		wfpredir_notify_flow(state->net, ct,
				     WFPREDIR_FLOW_EVENT_SKIPPED,
				     WFPREDIR_FLOW_REASON_CHAIN_CAPPED, NULL,
				     uid);
		rule = NULL;
	} else if (chain->records && !chain->flags) {
		n_exclude = wfpredir_chain_exclude(wn, chain, exclude);
		rule = wfpredir_ruleset_lookup(wn, key, exclude, n_exclude, 0);
	}

	if (rule)
		return wfpredir_redirect(wn, ct, state, key, rule, chain);
	if (!chain->records)
		return NF_ACCEPT;

	/* Not redirected: the connection keeps the chain it was given. */
	records = wfpredir_records_append(wn, chain->records, chain->flags, NULL,
					  GFP_ATOMIC | __GFP_ACCOUNT);
	if (IS_ERR(records))
		return wfpredir_refuse(wn, ct, NULL, uid, PTR_ERR(records));
	return wfpredir_attach(wn, ct, uid, records);
}

static unsigned int wfpredir_nat_fn(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	struct wfpredir_net *wn = wfpredir_net_active(state->net);
	struct wfpredir_chain chain = {};
	struct wfpredir_flow_key key;
	enum ip_conntrack_info ctinfo;
	unsigned int verdict;
	struct nf_conn *ct;
	struct sock *sk;
	u8 protocol;

	ct = nf_ct_get(skb, &ctinfo);
	/* The hook is registered only once the state exists. */
	if (!ct || ctinfo != IP_CT_NEW || unlikely(!wn))
		return NF_ACCEPT;
	protocol = nf_ct_protonum(ct);
	if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP)
		return NF_ACCEPT;
	/*
	 * A new TCP entry that did not start with a SYN is a connection
	 * conntrack picked up mid-stream (nf_conntrack_tcp_loose): one made
	 * while no conntrack user was in the namespace, e.g. across a reload
	 * of this module. It is not a new flow, and a proxy that never saw its
	 * handshake could only reset it.
	 */
	if (protocol == IPPROTO_TCP &&
	    READ_ONCE(ct->proto.tcp.state) != TCP_CONNTRACK_SYN_SENT)
		return NF_ACCEPT;

	sk = skb_to_full_sk(skb);
	if (sk && (!sk_fullsock(sk) || !net_eq(sock_net(sk), state->net)))
		sk = NULL;
	/*
	 * The socket keeps its records until a flow has left with them: this
	 * packet may yet be dropped, and its retransmission must carry them.
	 */
	if (sk)
		chain.records = wfpredir_sockstore_use(&wn->socks, sk, ct);
	if (!chain.records && wfpredir_ruleset_empty(&wn->rules))
		return NF_ACCEPT;

	key.family = nf_ct_l3num(ct);
	key.protocol = protocol;
	key.daddr = ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u3;
	key.dport = ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u.all;
	key.sk = sk;

	verdict = wfpredir_decide(wn, ct, state, &key, &chain);
	if (chain.built)
		wfpredir_records_free(chain.built);
	return verdict;
}

static const struct nf_hook_ops wfpredir_nat_ops[] = {
	{
		.hook = wfpredir_nat_fn,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = WFPREDIR_NAT_PRIORITY,
	}, {
		.hook = wfpredir_nat_fn,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = WFPREDIR_NAT_PRIORITY,
	},
};

/**
 * wfpredir_hook_init - set up a namespace's hook state, not registered
 * @hook: the state
 *
 * Context: process context.
 */
void wfpredir_hook_init(struct wfpredir_hook *hook)
{
	mutex_init(&hook->lock);
	hook->enabled = false;
	hook->settled = false;
}

/**
 * wfpredir_hook_enable - register the hook in a namespace, once
 * @net: the namespace; its state is active (wfpredir_net_activate())
 *
 * Holds conntrack in @net and registers the NAT lookup functions for IPv4
 * and IPv6. Does nothing if they are registered already. Call it before
 * adding what needs the hook (a service or rule, under the config lock) or
 * after (a socket's records), so that the idle check either sees the new
 * object or is followed by this call.
 *
 * Once the hook is registered this takes no lock: every socket given
 * records comes here, and the mutex was most of what a set costs after the
 * record check. That fast path is correct because the idle check
 * (wfpredir_net_idle_work()) clears @settled before it looks at what is
 * left, with a full barrier in between, and this reads @settled after the
 * caller's socket entry is in the store, with a full barrier in between
 * (the store-buffering pattern): either this sees @settled cleared and
 * takes the lock, which the idle check holds until it has decided, or the
 * idle check sees the entry in the store's count and keeps the hook. The
 * entry may have been inserted by an earlier set of the same socket (this
 * one replaced its records); that insert is ordered before this call by the
 * store's lock, and the entry cannot go while the socket holds it and no
 * flow took the records. A service or rule is added after this call under
 * the config lock, which the idle check holds too, so it cannot run in
 * between.
 *
 * Context: process context; may sleep.
 * Return: 0 or a negative errno from conntrack or NAT.
 */
int wfpredir_hook_enable(struct net *net)
{
	struct wfpredir_net *wn = wfpredir_net_active(net);
	struct wfpredir_hook *hook;
	int ret = 0;

	if (WARN_ON_ONCE(!wn))
		return -EINVAL;
	hook = &wn->hook;
	/* Pairs with the barrier in the idle check: see above. */
	smp_mb();
	if (READ_ONCE(hook->settled))
		return 0;
	mutex_lock(&hook->lock);
	/* Under the lock @settled is @enabled: the idle check restores it. */
	if (hook->enabled)
		goto out;
	ret = nf_ct_netns_get(net, NFPROTO_INET);
	if (ret)
		goto out;
	ret = nf_nat_ipv4_register_fn(net, &wfpredir_nat_ops[0]);
	if (ret)
		goto err_ipv4;
	ret = nf_nat_ipv6_register_fn(net, &wfpredir_nat_ops[1]);
	if (ret)
		goto err_ipv6;
	WRITE_ONCE(hook->enabled, true);
	WRITE_ONCE(hook->settled, true);
	goto out;

err_ipv6:
	nf_nat_ipv4_unregister_fn(net, &wfpredir_nat_ops[0]);
err_ipv4:
	nf_ct_netns_put(net, NFPROTO_INET);
out:
	mutex_unlock(&hook->lock);
	return ret;
}

/**
 * wfpredir_hook_unregister - unregister the hook, with its lock held
 * @net: the namespace; its state is active and the hook registered
 *
 * Connections redirected earlier keep their NAT binding. If wfpredir was the
 * namespace's only NAT user, the NAT core unregisters its own hooks with
 * ours, and those connections are no longer translated: they fail, which is
 * what happens to iptables REDIRECT flows when the nat table goes. The idle
 * check calls this only once no flow is left.
 *
 * Context: process context, under &wfpredir_hook.lock. The hook may still
 * run on other CPUs until a grace period has passed; the state it uses
 * lives until the namespace goes.
 */
void wfpredir_hook_unregister(struct net *net)
{
	struct wfpredir_hook *hook = &wfpredir_net_active(net)->hook;

	lockdep_assert_held(&hook->lock);
	nf_nat_ipv6_unregister_fn(net, &wfpredir_nat_ops[1]);
	nf_nat_ipv4_unregister_fn(net, &wfpredir_nat_ops[0]);
	nf_ct_netns_put(net, NFPROTO_INET);
	WRITE_ONCE(hook->settled, false);
	WRITE_ONCE(hook->enabled, false);
}

/**
 * wfpredir_hook_disable - unregister the hook in a namespace, if registered
 * @net: the namespace; its state is active
 *
 * See wfpredir_hook_unregister().
 *
 * Context: process context: namespace pre-exit.
 */
void wfpredir_hook_disable(struct net *net)
{
	struct wfpredir_hook *hook = &wfpredir_net_active(net)->hook;

	mutex_lock(&hook->lock);
	if (hook->enabled)
		wfpredir_hook_unregister(net);
	mutex_unlock(&hook->lock);
}
