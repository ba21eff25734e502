/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSHIM_LINUX_UIDGID_H
#define KSHIM_LINUX_UIDGID_H

#include <linux/types.h>

struct user_namespace;

typedef struct {
	u32 val;
} kuid_t;

extern u32 overflowuid;

kuid_t make_kuid(struct user_namespace *ns, u32 uid);
u32 from_kuid_munged(struct user_namespace *ns, kuid_t kuid);

#endif
