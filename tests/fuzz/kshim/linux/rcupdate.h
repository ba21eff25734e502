/* SPDX-License-Identifier: GPL-2.0 */
/* One thread, no readers to wait for: a grace period is immediate. */
#ifndef KSHIM_LINUX_RCUPDATE_H
#define KSHIM_LINUX_RCUPDATE_H

#include <linux/slab.h>

struct rcu_head {
	void *next;
	void (*func)(struct rcu_head *head);
};

#define rcu_read_lock() \
	do {            \
	} while (0)
#define rcu_read_unlock() \
	do {              \
	} while (0)
#define kfree_rcu(p, field) kfree(p)

#endif
