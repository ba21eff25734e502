/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one seam between wfpredir and the kernel version it builds against.
 * Kbuild force-includes this file in every object, before anything else.
 *
 * The code is written for the Linux 6.1 API (Debian bookworm), the oldest
 * kernel it supports (kmod/Kbuild refuses older ones), and needs no shim
 * there. When another kernel needs one, it goes here and nowhere else, so
 * that the rest of the code never tests kernel versions.
 */
#ifndef _WFPREDIR_COMPAT_H
#define _WFPREDIR_COMPAT_H

#endif /* _WFPREDIR_COMPAT_H */
