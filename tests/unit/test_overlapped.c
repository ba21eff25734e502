// SPDX-License-Identifier: MIT
/*
 * The overlapped model: WSASocket(), WSAIoctl()/WSPIoctl() with an
 * lpOverlapped, completion by event or routine, pending queries,
 * WSAGetOverlappedResult(), aborts, and the blocking rules for a query that
 * would pend. Queries go to a fake kernel that answers -EAGAIN until the UDP
 * socket is readable, as the module does for an unconnected proxy socket
 * with an empty receive queue.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

Suite *overlapped_suite(void);

#define POISON 0xdeadbeefu
#define DATA "the context bytes"

static unsigned char records[64] = "records blob";

/* ------------------------------------------- a kernel that makes queries pend */

static int pend_get(int fd, int level, int name, void *val, socklen_t *len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	(void)level;
	(void)name;
	if (poll(&pfd, 1, 0) != 1)
		return -EAGAIN;
	if (*len >= sizeof(DATA))
		memcpy(val, DATA, sizeof(DATA));
	*len = sizeof(DATA);
	return 0;
}

static const struct wfpredir_sockopt_ops pend_ops = {
	.get = pend_get,
	.set = NULL,
};

/* The hand-off likewise: -EAGAIN until the accepted socket, the request's
 * from_fd, is readable. */
static int pend_handoff_get(int fd, int level, int name, void *val, socklen_t *len)
{
	struct wfpredir_handoff req;

	(void)fd;
	ck_assert_int_eq(name, WFPREDIR_SO_HANDOFF);
	ck_assert_uint_ge(*len, sizeof(req));
	memcpy(&req, val, sizeof(req));
	return pend_get(req.from_fd, level, name, val, len);
}

static const struct wfpredir_sockopt_ops pend_handoff_ops = {
	.get = pend_handoff_get,
	.set = NULL,
};

/* An overlapped UDP socket on 127.0.0.1, and its address. */
static SOCKET udp_socket(DWORD flags, struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	SOCKET s = WSASocketW(AF_INET, SOCK_DGRAM, 0, NULL, 0, flags);

	ck_assert_int_ne(s, INVALID_SOCKET);
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)addr, sizeof(*addr)), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)addr, &len), 0);
	return s;
}

static void send_to(const struct sockaddr_in *addr)
{
	int c = socket(AF_INET, SOCK_DGRAM, 0);

	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(sendto(c, "x", 1, 0, (const struct sockaddr *)addr, sizeof(*addr)), 1);
	close(c);
}

struct delayed_send {
	struct sockaddr_in addr;
	int ms;
};

static void *send_later(void *arg)
{
	struct delayed_send *d = arg;

	usleep((useconds_t)d->ms * 1000);
	send_to(&d->addr);
	return NULL;
}

static bool signalled(WSAEVENT ev)
{
	return WSAWaitForMultipleEvents(1, &ev, FALSE, 0, FALSE) == WSA_WAIT_EVENT_0;
}

/* ----------------------------------------------------- completion routines */

static _Thread_local int routine_calls;
static _Thread_local DWORD routine_err, routine_bytes, routine_flags;
static _Thread_local LPWSAOVERLAPPED routine_ov;

static void routine(DWORD err, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags)
{
	routine_calls++;
	routine_err = err;
	routine_bytes = bytes;
	routine_ov = ov;
	routine_flags = flags;
}

static void setup(void)
{
	fake_reset();
	routine_calls = 0;
	WSASetLastError(0);
}

/* Internal while the worker may store it: an atomic read, as the engine's
 * store is atomic (a plain read is a data race for TSan). */
static ULONG_PTR internal_of(WSAOVERLAPPED *ov)
{
	return __atomic_load_n(&ov->Internal, __ATOMIC_ACQUIRE);
}

static void init_ov(WSAOVERLAPPED *ov, WSAEVENT ev)
{
	memset(ov, 0, sizeof(*ov));
	ov->Internal = POISON;
	ov->InternalHigh = POISON;
	ov->hEvent = ev;
}

/* ---------------------------------------------------------------- tests */

/* An overlapped SET of the test records on @s through the fake kernel. */
static int set_ov(SOCKET s, DWORD *ret, WSAOVERLAPPED *ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE fn)
{
	return wfpredir__ioctl_ov(&fake_sockopt, s, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS,
				  records, sizeof(records), NULL, 0, ret, ov, fn);
}

START_TEST(an_overlapped_set_completes_at_once_and_still_signals_the_event)
{
	SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED);
	WSAEVENT ev = WSACreateEvent();
	WSAOVERLAPPED ov;
	DWORD ret = POISON;

	init_ov(&ov, ev);
	ck_assert(!signalled(ev));
	ck_assert_int_eq(set_ov(s, &ret, &ov, NULL), 0);
	ck_assert_uint_eq(ret, sizeof(records));
	ck_assert(signalled(ev));
	ck_assert(HasOverlappedIoCompleted(&ov));
	ck_assert_uint_eq(ov.Internal, 0);
	ck_assert_uint_eq(ov.InternalHigh, sizeof(records));
	ck_assert_int_eq(closesocket(s), 0);
	ck_assert(WSACloseEvent(ev));
}
END_TEST

START_TEST(an_immediate_completion_queues_the_routine_for_an_alertable_wait_only)
{
	SOCKET s = WSASocketA(AF_INET, SOCK_STREAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED);
	WSAEVENT ev = WSACreateEvent();
	WSAOVERLAPPED ov;
	DWORD ret = POISON;

	/* hEvent belongs to the caller when a routine is given: a signalled
	 * event stays signalled, an unsignalled one is never set. */
	ck_assert(WSASetEvent(ev));
	init_ov(&ov, ev);
	ck_assert_int_eq(set_ov(s, &ret, &ov, routine), 0);
	ck_assert_uint_eq(ret, sizeof(records));
	ck_assert(signalled(ev));
	ck_assert(WSAResetEvent(ev));
	ck_assert_int_eq(routine_calls, 0);
	ck_assert_uint_eq(SleepEx(0, FALSE), 0);
	ck_assert_uint_eq(WSAWaitForMultipleEvents(1, &ev, FALSE, 0, FALSE), WSA_WAIT_TIMEOUT);
	ck_assert_int_eq(routine_calls, 0);
	ck_assert_uint_eq(SleepEx(0, TRUE), WAIT_IO_COMPLETION);
	ck_assert_int_eq(routine_calls, 1);
	ck_assert_uint_eq(routine_err, 0);
	ck_assert_uint_eq(routine_bytes, sizeof(records));
	ck_assert_ptr_eq(routine_ov, &ov);
	ck_assert_uint_eq(routine_flags, 0);
	ck_assert(!signalled(ev));
	/* Run once only. */
	ck_assert_uint_eq(SleepEx(0, TRUE), 0);
	ck_assert_int_eq(routine_calls, 1);
	closesocket(s);
	WSACloseEvent(ev);
}
END_TEST

static void *alertable_sleep(void *arg)
{
	(void)arg;
	return (void *)(uintptr_t)(SleepEx(100, TRUE) * 1000 + (DWORD)routine_calls);
}

START_TEST(another_threads_alertable_wait_does_not_run_the_routine)
{
	SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED);
	WSAOVERLAPPED ov;
	DWORD ret;
	pthread_t t;
	void *res;

	init_ov(&ov, NULL);
	ck_assert_int_eq(set_ov(s, &ret, &ov, routine), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, alertable_sleep, NULL), 0);
	ck_assert_int_eq(pthread_join(t, &res), 0);
	/* SleepEx() returned 0 there and no routine ran there */
	ck_assert_uint_eq((uintptr_t)res, 0);
	ck_assert_int_eq(routine_calls, 0);
	ck_assert_uint_eq(WSAWaitForMultipleEvents(1, &(WSAEVENT){ WSACreateEvent() }, FALSE, 0,
						   TRUE),
			  WSA_WAIT_IO_COMPLETION);
	ck_assert_int_eq(routine_calls, 1);
	closesocket(s);
}
END_TEST

START_TEST(a_query_that_cannot_complete_pends_and_completes_when_the_socket_is_readable)
{
	struct sockaddr_in addr;
	SOCKET s = udp_socket(WSA_FLAG_OVERLAPPED, &addr);
	WSAEVENT ev = WSACreateEvent();
	WSAOVERLAPPED ov;
	char out[64] = { 0 };
	DWORD ret = POISON, got = POISON, flags = POISON;

	init_ov(&ov, ev);
	ck_assert(WSASetEvent(ev)); /* reset when the operation starts */
	ck_assert_int_eq(wfpredir__ioctl_ov(&pend_ops, s, SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT,
					    NULL, 0, out, sizeof(out), &ret, &ov, NULL),
			 SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSA_IO_PENDING);
	ck_assert_uint_ne(ret, sizeof(DATA));
	ck_assert_uint_eq(internal_of(&ov), STATUS_PENDING);
	ck_assert(!signalled(ev));
	ck_assert_int_eq(WSAGetOverlappedResult(s, &ov, &got, FALSE, &flags), FALSE);
	ck_assert_int_eq(WSAGetLastError(), WSA_IO_INCOMPLETE);

	send_to(&addr);
	ck_assert_uint_eq(WSAWaitForMultipleEvents(1, &ev, TRUE, 5000, FALSE), WSA_WAIT_EVENT_0);
	ck_assert(HasOverlappedIoCompleted(&ov));
	ck_assert_uint_eq(ov.Internal, 0);
	ck_assert_uint_eq(ov.InternalHigh, sizeof(DATA));
	ck_assert_int_eq(WSAGetOverlappedResult(s, &ov, &got, FALSE, &flags), TRUE);
	ck_assert_uint_eq(got, sizeof(DATA));
	ck_assert_uint_eq(flags, 0);
	ck_assert_str_eq(out, DATA);
	closesocket(s);
	WSACloseEvent(ev);
}
END_TEST

START_TEST(fWait_waits_for_the_pending_operation)
{
	struct delayed_send d = { .ms = 100 };
	SOCKET s = udp_socket(WSA_FLAG_OVERLAPPED, &d.addr);
	WSAOVERLAPPED ov;
	char out[64];
	DWORD ret, got = 0, flags;
	pthread_t t;

	init_ov(&ov, NULL);
	ck_assert_int_eq(wfpredir__ioctl_ov(&pend_ops, s, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
					    NULL, 0, out, sizeof(out), &ret, &ov, NULL),
			 SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSA_IO_PENDING);
	ck_assert_int_eq(pthread_create(&t, NULL, send_later, &d), 0);
	ck_assert_int_eq(WSAGetOverlappedResult(s, &ov, &got, TRUE, &flags), TRUE);
	ck_assert_uint_eq(got, sizeof(DATA));
	pthread_join(t, NULL);
	closesocket(s);
}
END_TEST

START_TEST(a_pending_query_with_a_routine_runs_it_in_the_issuing_threads_alertable_wait)
{
	struct delayed_send d = { .ms = 50 };
	SOCKET s = udp_socket(WSA_FLAG_OVERLAPPED, &d.addr);
	WSAOVERLAPPED ov;
	char out[64];
	DWORD ret;
	pthread_t t;

	init_ov(&ov, NULL);
	ck_assert_int_eq(wfpredir__ioctl_ov(&pend_ops, s, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
					    NULL, 0, out, sizeof(out), &ret, &ov, routine),
			 SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSA_IO_PENDING);
	ck_assert_int_eq(pthread_create(&t, NULL, send_later, &d), 0);
	ck_assert_uint_eq(SleepEx(5000, TRUE), WAIT_IO_COMPLETION);
	ck_assert_int_eq(routine_calls, 1);
	ck_assert_uint_eq(routine_err, 0);
	ck_assert_uint_eq(routine_bytes, sizeof(DATA));
	ck_assert_ptr_eq(routine_ov, &ov);
	pthread_join(t, NULL);
	closesocket(s);
}
END_TEST

START_TEST(sio_flush_aborts_the_pending_operations_with_WSA_OPERATION_ABORTED)
{
	struct sockaddr_in addr;
	SOCKET s = udp_socket(WSA_FLAG_OVERLAPPED, &addr);
	WSAEVENT ev = WSACreateEvent(), ev2 = WSACreateEvent();
	WSAOVERLAPPED ov, ov2;
	char out[64];
	DWORD ret, got = POISON, flags;

	init_ov(&ov, ev);
	ck_assert_int_eq(wfpredir__ioctl_ov(&pend_ops, s, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
					    NULL, 0, out, sizeof(out), &ret, &ov, NULL),
			 SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSA_IO_PENDING);
	/* An overlapped SIO_FLUSH: completes at once, itself signalled too. */
	init_ov(&ov2, ev2);
	ck_assert_int_eq(
		wfpredir__ioctl_ov(&pend_ops, s, SIO_FLUSH, NULL, 0, NULL, 0, &ret, &ov2, NULL), 0);
	ck_assert(signalled(ev));
	ck_assert(signalled(ev2));
	ck_assert_int_eq(WSAGetOverlappedResult(s, &ov, &got, FALSE, &flags), FALSE);
	ck_assert_int_eq(WSAGetLastError(), WSA_OPERATION_ABORTED);
	ck_assert_uint_eq(got, 0);
	ck_assert_int_eq(WSAGetOverlappedResult(s, &ov2, &got, FALSE, &flags), TRUE);
	closesocket(s);
	WSACloseEvent(ev);
	WSACloseEvent(ev2);
}
END_TEST

START_TEST(closesocket_aborts_the_pending_operations)
{
	struct sockaddr_in addr;
	SOCKET s = udp_socket(WSA_FLAG_OVERLAPPED, &addr);
	WSAOVERLAPPED ov;
	char out[64];
	DWORD ret;

	init_ov(&ov, NULL);
	ck_assert_int_eq(wfpredir__ioctl_ov(&pend_ops, s, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
					    NULL, 0, out, sizeof(out), &ret, &ov, routine),
			 SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSA_IO_PENDING);
	ck_assert_int_eq(closesocket(s), 0);
	ck_assert_int_eq(fcntl(s, F_GETFD), -1); /* closed */
	ck_assert_uint_eq(SleepEx(0, TRUE), WAIT_IO_COMPLETION);
	ck_assert_int_eq(routine_calls, 1);
	ck_assert_uint_eq(routine_err, WSA_OPERATION_ABORTED);
	ck_assert_uint_eq(ov.Internal, wfpredir__ntstatus_from_wsa(WSA_OPERATION_ABORTED));
}
END_TEST

struct issue_arg {
	SOCKET s;
	WSAOVERLAPPED *ov;
	char out[64];
	int rc, wsa;
};

static void *issue_and_exit(void *arg)
{
	struct issue_arg *a = arg;
	DWORD ret;

	a->rc = wfpredir__ioctl_ov(&pend_ops, a->s, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, NULL,
				   0, a->out, sizeof(a->out), &ret, a->ov, NULL);
	a->wsa = WSAGetLastError();
	return NULL;
}

START_TEST(a_thread_that_exits_aborts_its_pending_operations)
{
	struct sockaddr_in addr;
	SOCKET s = udp_socket(WSA_FLAG_OVERLAPPED, &addr);
	WSAEVENT ev = WSACreateEvent();
	WSAOVERLAPPED ov;
	struct issue_arg a = { .s = s, .ov = &ov };
	DWORD got, flags;
	pthread_t t;

	init_ov(&ov, ev);
	ck_assert_int_eq(pthread_create(&t, NULL, issue_and_exit, &a), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(a.rc, SOCKET_ERROR);
	ck_assert_int_eq(a.wsa, WSA_IO_PENDING);
	ck_assert(signalled(ev));
	ck_assert_int_eq(WSAGetOverlappedResult(s, &ov, &got, FALSE, &flags), FALSE);
	ck_assert_int_eq(WSAGetLastError(), WSA_OPERATION_ABORTED);
	closesocket(s);
	WSACloseEvent(ev);
}
END_TEST

START_TEST(a_non_overlapped_socket_ignores_lpOverlapped_and_the_routine)
{
	int s = unit_socket(AF_INET, SOCK_STREAM, 0);
	SOCKET w = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0, 0);
	WSAEVENT ev = WSACreateEvent();
	WSAOVERLAPPED ov;
	DWORD ret;

	fake.data = DATA;
	fake.data_len = sizeof(DATA);
	for (int i = 0; i < 2; i++) {
		SOCKET x = i ? w : s;
		char out[64];

		init_ov(&ov, ev);
		ck_assert_int_eq(wfpredir__ioctl_ov(&fake_sockopt, x,
						    SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, NULL,
						    0, out, sizeof(out), &ret, &ov, NULL),
				 0);
		ck_assert_uint_eq(ret, sizeof(DATA));
		ck_assert_uint_eq(ov.Internal, POISON);
		ck_assert(!signalled(ev));
		ck_assert_int_eq(wfpredir__ioctl_ov(&fake_sockopt, x,
						    SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, NULL,
						    0, out, sizeof(out), &ret, &ov, routine),
				 0);
		ck_assert_uint_eq(SleepEx(0, TRUE), 0);
		ck_assert_int_eq(routine_calls, 0);
	}
	closesocket(s);
	closesocket(w);
	WSACloseEvent(ev);
}
END_TEST

START_TEST(a_descriptor_reused_after_close_is_not_taken_for_the_overlapped_socket)
{
	SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED);
	WSAEVENT ev = WSACreateEvent();
	WSAOVERLAPPED ov;
	char out[64];
	DWORD ret;
	int s2;

	ck_assert(wfpredir__socket_is_overlapped(s));
	close(s); /* not closesocket(): the registry is not told */
	s2 = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(s2, s);
	ck_assert(!wfpredir__socket_is_overlapped(s2));
	fake.data = DATA;
	fake.data_len = sizeof(DATA);
	init_ov(&ov, ev);
	ck_assert_int_eq(wfpredir__ioctl_ov(&fake_sockopt, s2,
					    SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, NULL, 0, out,
					    sizeof(out), &ret, &ov, NULL),
			 0);
	ck_assert_uint_eq(ov.Internal, POISON);
	ck_assert(!signalled(ev));
	close(s2);
	WSACloseEvent(ev);
}
END_TEST

START_TEST(any_other_error_gives_no_completion_indication)
{
	SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED);
	WSAEVENT ev = WSACreateEvent();
	WSAOVERLAPPED ov;
	char out[64];
	DWORD ret;

	fake.err = -ENOTCONN;
	for (int i = 0; i < 2; i++) {
		init_ov(&ov, ev);
		ck_assert_int_eq(wfpredir__ioctl_ov(&fake_sockopt, s,
						    SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, NULL,
						    0, out, sizeof(out), &ret, &ov,
						    i ? routine : NULL),
				 SOCKET_ERROR);
		ck_assert_int_eq(WSAGetLastError(), WSAENOTCONN);
		ck_assert_uint_eq(ov.Internal, POISON);
		ck_assert(!signalled(ev));
		ck_assert_uint_eq(SleepEx(0, TRUE), 0);
		ck_assert_int_eq(routine_calls, 0);
	}
	/* Too small: WSAEFAULT with the size needed, no completion either. */
	fake.err = 0;
	fake.data = DATA;
	fake.data_len = sizeof(DATA);
	init_ov(&ov, ev);
	ck_assert_int_eq(wfpredir__ioctl_ov(&fake_sockopt, s,
					    SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, NULL, 0, out,
					    4, &ret, &ov, NULL),
			 SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEFAULT);
	ck_assert_uint_eq(ret, sizeof(DATA));
	ck_assert(!signalled(ev));
	closesocket(s);
	WSACloseEvent(ev);
}
END_TEST

static void on_alarm(int sig)
{
	(void)sig;
}

struct kicker {
	pthread_t target;
	int ms;
	int stop; /* atomic */
};

/* Signals the target every ms until told to stop: one signal could come
 * before the target is in poll(). */
static void *kick_later(void *arg)
{
	struct kicker *k = arg;

	while (!__atomic_load_n(&k->stop, __ATOMIC_ACQUIRE)) {
		usleep((useconds_t)k->ms * 1000);
		pthread_kill(k->target, SIGUSR1);
	}
	return NULL;
}

START_TEST(a_blocking_query_that_would_pend_waits_and_a_signal_gives_WSAEINTR)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct kicker k = { .target = pthread_self(), .ms = 100 };
	struct sockaddr_in addr;
	SOCKET s = udp_socket(0, &addr);
	char out[64];
	DWORD ret;
	pthread_t t;

	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, kick_later, &k), 0);
	ck_assert_int_eq(wfpredir__ioctl_ov(&pend_ops, s, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
					    NULL, 0, out, sizeof(out), &ret, NULL, NULL),
			 SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEINTR);
	__atomic_store_n(&k.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	closesocket(s);
}
END_TEST

START_TEST(a_blocking_query_that_would_pend_completes_once_readable)
{
	struct delayed_send d = { .ms = 50 };
	SOCKET s = udp_socket(WSA_FLAG_OVERLAPPED, &d.addr);
	char out[64];
	DWORD ret = 0;
	pthread_t t;

	/* An overlapped socket used without lpOverlapped blocks too. */
	ck_assert_int_eq(pthread_create(&t, NULL, send_later, &d), 0);
	ck_assert_int_eq(wfpredir__ioctl_ov(&pend_ops, s, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
					    NULL, 0, out, sizeof(out), &ret, NULL, routine),
			 0);
	ck_assert_uint_eq(ret, sizeof(DATA));
	pthread_join(t, NULL);
	closesocket(s);
}
END_TEST

START_TEST(a_non_blocking_query_that_would_pend_fails_with_WSAEWOULDBLOCK)
{
	struct sockaddr_in addr;
	SOCKET s = udp_socket(0, &addr);
	char out[64];
	DWORD ret;

	ck_assert_int_eq(fcntl(s, F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(wfpredir__ioctl_ov(&pend_ops, s, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
					    NULL, 0, out, sizeof(out), &ret, NULL, NULL),
			 SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEWOULDBLOCK);
	closesocket(s);
}
END_TEST

/* The hand-off from @from on @up through a kernel that pends. */
static int handoff_ov(SOCKET up, SOCKET from, char *out, DWORD *ret, WSAOVERLAPPED *ov)
{
	return wfpredir__ioctl_ov(&pend_handoff_ops, up, SIO_WFPREDIR_HANDOFF, &from, sizeof(from),
				  out, 64, ret, ov, NULL);
}

START_TEST(a_blocking_handoff_waits_for_the_accepted_socket_as_its_query_would)
{
	struct delayed_send d = { .ms = 50 };
	SOCKET from = udp_socket(0, &d.addr);
	SOCKET up = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0, 0);
	char out[64];
	DWORD ret = 0;
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, send_later, &d), 0);
	ck_assert_int_eq(handoff_ov(up, from, out, &ret, NULL), 0);
	ck_assert_uint_eq(ret, sizeof(DATA));
	ck_assert_str_eq(out, DATA);
	pthread_join(t, NULL);
	closesocket(up);
	closesocket(from);
}
END_TEST

START_TEST(a_handoff_from_a_non_blocking_socket_with_nothing_to_answer_fails_with_WSAEWOULDBLOCK)
{
	struct sockaddr_in addr;
	SOCKET from = udp_socket(0, &addr);
	SOCKET up = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0, 0);
	char out[64];
	DWORD ret = POISON;

	ck_assert_int_eq(fcntl(from, F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(handoff_ov(up, from, out, &ret, NULL), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEWOULDBLOCK);
	ck_assert_uint_eq(ret, 0);
	closesocket(up);
	closesocket(from);
}
END_TEST

START_TEST(an_overlapped_handoff_never_pends_and_completes_at_once)
{
	struct sockaddr_in addr;
	SOCKET from = udp_socket(0, &addr);
	SOCKET up = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED);
	WSAEVENT ev = WSACreateEvent();
	WSAOVERLAPPED ov;
	char out[64];
	DWORD ret = POISON;

	/* Nothing to answer for: no WSA_IO_PENDING (the operation would be
	 * the onward socket's, which has nothing to wait for), no completion. */
	init_ov(&ov, ev);
	ck_assert_int_eq(handoff_ov(up, from, out, &ret, &ov), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEWOULDBLOCK);
	ck_assert_uint_eq(ret, 0);
	ck_assert(!signalled(ev));
	ck_assert_uint_eq(ov.Internal, POISON);

	send_to(&addr);
	ck_assert_int_eq(handoff_ov(up, from, out, &ret, &ov), 0);
	ck_assert_uint_eq(ret, sizeof(DATA));
	ck_assert(signalled(ev));
	ck_assert_uint_eq(ov.Internal, 0);
	ck_assert_uint_eq(ov.InternalHigh, sizeof(DATA));
	closesocket(up);
	closesocket(from);
	WSACloseEvent(ev);
}
END_TEST

struct spi_arg {
	SOCKET s;
	WSAOVERLAPPED *ov;
	WSATHREADID id; /* the main thread's, copied into a heap block here */
	char out[64];
	int rc, err;
	int routines_here;
	pthread_barrier_t *issued, *done;
};

static void *spi_issue(void *arg)
{
	struct spi_arg *a = arg;
	WSATHREADID *heap = malloc(sizeof(*heap));
	DWORD ret;

	*heap = a->id;
	a->rc = WSPIoctl(a->s, SIO_FLUSH, NULL, 0, NULL, 0, &ret, a->ov, routine, heap, &a->err);
	(void)a->rc;
	a->rc = wfpredir__spi_ioctl_ov(&pend_ops, a->s, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
				       NULL, 0, a->out, sizeof(a->out), &ret, a->ov, routine, heap,
				       &a->err);
	/* Stored by value: freed long before the completion. */
	memset(heap, 0xa5, sizeof(*heap));
	free(heap);
	pthread_barrier_wait(a->issued);
	/* Stay alive (exiting would abort the operation) until done. */
	pthread_barrier_wait(a->done);
	a->routines_here = routine_calls + (int)SleepEx(0, TRUE);
	return NULL;
}

START_TEST(wspioctl_queues_the_routine_to_lpThreadId_stored_by_value)
{
	struct sockaddr_in addr;
	SOCKET s = udp_socket(WSA_FLAG_OVERLAPPED, &addr);
	pthread_barrier_t issued, done;
	WSAOVERLAPPED ov;
	struct spi_arg a = { .s = s, .ov = &ov, .issued = &issued, .done = &done };
	INT err = POISON;
	pthread_t t;

	ck_assert_int_eq(WPUOpenCurrentThread(&a.id, &err), 0);
	ck_assert_int_eq(err, 0);
	pthread_barrier_init(&issued, NULL, 2);
	pthread_barrier_init(&done, NULL, 2);
	init_ov(&ov, NULL);
	ck_assert_int_eq(pthread_create(&t, NULL, spi_issue, &a), 0);
	/* the SIO_FLUSH completed at once: its routine is queued here */
	pthread_barrier_wait(&issued);
	send_to(&addr);
	ck_assert_uint_eq(SleepEx(5000, TRUE), WAIT_IO_COMPLETION);
	while (routine_calls < 2 && SleepEx(5000, TRUE) == WAIT_IO_COMPLETION)
		;
	ck_assert_int_eq(routine_calls, 2);
	ck_assert_uint_eq(routine_err, 0);
	ck_assert_uint_eq(routine_bytes, sizeof(DATA));
	pthread_barrier_wait(&done);
	pthread_join(t, NULL);
	ck_assert_int_eq(a.rc, SOCKET_ERROR);
	ck_assert_int_eq(a.err, WSA_IO_PENDING);
	ck_assert_int_eq(a.routines_here, 0);
	ck_assert_int_eq(WPUCloseThread(&a.id, &err), 0);
	pthread_barrier_destroy(&issued);
	pthread_barrier_destroy(&done);
	closesocket(s);
}
END_TEST

START_TEST(wspioctl_with_a_routine_needs_a_valid_lpThreadId)
{
	SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED);
	WSATHREADID id, bogus = { .ThreadHandle = &id, .Reserved = 7 };
	WSAOVERLAPPED ov;
	DWORD ret;
	INT err;

	WSASetLastError(4242);
	init_ov(&ov, NULL);
	ck_assert_int_eq(WSPIoctl(s, SIO_FLUSH, NULL, 0, NULL, 0, &ret, &ov, routine, NULL, &err),
			 SOCKET_ERROR);
	ck_assert_int_eq(err, WSAEFAULT);
	ck_assert_int_eq(WSPIoctl(s, SIO_FLUSH, NULL, 0, NULL, 0, &ret, &ov, routine, &bogus, &err),
			 SOCKET_ERROR);
	ck_assert_int_eq(err, WSAEINVAL);
	ck_assert_int_eq(WSAGetLastError(), 4242);
	/* Closed: no longer valid. */
	ck_assert_int_eq(WPUOpenCurrentThread(&id, &err), 0);
	ck_assert_int_eq(WPUCloseThread(&id, &err), 0);
	ck_assert_int_eq(WPUCloseThread(&id, &err), SOCKET_ERROR);
	ck_assert_int_eq(err, WSAEINVAL);
	ck_assert_int_eq(WPUOpenCurrentThread(NULL, &err), SOCKET_ERROR);
	ck_assert_int_eq(err, WSAEFAULT);
	/* Without a routine the id is not needed. */
	ck_assert_int_eq(WSPIoctl(s, SIO_FLUSH, NULL, 0, NULL, 0, &ret, &ov, NULL, NULL, &err), 0);
	ck_assert_int_eq(SleepEx(0, TRUE), 0);
	ck_assert_int_eq(routine_calls, 0);
	closesocket(s);
}
END_TEST

START_TEST(wsagetoverlappedresult_checks_its_pointers_and_socket)
{
	SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED);
	int prot[1] = { PROT_NONE };
	void *bad = unit_map(1, prot);
	WSAOVERLAPPED ov;
	DWORD got, flags;

	init_ov(&ov, NULL);
	ov.Internal = 0;
	ck_assert_int_eq(WSAGetOverlappedResult(s, NULL, &got, FALSE, &flags), FALSE);
	ck_assert_int_eq(WSAGetLastError(), WSAEFAULT);
	ck_assert_int_eq(WSAGetOverlappedResult(s, bad, &got, FALSE, &flags), FALSE);
	ck_assert_int_eq(WSAGetLastError(), WSAEFAULT);
	ck_assert_int_eq(WSAGetOverlappedResult(s, &ov, NULL, FALSE, &flags), FALSE);
	ck_assert_int_eq(WSAGetLastError(), WSAEFAULT);
	ck_assert_int_eq(WSAGetOverlappedResult(s, &ov, bad, FALSE, &flags), FALSE);
	ck_assert_int_eq(WSAGetLastError(), WSAEFAULT);
	ck_assert_int_eq(WSAGetOverlappedResult(s, &ov, &got, FALSE, NULL), FALSE);
	ck_assert_int_eq(WSAGetLastError(), WSAEFAULT);
	ck_assert_int_eq(WSAGetOverlappedResult(unit_closed_fd(), &ov, &got, FALSE, &flags), FALSE);
	ck_assert_int_eq(WSAGetLastError(), WSAENOTSOCK);
	ck_assert_int_eq(WSAGetOverlappedResult(s, &ov, &got, FALSE, &flags), TRUE);
	/* An overlapped pointer the caller got wrong: an error, not a crash. */
	ck_assert_int_eq(WSAIoctl(s, SIO_FLUSH, NULL, 0, NULL, 0, &got, bad, NULL), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAEFAULT);
	unit_unmap(bad, 1);
	closesocket(s);
}
END_TEST

START_TEST(the_ntstatus_table_gives_back_every_wsa_error)
{
	static const int codes[] = { 0,
				     WSAEINTR,
				     WSAEBADF,
				     WSAEACCES,
				     WSAEFAULT,
				     WSAEINVAL,
				     WSAEMFILE,
				     WSAEWOULDBLOCK,
				     WSAEINPROGRESS,
				     WSAEALREADY,
				     WSAENOTSOCK,
				     WSAEMSGSIZE,
				     WSAENOPROTOOPT,
				     WSAEPROTONOSUPPORT,
				     WSAEOPNOTSUPP,
				     WSAEAFNOSUPPORT,
				     WSAENETDOWN,
				     WSAECONNRESET,
				     WSAENOBUFS,
				     WSAEISCONN,
				     WSAENOTCONN,
				     WSA_INVALID_HANDLE,
				     WSA_NOT_ENOUGH_MEMORY,
				     WSA_INVALID_PARAMETER,
				     ERROR_INSUFFICIENT_BUFFER,
				     WSA_OPERATION_ABORTED,
				     WSA_IO_INCOMPLETE,
				     FWP_E_NOT_FOUND };
	size_t n = sizeof(codes) / sizeof(codes[0]);

	for (size_t i = 0; i < n; i++) {
		DWORD st = wfpredir__ntstatus_from_wsa(codes[i]);

		ck_assert_uint_ne(st, STATUS_PENDING);
		ck_assert_int_eq(wfpredir__wsa_from_ntstatus(st), codes[i]);
		for (size_t j = 0; j < i; j++)
			ck_assert_uint_ne(st, wfpredir__ntstatus_from_wsa(codes[j]));
	}
	/* and so every errno's WSA error */
	for (size_t i = 0; i < wfpredir__errno_map_len; i++) {
		int wsa = wfpredir__errno_map[i].wsa;

		ck_assert_int_eq(wfpredir__wsa_from_ntstatus(wfpredir__ntstatus_from_wsa(wsa)),
				 wsa);
	}
	ck_assert_uint_eq(wfpredir__ntstatus_from_wsa(0), 0);
	ck_assert_uint_eq(wfpredir__ntstatus_from_wsa(WSA_OPERATION_ABORTED), 0xC0000120);
	ck_assert_uint_eq(wfpredir__ntstatus_from_wsa(FWP_E_NOT_FOUND), 0xC0220008);
}
END_TEST

START_TEST(wsasocket_rejects_what_it_cannot_do_and_closesocket_non_sockets)
{
	static const DWORD bad_flags[] = { WSA_FLAG_MULTIPOINT_C_ROOT,
					   WSA_FLAG_MULTIPOINT_C_LEAF,
					   WSA_FLAG_MULTIPOINT_D_ROOT,
					   WSA_FLAG_MULTIPOINT_D_LEAF,
					   WSA_FLAG_ACCESS_SYSTEM_SECURITY,
					   WSA_FLAG_REGISTERED_IO,
					   0x200 };
	int p[2];
	SOCKET s;

	ck_assert_int_eq(WSASocketA(AF_INET, SOCK_STREAM, 0, (LPWSAPROTOCOL_INFOA)records, 0, 0),
			 INVALID_SOCKET);
	ck_assert_int_eq(WSAGetLastError(), WSAEINVAL);
	ck_assert_int_eq(WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 1, 0), INVALID_SOCKET);
	ck_assert_int_eq(WSAGetLastError(), WSAEINVAL);
	for (size_t i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
		WSASetLastError(0);
		ck_assert_int_eq(WSASocket(AF_INET, SOCK_STREAM, 0, NULL, 0,
					   WSA_FLAG_OVERLAPPED | bad_flags[i]),
				 INVALID_SOCKET);
		ck_assert_int_eq(WSAGetLastError(), WSAEINVAL);
	}
	ck_assert_int_eq(WSASocket(AF_INET, 12345, 0, NULL, 0, 0), INVALID_SOCKET);
	ck_assert_int_ne(WSAGetLastError(), 0);

	s = WSASocket(AF_INET6, SOCK_DGRAM, 0, NULL, 0,
		      WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(fcntl(s, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert(wfpredir__socket_is_overlapped(s));
	ck_assert_int_eq(closesocket(s), 0);
	ck_assert(!wfpredir__socket_is_overlapped(s));

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(closesocket(p[0]), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAENOTSOCK);
	ck_assert_int_eq(fcntl(p[0], F_GETFD), 0); /* left open */
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(closesocket(unit_closed_fd()), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSAENOTSOCK);
}
END_TEST

START_TEST(an_accepted_socket_inherits_the_attribute_through_the_inherit_helper)
{
	SOCKET l = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED);
	int plain = unit_socket(AF_INET, SOCK_STREAM, 0);
	int a = unit_socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_eq(wfpredir__socket_inherit(l, a), 0);
	ck_assert(wfpredir__socket_is_overlapped(a));
	ck_assert_int_eq(wfpredir__socket_inherit(plain, a), 0);
	ck_assert(!wfpredir__socket_is_overlapped(a));
	closesocket(l);
	closesocket(plain);
	closesocket(a);
}
END_TEST

START_TEST(after_fork_parent_and_child_each_complete_their_own_operations)
{
	struct sockaddr_in addr, addr2;
	SOCKET s = udp_socket(WSA_FLAG_OVERLAPPED, &addr);
	WSAEVENT ev = WSACreateEvent();
	WSAOVERLAPPED ov;
	char out[64];
	DWORD ret;
	int status;
	pid_t pid;

	init_ov(&ov, ev);
	ck_assert_int_eq(wfpredir__ioctl_ov(&pend_ops, s, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
					    NULL, 0, out, sizeof(out), &ret, &ov, NULL),
			 SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSA_IO_PENDING);
	/* Let the worker settle in poll(): GCC 12's ASan allocator has no fork
	 * handler, so a fork while another thread is inside malloc() leaves its
	 * lock held in the child (glibc's own malloc handles that). */
	usleep(100 * 1000);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* The inherited operation is the parent's: dropped here. A new
		 * one gets a worker of its own. */
		SOCKET c = udp_socket(WSA_FLAG_OVERLAPPED, &addr2);
		WSAEVENT cev = WSACreateEvent();
		WSAOVERLAPPED cov;
		char cout[64];
		int ok;

		init_ov(&cov, cev);
		ok = wfpredir__ioctl_ov(&pend_ops, c, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
					NULL, 0, cout, sizeof(cout), &ret, &cov,
					NULL) == SOCKET_ERROR &&
		     WSAGetLastError() == WSA_IO_PENDING;
		send_to(&addr2);
		if (!ok)
			_exit(1);
		if (WSAWaitForMultipleEvents(1, &cev, FALSE, 5000, FALSE) != WSA_WAIT_EVENT_0)
			_exit(2);
		if (cov.InternalHigh != sizeof(DATA))
			_exit(3);
		_exit(ov.Internal == STATUS_PENDING ? 0 : 4);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert(!signalled(ev));
	send_to(&addr);
	ck_assert_uint_eq(WSAWaitForMultipleEvents(1, &ev, FALSE, 5000, FALSE), WSA_WAIT_EVENT_0);
	ck_assert_uint_eq(ov.InternalHigh, sizeof(DATA));
	closesocket(s);
	WSACloseEvent(ev);
}
END_TEST

START_TEST(a_bad_hEvent_fails_with_WSA_INVALID_HANDLE_before_anything_is_done)
{
	SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED);
	WSAEVENT closed = WSACreateEvent();
	WSAOVERLAPPED ov;
	DWORD ret = POISON;

	ck_assert(WSACloseEvent(closed));
	init_ov(&ov, closed);
	ck_assert_int_eq(set_ov(s, &ret, &ov, NULL), SOCKET_ERROR);
	ck_assert_int_eq(WSAGetLastError(), WSA_INVALID_HANDLE);
	ck_assert_int_eq(fake.calls, 0);
	ck_assert_uint_eq(ret, 0);
	ck_assert_uint_eq(ov.Internal, POISON);
	/* With a routine hEvent is the caller's: not looked at. */
	ck_assert_int_eq(set_ov(s, &ret, &ov, routine), 0);
	ck_assert_int_eq(fake.calls, 1);
	ck_assert_uint_eq(SleepEx(0, TRUE), WAIT_IO_COMPLETION);
	closesocket(s);
}
END_TEST

/* ------------------------------------- a poller racing the worker's store */

#define RACE_ROUNDS 10000

struct race {
	SOCKET s;
	WSAOVERLAPPED ov;
	int active; /* the round the poller may poll (atomic) */
	int done;   /* the last round it saw complete (atomic) */
	int misreported;
	DWORD last_err;
};

static void *race_poller(void *arg)
{
	struct race *r = arg;
	int seen = 0;

	while (seen < RACE_ROUNDS) {
		DWORD got = 0, flags = 0;
		BOOL ok;
		int round = __atomic_load_n(&r->active, __ATOMIC_ACQUIRE);

		if (round == seen) {
			sched_yield();
			continue;
		}
		for (;;) {
			ok = WSAGetOverlappedResult(r->s, &r->ov, &got, FALSE, &flags);
			if (ok || WSAGetLastError() != WSA_IO_INCOMPLETE)
				break;
		}
		if (!ok || got != sizeof(DATA)) {
			r->misreported++;
			r->last_err = ok ? got : (DWORD)WSAGetLastError();
		}
		seen = round;
		__atomic_store_n(&r->done, round, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * One thread polls WSAGetOverlappedResult(fWait=FALSE) while the worker
 * stores each result: a pointer check that writes the structure back loses
 * the worker's store (issue 9, part 5: 451 of 2 000 came back WSAEINVAL).
 */
START_TEST(a_thread_polling_the_result_while_the_worker_stores_it_sees_every_completion)
{
	struct sockaddr_in addr;
	struct race r = { 0 };
	char out[64], drain[8];
	pthread_t t;
	DWORD ret;

	r.s = udp_socket(WSA_FLAG_OVERLAPPED, &addr);
	ck_assert_int_eq(pthread_create(&t, NULL, race_poller, &r), 0);
	for (int i = 1; i <= RACE_ROUNDS; i++) {
		init_ov(&r.ov, NULL);
		ck_assert_int_eq(wfpredir__ioctl_ov(&pend_ops, r.s,
						    SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, NULL,
						    0, out, sizeof(out), &ret, &r.ov, NULL),
				 SOCKET_ERROR);
		ck_assert_int_eq(WSAGetLastError(), WSA_IO_PENDING);
		__atomic_store_n(&r.active, i, __ATOMIC_RELEASE);
		send_to(&addr);
		while (__atomic_load_n(&r.done, __ATOMIC_ACQUIRE) != i)
			sched_yield();
		ck_assert_int_eq(recv(r.s, drain, sizeof(drain), 0), 1);
	}
	pthread_join(t, NULL);
	ck_assert_msg(r.misreported == 0, "%d of %d completions misreported (last: %u)",
		      r.misreported, RACE_ROUNDS, r.last_err);
	closesocket(r.s);
}
END_TEST

Suite *overlapped_suite(void)
{
	Suite *s = suite_create("overlapped");
	TCase *tc = tcase_create("overlapped");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, an_overlapped_set_completes_at_once_and_still_signals_the_event);
	tcase_add_test(tc, an_immediate_completion_queues_the_routine_for_an_alertable_wait_only);
	tcase_add_test(tc, another_threads_alertable_wait_does_not_run_the_routine);
	tcase_add_test(
		tc, a_query_that_cannot_complete_pends_and_completes_when_the_socket_is_readable);
	tcase_add_test(tc, fWait_waits_for_the_pending_operation);
	tcase_add_test(
		tc, a_pending_query_with_a_routine_runs_it_in_the_issuing_threads_alertable_wait);
	tcase_add_test(tc, sio_flush_aborts_the_pending_operations_with_WSA_OPERATION_ABORTED);
	tcase_add_test(tc, closesocket_aborts_the_pending_operations);
	tcase_add_test(tc, a_thread_that_exits_aborts_its_pending_operations);
	tcase_add_test(tc, a_non_overlapped_socket_ignores_lpOverlapped_and_the_routine);
	tcase_add_test(tc, a_descriptor_reused_after_close_is_not_taken_for_the_overlapped_socket);
	tcase_add_test(tc, any_other_error_gives_no_completion_indication);
	tcase_add_test(tc, a_blocking_query_that_would_pend_waits_and_a_signal_gives_WSAEINTR);
	tcase_add_test(tc, a_blocking_query_that_would_pend_completes_once_readable);
	tcase_add_test(tc, a_non_blocking_query_that_would_pend_fails_with_WSAEWOULDBLOCK);
	tcase_add_test(tc, a_blocking_handoff_waits_for_the_accepted_socket_as_its_query_would);
	tcase_add_test(
		tc,
		a_handoff_from_a_non_blocking_socket_with_nothing_to_answer_fails_with_WSAEWOULDBLOCK);
	tcase_add_test(tc, an_overlapped_handoff_never_pends_and_completes_at_once);
	tcase_add_test(tc, wspioctl_queues_the_routine_to_lpThreadId_stored_by_value);
	tcase_add_test(tc, wspioctl_with_a_routine_needs_a_valid_lpThreadId);
	tcase_add_test(tc, wsagetoverlappedresult_checks_its_pointers_and_socket);
	tcase_add_test(tc, the_ntstatus_table_gives_back_every_wsa_error);
	tcase_add_test(tc, wsasocket_rejects_what_it_cannot_do_and_closesocket_non_sockets);
	tcase_add_test(tc, an_accepted_socket_inherits_the_attribute_through_the_inherit_helper);
	tcase_add_test(tc, after_fork_parent_and_child_each_complete_their_own_operations);
	tcase_add_test(tc, a_bad_hEvent_fails_with_WSA_INVALID_HANDLE_before_anything_is_done);
	suite_add_tcase(s, tc);

	/* Its own case: 10 000 rounds take seconds under the sanitizers. */
	tc = tcase_create("race");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 300);
	tcase_add_test(
		tc, a_thread_polling_the_result_while_the_worker_stores_it_sees_every_completion);
	suite_add_tcase(s, tc);
	return s;
}
