// SPDX-License-Identifier: GPL-2.0
/*
 * netns-failnth FROM [TO]: unshare(CLONE_NEWNET) with its N-th memory
 * allocation made to fail (the kernel's fault injection,
 * /proc/thread-self/fail-nth), for each N from FROM down to TO (default:
 * FROM alone), each in a child of its own: a fork costs far less than an
 * exec in the test VM. One line per N:
 *   "N ok LEFT"        unshare succeeded without reaching it (it made
 *                      N - LEFT allocations: with a large N, that is how
 *                      many a namespace costs)
 *   "N ok injected"    it succeeded although the allocation failed
 *                      (someone absorbed the failure)
 *   "N ERRNO injected" it failed ("ENOMEM"); "not-injected" if it failed
 *                      without reaching the N-th allocation
 * The namespace, if any, goes when the child exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/helper.h"

static void one(unsigned long n)
{
	char buf[16] = "";
	int fd, len, rc, err;

	fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fd < 0)
		die("/proc/thread-self/fail-nth: %s", strerror(errno));
	len = snprintf(buf, sizeof(buf), "%lu", n);
	if (write(fd, buf, (size_t)len) != len)
		die("arm: %s", strerror(errno));
	rc = unshare(CLONE_NEWNET);
	err = errno;
	memset(buf, 0, sizeof(buf));
	if (pread(fd, buf, sizeof(buf) - 1, 0) <= 0)
		die("read back: %s", strerror(errno));
	n = strtoul(buf, NULL, 10);
	/* Disarmed before anything else runs (printing, exit). */
	if (n && pwrite(fd, "0", 1, 0) != 1)
		die("disarm: %s", strerror(errno));
	if (!rc && n)
		printf("ok %lu\n", n);
	else if (!rc)
		printf("ok injected\n");
	else
		printf("%s %s\n", errno_name(err), n ? "not-injected" : "injected");
}

int main(int argc, char **argv)
{
	unsigned long from, to, n;
	int status;
	pid_t pid;

	if (argc < 2 || argc > 3 || !(from = strtoul(argv[1], NULL, 10)))
		die("usage: netns-failnth FROM [TO]");
	to = argc == 3 ? strtoul(argv[2], NULL, 10) : from;
	if (!to || to > from)
		die("usage: netns-failnth FROM [TO], FROM >= TO >= 1");
	for (n = from; n >= to; n--) {
		printf("%lu ", n);
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (!pid) {
			one(n);
			fflush(stdout);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			die("the child for %lu failed", n);
	}
	return 0;
}
