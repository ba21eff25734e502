/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wfpredir: the kernel API for in-kernel clients.
 *
 * Set, query and clear the redirect records of a struct socket, and query
 * the context of its redirected flow, with 0 or -errno results: the socket
 * options of uapi/linux/wfpredir.h as functions. <wfpredir/wsk.h> is the
 * WskControlSocket layer over these. Documentation/kernel-api.rst describes
 * both.
 */
#ifndef _WFPREDIR_WFPREDIR_H
#define _WFPREDIR_WFPREDIR_H

#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

struct cred;
struct socket;

struct wfpredir_request;

/**
 * typedef wfpredir_complete_t - completion callback of an asynchronous call
 * @req: the request, with @req->len set
 * @err: 0 or a negative errno, as the synchronous call would return it;
 *	-ECANCELED after wfpredir_kernel_cancel()
 *
 * Called exactly once per submitted request, in process context (a
 * workqueue), without locks held. It may free @req and the buffers and may
 * submit again; it must not call wfpredir_kernel_flush().
 */
typedef void (*wfpredir_complete_t)(struct wfpredir_request *req, int err);

/**
 * struct wfpredir_request - an asynchronous call
 * @complete: set by the caller: called once when the call completes
 * @len: on completion of a query with 0 or -ERANGE, the length of the
 *	answer; 0 otherwise
 *
 * Embed it in your own structure and find that with container_of() in
 * @complete. The remaining members are private to wfpredir. The request,
 * the socket and the buffer must stay valid until @complete has been
 * called.
 */
struct wfpredir_request {
	wfpredir_complete_t complete;
	size_t len;

	/* private: */
	struct socket *sock;
	int op;
	const void *records;
	void *buf;
	size_t size;
	const struct cred *cred;
	struct work_struct work;
	struct wait_queue_entry wait;
	unsigned long flags;
};

int wfpredir_kernel_set_records(struct socket *sock, const void *records,
				size_t len);
int wfpredir_kernel_clear_records(struct socket *sock);
int wfpredir_kernel_query_records(struct socket *sock, void *buf,
				  size_t *len);
int wfpredir_kernel_query_context(struct socket *sock, void *buf,
				  size_t *len);

void wfpredir_kernel_set_records_async(struct socket *sock,
				       const void *records, size_t len,
				       struct wfpredir_request *req);
void wfpredir_kernel_query_records_async(struct socket *sock, void *buf,
					 size_t size,
					 struct wfpredir_request *req);
void wfpredir_kernel_query_context_async(struct socket *sock, void *buf,
					 size_t size,
					 struct wfpredir_request *req);
bool wfpredir_kernel_cancel(struct wfpredir_request *req);
void wfpredir_kernel_flush(void);

#endif /* _WFPREDIR_WFPREDIR_H */
