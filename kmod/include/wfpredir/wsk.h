/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wfpredir: the kernel-mode API, after WskControlSocket(WskIoctl, ...).
 *
 * In-kernel clients ported from Windows set and query the redirect records
 * and context of a struct socket with the Windows control codes and get
 * NTSTATUS values back. It is a layer over the kernel API of
 * <wfpredir/wfpredir.h>, which new code should use instead.
 * Documentation/kernel-api.rst describes every function, the status table
 * and each difference from WSK.
 */
#ifndef _WFPREDIR_WSK_H
#define _WFPREDIR_WSK_H

#include <wfpredir/wfpredir.h>

#include <linux/types.h>

struct socket;

/* The control codes: _WSAIOW(IOC_VENDOR, 220..222), as in Windows' mstcpip.h. */
#define WFPREDIR_SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS	0x980000DCU
#define WFPREDIR_SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT	0x980000DDU
#define WFPREDIR_SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS	0x980000DEU

/* NTSTATUS values, with their Windows numbers (ntstatus.h). */
#define WFPREDIR_STATUS_SUCCESS			((s32)0x00000000)
#define WFPREDIR_STATUS_PENDING			((s32)0x00000103)
#define WFPREDIR_STATUS_UNSUCCESSFUL		((s32)0xC0000001)
#define WFPREDIR_STATUS_ACCESS_VIOLATION	((s32)0xC0000005)
#define WFPREDIR_STATUS_INVALID_PARAMETER	((s32)0xC000000D)
#define WFPREDIR_STATUS_INVALID_DEVICE_REQUEST	((s32)0xC0000010)
#define WFPREDIR_STATUS_ACCESS_DENIED		((s32)0xC0000022)
#define WFPREDIR_STATUS_BUFFER_TOO_SMALL	((s32)0xC0000023)
#define WFPREDIR_STATUS_REVISION_MISMATCH	((s32)0xC0000059)
#define WFPREDIR_STATUS_INTEGER_OVERFLOW	((s32)0xC0000095)
#define WFPREDIR_STATUS_INSUFFICIENT_RESOURCES	((s32)0xC000009A)
#define WFPREDIR_STATUS_NOT_SUPPORTED		((s32)0xC00000BB)
#define WFPREDIR_STATUS_CANT_WAIT		((s32)0xC00000D8)
#define WFPREDIR_STATUS_CANCELLED		((s32)0xC0000120)
#define WFPREDIR_STATUS_INVALID_DEVICE_STATE	((s32)0xC0000184)
#define WFPREDIR_STATUS_NOT_FOUND		((s32)0xC0000225)
#define WFPREDIR_STATUS_INVALID_CONNECTION	((s32)0xC000023A)
#define WFPREDIR_STATUS_INVALID_SIGNATURE	((s32)0xC000A000)

/* NT_SUCCESS(): success and informational values are not negative. */
#define WFPREDIR_NT_SUCCESS(status)	((s32)(status) >= 0)

struct wfpredir_wsk_irp;

/**
 * typedef wfpredir_wsk_completion_t - completion routine of an asynchronous
 * request
 * @irp: the request, with @irp->status and @irp->information set
 * @context: what the submitter gave as @irp->context
 *
 * Called exactly once per request that returned %WFPREDIR_STATUS_PENDING, in
 * process context (a workqueue), without locks held. It may free @irp and the
 * buffers, and may submit again; it must not call wfpredir_wsk_flush().
 */
typedef void (*wfpredir_wsk_completion_t)(struct wfpredir_wsk_irp *irp,
					  void *context);

/**
 * struct wfpredir_wsk_irp - an asynchronous request, the IRP analogue
 * @completion: set by the submitter: called once when the request completes
 * @context: set by the submitter: passed to @completion
 * @status: on completion, the NTSTATUS (IoStatus.Status)
 * @information: on completion, the bytes written to the output buffer, or the
 *	size needed with %WFPREDIR_STATUS_BUFFER_TOO_SMALL (IoStatus.Information)
 *
 * The remaining members are private to wfpredir. The structure, the socket
 * and both buffers must stay valid until @completion has been called.
 */
struct wfpredir_wsk_irp {
	wfpredir_wsk_completion_t completion;
	void *context;
	s32 status;
	size_t information;

	/* private: */
	struct wfpredir_request req;
	u32 control_code;
	size_t in_size;
	size_t *out_returned;
};

s32 wfpredir_wsk_control_socket(struct socket *sock, u32 control_code,
				size_t in_size, const void *in,
				size_t out_size, void *out,
				size_t *out_returned);
s32 wfpredir_wsk_control_socket_async(struct socket *sock, u32 control_code,
				      size_t in_size, const void *in,
				      size_t out_size, void *out,
				      size_t *out_returned,
				      struct wfpredir_wsk_irp *irp);
bool wfpredir_wsk_cancel(struct wfpredir_wsk_irp *irp);
void wfpredir_wsk_flush(void);
s32 wfpredir_wsk_status_from_errno(int err);

#endif /* _WFPREDIR_WSK_H */
