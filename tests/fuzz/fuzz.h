/* SPDX-License-Identifier: MIT */
/*
 * What the userspace fuzz targets share: the libFuzzer entry points and a
 * check that aborts (a crash the fuzzer reports) when a promise breaks.
 */
#ifndef WFPREDIR_FUZZ_H
#define WFPREDIR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond)                                                                         \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fprintf(stderr, "%s:%d: %s does not hold\n", __FILE__, __LINE__, #cond); \
			abort();                                                            \
		}                                                                           \
	} while (0)

/* The input's bytes in a heap block of exactly their size, so that ASan
 * sees any read past them; never NULL. */
static inline void *fuzz_dup(const void *p, size_t len)
{
	unsigned char *q = malloc(len ? len : 1);

	if (!q)
		abort();
	for (size_t i = 0; i < len; i++)
		q[i] = ((const unsigned char *)p)[i];
	return q;
}

#endif
