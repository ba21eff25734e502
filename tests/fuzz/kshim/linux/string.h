/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSHIM_LINUX_STRING_H
#define KSHIM_LINUX_STRING_H

#include <string.h>

#define memzero_explicit(p, n) explicit_bzero((p), (n))

#endif
