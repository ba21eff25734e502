/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family of uapi/linux/wfpredir.h.
 */
#ifndef _WFPREDIR_NETLINK_H
#define _WFPREDIR_NETLINK_H

struct genl_family;
struct sk_buff;
struct user_namespace;
struct wfpredir_rule;
struct wfpredir_service;

extern struct genl_family wfpredir_genl_family;

int wfpredir_genl_init(void);
void wfpredir_genl_uninit(void);

/* A service or rule as its dump shows it (notify.c tells the same). */
int wfpredir_fill_service(struct sk_buff *skb,
			  const struct wfpredir_service *service,
			  struct user_namespace *user_ns);
int wfpredir_fill_rule(struct sk_buff *skb, const struct wfpredir_rule *rule);

#endif /* _WFPREDIR_NETLINK_H */
