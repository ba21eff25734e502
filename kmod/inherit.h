/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Chain inheritance: linking a proxy's connection that carries no records to
 * the redirected connection the proxy holds.
 */
#ifndef _WFPREDIR_INHERIT_H
#define _WFPREDIR_INHERIT_H

#include <linux/types.h>

struct wfpredir_flow_key;
struct wfpredir_net;
struct wfpredir_records;

const struct wfpredir_records *
wfpredir_inherit_find(struct wfpredir_net *wn,
		      const struct wfpredir_flow_key *key, u32 *self);

#endif /* _WFPREDIR_INHERIT_H */
