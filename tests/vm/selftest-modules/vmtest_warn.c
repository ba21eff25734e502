// SPDX-License-Identifier: GPL-2.0
/* WARNs once when loaded: tests/vm/run must fail the run. */
#include <linux/module.h>

static int __init vmtest_warn_init(void)
{
	WARN_ON(1);
	return 0;
}

static void __exit vmtest_warn_exit(void)
{
}

module_init(vmtest_warn_init);
module_exit(vmtest_warn_exit);
MODULE_DESCRIPTION("tests/vm/run self-test: a module that warns");
MODULE_LICENSE("GPL");
