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
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: %s does not hold\n", __FILE__, __LINE__, #cond); \
			abort();                                                                 \
		}                                                                                \
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

/*
 * The scratch directory of files a target lets its inputs name, the same
 * for every run of one user (libFuzzer leaves without atexit handlers, so
 * nothing would remove a directory per run): /tmp/wfpredir-fuzz-UID.
 */
static inline const char *fuzz_dir(void)
{
	static char path[64];
	struct stat st;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/wfpredir-fuzz-%u", (unsigned int)getuid());
		mkdir(path, 0700);
		check(!lstat(path, &st) && S_ISDIR(st.st_mode) && st.st_uid == getuid());
	}
	return path;
}

/* Write the scratch directory's @name, atomically for runs side by side. */
static inline void fuzz_put(const char *name, const char *text)
{
	char path[128], tmp[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	f = fopen(tmp, "w");
	check(f);
	fputs(text, f);
	check(!fclose(f) && !rename(tmp, path));
}

#endif
