// SPDX-License-Identifier: GPL-2.0
/* Refuses to load: tests/vm/run must report the insmod failure. */
#include <linux/module.h>

static int __init vmtest_fail_init(void)
{
	return -ENODEV;
}

module_init(vmtest_fail_init);
MODULE_DESCRIPTION("tests/vm/run self-test: a module that fails to load");
MODULE_LICENSE("GPL");
