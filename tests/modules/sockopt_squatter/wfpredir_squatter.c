// SPDX-License-Identifier: GPL-2.0
/*
 * A test module that takes one socket option of wfpredir's block, so that
 * tests/kselftest/sockopt_collision.sh can check that wfpredir.ko then
 * refuses to load and says why.
 */
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/socket.h>

#include "../../../kmod/uapi/linux/wfpredir.h"

static int squatter_get(struct sock *sk, int optval, void __user *user, int *len)
{
	return -ENOPROTOOPT;
}

static struct nf_sockopt_ops squatter_ops = {
	.pf = PF_INET6,
	.get_optmin = WFPREDIR_SO_BASE + WFPREDIR_SO_RANGE - 1,
	.get_optmax = WFPREDIR_SO_BASE + WFPREDIR_SO_RANGE,
	.get = squatter_get,
	.owner = THIS_MODULE,
};

static int __init squatter_init(void)
{
	return nf_register_sockopt(&squatter_ops);
}

static void __exit squatter_exit(void)
{
	nf_unregister_sockopt(&squatter_ops);
}

module_init(squatter_init);
module_exit(squatter_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wfpredir test: holds the last get option of wfpredir's block");
