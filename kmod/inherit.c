// SPDX-License-Identifier: GPL-2.0
/*
 * Chain inheritance. A proxy that hands its records on makes loops
 * impossible: the kernel sees the whole chain on the proxy's new connection.
 * A proxy that does not (a legacy proxy using SO_ORIGINAL_DST, or a broken
 * one) starts every connection with an empty chain, and two such proxies
 * with rules for the same traffic would hand a flow back and forth forever.
 *
 * So when a socket opens a connection without records and a rule matches
 * it, the kernel looks at the process that is connecting: if it holds a
 * socket accepted at a service's listen address, whose redirected connection
 * has the same original destination as the new one, the new connection
 * continues that connection's chain, its entries marked inherited, and is
 * never sent back to that service: the process holding a connection
 * accepted at a service's address is that service's proxy, so a single
 * legacy proxy behind a rule just works. The other inherited entries count
 * toward the chain cap, which ends a loop of several such proxies after a
 * bounded number of laps; they never exclude a service, because linking the
 * chain is the kernel's inference, not the proxy's word.
 *
 * The scan walks the connecting task's file table once, under its lock, and
 * looks at sockets only; it runs only in the task that sent the first packet
 * (connect(), or sendmsg() for UDP), only for flows a rule matches that
 * carry no records, and it stops after WFPREDIR_INHERIT_MAX_SOCKETS sockets.
 */

#include "flowstore.h"
#include "inherit.h"
#include "netns.h"
#include "records.h"
#include "ruleset.h"
#include "service.h"

#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/net.h>
#include <linux/sched.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#define WFPREDIR_INHERIT_MAX_SOCKETS 16384

struct wfpredir_inherit_scan {
	struct wfpredir_net *wn;
	struct net *net;
	const struct wfpredir_flow_key *key;
	const struct wfpredir_records *best;
	u32 best_service;
	unsigned int sockets;
};

static bool wfpredir_same_destination(const struct nf_conn *ct,
				      const struct wfpredir_flow_key *key)
{
	const struct nf_conntrack_tuple *orig =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;

	return nf_ct_l3num(ct) == key->family &&
	       orig->dst.u.all == key->dport &&
	       nf_inet_addr_cmp(&orig->dst.u3, &key->daddr);
}

static int wfpredir_inherit_visit(const void *arg, struct file *file,
				  unsigned int fd)
{
	struct wfpredir_inherit_scan *scan = (void *)arg;
	const struct wfpredir_service_addr *at;
	const struct wfpredir_flow *flow;
	struct nf_conntrack_tuple tuple;
	struct socket *sock;
	struct nf_conn *ct;
	struct sock *sk;

	sock = sock_from_file(file);
	if (!sock)
		return 0;
	if (++scan->sockets > WFPREDIR_INHERIT_MAX_SOCKETS)
		return 1;

	sk = READ_ONCE(sock->sk);
	if (!sk || !sk_fullsock(sk) || !net_eq(sock_net(sk), scan->net) ||
	    (sk->sk_protocol != IPPROTO_TCP &&
	     sk->sk_protocol != IPPROTO_UDP) ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6))
		return 0;
	/* Only a socket with a peer carries a connection. */
	if (READ_ONCE(sk->sk_state) != TCP_ESTABLISHED)
		return 0;
	wfpredir_sk_tuple(sk, &tuple);
	at = wfpredir_service_find_by_addr(scan->wn, tuple.src.l3num,
					   &tuple.src.u3, tuple.src.u.all);
	if (!at)
		return 0;

	ct = wfpredir_tuple_conntrack(scan->net, &tuple);
	if (!ct)
		return 0;
	flow = wfpredir_flowstore_lookup(&scan->wn->flows, ct);
	if (flow && flow->service_id && wfpredir_same_destination(ct, scan->key) &&
	    (!scan->best ||
	     wfpredir_records_count(flow->records) >
	     wfpredir_records_count(scan->best))) {
		scan->best = flow->records;
		scan->best_service = at->service->id;
	}
	nf_ct_put(ct);
	return 0;
}

/**
 * wfpredir_inherit_find - the chain a records-less connection continues
 * @wn: the namespace
 * @key: the new connection; @key->sk is the socket that opened it
 * @self: set to the id of the service at whose address the process holds
 *	the connection the chain comes from: the process is that service's
 *	proxy, and its own connections must not go back to it
 *
 * Context: the packet path, under rcu_read_lock(), in the task that sent the
 * connection's first packet.
 * Return: the longest chain among the redirected connections to the same
 * destination that the current task's process holds at a service address;
 * valid until rcu_read_unlock(). NULL if there is none.
 */
const struct wfpredir_records *
wfpredir_inherit_find(struct wfpredir_net *wn,
		      const struct wfpredir_flow_key *key, u32 *self)
{
	struct wfpredir_inherit_scan scan = {
		.wn = wn,
		.net = sock_net(key->sk),
		.key = key,
	};

	if (!in_task() || (current->flags & PF_KTHREAD) || !current->files)
		return NULL;
	iterate_fd(current->files, 0, wfpredir_inherit_visit, &scan);
	*self = scan.best_service;
	return scan.best;
}
