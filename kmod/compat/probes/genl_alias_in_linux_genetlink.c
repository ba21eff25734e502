// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: <linux/genetlink.h> defines MODULE_ALIAS_GENL_FAMILY(). True up to
 * Linux 6.9; see compat.h.
 */
#include <linux/genetlink.h>
#include <linux/module.h>

MODULE_ALIAS_GENL_FAMILY("wfpredir-probe");
