/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSHIM_LINUX_PID_H
#define KSHIM_LINUX_PID_H

#include <linux/types.h>

struct pid_namespace;

/* A process, numbered in the initial namespace and at most one child. */
struct pid {
	u32 nr;
	struct pid_namespace *child;
	u32 child_nr;
};

struct pid *find_pid_ns(int nr, struct pid_namespace *ns);
u32 pid_nr_ns(struct pid *pid, const struct pid_namespace *ns);
u32 pid_nr(struct pid *pid);

#endif
