/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSHIM_LINUX_ERR_H
#define KSHIM_LINUX_ERR_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) ((uintptr_t)(void *)(x) >= (uintptr_t)-MAX_ERRNO)

static inline void *ERR_PTR(long error)
{
	return (void *)error;
}

static inline long PTR_ERR(const void *ptr)
{
	return (long)ptr;
}

static inline bool IS_ERR(const void *ptr)
{
	return IS_ERR_VALUE(ptr);
}

#endif
