/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Service owners: which sockets are a service's proxy. Used by queries (only
 * the owner's sockets get answers) and by the hook's loop bound.
 */
#ifndef _WFPREDIR_OWNER_H
#define _WFPREDIR_OWNER_H

#include <linux/rhashtable-types.h>
#include <linux/types.h>

struct sock;
struct wfpredir_net;
struct wfpredir_owner;
struct wfpredir_service;

/**
 * struct wfpredir_owner_index - the owned services of a namespace, by owner
 * @table: services by owner key: a uid, or (for services owned by a cgroup
 *	alone) a cgroup id; several services may share a key
 */
struct wfpredir_owner_index {
	struct rhltable table;
};

int wfpredir_owner_index_init(struct wfpredir_owner_index *index);
void wfpredir_owner_index_destroy(struct wfpredir_owner_index *index);

/* Under &wfpredir_net.config_lock. */
int wfpredir_owner_index_add(struct wfpredir_owner_index *index,
			     struct wfpredir_service *service);
void wfpredir_owner_index_del(struct wfpredir_owner_index *index,
			      struct wfpredir_service *service);

/* RCU read side. */
bool wfpredir_owner_sk_bound(struct wfpredir_owner_index *index,
			     const struct sock *sk, u64 *after);

#endif /* _WFPREDIR_OWNER_H */
