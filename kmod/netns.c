// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: the key that authenticates the namespace's
 * records, its flow_id sequence and its socket store.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "netns.h"

#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <net/net_namespace.h>

/*
 * A connection holding records costs from 300 bytes to 3.5 KiB; a rule
 * from 150 bytes to 2.2 KiB with a custom context and cgroup path; both are
 * charged to the memory cgroup of the task that made them.
 */
#define WFPREDIR_MAX_FLOWS_LIMIT (4 * 1024 * 1024)
#define WFPREDIR_MAX_RULES_LIMIT (4 * 1024 * 1024)

/*
 * A socket holding records costs from 200 bytes to 2 KiB, charged to the
 * memory cgroup of the task that set them.
 */
#define WFPREDIR_MAX_SOCKETS_LIMIT (1024 * 1024)

static unsigned int max_sockets = 65536;

static int max_sockets_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, WFPREDIR_MAX_SOCKETS_LIMIT);
}

static const struct kernel_param_ops max_sockets_ops = {
	.set = max_sockets_set,
	.get = param_get_uint,
};

module_param_cb(max_sockets, &max_sockets_ops, &max_sockets, 0444);
MODULE_PARM_DESC(max_sockets,
		 "Most sockets per network namespace that may hold records (1-1048576, default 65536)");

static unsigned int max_flows = 65536;

static int max_flows_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, WFPREDIR_MAX_FLOWS_LIMIT);
}

static const struct kernel_param_ops max_flows_ops = {
	.set = max_flows_set,
	.get = param_get_uint,
};

module_param_cb(max_flows, &max_flows_ops, &max_flows, 0444);
MODULE_PARM_DESC(max_flows,
		 "Most connections per network namespace that may hold records (1-4194304, default 65536)");

static unsigned int max_rules = 262144;

static int max_rules_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, WFPREDIR_MAX_RULES_LIMIT);
}

static const struct kernel_param_ops max_rules_ops = {
	.set = max_rules_set,
	.get = param_get_uint,
};

module_param_cb(max_rules, &max_rules_ops, &max_rules, 0444);
MODULE_PARM_DESC(max_rules,
		 "Most rules per network namespace (1-4194304, default 262144)");

unsigned int wfpredir_net_id __read_mostly;

static int __net_init wfpredir_net_init(struct net *net)
{
	struct wfpredir_net *wn = wfpredir_net(net);

	int ret;

	get_random_bytes(wn->records_key, sizeof(wn->records_key));
	atomic64_set(&wn->flow_seq, get_random_u64());
	mutex_init(&wn->config_lock);
	wfpredir_hook_init(&wn->hook);
	wn->chain_max = WFPREDIR_CHAIN_MAX_DEFAULT;
	wn->inherit = true;

	ret = wfpredir_sockstore_init(&wn->socks, max_sockets);
	if (ret)
		goto err_socks;
	ret = wfpredir_flowstore_init(&wn->flows, max_flows);
	if (ret)
		goto err_flows;
	ret = wfpredir_services_init(&wn->services);
	if (ret)
		goto err_services;
	ret = wfpredir_ruleset_init(&wn->rules, max_rules);
	if (ret)
		goto err_rules;
	return 0;

err_rules:
	wfpredir_services_destroy(&wn->services);
err_services:
	wfpredir_flowstore_destroy(&wn->flows);
err_flows:
	wfpredir_sockstore_destroy(&wn->socks);
err_socks:
	return ret;
}

/* The hook goes first; the exit methods run after a grace period. */
static void __net_exit wfpredir_net_pre_exit(struct net *net)
{
	wfpredir_hook_disable(net);
}

static void __net_exit wfpredir_net_exit(struct net *net)
{
	struct wfpredir_net *wn = wfpredir_net(net);

	wfpredir_ruleset_destroy(&wn->rules);
	wfpredir_services_destroy(&wn->services);
	/* Conntrack's own exit waits for every reference to be dropped. */
	wfpredir_flowstore_destroy(&wn->flows);
	wfpredir_sockstore_destroy(&wn->socks);
	memzero_explicit(wn->records_key, sizeof(wn->records_key));
}

static struct pernet_operations wfpredir_net_ops = {
	.init = wfpredir_net_init,
	.pre_exit = wfpredir_net_pre_exit,
	.exit = wfpredir_net_exit,
	.id = &wfpredir_net_id,
	.size = sizeof(struct wfpredir_net),
};

/**
 * wfpredir_netns_init - set up wfpredir's state in every network namespace
 *
 * Context: module init.
 * Return: 0 or a negative errno.
 */
int __init wfpredir_netns_init(void)
{
	return register_pernet_subsys(&wfpredir_net_ops);
}

/**
 * wfpredir_netns_uninit - tear wfpredir's state down in every namespace
 *
 * Context: module init (unwinding) or exit, after the socket options and
 * the genl family are unregistered. Unregisters the hook, releases every
 * connection and socket still holding records, then waits for the RCU
 * callbacks that drop the last references: they run module code.
 */
void wfpredir_netns_uninit(void)
{
	unregister_pernet_subsys(&wfpredir_net_ops);
	rcu_barrier();
}
