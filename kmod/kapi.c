// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel API (include/wfpredir/wfpredir.h): the socket options as
 * functions on a struct socket for in-kernel clients, 0 or -errno. The
 * synchronous calls run the socket-option code in the caller's context; the
 * asynchronous ones run it from a workqueue under the submitter's
 * credentials, a query on an unconnected UDP socket waiting there for a
 * datagram, and call the request's callback exactly once. wsk.c is the
 * WskControlSocket layer over these.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "kapi.h"
#include "netns.h"
#include "sockopt.h"

#include <wfpredir/wfpredir.h>

#include <linux/bitops.h>
#include <linux/cred.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/sockptr.h>
#include <linux/udp.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/sock.h>
#include "uapi/linux/wfpredir.h"

/* req->op */
enum {
	WFPREDIR_REQ_SET,
	WFPREDIR_REQ_RECORDS,
	WFPREDIR_REQ_CONTEXT,
};

/* req->flags */
#define WFPREDIR_REQ_WAITING	0	/* on the socket's wait queue */
#define WFPREDIR_REQ_CANCEL	1	/* wfpredir_kernel_cancel() was called */

static struct workqueue_struct *wfpredir_kernel_wq;

/**
 * wfpredir_kernel_set_records - give a socket records for its next flow
 * @sock: a TCP or UDP socket, neither connected nor listening
 * @records: the records, as a query returned them
 * @len: their length
 *
 * The checks and their order are those of WFPREDIR_SO_SET_RECORDS
 * (uapi/linux/wfpredir.h). The privilege it needs, CAP_NET_ADMIN over the
 * socket's network namespace, is checked against the calling task: kernel
 * threads and workqueues have it; a client acting in a user's system call
 * acts with that user's credentials.
 *
 * Context: process context, may sleep; takes the socket lock.
 * Return: 0; -EOPNOTSUPP (not TCP or UDP), -EPERM (no CAP_NET_ADMIN),
 * -EINVAL (@len out of range, or not records), -EISCONN (too late),
 * -EPROTO (record version), -EBADMSG (forged, altered, or another
 * namespace's), -ENOSPC (the namespace's table is full) or -ENOMEM.
 */
int wfpredir_kernel_set_records(struct socket *sock, const void *records,
				size_t len)
{
	/* Beyond UINT_MAX is out of range just as UINT_MAX is. */
	return wfpredir_sock_set_records(sock->sk,
					 KERNEL_SOCKPTR((void *)records),
					 min_t(size_t, len, UINT_MAX));
}
EXPORT_SYMBOL_GPL(wfpredir_kernel_set_records);

/**
 * wfpredir_kernel_clear_records - drop the records a socket was given
 * @sock: a TCP or UDP socket
 *
 * Records that no flow took yet are dropped; those already on a flow stay
 * with it. No privilege is needed.
 *
 * Context: process context.
 * Return: 0, whether or not the socket held records; -EOPNOTSUPP if it is
 * not TCP or UDP.
 */
int wfpredir_kernel_clear_records(struct socket *sock)
{
	struct sock *sk = sock->sk;

	return wfpredir_sockopt_clear_records(wfpredir_net_active(sock_net(sk)), sk, 0);
}
EXPORT_SYMBOL_GPL(wfpredir_kernel_clear_records);

static int wfpredir_kernel_query(struct socket *sock, int optval, void *buf,
				 size_t *len)
{
	int ret;

	ret = wfpredir_sock_query(sock->sk, optval, buf, *len);
	if (ret < 0) {
		*len = 0;
		return ret;
	}
	/* It was copied only if it fits; as for SO_PEERGROUPS, -ERANGE. */
	if ((size_t)ret > *len) {
		*len = ret;
		return -ERANGE;
	}
	*len = ret;
	return 0;
}

/**
 * wfpredir_kernel_query_records - the records of a socket's flow
 * @sock: a TCP or UDP socket with a peer, or a bound UDP socket
 * @buf: receives the records
 * @len: in: the size of @buf (0 with @buf NULL asks for the length); out:
 *	the length of the records with 0 and -ERANGE, else 0
 *
 * A UDP socket without a peer answers for the datagram at the head of its
 * receive queue, which it does not consume.
 *
 * Context: process context, may sleep; takes the socket lock.
 * Return: 0; -ERANGE if they do not fit in @buf (nothing copied);
 * -EOPNOTSUPP (not TCP or UDP), -ENOTCONN (no flow to ask about), -EAGAIN
 * (a UDP socket without a peer and nothing queued: see
 * wfpredir_kernel_query_records_async()), -ENOENT (the flow was not
 * redirected).
 */
int wfpredir_kernel_query_records(struct socket *sock, void *buf, size_t *len)
{
	return wfpredir_kernel_query(sock, WFPREDIR_SO_GET_RECORDS, buf, len);
}
EXPORT_SYMBOL_GPL(wfpredir_kernel_query_records);

/**
 * wfpredir_kernel_query_context - the redirect context of a socket's flow
 * @sock: as for wfpredir_kernel_query_records()
 * @buf: receives the context
 * @len: as for wfpredir_kernel_query_records()
 *
 * Context: process context, may sleep; takes the socket lock.
 * Return: those of wfpredir_kernel_query_records(); -ENODATA if the flow
 * holds records but no context (its socket passed records on and it was
 * not redirected).
 */
int wfpredir_kernel_query_context(struct socket *sock, void *buf, size_t *len)
{
	return wfpredir_kernel_query(sock, WFPREDIR_SO_GET_CONTEXT, buf, len);
}
EXPORT_SYMBOL_GPL(wfpredir_kernel_query_context);

static void wfpredir_request_done(struct wfpredir_request *req, int err)
{
	put_cred(req->cred);
	req->cred = NULL;
	/* Last: the callback may free the request. */
	req->complete(req, err);
}

/* Called with the wait-queue head locked, from the socket's data_ready. */
static int wfpredir_request_wake(struct wait_queue_entry *wait,
				 unsigned int mode, int sync, void *key)
{
	struct wfpredir_request *req =
		container_of(wait, struct wfpredir_request, wait);
	__poll_t mask = key_to_poll(key);

	if (mask && !(mask & (EPOLLIN | EPOLLRDNORM | EPOLLERR | EPOLLHUP)))
		return 0;
	if (test_and_clear_bit(WFPREDIR_REQ_WAITING, &req->flags)) {
		list_del_init(&wait->entry);
		queue_work(wfpredir_kernel_wq, &req->work);
	}
	return 0;
}

/*
 * Take @req off the socket's wait queue, if it is still there, and run it.
 * Return: true if it was there (this call requeued it).
 */
static bool wfpredir_request_requeue(struct wfpredir_request *req)
{
	if (!test_and_clear_bit(WFPREDIR_REQ_WAITING, &req->flags))
		return false;
	remove_wait_queue(sk_sleep(req->sock->sk), &req->wait);
	queue_work(wfpredir_kernel_wq, &req->work);
	return true;
}

/* UDP's recvmsg() reads its reader_queue, refilled from sk_receive_queue. */
static bool wfpredir_udp_queued(struct sock *sk)
{
	return !skb_queue_empty_lockless(&udp_sk(sk)->reader_queue) ||
	       !skb_queue_empty_lockless(&sk->sk_receive_queue);
}

static int wfpredir_request_run(struct wfpredir_request *req)
{
	size_t len = req->size;
	int err;

	switch (req->op) {
	case WFPREDIR_REQ_SET:
		return wfpredir_kernel_set_records(req->sock, req->records,
						   req->size);
	case WFPREDIR_REQ_RECORDS:
		err = wfpredir_kernel_query_records(req->sock, req->buf, &len);
		break;
	default:
		err = wfpredir_kernel_query_context(req->sock, req->buf, &len);
		break;
	}
	req->len = len;
	return err;
}

static void wfpredir_request_work(struct work_struct *work)
{
	struct wfpredir_request *req =
		container_of(work, struct wfpredir_request, work);
	const struct cred *old;
	int err;

	if (test_bit(WFPREDIR_REQ_CANCEL, &req->flags)) {
		wfpredir_request_done(req, -ECANCELED);
		return;
	}

	old = override_creds(req->cred);
	err = wfpredir_request_run(req);
	revert_creds(old);

	/* Only a query on a UDP socket without a peer says -EAGAIN. */
	if (err != -EAGAIN || req->op == WFPREDIR_REQ_SET) {
		wfpredir_request_done(req, err);
		return;
	}

	/*
	 * Nothing queued: wait for a datagram, then ask again. The wake
	 * function, a cancel, or the check below (a datagram that came before
	 * we were on the queue) requeues the work; the WAITING bit makes sure
	 * only one of them does.
	 */
	add_wait_queue(sk_sleep(req->sock->sk), &req->wait);
	set_bit(WFPREDIR_REQ_WAITING, &req->flags);
	/* Pairs with the barrier in skwq_has_sleeper() and in cancel. */
	smp_mb__after_atomic();
	if (test_bit(WFPREDIR_REQ_CANCEL, &req->flags) ||
	    wfpredir_udp_queued(req->sock->sk))
		wfpredir_request_requeue(req);
}

static void wfpredir_request_submit(struct wfpredir_request *req, int op,
				    struct socket *sock, const void *records,
				    void *buf, size_t size)
{
	req->len = 0;
	req->sock = sock;
	req->op = op;
	req->records = records;
	req->buf = buf;
	req->size = size;
	req->cred = get_current_cred();
	req->flags = 0;
	INIT_WORK(&req->work, wfpredir_request_work);
	init_waitqueue_func_entry(&req->wait, wfpredir_request_wake);
	queue_work(wfpredir_kernel_wq, &req->work);
}

/**
 * wfpredir_kernel_set_records_async - wfpredir_kernel_set_records() from a
 * workqueue
 * @sock: as for wfpredir_kernel_set_records(); valid until completion
 * @records: as for wfpredir_kernel_set_records(); valid until completion
 * @len: as for wfpredir_kernel_set_records()
 * @req: the request; the caller sets @req->complete
 *
 * The call runs with the credentials of the task that submits it, so it is
 * allowed or denied exactly as the synchronous call would be in that task.
 *
 * Context: process context.
 */
void wfpredir_kernel_set_records_async(struct socket *sock,
				       const void *records, size_t len,
				       struct wfpredir_request *req)
{
	wfpredir_request_submit(req, WFPREDIR_REQ_SET, sock, records, NULL,
				len);
}
EXPORT_SYMBOL_GPL(wfpredir_kernel_set_records_async);

/**
 * wfpredir_kernel_query_records_async - a query that waits for a datagram
 * @sock: as for wfpredir_kernel_query_records(); valid until completion
 * @buf: receives the records; valid until completion
 * @size: the size of @buf (0 with @buf NULL asks for the length)
 * @req: the request; the caller sets @req->complete
 *
 * wfpredir_kernel_query_records() from a workqueue, under the submitter's
 * credentials; @req->len is the length of the records on completion with
 * 0 or -ERANGE. Where the synchronous call fails with -EAGAIN (a UDP socket
 * without a peer and nothing queued) this one waits on the socket for a
 * datagram, and answers for it, until wfpredir_kernel_cancel().
 *
 * Context: process context.
 */
void wfpredir_kernel_query_records_async(struct socket *sock, void *buf,
					 size_t size,
					 struct wfpredir_request *req)
{
	wfpredir_request_submit(req, WFPREDIR_REQ_RECORDS, sock, NULL, buf,
				size);
}
EXPORT_SYMBOL_GPL(wfpredir_kernel_query_records_async);

/**
 * wfpredir_kernel_query_context_async - a query that waits for a datagram
 * @sock: as for wfpredir_kernel_query_context(); valid until completion
 * @buf: receives the context; valid until completion
 * @size: the size of @buf (0 with @buf NULL asks for the length)
 * @req: the request; the caller sets @req->complete
 *
 * wfpredir_kernel_query_context() as wfpredir_kernel_query_records_async()
 * runs wfpredir_kernel_query_records().
 *
 * Context: process context.
 */
void wfpredir_kernel_query_context_async(struct socket *sock, void *buf,
					 size_t size,
					 struct wfpredir_request *req)
{
	wfpredir_request_submit(req, WFPREDIR_REQ_CONTEXT, sock, NULL, buf,
				size);
}
EXPORT_SYMBOL_GPL(wfpredir_kernel_query_context_async);

/**
 * wfpredir_kernel_cancel - cancel a submitted request
 * @req: a request whose callback has not been called yet
 *
 * A request that waits for a datagram, or has not started, completes with
 * -ECANCELED; one that is running completes with its own result. Either
 * way the callback is called once, maybe before this returns, maybe after:
 * wait for it, then call wfpredir_kernel_flush() before unloading.
 *
 * Context: process context, not from the callback of @req.
 * Return: true if the request was waiting for a datagram and now completes
 * with -ECANCELED; false otherwise.
 */
bool wfpredir_kernel_cancel(struct wfpredir_request *req)
{
	set_bit(WFPREDIR_REQ_CANCEL, &req->flags);
	/* Pairs with the barrier after WAITING is set in the work. */
	smp_mb__after_atomic();
	return wfpredir_request_requeue(req);
}
EXPORT_SYMBOL_GPL(wfpredir_kernel_cancel);

/**
 * wfpredir_kernel_flush - wait for every queued or running callback
 *
 * Requests waiting for a datagram are not waited for: cancel them first.
 * A client calls this after its last callback was called and before it
 * unloads, so that no callback is still returning into it.
 *
 * Context: process context, not from a callback.
 */
void wfpredir_kernel_flush(void)
{
	flush_workqueue(wfpredir_kernel_wq);
}
EXPORT_SYMBOL_GPL(wfpredir_kernel_flush);

/**
 * wfpredir_kapi_init - create the workqueue of the asynchronous calls
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int __init wfpredir_kapi_init(void)
{
	wfpredir_kernel_wq = alloc_workqueue("wfpredir_kapi", WQ_UNBOUND, 0);
	return wfpredir_kernel_wq ? 0 : -ENOMEM;
}

/**
 * wfpredir_kapi_uninit - destroy the workqueue
 *
 * Context: module exit; no client is left (each holds a reference to this
 * module), so nothing is queued.
 */
void wfpredir_kapi_uninit(void)
{
	destroy_workqueue(wfpredir_kernel_wq);
}
