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

/**
 * struct wfpredir_inherited - what a connection inherits
 * @records: the chain it continues, or NULL; valid until rcu_read_unlock()
 * @owned: @records when it was built for this connection (service-only
 *	entries, or a copy of a first redirect's chain, which its flow keeps
 *	as parts): the caller frees it
 * @self: the service whose proxy is sending, if one service is: its own
 *	connections must not go back to it; 0 if unknown
 */
struct wfpredir_inherited {
	const struct wfpredir_records *records;
	struct wfpredir_records *owned;
	u32 self;
};

int wfpredir_inherit_find(struct wfpredir_net *wn,
			  const struct wfpredir_flow_key *key,
			  struct wfpredir_inherited *found);

#endif /* _WFPREDIR_INHERIT_H */
