// SPDX-License-Identifier: MIT
/*
 * Fault-safe access to memory the caller of WSAIoctl() handed in.
 *
 * Windows returns WSAEFAULT for a pointer outside the valid user address
 * space; a plain store through one would raise SIGSEGV here. The kernel does
 * the copying instead: process_vm_readv()/process_vm_writev() on our own pid
 * copy between our memory and the caller's and fail with EFAULT (or stop
 * short) at an unmapped or wrongly protected page. They honour page
 * protection (no FOLL_FORCE), and ptrace access to one's own thread group is
 * always granted.
 *
 * Where a seccomp policy or sandbox refuses those two calls (ENOSYS, EPERM),
 * a pipe does the same job: writev() into it gathers from the caller's
 * memory, readv() out of it scatters into the caller's memory, and each
 * fails with EFAULT rather than faulting. The pipe is created and closed per
 * call, so no state is kept.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <unistd.h>

/* Caller pages probed per system call, one byte each. */
#define PROBE_BATCH 64

static ssize_t pipe_copy(bool to_caller, const struct iovec *ours, const struct iovec *theirs,
			 unsigned long n)
{
	const struct iovec *src = to_caller ? ours : theirs;
	const struct iovec *dst = to_caller ? theirs : ours;
	size_t total = 0;
	ssize_t done;
	unsigned long i;
	int p[2];

	for (i = 0; i < n; i++)
		total += src[i].iov_len;
	if (total == 0)
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	/* total is at most PROBE_BATCH bytes: far below the pipe's capacity,
	 * so neither call can block. */
	done = writev(p[1], src, (int)n);
	if (done > 0)
		done = readv(p[0], dst, (int)n);
	if (done < 0)
		done = -errno;
	close(p[0]);
	close(p[1]);
	return done;
}

/*
 * Copy between our buffers and the caller's: bytes copied, or -errno. The
 * target is this thread, not the process: once the main thread has exited,
 * the pid names a thread without an mm and the calls fail with ESRCH.
 */
static ssize_t caller_copy(bool to_caller, const struct iovec *ours, const struct iovec *theirs,
			   unsigned long n)
{
	pid_t self = gettid();
	ssize_t done;

	if (to_caller)
		done = process_vm_writev(self, ours, n, theirs, n, 0);
	else
		done = process_vm_readv(self, ours, n, theirs, n, 0);
	if (done >= 0)
		return done;
	if (errno != ENOSYS && errno != EPERM && errno != ESRCH)
		return -errno;
	return pipe_copy(to_caller, ours, theirs, n);
}

/* A short copy means a bad page; a resource failure keeps its errno. */
static int copy_result(ssize_t done, size_t want)
{
	if (done >= 0)
		return (size_t)done == want ? 0 : -EFAULT;
	return done == -EMFILE || done == -ENFILE || done == -ENOMEM ? (int)done : -EFAULT;
}

int wfpredir__store_dword(DWORD *dst, DWORD value)
{
	struct iovec ours = { .iov_base = &value, .iov_len = sizeof(value) };
	struct iovec theirs = { .iov_base = dst, .iov_len = sizeof(value) };

	if (!dst)
		return -EFAULT;
	return copy_result(caller_copy(true, &ours, &theirs, 1), sizeof(value));
}

/*
 * Touch one byte of every page in [addr, addr + len): read it and, to check
 * for write access, write the same byte back, as Windows' ProbeForWrite
 * touches each page. The caller's bytes are unchanged.
 */
static int probe(uintptr_t addr, size_t len, bool write)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t last, next;
	struct iovec ours[PROBE_BATCH], theirs[PROBE_BATCH];
	unsigned char bytes[PROBE_BATCH];

	if (len == 0)
		return 0;
	if (addr == 0 || addr + (len - 1) < addr)
		return -EFAULT;
	last = addr + (len - 1);
	for (;;) {
		unsigned long n = 0;
		int rc;

		do {
			ours[n].iov_base = &bytes[n];
			ours[n].iov_len = 1;
			theirs[n].iov_base = (void *)addr;
			theirs[n].iov_len = 1;
			n++;
			next = (addr & ~(page - 1)) + page;
			if (next <= addr || next > last) {
				addr = 0;
				break;
			}
			addr = next;
		} while (n < PROBE_BATCH);

		rc = copy_result(caller_copy(false, ours, theirs, n), n);
		if (rc == 0 && write)
			rc = copy_result(caller_copy(true, ours, theirs, n), n);
		if (rc || addr == 0)
			return rc;
	}
}

int wfpredir__probe_read(const void *addr, size_t len)
{
	return probe((uintptr_t)addr, len, false);
}

int wfpredir__probe_write(void *addr, size_t len)
{
	return probe((uintptr_t)addr, len, true);
}
