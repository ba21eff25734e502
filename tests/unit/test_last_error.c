// SPDX-License-Identifier: MIT
/* lib/last_error.c: WSAGetLastError() and WSASetLastError(). */
#include "unit.h"

#include <pthread.h>

START_TEST(wsagetlasterror_returns_what_wsasetlasterror_set)
{
	static const int values[] = { WSAEFAULT, 0, FWP_E_NOT_FOUND, -1, WSAEINVAL };
	size_t i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		WSASetLastError(values[i]);
		ck_assert_int_eq(WSAGetLastError(), values[i]);
	}
}
END_TEST

struct thread_arg {
	pthread_barrier_t *barrier;
	int mine;
	int initial;
	int seen;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;

	a->initial = WSAGetLastError();
	WSASetLastError(a->mine);
	/* both threads have set theirs before either reads it back */
	pthread_barrier_wait(a->barrier);
	a->seen = WSAGetLastError();
	return NULL;
}

START_TEST(each_thread_has_its_own_last_error_starting_at_zero)
{
	pthread_barrier_t barrier;
	struct thread_arg a = { .barrier = &barrier, .mine = WSAEFAULT };
	struct thread_arg b = { .barrier = &barrier, .mine = WSAENOTSOCK };
	pthread_t ta, tb;

	WSASetLastError(WSAEOPNOTSUPP);
	ck_assert_int_eq(pthread_barrier_init(&barrier, NULL, 2), 0);
	ck_assert_int_eq(pthread_create(&ta, NULL, thread_main, &a), 0);
	ck_assert_int_eq(pthread_create(&tb, NULL, thread_main, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&barrier);

	ck_assert_int_eq(a.initial, 0);
	ck_assert_int_eq(b.initial, 0);
	ck_assert_int_eq(a.seen, WSAEFAULT);
	ck_assert_int_eq(b.seen, WSAENOTSOCK);
	ck_assert_int_eq(WSAGetLastError(), WSAEOPNOTSUPP);
}
END_TEST

Suite *last_error_suite(void)
{
	Suite *s = suite_create("last_error");
	TCase *tc = tcase_create("last_error");

	tcase_add_test(tc, wsagetlasterror_returns_what_wsasetlasterror_set);
	tcase_add_test(tc, each_thread_has_its_own_last_error_starting_at_zero);
	suite_add_tcase(s, tc);
	return s;
}
