/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a kernel source takes for granted, for building kmod/ files in user
 * space (tests/fuzz): forced into each with -include. Anything the kernel
 * would WARN about here aborts, so the fuzzer reports it as a crash.
 */
#ifndef KSHIM_H
#define KSHIM_H

#include <linux/types.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#define KBUILD_MODNAME "wfpredir"

void kshim_warn(const char *file, int line, const char *cond) __attribute__((noreturn));

#define WARN_ON(cond)                                          \
	({                                                     \
		bool __c = !!(cond);                           \
		if (__c)                                       \
			kshim_warn(__FILE__, __LINE__, #cond); \
		__c;                                           \
	})
#define WARN_ON_ONCE(cond) WARN_ON(cond)

#define __static_assert(expr, msg, ...) _Static_assert(expr, msg)
#define static_assert(expr, ...) __static_assert(expr, ##__VA_ARGS__, #expr)

#define __aligned(x) __attribute__((aligned(x)))

#define pr_err(fmt, ...) fprintf(stderr, pr_fmt(fmt), ##__VA_ARGS__)

#define smp_load_acquire(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)

/* For the fuzz targets: the processes find_pid_ns() knows (not copied). */
struct pid;
void kshim_set_pids(struct pid *table, size_t n);

#endif /* KSHIM_H */
