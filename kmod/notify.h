/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events: the family's multicast group (uapi/linux/wfpredir.h, "Events").
 */
#ifndef _WFPREDIR_NOTIFY_H
#define _WFPREDIR_NOTIFY_H

#include "netlink.h"

#include <linux/types.h>
#include <linux/uidgid.h>
#include <net/genetlink.h>

struct net;
struct nf_conn;
struct sk_buff;
struct wfpredir_net;
struct wfpredir_rule;
struct wfpredir_service;

/* The family's groups; the events group is the first. */
#define WFPREDIR_NOTIFY_GROUP 0
extern const struct genl_multicast_group wfpredir_notify_mcgrps[1];

/**
 * wfpredir_notify_listening - whether anyone listens to @net's events
 * @net: the namespace
 *
 * One read of the group's listener bitmap: the packet path builds no event
 * while nobody listens. The bitmap is netlink's, for all namespaces: while
 * another namespace listens, events of @net are built and then reach no one.
 *
 * Context: any.
 * Return: true if a socket, of @net or another namespace, has joined the
 * events group.
 */
static inline bool wfpredir_notify_listening(struct net *net)
{
	return WFPREDIR_EVENTS &&
	       genl_has_listeners(&wfpredir_genl_family, net,
				  WFPREDIR_NOTIFY_GROUP);
}

struct sk_buff *wfpredir_notify_service_msg(struct net *net, u8 cmd,
					    const struct wfpredir_service *service);
struct sk_buff *wfpredir_notify_rule_msg(struct wfpredir_net *wn, u8 cmd,
					 u32 id);
void wfpredir_notify_send(struct net *net, struct sk_buff *msg, int err);
void wfpredir_notify_new_service(struct wfpredir_net *wn, u32 id, int err);
void wfpredir_notify_new_rule(struct wfpredir_net *wn, u32 id, int err);
void wfpredir_notify_flush(struct net *net, u8 cmd, const char *table,
			   int err);

/* Most tables one APPLY replaces: one per vendor. */
#define WFPREDIR_APPLY_TABLES_MAX 64

/**
 * struct wfpredir_notify_table - what an APPLY did to one table
 * @name: the table
 * @services_deleted: its services the APPLY deleted
 * @services_added: the services it created in the table
 * @services_kept: its services identical in the new content
 * @rules_deleted: its rules before the APPLY (all of them went)
 * @rules_added: its rules after
 */
struct wfpredir_notify_table {
	char name[WFPREDIR_TABLE_NAME_MAX];
	u32 services_deleted;
	u32 services_added;
	u32 services_kept;
	u32 rules_deleted;
	u32 rules_added;
};

/**
 * struct wfpredir_notify_apply - an APPLY's tables, for its events
 * @n_tables: how many in @tables
 * @listening: someone listened when the APPLY was about to commit: the
 *	counts are taken and the events sent
 * @tables: the tables it replaces
 */
struct wfpredir_notify_apply {
	unsigned int n_tables;
	bool listening;
	struct wfpredir_notify_table tables[WFPREDIR_APPLY_TABLES_MAX];
};

struct wfpredir_notify_table *
wfpredir_notify_table(struct wfpredir_notify_apply *apply,
		      const char *table);
void wfpredir_notify_apply_prepare(struct wfpredir_net *wn,
				   struct wfpredir_notify_apply *apply);
void wfpredir_notify_apply_commit(struct wfpredir_net *wn,
				  struct wfpredir_notify_apply *apply);

void __wfpredir_notify_flow(struct net *net, const struct nf_conn *ct,
			    u8 event, u8 reason,
			    const struct wfpredir_rule *rule, kuid_t uid);

/**
 * wfpredir_notify_flow - tell the events group about a new flow
 * @net: the flow's namespace
 * @ct: its conntrack entry; for a redirect, with the NAT binding set up
 * @event: WFPREDIR_FLOW_EVENT_*
 * @reason: WFPREDIR_FLOW_REASON_*, or 0 for a redirect
 * @rule: the rule that redirected it or had chosen it, or NULL
 * @uid: the sending socket's uid
 *
 * Does nothing unless someone listens; never sleeps, and drops the event
 * if memory is short (the listeners then read ENOBUFS).
 *
 * Context: the packet path, or any atomic context.
 */
static inline void wfpredir_notify_flow(struct net *net,
					const struct nf_conn *ct, u8 event,
					u8 reason,
					const struct wfpredir_rule *rule,
					kuid_t uid)
{
	if (unlikely(wfpredir_notify_listening(net)))
		__wfpredir_notify_flow(net, ct, event, reason, rule, uid);
}

#endif /* _WFPREDIR_NOTIFY_H */
