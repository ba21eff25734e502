// SPDX-License-Identifier: GPL-2.0
/*
 * Uses nf_nat, as wfpredir does: on the Debian kernel tests/vm/run must
 * modprobe it first, on the debug kernel it is built in.
 */
#include <linux/module.h>
#include <net/netfilter/nf_nat_redirect.h>

static int __init vmtest_dep_init(void)
{
	pr_info("vmtest_dep: nf_nat_redirect_ipv4 at %ps\n", nf_nat_redirect_ipv4);
	return 0;
}

static void __exit vmtest_dep_exit(void)
{
}

module_init(vmtest_dep_init);
module_exit(vmtest_dep_exit);
MODULE_DESCRIPTION("tests/vm/run self-test: a module with a dependency");
MODULE_LICENSE("GPL");
