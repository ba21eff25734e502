// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredir: connection-redirect records for Linux, after Windows WFP.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "kapi.h"
#include "netlink.h"
#include "netns.h"
#include "records.h"
#include "sockopt.h"
#include "sockstore.h"

#include <linux/genetlink.h>
#include <linux/init.h>
#include <linux/module.h>

static int __init wfpredir_mod_init(void)
{
	int ret;

#ifdef DEBUG
	if (!wfpredir_records_selftest() || !wfpredir_sockstore_selftest() ||
	    !wfpredir_sockopt_selftest() || !wfpredir_ruleset_selftest() ||
	    !wfpredir_kapi_selftest())
		return -ENOTRECOVERABLE;
	pr_info("self-tests: pass\n");
#endif

	ret = wfpredir_netns_init();
	if (ret)
		goto err_netns;

	ret = wfpredir_sockopt_init();
	if (ret)
		goto err_sockopt;

	ret = wfpredir_kapi_init();
	if (ret)
		goto err_kapi;

	ret = wfpredir_genl_init();
	if (ret)
		goto err_genl;

	pr_info("%s loaded: socket options [%d, %d), genl family %s\n",
		WFPREDIR_VERSION, WFPREDIR_SO_BASE,
		WFPREDIR_SO_BASE + WFPREDIR_SO_RANGE, WFPREDIR_GENL_NAME);
	return 0;

err_genl:
	wfpredir_kapi_uninit();
err_kapi:
	wfpredir_sockopt_uninit();
err_sockopt:
	wfpredir_netns_uninit();
err_netns:
	return ret;
}

static void __exit wfpredir_mod_exit(void)
{
	wfpredir_genl_uninit();
	wfpredir_kapi_uninit();
	wfpredir_sockopt_uninit();
	wfpredir_netns_uninit();
}

module_init(wfpredir_mod_init);
module_exit(wfpredir_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Windows WFP connection-redirect records for Linux");
MODULE_AUTHOR("The wfpredir authors");
MODULE_VERSION(WFPREDIR_VERSION);
MODULE_ALIAS_GENL_FAMILY(WFPREDIR_GENL_NAME);
