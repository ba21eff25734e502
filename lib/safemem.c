// SPDX-License-Identifier: MIT
/*
 * Fault-safe access to memory the caller of a Winsock entry point handed in.
 *
 * Windows returns WSAEFAULT for a pointer outside the valid user address
 * space; a plain access through one would raise SIGSEGV here. The kernel does
 * the access instead and reports EFAULT.
 *
 * Stores of a small value to an aligned word: FUTEX_WAKE_OP with
 * FUTEX_OP_SET, one system call that writes the word atomically or fails
 * with EFAULT (the kernel faults the page in for writing first, as for any
 * store). Other stores and read probes: process_vm_readv()/
 * process_vm_writev() on our own
 * thread copy between our memory and the caller's and fail with EFAULT (or
 * stop short) at an unmapped or wrongly protected page. They honour page
 * protection (no FOLL_FORCE), and ptrace access to one's own thread group is
 * always granted. Where a seccomp policy or sandbox refuses those two calls
 * (ENOSYS, EPERM), a pipe does the same job: writev() into it gathers from
 * the caller's memory, readv() out of it scatters into the caller's memory,
 * and each fails with EFAULT rather than faulting.
 *
 * Write probes never store a byte. Reading a byte and writing it back (two
 * system calls) loses whatever another thread stored in between: exactly
 * what happened to a WSAOVERLAPPED whose result the engine's worker stored
 * while WSAGetOverlappedResult() probed it. Instead, FUTEX_WAKE_OP adds 0 to
 * one aligned 32-bit word of each page, atomically (a locked RMW in the
 * kernel, after faulting the page in for writing, and EFAULT when it cannot
 * be written): no byte changes and no concurrent store is lost, whether it
 * lands before or after. The word is the aligned one holding the range's
 * first byte in that page, so it never leaves the page. Its only side effect
 * is that a thread futex-waiting on that very word may wake spuriously, which
 * every futex user must tolerate. Where futex() itself is refused (no known
 * sandbox does: pthreads need it), a write probe is a read probe.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/futex.h>
#include <sys/syscall.h>
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

/* FUTEX_WAKE_OP's first futex: a word nobody waits on, so the call wakes
 * no one there. */
static uint32_t probe_futex;

/* The largest value FUTEX_OP_SET stores: its operand is 12 bits, signed. */
#define FUTEX_SET_MAX 0x7ff

/*
 * One system call, no gettid(): FUTEX_WAKE_OP stores @value into the
 * aligned word @dst atomically (FUTEX_OP_SET) or fails with EFAULT when it
 * cannot be written. 0, -EFAULT, or 1 when this way is not open (@dst not
 * aligned, @value too large, futex() refused).
 */
static int futex_store(DWORD *dst, DWORD value)
{
	long rc;

	if (((uintptr_t)dst & 3) || value > FUTEX_SET_MAX)
		return 1;
	rc = syscall(SYS_futex, &probe_futex, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 0, (void *)0, dst,
		     FUTEX_OP(FUTEX_OP_SET, value, FUTEX_OP_CMP_EQ, 0));
	if (rc >= 0)
		return 0;
	return errno == EFAULT ? -EFAULT : 1;
}

int wfpredir__store_dword(DWORD *dst, DWORD value)
{
	struct iovec ours = { .iov_base = &value, .iov_len = sizeof(value) };
	struct iovec theirs = { .iov_base = dst, .iov_len = sizeof(value) };
	int rc;

	if (!dst)
		return -EFAULT;
	rc = futex_store(dst, value);
	if (rc <= 0)
		return rc;
	return copy_result(caller_copy(true, &ours, &theirs, 1), sizeof(value));
}

int wfpredir__caller_copy(const struct iovec *to, const struct iovec *from, unsigned long n)
{
	size_t want = 0;

	for (unsigned long i = 0; i < n; i++)
		want += from[i].iov_len;
	/* process_vm_writev() reads its local side as any system call reads
	 * user memory: a bad @from is EFAULT too, not a fault here. */
	return copy_result(caller_copy(true, from, to, n), want);
}

/*
 * Whether the aligned word at @word can be written: 0, -EFAULT, or 1 when
 * futex() is refused (the caller then settles for readability).
 */
static int probe_word_writable(uintptr_t word)
{
	long rc = syscall(SYS_futex, &probe_futex, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 0, (void *)0,
			  (uint32_t *)word, FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_EQ, 0));

	if (rc >= 0)
		return 0;
	if (errno == ENOSYS || errno == EPERM)
		return 1;
	return -EFAULT;
}

/*
 * Check one byte of every page in [addr, addr + len), as Windows'
 * ProbeForRead/ProbeForWrite touch each page: readable by copying it out;
 * writable by the atomic no-op of probe_word_writable(). The caller's
 * bytes are never stored to.
 */
static int probe(uintptr_t addr, size_t len, bool write)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t last, next;
	struct iovec ours[PROBE_BATCH], theirs[PROBE_BATCH];
	unsigned char bytes[PROBE_BATCH];
	bool need_read = !write;

	if (len == 0)
		return 0;
	if (addr == 0 || addr + (len - 1) < addr)
		return -EFAULT;
	last = addr + (len - 1);
	for (;;) {
		unsigned long n = 0;
		int rc = 0;

		do {
			if (write && !need_read) {
				rc = probe_word_writable(addr & ~(uintptr_t)3);
				if (rc < 0)
					return rc;
				need_read = rc > 0;
			}
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

		if (need_read)
			rc = copy_result(caller_copy(false, ours, theirs, n), n);
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

int wfpredir__probe_write_tail(void *addr, size_t len, size_t written)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)addr, end, next;

	if (written >= len)
		return 0;
	if (!written)
		return probe(start, len, true);
	end = start + len;
	/* The page of the last byte written is known to be writable. */
	next = ((start + written - 1) & ~(page - 1)) + page;
	if (next <= start || next >= end)
		return 0;
	return probe(next, end - next, true);
}
