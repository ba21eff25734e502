// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: the key that authenticates the namespace's
 * records, its flow_id sequence, its stores, services and rules.
 *
 * A namespace pays for wfpredir only once it uses it. Every namespace holds
 * one pointer; the state is allocated by the first service, rule, config
 * change or socket given records (wfpredir_net_activate()), charged to that
 * task's memory cgroup, and freed with the namespace. The NAT hook, which
 * turns on conntrack and NAT for the whole namespace, is registered by the
 * first service, rule or socket given records, and unregistered again when
 * the last service, rule, flow and socket entry are gone: the config paths
 * and the stores' collectors call wfpredir_net_maybe_idle() when they may
 * have removed the last one.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "netns.h"

#include <linux/err.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
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

unsigned int wfpredir_max_sockets = 65536;

static int max_sockets_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, WFPREDIR_MAX_SOCKETS_LIMIT);
}

static const struct kernel_param_ops max_sockets_ops = {
	.set = max_sockets_set,
	.get = param_get_uint,
};

module_param_cb(max_sockets, &max_sockets_ops, &wfpredir_max_sockets, 0444);
MODULE_PARM_DESC(max_sockets,
		 "Most sockets per network namespace that may hold records (1-1048576, default 65536)");

unsigned int wfpredir_max_flows = 65536;

static int max_flows_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, WFPREDIR_MAX_FLOWS_LIMIT);
}

static const struct kernel_param_ops max_flows_ops = {
	.set = max_flows_set,
	.get = param_get_uint,
};

module_param_cb(max_flows, &max_flows_ops, &wfpredir_max_flows, 0444);
MODULE_PARM_DESC(max_flows,
		 "Most connections per network namespace that may hold records (1-4194304, default 65536)");

unsigned int wfpredir_max_rules = 262144;

static int max_rules_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, WFPREDIR_MAX_RULES_LIMIT);
}

static const struct kernel_param_ops max_rules_ops = {
	.set = max_rules_set,
	.get = param_get_uint,
};

module_param_cb(max_rules, &max_rules_ops, &wfpredir_max_rules, 0444);
MODULE_PARM_DESC(max_rules,
		 "Most rules per network namespace (1-4194304, default 262144)");

unsigned int wfpredir_net_id __read_mostly;

/* Serialises activation; it happens once per namespace that uses wfpredir. */
static DEFINE_MUTEX(wfpredir_activate_lock);

/* Nothing left that needs the hook: no service, rule, flow or socket. */
static bool wfpredir_net_unused(struct wfpredir_net *wn)
{
	return !READ_ONCE(wn->services.count) && !READ_ONCE(wn->rules.count) &&
	       !wfpredir_flowstore_count(&wn->flows) &&
	       !wfpredir_sockstore_count(&wn->socks);
}

/*
 * Under the config lock, so that no service or rule is being added with the
 * hook taken for granted; and the hook lock, so that a socket given records
 * either is counted here or registers the hook again after. A setter whose
 * wfpredir_hook_enable() takes no lock (hook.c has why that is correct)
 * checks the hook's @settled after its entry is in the store: it is
 * cleared here before the second look, which decides, with a full barrier
 * in between that pairs with the setter's. The first look only saves the
 * barrier when something is left, the common case.
 */
static void wfpredir_net_idle_work(struct work_struct *work)
{
	struct wfpredir_net *wn = container_of(work, struct wfpredir_net,
					       idle_work);

	mutex_lock(&wn->config_lock);
	mutex_lock(&wn->hook.lock);
	if (wn->hook.enabled && wfpredir_net_unused(wn)) {
		WRITE_ONCE(wn->hook.settled, false);
		/* Pairs with the barrier in wfpredir_hook_enable(). */
		smp_mb();
		if (wfpredir_net_unused(wn))
			wfpredir_hook_unregister(wn->net);
		else
			WRITE_ONCE(wn->hook.settled, true);
	}
	mutex_unlock(&wn->hook.lock);
	mutex_unlock(&wn->config_lock);
}

/**
 * wfpredir_net_maybe_idle - the last object may be gone: check, soon
 * @wn: the namespace's state
 *
 * Call after removing what may have been the namespace's last service,
 * rule, flow or socket entry. A work item checks, and if nothing is left,
 * unregisters the hook and lets go of conntrack (nf_ct_netns_put()).
 *
 * Context: any.
 */
void wfpredir_net_maybe_idle(struct wfpredir_net *wn)
{
	if (READ_ONCE(wn->hook.enabled) && wfpredir_net_unused(wn))
		queue_work(system_power_efficient_wq, &wn->idle_work);
}

static void wfpredir_flows_drained(struct wfpredir_flowstore *store)
{
	wfpredir_net_maybe_idle(container_of(store, struct wfpredir_net,
					     flows));
}

static void wfpredir_socks_drained(struct wfpredir_sockstore *store)
{
	wfpredir_net_maybe_idle(container_of(store, struct wfpredir_net,
					     socks));
}

static struct wfpredir_net *wfpredir_net_alloc(struct net *net)
{
	struct wfpredir_net *wn;
	int ret;

	wn = kzalloc(sizeof(*wn), GFP_KERNEL_ACCOUNT);
	if (!wn)
		return ERR_PTR(-ENOMEM);
	wn->net = net;
	get_random_bytes(wn->records_key, sizeof(wn->records_key));
	atomic64_set(&wn->flow_seq, get_random_u64());
	mutex_init(&wn->config_lock);
	wfpredir_hook_init(&wn->hook);
	INIT_WORK(&wn->idle_work, wfpredir_net_idle_work);
	wn->chain_max = WFPREDIR_CHAIN_MAX_DEFAULT;
	wn->inherit = true;

	ret = wfpredir_sockstore_init(&wn->socks, wfpredir_max_sockets);
	if (ret)
		goto err_socks;
	wn->socks.drained = wfpredir_socks_drained;
	ret = wfpredir_flowstore_init(&wn->flows, wfpredir_max_flows);
	if (ret)
		goto err_flows;
	wn->flows.drained = wfpredir_flows_drained;
	ret = wfpredir_services_init(&wn->services);
	if (ret)
		goto err_services;
	ret = wfpredir_ruleset_init(&wn->rules, wfpredir_max_rules);
	if (ret)
		goto err_rules;
	return wn;

err_rules:
	wfpredir_services_destroy(&wn->services);
err_services:
	wfpredir_flowstore_destroy(&wn->flows);
err_flows:
	wfpredir_sockstore_destroy(&wn->socks);
err_socks:
	kfree(wn);
	return ERR_PTR(ret);
}

/**
 * wfpredir_net_activate - wfpredir's state in a namespace, made if need be
 * @net: the namespace, which the caller keeps alive and not dismantled
 *	(the caller has a socket in it)
 *
 * Allocates the state on the namespace's first use, charged to the calling
 * task's memory cgroup. Does not register the hook.
 *
 * Context: process context; may sleep.
 * Return: the state; ERR_PTR(-ENOMEM).
 */
struct wfpredir_net *wfpredir_net_activate(struct net *net)
{
	struct wfpredir_pernet *pn = net_generic(net, wfpredir_net_id);
	struct wfpredir_net *wn = wfpredir_net_active(net);

	if (wn)
		return wn;
	mutex_lock(&wfpredir_activate_lock);
	wn = pn->wn;
	if (!wn) {
		wn = wfpredir_net_alloc(net);
		if (!IS_ERR(wn))
			/* Pairs with wfpredir_net_active(). */
			smp_store_release(&pn->wn, wn);
	}
	mutex_unlock(&wfpredir_activate_lock);
	return wn;
}

/* The hook goes first; the exit methods run after a grace period. */
static void __net_exit wfpredir_net_pre_exit(struct net *net)
{
	if (wfpredir_net_active(net))
		wfpredir_hook_disable(net);
}

static void __net_exit wfpredir_net_exit(struct net *net)
{
	struct wfpredir_pernet *pn = net_generic(net, wfpredir_net_id);
	struct wfpredir_net *wn = pn->wn;

	if (!wn)
		return;
	/* The collectors queue the idle check; it goes after them. */
	cancel_delayed_work_sync(&wn->flows.gc);
	cancel_delayed_work_sync(&wn->socks.gc);
	cancel_work_sync(&wn->idle_work);
	wfpredir_ruleset_destroy(&wn->rules);
	wfpredir_services_destroy(&wn->services);
	/* Conntrack's own exit waits for every reference to be dropped. */
	wfpredir_flowstore_destroy(&wn->flows);
	wfpredir_sockstore_destroy(&wn->socks);
	memzero_explicit(wn->records_key, sizeof(wn->records_key));
	kfree(wn);
	pn->wn = NULL;
}

static struct pernet_operations wfpredir_net_ops = {
	.pre_exit = wfpredir_net_pre_exit,
	.exit = wfpredir_net_exit,
	.id = &wfpredir_net_id,
	.size = sizeof(struct wfpredir_pernet),
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
