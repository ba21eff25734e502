// SPDX-License-Identifier: GPL-2.0
/*
 * The flow store. A connection that was redirected, or whose socket handed
 * it records, keeps its record chain and redirect context here until its
 * conntrack entry dies, or until no socket can ask for them any more.
 *
 * Conntrack has no extension slot a module may add, and its one event
 * notifier per namespace belongs to ctnetlink, so the store is a hash table
 * keyed by the nf_conn pointer. Each flow holds a reference on its conntrack
 * entry: the pointer stays the key of the same connection, and queries and
 * dumps may read its tuples. A delayed work, queued while the store is not
 * empty, releases once a second the flows whose entry is dying; whose entry
 * was never confirmed and is referenced by nobody else (the first packet
 * was dropped after the hook, or lost a clash: a ghost, dead to the world
 * but for our reference); and TCP flows in TIME_WAIT or CLOSE, which no
 * socket can query any more: their memory is back within a second, their
 * place at once when it is needed (below). Namespace exit releases the
 * rest; it must, or conntrack's own exit would wait forever for them.
 *
 * A flow lives as long as a socket can query it: until its TCP connection
 * has closed at both ends (conntrack in TIME_WAIT after the last ACK, or
 * CLOSE after a reset), or its conntrack entry goes. A closed connection's
 * accepted socket may still be open, but what it would learn concerns a
 * connection that is over, and a proxy asks right after accept(): it then
 * gets ENOENT, as for a connection that carries no records (Windows lists
 * WSAENOTCONN among these queries' errors, and documents nothing about a
 * closed connection). A half-closed connection keeps its flow. UDP has no
 * close that conntrack sees: a UDP flow lives as its entry does.
 *
 * The count is reserved before a flow is built (wfpredir_flow_alloc()), so
 * the packet path learns that the table is full before it redirects
 * anything. The GC runs once a second, and connections close faster than
 * that: a full table (or a uid at its share) first makes room. Every flow
 * is on one list in insertion order, and at most WFPREDIR_FLOW_EVICT_PROBES
 * of them are looked at from its head per insert. Those that no socket can
 * query any more are released at once: sequential short connections each
 * find the place of one that closed before, however fast they come, and
 * the refusals of a table filled with TIME_WAIT entries are gone. A table
 * with room looks at WFPREDIR_FLOW_REAP_PROBES flows per insert, so that
 * under load the memory of closed connections goes as fast as new ones
 * come, without waiting for the GC; the cost is that of the insert. Assured
 * live flows met on the way go back to the tail (a second chance, as in
 * CLOCK), so the head keeps moving to flows not looked at for longest.
 * Only if no dead flow was met, a full table evicts, as conntrack's
 * early_drop does: the oldest flow met whose entry is confirmed but not
 * assured goes, with its conntrack entry (nf_ct_kill()), so that no
 * redirected connection is left without its records; and a live flow is
 * evicted only for a uid that holds no more flows than the flow's own uid.
 * Only when none of those can go is the connection refused. And no uid may
 * hold more than @share percent of the table: one local user flooding new
 * flows (unreplied UDP lives 30 s, SYN_SENT 120 s) fills its share and is
 * refused, while everyone else's connections still find room, by eviction
 * if need be; its own closed connections make room in its share as they
 * do in the table.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "flowstore.h"
#include "records.h"
#include "ruleset.h"

#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/math.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/sock.h>

#define WFPREDIR_FLOW_GC_INTERVAL HZ
/*
 * A connection whose first packet is still held by someone (a queue) and
 * not confirmed after this long is given up.
 */
#define WFPREDIR_FLOW_UNCONFIRMED_TIMEOUT (10 * HZ)
/* Flows looked at per insert into a full table. */
#define WFPREDIR_FLOW_EVICT_PROBES 16
/*
 * Flows looked at per insert into a table with room: more than the one a
 * flow adds, so that under a sustained rate of short connections the
 * closed ones are freed as fast as new ones come, not once a second.
 */
#define WFPREDIR_FLOW_REAP_PROBES 2

static const struct rhashtable_params wfpredir_flow_params = {
	.head_offset = offsetof(struct wfpredir_flow, node),
	.key_offset = offsetof(struct wfpredir_flow, ct),
	.key_len = sizeof_field(struct wfpredir_flow, ct),
	.automatic_shrinking = true,
};

static const struct rhashtable_params wfpredir_dest_params = {
	.head_offset = offsetof(struct wfpredir_flow, by_dest),
	.key_offset = offsetof(struct wfpredir_flow, dest_hash),
	.key_len = sizeof_field(struct wfpredir_flow, dest_hash),
	.automatic_shrinking = true,
};

/*
 * The slab caches (kmalloc-cg-N) each kind of flow is meant for on 64-bit
 * machines: a redirected flow with the default context and a chain in a
 * blob takes 128 bytes (and the blob 128 more); a first redirect, whose
 * chain it keeps as parts, 192 and no blob.
 */
static_assert(WFPREDIR_FLOW_SIZE_BARE <= 96);
static_assert(WFPREDIR_FLOW_SIZE_DEFAULT <= 128);
static_assert(WFPREDIR_FLOW_SIZE_OWN <= 192);

static const struct rhashtable_params wfpredir_owner_params = {
	.head_offset = offsetof(struct wfpredir_flow_owner, node),
	.key_offset = offsetof(struct wfpredir_flow_owner, uid),
	.key_len = sizeof_field(struct wfpredir_flow_owner, uid),
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

static void wfpredir_owner_destroy(void *ptr, void *arg)
{
	kfree(ptr);
}

/* @owner holds no flow any more: it goes. */
static void wfpredir_owner_release(struct wfpredir_flowstore *store,
				   struct wfpredir_flow_owner *owner)
{
	lockdep_assert_held(&store->lock);

	rhashtable_remove_fast(&store->owners, &owner->node,
			       wfpredir_owner_params);
	kfree_rcu(owner, rcu);
}

/* Give back the place of a flow charged to @owner. */
static void wfpredir_flowstore_uncharge(struct wfpredir_flowstore *store,
					struct wfpredir_flow_owner *owner)
{
	lockdep_assert_held(&store->lock);

	atomic_dec(&store->count);
	if (!--owner->count)
		wfpredir_owner_release(store, owner);
}

/* Take a stored flow out; free it with call_rcu() after the unlock. */
static void wfpredir_flow_unlink(struct wfpredir_flowstore *store,
				 struct wfpredir_flow *flow)
{
	lockdep_assert_held(&store->lock);

	WARN_ON_ONCE(rhashtable_remove_fast(&store->table, &flow->node,
					    wfpredir_flow_params));
	if (flow->in_by_dest)
		rhltable_remove(&store->by_dest, &flow->by_dest,
				wfpredir_dest_params);
	list_del_init(&flow->lru);
	wfpredir_flowstore_uncharge(store, flow->owner);
}

/* A TCP connection both of whose ends have closed: no socket can query it. */
static bool wfpredir_ct_closed(const struct nf_conn *ct)
{
	u8 state;

	if (nf_ct_protonum(ct) != IPPROTO_TCP)
		return false;
	state = READ_ONCE(ct->proto.tcp.state);
	return state == TCP_CONNTRACK_TIME_WAIT || state == TCP_CONNTRACK_CLOSE;
}

/*
 * Never confirmed, and nobody but the flow holds the entry: its packet was
 * dropped, or lost a clash. No packet carries it any more, so nothing can
 * confirm it or find it again.
 */
static bool wfpredir_ct_ghost(const struct nf_conn *ct)
{
	return !nf_ct_is_confirmed(ct) &&
	       refcount_read(&ct->ct_general.use) == 1;
}

/*
 * No socket can query @flow any more, nor ever will: its connection is gone
 * from conntrack, or has closed, or never left (a ghost). Releasing it costs
 * nobody anything.
 */
static bool wfpredir_flow_dead(const struct wfpredir_flow *flow)
{
	const struct nf_conn *ct = flow->ct;

	return nf_ct_is_dying(ct) || wfpredir_ct_closed(ct) ||
	       (!nf_ct_is_confirmed(ct) && wfpredir_ct_ghost(ct));
}

/* Whether the GC releases @flow now. */
static bool wfpredir_flow_stale(const struct wfpredir_flow *flow)
{
	if (wfpredir_flow_dead(flow))
		return true;
	return !nf_ct_is_confirmed(flow->ct) &&
	       time_after(jiffies,
			  flow->born + WFPREDIR_FLOW_UNCONFIRMED_TIMEOUT);
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

		if (wfpredir_flow_stale(flow)) {
			spin_lock_bh(&store->lock);
			/* The walk may meet a flow twice, or after eviction. */
			if (flow->owner) {
				wfpredir_flow_unlink(store, flow);
				flow->owner = NULL;
				call_rcu(&flow->rcu, wfpredir_flow_free_rcu);
			}
			spin_unlock_bh(&store->lock);
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
	else if (store->drained)
		store->drained(store);
}

/**
 * wfpredir_flowstore_init - set up an empty store
 * @store: the store
 * @max: most flows it may hold
 *
 * One uid may hold WFPREDIR_FLOW_SHARE_DEFAULT percent of @max; change it
 * with wfpredir_flowstore_set_share(). Set @store->drained after this, if
 * needed.
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int wfpredir_flowstore_init(struct wfpredir_flowstore *store, unsigned int max)
{
	int ret;

	spin_lock_init(&store->lock);
	INIT_LIST_HEAD(&store->age);
	atomic_set(&store->count, 0);
	store->max = max;
	store->share = WFPREDIR_FLOW_SHARE_DEFAULT;
	atomic64_set(&store->evicted, 0);
	store->drained = NULL;
	store->dest_seed = get_random_u32();
	INIT_DELAYED_WORK(&store->gc, wfpredir_flowstore_gc_work);
	ret = rhashtable_init(&store->table, &wfpredir_flow_params);
	if (ret)
		return ret;
	ret = rhltable_init(&store->by_dest, &wfpredir_dest_params);
	if (ret)
		goto err_table;
	ret = rhashtable_init(&store->owners, &wfpredir_owner_params);
	if (ret)
		goto err_by_dest;
	return 0;

err_by_dest:
	rhltable_destroy(&store->by_dest);
err_table:
	rhashtable_destroy(&store->table);
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
	rhashtable_free_and_destroy(&store->owners, wfpredir_owner_destroy,
				    NULL);
	INIT_LIST_HEAD(&store->age);
	atomic_set(&store->count, 0);
}

/**
 * wfpredir_flowstore_set_share - how much of the table one uid may hold
 * @store: the store
 * @share: percent of the table's size, 1..100
 *
 * Applies to flows stored from now on; a uid holding more keeps what it
 * has, and is refused until it is below.
 *
 * Context: any.
 */
void wfpredir_flowstore_set_share(struct wfpredir_flowstore *store,
				  unsigned int share)
{
	WRITE_ONCE(store->share, clamp(share, 1U, 100U));
}

/* The most flows one uid may hold; at least one. */
static unsigned int wfpredir_owner_max(const struct wfpredir_flowstore *store)
{
	u64 n = (u64)store->max * READ_ONCE(store->share);

	return max_t(u64, div_u64(n, 100), 1);
}

/*
 * Whether @owner (NULL: a uid holding none) holds its share of the store. A
 * share of 100 % is no share: a full table is then just full.
 */
static bool wfpredir_owner_full(const struct wfpredir_flowstore *store,
				const struct wfpredir_flow_owner *owner)
{
	return owner && READ_ONCE(store->share) < 100 &&
	       owner->count >= wfpredir_owner_max(store);
}

/*
 * Whether a new flow of @owner finds no place without making room first:
 * the table is full, or @owner holds its share.
 */
static bool wfpredir_flowstore_tight(const struct wfpredir_flowstore *store,
				     const struct wfpredir_flow_owner *owner)
{
	lockdep_assert_held(&store->lock);

	return wfpredir_owner_full(store, owner) ||
	       atomic_read(&store->count) >= store->max;
}

/*
 * Make room for a new flow of @uid, which holds @mine flows: look at the
 * oldest flows, at most @probes of them.
 *  - A dead flow (its connection closed, or gone from conntrack, or a
 *    ghost) is taken out of the store onto @dead, for the caller to free
 *    after the unlock: nobody can query it, so nobody loses anything.
 *  - A live assured flow moves to the tail of the age list: it is looked
 *    at again only after every other flow (a second chance, as in CLOCK),
 *    so probes meet the flows of connections that closed since.
 *  - Of the live flows confirmed but not assured, the first that may go for
 *    @uid is returned, left in place: conntrack's early_drop victim, to be
 *    killed only if no dead flow made room. A live flow may go only for a
 *    uid that holds no more flows than its own: a uid filling the table
 *    evicts its own flows, never those of the users it crowds out, however
 *    fast it cycles through the table.
 *  - Unconfirmed entries are left alone: killing one would drop the
 *    reference of the packet that carries it.
 * Return: the early_drop victim, or NULL.
 */
static struct wfpredir_flow *
wfpredir_flowstore_scan(struct wfpredir_flowstore *store, kuid_t uid,
			unsigned int mine, unsigned int probes,
			struct list_head *dead)
{
	struct wfpredir_flow *flow, *tmp, *victim = NULL;
	struct nf_conn *ct;
	LIST_HEAD(assured);

	lockdep_assert_held(&store->lock);

	list_for_each_entry_safe(flow, tmp, &store->age, lru) {
		if (!probes--)
			break;
		ct = flow->ct;
		if (wfpredir_flow_dead(flow)) {
			wfpredir_flow_unlink(store, flow);
			flow->owner = NULL;
			list_add_tail(&flow->lru, dead);
		} else if (!nf_ct_is_confirmed(ct)) {
			continue;
		} else if (test_bit(IPS_ASSURED_BIT, &ct->status)) {
			list_move_tail(&flow->lru, &assured);
		} else if (!victim && (uid_eq(flow->owner->uid, uid) ||
				       flow->owner->count >= mine)) {
			victim = flow;
		}
	}
	list_splice_tail(&assured, &store->age);
	return victim;
}

/**
 * wfpredir_flow_alloc - reserve a place in the store and allocate a flow
 * @store: the store
 * @uid: who the flow is charged to: the uid of the socket that opened the
 *	connection (the namespace's root for a connection without one)
 * @size: WFPREDIR_FLOW_SIZE_BARE, _DEFAULT, _OWN or _CUSTOM(), by what the
 *	flow is to hold (flowstore.h)
 * @gfp: allocation flags (the packet path: GFP_ATOMIC | __GFP_ACCOUNT)
 *
 * Releases the flows of closed connections met among the oldest; a full
 * store, if none was met, then evicts a flow whose conntrack entry is not
 * assured, killing that entry. The flow is zeroed but for its owner. Hand
 * it to wfpredir_flowstore_insert(), or give it back with
 * wfpredir_flow_abandon().
 *
 * Context: any but hard IRQ.
 * Return: the flow; ERR_PTR(-EDQUOT) if @uid holds its share of the store;
 * ERR_PTR(-ENOSPC) if the store is full and nothing could be evicted;
 * ERR_PTR(-ENOMEM).
 */
struct wfpredir_flow *wfpredir_flow_alloc(struct wfpredir_flowstore *store,
					  kuid_t uid, size_t size, gfp_t gfp)
{
	struct wfpredir_flow_owner *owner, *spare = NULL;
	struct wfpredir_flow *flow, *victim = NULL, *dead_flow, *tmp;
	LIST_HEAD(dead);
	unsigned int probes;
	int err = 0;

	if (WARN_ON_ONCE(size < WFPREDIR_FLOW_SIZE_BARE ||
			 size > WFPREDIR_FLOW_SIZE_CUSTOM(U16_MAX)))
		return ERR_PTR(-EINVAL);
	flow = kzalloc(size, gfp);
	if (!flow)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&flow->lru);

	/* Most flows come from a uid that holds some already. */
	rcu_read_lock();
	owner = rhashtable_lookup(&store->owners, &uid, wfpredir_owner_params);
	rcu_read_unlock();
	if (!owner) {
		spare = kzalloc(sizeof(*spare), gfp);
		if (!spare) {
			kfree(flow);
			return ERR_PTR(-ENOMEM);
		}
		spare->uid = uid;
	}

	spin_lock_bh(&store->lock);
	owner = rhashtable_lookup_fast(&store->owners, &uid,
				       wfpredir_owner_params);
	probes = wfpredir_flowstore_tight(store, owner) ?
		 WFPREDIR_FLOW_EVICT_PROBES : WFPREDIR_FLOW_REAP_PROBES;
	/* Held across the scan, which may take its last flows. */
	if (owner)
		owner->count++;
	victim = wfpredir_flowstore_scan(store, uid,
					 owner ? owner->count - 1 : 0, probes,
					 &dead);
	if (owner)
		owner->count--;
	if (wfpredir_owner_full(store, owner)) {
		victim = NULL;
		err = -EDQUOT;
		goto out;
	}
	if (atomic_read(&store->count) < store->max) {
		victim = NULL;
	} else if (victim) {
		wfpredir_flow_unlink(store, victim);
		victim->owner = NULL;
	} else {
		err = -ENOSPC;
		goto out;
	}
	if (!owner) {
		if (!spare) {
			/* Its last flow went since the lookup above. */
			err = -ENOMEM;
			goto out;
		}
		if (rhashtable_insert_fast(&store->owners, &spare->node,
					   wfpredir_owner_params)) {
			err = -ENOMEM;
			goto out;
		}
		owner = spare;
		spare = NULL;
	}
	owner->count++;
	atomic_inc(&store->count);
	flow->owner = owner;
out:
	/* Its flows went in the scan, and it gets no new one. */
	if (err && owner && !owner->count)
		wfpredir_owner_release(store, owner);
	spin_unlock_bh(&store->lock);

	if (victim) {
		atomic64_inc(&store->evicted);
		nf_ct_kill(victim->ct);
		call_rcu(&victim->rcu, wfpredir_flow_free_rcu);
	}
	/* ->rcu takes ->lru's place: _safe has read the next flow already. */
	list_for_each_entry_safe(dead_flow, tmp, &dead, lru)
		call_rcu(&dead_flow->rcu, wfpredir_flow_free_rcu);
	kfree(spare);
	if (err) {
		kfree(flow);
		return ERR_PTR(err);
	}
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
	spin_lock_bh(&store->lock);
	wfpredir_flowstore_uncharge(store, flow->owner);
	spin_unlock_bh(&store->lock);
	wfpredir_flow_free(flow);
}

/*
 * The key of a destination in the by-destination index: a hash of family,
 * protocol, address and port under the store's seed. Only the family's
 * address bytes count.
 */
static u32 wfpredir_dest_hash(const struct wfpredir_flowstore *store,
			      u8 family, u8 protocol,
			      const union nf_inet_addr *addr, __be16 port)
{
	struct {
		union nf_inet_addr addr;
		__be16 port;
		u8 family;
		u8 protocol;
	} key;

	BUILD_BUG_ON(sizeof(key) % sizeof(u32));
	memset(&key, 0, sizeof(key));
	if (family == AF_INET)
		key.addr.ip = addr->ip;
	else
		key.addr.in6 = addr->in6;
	key.port = port;
	key.family = family;
	key.protocol = protocol;
	return jhash2((const u32 *)&key, sizeof(key) / sizeof(u32),
		      store->dest_seed);
}

/*
 * Index a redirected flow by its original destination, under the store
 * lock as it is inserted, so that unlinking always finds it: inheritance
 * (inherit.c) finds a proxy's flow by where its onward connection goes. The
 * index is a hint: a flow it could not take (no memory to grow it) is not
 * found there, nor one that WFPREDIR_DEST_LIST_MAX newer flows to the same
 * destination pushed out.
 */
static void wfpredir_flowstore_index_dest(struct wfpredir_flowstore *store,
					  struct wfpredir_flow *flow)
{
	const struct nf_conntrack_tuple *t =
		&flow->ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	struct wfpredir_flow *old, *oldest = NULL;
	struct rhlist_head *pos;
	unsigned int n = 0;

	lockdep_assert_held(&store->lock);

	flow->dest_hash = wfpredir_dest_hash(store, t->src.l3num,
					     t->dst.protonum, &t->dst.u3,
					     t->dst.u.all);
	flow->in_by_dest = !rhltable_insert(&store->by_dest, &flow->by_dest,
					    wfpredir_dest_params);
	if (!flow->in_by_dest)
		return;
	/*
	 * Newest first, and every insert keeps the bound: at most one flow
	 * lies past it. A reader standing on that flow goes on to the ones
	 * after it, whose links the removal leaves alone.
	 */
	rcu_read_lock();
	rhl_for_each_entry_rcu(old, pos,
			       rhltable_lookup(&store->by_dest, &flow->dest_hash,
					       wfpredir_dest_params),
			       by_dest) {
		if (++n > WFPREDIR_DEST_LIST_MAX) {
			oldest = old;
			break;
		}
	}
	rcu_read_unlock();
	if (oldest) {
		rhltable_remove(&store->by_dest, &oldest->by_dest,
				wfpredir_dest_params);
		oldest->in_by_dest = false;
	}
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
	spin_lock_bh(&store->lock);
	old = rhashtable_lookup_get_insert_fast(&store->table, &flow->node,
						wfpredir_flow_params);
	if (!old) {
		list_add_tail(&flow->lru, &store->age);
		if (flow->service_id)
			wfpredir_flowstore_index_dest(store, flow);
	}
	spin_unlock_bh(&store->lock);
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
 * The one field of a stored flow that readers change: whoever claims it
 * first reports the flow's records with its first datagram (WSARecvMsg()).
 *
 * Context: RCU read side, as for the lookup.
 * Return: true for the first call on @flow, false for every later one.
 */
bool wfpredir_flow_claim(struct wfpredir_flow *flow)
{
	return !xchg(&flow->claimed, 1);
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
	return READ_ONCE(flow->claimed);
}

/* One address of the default context: a zero-padded sockaddr_in(6). */
static void wfpredir_context_sockaddr(u8 *out, u8 family,
				      const union nf_inet_addr *addr,
				      __be16 port)
{
	memset(out, 0, WFPREDIR_CONTEXT_SOCKADDR_LEN);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)out;

		sin->sin_family = AF_INET;
		sin->sin_port = port;
		sin->sin_addr.s_addr = addr->ip;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port;
		sin6->sin6_addr = addr->in6;
	}
}

/**
 * wfpredir_flow_context_copy - a flow's redirect context, as stored
 * @flow: a stored flow with a context (@flow->context_len not 0)
 * @buf: receives @flow->context_len bytes; need not be zeroed
 *
 * A rule's custom bytes are copied as the flow keeps them. The default
 * context is built here, in the bytes the hook stored in every flow before:
 * the original destination, then the original source, each a struct
 * sockaddr_in or sockaddr_in6 zero-padded to WFPREDIR_CONTEXT_SOCKADDR_LEN,
 * then the process (&wfpredir_flow.origin). The addresses come from the
 * conntrack entry's original tuple, which the flow holds a reference on and
 * which NAT never changes (it rewrites the reply tuple): they are what the
 * first packet carried, as when the flow was stored. Identities are in
 * init-namespace terms, as stored; a reader's view is the caller's business.
 *
 * Context: RCU read side, as for the lookup.
 */
void wfpredir_flow_context_copy(const struct wfpredir_flow *flow, void *buf)
{
	const struct nf_conntrack_tuple *t =
		&flow->ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	u8 *out = buf;

	if (flow->custom_context) {
		memcpy(out, flow->context, flow->context_len);
		return;
	}
	BUILD_BUG_ON(WFPREDIR_CONTEXT_DEFAULT_LEN !=
		     2 * WFPREDIR_CONTEXT_SOCKADDR_LEN + sizeof(flow->origin));
	BUILD_BUG_ON(sizeof(struct sockaddr_in6) >
		     WFPREDIR_CONTEXT_SOCKADDR_LEN);
	wfpredir_context_sockaddr(out, t->src.l3num, &t->dst.u3,
				  t->dst.u.all);
	wfpredir_context_sockaddr(out + WFPREDIR_CONTEXT_SOCKADDR_LEN,
				  t->src.l3num, &t->src.u3, t->src.u.all);
	memcpy(out + 2 * WFPREDIR_CONTEXT_SOCKADDR_LEN, &flow->origin,
	       sizeof(flow->origin));
}

/**
 * wfpredir_record_entry_tuple - a record entry's connection, from conntrack
 * @entry: the entry; its family, protocol, original ports and addresses
 *	are set, the rest left as they are
 * @ct: the connection
 *
 * From the original tuple, as the first packet carried it: the same before
 * NAT and after.
 *
 * Context: any.
 */
void wfpredir_record_entry_tuple(struct wfpredir_record_entry *entry,
				 const struct nf_conn *ct)
{
	const struct nf_conntrack_tuple *t =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	size_t alen = t->src.l3num == AF_INET ? 4 : 16;

	entry->family = t->src.l3num;
	entry->protocol = t->dst.protonum;
	entry->orig_sport = t->src.u.all;
	entry->orig_dport = t->dst.u.all;
	memset(entry->orig_saddr, 0, sizeof(entry->orig_saddr));
	memset(entry->orig_daddr, 0, sizeof(entry->orig_daddr));
	memcpy(entry->orig_saddr, &t->src.u3, alen);
	memcpy(entry->orig_daddr, &t->dst.u3, alen);
}

/* The header and entry of @flow's own chain (@ct's), into @buf. */
static void wfpredir_flow_put_own(const struct wfpredir_flow *flow,
				  const struct nf_conn *ct, u8 *buf)
{
	struct wfpredir_record_entry entry;

	memset(&entry, 0, sizeof(entry));
	entry.service_id = cpu_to_be32(flow->service_id);
	entry.rule_id = cpu_to_be32(flow->rule_id);
	entry.flags = flow->own_flags;
	wfpredir_record_entry_tuple(&entry, ct);
	entry.timestamp_ns = cpu_to_be64(flow->own.timestamp_ns);
	entry.uid = cpu_to_be32(flow->origin.uid);
	entry.pid = cpu_to_be32(flow->origin.pid);
	entry.cgroup_id = cpu_to_be64(flow->origin.cgroup_id);
	wfpredir_records_put_one(buf, flow->own.flow_id, &entry);
}

/**
 * wfpredir_flow_set_own - give a first redirect its chain, kept as parts
 * @wn: the namespace, which issues the chain
 * @flow: from wfpredir_flow_alloc() with WFPREDIR_FLOW_SIZE_OWN, with its
 *	service, rule and &wfpredir_flow.origin set; not stored yet
 * @ct: the connection it is for
 * @flags: the entry's flags (WFPREDIR_RECORD_F_PID_BEST_EFFORT or 0)
 *
 * Issues the one-entry chain wfpredir_records_append() would for a flow
 * redirected for the first time (a new flow id, this moment's timestamp,
 * the tag under @wn's key) and keeps what the flow does not know already.
 * Readers get the blob from wfpredir_flow_records_copy().
 *
 * Context: any.
 */
void wfpredir_flow_set_own(struct wfpredir_net *wn, struct wfpredir_flow *flow,
			   const struct nf_conn *ct, u8 flags)
{
	u8 buf[WFPREDIR_RECORDS_LEN(1)];

	flow->own_chain = true;
	flow->own_flags = flags;
	flow->own.flow_id = wfpredir_records_new_flow_id(wn);
	flow->own.timestamp_ns = ktime_get_real_ns();
	wfpredir_flow_put_own(flow, ct, buf);
	wfpredir_records_seal_one(wn, buf, flow->own.tag);
}

/**
 * wfpredir_flow_records_len - the length of a flow's record chain
 * @flow: a stored flow
 *
 * Context: RCU read side, as for the lookup.
 * Return: its length in bytes, as wfpredir_flow_records_copy() writes it.
 */
u32 wfpredir_flow_records_len(const struct wfpredir_flow *flow)
{
	return flow->own_chain ? WFPREDIR_RECORDS_LEN(1) : flow->records->len;
}

/**
 * wfpredir_flow_records_copy - a flow's record chain, as it was issued
 * @flow: a stored flow
 * @buf: receives wfpredir_flow_records_len() bytes
 *
 * Context: RCU read side, as for the lookup.
 */
void wfpredir_flow_records_copy(const struct wfpredir_flow *flow, void *buf)
{
	u8 *out = buf;

	if (!flow->own_chain) {
		memcpy(out, flow->records->data, flow->records->len);
		return;
	}
	wfpredir_flow_put_own(flow, flow->ct, out);
	memcpy(out + WFPREDIR_RECORDS_LEN(1) - WFPREDIR_RECORDS_TAG_LEN,
	       flow->own.tag, WFPREDIR_RECORDS_TAG_LEN);
}

/**
 * wfpredir_flow_records_dup - a flow's record chain in a blob of its own
 * @flow: a stored flow
 * @gfp: allocation flags
 *
 * Context: RCU read side, as for the lookup.
 * Return: the blob, for the caller to free; NULL without memory.
 */
struct wfpredir_records *
wfpredir_flow_records_dup(const struct wfpredir_flow *flow, gfp_t gfp)
{
	struct wfpredir_records *records;

	records = wfpredir_records_alloc(wfpredir_flow_records_len(flow), gfp);
	if (records)
		wfpredir_flow_records_copy(flow, records->data);
	return records;
}

/**
 * wfpredir_flow_chain_id - the flow id a flow's chain was issued under
 * @flow: a stored flow
 *
 * Context: RCU read side, as for the lookup.
 * Return: the flow id: one per client's flow, the same at every hop.
 */
u64 wfpredir_flow_chain_id(const struct wfpredir_flow *flow)
{
	struct wfpredir_records_hdr hdr;

	if (flow->own_chain)
		return flow->own.flow_id;
	memcpy(&hdr, flow->records->data, sizeof(hdr));
	return be64_to_cpu(hdr.flow_id);
}

/**
 * wfpredir_flow_chain_count - how many entries a flow's chain holds
 * @flow: a stored flow
 *
 * Context: RCU read side, as for the lookup.
 * Return: the entry count.
 */
unsigned int wfpredir_flow_chain_count(const struct wfpredir_flow *flow)
{
	return flow->own_chain ? 1 : wfpredir_records_count(flow->records);
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
 * wfpredir_flowstore_dest_list - the flows to a destination
 * @store: the store
 * @key: the destination: family, protocol, address and port
 *
 * The list holds the flows of every destination whose hash is that of
 * @key: those to other destinations are rare (a 32-bit hash under a seed
 * nobody knows), but must be passed over with wfpredir_flow_goes_to().
 *
 * Context: RCU read side.
 * Return: the list, newest flow first, for rhl_for_each_entry_rcu(); NULL
 * if empty.
 */
struct rhlist_head *
wfpredir_flowstore_dest_list(struct wfpredir_flowstore *store,
			     const struct wfpredir_flow_key *key)
{
	u32 hash = wfpredir_dest_hash(store, key->family, key->protocol,
				      &key->daddr, key->dport);

	return rhltable_lookup(&store->by_dest, &hash, wfpredir_dest_params);
}

/**
 * wfpredir_flow_goes_to - whether a flow was sent to a destination
 * @flow: a stored flow
 * @key: the destination: family, protocol, address and port
 *
 * Compares @key with the original destination of @flow's conntrack entry,
 * which NAT does not change: where the flow's first packet was sent.
 *
 * Context: RCU read side, as for the lookup.
 * Return: true if they are the same.
 */
bool wfpredir_flow_goes_to(const struct wfpredir_flow *flow,
			   const struct wfpredir_flow_key *key)
{
	const struct nf_conntrack_tuple *t =
		&flow->ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;

	if (t->src.l3num != key->family || t->dst.protonum != key->protocol ||
	    t->dst.u.all != key->dport)
		return false;
	if (key->family == AF_INET)
		return t->dst.u3.ip == key->daddr.ip;
	return ipv6_addr_equal(&t->dst.u3.in6, &key->daddr.in6);
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
