// SPDX-License-Identifier: GPL-2.0
/*
 * Chain inheritance: whose flow a records-less connection of a proxy
 * continues. A proxy that hands its records on needs none of this. A proxy
 * that does not (a legacy proxy using SO_ORIGINAL_DST, or a broken one)
 * starts every connection with an empty chain; inheritance links it to the
 * redirected connection the proxy holds, so the chain, and with it the
 * chain cap, carries on, and the proxy's own service is not taken again.
 *
 * It is attribution, not the loop bound: a service with an owner bounds
 * loops without any inference (owner.c). Here the kernel infers, so it is
 * careful about what it claims:
 *
 *  - It runs only when a rule matches the new connection, and costs a hash
 *    lookup plus at most WFPREDIR_INHERIT_CANDIDATES checks: the flow store
 *    indexes redirected flows by a hash of their original destination,
 *    newest first, and a proxy's onward connection goes to the original
 *    destination of the flow it holds, right after accepting it. A flow to
 *    another destination with the same hash (rare: 32 bits under a secret
 *    seed) is passed over, and counts toward the checks.
 *  - A candidate is a redirected flow to the same destination and protocol
 *    held by the sender: for an owned service, the sending socket belongs to
 *    the owner; for an unowned one, the socket that received the flow at the
 *    service (found by its conntrack reply tuple, in any TCP state, so a
 *    client's half-close changes nothing) was opened or accepted under the
 *    sending task's credentials, or its parent's (a proxy that forks a child
 *    per accepted connection, as socat and inetd do); for a first packet
 *    retransmitted from softirq, under the sending socket's credentials.
 *    A proxy that passes accepted sockets to another process over a unix
 *    socket is not linked: give its service an owner.
 *  - Exactly one candidate, or several of one client's flow (the same
 *    flow id: hops of a loop through this proxy): the chain continues the
 *    longest, entries flagged WFPREDIR_RECORD_F_INHERITED. Several flows of
 *    different flow ids (a proxy holding flows of two clients to one
 *    destination): nothing says which one this connection
 *    serves, so no client's identity is copied: the chain gets one
 *    service-only entry (WFPREDIR_RECORD_F_SERVICE_ONLY) per entry of the
 *    longest candidate, which count toward the cap as the real ones would.
 *
 * Either way the copied run ends with the entry of the held flow's service
 * (a candidate is a redirected flow, whose last entry is its own redirect),
 * and for an owned service that flow was held by the owner's socket:
 * hook.c takes such a run's last entry as a fact when the chain comes back.
 */

#include "flowstore.h"
#include "inherit.h"
#include "netns.h"
#include "owner.h"
#include "records.h"
#include "ruleset.h"
#include "service.h"

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/net.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <net/inet6_hashtables.h>
#include <net/inet_hashtables.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/udp.h>

/* A proxy connects onward right after it accepts: its flow is among these. */
#define WFPREDIR_INHERIT_CANDIDATES 8

/*
 * The socket that received a redirected flow at its service: local address
 * the reply direction's source, peer its destination. A reference is held.
 */
static struct sock *wfpredir_service_side_sk(struct net *net,
					     const struct nf_conn *ct)
{
	const struct nf_conntrack_tuple *t =
		&ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	struct sock *sk = NULL;

	switch (nf_ct_l3num(ct) << 8 | nf_ct_protonum(ct)) {
	case AF_INET << 8 | IPPROTO_TCP:
		sk = inet_lookup_established(net,
					     net->ipv4.tcp_death_row.hashinfo,
					     t->dst.u3.ip, t->dst.u.all,
					     t->src.u3.ip, t->src.u.all, 0);
		break;
	case AF_INET << 8 | IPPROTO_UDP:
		sk = udp4_lib_lookup(net, t->dst.u3.ip, t->dst.u.all,
				     t->src.u3.ip, t->src.u.all, 0);
		break;
#if IS_ENABLED(CONFIG_IPV6)
	case AF_INET6 << 8 | IPPROTO_TCP:
		sk = __inet6_lookup_established(net,
						net->ipv4.tcp_death_row.hashinfo,
						&t->dst.u3.in6, t->dst.u.all,
						&t->src.u3.in6,
						ntohs(t->src.u.all), 0, 0);
		break;
	case AF_INET6 << 8 | IPPROTO_UDP:
		sk = udp6_lib_lookup(net, &t->dst.u3.in6, t->dst.u.all,
				     &t->src.u3.in6, t->src.u.all, 0);
		break;
#endif
	}
	if (sk && !sk_fullsock(sk)) {
		sock_gen_put(sk);
		sk = NULL;
	}
	return sk;
}

/* The credentials @sk's file was opened (or accepted) under, or NULL. */
static const struct cred *wfpredir_sk_file_cred(const struct sock *sk)
{
	const struct socket *sock = READ_ONCE(sk->sk_socket);
	const struct file *file = sock ? READ_ONCE(sock->file) : NULL;

	return file ? file->f_cred : NULL;
}

/*
 * Whether the sender holds the unowned service's side of @flow: in the task
 * that sends, by its credentials or its parent's. A first packet sent from
 * softirq is a retransmission (a SYN whose first copy was dropped before
 * its connection was confirmed, by conntrack short of memory, say): its
 * task is gone, and the sending socket's file stands for it, opened under
 * the credentials it had. Without that, the proxy's own service would take
 * the retransmitted connection back, a hop of a loop.
 */
static bool wfpredir_task_holds(struct net *net, const struct nf_conn *ct,
				const struct sock *sender)
{
	const struct cred *cred;
	struct sock *sk;
	bool held = false;

	sk = wfpredir_service_side_sk(net, ct);
	if (!sk)
		return false;
	/* Only compared, never dereferenced: the file keeps it alive. */
	cred = wfpredir_sk_file_cred(sk);
	if (!cred)
		held = false;
	else if (in_task() && !(current->flags & PF_KTHREAD))
		held = cred == current_cred() ||
		       cred == __task_cred(rcu_dereference(current->real_parent));
	else if (!in_task())
		held = cred == wfpredir_sk_file_cred(sender);
	sock_gen_put(sk);
	return held;
}

static bool wfpredir_sender_holds(const struct wfpredir_flow_key *key,
				  const struct nf_conn *ct,
				  const struct wfpredir_service *service)
{
	if (wfpredir_owner_is_set(&service->owner))
		return wfpredir_owner_holds_sk(&service->owner, key->sk);
	return wfpredir_task_holds(sock_net(key->sk), ct, key->sk);
}

/*
 * The service of entry @i of @flow's chain. A first redirect's chain, kept
 * as parts, has one entry: the flow's own.
 */
static __be32 wfpredir_chain_service(const struct wfpredir_flow *flow,
				     unsigned int i)
{
	if (flow->own_chain)
		return cpu_to_be32(flow->service_id);
	return wfpredir_records_entry(flow->records, i)->service_id;
}

/* One service-only entry per entry of @like's chain: who, never copied. */
static struct wfpredir_records *
wfpredir_inherit_anonymous(struct wfpredir_net *wn,
			   const struct wfpredir_flow *like)
{
	struct wfpredir_records *records = NULL, *next;
	struct wfpredir_record_entry entry;
	unsigned int i;

	for (i = 0; i < wfpredir_flow_chain_count(like); i++) {
		memset(&entry, 0, sizeof(entry));
		entry.service_id = wfpredir_chain_service(like, i);
		entry.flags = WFPREDIR_RECORD_F_INHERITED |
			      WFPREDIR_RECORD_F_SERVICE_ONLY;
		next = wfpredir_records_append(wn, records, 0, &entry,
					       GFP_ATOMIC | __GFP_ACCOUNT);
		if (records)
			wfpredir_records_free(records);
		if (IS_ERR(next))
			return next;
		records = next;
	}
	return records;
}

/**
 * wfpredir_inherit_find - the chain a records-less connection continues
 * @wn: the namespace
 * @key: the new connection; @key->sk is the socket that opened it
 * @found: filled in: the chain and the service it came through
 *
 * See the top of this file for what is inferred.
 *
 * Context: the packet path, under rcu_read_lock(), in the task that sent the
 * connection's first packet, or in softirq for a retransmitted one.
 * Return: 0 with @found->records NULL if nothing is inherited; 0 with the
 * chain (@found->owned set when the caller must free it); or -ENOMEM.
 */
int wfpredir_inherit_find(struct wfpredir_net *wn,
			  const struct wfpredir_flow_key *key,
			  struct wfpredir_inherited *found)
{
	const struct wfpredir_flow *longest = NULL;
	const struct wfpredir_service *service;
	struct rhlist_head *pos;
	struct wfpredir_flow *flow;
	unsigned int seen = 0, held = 0;
	bool ambiguous = false;

	memset(found, 0, sizeof(*found));
	wfpredir_flowstore_for_dest(&wn->flows, key, flow, pos) {
		if (++seen > WFPREDIR_INHERIT_CANDIDATES)
			break;
		/* The index is by a hash: another destination may share it. */
		if (!flow->service_id || !wfpredir_flow_goes_to(flow, key))
			continue;
		service = wfpredir_service_lookup(wn, flow->service_id);
		if (!service ||
		    !wfpredir_sender_holds(key, flow->ct, service))
			continue;
		if (held++ && found->self != service->id)
			found->self = 0;
		else
			found->self = service->id;
		/* hops of one client's flow (a loop) are one candidate */
		if (longest && wfpredir_flow_chain_id(flow) !=
			       wfpredir_flow_chain_id(longest))
			ambiguous = true;
		if (!longest || wfpredir_flow_chain_count(flow) >
				wfpredir_flow_chain_count(longest))
			longest = flow;
	}
	if (!held)
		return 0;
	if (!ambiguous && !longest->own_chain) {
		found->records = longest->records;
		return 0;
	}
	if (!ambiguous) {
		/*
		 * A first redirect keeps its chain as parts (flowstore.h):
		 * the connection continues a blob of its own.
		 */
		found->owned = wfpredir_flow_records_dup(longest, GFP_ATOMIC |
							 __GFP_ACCOUNT);
		if (!found->owned)
			return -ENOMEM;
		found->records = found->owned;
		return 0;
	}
	found->owned = wfpredir_inherit_anonymous(wn, longest);
	if (IS_ERR(found->owned)) {
		int err = PTR_ERR(found->owned);

		found->owned = NULL;
		return err;
	}
	found->records = found->owned;
	return 0;
}
