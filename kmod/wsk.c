// SPDX-License-Identifier: GPL-2.0
/*
 * The WskControlSocket layer (include/wfpredir/wsk.h) over the kernel API
 * of kapi.c: it maps the control codes and WSK's parameters onto those
 * calls and their errnos onto NTSTATUS values, and nothing else.
 */

#include <wfpredir/wfpredir.h>
#include <wfpredir/wsk.h>

#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/net.h>
#include "uapi/linux/wfpredir.h"

/*
 * The status table: each errno of the kernel API and the NTSTATUS it
 * becomes. Documentation/kernel-api.rst has the same table; keep them
 * together.
 *
 *   0			STATUS_SUCCESS
 *   -ERANGE		STATUS_BUFFER_TOO_SMALL		query: the answer does
 *							not fit
 *   -EOPNOTSUPP	STATUS_NOT_SUPPORTED		not TCP or UDP
 *   -EPERM		STATUS_ACCESS_DENIED		no CAP_NET_ADMIN
 *   -EINVAL (length)	STATUS_INTEGER_OVERFLOW		records length out of
 *							range (decided by
 *							wfpredir_wsk_status())
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
 *   -ECANCELED		STATUS_CANCELLED		async: cancelled
 *   anything else	STATUS_UNSUCCESSFUL
 */
static const struct {
	int err;
	s32 status;
} wfpredir_wsk_status_table[] = {
	{ 0, WFPREDIR_STATUS_SUCCESS },
	{ -ERANGE, WFPREDIR_STATUS_BUFFER_TOO_SMALL },
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
	{ -ECANCELED, WFPREDIR_STATUS_CANCELLED },
};

/**
 * wfpredir_wsk_status_from_errno - the NTSTATUS for an errno of wfpredir
 * @err: 0 or a negative errno of the kernel API
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

/*
 * The checks of WSK's own parameters, which the kernel API does not have.
 * Return: %WFPREDIR_STATUS_SUCCESS, or the status the call fails with.
 */
static s32 wfpredir_wsk_check(struct socket *sock, u32 control_code,
			      size_t in_size, const void *in, size_t out_size,
			      void *out)
{
	const void *buf;
	size_t size;

	if (!sock || !sock->sk)
		return WFPREDIR_STATUS_INVALID_PARAMETER;
	switch (control_code) {
	case WFPREDIR_SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS:
		buf = in;
		size = in_size;
		break;
	case WFPREDIR_SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS:
	case WFPREDIR_SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT:
		buf = out;
		size = out_size;
		break;
	default:
		return WFPREDIR_STATUS_INVALID_DEVICE_REQUEST;
	}
	if (size > INT_MAX)
		return WFPREDIR_STATUS_INTEGER_OVERFLOW;
	if (!buf && size)
		return WFPREDIR_STATUS_INVALID_PARAMETER;
	return WFPREDIR_STATUS_SUCCESS;
}

/* The NTSTATUS of a kernel API call's result @err. */
static s32 wfpredir_wsk_status(u32 control_code, size_t in_size, int err)
{
	/*
	 * SET checks the length before it reads anything: -EINVAL with a
	 * length out of range is that check (after the privilege check, so
	 * that an unprivileged caller is denied whatever the length).
	 */
	if (control_code == WFPREDIR_SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS &&
	    err == -EINVAL && (in_size < WFPREDIR_RECORDS_MIN_LEN ||
			       in_size > WFPREDIR_RECORDS_MAX_LEN))
		return WFPREDIR_STATUS_INTEGER_OVERFLOW;
	return wfpredir_wsk_status_from_errno(err);
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
 * wfpredir_kernel_set_records(), wfpredir_kernel_query_records() or
 * wfpredir_kernel_query_context(), with their privilege rules.
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
	size_t len = 0;
	s32 status;
	int err;

	might_sleep();
	status = wfpredir_wsk_check(sock, control_code, in_size, in, out_size,
				    out);
	if (status == WFPREDIR_STATUS_SUCCESS) {
		if (control_code == WFPREDIR_SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS) {
			len = out_size;
			err = wfpredir_kernel_query_records(sock, out, &len);
		} else if (control_code == WFPREDIR_SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT) {
			len = out_size;
			err = wfpredir_kernel_query_context(sock, out, &len);
		} else {
			err = wfpredir_kernel_set_records(sock, in, in_size);
		}
		status = wfpredir_wsk_status(control_code, in_size, err);
	}
	if (out_returned)
		*out_returned = len;
	return status;
}
EXPORT_SYMBOL_GPL(wfpredir_wsk_control_socket);

static void wfpredir_wsk_complete(struct wfpredir_request *req, int err)
{
	struct wfpredir_wsk_irp *irp =
		container_of(req, struct wfpredir_wsk_irp, req);

	irp->status = wfpredir_wsk_status(irp->control_code, irp->in_size, err);
	irp->information = req->len;
	if (irp->out_returned)
		*irp->out_returned = req->len;
	/* Last: the routine may free the request. */
	irp->completion(irp, irp->context);
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
 * The asynchronous calls of the kernel API: the request runs on a workqueue
 * with the credentials of the task that submits it, and a QUERY on an
 * unconnected UDP socket whose receive queue is empty does not fail with
 * %WFPREDIR_STATUS_CANT_WAIT as the synchronous form does: it waits for a
 * datagram, until wfpredir_wsk_cancel().
 *
 * Context: process context.
 * Return: %WFPREDIR_STATUS_PENDING: @irp->completion will be called exactly
 * once, from a workqueue, with @irp->status and @irp->information set.
 * Otherwise the status of a parameter the call refused (a missing @irp,
 * completion routine or socket, an unknown control code, a size beyond
 * INT_MAX, a NULL buffer with a size), in @irp->status too if there is an
 * @irp: then nothing is called.
 */
s32 wfpredir_wsk_control_socket_async(struct socket *sock, u32 control_code,
				      size_t in_size, const void *in,
				      size_t out_size, void *out,
				      size_t *out_returned,
				      struct wfpredir_wsk_irp *irp)
{
	if (!irp || !irp->completion)
		return WFPREDIR_STATUS_INVALID_PARAMETER;

	irp->information = 0;
	irp->status = wfpredir_wsk_check(sock, control_code, in_size, in,
					 out_size, out);
	if (irp->status != WFPREDIR_STATUS_SUCCESS)
		return irp->status;

	irp->status = WFPREDIR_STATUS_PENDING;
	irp->control_code = control_code;
	irp->in_size = in_size;
	irp->out_returned = out_returned;
	irp->req.complete = wfpredir_wsk_complete;
	if (control_code == WFPREDIR_SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS)
		wfpredir_kernel_query_records_async(sock, out, out_size,
						    &irp->req);
	else if (control_code == WFPREDIR_SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT)
		wfpredir_kernel_query_context_async(sock, out, out_size,
						    &irp->req);
	else
		wfpredir_kernel_set_records_async(sock, in, in_size, &irp->req);
	return WFPREDIR_STATUS_PENDING;
}
EXPORT_SYMBOL_GPL(wfpredir_wsk_control_socket_async);

/**
 * wfpredir_wsk_cancel - IoCancelIrp() for a pending request
 * @irp: a request that returned %WFPREDIR_STATUS_PENDING and whose
 *	completion routine has not been called yet
 *
 * wfpredir_kernel_cancel(): a request that waits, or has not started,
 * completes with %WFPREDIR_STATUS_CANCELLED; one that is running completes
 * with its own result. Either way the completion routine is called once,
 * maybe before this returns, maybe after: wait for it, then call
 * wfpredir_wsk_flush() before unloading.
 *
 * Context: process context, not from the completion routine of @irp.
 * Return: true if the request was waiting for a datagram and now completes
 * cancelled; false otherwise.
 */
bool wfpredir_wsk_cancel(struct wfpredir_wsk_irp *irp)
{
	return wfpredir_kernel_cancel(&irp->req);
}
EXPORT_SYMBOL_GPL(wfpredir_wsk_cancel);

/**
 * wfpredir_wsk_flush - wait for every queued or running completion
 *
 * wfpredir_kernel_flush(): requests waiting for a datagram are not waited
 * for, so cancel them first. A client calls this after its last completion
 * routine was called and before it unloads, so that no completion is still
 * returning into it.
 *
 * Context: process context, not from a completion routine.
 */
void wfpredir_wsk_flush(void)
{
	wfpredir_kernel_flush();
}
EXPORT_SYMBOL_GPL(wfpredir_wsk_flush);
