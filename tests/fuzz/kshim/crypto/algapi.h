/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSHIM_CRYPTO_ALGAPI_H
#define KSHIM_CRYPTO_ALGAPI_H

#include <stddef.h>

/* Nonzero when the buffers differ, in time independent of where. */
int crypto_memneq(const void *a, const void *b, size_t size);

#endif
