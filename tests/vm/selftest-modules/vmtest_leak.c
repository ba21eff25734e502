// SPDX-License-Identifier: GPL-2.0
/* Leaks one allocation: kmemleak on the debug kernel must fail the run. */
#include <linux/module.h>
#include <linux/slab.h>

static void *vmtest_leak_ptr;

static int __init vmtest_leak_init(void)
{
	vmtest_leak_ptr = kmalloc(1024, GFP_KERNEL);
	if (!vmtest_leak_ptr)
		return -ENOMEM;
	/* Forget it: nothing references the object any more. */
	WRITE_ONCE(vmtest_leak_ptr, NULL);
	return 0;
}

static void __exit vmtest_leak_exit(void)
{
}

module_init(vmtest_leak_init);
module_exit(vmtest_leak_exit);
MODULE_DESCRIPTION("tests/vm/run self-test: a module that leaks memory");
MODULE_LICENSE("GPL");
