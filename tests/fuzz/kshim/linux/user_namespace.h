/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSHIM_LINUX_USER_NAMESPACE_H
#define KSHIM_LINUX_USER_NAMESPACE_H

#include <linux/types.h>
#include <linux/uidgid.h>

struct ns_common {
	unsigned int inum;
};

/* One extent: uids [0, count) of the namespace are [first, first + count)
 * of init_user_ns. */
struct user_namespace {
	struct ns_common ns;
	u32 first;
	u32 count;
};

extern struct user_namespace init_user_ns;

#endif
