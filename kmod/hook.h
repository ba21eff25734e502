/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The NAT hook: the redirect decision for each new locally sent flow.
 */
#ifndef _WFPREDIR_HOOK_H
#define _WFPREDIR_HOOK_H

#include <linux/mutex.h>
#include <linux/types.h>

struct net;

/**
 * struct wfpredir_hook - the hook's registration in one namespace
 * @lock: serialises registering and unregistering
 * @enabled: the NAT functions are registered and conntrack is held
 * @settled: @enabled, and no idle check is deciding whether to unregister
 *	them: wfpredir_hook_enable() may return at once, without @lock
 */
struct wfpredir_hook {
	struct mutex lock; /* serialises registering and unregistering */
	bool enabled;
	bool settled;
};

void wfpredir_hook_init(struct wfpredir_hook *hook);
int wfpredir_hook_enable(struct net *net);
void wfpredir_hook_unregister(struct net *net);
void wfpredir_hook_disable(struct net *net);

#endif /* _WFPREDIR_HOOK_H */
