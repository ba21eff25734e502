// SPDX-License-Identifier: GPL-2.0
/* Does nothing: tests/vm/run must insert and remove it cleanly. */
#include <linux/module.h>

static int __init vmtest_noop_init(void)
{
	return 0;
}

static void __exit vmtest_noop_exit(void)
{
}

module_init(vmtest_noop_init);
module_exit(vmtest_noop_exit);
MODULE_DESCRIPTION("tests/vm/run self-test: a module that does nothing");
MODULE_LICENSE("GPL");
