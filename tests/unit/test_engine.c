// SPDX-License-Identifier: MIT
/*
 * The overlapped engine under load and around fork(): many pending
 * operations, each completed when (and only when) its own socket is ready;
 * WSASendMsg() blocked on one socket while others share its lock; fork()
 * while other threads complete operations and queue routines.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

Suite *engine_suite(void);

#define DATA "ready"

/* A kernel whose query pends until the socket is readable. */
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

static const struct wfpredir_sockopt_ops pend_ops = { .get = pend_get };

static SOCKET bound_udp(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	SOCKET s = WSASocketW(AF_INET, SOCK_DGRAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED);

	ck_assert_int_ne(s, INVALID_SOCKET);
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)addr, sizeof(*addr)), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)addr, &len), 0);
	return s;
}

static void send_one(int via, const struct sockaddr_in *to)
{
	ck_assert_int_eq(sendto(via, "x", 1, 0, (const struct sockaddr *)to, sizeof(*to)), 1);
}

static int pend(SOCKET s, WSAOVERLAPPED *ov, char *out, size_t out_len)
{
	DWORD ret;
	int rc = wfpredir__ioctl_ov(&pend_ops, s, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS, NULL,
				    0, out, (DWORD)out_len, &ret, ov, NULL);

	return rc == SOCKET_ERROR ? WSAGetLastError() : 0;
}

#define MANY 1000

struct many {
	SOCKET s[MANY];
	struct sockaddr_in addr[MANY];
	WSAOVERLAPPED ov[MANY];
	WSAEVENT ev[MANY];
	char out[MANY][16];
};

START_TEST(of_a_thousand_pending_operations_each_completes_with_its_own_socket_only)
{
	struct rlimit rl;
	struct many *m = calloc(1, sizeof(*m));
	int via = socket(AF_INET, SOCK_DGRAM, 0);

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 2 * MANY + 64 && rl.rlim_max >= 2 * MANY + 64) {
		rl.rlim_cur = 2 * MANY + 64;
		ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	for (int i = 0; i < MANY; i++) {
		m->s[i] = bound_udp(&m->addr[i]);
		m->ev[i] = WSACreateEvent();
		ck_assert_ptr_ne(m->ev[i], WSA_INVALID_EVENT);
		m->ov[i].hEvent = m->ev[i];
		ck_assert_int_eq(pend(m->s[i], &m->ov[i], m->out[i], sizeof(m->out[i])),
				 WSA_IO_PENDING);
	}
	/* From the last to the first, with the others pending. */
	for (int i = MANY - 1; i >= 0; i -= 37) {
		DWORD got = 0, flags;

		send_one(via, &m->addr[i]);
		ck_assert_uint_eq(WSAWaitForMultipleEvents(1, &m->ev[i], TRUE, 5000, FALSE),
				  WSA_WAIT_EVENT_0);
		ck_assert_int_eq(WSAGetOverlappedResult(m->s[i], &m->ov[i], &got, FALSE, &flags),
				 TRUE);
		ck_assert_uint_eq(got, sizeof(DATA));
		if (i > 0) {
			/* its neighbour is still pending */
			ck_assert_int_eq(WSAGetOverlappedResult(m->s[i - 1], &m->ov[i - 1], &got,
								FALSE, &flags),
					 FALSE);
			ck_assert_int_eq(WSAGetLastError(), WSA_IO_INCOMPLETE);
		}
	}
	for (int i = 0; i < MANY; i++) {
		ck_assert_int_eq(closesocket(m->s[i]), 0);
		WSACloseEvent(m->ev[i]);
	}
	close(via);
	free(m);
}
END_TEST

/* ------------------------------------------------------------ WSASendMsg */

struct blocked_send {
	SOCKET s;
	int rc;
	int wsa;
	int done; /* atomic */
};

static void *send_msg(void *arg)
{
	struct blocked_send *b = arg;
	char byte = 'x';
	WSABUF buf = { .len = 1, .buf = &byte };
	WSAMSG msg = { .lpBuffers = &buf, .dwBufferCount = 1 };
	DWORD sent = 0;

	b->rc = wfpredir__wsa_sendmsg(&fake_sockopt, b->s, &msg, 0, &sent, NULL, NULL);
	b->wsa = b->rc ? WSAGetLastError() : 0;
	__atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static bool done_within(struct blocked_send *b, int ms)
{
	for (int i = 0; i < ms && !__atomic_load_n(&b->done, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	return __atomic_load_n(&b->done, __ATOMIC_ACQUIRE);
}

/* The library's per-socket send/receive locks are shared by descriptor
 * number modulo 64: a send that waits for room must not hold one. */
START_TEST(a_wsasendmsg_waiting_for_room_does_not_hold_up_another_sockets_send)
{
	struct blocked_send full = { 0 }, other = { 0 };
	pthread_t t1, t2;
	int a[2], b[2], twin = -1;
	char drain[8];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, a), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, b), 0);
	while (send(a[0], "x", 1, MSG_DONTWAIT) == 1)
		;
	ck_assert_int_eq(errno, EAGAIN);
	/* A descriptor that shares a[0]'s lock. */
	for (int fd = a[0] + 64; fd < a[0] + 64 * 16; fd += 64) {
		if (fcntl(fd, F_GETFD) == -1) {
			twin = dup2(b[0], fd);
			break;
		}
	}
	ck_assert_int_ge(twin, 0);

	full.s = a[0];
	ck_assert_int_eq(pthread_create(&t1, NULL, send_msg, &full), 0);
	ck_assert(!done_within(&full, 100)); /* blocked: the peer's queue is full */
	other.s = twin;
	ck_assert_int_eq(pthread_create(&t2, NULL, send_msg, &other), 0);
	ck_assert_msg(done_within(&other, 2000), "a send on another socket waited for the lock");
	ck_assert_int_eq(other.rc, 0);
	pthread_join(t2, NULL);

	/* Room again once the queue drains (a sender waits for half its
	 * buffer). */
	while (recv(a[1], drain, sizeof(drain), MSG_DONTWAIT) == 1)
		;
	ck_assert(done_within(&full, 5000));
	ck_assert_int_eq(full.rc, 0);
	pthread_join(t1, NULL);
	close(twin);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}
END_TEST

/* ------------------------------------------------------------ fork() */

/*
 * GCC 12's ASan allocator has no fork handler: a fork while another thread
 * is inside malloc() leaves its lock held in the child, which then hangs in
 * its first malloc(). The engine allocates each operation (overlapped.c),
 * so under ASan the churn below cannot avoid malloc() and the test would
 * hang now and then for ASan's sake, not the library's. It runs in the
 * TSan build (make check runs both), whose runtime does handle fork().
 */
#ifndef __SANITIZE_ADDRESS__

struct churn {
	WSATHREADID main_thread;
	int stop; /* atomic */
};

static void routine(DWORD err, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags)
{
	(void)err;
	(void)bytes;
	(void)flags;
	free(ov);
}

/* Completes operations at once, queuing each routine to the main thread:
 * the main thread's APC lock, the engine's and the events' are taken over
 * and over while the main thread forks. */
static void *churn(void *arg)
{
	struct churn *c = arg;
	SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, 0, NULL, 0, WSA_FLAG_OVERLAPPED);
	WSAEVENT ev = WSACreateEvent();
	unsigned char records[8] = "records";

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		WSAOVERLAPPED *ov = calloc(1, sizeof(*ov));
		DWORD ret;
		int err;

		if (!ov)
			continue;
		if (wfpredir__spi_ioctl_ov(
			    &fake_sockopt, s, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, records,
			    sizeof(records), NULL, 0, &ret, ov, routine, &c->main_thread, &err))
			free(ov);
		WSASetEvent(ev);
		WSAResetEvent(ev);
	}
	closesocket(s);
	WSACloseEvent(ev);
	return NULL;
}

START_TEST(a_child_forked_while_other_threads_complete_operations_can_use_the_library)
{
	struct churn c = { 0 };
	pthread_t t;
	int err;

	ck_assert_int_eq(WPUOpenCurrentThread(&c.main_thread, &err), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, churn, &c), 0);
	/* Up to 100 forks, but no more than 20 s of them: on a loaded machine
	 * an ASan process forks slowly, and ten forks still race the churn. */
	time_t until = time(NULL) + 20;

	for (int i = 0; i < 100 && (i < 10 || time(NULL) < until); i++) {
		int status;
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			struct sockaddr_in addr;
			WSAOVERLAPPED ov = { 0 };
			WSAEVENT ev;
			char out[16];
			SOCKET s;

			/* A lock inherited held would hang here: the alarm ends
			 * the child instead. */
			alarm(10);
			SleepEx(0, TRUE);
			ev = WSACreateEvent();
			s = bound_udp(&addr);
			ov.hEvent = ev;
			if (pend(s, &ov, out, sizeof(out)) != WSA_IO_PENDING)
				_exit(1);
			send_one(s, &addr);
			if (WSAWaitForMultipleEvents(1, &ev, TRUE, 5000, FALSE) != WSA_WAIT_EVENT_0)
				_exit(2);
			closesocket(s);
			_exit(0);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d: status %#x",
			      i, status);
		SleepEx(0, TRUE);
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	while (SleepEx(0, TRUE) == WAIT_IO_COMPLETION)
		;
	WPUCloseThread(&c.main_thread, &err);
}
END_TEST
#endif /* !__SANITIZE_ADDRESS__ */

Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("engine");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc,
		       of_a_thousand_pending_operations_each_completes_with_its_own_socket_only);
	tcase_add_test(tc, a_wsasendmsg_waiting_for_room_does_not_hold_up_another_sockets_send);
#ifndef __SANITIZE_ADDRESS__
	tcase_add_test(tc,
		       a_child_forked_while_other_threads_complete_operations_can_use_the_library);
#endif
	suite_add_tcase(s, tc);
	return s;
}
