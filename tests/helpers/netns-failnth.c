// SPDX-License-Identifier: GPL-2.0
/*
 * netns-failnth N: unshare(CLONE_NEWNET) with its N-th memory allocation made
 * to fail (the kernel's fault injection, /proc/thread-self/fail-nth). Prints
 * "ok LEFT" when the call succeeded without reaching it (it made N - LEFT
 * allocations: with a large N, that is how many a namespace costs),
 * "ok injected" when it succeeded although the allocation failed (someone
 * absorbed the failure), else the errno name ("ENOMEM") and whether the
 * failure was injected. The namespace, if any, goes when the process exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/helper.h"

int main(int argc, char **argv)
{
	char buf[16] = "";
	unsigned long n;
	int fd, len, rc, err;

	if (argc != 2 || !(n = strtoul(argv[1], NULL, 10))) {
		fprintf(stderr, "usage: netns-failnth N\n");
		return 2;
	}
	fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fd < 0) {
		perror("netns-failnth: /proc/thread-self/fail-nth");
		return 2;
	}
	len = snprintf(buf, sizeof(buf), "%lu", n);
	if (write(fd, buf, (size_t)len) != len) {
		perror("netns-failnth: arm");
		return 2;
	}
	rc = unshare(CLONE_NEWNET);
	err = errno;
	memset(buf, 0, sizeof(buf));
	if (pread(fd, buf, sizeof(buf) - 1, 0) <= 0) {
		perror("netns-failnth: read back");
		return 2;
	}
	n = strtoul(buf, NULL, 10);
	/* Disarmed before anything else runs (printing, exit). */
	if (n && pwrite(fd, "0", 1, 0) != 1) {
		perror("netns-failnth: disarm");
		return 2;
	}
	if (!rc && n)
		printf("ok %lu\n", n);
	else if (!rc)
		printf("ok injected\n");
	else
		printf("%s %s\n", errno_name(err),
		       n ? "not-injected" : "injected");
	return 0;
}
