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

unsigned int wfpredir_net_id __read_mostly;

static int __net_init wfpredir_net_init(struct net *net)
{
	struct wfpredir_net *wn = wfpredir_net(net);

	get_random_bytes(wn->records_key, sizeof(wn->records_key));
	atomic64_set(&wn->flow_seq, get_random_u64());
	return wfpredir_sockstore_init(&wn->socks, max_sockets);
}

static void __net_exit wfpredir_net_exit(struct net *net)
{
	struct wfpredir_net *wn = wfpredir_net(net);

	wfpredir_sockstore_destroy(&wn->socks);
	memzero_explicit(wn->records_key, sizeof(wn->records_key));
}

static struct pernet_operations wfpredir_net_ops = {
	.init = wfpredir_net_init,
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
 * Context: module init (unwinding) or exit, after the socket options are
 * unregistered. Releases every socket still holding records, then waits for
 * the RCU callbacks that drop the last socket references: they run module
 * code.
 */
void wfpredir_netns_uninit(void)
{
	unregister_pernet_subsys(&wfpredir_net_ops);
	rcu_barrier();
}
