// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel-mode API: WskControlSocket(WskIoctl, SIO_*_WFP_CONNECTION_
 * REDIRECT_*) for in-kernel clients, on a struct socket, with NTSTATUS
 * results. The synchronous form runs the socket-option code in the caller's
 * context; the asynchronous form runs it from a workqueue under the
 * submitter's credentials and completes an IRP-like request exactly once.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "kapi.h"
#include "sockopt.h"

#include <wfpredir/wsk.h>

#include <linux/bitops.h>
#include <linux/cred.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/limits.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/sockptr.h>
#include <linux/udp.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/sock.h>
#include "uapi/linux/wfpredir.h"

/* irp->flags */
#define WFPREDIR_IRP_WAITING	0	/* on the socket's wait queue */
#define WFPREDIR_IRP_CANCEL	1	/* wfpredir_wsk_cancel() was called */

static struct workqueue_struct *wfpredir_wsk_wq;

/*
 * The status table: each errno of the socket-option code (see
 * uapi/linux/wfpredir.h) and the NTSTATUS it becomes. Documentation/
 * kernel-api.rst has the same table; keep them together.
 *
 *   0			STATUS_SUCCESS
 *   -EOPNOTSUPP	STATUS_NOT_SUPPORTED		not TCP or UDP
 *   -EPERM		STATUS_ACCESS_DENIED		no CAP_NET_ADMIN
 *   -EINVAL (length)	STATUS_INTEGER_OVERFLOW		records length out of
 *							range (decided by the
 *							caller, see below)
 *   -EINVAL		STATUS_INVALID_PARAMETER	not a record blob,
 *							malformed records
 *   -EPROTO		STATUS_REVISION_MISMATCH	record version
 *   -EBADMSG		STATUS_INVALID_SIGNATURE	forged, altered, or
 *							another netns's records
 *   -EISCONN		STATUS_INVALID_DEVICE_STATE	too late to set records
 *   -ENOTCONN		STATUS_INVALID_CONNECTION	no flow to ask about
 *   -ENOENT, -ENODATA	STATUS_NOT_FOUND		not redirected / no
 *							context
 *   -EAGAIN		STATUS_CANT_WAIT		unconnected UDP, no
 *							datagram queued (sync)
 *   -ENOMEM, -ENOSPC	STATUS_INSUFFICIENT_RESOURCES
 *   -EFAULT		STATUS_ACCESS_VIOLATION		(kernel buffers: never)
 *   anything else	STATUS_UNSUCCESSFUL
 */
static const struct {
	int err;
	s32 status;
} wfpredir_wsk_status_table[] = {
	{ 0, WFPREDIR_STATUS_SUCCESS },
	{ -EOPNOTSUPP, WFPREDIR_STATUS_NOT_SUPPORTED },
	{ -EPERM, WFPREDIR_STATUS_ACCESS_DENIED },
	{ -EINVAL, WFPREDIR_STATUS_INVALID_PARAMETER },
	{ -EPROTO, WFPREDIR_STATUS_REVISION_MISMATCH },
	{ -EBADMSG, WFPREDIR_STATUS_INVALID_SIGNATURE },
	{ -EISCONN, WFPREDIR_STATUS_INVALID_DEVICE_STATE },
	{ -ENOTCONN, WFPREDIR_STATUS_INVALID_CONNECTION },
	{ -ENOENT, WFPREDIR_STATUS_NOT_FOUND },
	{ -ENODATA, WFPREDIR_STATUS_NOT_FOUND },
	{ -EAGAIN, WFPREDIR_STATUS_CANT_WAIT },
	{ -ENOMEM, WFPREDIR_STATUS_INSUFFICIENT_RESOURCES },
	{ -ENOSPC, WFPREDIR_STATUS_INSUFFICIENT_RESOURCES },
	{ -EFAULT, WFPREDIR_STATUS_ACCESS_VIOLATION },
};

/**
 * wfpredir_wsk_status_from_errno - the NTSTATUS for an errno of wfpredir
 * @err: 0 or a negative errno from the socket-option code
 *
 * Context: any.
 * Return: the NTSTATUS of the status table; %WFPREDIR_STATUS_UNSUCCESSFUL
 * for an errno the table does not name.
 */
s32 wfpredir_wsk_status_from_errno(int err)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(wfpredir_wsk_status_table); i++)
		if (wfpredir_wsk_status_table[i].err == err)
			return wfpredir_wsk_status_table[i].status;
	return WFPREDIR_STATUS_UNSUCCESSFUL;
}
EXPORT_SYMBOL_GPL(wfpredir_wsk_status_from_errno);

static s32 wfpredir_wsk_set(struct socket *sock, size_t in_size,
			    const void *in)
{
	int ret;

	if (in_size > INT_MAX)
		return WFPREDIR_STATUS_INTEGER_OVERFLOW;
	if (!in && in_size)
		return WFPREDIR_STATUS_INVALID_PARAMETER;
	ret = wfpredir_sock_set_records(sock->sk, KERNEL_SOCKPTR((void *)in),
					in_size);
	/*
	 * The length is checked before anything is read: -EINVAL with a
	 * length out of range is that check (after the privilege check, so
	 * that an unprivileged caller is denied whatever the length).
	 */
	if (ret == -EINVAL && (in_size < WFPREDIR_RECORDS_MIN_LEN ||
			       in_size > WFPREDIR_RECORDS_MAX_LEN))
		return WFPREDIR_STATUS_INTEGER_OVERFLOW;
	return wfpredir_wsk_status_from_errno(ret);
}

static s32 wfpredir_wsk_query(struct socket *sock, int optval,
			      size_t out_size, void *out, size_t *returned)
{
	int ret;

	if (out_size > INT_MAX)
		return WFPREDIR_STATUS_INTEGER_OVERFLOW;
	if (!out && out_size)
		return WFPREDIR_STATUS_INVALID_PARAMETER;
	ret = wfpredir_sock_query(sock->sk, optval, out, out_size);
	if (ret < 0)
		return wfpredir_wsk_status_from_errno(ret);
	*returned = ret;
	if (ret > out_size)
		return WFPREDIR_STATUS_BUFFER_TOO_SMALL;
	return WFPREDIR_STATUS_SUCCESS;
}

static s32 wfpredir_wsk_do(struct socket *sock, u32 control_code,
			   size_t in_size, const void *in, size_t out_size,
			   void *out, size_t *returned)
{
	*returned = 0;
	if (!sock || !sock->sk)
		return WFPREDIR_STATUS_INVALID_PARAMETER;
	switch (control_code) {
	case WFPREDIR_SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS:
		return wfpredir_wsk_set(sock, in_size, in);
	case WFPREDIR_SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS:
		return wfpredir_wsk_query(sock, WFPREDIR_SO_GET_RECORDS,
					  out_size, out, returned);
	case WFPREDIR_SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT:
		return wfpredir_wsk_query(sock, WFPREDIR_SO_GET_CONTEXT,
					  out_size, out, returned);
	default:
		return WFPREDIR_STATUS_INVALID_DEVICE_REQUEST;
	}
}

/**
 * wfpredir_wsk_control_socket - WskControlSocket(WskIoctl), synchronous
 * @sock: a TCP or UDP socket (kernel or user)
 * @control_code: one of the WFPREDIR_SIO_* control codes
 * @in_size: SET: the length of the records; QUERY: ignored
 * @in: SET: the records; QUERY: ignored
 * @out_size: QUERY: the size of @out (0 with @out NULL asks for the size)
 * @out: QUERY: receives the records or the context
 * @out_returned: optional; receives the bytes written, or with
 *	%WFPREDIR_STATUS_BUFFER_TOO_SMALL the size needed; 0 otherwise
 *
 * The privilege a SET needs (CAP_NET_ADMIN over the socket's network
 * namespace) is checked against the calling task: kernel threads and
 * workqueues have it; a client acting in a user's system call acts with
 * that user's credentials.
 *
 * Context: process context, may sleep; takes the socket lock, so the caller
 * must not hold it.
 * Return: an NTSTATUS of the table in Documentation/kernel-api.rst; never
 * %WFPREDIR_STATUS_PENDING.
 */
s32 wfpredir_wsk_control_socket(struct socket *sock, u32 control_code,
				size_t in_size, const void *in,
				size_t out_size, void *out,
				size_t *out_returned)
{
	size_t returned;
	s32 status;

	might_sleep();
	status = wfpredir_wsk_do(sock, control_code, in_size, in, out_size,
				 out, &returned);
	if (out_returned)
		*out_returned = returned;
	return status;
}
EXPORT_SYMBOL_GPL(wfpredir_wsk_control_socket);

static void wfpredir_wsk_complete(struct wfpredir_wsk_irp *irp, s32 status,
				  size_t returned)
{
	irp->status = status;
	irp->information = returned;
	if (irp->out_returned)
		*irp->out_returned = returned;
	put_cred(irp->cred);
	irp->cred = NULL;
	/* Last: the routine may free the request. */
	irp->completion(irp, irp->context);
}

/* Called with the wait-queue head locked, from the socket's data_ready. */
static int wfpredir_wsk_wake(struct wait_queue_entry *wait, unsigned int mode,
			     int sync, void *key)
{
	struct wfpredir_wsk_irp *irp =
		container_of(wait, struct wfpredir_wsk_irp, wait);
	__poll_t mask = key_to_poll(key);

	if (mask && !(mask & (EPOLLIN | EPOLLRDNORM | EPOLLERR | EPOLLHUP)))
		return 0;
	if (test_and_clear_bit(WFPREDIR_IRP_WAITING, &irp->flags)) {
		list_del_init(&wait->entry);
		queue_work(wfpredir_wsk_wq, &irp->work);
	}
	return 0;
}

/*
 * Take @irp off the socket's wait queue, if it is still there, and run it.
 * Return: true if it was there (this call requeued it).
 */
static bool wfpredir_wsk_requeue(struct wfpredir_wsk_irp *irp)
{
	if (!test_and_clear_bit(WFPREDIR_IRP_WAITING, &irp->flags))
		return false;
	remove_wait_queue(sk_sleep(irp->sock->sk), &irp->wait);
	queue_work(wfpredir_wsk_wq, &irp->work);
	return true;
}

static bool wfpredir_wsk_may_wait(struct wfpredir_wsk_irp *irp)
{
	return irp->control_code != WFPREDIR_SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS &&
	       irp->sock->sk->sk_protocol == IPPROTO_UDP;
}

/* UDP's recvmsg() reads its reader_queue, refilled from sk_receive_queue. */
static bool wfpredir_wsk_udp_queued(struct sock *sk)
{
	return !skb_queue_empty_lockless(&udp_sk(sk)->reader_queue) ||
	       !skb_queue_empty_lockless(&sk->sk_receive_queue);
}

static void wfpredir_wsk_work(struct work_struct *work)
{
	struct wfpredir_wsk_irp *irp =
		container_of(work, struct wfpredir_wsk_irp, work);
	const struct cred *old;
	size_t returned;
	s32 status;

	if (test_bit(WFPREDIR_IRP_CANCEL, &irp->flags)) {
		wfpredir_wsk_complete(irp, WFPREDIR_STATUS_CANCELLED, 0);
		return;
	}

	old = override_creds(irp->cred);
	status = wfpredir_wsk_do(irp->sock, irp->control_code, irp->in_size,
				 irp->in, irp->out_size, irp->out, &returned);
	revert_creds(old);

	if (status != WFPREDIR_STATUS_CANT_WAIT || !wfpredir_wsk_may_wait(irp)) {
		wfpredir_wsk_complete(irp, status, returned);
		return;
	}

	/*
	 * An unconnected UDP socket with an empty receive queue: wait for a
	 * datagram, then ask again. The wake function, a cancel, or the
	 * check below (a datagram that came before we were on the queue)
	 * requeues the work; the WAITING bit makes sure only one of them does.
	 */
	add_wait_queue(sk_sleep(irp->sock->sk), &irp->wait);
	set_bit(WFPREDIR_IRP_WAITING, &irp->flags);
	/* Pairs with the barrier in skwq_has_sleeper() and in cancel. */
	smp_mb__after_atomic();
	if (test_bit(WFPREDIR_IRP_CANCEL, &irp->flags) ||
	    wfpredir_wsk_udp_queued(irp->sock->sk))
		wfpredir_wsk_requeue(irp);
}

/**
 * wfpredir_wsk_control_socket_async - WskControlSocket(WskIoctl) with an IRP
 * @sock: a TCP or UDP socket; it must not be released before completion
 * @control_code: one of the WFPREDIR_SIO_* control codes
 * @in_size: as for wfpredir_wsk_control_socket()
 * @in: as for wfpredir_wsk_control_socket(); valid until completion
 * @out_size: as for wfpredir_wsk_control_socket()
 * @out: as for wfpredir_wsk_control_socket(); valid until completion
 * @out_returned: optional; set before the completion routine is called
 * @irp: the request; the caller sets @irp->completion (required) and
 *	@irp->context and keeps @irp valid until completion
 *
 * The request runs on a workqueue with the credentials of the task that
 * submits it, so a SET is allowed or denied exactly as the synchronous
 * form would decide in the same task. A QUERY on an unconnected UDP socket
 * whose receive queue is empty does not fail with %WFPREDIR_STATUS_CANT_WAIT
 * as the synchronous form does: it waits for a datagram, until
 * wfpredir_wsk_cancel().
 *
 * Context: process context.
 * Return: %WFPREDIR_STATUS_PENDING: @irp->completion will be called exactly
 * once, from a workqueue, with @irp->status and @irp->information set.
 * %WFPREDIR_STATUS_INVALID_PARAMETER if @irp or its completion routine is
 * missing: then nothing is called.
 */
s32 wfpredir_wsk_control_socket_async(struct socket *sock, u32 control_code,
				      size_t in_size, const void *in,
				      size_t out_size, void *out,
				      size_t *out_returned,
				      struct wfpredir_wsk_irp *irp)
{
	if (!irp || !irp->completion)
		return WFPREDIR_STATUS_INVALID_PARAMETER;

	irp->status = WFPREDIR_STATUS_PENDING;
	irp->information = 0;
	irp->sock = sock;
	irp->control_code = control_code;
	irp->in_size = in_size;
	irp->in = in;
	irp->out_size = out_size;
	irp->out = out;
	irp->out_returned = out_returned;
	irp->cred = get_current_cred();
	irp->flags = 0;
	INIT_WORK(&irp->work, wfpredir_wsk_work);
	init_waitqueue_func_entry(&irp->wait, wfpredir_wsk_wake);
	queue_work(wfpredir_wsk_wq, &irp->work);
	return WFPREDIR_STATUS_PENDING;
}
EXPORT_SYMBOL_GPL(wfpredir_wsk_control_socket_async);

/**
 * wfpredir_wsk_cancel - IoCancelIrp() for a pending request
 * @irp: a request that returned %WFPREDIR_STATUS_PENDING and whose
 *	completion routine has not been called yet
 *
 * A request that waits, or has not started, completes with
 * %WFPREDIR_STATUS_CANCELLED; one that is running completes with its own
 * result. Either way the completion routine is called once, maybe before
 * this returns, maybe after: wait for it, then call wfpredir_wsk_flush()
 * before unloading.
 *
 * Context: process context, not from the completion routine of @irp.
 * Return: true if the request was waiting for a datagram and now completes
 * cancelled; false otherwise.
 */
bool wfpredir_wsk_cancel(struct wfpredir_wsk_irp *irp)
{
	set_bit(WFPREDIR_IRP_CANCEL, &irp->flags);
	/* Pairs with the barrier after WAITING is set in the work. */
	smp_mb__after_atomic();
	return wfpredir_wsk_requeue(irp);
}
EXPORT_SYMBOL_GPL(wfpredir_wsk_cancel);

/**
 * wfpredir_wsk_flush - wait for every queued or running completion
 *
 * Requests waiting for a datagram are not waited for: cancel them first.
 * A client calls this after its last completion routine was called and
 * before it unloads, so that no completion is still returning into it.
 *
 * Context: process context, not from a completion routine.
 */
void wfpredir_wsk_flush(void)
{
	flush_workqueue(wfpredir_wsk_wq);
}
EXPORT_SYMBOL_GPL(wfpredir_wsk_flush);

/**
 * wfpredir_kapi_init - create the workqueue of the asynchronous form
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int __init wfpredir_kapi_init(void)
{
	wfpredir_wsk_wq = alloc_workqueue("wfpredir_wsk", WQ_UNBOUND, 0);
	return wfpredir_wsk_wq ? 0 : -ENOMEM;
}

/**
 * wfpredir_kapi_uninit - destroy the workqueue
 *
 * Context: module exit; no client is left (each holds a reference to this
 * module), so nothing is queued.
 */
void wfpredir_kapi_uninit(void)
{
	destroy_workqueue(wfpredir_wsk_wq);
}
