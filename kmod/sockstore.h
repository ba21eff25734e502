/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The socket store: sockets that were given records and have not had a flow
 * leave with them yet.
 */
#ifndef _WFPREDIR_SOCKSTORE_H
#define _WFPREDIR_SOCKSTORE_H

#include <linux/compiler.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock_types.h>
#include <linux/workqueue.h>

struct nf_conn;
struct sock;
struct wfpredir_records;

/**
 * struct wfpredir_sockstore - the sockets of one namespace that hold records
 * @table: entries keyed by socket pointer; each holds a reference on its
 *	socket and on the conntrack entry of its last flow, and owns its blob
 * @lock: serialises every change to @table and @count; readers use RCU
 * @count: number of entries
 * @max: most entries allowed
 * @gc: releases the entries of closed sockets and of sockets whose flow
 *	left with the records; queued by the entry that makes @count 1, and
 *	by itself while @count > 0
 * @drained: called by @gc when it finds the store empty; may be NULL
 */
struct wfpredir_sockstore {
	struct rhashtable table;
	spinlock_t lock;	/* serialises changes to @table, @count */
	unsigned int count;
	unsigned int max;
	struct delayed_work gc;
	void (*drained)(struct wfpredir_sockstore *store);
};

int wfpredir_sockstore_init(struct wfpredir_sockstore *store, unsigned int max);
void wfpredir_sockstore_destroy(struct wfpredir_sockstore *store);
int wfpredir_sockstore_set(struct wfpredir_sockstore *store, struct sock *sk,
			   struct wfpredir_records *records);
const struct wfpredir_records *
wfpredir_sockstore_lookup(struct wfpredir_sockstore *store,
			  const struct sock *sk);
const struct wfpredir_records *
wfpredir_sockstore_use(struct wfpredir_sockstore *store, const struct sock *sk,
		       struct nf_conn *ct);
struct wfpredir_records *wfpredir_sockstore_take(struct wfpredir_sockstore *store,
						 const struct sock *sk);
void wfpredir_sockstore_collect(struct wfpredir_sockstore *store);

/**
 * wfpredir_sockstore_count - how many sockets hold records
 * @store: the store
 *
 * Context: any; the answer may be stale by the time it is used.
 * Return: the number of entries, those not yet collected included.
 */
static inline unsigned int
wfpredir_sockstore_count(const struct wfpredir_sockstore *store)
{
	return READ_ONCE(store->count);
}

#ifdef DEBUG
bool wfpredir_sockstore_selftest(void);
#endif

#endif /* _WFPREDIR_SOCKSTORE_H */
