// SPDX-License-Identifier: GPL-2.0
/*
 * The socket store. A socket given records by WFPREDIR_SO_SET_RECORDS keeps
 * them here until one of its flows has left with them, or until the socket is
 * closed or clears them.
 *
 * The engine does not take the records at the socket's first packet: that
 * packet may still be dropped after the hook, before conntrack confirms its
 * flow (a filter rule, a failed route lookup), and the retransmission, a new
 * conntrack entry, would find the socket empty and be redirected as if no
 * proxy had sent it, back to the proxy's own service. So each new flow of
 * the socket gets the same records (wfpredir_sockstore_use()), and the entry
 * remembers the conntrack entry of the last one. Once that flow has left,
 * its entry confirmed (or, for a flow that lost a clash, the winner with the
 * same tuple confirmed), the records are spent: the collector releases the
 * entry, and so does the engine if the socket opens another flow first.
 *
 * Sockets have no slot a module may use, so the store is a hash table keyed
 * by the socket pointer. An entry holds a reference on its socket: TCP
 * sockets are SLAB_TYPESAFE_BY_RCU, so a bare pointer could name a new socket
 * by the time it is looked at. Because of that reference a closed socket
 * lingers until the garbage collector, a delayed work that runs while the
 * store is not empty, sees it is dead and releases it. The reference on a
 * user socket also pins the socket's namespace, which is why collection runs
 * on a timer rather than at namespace exit; kernel sockets do not pin it, so
 * wfpredir_sockstore_destroy() releases whatever is left.
 *
 * Writers serialise on the store's spinlock, taken with BHs off because the
 * engine takes entries from the LOCAL_OUT hook. Readers use RCU: an entry,
 * its blob and the reference on its socket are released only after a grace
 * period, so an RCU reader may dereference all three.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "records.h"
#include "sockstore.h"

#include <linux/err.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/sock.h>

#define WFPREDIR_GC_INTERVAL HZ

struct wfpredir_sock_entry {
	struct rhash_head node;
	struct sock *sk;
	struct wfpredir_records __rcu *records;
	/* The last flow given @records, referenced; changed under the lock. */
	struct nf_conn *ct;
	struct rcu_head rcu;
};

static const struct rhashtable_params wfpredir_sock_params = {
	.head_offset = offsetof(struct wfpredir_sock_entry, node),
	.key_offset = offsetof(struct wfpredir_sock_entry, sk),
	.key_len = sizeof_field(struct wfpredir_sock_entry, sk),
	.automatic_shrinking = true,
};

/* Nobody else can see @entry any more. */
static void wfpredir_sock_entry_free(struct wfpredir_sock_entry *entry)
{
	wfpredir_records_free(rcu_dereference_protected(entry->records, true));
	if (entry->ct)
		nf_ct_put(entry->ct);
	sock_put(entry->sk);
	kfree(entry);
}

static void wfpredir_sock_entry_free_rcu(struct rcu_head *rcu)
{
	wfpredir_sock_entry_free(container_of(rcu, struct wfpredir_sock_entry,
					      rcu));
}

static void wfpredir_sock_entry_destroy(void *ptr, void *arg)
{
	wfpredir_sock_entry_free(ptr);
}

static void wfpredir_sockstore_unlink(struct wfpredir_sockstore *store,
				      struct wfpredir_sock_entry *entry)
{
	lockdep_assert_held(&store->lock);

	/* A collector that found @entry before a take removed it loses. */
	if (rhashtable_remove_fast(&store->table, &entry->node,
				   wfpredir_sock_params))
		return;
	WRITE_ONCE(store->count, store->count - 1);
	call_rcu(&entry->rcu, wfpredir_sock_entry_free_rcu);
}

/*
 * Whether the flow @ct has left: its entry was confirmed, or it lost a clash
 * (two first datagrams of one UDP flow on two CPUs) and the winner, which
 * carries the same records, is confirmed in its place. An entry that is
 * neither was dropped or is still on its way out; its socket's next flow
 * gets the records again.
 */
static bool wfpredir_flow_left(struct nf_conn *ct)
{
	const struct nf_conntrack_tuple_hash *h;
	struct nf_conn *found;

	if (nf_ct_is_confirmed(ct))
		return true;
	h = nf_conntrack_find_get(nf_ct_net(ct), nf_ct_zone(ct),
				  &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple);
	if (!h)
		return false;
	/* Only confirmed entries are in the hash table. */
	found = nf_ct_tuplehash_to_ctrack(h);
	nf_ct_put(found);
	return true;
}

/*
 * Whether @a and @b are entries of the same flow: the second send of a
 * flow's first datagram, from another CPU, that created its entry before
 * the first was confirmed and will lose the clash to it.
 */
static bool wfpredir_same_flow(const struct nf_conn *a, const struct nf_conn *b)
{
	return nf_ct_tuple_equal(&a->tuplehash[IP_CT_DIR_ORIGINAL].tuple,
				 &b->tuplehash[IP_CT_DIR_ORIGINAL].tuple) &&
	       nf_ct_zone_equal_any(a, nf_ct_zone(b));
}

static void wfpredir_sockstore_gc_work(struct work_struct *work)
{
	struct wfpredir_sockstore *store =
		container_of(to_delayed_work(work), struct wfpredir_sockstore,
			     gc);

	wfpredir_sockstore_collect(store);
	if (wfpredir_sockstore_count(store))
		queue_delayed_work(system_power_efficient_wq, &store->gc,
				   WFPREDIR_GC_INTERVAL);
	else if (store->drained)
		store->drained(store);
}

/**
 * wfpredir_sockstore_init - set up an empty store
 * @store: the store
 * @max: most sockets it may hold
 *
 * Set @store->drained after this, if needed: the collector calls it when
 * it finds the store empty.
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int wfpredir_sockstore_init(struct wfpredir_sockstore *store, unsigned int max)
{
	spin_lock_init(&store->lock);
	store->count = 0;
	store->max = max;
	store->drained = NULL;
	INIT_DELAYED_WORK(&store->gc, wfpredir_sockstore_gc_work);
	return rhashtable_init(&store->table, &wfpredir_sock_params);
}

/**
 * wfpredir_sockstore_destroy - release every entry and tear the store down
 * @store: the store
 *
 * Drops the reference on every socket still in the store and frees the
 * blobs. The caller guarantees that nothing else uses @store any more: its
 * namespace is being dismantled (no user socket of it is left, since each
 * would pin it), or the module is going away and its socket options are
 * unregistered.
 *
 * Context: process context.
 */
void wfpredir_sockstore_destroy(struct wfpredir_sockstore *store)
{
	cancel_delayed_work_sync(&store->gc);
	rhashtable_free_and_destroy(&store->table, wfpredir_sock_entry_destroy,
				    NULL);
	store->count = 0;
}

/**
 * wfpredir_sockstore_set - give a socket records, or replace its records
 * @store: the store of the socket's namespace
 * @sk: the socket; the store takes a reference on it
 * @records: the blob, verified; the store owns it if this succeeds
 *
 * A socket that already holds records gets @records in their place in one
 * step: a reader sees either the old blob or the new one. The new records
 * are for the socket's next flow, whether or not an earlier one left with
 * the old. Replacing is allowed when the store is full.
 *
 * Context: process context; may sleep. The caller holds the socket lock, so
 * that the socket cannot connect under it.
 * Return: 0; -ENOSPC if the store is full; -ENOMEM.
 */
int wfpredir_sockstore_set(struct wfpredir_sockstore *store, struct sock *sk,
			   struct wfpredir_records *records)
{
	struct wfpredir_records *old_records = NULL;
	struct wfpredir_sock_entry *entry, *old;
	struct nf_conn *old_ct = NULL;
	bool first = false;
	int ret = 0;

	entry = kzalloc(sizeof(*entry), GFP_KERNEL_ACCOUNT);
	if (!entry)
		return -ENOMEM;
	entry->sk = sk;
	RCU_INIT_POINTER(entry->records, records);

	spin_lock_bh(&store->lock);
	old = rhashtable_lookup_fast(&store->table, &sk, wfpredir_sock_params);
	if (old) {
		old_records = rcu_replace_pointer(old->records, records,
						  lockdep_is_held(&store->lock));
		old_ct = old->ct;
		old->ct = NULL;
	} else if (store->count >= store->max) {
		ret = -ENOSPC;
	} else {
		sock_hold(sk);
		ret = rhashtable_insert_fast(&store->table, &entry->node,
					     wfpredir_sock_params);
		if (likely(!ret)) {
			first = !store->count;
			WRITE_ONCE(store->count, store->count + 1);
			entry = NULL;
		} else {
			/* The caller's reference keeps @sk alive. */
			__sock_put(sk);
			/* No room for the table to grow into. */
			ret = -ENOMEM;
		}
	}
	spin_unlock_bh(&store->lock);

	/*
	 * The collector runs while the store is not empty: it requeues itself
	 * when it finds entries left, so only the first entry queues it. An
	 * entry added while it runs either is counted by its last look, or
	 * was the first since that look saw none, and queues it again.
	 */
	if (first)
		queue_delayed_work(system_power_efficient_wq, &store->gc,
				   WFPREDIR_GC_INTERVAL);
	kfree(entry);
	wfpredir_records_free(old_records);
	if (old_ct)
		nf_ct_put(old_ct);
	return ret;
}

/**
 * wfpredir_sockstore_lookup - the records a socket holds
 * @store: the store of the socket's namespace
 * @sk: the socket
 *
 * Context: RCU read side; the blob stays valid until rcu_read_unlock().
 * Return: the blob, or NULL if @sk holds none.
 */
const struct wfpredir_records *
wfpredir_sockstore_lookup(struct wfpredir_sockstore *store,
			  const struct sock *sk)
{
	struct wfpredir_sock_entry *entry;

	entry = rhashtable_lookup(&store->table, &sk, wfpredir_sock_params);
	return entry ? rcu_dereference(entry->records) : NULL;
}

/**
 * wfpredir_sockstore_use - the records for a socket's new flow
 * @store: the store of the socket's namespace
 * @sk: the socket
 * @ct: the new flow's conntrack entry, not confirmed yet
 *
 * For the redirect engine, at the first packet of each new flow of @sk.
 * The records stay with the socket: if @ct never leaves (its packet is
 * dropped further on), the next flow, typically the retransmission, gets the
 * same records. If the socket's previous flow has left, the records were
 * spent on it: the entry goes, and @ct gets none (records are for one flow).
 * Two entries of one flow (its first datagram sent from two CPUs at once)
 * get the same records, whichever is confirmed first, so that the clash
 * between them resolves to the same NAT. Cheap when @sk holds no records, which is nearly always:
 * no lock is taken then.
 *
 * Context: RCU read side (the packet path), process or softirq context; the
 * blob stays valid until rcu_read_unlock(). The caller keeps @sk alive.
 * Return: the blob, still the store's, or NULL.
 */
const struct wfpredir_records *
wfpredir_sockstore_use(struct wfpredir_sockstore *store, const struct sock *sk,
		       struct nf_conn *ct)
{
	const struct wfpredir_records *records = NULL;
	struct wfpredir_sock_entry *entry;
	struct nf_conn *old_ct = NULL;

	if (!wfpredir_sockstore_count(store))
		return NULL;
	if (!rhashtable_lookup(&store->table, &sk, wfpredir_sock_params))
		return NULL;

	spin_lock_bh(&store->lock);
	entry = rhashtable_lookup_fast(&store->table, &sk, wfpredir_sock_params);
	if (!entry)
		goto out;
	if (entry->ct && !wfpredir_same_flow(entry->ct, ct) &&
	    wfpredir_flow_left(entry->ct)) {
		wfpredir_sockstore_unlink(store, entry);
		goto out;
	}
	records = rcu_dereference_protected(entry->records,
					    lockdep_is_held(&store->lock));
	/* A confirmed flow stays: the records are spent once @ct is done. */
	if (entry->ct != ct &&
	    !(entry->ct && nf_ct_is_confirmed(entry->ct))) {
		old_ct = entry->ct;
		nf_conntrack_get(&ct->ct_general);
		entry->ct = ct;
	}
out:
	spin_unlock_bh(&store->lock);
	if (old_ct)
		nf_ct_put(old_ct);
	return records;
}

/**
 * wfpredir_sockstore_take - remove a socket's records
 * @store: the store of the socket's namespace
 * @sk: the socket
 *
 * For WFPREDIR_SO_CLEAR_RECORDS, and to undo a set that cannot be used.
 *
 * Context: process or softirq context, not hard IRQ (the store lock is taken
 * with BHs off); the caller keeps @sk alive.
 * Return: the blob, now the caller's (free it with wfpredir_records_free()),
 * or NULL if @sk holds none.
 */
struct wfpredir_records *wfpredir_sockstore_take(struct wfpredir_sockstore *store,
						 const struct sock *sk)
{
	struct wfpredir_records *records = NULL;
	struct wfpredir_sock_entry *entry;

	if (!wfpredir_sockstore_count(store))
		return NULL;

	rcu_read_lock();
	entry = rhashtable_lookup(&store->table, &sk, wfpredir_sock_params);
	rcu_read_unlock();
	if (!entry)
		return NULL;

	spin_lock_bh(&store->lock);
	entry = rhashtable_lookup_fast(&store->table, &sk, wfpredir_sock_params);
	if (entry) {
		records = rcu_replace_pointer(entry->records, NULL,
					      lockdep_is_held(&store->lock));
		wfpredir_sockstore_unlink(store, entry);
	}
	spin_unlock_bh(&store->lock);
	return records;
}

/**
 * wfpredir_sockstore_collect - release the entries that are done
 * @store: the store
 *
 * An entry is done when its socket is closed (orphaned, SOCK_DEAD: its
 * records can no longer go anywhere), or when a flow of the socket has left
 * with the records. The store's delayed work calls this once a second while
 * the store is not empty.
 *
 * Context: process context; may sleep.
 */
void wfpredir_sockstore_collect(struct wfpredir_sockstore *store)
{
	struct wfpredir_sock_entry *entry;
	struct rhashtable_iter iter;

	rhashtable_walk_enter(&store->table, &iter);
	rhashtable_walk_start(&iter);
	while ((entry = rhashtable_walk_next(&iter))) {
		/* -EAGAIN: the table was resized; the walk goes on. */
		if (IS_ERR(entry))
			continue;

		spin_lock_bh(&store->lock);
		if (sock_flag(entry->sk, SOCK_DEAD) ||
		    (entry->ct && wfpredir_flow_left(entry->ct)))
			wfpredir_sockstore_unlink(store, entry);
		spin_unlock_bh(&store->lock);

		if (need_resched()) {
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}
