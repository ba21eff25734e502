/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSHIM_LINUX_SLAB_H
#define KSHIM_LINUX_SLAB_H

#include <linux/types.h>

#include <stddef.h>

#define GFP_KERNEL 0x1u
#define GFP_KERNEL_ACCOUNT 0x3u
#define GFP_ATOMIC 0x4u

/* Set by a fuzz target: the next kmalloc() calls fail, as under failslab. */
extern bool kshim_fail_alloc;

void *kmalloc(size_t size, gfp_t gfp);
void kfree(const void *p);

#endif
