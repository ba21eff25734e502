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
 * @records_key: key of the records' tag, drawn at random with the namespace:
 *	records issued in one namespace fail authentication in every other
 * @flow_seq: the last flow_id issued
 * @socks: the sockets that hold records
 * @flows: the connections that hold records
 * @hook: the NAT hook's registration
 * @config_lock: serialises changes to @services, @rules and the config
 * @services: the redirect services
 * @rules: the rules
 * @chain_max: flows whose chain holds this many entries are not redirected
 * @inherit: link the connections of proxies that set no records to the
 *	redirected connection they hold
 * @stats: namespace-wide counters (WFPREDIR_A_STATS_*)
 */
struct wfpredir_net {
	u8 records_key[BLAKE2S_KEY_SIZE];
	atomic64_t flow_seq;
	struct wfpredir_sockstore socks;
	struct wfpredir_flowstore flows;
	struct wfpredir_hook hook;
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
	} stats;
};

extern unsigned int wfpredir_net_id;

/**
 * wfpredir_net - wfpredir's state in a network namespace
 * @net: the namespace
 *
 * Context: any, while @net is alive.
 * Return: the state; it exists for as long as @net does.
 */
static inline struct wfpredir_net *wfpredir_net(const struct net *net)
{
	return net_generic(net, wfpredir_net_id);
}

int wfpredir_netns_init(void);
void wfpredir_netns_uninit(void);

#endif /* _WFPREDIR_NETNS_H */
