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

#endif /* _WFPREDIR_COMPAT_H */
