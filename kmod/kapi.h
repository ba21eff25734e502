/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API (include/wfpredir/wfpredir.h): module setup.
 */
#ifndef _WFPREDIR_KAPI_H
#define _WFPREDIR_KAPI_H

#include <linux/types.h>

int wfpredir_kapi_init(void);
void wfpredir_kapi_uninit(void);

#ifdef DEBUG
bool wfpredir_kapi_selftest(void);
#endif

#endif /* _WFPREDIR_KAPI_H */
