/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one seam between wfpredir and the kernel version it builds against.
 * Kbuild force-includes this file in every object, before anything else.
 *
 * The code is written for the Linux 6.1 API (Debian bookworm), the oldest
 * kernel it supports (kmod/Kbuild refuses older ones). Where a newer kernel
 * differs, a shim here lets the call sites keep their 6.1 spelling. Each
 * shim rests on a feature probe (compat/probes/NAME.c, whose result is
 * WFPREDIR_HAVE_NAME in the generated compat/probed.h), never on the kernel
 * version, and names the kernel commit that made it necessary.
 *
 * Shims and their call sites (check new code against this list):
 *   MODULE_ALIAS_GENL_FAMILY()   main.c
 *   WFPREDIR_EVENTS              notify.c, netlink.c (the family's groups)
 *
 * Checked and identical on 6.1 and 6.12, so no shim: cgroup->ancestors[]
 * (ancestor_ids[] went in 6.0), cgroup_get_from_path(), nf_sockopt_ops
 * (sockptr_t set, void __user * get), genl_family.resv_start_op and
 * genl_info.extack, from_timer(), MODULE_IMPORT_NS(NS) (a string from 6.13).
 *
 * Only preprocessor definitions belong here: this is read before the
 * file's own pr_fmt and includes, so it must include no kernel header.
 */
#ifndef _WFPREDIR_COMPAT_H
#define _WFPREDIR_COMPAT_H

#include "compat/probed.h"

/*
 * MODULE_ALIAS_GENL_FAMILY(): commit cd7209628cdb ("genetlink: remove
 * linux/genetlink.h", 6.10) moved it to <net/genetlink.h>; <linux/genetlink.h>
 * is the uapi header alone since. Defined here token for token as there,
 * so that a later <net/genetlink.h> redefines it without complaint.
 */
#ifndef WFPREDIR_HAVE_GENL_ALIAS_IN_LINUX_GENETLINK
#define MODULE_ALIAS_GENL_FAMILY(family) \
	MODULE_ALIAS_NET_PF_PROTO_NAME(PF_NETLINK, NETLINK_GENERIC, "-family-" family)
#endif

/*
 * The events group names other users' connections, so joining it must need
 * CAP_NET_ADMIN over the namespace. The core checks that at bind for a group
 * flagged GENL_MCAST_CAP_NET_ADMIN: commit 4d54cc32112d ("genetlink: add
 * CAP_NET_ADMIN test for multicast bind", 6.7), backported to 6.1.68. A
 * kernel without it gives a family no bind callback to check in either
 * (6.1's struct genl_family has none; .bind came back in 6.8), so there the
 * module offers no group at all: WFPREDIR_EVENTS is 0, listeners fail to
 * resolve the group, and the notify calls do nothing.
 */
#ifdef WFPREDIR_HAVE_GENL_MCAST_CAP
#define WFPREDIR_EVENTS 1
#else
#define WFPREDIR_EVENTS 0
#endif

#endif /* _WFPREDIR_COMPAT_H */
