/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flow store: connections (conntrack entries) that hold records, and
 * the context of those that were redirected.
 */
#ifndef _WFPREDIR_FLOWSTORE_H
#define _WFPREDIR_FLOWSTORE_H

#include "uapi/linux/wfpredir.h"

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/netfilter.h>
#include <linux/rhashtable.h>
#include <linux/spinlock_types.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/workqueue.h>

struct net;
struct nf_conn;
struct nf_conntrack_tuple;
struct sock;
struct rhashtable_iter;
struct wfpredir_flow_key;
struct wfpredir_net;
struct wfpredir_records;

/**
 * struct wfpredir_flow_owner - the flows one uid holds in a store
 * @node: in &wfpredir_flowstore.owners
 * @uid: the uid, the key
 * @count: flows charged to it, reserved ones included; under the store lock
 * @rcu: frees the owner after lockless lookups are done
 */
struct wfpredir_flow_owner {
	struct rhash_head node;
	kuid_t uid;
	unsigned int count;
	struct rcu_head rcu;
};

/**
 * struct wfpredir_flow_own - the chain of a first redirect, kept as parts
 * @flow_id: the flow id it was issued under
 * @timestamp_ns: its entry's timestamp, CLOCK_REALTIME
 * @tag: its tag, under the namespace's key
 *
 * A flow redirected for the first time carries a one-entry chain, a 104-byte
 * blob whose other bytes its flow already knows (the service and rule, the
 * process in &wfpredir_flow.origin, the entry's flags, the conntrack entry's
 * original tuple): wfpredir_flow_records_copy() writes the blob out again.
 */
struct wfpredir_flow_own {
	u64 flow_id;
	u64 timestamp_ns;
	u8 tag[WFPREDIR_RECORDS_TAG_LEN];
};

/*
 * How many flows the index keeps for one destination hash. Inheritance
 * reads the newest WFPREDIR_INHERIT_CANDIDATES (8) of them, and
 * rhltable_remove() walks a destination's list to find the flow it takes
 * out: unbounded, the list made every release of a flow to a busy
 * destination cost as many steps as there were live flows to it, under the
 * store lock (50 000 connections to one address took minutes to tear down
 * in the test VM). Twice what inheritance reads leaves room for the newest
 * flows closing before older ones.
 */
#define WFPREDIR_DEST_LIST_MAX 16

/**
 * struct wfpredir_flow - one connection's records and context
 * @node: in &wfpredir_flowstore.table
 * @by_dest: in &wfpredir_flowstore.by_dest, when @in_by_dest
 * @lru: in &wfpredir_flowstore.age, or a local list of flows to free,
 *	while it is not being freed; under the store lock, or the local
 *	list's owner's
 * @rcu: frees the flow after readers are done; takes @lru's place, which
 *	nothing touches once the flow is on its way out (readers never do)
 * @ct: the connection; the flow holds a reference on it
 * @records: the connection's record chain, owned; NULL when @own_chain
 * @owner: the uid it is charged to; NULL once the flow left the store
 * @born: jiffies when the flow was stored
 * @service_id: the service it was redirected to; 0 if it was not
 * @rule_id: the rule that redirected it; 0 if it was not
 * @claimed: set to 1 by the first wfpredir_flow_claim()
 * @dest_hash: its key in the by-destination index, a hash of its original
 *	destination (wfpredir_flowstore_dest_list()): rhltable_insert() takes
 *	the key at key_offset in the object, and four bytes of hash cost less
 *	than the 20 of the destination. Destinations whose hashes collide
 *	share a list: a reader checks wfpredir_flow_goes_to()
 * @context_len: length of the redirect context a reader gets; 0 if there is
 *	none (the flow was not redirected)
 * @custom_context: the context is the rule's custom bytes, kept in
 *	@context, not the default context (whose identities a reader sees in
 *	its own namespaces)
 * @in_by_dest: the flow is in the by-destination index (redirected flows,
 *	the newest few of each destination: wfpredir_flowstore_index_dest())
 * @own_chain: the chain is the flow's own first redirect, kept in @own
 *	(with the default context only), not in @records
 * @own_flags: with @own_chain, the flags of its entry
 * @origin: for the default context, what the conntrack entry cannot tell:
 *	the process that opened the connection, as the context (and the entry
 *	of @own) reports it
 * @own: with @own_chain, the rest of the chain's bytes
 * @context: a custom context's bytes, @context_len of them, in place of
 *	@origin, which such a flow does not use
 *
 * The default context is not stored: wfpredir_flow_context_copy() builds
 * it from the conntrack entry's original tuple and @origin. A flow is
 * allocated only as far as it is used (WFPREDIR_FLOW_SIZE_*): one without
 * context ends before @origin, one with the default context and a chain in
 * @records after @origin, and one with a custom context after its bytes.
 *
 * Immutable once stored, but for @claimed and @lru.
 */
struct wfpredir_flow {
	struct rhash_head node;
	struct rhlist_head by_dest;
	union {
		struct list_head lru;
		struct rcu_head rcu;
	};
	struct nf_conn *ct;
	struct wfpredir_records *records;
	struct wfpredir_flow_owner *owner;
	unsigned long born;
	u32 service_id;
	u32 rule_id;
	u32 claimed;
	u32 dest_hash;
	u16 context_len;
	bool custom_context;
	bool in_by_dest;
	bool own_chain;
	u8 own_flags;
	union {
		struct {
			struct wfpredir_context_process origin;
			struct wfpredir_flow_own own;
		};
		DECLARE_FLEX_ARRAY(u8, context);
	};
};

/*
 * What wfpredir_flow_alloc() allocates, by what the flow holds; checked at
 * build time against the slab caches they are meant for on 64-bit machines.
 * A flow not redirected (a chain a socket handed on): kmalloc-cg-96.
 */
#define WFPREDIR_FLOW_SIZE_BARE	offsetof(struct wfpredir_flow, origin)
/* Redirected, the default context, a chain in a blob: kmalloc-cg-128. */
#define WFPREDIR_FLOW_SIZE_DEFAULT offsetof(struct wfpredir_flow, own)
/* Redirected for the first time, the default context: kmalloc-cg-192. */
#define WFPREDIR_FLOW_SIZE_OWN	sizeof(struct wfpredir_flow)
/* Redirected, a rule's @len bytes of custom context, a chain in a blob. */
#define WFPREDIR_FLOW_SIZE_CUSTOM(len)					\
	(offsetof(struct wfpredir_flow, context) + (len))

/* Default of WFPREDIR_A_CONFIG_FLOW_SHARE, percent: see flowstore.c. */
#define WFPREDIR_FLOW_SHARE_DEFAULT 50

/**
 * struct wfpredir_flowstore - the flows of one namespace
 * @table: flows keyed by conntrack pointer
 * @by_dest: redirected flows by a hash of their original destination,
 *	newest first
 * @owners: &wfpredir_flow_owner keyed by uid
 * @dest_seed: seeds the hash of destinations in @by_dest, so that nobody
 *	can pick destinations whose flows share a list
 * @lock: serialises changes to @table, @by_dest, @owners, @age and the
 *	owners' counts; taken with BHs off (the packet path stores flows)
 * @age: every stored flow, oldest first, but that flows found assured when
 *	making room go back to the tail: where a full table looks for flows
 *	to release or evict
 * @count: flows stored or reserved
 * @max: most flows allowed
 * @share: most flows one uid may hold, in percent of @max
 * @evicted: live flows evicted to make room, their connection killed
 *	(WFPREDIR_A_STATS_EVICTED)
 * @gc: releases flows whose connection is gone or closed; queued while
 *	@count > 0
 * @drained: called by @gc when it leaves the store empty; may be NULL
 */
struct wfpredir_flowstore {
	struct rhashtable table;
	struct rhltable by_dest;
	struct rhashtable owners;
	u32 dest_seed;
	spinlock_t lock;	/* serialises changes; see above */
	struct list_head age;
	atomic_t count;
	unsigned int max;
	unsigned int share;
	atomic64_t evicted;
	struct delayed_work gc;
	void (*drained)(struct wfpredir_flowstore *store);
};

int wfpredir_flowstore_init(struct wfpredir_flowstore *store, unsigned int max);
void wfpredir_flowstore_destroy(struct wfpredir_flowstore *store);
void wfpredir_flowstore_set_share(struct wfpredir_flowstore *store,
				  unsigned int share);

struct wfpredir_flow *wfpredir_flow_alloc(struct wfpredir_flowstore *store,
					  kuid_t uid, size_t size, gfp_t gfp);
void wfpredir_flow_abandon(struct wfpredir_flowstore *store,
			   struct wfpredir_flow *flow);
int wfpredir_flowstore_insert(struct wfpredir_flowstore *store,
			      struct wfpredir_flow *flow, struct nf_conn *ct);
struct wfpredir_flow *
wfpredir_flowstore_lookup(struct wfpredir_flowstore *store,
			  const struct nf_conn *ct);

struct rhlist_head *
wfpredir_flowstore_dest_list(struct wfpredir_flowstore *store,
			     const struct wfpredir_flow_key *key);

/*
 * RCU read side: the flows to @key's destination, newest first, and those
 * to other destinations whose hash is the same: check each with
 * wfpredir_flow_goes_to().
 */
#define wfpredir_flowstore_for_dest(store, key, flow, pos)		\
	rhl_for_each_entry_rcu(flow, pos,				\
			       wfpredir_flowstore_dest_list(store, key), by_dest)

bool wfpredir_flow_claim(struct wfpredir_flow *flow);
bool wfpredir_flow_is_claimed(const struct wfpredir_flow *flow);
bool wfpredir_flow_goes_to(const struct wfpredir_flow *flow,
			   const struct wfpredir_flow_key *key);
void wfpredir_flow_context_copy(const struct wfpredir_flow *flow, void *buf);
void wfpredir_flow_set_own(struct wfpredir_net *wn, struct wfpredir_flow *flow,
			   const struct nf_conn *ct, u8 flags);
u32 wfpredir_flow_records_len(const struct wfpredir_flow *flow);
void wfpredir_flow_records_copy(const struct wfpredir_flow *flow, void *buf);
struct wfpredir_records *
wfpredir_flow_records_dup(const struct wfpredir_flow *flow, gfp_t gfp);
u64 wfpredir_flow_chain_id(const struct wfpredir_flow *flow);
unsigned int wfpredir_flow_chain_count(const struct wfpredir_flow *flow);
void wfpredir_record_entry_tuple(struct wfpredir_record_entry *entry,
				 const struct nf_conn *ct);

void wfpredir_sk_tuple(const struct sock *sk, struct nf_conntrack_tuple *tuple);
struct nf_conn *wfpredir_tuple_conntrack(struct net *net,
					 const struct nf_conntrack_tuple *tuple);
struct nf_conn *wfpredir_sk_conntrack(const struct sock *sk);

/**
 * wfpredir_flowstore_count - how many connections hold records
 * @store: the store
 *
 * Context: any; the answer may be stale.
 */
static inline unsigned int
wfpredir_flowstore_count(const struct wfpredir_flowstore *store)
{
	return atomic_read(&store->count);
}

/*
 * Walking the store for a dump: between _walk_enter() and _walk_exit(), any
 * number of rounds of rhashtable_walk_start(), rhashtable_walk_peek() /
 * rhashtable_walk_next() (they return struct wfpredir_flow *, or
 * ERR_PTR(-EAGAIN) after a resize: go on) and rhashtable_walk_stop(). A
 * flow is good until rhashtable_walk_stop().
 */
void wfpredir_flowstore_walk_enter(struct wfpredir_flowstore *store,
				   struct rhashtable_iter *iter);

#endif /* _WFPREDIR_FLOWSTORE_H */
