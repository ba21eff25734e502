// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: generic netlink multicast groups can require CAP_NET_ADMIN to be
 * joined (GENL_MCAST_CAP_NET_ADMIN, checked by the core at bind). Linux 6.7
 * and the stable kernels it went back to (6.1.68 on, so Debian's 6.1); see
 * compat.h.
 */
#include <net/genetlink.h>

static const struct genl_multicast_group probe_grp = {
	.name = "probe",
	.flags = GENL_MCAST_CAP_NET_ADMIN,
};

const struct genl_multicast_group *wfpredir_probe(void);
const struct genl_multicast_group *wfpredir_probe(void)
{
	return &probe_grp;
}
