// SPDX-License-Identifier: GPL-2.0
/*
 * The socket options. Netfilter's sockopt registry hands us every number of
 * our block, on PF_INET (level SOL_IP, also for AF_INET6 TCP and UDP sockets)
 * and on PF_INET6 (level SOL_IPV6). The callbacks run in process context,
 * may sleep, and are called without the socket lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "flowstore.h"
#include "hook.h"
#include "netns.h"
#include "records.h"
#include "service.h"
#include "sockopt.h"
#include "sockstore.h"

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/minmax.h>
#include <linux/net.h>
#include <linux/netfilter.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/skbuff.h>
#include <linux/sockptr.h>
#include <linux/uaccess.h>
#include <linux/udp.h>
#include <net/inet_sock.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_tuple.h>
#include <net/sock.h>
#include <net/tcp_states.h>

static bool wfpredir_sk_is_tcp_udp(const struct sock *sk)
{
	return (sk->sk_type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP) ||
	       (sk->sk_type == SOCK_DGRAM && sk->sk_protocol == IPPROTO_UDP);
}

/* Too late to set records: connected, connecting or listening. */
static bool wfpredir_sk_is_busy(const struct sock *sk)
{
	int state = READ_ONCE(sk->sk_state);

	if (sk->sk_protocol == IPPROTO_TCP)
		return state != TCP_CLOSE;
	return state == TCP_ESTABLISHED;
}

/*
 * The socket has a peer, so there is a flow to ask about. An accepted TCP
 * Fast Open socket is still in SYN_RECV; a closing one keeps its flow until
 * it reaches CLOSE.
 */
static bool wfpredir_sk_has_peer(const struct sock *sk)
{
	if (sk->sk_protocol == IPPROTO_TCP)
		return (1 << sk->sk_state) &
		       (TCPF_ESTABLISHED | TCPF_SYN_RECV | TCPF_FIN_WAIT1 |
			TCPF_FIN_WAIT2 | TCPF_CLOSE_WAIT | TCPF_CLOSING |
			TCPF_LAST_ACK);
	return sk->sk_state == TCP_ESTABLISHED;
}

/*
 * The file of a user socket; NULL for a kernel socket (kapi.c's), whose
 * callers are trusted in-kernel code: they read and set as the initial
 * namespaces do, and read every flow.
 */
static struct file *wfpredir_sk_file(const struct sock *sk)
{
	return sk->sk_socket ? sk->sk_socket->file : NULL;
}

/*
 * The namespaces identities are told in for @sk: the user namespace of its
 * opener (as a file's credentials decide what it may do), the pid
 * namespace of the calling task (as SO_PEERCRED answers the asking task).
 */
static void wfpredir_sk_view(const struct sock *sk, struct wfpredir_view *view)
{
	struct file *file = wfpredir_sk_file(sk);

	view->user_ns = file ? file->f_cred->user_ns : &init_user_ns;
	view->pid_ns = file ? task_active_pid_ns(current) : &init_pid_ns;
}

/*
 * Give @sk, if it is still not busy, @records (verified, or issued by the
 * module), which the store owns if this succeeds.
 * Return: 0; -EISCONN, -ENOSPC or -ENOMEM.
 */
static int wfpredir_sock_keep_records(struct wfpredir_net *wn, struct sock *sk,
				      struct wfpredir_records *records)
{
	int ret;

	/* connect() and listen() change the state under the socket lock. */
	lock_sock(sk);
	if (wfpredir_sk_is_busy(sk))
		ret = -EISCONN;
	else
		ret = wfpredir_sockstore_set(&wn->socks, sk, records);
	release_sock(sk);
	return ret;
}

/**
 * wfpredir_sockopt_set_records - WFPREDIR_SO_SET_RECORDS
 * @wn: the state of @sk's network namespace
 * @sk: the socket
 * @arg: the records
 * @len: their length
 *
 * Runs the checks in the order uapi/linux/wfpredir.h gives, then stores the
 * records with the socket.
 *
 * Context: process context, socket not locked; takes the socket lock.
 * Return: 0; -EOPNOTSUPP, -EPERM, -EINVAL, -EISCONN, -EFAULT, -EPROTO,
 * -EBADMSG, -ENOSPC or -ENOMEM, as uapi/linux/wfpredir.h describes them.
 */
int wfpredir_sockopt_set_records(struct wfpredir_net *wn, struct sock *sk,
				 sockptr_t arg, unsigned int len)
{
	struct wfpredir_records *records;
	struct wfpredir_view view;
	int ret;

	if (!wfpredir_sk_is_tcp_udp(sk))
		return -EOPNOTSUPP;
	if (!sockopt_ns_capable(sock_net(sk)->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	if (len < WFPREDIR_RECORDS_MIN_LEN || len > WFPREDIR_RECORDS_MAX_LEN)
		return -EINVAL;
	/* Fail early without the lock; checked again under it below. */
	if (wfpredir_sk_is_busy(sk))
		return -EISCONN;

	records = wfpredir_records_alloc(len, GFP_KERNEL_ACCOUNT);
	if (!records)
		return -ENOMEM;
	if (copy_from_sockptr(records->data, arg, len)) {
		ret = -EFAULT;
		goto err;
	}
	/* A setter outside the initial namespaces read a view: take it back. */
	wfpredir_sk_view(sk, &view);
	if (wfpredir_view_is_init(&view))
		ret = wfpredir_records_verify(wn, records->data, len);
	else
		ret = wfpredir_records_from_view(wn, records->data, len, &view);
	if (ret)
		goto err;

	ret = wfpredir_sock_keep_records(wn, sk, records);
	if (ret)
		goto err;
	return 0;

err:
	kfree(records);
	return ret;
}

/*
 * The socket-side tuple (local -> peer, the reply direction of a redirected
 * flow) of a queued UDP datagram, from its headers, which stay in place
 * while it is queued: recvmsg() reads the source address from them too.
 */
static void wfpredir_skb_tuple(const struct sk_buff *skb,
			       struct nf_conntrack_tuple *tuple)
{
	const struct udphdr *uh = udp_hdr(skb);

	memset(tuple, 0, sizeof(*tuple));
	tuple->dst.protonum = IPPROTO_UDP;
	tuple->src.u.all = uh->dest;
	tuple->dst.u.all = uh->source;
	if (skb->protocol == htons(ETH_P_IP)) {
		tuple->src.l3num = AF_INET;
		tuple->src.u3.ip = ip_hdr(skb)->daddr;
		tuple->dst.u3.ip = ip_hdr(skb)->saddr;
	} else {
		tuple->src.l3num = AF_INET6;
		tuple->src.u3.in6 = ipv6_hdr(skb)->daddr;
		tuple->dst.u3.in6 = ipv6_hdr(skb)->saddr;
	}
}

/*
 * The tuple of the datagram the next recvmsg() on a bound UDP socket
 * returns: UDP reads its private reader_queue first, refilling it from
 * sk_receive_queue when it runs dry.
 * Return: 0; -ENOTCONN if @sk is not bound; -EAGAIN if nothing is queued.
 */
static int wfpredir_udp_head_tuple(struct sock *sk,
				   struct nf_conntrack_tuple *tuple)
{
	struct sk_buff_head *queues[] = {
		&udp_sk(sk)->reader_queue,
		&sk->sk_receive_queue,
	};
	struct sk_buff *skb;
	int i;

	if (!READ_ONCE(inet_sk(sk)->inet_num))
		return -ENOTCONN;
	for (i = 0; i < ARRAY_SIZE(queues); i++) {
		spin_lock_bh(&queues[i]->lock);
		skb = skb_peek(queues[i]);
		if (skb)
			wfpredir_skb_tuple(skb, tuple);
		spin_unlock_bh(&queues[i]->lock);
		if (skb)
			return 0;
	}
	return -EAGAIN;
}

/*
 * The tuple of the flow a query on @sk answers for: its connection, or for a
 * UDP socket without a peer the flow of the datagram at the head of its
 * receive queue.
 * Return: 0; -ENOTCONN or -EAGAIN.
 */
static int wfpredir_query_tuple(struct sock *sk,
				struct nf_conntrack_tuple *tuple)
{
	if (wfpredir_sk_has_peer(sk)) {
		wfpredir_sk_tuple(sk, tuple);
		return 0;
	}
	if (sk->sk_protocol != IPPROTO_UDP)
		return -ENOTCONN;
	return wfpredir_udp_head_tuple(sk, tuple);
}

/*
 * Whether @sk may read @flow. A flow redirected to a service is its owner's
 * (wfpredir_owner_holds_sk()); an unowned service's flows are for sockets
 * opened with CAP_NET_ADMIN over the namespace (the opener's credentials,
 * as netlink checks them, so that a privileged process handed a socket
 * does not lend it its privilege). A flow that was not redirected (a
 * proxy's onward connection, carrying records it set) is read by whoever
 * holds its other end, as before: the proxy chose to send them there.
 */
static bool wfpredir_may_read(struct wfpredir_net *wn,
			      const struct wfpredir_flow *flow,
			      const struct sock *sk)
{
	const struct wfpredir_service *service;
	struct file *file = wfpredir_sk_file(sk);

	if (!flow->service_id || !file)
		return true;
	service = wfpredir_service_lookup(wn, flow->service_id);
	if (service && wfpredir_owner_is_set(&service->owner))
		return wfpredir_owner_holds_sk(&service->owner, sk);
	return file_ns_capable(file, sock_net(sk)->user_ns, CAP_NET_ADMIN);
}

/* Tell the default context's uid and pid in @view's namespaces. */
static void wfpredir_context_to_view(u8 *context,
				     const struct wfpredir_view *view)
{
	struct wfpredir_context_process proc;
	u8 *p = context + 2 * WFPREDIR_CONTEXT_SOCKADDR_LEN;

	memcpy(&proc, p, sizeof(proc));
	proc.uid = wfpredir_view_uid(view, proc.uid);
	proc.pid = wfpredir_view_pid(view, proc.pid);
	memcpy(p, &proc, sizeof(proc));
}

/*
 * Copy @flow's records, as @view sees them, to @buf, which holds
 * WFPREDIR_RECORDS_MAX_LEN bytes. Under RCU.
 */
static void wfpredir_copy_records(struct wfpredir_net *wn,
				  const struct wfpredir_flow *flow, u8 *buf,
				  const struct wfpredir_view *view)
{
	wfpredir_flow_records_copy(flow, buf);
	if (!wfpredir_view_is_init(view))
		wfpredir_records_to_view(wn, buf,
					 wfpredir_flow_records_len(flow), view);
}

/*
 * The same for the context, @flow->context_len bytes; custom bytes are the
 * rule's, told as given. Every reader of a flow's context comes here.
 */
static void wfpredir_copy_context(const struct wfpredir_flow *flow, u8 *buf,
				  const struct wfpredir_view *view)
{
	wfpredir_flow_context_copy(flow, buf);
	if (!flow->custom_context && !wfpredir_view_is_init(view))
		wfpredir_context_to_view(buf, view);
}

/*
 * WFPREDIR_SO_GET_REDIRECT's answer for @flow into @buf, if it fits in
 * @size bytes. Under RCU.
 * Return: its length.
 */
static int wfpredir_copy_redirect(struct wfpredir_net *wn,
				  const struct wfpredir_flow *flow, u8 *buf,
				  size_t size, const struct wfpredir_view *view)
{
	struct wfpredir_redirect hdr = {
		.hdr_len = sizeof(hdr),
		.records_len = wfpredir_flow_records_len(flow),
		.context_len = flow->context_len,
	};
	size_t len = sizeof(hdr) + hdr.records_len + hdr.context_len;

	if (len > size)
		return len;
	if (flow->context_len && flow->custom_context)
		hdr.flags |= WFPREDIR_REDIRECT_F_CUSTOM_CONTEXT;
	memcpy(buf, &hdr, sizeof(hdr));
	wfpredir_copy_records(wn, flow, buf + sizeof(hdr), view);
	if (hdr.context_len)
		wfpredir_copy_context(flow, buf + sizeof(hdr) + hdr.records_len,
				      view);
	return len;
}

/*
 * Copy the records, the context, or both (WFPREDIR_SO_GET_REDIRECT) of the
 * flow of @tuple into @buf, if @sk may read them.
 * Return: their length (which may exceed @size: then nothing is copied);
 * -ENOENT if the connection holds no records, or holds some @sk may not
 * read (so that nobody learns which flows were redirected); -ENODATA if it
 * holds records but no context (it was not redirected: its socket passed
 * records on), for the context alone.
 */
static int wfpredir_flow_lookup(struct sock *sk,
				const struct nf_conntrack_tuple *tuple,
				int optval, void *buf, size_t size)
{
	struct net *net = sock_net(sk);
	struct wfpredir_net *wn = wfpredir_net_active(net);
	const struct wfpredir_flow *flow;
	struct wfpredir_view view;
	struct nf_conn *ct;
	int ret;

	if (!wn)
		return -ENOENT;
	ct = wfpredir_tuple_conntrack(net, tuple);
	if (!ct)
		return -ENOENT;

	wfpredir_sk_view(sk, &view);
	rcu_read_lock();
	flow = wfpredir_flowstore_lookup(&wn->flows, ct);
	if (!flow || !wfpredir_may_read(wn, flow, sk)) {
		ret = -ENOENT;
	} else if (optval == WFPREDIR_SO_GET_REDIRECT) {
		ret = wfpredir_copy_redirect(wn, flow, buf, size, &view);
	} else if (optval == WFPREDIR_SO_GET_RECORDS) {
		ret = wfpredir_flow_records_len(flow);
		if (ret <= size)
			wfpredir_copy_records(wn, flow, buf, &view);
	} else if (!flow->context_len) {
		ret = -ENODATA;
	} else {
		ret = flow->context_len;
		if (ret <= size)
			wfpredir_copy_context(flow, buf, &view);
	}
	rcu_read_unlock();

	nf_ct_put(ct);
	return ret;
}

/**
 * wfpredir_sock_query - the records or the context of a socket's flow
 * @sk: a TCP or UDP socket with a peer, or a bound UDP socket
 * @optval: %WFPREDIR_SO_GET_RECORDS, %WFPREDIR_SO_GET_CONTEXT or
 *	%WFPREDIR_SO_GET_REDIRECT
 * @buf: receives them, if they fit
 * @size: the size of @buf
 *
 * A UDP socket without a peer answers for the datagram at the head of its
 * receive queue.
 *
 * Context: process context, socket not locked; takes the socket lock.
 * Return: their length, which may exceed @size (then nothing is copied);
 * -EOPNOTSUPP, -ENOTCONN, -EAGAIN, -ENOENT or -ENODATA as
 * uapi/linux/wfpredir.h describes them for the socket options.
 */
int wfpredir_sock_query(struct sock *sk, int optval, void *buf, size_t size)
{
	struct nf_conntrack_tuple tuple;
	int ret;

	if (!wfpredir_sk_is_tcp_udp(sk))
		return -EOPNOTSUPP;
	lock_sock(sk);
	ret = wfpredir_query_tuple(sk, &tuple);
	release_sock(sk);
	if (ret)
		return ret;
	return wfpredir_flow_lookup(sk, &tuple, optval, buf, size);
}

/*
 * WFPREDIR_SO_GET_DGRAM_FLOW (@claim) and _PEEK_DGRAM_FLOW into @buf, which
 * holds WFPREDIR_DGRAM_FLOW_MAX_LEN bytes; @size is what the caller can take.
 * Return: the length of the answer (nothing is claimed if it exceeds @size);
 * -EOPNOTSUPP, -ENOTCONN or -EAGAIN.
 */
static int wfpredir_dgram_flow(struct sock *sk, bool claim, void *buf,
			       size_t size)
{
	struct wfpredir_net *wn = wfpredir_net_active(sock_net(sk));
	struct wfpredir_dgram_flow *df = buf;
	struct wfpredir_flow *flow;
	struct nf_conntrack_tuple tuple;
	struct wfpredir_view view;
	struct nf_conn *ct;
	u8 *data = buf + sizeof(*df);
	size_t len = sizeof(*df);
	u32 rlen, clen;
	bool first;
	int ret;

	if (sk->sk_type != SOCK_DGRAM || sk->sk_protocol != IPPROTO_UDP)
		return -EOPNOTSUPP;
	ret = wfpredir_udp_head_tuple(sk, &tuple);
	if (ret)
		return ret;

	memset(df, 0, sizeof(*df));
	df->family = tuple.src.l3num;
	df->local_port = tuple.src.u.all;
	df->peer_port = tuple.dst.u.all;
	memcpy(df->local_addr, &tuple.src.u3, sizeof(df->local_addr));
	memcpy(df->peer_addr, &tuple.dst.u3, sizeof(df->peer_addr));

	if (!wn)
		return len;
	ct = wfpredir_tuple_conntrack(sock_net(sk), &tuple);
	if (!ct)
		return len;
	wfpredir_sk_view(sk, &view);
	rcu_read_lock();
	flow = wfpredir_flowstore_lookup(&wn->flows, ct);
	/* A flow @sk may not read is told as one without records. */
	if (flow && wfpredir_may_read(wn, flow, sk)) {
		rlen = wfpredir_flow_records_len(flow);
		clen = flow->context_len;
		len += rlen + clen;
		if (len <= size) {
			wfpredir_copy_records(wn, flow, data, &view);
			if (clen)
				wfpredir_copy_context(flow, data + rlen,
						      &view);
			df->records_len = rlen;
			df->context_len = clen;
			if (claim)
				first = wfpredir_flow_claim(flow);
			else
				first = !wfpredir_flow_is_claimed(flow);
			if (first)
				df->flags |= WFPREDIR_DGRAM_F_FIRST;
		}
	}
	rcu_read_unlock();
	nf_ct_put(ct);
	return len;
}

/*
 * Copy a get option's answer of @ret bytes to the user. The IP layers copy
 * *len back only on success, so a buffer that is too small succeeds, with
 * nothing copied and *len the size required.
 */
static int wfpredir_put_answer(void __user *user, int *len, const void *buf,
			       int ret)
{
	if (ret <= *len && copy_to_user(user, buf, ret))
		return -EFAULT;
	*len = ret;
	return 0;
}

static int wfpredir_get_dgram_flow(struct sock *sk, int optval,
				   void __user *user, int *len)
{
	void *buf;
	int ret;

	BUILD_BUG_ON(WFPREDIR_CONTEXT_DEFAULT_LEN >
		     WFPREDIR_CONTEXT_MAX_CUSTOM_LEN);
	if (*len < 0)
		return -EINVAL;
	buf = kmalloc(WFPREDIR_DGRAM_FLOW_MAX_LEN, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = wfpredir_dgram_flow(sk, optval == WFPREDIR_SO_GET_DGRAM_FLOW,
				  buf, *len);
	if (ret >= 0)
		ret = wfpredir_put_answer(user, len, buf, ret);
	kfree(buf);
	return ret;
}

/*
 * The answers of one flow that fit here (one or two record entries with the
 * default context, the common case) go to the user without a heap bounce;
 * small enough for the shallow stack of a getsockopt() call.
 */
#define WFPREDIR_QUERY_STACK_LEN	512

static int wfpredir_get_flow_data(struct sock *sk, int optval,
				  void __user *user, int *len)
{
	u8 stack_buf[WFPREDIR_QUERY_STACK_LEN] __aligned(8);
	size_t size;
	void *buf;
	int ret;

	if (*len < 0)
		return -EINVAL;

	ret = wfpredir_sock_query(sk, optval, stack_buf,
				  min_t(size_t, *len, sizeof(stack_buf)));
	if (ret < 0)
		return ret;
	/* Copied, or too small for the caller: no bounce needed. */
	if (ret <= (int)sizeof(stack_buf) || ret > *len)
		return wfpredir_put_answer(user, len, stack_buf, ret);

	/*
	 * Fits the caller but not the stack: ask again into the heap, sized
	 * for any answer, as the head datagram of a UDP socket may have
	 * changed meanwhile.
	 */
	if (optval == WFPREDIR_SO_GET_RECORDS)
		size = WFPREDIR_RECORDS_MAX_LEN;
	else if (optval == WFPREDIR_SO_GET_REDIRECT)
		size = WFPREDIR_REDIRECT_MAX_LEN;
	else
		size = max_t(size_t, WFPREDIR_CONTEXT_DEFAULT_LEN,
			     WFPREDIR_CONTEXT_MAX_CUSTOM_LEN);

	buf = kmalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = wfpredir_sock_query(sk, optval, buf, size);
	if (ret >= 0)
		ret = wfpredir_put_answer(user, len, buf, ret);
	kfree(buf);
	return ret;
}

/*
 * The records move onto the connection in the hook, so the hook must be
 * registered in the socket's namespace; not before the records proved
 * good, so that nobody without them can turn conntrack on. Called once @sk
 * holds records: they go again if the hook cannot be registered.
 */
static int wfpredir_sock_hook(struct wfpredir_net *wn, struct sock *sk)
{
	int ret = wfpredir_hook_enable(sock_net(sk));

	if (ret)
		wfpredir_records_free(wfpredir_sockstore_take(&wn->socks, sk));
	return ret;
}

/**
 * wfpredir_sock_set_records - give a socket records for its next connection
 * @sk: a TCP or UDP socket, not connected
 * @arg: the records, from user or kernel memory
 * @len: their length
 *
 * Context: process context, socket not locked; takes the socket lock.
 * Return: 0 or the errors of wfpredir_sockopt_set_records(); -ENOMEM if
 * the hook could not be registered.
 */
int wfpredir_sock_set_records(struct sock *sk, sockptr_t arg, unsigned int len)
{
	struct wfpredir_net *wn = wfpredir_net_activate(sock_net(sk));
	int ret;

	if (IS_ERR(wn))
		return PTR_ERR(wn);
	ret = wfpredir_sockopt_set_records(wn, sk, arg, len);
	if (ret)
		return ret;
	return wfpredir_sock_hook(wn, sk);
}

/**
 * wfpredir_sockopt_clear_records - WFPREDIR_SO_CLEAR_RECORDS
 * @wn: the state of @sk's network namespace
 * @sk: the socket
 * @len: the option length, which must be 0
 *
 * Drops records the socket was given and no new connection took. Only the
 * socket's own records go, so no privilege is needed.
 *
 * Context: process context, socket not locked.
 * Return: 0, whether or not the socket held records; -EOPNOTSUPP for a
 * socket other than TCP or UDP; -EINVAL if @len is not 0.
 */
int wfpredir_sockopt_clear_records(struct wfpredir_net *wn, struct sock *sk,
				   unsigned int len)
{
	if (!wfpredir_sk_is_tcp_udp(sk))
		return -EOPNOTSUPP;
	if (len)
		return -EINVAL;
	/* A namespace that never used wfpredir has no records to drop. */
	if (wn)
		wfpredir_records_free(wfpredir_sockstore_take(&wn->socks, sk));
	return 0;
}

/*
 * The accepted socket of a hand-off to @sk: a TCP or UDP socket of @sk's
 * namespace, with a reference for the caller to drop (sockfd_put()).
 * Return: the socket, or NULL with *@err set: -EBADF, -ENOTSOCK,
 * -EPROTOTYPE or -EXDEV.
 */
static struct socket *wfpredir_handoff_from(const struct sock *sk, int fd,
					    int *err)
{
	struct socket *from = sockfd_lookup(fd, err);
	const struct sock *from_sk;

	if (!from)
		return NULL;
	from_sk = from->sk;
	/*
	 * The family first: a packet socket's sk_protocol is an ethertype,
	 * which may read as IPPROTO_UDP, and the query reads inet_sk().
	 */
	if ((from_sk->sk_family != AF_INET && from_sk->sk_family != AF_INET6) ||
	    !wfpredir_sk_is_tcp_udp(from_sk))
		*err = -EPROTOTYPE;
	else if (!net_eq(sock_net(from_sk), sock_net(sk)))
		*err = -EXDEV;
	else
		return from;
	sockfd_put(from);
	return NULL;
}

/*
 * Where a hand-off's accepted socket and answer are: in the option's buffer
 * (@answer_len NULL: the answer's length goes to the option's len), or, with
 * WFPREDIR_HANDOFF_F_BUFFERS, in the caller's buffers the request names.
 */
struct wfpredir_handoff_args {
	int from_fd;
	void __user *answer;
	int room;
	u32 __user *answer_len;
};

static int wfpredir_handoff_args(void __user *user, int len,
				 struct wfpredir_handoff_args *args)
{
	struct wfpredir_handoff_buffers req;

	if (copy_from_user(&req.head, user, sizeof(req.head)))
		return -EFAULT;
	if (req.head.flags & ~WFPREDIR_HANDOFF_F_BUFFERS)
		return -EINVAL;
	if (!req.head.flags) {
		*args = (struct wfpredir_handoff_args){
			.from_fd = req.head.from_fd,
			.answer = user,
			.room = len,
		};
		return 0;
	}
	if (len < (int)sizeof(req))
		return -EINVAL;
	if (copy_from_user(&req, user, sizeof(req)))
		return -EFAULT;
	if (req.reserved || req.answer_len > INT_MAX)
		return -EINVAL;
	if (get_user(args->from_fd,
		     (s32 __user *)u64_to_user_ptr(req.from_fd_ptr)))
		return -EFAULT;
	args->answer = u64_to_user_ptr(req.answer);
	args->room = req.answer_len;
	args->answer_len =
		&((struct wfpredir_handoff_buffers __user *)user)->answer_len;
	return 0;
}

/*
 * The answer when it fits and, for a buffers request, its length: 0 or
 * -EFAULT. The option's len, for the other request, is the caller's to set.
 */
static int wfpredir_handoff_answer(const struct wfpredir_handoff_args *args,
				   const void *buf, int ret)
{
	if (ret <= args->room && copy_to_user(args->answer, buf, ret))
		return -EFAULT;
	return args->answer_len ? put_user(ret, args->answer_len) : 0;
}

/*
 * WFPREDIR_SO_HANDOFF on @sk, the onward socket, with the checks in the
 * order uapi/linux/wfpredir.h gives. The answer is WFPREDIR_SO_GET_REDIRECT's
 * on the accepted socket, and the records @sk keeps are those in it: the
 * flow's own blob when the answer was told in the initial namespaces, else
 * what a set of the view would store (wfpredir_records_from_own_view()).
 * The blob is not verified again: it comes straight from the flow table,
 * where only the module puts blobs, and never passed through user space.
 * The answer is copied out before the records are kept, so that a call
 * that fails hands nothing on.
 */
static int wfpredir_get_handoff(struct sock *sk, void __user *user, int *len)
{
	u8 stack_buf[WFPREDIR_QUERY_STACK_LEN] __aligned(8);
	struct wfpredir_records *records = NULL;
	struct wfpredir_handoff_args args;
	struct wfpredir_redirect hdr;
	struct wfpredir_view view;
	struct wfpredir_net *wn;
	struct socket *from;
	void *buf = stack_buf;
	int ret, err;

	if (!wfpredir_sk_is_tcp_udp(sk))
		return -EOPNOTSUPP;
	if (!sockopt_ns_capable(sock_net(sk)->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	if (*len < (int)sizeof(struct wfpredir_handoff))
		return -EINVAL;
	/* Fail early; checked again under the socket lock. */
	if (wfpredir_sk_is_busy(sk))
		return -EISCONN;
	ret = wfpredir_handoff_args(user, *len, &args);
	if (ret)
		return ret;
	from = wfpredir_handoff_from(sk, args.from_fd, &ret);
	if (!from)
		return ret;

	ret = wfpredir_sock_query(from->sk, WFPREDIR_SO_GET_REDIRECT, buf,
				  min_t(size_t, args.room, sizeof(stack_buf)));
	/* Fits the caller but not the stack: as wfpredir_get_flow_data(). */
	if (ret > (int)sizeof(stack_buf) && ret <= args.room) {
		buf = kmalloc(WFPREDIR_REDIRECT_MAX_LEN, GFP_KERNEL);
		if (!buf) {
			buf = stack_buf;
			ret = -ENOMEM;
			goto out;
		}
		ret = wfpredir_sock_query(from->sk, WFPREDIR_SO_GET_REDIRECT,
					  buf, WFPREDIR_REDIRECT_MAX_LEN);
	}
	if (ret < 0)
		goto out;
	/* Too small: the size is the answer, and nothing is handed on. */
	if (ret > args.room) {
		ret = wfpredir_handoff_answer(&args, buf, ret) ?: ret;
		goto out;
	}

	/* A flow was found, so the namespace's state exists. */
	wn = wfpredir_net_active(sock_net(sk));
	memcpy(&hdr, buf, sizeof(hdr));
	records = wfpredir_records_alloc(hdr.records_len, GFP_KERNEL_ACCOUNT);
	if (!records) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(records->data, buf + hdr.hdr_len, hdr.records_len);
	/* The view the query used: that of the accepted socket's reader. */
	wfpredir_sk_view(from->sk, &view);
	if (!wfpredir_view_is_init(&view))
		wfpredir_records_from_own_view(wn, records->data, records->len,
					       &view);

	err = wfpredir_handoff_answer(&args, buf, ret);
	if (!err)
		err = wfpredir_sock_keep_records(wn, sk, records);
	if (err) {
		ret = err;
		goto out;
	}
	records = NULL;
	err = wfpredir_sock_hook(wn, sk);
	if (err)
		ret = err;

out:
	/* The option's len: the answer's length or the size needed. */
	if (ret >= 0 && !args.answer_len)
		*len = ret;
	kfree(records);
	if (buf != stack_buf)
		kfree(buf);
	sockfd_put(from);
	return ret < 0 ? ret : 0;
}

static int wfpredir_setsockopt(struct sock *sk, int optval, sockptr_t arg,
			       unsigned int len)
{
	switch (optval) {
	case WFPREDIR_SO_SET_RECORDS:
		return wfpredir_sock_set_records(sk, arg, len);
	case WFPREDIR_SO_CLEAR_RECORDS:
		return wfpredir_sockopt_clear_records(wfpredir_net_active(sock_net(sk)),
						      sk, len);
	default:
		return -ENOPROTOOPT;
	}
}

static int wfpredir_getsockopt(struct sock *sk, int optval, void __user *user,
			       int *len)
{
	switch (optval) {
	case WFPREDIR_SO_GET_RECORDS:
	case WFPREDIR_SO_GET_CONTEXT:
	case WFPREDIR_SO_GET_REDIRECT:
		return wfpredir_get_flow_data(sk, optval, user, len);
	case WFPREDIR_SO_GET_DGRAM_FLOW:
	case WFPREDIR_SO_PEEK_DGRAM_FLOW:
		return wfpredir_get_dgram_flow(sk, optval, user, len);
	case WFPREDIR_SO_HANDOFF:
		return wfpredir_get_handoff(sk, user, len);
	default:
		return -ENOPROTOOPT;
	}
}

/*
 * Each family registers the whole block, so that options added later never
 * change what is registered, and so that a clash shows at load time.
 */
static struct nf_sockopt_ops wfpredir_sockopts[] __read_mostly = {
	{
		.pf = PF_INET,
		.set_optmin = WFPREDIR_SO_BASE,
		.set_optmax = WFPREDIR_SO_BASE + WFPREDIR_SO_RANGE,
		.set = wfpredir_setsockopt,
		.get_optmin = WFPREDIR_SO_BASE,
		.get_optmax = WFPREDIR_SO_BASE + WFPREDIR_SO_RANGE,
		.get = wfpredir_getsockopt,
		.owner = THIS_MODULE,
	}, {
		.pf = PF_INET6,
		.set_optmin = WFPREDIR_SO_BASE,
		.set_optmax = WFPREDIR_SO_BASE + WFPREDIR_SO_RANGE,
		.set = wfpredir_setsockopt,
		.get_optmin = WFPREDIR_SO_BASE,
		.get_optmax = WFPREDIR_SO_BASE + WFPREDIR_SO_RANGE,
		.get = wfpredir_getsockopt,
		.owner = THIS_MODULE,
	},
};

/**
 * wfpredir_sockopt_init - register the socket options for IPv4 and IPv6
 *
 * Context: module init.
 * Return: 0; -EBUSY if another module holds part of the block.
 */
int __init wfpredir_sockopt_init(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(wfpredir_sockopts); i++) {
		ret = nf_register_sockopt(&wfpredir_sockopts[i]);
		if (ret) {
			if (ret == -EBUSY)
				pr_err("socket options [%d, %d) are already registered for %s by another module, not loading\n",
				       WFPREDIR_SO_BASE,
				       WFPREDIR_SO_BASE + WFPREDIR_SO_RANGE,
				       wfpredir_sockopts[i].pf == PF_INET ?
				       "IPv4" : "IPv6");
			while (--i >= 0)
				nf_unregister_sockopt(&wfpredir_sockopts[i]);
			return ret;
		}
	}
	return 0;
}

/**
 * wfpredir_sockopt_uninit - unregister the socket options
 *
 * Context: module init (unwinding) or exit. At exit no call is running: the
 * sockopt core holds a module reference across each.
 */
void wfpredir_sockopt_uninit(void)
{
	int i;

	for (i = ARRAY_SIZE(wfpredir_sockopts) - 1; i >= 0; i--)
		nf_unregister_sockopt(&wfpredir_sockopts[i]);
}
