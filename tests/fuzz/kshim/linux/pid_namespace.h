/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSHIM_LINUX_PID_NAMESPACE_H
#define KSHIM_LINUX_PID_NAMESPACE_H

#include <linux/pid.h>
#include <linux/user_namespace.h>

struct pid_namespace {
	struct ns_common ns;
};

extern struct pid_namespace init_pid_ns;

#endif
