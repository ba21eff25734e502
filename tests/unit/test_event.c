// SPDX-License-Identifier: MIT
/*
 * WSAEVENT objects, WSAWaitForMultipleEvents(), SleepEx() and the per-thread
 * APC queue they run in alertable waits.
 */
#include "unit.h"

#include <pthread.h>
#include <sys/mman.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

Suite *event_suite(void);

static _Thread_local int apc_calls;

static void apc(DWORD err, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags)
{
	(void)err;
	(void)bytes;
	(void)ov;
	(void)flags;
	apc_calls++;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void setup(void)
{
	apc_calls = 0;
	WSASetLastError(0);
}

START_TEST(an_event_starts_unsignalled_and_stays_signalled_until_reset)
{
	WSAEVENT ev = WSACreateEvent();

	ck_assert_ptr_ne(ev, WSA_INVALID_EVENT);
	ck_assert_uint_eq(WSAWaitForMultipleEvents(1, &ev, FALSE, 0, FALSE), WSA_WAIT_TIMEOUT);
	ck_assert(WSASetEvent(ev));
	ck_assert(WSASetEvent(ev));
	ck_assert_uint_eq(WSAWaitForMultipleEvents(1, &ev, FALSE, 0, FALSE), WSA_WAIT_EVENT_0);
	ck_assert_uint_eq(WSAWaitForMultipleEvents(1, &ev, TRUE, WSA_INFINITE, FALSE),
			  WSA_WAIT_EVENT_0);
	ck_assert(WSAResetEvent(ev));
	ck_assert_uint_eq(WSAWaitForMultipleEvents(1, &ev, FALSE, 0, FALSE), WSA_WAIT_TIMEOUT);
	ck_assert(WSAResetEvent(ev));
	ck_assert(WSACloseEvent(ev));
}
END_TEST

START_TEST(wait_any_returns_the_lowest_signalled_index)
{
	WSAEVENT ev[5];

	for (int i = 0; i < 5; i++)
		ev[i] = WSACreateEvent();
	ck_assert(WSASetEvent(ev[4]));
	ck_assert(WSASetEvent(ev[2]));
	ck_assert_uint_eq(WSAWaitForMultipleEvents(5, ev, FALSE, 1000, FALSE),
			  WSA_WAIT_EVENT_0 + 2);
	ck_assert(WSAResetEvent(ev[2]));
	ck_assert_uint_eq(WSAWaitForMultipleEvents(5, ev, FALSE, 1000, FALSE),
			  WSA_WAIT_EVENT_0 + 4);
	for (int i = 0; i < 5; i++)
		ck_assert(WSACloseEvent(ev[i]));
}
END_TEST

struct setter {
	WSAEVENT ev;
	int ms;
};

static void *set_later(void *arg)
{
	struct setter *s = arg;

	usleep((useconds_t)s->ms * 1000);
	WSASetEvent(s->ev);
	return NULL;
}

START_TEST(wait_all_waits_for_every_event)
{
	WSAEVENT ev[3];
	struct setter s;
	struct timespec t0;
	pthread_t t;

	for (int i = 0; i < 3; i++)
		ev[i] = WSACreateEvent();
	ck_assert(WSASetEvent(ev[0]));
	ck_assert(WSASetEvent(ev[2]));
	ck_assert_uint_eq(WSAWaitForMultipleEvents(3, ev, TRUE, 50, FALSE), WSA_WAIT_TIMEOUT);
	s.ev = ev[1];
	s.ms = 100;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(pthread_create(&t, NULL, set_later, &s), 0);
	ck_assert_uint_eq(WSAWaitForMultipleEvents(3, ev, TRUE, 5000, FALSE), WSA_WAIT_EVENT_0);
	ck_assert_int_ge(elapsed_ms(&t0), 90);
	pthread_join(t, NULL);
	for (int i = 0; i < 3; i++)
		ck_assert(WSACloseEvent(ev[i]));
}
END_TEST

START_TEST(a_wait_times_out_after_the_timeout)
{
	WSAEVENT ev = WSACreateEvent();
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_uint_eq(WSAWaitForMultipleEvents(1, &ev, FALSE, 150, FALSE), WSA_WAIT_TIMEOUT);
	ck_assert_int_ge(elapsed_ms(&t0), 149);
	ck_assert_int_lt(elapsed_ms(&t0), 3000);
	WSACloseEvent(ev);
}
END_TEST

START_TEST(a_wait_any_wakes_when_another_thread_sets_the_event)
{
	WSAEVENT ev[2] = { WSACreateEvent(), WSACreateEvent() };
	struct setter s = { ev[1], 50 };
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, set_later, &s), 0);
	ck_assert_uint_eq(WSAWaitForMultipleEvents(2, ev, FALSE, WSA_INFINITE, FALSE),
			  WSA_WAIT_EVENT_0 + 1);
	pthread_join(t, NULL);
	WSACloseEvent(ev[0]);
	WSACloseEvent(ev[1]);
}
END_TEST

START_TEST(bad_handles_and_counts_fail_as_on_windows)
{
	WSAEVENT ev[WSA_MAXIMUM_WAIT_EVENTS + 1];
	WSAEVENT good = WSACreateEvent(), closed = WSACreateEvent();
	int junk;
	WSAEVENT made_up = &junk;
	int prot[1] = { PROT_NONE };
	void *bad = unit_map(1, prot);

	ck_assert(WSACloseEvent(closed));
	for (int i = 0; i <= WSA_MAXIMUM_WAIT_EVENTS; i++)
		ev[i] = good;
	ck_assert(WSASetEvent(good));
	ck_assert_uint_eq(WSAWaitForMultipleEvents(WSA_MAXIMUM_WAIT_EVENTS, ev, TRUE, 0, FALSE),
			  WSA_WAIT_EVENT_0);
	ck_assert_uint_eq(WSAWaitForMultipleEvents(WSA_MAXIMUM_WAIT_EVENTS + 1, ev, TRUE, 0, FALSE),
			  WSA_WAIT_FAILED);
	ck_assert_int_eq(WSAGetLastError(), WSA_INVALID_PARAMETER);
	WSASetLastError(0);
	ck_assert_uint_eq(WSAWaitForMultipleEvents(0, ev, TRUE, 0, FALSE), WSA_WAIT_FAILED);
	ck_assert_int_eq(WSAGetLastError(), WSA_INVALID_PARAMETER);
	WSASetLastError(0);
	ck_assert_uint_eq(WSAWaitForMultipleEvents(1, NULL, TRUE, 0, FALSE), WSA_WAIT_FAILED);
	ck_assert_int_eq(WSAGetLastError(), WSA_INVALID_PARAMETER);
	WSASetLastError(0);
	ck_assert_uint_eq(WSAWaitForMultipleEvents(1, bad, TRUE, 0, FALSE), WSA_WAIT_FAILED);
	ck_assert_int_eq(WSAGetLastError(), WSA_INVALID_PARAMETER);

	ev[1] = closed;
	ev[2] = made_up;
	ev[3] = WSA_INVALID_EVENT;
	for (int i = 1; i <= 3; i++) {
		WSAEVENT pair[2] = { good, ev[i] };

		WSASetLastError(0);
		ck_assert_uint_eq(WSAWaitForMultipleEvents(2, pair, FALSE, 0, FALSE),
				  WSA_WAIT_FAILED);
		ck_assert_int_eq(WSAGetLastError(), WSA_INVALID_HANDLE);
		WSASetLastError(0);
		ck_assert(!WSASetEvent(ev[i]));
		ck_assert_int_eq(WSAGetLastError(), WSA_INVALID_HANDLE);
		WSASetLastError(0);
		ck_assert(!WSAResetEvent(ev[i]));
		ck_assert_int_eq(WSAGetLastError(), WSA_INVALID_HANDLE);
		WSASetLastError(0);
		ck_assert(!WSACloseEvent(ev[i]));
		ck_assert_int_eq(WSAGetLastError(), WSA_INVALID_HANDLE);
	}
	unit_unmap(bad, 1);
	WSACloseEvent(good);
}
END_TEST

START_TEST(an_alertable_wait_runs_queued_routines_and_a_plain_one_does_not)
{
	WSAEVENT ev = WSACreateEvent();
	struct wfpredir_thread *self = wfpredir__thread_self();

	ck_assert_ptr_nonnull(self);
	ck_assert_int_eq(wfpredir__apc_queue(self, apc, 0, 0, NULL), 0);
	ck_assert_int_eq(wfpredir__apc_queue(self, apc, 0, 0, NULL), 0);
	ck_assert_uint_eq(WSAWaitForMultipleEvents(1, &ev, FALSE, 20, FALSE), WSA_WAIT_TIMEOUT);
	ck_assert_uint_eq(SleepEx(10, FALSE), 0);
	ck_assert_int_eq(apc_calls, 0);
	/* Even with the event signalled, queued routines run first. */
	ck_assert(WSASetEvent(ev));
	ck_assert_uint_eq(WSAWaitForMultipleEvents(1, &ev, FALSE, 0, TRUE), WSA_WAIT_IO_COMPLETION);
	ck_assert_int_eq(apc_calls, 2);
	ck_assert_uint_eq(WSAWaitForMultipleEvents(1, &ev, FALSE, 0, TRUE), WSA_WAIT_EVENT_0);
	ck_assert_int_eq(apc_calls, 2);
	WSACloseEvent(ev);
}
END_TEST

struct queuer {
	struct wfpredir_thread *target;
	int ms;
};

static void *queue_later(void *arg)
{
	struct queuer *q = arg;

	usleep((useconds_t)q->ms * 1000);
	wfpredir__apc_queue(q->target, apc, 0, 0, NULL);
	return NULL;
}

START_TEST(a_routine_queued_during_an_alertable_wait_ends_it)
{
	WSAEVENT ev = WSACreateEvent();
	struct queuer q = { wfpredir__thread_self(), 50 };
	struct timespec t0;
	pthread_t t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(pthread_create(&t, NULL, queue_later, &q), 0);
	ck_assert_uint_eq(WSAWaitForMultipleEvents(1, &ev, FALSE, 5000, TRUE),
			  WSA_WAIT_IO_COMPLETION);
	ck_assert_int_eq(apc_calls, 1);
	ck_assert_int_lt(elapsed_ms(&t0), 4000);
	pthread_join(t, NULL);

	ck_assert_int_eq(pthread_create(&t, NULL, queue_later, &q), 0);
	ck_assert_uint_eq(SleepEx(INFINITE, TRUE), WAIT_IO_COMPLETION);
	ck_assert_int_eq(apc_calls, 2);
	pthread_join(t, NULL);
	WSACloseEvent(ev);
}
END_TEST

START_TEST(sleepex_sleeps_for_the_time_given)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_uint_eq(SleepEx(120, TRUE), 0);
	ck_assert_int_ge(elapsed_ms(&t0), 119);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_uint_eq(SleepEx(60, FALSE), 0);
	ck_assert_int_ge(elapsed_ms(&t0), 59);
	ck_assert_uint_eq(SleepEx(0, FALSE), 0);
}
END_TEST

static void *exit_with_id(void *arg)
{
	INT err;

	return (void *)(intptr_t)WPUOpenCurrentThread(arg, &err);
}

START_TEST(a_routine_queued_to_an_exited_thread_is_dropped_and_its_id_rejected)
{
	WSATHREADID id;
	struct wfpredir_thread *t;
	pthread_t th;
	void *rc;
	INT err;

	ck_assert_int_eq(pthread_create(&th, NULL, exit_with_id, &id), 0);
	pthread_join(th, &rc);
	ck_assert_int_eq((intptr_t)rc, 0);
	/* The id is still open, but names no live thread. */
	ck_assert_ptr_null(wfpredir__thread_get(&id));
	ck_assert_int_eq(WPUCloseThread(&id, &err), 0);
	t = wfpredir__thread_self();
	ck_assert_int_eq(wfpredir__apc_queue(t, apc, 0, 0, NULL), 0);
	ck_assert_uint_eq(SleepEx(0, TRUE), WAIT_IO_COMPLETION);
}
END_TEST

Suite *event_suite(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("event");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, an_event_starts_unsignalled_and_stays_signalled_until_reset);
	tcase_add_test(tc, wait_any_returns_the_lowest_signalled_index);
	tcase_add_test(tc, wait_all_waits_for_every_event);
	tcase_add_test(tc, a_wait_times_out_after_the_timeout);
	tcase_add_test(tc, a_wait_any_wakes_when_another_thread_sets_the_event);
	tcase_add_test(tc, bad_handles_and_counts_fail_as_on_windows);
	tcase_add_test(tc, an_alertable_wait_runs_queued_routines_and_a_plain_one_does_not);
	tcase_add_test(tc, a_routine_queued_during_an_alertable_wait_ends_it);
	tcase_add_test(tc, sleepex_sleeps_for_the_time_given);
	tcase_add_test(tc, a_routine_queued_to_an_exited_thread_is_dropped_and_its_id_rejected);
	suite_add_tcase(s, tc);
	return s;
}
