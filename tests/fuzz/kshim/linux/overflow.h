/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSHIM_LINUX_OVERFLOW_H
#define KSHIM_LINUX_OVERFLOW_H

#include <stddef.h>
#include <stdint.h>

/* As the kernel's: SIZE_MAX on overflow, so that the allocation fails. */
static inline size_t kshim_struct_size(size_t base, size_t n, size_t elem)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, elem, &bytes) || __builtin_add_overflow(bytes, base, &bytes))
		return SIZE_MAX;
	return bytes;
}

#define struct_size(p, member, n) kshim_struct_size(sizeof(*(p)), (n), sizeof(*(p)->member))

#endif
