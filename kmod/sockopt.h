/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The socket options of uapi/linux/wfpredir.h.
 */
#ifndef _WFPREDIR_SOCKOPT_H
#define _WFPREDIR_SOCKOPT_H

#include <linux/sockptr.h>

struct sock;
struct wfpredir_net;

int wfpredir_sockopt_set_records(struct wfpredir_net *wn, struct sock *sk,
				 sockptr_t arg, unsigned int len);
int wfpredir_sockopt_clear_records(struct wfpredir_net *wn, struct sock *sk,
				   unsigned int len);
int wfpredir_sock_set_records(struct sock *sk, sockptr_t arg, unsigned int len);
int wfpredir_sock_query(struct sock *sk, int optval, void *buf, size_t size);
int wfpredir_sockopt_init(void);
void wfpredir_sockopt_uninit(void);

#ifdef DEBUG
bool wfpredir_sockopt_selftest(void);
#endif

#endif /* _WFPREDIR_SOCKOPT_H */
