// SPDX-License-Identifier: GPL-2.0
/*
 * Service owners. A service may name its proxy: a uid, a cgroup v2 (the
 * socket's cgroup or a descendant), or both. Two things rest on that:
 *
 *  - queries: only the owner's sockets get answers for the service's flows
 *    (sockopt.c);
 *  - the loop bound: a connection that carries no records, opened by a
 *    socket of the owner of services S1..Sn, is redirected only by a rule
 *    ranking (priority, then id) after every rule of S1..Sn. Each hop of a flow
 *    through proxies that drop records therefore goes strictly forward in
 *    rule rank, and a loop ends after at most one pass over the
 *    services, whatever the clients and proxies do: half-close, a proxy
 *    whose accepting and connecting processes differ, UDP, delays. It needs
 *    no inference, unlike inheritance (inherit.c), which only tells whose
 *    flow a proxy's connection continues.
 *
 * The packet path finds the services a socket owns through an index keyed
 * by owner: one lookup for the socket's uid, one per level of its cgroup,
 * never a walk over the services.
 */

#include "owner.h"
#include "service.h"

#include <linux/cgroup.h>
#include <linux/rhashtable.h>
#include <linux/uidgid.h>
#include <net/sock.h>

enum {
	WFPREDIR_OWNER_KEY_UID = 1,
	WFPREDIR_OWNER_KEY_CGROUP,
};

static const struct rhashtable_params wfpredir_owner_params = {
	.head_offset = offsetof(struct wfpredir_service, owner_node),
	.key_offset = offsetof(struct wfpredir_service, owner_key),
	.key_len = sizeof(struct wfpredir_owner_key),
	.automatic_shrinking = true,
};

static struct cgroup *wfpredir_sk_cgroup(const struct sock *sk)
{
#ifdef CONFIG_SOCK_CGROUP_DATA
	return sock_cgroup_ptr((struct sock_cgroup_data *)&sk->sk_cgrp_data);
#else
	return NULL;
#endif
}

static void wfpredir_owner_key(const struct wfpredir_owner *owner,
			       struct wfpredir_owner_key *key)
{
	memset(key, 0, sizeof(*key));
	if (uid_valid(owner->uid)) {
		key->kind = WFPREDIR_OWNER_KEY_UID;
		key->val = __kuid_val(owner->uid);
	} else {
		key->kind = WFPREDIR_OWNER_KEY_CGROUP;
		key->val = cgroup_id(owner->cgroup);
	}
}

/**
 * wfpredir_owner_index_init - set up an empty index
 * @index: the index
 *
 * Context: process context.
 * Return: 0 or a negative errno.
 */
int wfpredir_owner_index_init(struct wfpredir_owner_index *index)
{
	return rhltable_init(&index->table, &wfpredir_owner_params);
}

/**
 * wfpredir_owner_index_destroy - free the index, not the services
 * @index: the index
 *
 * Context: process context, when no reader can see it.
 */
void wfpredir_owner_index_destroy(struct wfpredir_owner_index *index)
{
	rhltable_destroy(&index->table);
}

/**
 * wfpredir_owner_index_add - index a new service by its owner
 * @index: the namespace's index
 * @service: the service, not yet published; nothing is done if unowned
 *
 * Context: process context, under &wfpredir_net.config_lock.
 * Return: 0 or -ENOMEM.
 */
int wfpredir_owner_index_add(struct wfpredir_owner_index *index,
			     struct wfpredir_service *service)
{
	if (!wfpredir_owner_is_set(&service->owner))
		return 0;
	wfpredir_owner_key(&service->owner, &service->owner_key);
	return rhltable_insert(&index->table, &service->owner_node,
			       wfpredir_owner_params);
}

/**
 * wfpredir_owner_index_del - unindex a service
 * @index: the namespace's index
 * @service: the service
 *
 * Context: process context, under &wfpredir_net.config_lock.
 */
void wfpredir_owner_index_del(struct wfpredir_owner_index *index,
			      struct wfpredir_service *service)
{
	if (wfpredir_owner_is_set(&service->owner))
		rhltable_remove(&index->table, &service->owner_node,
				wfpredir_owner_params);
}

/* Raise *@after to the last rule of each service under @key that @sk owns. */
static bool wfpredir_owner_probe(struct wfpredir_owner_index *index,
				 const struct wfpredir_owner_key *key,
				 const struct sock *sk, u64 *after)
{
	struct wfpredir_service *service;
	struct rhlist_head *list, *pos;
	bool owned = false;

	list = rhltable_lookup(&index->table, key, wfpredir_owner_params);
	rhl_for_each_entry_rcu(service, pos, list, owner_node) {
		if (!wfpredir_owner_holds_sk(&service->owner, sk))
			continue;
		*after = max(*after, READ_ONCE(service->rule_rank_max));
		owned = true;
	}
	return owned;
}

/**
 * wfpredir_owner_sk_bound - the loop bound for a records-less connection
 * @index: the namespace's index
 * @sk: the socket that opened the connection
 * @after: set, if @sk is a proxy's, to the highest rank (priority, then
 *	id) among the rules of the services whose owner it belongs to: only a
 *	rule ranking after it may redirect the connection
 *
 * Context: RCU read side (the packet path).
 * Return: true if @sk belongs to the owner of at least one service.
 */
bool wfpredir_owner_sk_bound(struct wfpredir_owner_index *index,
			     const struct sock *sk, u64 *after)
{
	struct wfpredir_owner_key key = { .kind = WFPREDIR_OWNER_KEY_UID };
	struct cgroup *cgrp;
	bool owned;

	*after = 0;
	key.val = __kuid_val(sk->sk_uid);
	owned = wfpredir_owner_probe(index, &key, sk, after);

	key.kind = WFPREDIR_OWNER_KEY_CGROUP;
	for (cgrp = wfpredir_sk_cgroup(sk); cgrp; cgrp = cgroup_parent(cgrp)) {
		key.val = cgroup_id(cgrp);
		owned |= wfpredir_owner_probe(index, &key, sk, after);
	}
	return owned;
}
