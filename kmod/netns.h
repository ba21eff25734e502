/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per network namespace state.
 */
#ifndef _WFPREDIR_NETNS_H
#define _WFPREDIR_NETNS_H

#include "flowstore.h"
#include "hook.h"
#include "ruleset.h"
#include "service.h"
#include "sockstore.h"

#include <crypto/blake2s.h>
#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

/**
 * struct wfpredir_net - wfpredir's state in one network namespace
 * @net: the namespace
 * @records_key: key of the records' tag, drawn at random with the state:
 *	records issued in one namespace fail authentication in every other
 * @flow_seq: the last flow_id issued
 * @socks: the sockets that hold records
 * @flows: the connections that hold records
 * @hook: the NAT hook's registration
 * @idle_work: unregisters the hook once nothing is left that needs it
 * @config_lock: serialises changes to @services, @rules, the config and the
 *	hook's registration
 * @services: the redirect services
 * @rules: the rules
 * @chain_max: flows whose chain holds this many entries are not redirected
 * @inherit: link the connections of proxies that set no records to the
 *	redirected connection they hold
 * @stats: namespace-wide counters (WFPREDIR_A_STATS_*)
 *
 * Allocated when the namespace first uses wfpredir (wfpredir_net_activate()),
 * charged to the memory cgroup of the task that did; freed with the
 * namespace. A namespace that never uses wfpredir holds a NULL pointer.
 */
struct wfpredir_net {
	struct net *net;
	u8 records_key[BLAKE2S_KEY_SIZE];
	atomic64_t flow_seq;
	struct wfpredir_sockstore socks;
	struct wfpredir_flowstore flows;
	struct wfpredir_hook hook;
	struct work_struct idle_work;
	struct mutex config_lock; /* serialises configuration changes */
	struct wfpredir_services services;
	struct wfpredir_ruleset rules;
	unsigned int chain_max;
	bool inherit;
	struct {
		atomic64_t redirects;
		atomic64_t chain_capped;
		atomic64_t inherited;
		atomic64_t table_full;
		atomic64_t nomem;
		atomic64_t flow_share;
		atomic64_t events_lost;
	} stats;
};

/* What every namespace holds: a pointer, set once, on first use. */
struct wfpredir_pernet {
	struct wfpredir_net *wn;
};

extern unsigned int wfpredir_net_id;
extern unsigned int wfpredir_max_sockets;
extern unsigned int wfpredir_max_flows;
extern unsigned int wfpredir_max_rules;

/**
 * wfpredir_net_active - wfpredir's state in a network namespace, if any
 * @net: the namespace
 *
 * The packet path, queries and dumps of a namespace that never used
 * wfpredir see NULL and answer as for an empty one, touching nothing.
 *
 * Context: any, while @net is alive.
 * Return: the state, which then exists for as long as @net does; or NULL.
 */
static inline struct wfpredir_net *wfpredir_net_active(const struct net *net)
{
	struct wfpredir_pernet *pn = net_generic(net, wfpredir_net_id);

	/* Pairs with wfpredir_net_activate(): the state is initialised. */
	return smp_load_acquire(&pn->wn);
}

struct wfpredir_net *wfpredir_net_activate(struct net *net);
void wfpredir_net_maybe_idle(struct wfpredir_net *wn);

int wfpredir_netns_init(void);
void wfpredir_netns_uninit(void);

#endif /* _WFPREDIR_NETNS_H */
