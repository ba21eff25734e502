// SPDX-License-Identifier: GPL-2.0
/*
 * Events: what changes in a namespace, multicast to the listeners of the
 * family's events group in that namespace (uapi/linux/wfpredir.h,
 * "Events"), as rtnetlink and ctnetlink tell theirs.
 *
 * Configuration changes are told under the config lock by the command
 * handlers, so that listeners see them in the order they were made; the
 * message of a deletion is built before the object goes and sent only if
 * it went. Flow events come from the packet path: there, nothing is done
 * while nobody listens (one look at the group's listener bitmap), and an
 * event is built with GFP_ATOMIC and dropped if memory is short. Either
 * way a lost event is not silent: the listeners get ENOBUFS, as they do
 * when their receive buffer overflows during a flood.
 *
 * Joining the group needs CAP_NET_ADMIN over the namespace (checked by the
 * core at bind, GENL_MCAST_CAP_NET_ADMIN): the events name other users'
 * connections, as the dumps do.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "netns.h"
#include "notify.h"
#include "ruleset.h"
#include "service.h"

#include <linux/lockdep.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netlink.h>

const struct genl_multicast_group wfpredir_notify_mcgrps[1] = {
	[WFPREDIR_NOTIFY_GROUP] = {
		.name = WFPREDIR_GENL_MCGRP_EVENTS,
#if WFPREDIR_EVENTS
		/* Registered only where the core checks this (compat.h). */
		.flags = GENL_MCAST_CAP_NET_ADMIN,
#endif
	},
};

/*
 * Count an event some listener of @net missed (GET_INFO's
 * WFPREDIR_A_STATS_EVENTS_LOST): the listener is told only that it missed
 * some, the admin wants to know how often it happens.
 */
static void wfpredir_notify_count_lost(struct net *net)
{
	struct wfpredir_net *wn = wfpredir_net_active(net);

	if (wn)
		atomic64_inc(&wn->stats.events_lost);
}

/* Tell the listeners of @net that they missed an event. */
static void wfpredir_notify_lost(struct net *net)
{
	wfpredir_notify_count_lost(net);
	genl_set_err(&wfpredir_genl_family, net, 0, WFPREDIR_NOTIFY_GROUP,
		     -ENOBUFS);
}

/* Send @msg to the listeners of @net, counting it if one missed it. */
static void wfpredir_notify_multicast(struct net *net, struct sk_buff *msg,
				      gfp_t gfp)
{
	int err;

	err = genlmsg_multicast_netns(&wfpredir_genl_family, net, msg, 0,
				      WFPREDIR_NOTIFY_GROUP, gfp);
	/*
	 * -ESRCH: no listener of @net got it because there is none (the
	 * group's bit was set by another namespace's). -ENOBUFS: a listener
	 * missed it, its receive buffer full (netlink has already made its
	 * next read fail with ENOBUFS). Netlink tells the sender only of
	 * listeners that set NETLINK_BROADCAST_ERROR, as libwfpredir's
	 * monitor does: a loss of another listener goes uncounted, though
	 * that listener is told.
	 */
	if (err && err != -ESRCH)
		wfpredir_notify_count_lost(net);
}

/*
 * A configuration event's message, with its header; NULL if nobody
 * listens or memory is short (then the listeners have been told).
 */
static struct sk_buff *wfpredir_notify_start(struct net *net, u8 cmd,
					     void **hdr)
{
	struct sk_buff *msg;

	if (!wfpredir_notify_listening(net))
		return NULL;
	/* A rule or service with the longest cgroup path and context fits. */
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto lost;
	*hdr = genlmsg_put(msg, 0, 0, &wfpredir_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		goto lost;
	}
	return msg;
lost:
	wfpredir_notify_lost(net);
	return NULL;
}

/* Finish @msg, or drop it if @err; then it is lost for the listeners. */
static struct sk_buff *wfpredir_notify_end(struct net *net,
					   struct sk_buff *msg, void *hdr,
					   int err)
{
	if (err) {
		nlmsg_free(msg);
		wfpredir_notify_lost(net);
		return NULL;
	}
	genlmsg_end(msg, hdr);
	return msg;
}

/**
 * wfpredir_notify_service_msg - the event for a service, to send later
 * @net: the service's namespace
 * @cmd: WFPREDIR_CMD_NEW_SERVICE or WFPREDIR_CMD_DEL_SERVICE
 * @service: the service, as its dump shows it
 *
 * Built before a deletion, while the service exists; wfpredir_notify_send()
 * sends it once the deletion is done, or frees it.
 *
 * Context: process context, under &wfpredir_net.config_lock.
 * Return: the message, or NULL if nobody listens or memory is short.
 */
struct sk_buff *wfpredir_notify_service_msg(struct net *net, u8 cmd,
					    const struct wfpredir_service *service)
{
	struct sk_buff *msg;
	void *hdr;

	msg = wfpredir_notify_start(net, cmd, &hdr);
	if (!msg)
		return NULL;
	/* Owner uids as the namespace's owner sees them. */
	return wfpredir_notify_end(net, msg, hdr,
				   wfpredir_fill_service(msg, service,
							 net->user_ns));
}

/**
 * wfpredir_notify_rule_msg - the event for a rule, to send later
 * @wn: the rule's namespace state
 * @cmd: WFPREDIR_CMD_NEW_RULE or WFPREDIR_CMD_DEL_RULE
 * @id: the rule's id; no message if there is no such rule
 *
 * As wfpredir_notify_service_msg().
 *
 * Context: process context, under &wfpredir_net.config_lock.
 * Return: the message, or NULL.
 */
struct sk_buff *wfpredir_notify_rule_msg(struct wfpredir_net *wn, u8 cmd,
					 u32 id)
{
	const struct wfpredir_rule *rule;
	unsigned long next = id;
	struct sk_buff *msg;
	void *hdr;
	int err = -ENOENT;

	msg = wfpredir_notify_start(wn->net, cmd, &hdr);
	if (!msg)
		return NULL;
	rcu_read_lock();
	rule = wfpredir_rule_next(wn, &next);
	if (rule && rule->id == id)
		err = wfpredir_fill_rule(msg, rule);
	rcu_read_unlock();
	if (err == -ENOENT) {
		/* Nothing to tell: the deletion will fail as well. */
		nlmsg_free(msg);
		return NULL;
	}
	return wfpredir_notify_end(wn->net, msg, hdr, err);
}

/**
 * wfpredir_notify_send - send an event built earlier, or drop it
 * @net: the namespace
 * @msg: from wfpredir_notify_*_msg(), or NULL
 * @err: the change's result: the event is sent only if 0
 *
 * Context: process context, under &wfpredir_net.config_lock.
 */
void wfpredir_notify_send(struct net *net, struct sk_buff *msg, int err)
{
	if (!msg)
		return;
	if (err) {
		nlmsg_free(msg);
		return;
	}
	wfpredir_notify_multicast(net, msg, GFP_KERNEL);
}

/**
 * wfpredir_notify_new_service - tell that a service was created
 * @wn: the namespace state
 * @id: the new service's id
 * @err: the creation's result; nothing is told unless 0
 *
 * Context: process context, under &wfpredir_net.config_lock.
 */
void wfpredir_notify_new_service(struct wfpredir_net *wn, u32 id, int err)
{
	const struct wfpredir_service *service;
	struct sk_buff *msg = NULL;

	if (err || !wfpredir_notify_listening(wn->net))
		return;
	/* The config lock keeps it; the lookup is an RCU reader. */
	rcu_read_lock();
	service = wfpredir_service_lookup(wn, id);
	rcu_read_unlock();
	if (service)
		msg = wfpredir_notify_service_msg(wn->net,
						  WFPREDIR_CMD_NEW_SERVICE,
						  service);
	wfpredir_notify_send(wn->net, msg, 0);
}

/**
 * wfpredir_notify_new_rule - tell that a rule was created
 * @wn: the namespace state
 * @id: the new rule's id
 * @err: the creation's result; nothing is told unless 0
 *
 * Context: process context, under &wfpredir_net.config_lock.
 */
void wfpredir_notify_new_rule(struct wfpredir_net *wn, u32 id, int err)
{
	if (err)
		return;
	wfpredir_notify_send(wn->net,
			     wfpredir_notify_rule_msg(wn, WFPREDIR_CMD_NEW_RULE,
						      id), 0);
}

/**
 * wfpredir_notify_flush - tell that a table's, or every, service or rule
 *	was deleted
 * @net: the namespace
 * @cmd: WFPREDIR_CMD_FLUSH_SERVICES or WFPREDIR_CMD_FLUSH_RULES
 * @table: the table flushed, or NULL for all
 * @err: the flush's result; nothing is told unless 0
 *
 * Context: process context, under &wfpredir_net.config_lock.
 */
void wfpredir_notify_flush(struct net *net, u8 cmd, const char *table,
			   int err)
{
	struct sk_buff *msg;
	void *hdr;

	if (err)
		return;
	msg = wfpredir_notify_start(net, cmd, &hdr);
	if (!msg)
		return;
	err = table ? nla_put_string(msg, WFPREDIR_A_TABLE, table) : 0;
	wfpredir_notify_send(net, wfpredir_notify_end(net, msg, hdr, err), 0);
}

/**
 * wfpredir_notify_table - an APPLY's entry for a table
 * @apply: the APPLY's tables
 * @table: the table's name
 *
 * Return: the entry, or NULL if the APPLY does not replace @table.
 */
struct wfpredir_notify_table *
wfpredir_notify_table(struct wfpredir_notify_apply *apply,
		      const char *table)
{
	unsigned int i;

	for (i = 0; i < apply->n_tables; i++)
		if (!strcmp(apply->tables[i].name, table))
			return &apply->tables[i];
	return NULL;
}

/*
 * Count the rules of @apply's tables: before the commit, the rules by id
 * are the old ones (the new ones enter the id index at the commit), and an
 * APPLY deletes every rule of a table it replaces; after, the new ones.
 */
static void wfpredir_notify_count_rules(struct wfpredir_net *wn,
					struct wfpredir_notify_apply *apply,
					bool committed)
{
	struct wfpredir_notify_table *t;
	const struct wfpredir_rule *rule;
	unsigned long id = 0;

	/* The config lock keeps each rule while it is looked at. */
	for (; (rule = wfpredir_rule_next(wn, &id)); id++) {
		t = wfpredir_notify_table(apply, wfpredir_rule_table(rule));
		if (t && committed)
			t->rules_added++;
		else if (t)
			t->rules_deleted++;
		cond_resched();
	}
}

/* @service's part in the counts of its table, if the APPLY replaces it. */
static void wfpredir_notify_count_service(struct wfpredir_notify_apply *apply,
					  const struct wfpredir_service *service)
{
	struct wfpredir_notify_table *t;

	t = wfpredir_notify_table(apply, service->table);
	if (!t)
		return;
	if (service->tx_doomed)
		t->services_deleted++;
	else if (service->tx_new)
		t->services_added++;
	else
		t->services_kept++;
}

/**
 * wfpredir_notify_apply_prepare - what an APPLY deletes, before its commit
 * @wn: the namespace state
 * @apply: the tables the APPLY replaces; their counts are filled in
 *
 * Nothing is counted while nobody listens.
 *
 * Context: process context, under &wfpredir_net.config_lock, the APPLY
 * prepared and checked.
 */
void wfpredir_notify_apply_prepare(struct wfpredir_net *wn,
				   struct wfpredir_notify_apply *apply)
{
	struct wfpredir_service *service;
	unsigned long id;

	lockdep_assert_held(&wn->config_lock);
	apply->listening = apply->n_tables &&
			   wfpredir_notify_listening(wn->net);
	if (!apply->listening)
		return;
	xa_for_each(&wn->services.by_id, id, service) {
		wfpredir_notify_count_service(apply, service);
		/* Not in the xarray until the commit: counted by its slot. */
		if (service->tx_id_heir)
			wfpredir_notify_count_service(apply, service->tx_id_heir);
	}
	wfpredir_notify_count_rules(wn, apply, false);
}

/* The APPLY event of one table. */
static void wfpredir_notify_apply_table(struct net *net,
					const struct wfpredir_notify_table *t)
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = wfpredir_notify_start(net, WFPREDIR_CMD_APPLY, &hdr);
	if (!msg)
		return;
	err = nla_put_string(msg, WFPREDIR_A_TABLE, t->name) ||
	      nla_put_u32(msg, WFPREDIR_A_APPLY_SERVICES_DELETED,
			  t->services_deleted) ||
	      nla_put_u32(msg, WFPREDIR_A_APPLY_SERVICES_ADDED,
			  t->services_added) ||
	      nla_put_u32(msg, WFPREDIR_A_APPLY_SERVICES_KEPT,
			  t->services_kept) ||
	      nla_put_u32(msg, WFPREDIR_A_APPLY_RULES_DELETED,
			  t->rules_deleted) ||
	      nla_put_u32(msg, WFPREDIR_A_APPLY_RULES_ADDED, t->rules_added) ?
	      -EMSGSIZE : 0;
	wfpredir_notify_send(net, wfpredir_notify_end(net, msg, hdr, err), 0);
}

/**
 * wfpredir_notify_apply_commit - tell what a committed APPLY changed
 * @wn: the namespace state
 * @apply: from wfpredir_notify_apply_prepare(), before the commit
 *
 * One event per table replaced, in the order the APPLY named them (see
 * "Events" in uapi/linux/wfpredir.h for why not one per object). Not
 * called for an APPLY that failed or only checked: nothing changed.
 *
 * Context: process context, under &wfpredir_net.config_lock, right after
 * the commit.
 */
void wfpredir_notify_apply_commit(struct wfpredir_net *wn,
				  struct wfpredir_notify_apply *apply)
{
	unsigned int i;

	if (!apply->listening)
		return;
	wfpredir_notify_count_rules(wn, apply, true);
	for (i = 0; i < apply->n_tables; i++)
		wfpredir_notify_apply_table(wn->net, &apply->tables[i]);
}

static size_t wfpredir_notify_flow_size(void)
{
	return nla_total_size(0) +			/* WFPREDIR_A_FLOW */
	       2 * nla_total_size(sizeof(u8)) +		/* FAMILY, PROTOCOL */
	       3 * nla_total_size(16) +			/* *_SADDR, *_DADDR */
	       3 * nla_total_size(sizeof(u16)) +	/* *_SPORT, *_DPORT */
	       2 * nla_total_size(sizeof(u32)) +	/* SERVICE, RULE */
	       2 * nla_total_size(sizeof(u8)) +		/* EVENT, REASON */
	       nla_total_size(sizeof(u32));		/* UID */
}

static int wfpredir_notify_fill_flow(struct sk_buff *msg, struct net *net,
				     const struct nf_conn *ct, u8 event,
				     u8 reason,
				     const struct wfpredir_rule *rule,
				     kuid_t uid)
{
	const struct nf_conntrack_tuple *orig =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	const struct nf_conntrack_tuple *reply =
		&ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	u8 family = orig->src.l3num;
	int alen = family == AF_INET ? 4 : 16;
	struct nlattr *nest;

	nest = nla_nest_start(msg, WFPREDIR_A_FLOW);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(msg, WFPREDIR_A_FLOW_FAMILY, family) ||
	    nla_put_u8(msg, WFPREDIR_A_FLOW_PROTOCOL, orig->dst.protonum) ||
	    nla_put(msg, WFPREDIR_A_FLOW_ORIG_SADDR, alen, &orig->src.u3) ||
	    nla_put_u16(msg, WFPREDIR_A_FLOW_ORIG_SPORT,
			ntohs(orig->src.u.all)) ||
	    nla_put(msg, WFPREDIR_A_FLOW_ORIG_DADDR, alen, &orig->dst.u3) ||
	    nla_put_u16(msg, WFPREDIR_A_FLOW_ORIG_DPORT,
			ntohs(orig->dst.u.all)) ||
	    nla_put_u8(msg, WFPREDIR_A_FLOW_EVENT, event) ||
	    nla_put_u32(msg, WFPREDIR_A_FLOW_UID,
			from_kuid_munged(net->user_ns, uid)))
		return -EMSGSIZE;
	/* Redirected: the reply comes from where the flow was sent. */
	if (event == WFPREDIR_FLOW_EVENT_REDIRECT &&
	    (nla_put(msg, WFPREDIR_A_FLOW_REDIR_DADDR, alen, &reply->src.u3) ||
	     nla_put_u16(msg, WFPREDIR_A_FLOW_REDIR_DPORT,
			 ntohs(reply->src.u.all))))
		return -EMSGSIZE;
	if (rule &&
	    (nla_put_u32(msg, WFPREDIR_A_FLOW_SERVICE, rule->service->id) ||
	     nla_put_u32(msg, WFPREDIR_A_FLOW_RULE, rule->id)))
		return -EMSGSIZE;
	if (reason && nla_put_u8(msg, WFPREDIR_A_FLOW_REASON, reason))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* See wfpredir_notify_flow(), which checks for listeners first. */
void __wfpredir_notify_flow(struct net *net, const struct nf_conn *ct,
			    u8 event, u8 reason,
			    const struct wfpredir_rule *rule, kuid_t uid)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(wfpredir_notify_flow_size(), GFP_ATOMIC);
	if (!msg)
		goto lost;
	hdr = genlmsg_put(msg, 0, 0, &wfpredir_genl_family, 0,
			  WFPREDIR_CMD_FLOW_EVENT);
	if (!hdr ||
	    wfpredir_notify_fill_flow(msg, net, ct, event, reason, rule, uid)) {
		/* Cannot happen: the size above counts every attribute. */
		nlmsg_free(msg);
		goto lost;
	}
	genlmsg_end(msg, hdr);
	/* A listener whose buffer is full misses it, and reads ENOBUFS. */
	wfpredir_notify_multicast(net, msg, GFP_ATOMIC);
	return;
lost:
	wfpredir_notify_lost(net);
}
