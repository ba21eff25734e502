// SPDX-License-Identifier: MIT
/*
 * lib/safemem.c: fault-safe stores and probes of caller memory.
 *
 * Each check is a function returning 0 when the behaviour holds, so that
 * the same checks run twice: as tests of their own, and in a child whose
 * seccomp filter refuses process_vm_readv()/process_vm_writev(), which
 * forces the pipe fallback.
 */
#include "unit.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGES 150 /* more than one batch (64) of page probes */

static const int rw_none[] = { PROT_READ | PROT_WRITE, PROT_NONE };
static const int ro[] = { PROT_READ };
static const int none[] = { PROT_NONE };

static int store_writes_aligned_and_unaligned(void)
{
	unsigned char *p = unit_map(2, rw_none);
	DWORD v = 0;
	int bad;

	bad = wfpredir__store_dword(&v, 0xdeadbeef) || v != 0xdeadbeef;
	bad |= wfpredir__store_dword((DWORD *)(p + 1), 0x01020304) ||
	       memcmp(p + 1, "\x04\x03\x02\x01", 4) != 0;
	unit_unmap(p, 2);
	return bad;
}

/* Small values to aligned words take FUTEX_OP_SET; larger ones and
 * unaligned words the other way: all land whole. */
static int store_of_any_value_lands(void)
{
	static const DWORD values[] = { 0, 1, 0x7ff, 0x800, 0xffffffff };
	DWORD v[2];
	int bad = 0;

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		v[0] = ~values[i];
		bad |= wfpredir__store_dword(&v[0], values[i]) || v[0] != values[i];
		memset(v, 0x11, sizeof(v));
		bad |= wfpredir__store_dword((DWORD *)((unsigned char *)v + 2), values[i]);
		bad |= memcmp((unsigned char *)v + 2, &values[i], 4) != 0;
	}
	return bad;
}

static int store_to_null_or_unmapped_fails(void)
{
	return wfpredir__store_dword(NULL, 1) != -EFAULT ||
	       wfpredir__store_dword((DWORD *)16, 1) != -EFAULT;
}

static int store_to_prot_none_fails(void)
{
	unsigned char *n = unit_map(1, none);
	int bad = wfpredir__store_dword((DWORD *)n, 1) != -EFAULT;

	unit_unmap(n, 1);
	return bad;
}

static int store_to_read_only_fails_unchanged(void)
{
	unsigned char *r = unit_map(1, ro);
	int bad = wfpredir__store_dword((DWORD *)r, 1) != -EFAULT || r[0] != 0x5a;

	unit_unmap(r, 1);
	return bad;
}

static int store_straddling_into_prot_none_fails(void)
{
	unsigned char *p = unit_map(2, rw_none);
	int bad = wfpredir__store_dword((DWORD *)(p + unit_page_size() - 2), 1) != -EFAULT;

	unit_unmap(p, 2);
	return bad;
}

/* PAGES read-write pages filled with a pattern; last_prot for the last. */
static unsigned char *pattern_map(int last_prot)
{
	int prot[PAGES];
	size_t i, page = unit_page_size();
	unsigned char *p;

	for (i = 0; i < PAGES; i++)
		prot[i] = PROT_READ | PROT_WRITE;
	p = unit_map(PAGES, prot);
	for (i = 0; i < PAGES * page; i++)
		p[i] = (unsigned char)(i * 7);
	if (mprotect(p + (PAGES - 1) * page, page, last_prot))
		return NULL;
	return p;
}

static int pattern_intact(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (unsigned char)(i * 7))
			return 0;
	return 1;
}

static int probe_of_good_range_passes_unchanged(void)
{
	size_t len = PAGES * unit_page_size();
	unsigned char *p = pattern_map(PROT_READ | PROT_WRITE);
	int bad;

	bad = !p || wfpredir__probe_read(p + 3, len - 3) != 0 ||
	      wfpredir__probe_write(p + 3, len - 3) != 0 || !pattern_intact(p, len);
	if (p)
		unit_unmap(p, PAGES);
	return bad;
}

static int probe_of_zero_bytes_passes_even_for_null(void)
{
	return wfpredir__probe_read(NULL, 0) != 0 || wfpredir__probe_write(NULL, 0) != 0;
}

static int probe_of_null_or_unmapped_fails(void)
{
	return wfpredir__probe_read(NULL, 1) != -EFAULT ||
	       wfpredir__probe_write((void *)16, 4) != -EFAULT;
}

static int probe_ending_in_prot_none_page_fails(void)
{
	size_t len = PAGES * unit_page_size();
	unsigned char *p = pattern_map(PROT_NONE);
	int bad;

	bad = !p || wfpredir__probe_read(p, len) != -EFAULT ||
	      wfpredir__probe_write(p, len) != -EFAULT ||
	      wfpredir__probe_read(p, len - unit_page_size()) != 0 ||
	      !pattern_intact(p, len - unit_page_size());
	if (p)
		unit_unmap(p, PAGES);
	return bad;
}

static int probe_for_write_of_read_only_page_fails(void)
{
	size_t len = PAGES * unit_page_size();
	unsigned char *p = pattern_map(PROT_READ);
	int bad;

	bad = !p || wfpredir__probe_read(p, len) != 0 || wfpredir__probe_write(p, len) != -EFAULT ||
	      !pattern_intact(p, len);
	if (p)
		unit_unmap(p, PAGES);
	return bad;
}

static int probe_of_range_that_wraps_around_fails(void)
{
	return wfpredir__probe_read((void *)(UINTPTR_MAX - 10), 100) != -EFAULT;
}

/* Either side of a copy may be bad: -EFAULT, and no piece after the bad
 * one done (those before it may be: not through the pipe). */
static int copy_between_caller_buffers_is_fault_safe(void)
{
	uint32_t a = 0x11111111, b = 0x22222222, x = 0, y = 0;
	unsigned char *p = pattern_map(PROT_READ);
	unsigned char *ro_page = p ? p + (PAGES - 1) * unit_page_size() : NULL;
	struct iovec to[] = { { &x, 4 }, { &y, 4 } };
	struct iovec from[] = { { &a, 4 }, { &b, 4 } };
	int bad;

	bad = !ro_page || wfpredir__caller_copy(to, from, 2) != 0 || x != a || y != b;
	y = 0;
	from[1].iov_base = (void *)16;
	bad |= wfpredir__caller_copy(to, from, 2) != -EFAULT || y != 0;
	from[1].iov_base = &b;
	to[0].iov_base = ro_page;
	bad |= wfpredir__caller_copy(to, from, 2) != -EFAULT || y != 0 ||
	       (p && !pattern_intact(p, PAGES * unit_page_size()));
	if (p)
		unit_unmap(p, PAGES);
	return bad;
}

static int (*const checks[])(void) = {
	store_writes_aligned_and_unaligned,	   store_of_any_value_lands,
	store_to_null_or_unmapped_fails,	   store_to_prot_none_fails,
	store_to_read_only_fails_unchanged,	   store_straddling_into_prot_none_fails,
	probe_of_good_range_passes_unchanged,	   probe_of_zero_bytes_passes_even_for_null,
	probe_of_null_or_unmapped_fails,	   probe_ending_in_prot_none_page_fails,
	probe_for_write_of_read_only_page_fails,   probe_of_range_that_wraps_around_fails,
	copy_between_caller_buffers_is_fault_safe,
};

#define NCHECKS (sizeof(checks) / sizeof(checks[0]))

START_TEST(a_store_writes_the_dword_at_any_alignment)
{
	ck_assert_int_eq(store_writes_aligned_and_unaligned(), 0);
}
END_TEST

START_TEST(a_store_through_null_or_an_unmapped_address_fails_with_efault)
{
	ck_assert_int_eq(store_to_null_or_unmapped_fails(), 0);
}
END_TEST

START_TEST(a_store_into_a_prot_none_page_fails_with_efault)
{
	ck_assert_int_eq(store_to_prot_none_fails(), 0);
}
END_TEST

START_TEST(a_store_into_a_read_only_page_fails_with_efault_and_changes_nothing)
{
	ck_assert_int_eq(store_to_read_only_fails_unchanged(), 0);
}
END_TEST

START_TEST(a_store_that_straddles_into_a_prot_none_page_fails_with_efault)
{
	ck_assert_int_eq(store_straddling_into_prot_none_fails(), 0);
}
END_TEST

START_TEST(probing_a_good_range_of_many_pages_passes_and_changes_no_byte)
{
	ck_assert_int_eq(probe_of_good_range_passes_unchanged(), 0);
}
END_TEST

START_TEST(probing_zero_bytes_passes_even_at_null)
{
	ck_assert_int_eq(probe_of_zero_bytes_passes_even_for_null(), 0);
}
END_TEST

START_TEST(probing_null_or_an_unmapped_address_fails_with_efault)
{
	ck_assert_int_eq(probe_of_null_or_unmapped_fails(), 0);
}
END_TEST

START_TEST(probing_a_range_whose_last_page_is_prot_none_fails_with_efault)
{
	ck_assert_int_eq(probe_ending_in_prot_none_page_fails(), 0);
}
END_TEST

START_TEST(probing_a_range_with_a_read_only_page_for_write_fails_with_efault)
{
	ck_assert_int_eq(probe_for_write_of_read_only_page_fails(), 0);
}
END_TEST

START_TEST(probing_a_range_that_wraps_around_the_address_space_fails_with_efault)
{
	ck_assert_int_eq(probe_of_range_that_wraps_around_fails(), 0);
}
END_TEST

START_TEST(a_copy_between_caller_buffers_fails_with_efault_at_a_bad_piece_on_either_side)
{
	ck_assert_int_eq(copy_between_caller_buffers_is_fault_safe(), 0);
}
END_TEST

#if defined(__x86_64__)
#define UNIT_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define UNIT_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef UNIT_AUDIT_ARCH
/*
 * Fork; in the child refuse process_vm_{readv,writev} with err and run every
 * check. The child's exit status is 0 or 1 + the index of the first check
 * that failed.
 */
static void run_checks_without_process_vm(int err)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, UNIT_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_process_vm_readv, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_process_vm_writev, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K,
			 SECCOMP_RET_ERRNO | ((unsigned int)err & SECCOMP_RET_DATA)),
	};
	struct sock_fprog prog = { .len = sizeof(insns) / sizeof(insns[0]), .filter = insns };
	int status, v = 0;
	struct iovec ours = { &v, sizeof(v) }, theirs = { &v, sizeof(v) };
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
			_exit(100);
		if (process_vm_writev(getpid(), &ours, 1, &theirs, 1, 0) != -1 || errno != err)
			_exit(101); /* the filter did not take */
		for (size_t i = 0; i < NCHECKS; i++)
			if (checks[i]())
				_exit((int)i + 1);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "the child died of signal %d", WTERMSIG(status));
	ck_assert_msg(WEXITSTATUS(status) == 0,
		      "with process_vm refused (errno %d), check %d failed (100+: no seccomp)", err,
		      WEXITSTATUS(status));
}
#endif

START_TEST(every_check_above_passes_when_seccomp_refuses_process_vm)
{
#ifdef UNIT_AUDIT_ARCH
	run_checks_without_process_vm(ENOSYS);
	run_checks_without_process_vm(EPERM);
#endif
}
END_TEST

/* A daemon's main thread may exit while workers go on. */
static bool main_thread_is_gone(pid_t pid)
{
	char path[64], stat[256];
	FILE *f;
	bool gone;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	gone = fgets(stat, sizeof(stat), f) && strstr(stat, ") Z ");
	fclose(f);
	return gone;
}

static void *store_from_worker(void *arg)
{
	DWORD value = 0;
	int i;

	(void)arg;
	for (i = 0; i < 1000 && !main_thread_is_gone(getpid()); i++)
		usleep(1000);
	_exit(wfpredir__store_dword(&value, 0x1234) == 0 && value == 0x1234 ? 0 : 1);
}

START_TEST(a_store_works_in_a_worker_after_the_main_thread_exited)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		pthread_t worker;

		if (pthread_create(&worker, NULL, store_from_worker, NULL))
			_exit(2);
		pthread_exit(NULL);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

/*
 * A write probe must not store: a thread storing into the probed word at the
 * same time would have its store undone by a read-then-write-back probe.
 */
struct concurrent_store {
	uint32_t word; /* atomic */
	int stop;      /* atomic */
	int lost;
};

static void *store_counting(void *arg)
{
	struct concurrent_store *c = arg;

	for (uint32_t i = 1; !__atomic_load_n(&c->stop, __ATOMIC_RELAXED); i++) {
		__atomic_store_n(&c->word, i, __ATOMIC_RELAXED);
		for (int spin = 0; spin < 64; spin++)
			if (__atomic_load_n(&c->word, __ATOMIC_RELAXED) != i)
				c->lost++;
	}
	return NULL;
}

START_TEST(a_write_probe_never_undoes_a_concurrent_store)
{
	struct concurrent_store c = { 0 };
	struct timespec start, now;
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, store_counting, &c), 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (int i = 0; i < 100; i++)
			ck_assert_int_eq(wfpredir__probe_write(&c.word, sizeof(c.word)), 0);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < 1);
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	ck_assert_msg(c.lost == 0, "the probe undid %d stores", c.lost);
}
END_TEST

START_TEST(a_store_of_every_value_lands_at_any_alignment)
{
	ck_assert_int_eq(store_of_any_value_lands(), 0);
}
END_TEST

START_TEST(probing_what_the_kernel_did_not_write_checks_only_the_pages_after)
{
	size_t page = unit_page_size();
	unsigned char *p = unit_map(2, rw_none);

	/* all written, or the rest in the page of the last byte written */
	ck_assert_int_eq(wfpredir__probe_write_tail(p, page + 64, page + 64), 0);
	ck_assert_int_eq(wfpredir__probe_write_tail(p, page, 10), 0);
	/* the rest reaches the PROT_NONE page */
	ck_assert_int_eq(wfpredir__probe_write_tail(p, page + 1, 10), -EFAULT);
	ck_assert_int_eq(wfpredir__probe_write_tail(p, page + 1, 0), -EFAULT);
	/* nothing written: all of it */
	ck_assert_int_eq(wfpredir__probe_write_tail(p, page, 0), 0);
	unit_unmap(p, 2);
}
END_TEST

Suite *safemem_suite(void)
{
	Suite *s = suite_create("safemem");
	TCase *tc = tcase_create("safemem");

	/* The seccomp check forks twice and probes hundreds of pages through
	 * a pipe: seconds under TSan on a busy host, past Check's default 4. */
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, a_store_writes_the_dword_at_any_alignment);
	tcase_add_test(tc, a_store_of_every_value_lands_at_any_alignment);
	tcase_add_test(tc, probing_what_the_kernel_did_not_write_checks_only_the_pages_after);
	tcase_add_test(tc, a_store_through_null_or_an_unmapped_address_fails_with_efault);
	tcase_add_test(tc, a_store_into_a_prot_none_page_fails_with_efault);
	tcase_add_test(tc, a_store_into_a_read_only_page_fails_with_efault_and_changes_nothing);
	tcase_add_test(tc, a_store_that_straddles_into_a_prot_none_page_fails_with_efault);
	tcase_add_test(tc, probing_a_good_range_of_many_pages_passes_and_changes_no_byte);
	tcase_add_test(tc, probing_zero_bytes_passes_even_at_null);
	tcase_add_test(tc, probing_null_or_an_unmapped_address_fails_with_efault);
	tcase_add_test(tc, probing_a_range_whose_last_page_is_prot_none_fails_with_efault);
	tcase_add_test(tc, probing_a_range_with_a_read_only_page_for_write_fails_with_efault);
	tcase_add_test(tc, probing_a_range_that_wraps_around_the_address_space_fails_with_efault);
	tcase_add_test(
		tc, a_copy_between_caller_buffers_fails_with_efault_at_a_bad_piece_on_either_side);
	tcase_add_test(tc, every_check_above_passes_when_seccomp_refuses_process_vm);
	tcase_add_test(tc, a_store_works_in_a_worker_after_the_main_thread_exited);
	tcase_add_test(tc, a_write_probe_never_undoes_a_concurrent_store);
	suite_add_tcase(s, tc);
	return s;
}
