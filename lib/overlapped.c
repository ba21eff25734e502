// SPDX-License-Identifier: MIT
/*
 * The overlapped engine: operations that cannot complete at once wait in
 * one list, driven by one worker thread started on first need. The worker
 * poll()s each pending operation's socket (poll rather than epoll: two
 * operations may share a descriptor, and a descriptor closed behind the
 * library's back leaves no stale registration), retries the operation when
 * the socket is ready, and on completion updates the WSAOVERLAPPED and
 * signals its event or queues its completion routine to the thread's APC
 * queue. It never runs a routine itself.
 *
 * Internal holds STATUS_PENDING while an operation pends, then the NTSTATUS
 * of its result; InternalHigh the byte count. The NTSTATUS <-> WSA table
 * below is a bijection on every error the library produces.
 */
#include "internal.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ----------------------------------------------------------- NTSTATUS */

static const struct {
	DWORD status;
	int wsa;
} nt_map[] = {
	{ 0x00000000, 0 },		       /* STATUS_SUCCESS */
	{ 0xC0000120, WSA_OPERATION_ABORTED }, /* STATUS_CANCELLED */
	{ 0xC0000005, WSAEFAULT },	       /* STATUS_ACCESS_VIOLATION */
	{ 0xC000000D, WSAEINVAL },	       /* STATUS_INVALID_PARAMETER */
	{ 0xC00000BB, WSAEOPNOTSUPP },	       /* STATUS_NOT_SUPPORTED */
	{ 0xC0000008, WSAENOTSOCK },	       /* STATUS_INVALID_HANDLE */
	{ 0xC0000022, WSAEACCES },	       /* STATUS_ACCESS_DENIED */
	{ 0xC00000A3, WSAEWOULDBLOCK },	       /* STATUS_DEVICE_NOT_READY */
	{ 0xC0000240, WSAEINTR },	       /* STATUS_REQUEST_ABORTED */
	{ 0xC00000BF, WSAENETDOWN },	       /* STATUS_NETWORK_BUSY */
	{ 0xC0000140, WSAENOTCONN },	       /* STATUS_INVALID_CONNECTION */
	{ 0x80000005, WSAEMSGSIZE },	       /* STATUS_BUFFER_OVERFLOW */
	{ 0xC000020D, WSAECONNRESET },	       /* STATUS_CONNECTION_RESET */
	{ 0xC000009A, WSAENOBUFS },	       /* STATUS_INSUFFICIENT_RESOURCES */
	{ 0xC000011F, WSAEMFILE },	       /* STATUS_TOO_MANY_OPENED_FILES */
	{ 0xC0220008, FWP_E_NOT_FOUND },       /* STATUS_FWP_NOT_FOUND */
};

/* Any other WSA code (0..0xFFFF) as a customer-defined error NTSTATUS. */
#define NT_WSA_BASE 0xE0570000u

DWORD wfpredir__ntstatus_from_wsa(int wsa)
{
	for (size_t i = 0; i < sizeof(nt_map) / sizeof(nt_map[0]); i++)
		if (nt_map[i].wsa == wsa)
			return nt_map[i].status;
	return NT_WSA_BASE | ((DWORD)wsa & 0xFFFF);
}

int wfpredir__wsa_from_ntstatus(DWORD status)
{
	for (size_t i = 0; i < sizeof(nt_map) / sizeof(nt_map[0]); i++)
		if (nt_map[i].status == status)
			return nt_map[i].wsa;
	if ((status & 0xFFFF0000u) == NT_WSA_BASE)
		return (int)(status & 0xFFFF);
	return WSAEINVAL; /* as Wine's NtStatusToWSAError() for an unknown error */
}

/* ----------------------------------------------------------- the engine */

struct op {
	struct op *next;
	uint64_t id;
	int fd;
	dev_t dev;
	ino_t ino;
	LPWSAOVERLAPPED ov;
	LPWSAOVERLAPPED_COMPLETION_ROUTINE fn;
	WSAEVENT ev;
	struct wfpredir_thread *target; /* fn's thread, with a reference */
	struct wfpredir_thread *issuer; /* with a reference */
	short events;
	struct timespec retry_at; /* not retried before; zero (past) at first */
	int (*try_op)(void *ctx, DWORD *bytes);
	unsigned char ctx[];
};

/* Ready but still "not yet": wait this long before retrying (a try_op that
 * never stops saying so must not make the worker spin). */
#define BACKOFF_MS 10

static pthread_mutex_t eng_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t eng_done = PTHREAD_COND_INITIALIZER;
static struct op *eng_ops;
static uint64_t eng_next_id;
static bool eng_worker;
static int eng_wake = -1;

static void store_result(LPWSAOVERLAPPED ov, int wsa, DWORD bytes)
{
	__atomic_store_n(&ov->InternalHigh, (ULONG_PTR)bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&ov->Internal, (ULONG_PTR)wfpredir__ntstatus_from_wsa(wsa),
			 __ATOMIC_RELEASE);
}

/* Indicate a completion: the event, or the routine queued to its thread. A
 * routine that cannot be queued for lack of memory is lost; the result is
 * still in the WSAOVERLAPPED. */
static void notify(LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE fn, WSAEVENT ev,
		   struct wfpredir_thread *target, int wsa, DWORD bytes)
{
	if (fn)
		wfpredir__apc_queue(target, fn, (DWORD)wsa, bytes, ov);
	else if (ev)
		wfpredir__event_set(ev);
}

static void op_free(struct op *op)
{
	wfpredir__thread_put(op->target);
	wfpredir__thread_put(op->issuer);
	free(op);
}

/* Under eng_lock: complete @op, already off the list, and free it. */
static void op_complete(struct op *op, int wsa, DWORD bytes)
{
	store_result(op->ov, wsa, bytes);
	notify(op->ov, op->fn, op->ev, op->target, wsa, bytes);
	pthread_cond_broadcast(&eng_done);
	op_free(op);
}

static void eng_kick(void)
{
	uint64_t one = 1;

	if (eng_wake >= 0 && write(eng_wake, &one, sizeof(one)) < 0) {
		/* the worker wakes anyway */
	}
}

static bool same_socket(const struct op *op)
{
	struct stat st;

	return !fstat(op->fd, &st) && st.st_dev == op->dev && st.st_ino == op->ino;
}

/* Under eng_lock: run each op whose id is in ready[] (n entries, with its
 * poll revents). */
static void run_ready(const uint64_t *ready, const short *revents, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct op **pp, *op;
		DWORD bytes = 0;
		int rc;

		for (pp = &eng_ops; *pp && (*pp)->id != ready[i]; pp = &(*pp)->next)
			;
		op = *pp;
		if (!op)
			continue; /* aborted meanwhile */
		if ((revents[i] & POLLNVAL) || !same_socket(op)) {
			/* closed without closesocket(), maybe reused */
			*pp = op->next;
			op_complete(op, WSA_OPERATION_ABORTED, 0);
			continue;
		}
		rc = op->try_op(op->ctx, &bytes);
		if (rc == WFPREDIR__OV_AGAIN) {
			wfpredir__deadline(&op->retry_at, BACKOFF_MS);
			continue;
		}
		*pp = op->next;
		op_complete(op, rc, bytes);
	}
}

static void *worker(void *arg)
{
	struct pollfd *pfd = NULL;
	uint64_t *ids = NULL;
	short *rev = NULL;
	size_t cap = 0;
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		size_t n = 1, nready = 0;
		int timeout = -1;
		uint64_t v;

		pthread_mutex_lock(&eng_lock);
		for (struct op *op = eng_ops; op; op = op->next)
			n++;
		if (n > cap) {
			size_t c = n * 2;
			struct pollfd *p2 = realloc(pfd, c * sizeof(*p2));
			uint64_t *i2;
			short *r2;

			if (p2)
				pfd = p2;
			i2 = p2 ? realloc(ids, c * sizeof(*i2)) : NULL;
			if (i2)
				ids = i2;
			r2 = i2 ? realloc(rev, c * sizeof(*r2)) : NULL;
			if (r2) {
				rev = r2;
				cap = c;
			}
		}
		if (!cap) {
			/* no memory for even the wakeup descriptor: retry */
			pthread_mutex_unlock(&eng_lock);
			poll(NULL, 0, BACKOFF_MS);
			continue;
		}
		pfd[0].fd = eng_wake;
		pfd[0].events = POLLIN;
		n = 1;
		for (struct op *op = eng_ops; op && n < cap; op = op->next) {
			int ms = wfpredir__ms_left(&op->retry_at, BACKOFF_MS);

			if (ms > 0) {
				if (timeout < 0 || ms < timeout)
					timeout = ms;
				continue;
			}
			pfd[n].fd = op->fd;
			pfd[n].events = op->events;
			ids[n] = op->id;
			n++;
		}
		if (n >= cap && eng_ops)
			timeout = BACKOFF_MS; /* the poll set is cut short: retry */
		pthread_mutex_unlock(&eng_lock);

		if (poll(pfd, n, timeout) < 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			if (read(eng_wake, &v, sizeof(v)) < 0) {
				/* drained by a racing read: fine */
			}
		}
		for (size_t i = 1; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			ids[nready] = ids[i];
			rev[nready] = pfd[i].revents;
			nready++;
		}
		if (!nready)
			continue;
		pthread_mutex_lock(&eng_lock);
		run_ready(ids, rev, nready);
		pthread_mutex_unlock(&eng_lock);
	}
	return NULL;
}

/*
 * fork(): the child has no worker. Operations it inherited are dropped
 * without completion (they belong to the parent, whose worker completes
 * them there); the child starts its own worker, with its own wakeup
 * descriptor, when it first needs one. Every lock of the library is taken
 * around fork(), in the engine's order (the engine's lock first), so that
 * the child finds none held by a thread it does not have.
 */
static void eng_prepare(void)
{
	pthread_mutex_lock(&eng_lock);
	wfpredir__apc_atfork(true);
	wfpredir__event_atfork(true);
	wfpredir__socket_atfork(true);
}

static void eng_parent(void)
{
	wfpredir__socket_atfork(false);
	wfpredir__event_atfork(false);
	wfpredir__apc_atfork(false);
	pthread_mutex_unlock(&eng_lock);
}

static void eng_child(void)
{
	struct op *op, *n;

	for (op = eng_ops; op; op = n) {
		n = op->next;
		free(op); /* thread references: those threads do not exist here */
	}
	eng_ops = NULL;
	eng_worker = false;
	if (eng_wake >= 0)
		close(eng_wake); /* the parent's worker reads it */
	eng_wake = -1;
	eng_parent();
}

__attribute__((constructor)) static void eng_init(void)
{
	pthread_atfork(eng_prepare, eng_parent, eng_child);
}

/* Under eng_lock: make sure the worker runs. 0 or a WSA error. */
static int eng_start_worker(void)
{
	pthread_attr_t attr;
	pthread_t tid;
	int rc;

	if (eng_wake < 0) {
		eng_wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (eng_wake < 0)
			return WSAENOBUFS;
	}
	if (eng_worker)
		return 0;
	if (pthread_attr_init(&attr))
		return WSAENOBUFS;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &attr, worker, NULL);
	pthread_attr_destroy(&attr);
	if (rc)
		return WSAENOBUFS;
	eng_worker = true;
	return 0;
}

int wfpredir__overlapped_start(SOCKET s, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE fn,
			       const WSATHREADID *thread, short poll_events,
			       int (*try_op)(void *ctx, DWORD *bytes), void *ctx, size_t ctx_size,
			       DWORD *bytes)
{
	struct wfpredir_thread *target = NULL, *issuer;
	struct stat st;
	WSAEVENT ev = NULL;
	struct op *op;
	DWORD b = 0;
	int rc;

	if (!ov || wfpredir__probe_write(ov, sizeof(*ov)))
		return WSAEFAULT;
	if (fn) {
		target = thread ? wfpredir__thread_get(thread) : wfpredir__thread_self_get();
		if (!target)
			return thread ? WSAEINVAL : WSAENOBUFS;
	} else {
		ev = ov->hEvent;
		/* As the I/O manager does: the event is reset when the
		 * operation starts. */
		if (ev && !wfpredir__event_reset(ev))
			return WSA_INVALID_HANDLE;
	}

	rc = try_op(ctx, &b);
	if (bytes)
		*bytes = b;
	if (rc != WFPREDIR__OV_AGAIN) {
		if (rc == 0) {
			pthread_mutex_lock(&eng_lock);
			store_result(ov, 0, b);
			notify(ov, fn, ev, target, 0, b);
			pthread_cond_broadcast(&eng_done);
			pthread_mutex_unlock(&eng_lock);
		}
		wfpredir__thread_put(target);
		return rc;
	}

	op = calloc(1, sizeof(*op) + ctx_size);
	issuer = wfpredir__thread_self_get();
	if (!op || !issuer || fstat(s, &st)) {
		free(op);
		wfpredir__thread_put(issuer);
		wfpredir__thread_put(target);
		return op && issuer ? WSAENOTSOCK : WSAENOBUFS;
	}
	op->fd = s;
	op->dev = st.st_dev;
	op->ino = st.st_ino;
	op->ov = ov;
	op->fn = fn;
	op->ev = ev;
	op->target = target;
	op->issuer = issuer;
	op->events = poll_events;
	op->try_op = try_op;
	memcpy(op->ctx, ctx, ctx_size);

	pthread_mutex_lock(&eng_lock);
	rc = eng_start_worker();
	if (rc) {
		pthread_mutex_unlock(&eng_lock);
		op_free(op);
		return rc;
	}
	op->id = ++eng_next_id;
	__atomic_store_n(&ov->InternalHigh, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&ov->Internal, (ULONG_PTR)STATUS_PENDING, __ATOMIC_RELEASE);
	op->next = eng_ops;
	eng_ops = op;
	eng_kick();
	pthread_mutex_unlock(&eng_lock);
	return WSA_IO_PENDING;
}

static void abort_if(bool (*match)(const struct op *op, const void *arg), const void *arg)
{
	struct op **pp, *op;
	bool any = false;

	pthread_mutex_lock(&eng_lock);
	for (pp = &eng_ops; (op = *pp);) {
		if (match(op, arg)) {
			*pp = op->next;
			op_complete(op, WSA_OPERATION_ABORTED, 0);
			any = true;
		} else {
			pp = &op->next;
		}
	}
	if (any)
		eng_kick();
	pthread_mutex_unlock(&eng_lock);
}

static bool match_fd(const struct op *op, const void *arg)
{
	return op->fd == *(const int *)arg;
}

static bool match_thread(const struct op *op, const void *arg)
{
	return op->issuer == arg;
}

void wfpredir__overlapped_abort_fd(int fd)
{
	abort_if(match_fd, &fd);
}

void wfpredir__overlapped_abort_thread(const struct wfpredir_thread *t)
{
	abort_if(match_thread, t);
}

/* Under eng_lock: whether @ov belongs to a pending operation. */
static bool ov_pending(const WSAOVERLAPPED *ov)
{
	for (struct op *op = eng_ops; op; op = op->next)
		if (op->ov == ov)
			return true;
	return false;
}

BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED lpOverlapped, LPDWORD lpcbTransfer,
			    BOOL fWait, LPDWORD lpdwFlags)
{
	ULONG_PTR status;
	DWORD bytes;
	int level, wsa;

	if (!lpOverlapped || wfpredir__probe_write(lpOverlapped, sizeof(*lpOverlapped)) ||
	    wfpredir__store_dword(lpcbTransfer, 0) || wfpredir__store_dword(lpdwFlags, 0)) {
		wfpredir__set_last_error(WSAEFAULT);
		return FALSE;
	}
	level = wfpredir__level(s);
	if (level == -EBADF || level == -ENOTSOCK) {
		wfpredir__set_last_error(WSAENOTSOCK);
		return FALSE;
	}
	pthread_mutex_lock(&eng_lock);
	for (;;) {
		status = __atomic_load_n(&lpOverlapped->Internal, __ATOMIC_ACQUIRE);
		if (status != STATUS_PENDING || !fWait || !ov_pending(lpOverlapped))
			break;
		pthread_cond_wait(&eng_done, &eng_lock);
	}
	bytes = (DWORD)__atomic_load_n(&lpOverlapped->InternalHigh, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&eng_lock);
	if (status == STATUS_PENDING) {
		wfpredir__set_last_error(WSA_IO_INCOMPLETE);
		return FALSE;
	}
	wfpredir__store_dword(lpcbTransfer, bytes);
	wsa = wfpredir__wsa_from_ntstatus((DWORD)status);
	if (wsa) {
		wfpredir__set_last_error(wsa);
		return FALSE;
	}
	return TRUE;
}
