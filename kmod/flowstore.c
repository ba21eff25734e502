// SPDX-License-Identifier: GPL-2.0
/*
 * The flow store. A connection that was redirected, or whose socket handed
 * it records, keeps its record chain and redirect context here until its
 * conntrack entry dies.
 *
 * Conntrack has no extension slot a module may add, and its one event
 * notifier per namespace belongs to ctnetlink, so the store is a hash table
 * keyed by the nf_conn pointer. Each flow holds a reference on its conntrack
 * entry: the pointer stays the key of the same connection, and queries and
 * dumps may read its tuples. A delayed work, queued while the store is not
 * empty, releases flows whose entry is dying, or that never got confirmed
 * (the first packet was dropped after the hook). Namespace exit releases the
 * rest; it must, or conntrack's own exit would wait forever for them.
 *
 * The count is reserved before a flow is built (wfpredir_flow_alloc()), so
 * the packet path learns that the table is full before it redirects
 * anything, and can refuse the connection instead of losing its records.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "flowstore.h"
#include "records.h"
#include "ruleset.h"

#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/sock.h>

#define WFPREDIR_FLOW_GC_INTERVAL HZ
/* A connection whose first packet never left in this long never will. */
#define WFPREDIR_FLOW_UNCONFIRMED_TIMEOUT (10 * HZ)

static const struct rhashtable_params wfpredir_flow_params = {
	.head_offset = offsetof(struct wfpredir_flow, node),
	.key_offset = offsetof(struct wfpredir_flow, ct),
	.key_len = sizeof_field(struct wfpredir_flow, ct),
	.automatic_shrinking = true,
};

static const struct rhashtable_params wfpredir_dest_params = {
	.head_offset = offsetof(struct wfpredir_flow, by_dest),
	.key_offset = offsetof(struct wfpredir_flow, dest),
	.key_len = sizeof(struct wfpredir_dest_key),
	.automatic_shrinking = true,
};

/* Nobody can see @flow any more. */
static void wfpredir_flow_free(struct wfpredir_flow *flow)
{
	if (flow->ct)
		nf_ct_put(flow->ct);
	if (flow->records)
		wfpredir_records_free(flow->records);
	kfree(flow);
}

static void wfpredir_flow_free_rcu(struct rcu_head *rcu)
{
	wfpredir_flow_free(container_of(rcu, struct wfpredir_flow, rcu));
}

static void wfpredir_flow_destroy(void *ptr, void *arg)
{
	wfpredir_flow_free(ptr);
}

static void wfpredir_flowstore_collect(struct wfpredir_flowstore *store)
{
	struct rhashtable_iter iter;
	struct wfpredir_flow *flow;

	rhashtable_walk_enter(&store->table, &iter);
	rhashtable_walk_start(&iter);
	while ((flow = rhashtable_walk_next(&iter))) {
		/* -EAGAIN: the table was resized; the walk goes on. */
		if (IS_ERR(flow))
			continue;

		if ((nf_ct_is_dying(flow->ct) ||
		     (!nf_ct_is_confirmed(flow->ct) &&
		      time_after(jiffies, flow->born +
				 WFPREDIR_FLOW_UNCONFIRMED_TIMEOUT))) &&
		    !rhashtable_remove_fast(&store->table, &flow->node,
					    wfpredir_flow_params)) {
			if (flow->in_by_dest)
				rhltable_remove(&store->by_dest, &flow->by_dest,
						wfpredir_dest_params);
			atomic_dec(&store->count);
			call_rcu(&flow->rcu, wfpredir_flow_free_rcu);
		}

		if (need_resched()) {
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

static void wfpredir_flowstore_gc_work(struct work_struct *work)
{
	struct wfpredir_flowstore *store =
		container_of(to_delayed_work(work), struct wfpredir_flowstore,
			     gc);

	wfpredir_flowstore_collect(store);
	if (wfpredir_flowstore_count(store))
		queue_delayed_work(system_power_efficient_wq, &store->gc,
				   WFPREDIR_FLOW_GC_INTERVAL);
}

/**
 * wfpredir_flowstore_init - set up an empty store
 * @store: the store
 * @max: most flows it may hold
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int wfpredir_flowstore_init(struct wfpredir_flowstore *store, unsigned int max)
{
	int ret;

	atomic_set(&store->count, 0);
	store->max = max;
	INIT_DELAYED_WORK(&store->gc, wfpredir_flowstore_gc_work);
	ret = rhltable_init(&store->by_dest, &wfpredir_dest_params);
	if (ret)
		return ret;
	ret = rhashtable_init(&store->table, &wfpredir_flow_params);
	if (ret)
		rhltable_destroy(&store->by_dest);
	return ret;
}

/**
 * wfpredir_flowstore_destroy - release every flow and tear the store down
 * @store: the store
 *
 * Drops the reference on every conntrack entry still in the store. The
 * caller guarantees that nothing uses @store any more: the hook is
 * unregistered and a grace period has passed, and no socket option call can
 * reach the namespace (it is being dismantled, or the module is going away
 * with its socket options unregistered).
 *
 * Context: process context.
 */
void wfpredir_flowstore_destroy(struct wfpredir_flowstore *store)
{
	cancel_delayed_work_sync(&store->gc);
	/* Frees the index only; the flows go with the table. */
	rhltable_destroy(&store->by_dest);
	rhashtable_free_and_destroy(&store->table, wfpredir_flow_destroy, NULL);
	atomic_set(&store->count, 0);
}

/**
 * wfpredir_flow_alloc - reserve a place in the store and allocate a flow
 * @store: the store
 * @context_len: room for the context, at most U16_MAX
 * @gfp: allocation flags (the packet path: GFP_ATOMIC | __GFP_ACCOUNT)
 *
 * The flow is zeroed but for @context_len. Hand it to
 * wfpredir_flowstore_insert(), or give it back with wfpredir_flow_abandon().
 *
 * Context: any but hard IRQ.
 * Return: the flow; ERR_PTR(-ENOSPC) if the store is full; ERR_PTR(-ENOMEM).
 */
struct wfpredir_flow *wfpredir_flow_alloc(struct wfpredir_flowstore *store,
					  size_t context_len, gfp_t gfp)
{
	struct wfpredir_flow *flow;

	if (WARN_ON_ONCE(context_len > U16_MAX))
		return ERR_PTR(-EINVAL);
	if (atomic_inc_return(&store->count) > store->max) {
		atomic_dec(&store->count);
		return ERR_PTR(-ENOSPC);
	}
	flow = kzalloc(struct_size(flow, context, context_len), gfp);
	if (!flow) {
		atomic_dec(&store->count);
		return ERR_PTR(-ENOMEM);
	}
	flow->context_len = context_len;
	return flow;
}

/**
 * wfpredir_flow_abandon - free a flow that was never stored
 * @store: the store it was allocated from
 * @flow: the flow; its records, if set, are freed with it
 *
 * Context: any but hard IRQ.
 */
void wfpredir_flow_abandon(struct wfpredir_flowstore *store,
			   struct wfpredir_flow *flow)
{
	atomic_dec(&store->count);
	wfpredir_flow_free(flow);
}

/**
 * wfpredir_flowstore_insert - store a flow for a connection
 * @store: the store of the connection's namespace
 * @flow: from wfpredir_flow_alloc(), with records and context filled in
 * @ct: the connection; the flow takes a reference on it
 *
 * Context: any but hard IRQ; from the packet path, under rcu_read_lock().
 * Return: 0, and @flow belongs to the store; -EEXIST if @ct already has a
 * flow, or -ENOMEM, and @flow is still the caller's.
 */
int wfpredir_flowstore_insert(struct wfpredir_flowstore *store,
			      struct wfpredir_flow *flow, struct nf_conn *ct)
{
	struct wfpredir_flow *old;

	flow->ct = ct;
	flow->born = jiffies;
	nf_conntrack_get(&ct->ct_general);
	old = rhashtable_lookup_get_insert_fast(&store->table, &flow->node,
						wfpredir_flow_params);
	if (old) {
		flow->ct = NULL;
		nf_ct_put(ct);
		return IS_ERR(old) ? -ENOMEM : -EEXIST;
	}
	if (!delayed_work_pending(&store->gc))
		queue_delayed_work(system_power_efficient_wq, &store->gc,
				   WFPREDIR_FLOW_GC_INTERVAL);
	return 0;
}

/**
 * wfpredir_flowstore_lookup - the flow of a connection
 * @store: the store of the connection's namespace
 * @ct: the connection
 *
 * The flow is not to be changed but through wfpredir_flow_claim().
 *
 * Context: RCU read side; the flow stays valid until rcu_read_unlock().
 * Return: the flow, or NULL if the connection holds no records.
 */
struct wfpredir_flow *
wfpredir_flowstore_lookup(struct wfpredir_flowstore *store,
			  const struct nf_conn *ct)
{
	return rhashtable_lookup(&store->table, &ct, wfpredir_flow_params);
}

/**
 * wfpredir_flow_claim - claim a flow's first datagram
 * @flow: a flow from wfpredir_flowstore_lookup()
 *
 * The one bit of a stored flow that changes: whoever claims it first
 * reports the flow's records with its first datagram (WSARecvMsg()).
 *
 * Context: RCU read side, as for the lookup.
 * Return: true for the first call on @flow, false for every later one.
 */
bool wfpredir_flow_claim(struct wfpredir_flow *flow)
{
	return !test_and_set_bit(0, &flow->claimed);
}

/**
 * wfpredir_flow_is_claimed - whether wfpredir_flow_claim() was called
 * @flow: a flow from wfpredir_flowstore_lookup()
 *
 * Context: RCU read side; the answer may be stale.
 * Return: true once the flow has been claimed.
 */
bool wfpredir_flow_is_claimed(const struct wfpredir_flow *flow)
{
	return test_bit(0, &flow->claimed);
}

/**
 * wfpredir_flowstore_walk_enter - start walking the store (see flowstore.h)
 * @store: the store
 * @iter: the walk; end it with rhashtable_walk_exit()
 *
 * Context: process context.
 */
void wfpredir_flowstore_walk_enter(struct wfpredir_flowstore *store,
				   struct rhashtable_iter *iter)
{
	rhashtable_walk_enter(&store->table, iter);
}

/**
 * wfpredir_flowstore_index_dest - index a redirected flow by destination
 * @store: the store that holds @flow
 * @flow: a flow just inserted, redirected
 *
 * Inheritance (inherit.c) finds a proxy's flow by the original destination
 * its onward connection goes to. The index is a hint: a flow it could not
 * take (no memory to grow it) is simply not found there.
 *
 * Context: the packet path, RCU read side.
 */
void wfpredir_flowstore_index_dest(struct wfpredir_flowstore *store,
				   struct wfpredir_flow *flow)
{
	const struct nf_conntrack_tuple *t =
		&flow->ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;

	memset(&flow->dest, 0, sizeof(flow->dest));
	flow->dest.addr = t->dst.u3;
	flow->dest.port = t->dst.u.all;
	flow->dest.family = nf_ct_l3num(flow->ct);
	flow->dest.protocol = nf_ct_protonum(flow->ct);
	flow->in_by_dest = !rhltable_insert(&store->by_dest, &flow->by_dest,
					    wfpredir_dest_params);
}

/**
 * wfpredir_flowstore_dest_list - the flows to a destination
 * @store: the store
 * @fkey: the destination: family, protocol, address and port
 *
 * Context: RCU read side.
 * Return: the list, newest flow first, for rhl_for_each_entry_rcu(); NULL
 * if empty.
 */
struct rhlist_head *
wfpredir_flowstore_dest_list(struct wfpredir_flowstore *store,
			     const struct wfpredir_flow_key *fkey)
{
	struct wfpredir_dest_key key;

	memset(&key, 0, sizeof(key));
	key.addr = fkey->daddr;
	key.port = fkey->dport;
	key.family = fkey->family;
	key.protocol = fkey->protocol;
	return rhltable_lookup(&store->by_dest, &key, wfpredir_dest_params);
}

/**
 * wfpredir_sk_tuple - a connected socket's conntrack tuple
 * @sk: a TCP or UDP socket with a peer
 * @tuple: filled with the socket's local address as source and its peer as
 *	destination, as SO_ORIGINAL_DST builds it: for a proxy's accepted
 *	socket the reply direction of the redirected connection, for the
 *	socket that opened a connection its original direction. An IPv6
 *	socket carrying a v4-mapped flow gives an IPv4 tuple.
 *
 * Context: any. The caller holds the socket lock, or accepts an answer
 * about a socket that is changing under it.
 */
void wfpredir_sk_tuple(const struct sock *sk, struct nf_conntrack_tuple *tuple)
{
	const struct inet_sock *inet = inet_sk(sk);

	memset(tuple, 0, sizeof(*tuple));
	tuple->dst.protonum = sk->sk_protocol;
	tuple->src.u.all = READ_ONCE(inet->inet_sport);
	tuple->dst.u.all = READ_ONCE(inet->inet_dport);
	if (sk->sk_family == AF_INET ||
	    ipv6_addr_v4mapped(&sk->sk_v6_daddr)) {
		tuple->src.l3num = AF_INET;
		tuple->src.u3.ip = READ_ONCE(inet->inet_rcv_saddr);
		tuple->dst.u3.ip = READ_ONCE(inet->inet_daddr);
	} else {
		tuple->src.l3num = AF_INET6;
		tuple->src.u3.in6 = sk->sk_v6_rcv_saddr;
		tuple->dst.u3.in6 = sk->sk_v6_daddr;
	}
}

/**
 * wfpredir_tuple_conntrack - the conntrack entry of a tuple
 * @net: the namespace
 * @tuple: the tuple, either direction
 *
 * The default zone only, as SO_ORIGINAL_DST.
 *
 * Context: process or softirq context.
 * Return: the entry, with a reference the caller drops with nf_ct_put(); or
 * NULL.
 */
struct nf_conn *wfpredir_tuple_conntrack(struct net *net,
					 const struct nf_conntrack_tuple *tuple)
{
	const struct nf_conntrack_tuple_hash *h;

	h = nf_conntrack_find_get(net, &nf_ct_zone_dflt, tuple);
	return h ? nf_ct_tuplehash_to_ctrack(h) : NULL;
}

/**
 * wfpredir_sk_conntrack - the conntrack entry of a connected socket's flow
 * @sk: a TCP or UDP socket with a peer
 *
 * Context: process or softirq context; as for wfpredir_sk_tuple().
 * Return: the entry, with a reference the caller drops with nf_ct_put(); or
 * NULL.
 */
struct nf_conn *wfpredir_sk_conntrack(const struct sock *sk)
{
	struct nf_conntrack_tuple tuple;

	wfpredir_sk_tuple(sk, &tuple);
	return wfpredir_tuple_conntrack(sock_net(sk), &tuple);
}
