/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family of uapi/linux/wfpredir.h.
 */
#ifndef _WFPREDIR_NETLINK_H
#define _WFPREDIR_NETLINK_H

int wfpredir_genl_init(void);
void wfpredir_genl_uninit(void);

#endif /* _WFPREDIR_NETLINK_H */
