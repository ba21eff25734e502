// SPDX-License-Identifier: MIT
/*
 * The overlapped engine: the core of the overlapped model.
 *
 * Layering (Documentation/overlapped.rst, "Who owns what"), calls only ever
 * go down:
 *
 *   winsock.c     WSAStartup(), WSAAccept()            -> wsasocket.c
 *   wsasocket.c   WSASocket(), closesocket(), registry -> overlapped.c
 *   overlapped.c  this engine, WSAGetOverlappedResult() -> event.c, apc.c
 *   event.c       WSAEVENT, WSAWaitForMultipleEvents() -> apc.c
 *   apc.c         thread records, APC queues, SleepEx()'s queue, deadlines,
 *                 the fork-lock and thread-exit registries
 *
 * The engine knows nothing of the Winsock layer above it: callers hand it
 * a socket, an operation (try_op) and the completion's target; it aborts
 * what closesocket()/SIO_FLUSH tell it to. What it needs from below it
 * registers: a thread-exit hook (a thread's pending operations are aborted
 * when it exits) and its fork handlers, both with apc.c.
 *
 * Operations that cannot complete at once wait on their socket: one struct
 * esock per descriptor (a table indexed by descriptor), registered in one
 * epoll instance with EPOLLONESHOT and the descriptor plus a serial number
 * as its data, so the worker thread goes from an event straight to the
 * socket and its waiting operations: no search, whatever the number of
 * pending operations. The worker retries the socket's operations, re-arms
 * it while some still wait, and completes the others: it stores the result
 * in the WSAOVERLAPPED, signals the event or queues the routine to its
 * thread's APC queue (never runs it).
 *
 * Locks. eng_lock guards the tables and lists; it is never held across a
 * system call, a try_op, or a completion's notification. epoll_ctl() for a
 * socket runs under that socket's own mutex (esock->mu) only, which orders
 * the worker's re-arm against closesocket()'s removal. Nothing takes
 * eng_lock while holding an esock->mu.
 *
 * Internal holds STATUS_PENDING while an operation pends, then the NTSTATUS
 * of its result; InternalHigh the byte count. The NTSTATUS <-> WSA table
 * below is a bijection on every error the library produces.
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

struct esock;

struct op {
	struct op *prev, *next;		/* in its socket's waiting list */
	struct op *all_prev, *all_next; /* in eng_all: a thread's abort */
	struct op *ov_next;		/* in eng_ov[]: WSAGetOverlappedResult() */
	struct esock *sock;
	LPWSAOVERLAPPED ov;
	LPWSAOVERLAPPED_COMPLETION_ROUTINE fn;
	WSAEVENT ev;
	struct wfpredir_thread *target; /* fn's thread, with a reference */
	struct wfpredir_thread *issuer; /* with a reference */
	short events;
	bool running; /* the worker is trying it, off the waiting list */
	bool aborted; /* while running: complete it aborted unless it completed */
	int wsa;      /* the result, once decided */
	DWORD bytes;
	int (*try_op)(void *ctx, DWORD *bytes);
	unsigned char ctx[];
};

struct esock {
	struct esock *qnext; /* in the arm queue or the backoff queue */
	int fd;
	uint32_t serial; /* with fd, the epoll data: a stale event is ignored */
	dev_t dev;
	ino_t ino;
	int refs;	/* the table's, and each user's outside eng_lock */
	struct op *ops; /* waiting (not running) operations */
	unsigned int running;
	bool dead;    /* out of the table: closed, reused or flushed out */
	bool queued;  /* in the arm queue */
	bool backoff; /* in the backoff queue: not armed before retry_at */
	struct timespec retry_at;
	pthread_mutex_t mu; /* epoll_ctl() on fd; registered */
	bool registered;
};

/* Ready but still "not yet": wait this long before retrying (a try_op that
 * never stops saying so must not make the worker spin). */
#define BACKOFF_MS 10
/* How often the worker looks for sockets closed with close() behind the
 * library's back (epoll forgets them silently). */
#define SWEEP_MS 1000
#define OV_BUCKETS 1024
#define MAX_EVENTS 64

static pthread_mutex_t eng_lock = PTHREAD_MUTEX_INITIALIZER;
/* esock->mu is taken only inside this gate, which fork() closes (apc.c),
 * so that no socket's mutex is held across fork() without fork() taking
 * each one. */
static struct wfpredir_gate eng_gate = WFPREDIR_GATE_INIT;
static pthread_cond_t eng_idle = PTHREAD_COND_INITIALIZER; /* a socket's running fell to 0 */
static struct esock **eng_fds;				   /* indexed by descriptor */
static size_t eng_fds_cap;
static size_t eng_nsocks; /* with waiting operations or not */
static struct op *eng_all;
static struct op *eng_ov[OV_BUCKETS];
static struct esock *arm_head, *arm_tail;
static struct esock *backoff_head, *backoff_tail; /* retry_at ascending */
static uint32_t eng_serial;
static bool eng_worker;
static int eng_epfd = -1;
static int eng_wake = -1;
/* Threads in WSAGetOverlappedResult(fWait = TRUE): completions wake them
 * only when there are any. */
static int eng_waiters;

static size_t ov_bucket(const WSAOVERLAPPED *ov)
{
	return ((uintptr_t)ov >> 4) % OV_BUCKETS;
}

/* The 32 bits of Internal that hold STATUS_PENDING, as a futex word. */
static uint32_t *ov_word(LPWSAOVERLAPPED ov)
{
	uint32_t *w = (uint32_t *)&ov->Internal;

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w += sizeof(ov->Internal) / sizeof(*w) - 1;
#endif
	return w;
}

static void store_result(LPWSAOVERLAPPED ov, int wsa, DWORD bytes)
{
	__atomic_store_n(&ov->InternalHigh, (ULONG_PTR)bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&ov->Internal, (ULONG_PTR)wfpredir__ntstatus_from_wsa(wsa),
			 __ATOMIC_SEQ_CST);
}

/* After store_result(), without locks: a waiter that counted itself before
 * the store sees either the new value or this wake. The structure may be
 * gone already: a private futex wake does not touch the memory. */
static void wake_waiters(LPWSAOVERLAPPED ov)
{
	if (__atomic_load_n(&eng_waiters, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, ov_word(ov), FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
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

/* Under eng_lock: @op leaves the engine's lists with its result stored;
 * it goes on *@done to be notified once the lock is dropped. */
static void op_finish(struct op *op, int wsa, DWORD bytes, struct op **done)
{
	struct op **pp;

	if (op->all_prev)
		op->all_prev->all_next = op->all_next;
	else
		eng_all = op->all_next;
	if (op->all_next)
		op->all_next->all_prev = op->all_prev;
	for (pp = &eng_ov[ov_bucket(op->ov)]; *pp != op; pp = &(*pp)->ov_next)
		;
	*pp = op->ov_next;
	op->wsa = wsa;
	op->bytes = bytes;
	store_result(op->ov, wsa, bytes);
	op->next = *done;
	*done = op;
}

/* Without locks: indicate each finished operation and free it. */
static void notify_all(struct op *done)
{
	struct op *n;

	for (; done; done = n) {
		n = done->next;
		wake_waiters(done->ov);
		notify(done->ov, done->fn, done->ev, done->target, done->wsa, done->bytes);
		op_free(done);
	}
}

/* Under eng_lock: @op leaves its socket's waiting list. */
static void op_unwait(struct op *op)
{
	if (op->prev)
		op->prev->next = op->next;
	else
		op->sock->ops = op->next;
	if (op->next)
		op->next->prev = op->prev;
	op->prev = NULL;
	op->next = NULL;
}

static void op_wait(struct op *op)
{
	struct esock *sk = op->sock;

	op->prev = NULL;
	op->next = sk->ops;
	if (sk->ops)
		sk->ops->prev = op;
	sk->ops = op;
}

static void sock_put_locked(struct esock *sk)
{
	if (--sk->refs)
		return;
	pthread_mutex_destroy(&sk->mu);
	free(sk);
}

static void sock_put(struct esock *sk)
{
	pthread_mutex_lock(&eng_lock);
	sock_put_locked(sk);
	pthread_mutex_unlock(&eng_lock);
}

static void eng_kick(void)
{
	uint64_t one = 1;

	if (eng_wake >= 0 && write(eng_wake, &one, sizeof(one)) < 0) {
		/* the counter is full: the worker wakes anyway */
	}
}

/* Under eng_lock: ask the worker to (re)arm @sk. */
static void sock_queue_arm(struct esock *sk)
{
	if (sk->queued || sk->dead)
		return;
	sk->queued = true;
	sk->refs++;
	sk->qnext = NULL;
	if (arm_tail)
		arm_tail->qnext = sk;
	else
		arm_head = sk;
	arm_tail = sk;
}

/*
 * Under eng_lock: take @sk out of the table and complete its waiting
 * operations aborted (onto *@done); the worker completes its running ones.
 * True when it was live: the caller then calls sock_unregister() if the
 * descriptor still names it, and sock_put() for the table's reference.
 */
static bool sock_kill(struct esock *sk, struct op **done)
{
	struct op *op;

	if (sk->dead)
		return false;
	__atomic_store_n(&sk->dead, true, __ATOMIC_RELEASE);
	if ((size_t)sk->fd < eng_fds_cap && eng_fds[sk->fd] == sk)
		eng_fds[sk->fd] = NULL;
	eng_nsocks--;
	while ((op = sk->ops)) {
		op_unwait(op);
		op_finish(op, WSA_OPERATION_ABORTED, 0, done);
	}
	return true; /* the table's reference is the caller's now */
}

/* Without eng_lock: remove a dead socket's registration, while the
 * descriptor still names it. */
static void sock_unregister(struct esock *sk)
{
	wfpredir__gate_enter(&eng_gate);
	pthread_mutex_lock(&sk->mu);
	if (sk->registered)
		epoll_ctl(eng_epfd, EPOLL_CTL_DEL, sk->fd, NULL);
	sk->registered = false;
	pthread_mutex_unlock(&sk->mu);
	wfpredir__gate_leave(&eng_gate);
}

/* Worker, without eng_lock, holding a reference: arm @sk for the events its
 * waiting operations want (none: leave it disarmed). */
static void sock_arm(struct esock *sk)
{
	struct epoll_event e = { 0 };
	uint32_t mask = 0;
	bool dead;

	pthread_mutex_lock(&eng_lock);
	dead = sk->dead;
	if (!dead && !sk->backoff)
		for (struct op *op = sk->ops; op; op = op->next)
			mask |= (uint32_t)op->events;
	pthread_mutex_unlock(&eng_lock);
	if (dead || !mask)
		return;
	e.events = mask | EPOLLONESHOT;
	e.data.u64 = (uint64_t)sk->serial << 32 | (uint32_t)sk->fd;
	wfpredir__gate_enter(&eng_gate);
	pthread_mutex_lock(&sk->mu);
	/* Dead by now: closesocket() unregistered it, or is about to and waits
	 * for this mutex; either way the descriptor may not be ours. */
	if (!__atomic_load_n(&sk->dead, __ATOMIC_ACQUIRE)) {
		/* MOD fails (ENOENT) once the file was closed behind our back;
		 * ADD (EEXIST) when an entry for an older socket on this
		 * descriptor left its registration: either way, the other. */
		int op = sk->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

		if (epoll_ctl(eng_epfd, op, sk->fd, &e) && (errno == ENOENT || errno == EEXIST))
			epoll_ctl(eng_epfd, op == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD,
				  sk->fd, &e);
		sk->registered = true;
	}
	pthread_mutex_unlock(&sk->mu);
	wfpredir__gate_leave(&eng_gate);
}

static bool same_socket(const struct esock *sk)
{
	struct stat st;

	return !fstat(sk->fd, &st) && st.st_dev == sk->dev && st.st_ino == sk->ino;
}

/* Worker: @sk (a reference held) polled @revents. */
static void sock_run(struct esock *sk, uint32_t revents)
{
	struct op *run = NULL, *op, *n, *done = NULL;
	unsigned int count = 0;
	bool completed = false, again = false;

	if (!same_socket(sk)) {
		bool killed;

		/* Closed with close() and maybe reused: not ours to try. */
		pthread_mutex_lock(&eng_lock);
		killed = sock_kill(sk, &done);
		pthread_mutex_unlock(&eng_lock);
		if (killed)
			sock_put(sk);
		notify_all(done);
		return;
	}
	pthread_mutex_lock(&eng_lock);
	for (op = sk->ops; op; op = n) {
		n = op->next;
		if (!op->events ||
		    (!((uint32_t)op->events & revents) && !(revents & (EPOLLERR | EPOLLHUP))))
			continue;
		op_unwait(op);
		op->running = true;
		op->next = run;
		run = op;
		count++;
	}
	sk->running += count;
	pthread_mutex_unlock(&eng_lock);

	for (op = run; op; op = op->next) {
		op->bytes = 0;
		op->wsa = op->try_op(op->ctx, &op->bytes);
	}

	pthread_mutex_lock(&eng_lock);
	for (op = run; op; op = n) {
		n = op->next;
		op->running = false;
		if (op->wsa == WFPREDIR__OV_AGAIN && !op->aborted && !sk->dead) {
			op_wait(op);
			again = true;
			continue;
		}
		if (op->wsa == WFPREDIR__OV_AGAIN)
			op_finish(op, WSA_OPERATION_ABORTED, 0, &done);
		else
			op_finish(op, op->wsa, op->bytes, &done);
		completed = true;
	}
	pthread_mutex_unlock(&eng_lock);

	notify_all(done);

	pthread_mutex_lock(&eng_lock);
	sk->running -= count;
	if (!sk->running)
		pthread_cond_broadcast(&eng_idle);
	if (again && !completed && !sk->dead && !sk->backoff) {
		/* Ready, yet nothing could be done: not before BACKOFF_MS. */
		sk->backoff = true;
		sk->refs++;
		wfpredir__deadline(&sk->retry_at, BACKOFF_MS);
		sk->qnext = NULL;
		if (backoff_tail)
			backoff_tail->qnext = sk;
		else
			backoff_head = sk;
		backoff_tail = sk;
	}
	pthread_mutex_unlock(&eng_lock);
	sock_arm(sk);
}

/* Worker: the sockets whose descriptor no longer names them (closed with
 * close(), maybe reused): their operations complete aborted. */
static void sweep(void)
{
	struct esock **gone = NULL;
	struct op *done = NULL;
	size_t n = 0, cap = 0;

	pthread_mutex_lock(&eng_lock);
	for (size_t fd = 0; fd < eng_fds_cap; fd++) {
		struct esock *sk = eng_fds[fd];

		if (!sk || !sk->ops)
			continue;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 16;
			struct esock **g = realloc(gone, c * sizeof(*g));

			if (!g)
				break;
			gone = g;
			cap = c;
		}
		sk->refs++;
		gone[n++] = sk;
	}
	pthread_mutex_unlock(&eng_lock);
	for (size_t i = 0; i < n; i++) {
		bool same = same_socket(gone[i]);

		bool killed = false;

		pthread_mutex_lock(&eng_lock);
		if (!same)
			killed = sock_kill(gone[i], &done);
		pthread_mutex_unlock(&eng_lock);
		/* Not sock_unregister(): the descriptor is someone else's now;
		 * epoll forgot the old file when it was closed. */
		if (killed)
			sock_put(gone[i]);
		sock_put(gone[i]);
	}
	free(gone);
	notify_all(done);
}

static void *worker(void *arg)
{
	struct epoll_event evs[MAX_EVENTS];
	struct timespec next_sweep;
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	wfpredir__deadline(&next_sweep, SWEEP_MS);
	for (;;) {
		int timeout, n;
		struct esock *sk;

		/* Sockets to arm, and those whose backoff is over. */
		for (;;) {
			pthread_mutex_lock(&eng_lock);
			sk = arm_head;
			if (sk) {
				arm_head = sk->qnext;
				if (!arm_head)
					arm_tail = NULL;
				sk->queued = false;
			} else if (backoff_head &&
				   !wfpredir__ms_left(&backoff_head->retry_at, BACKOFF_MS)) {
				sk = backoff_head;
				backoff_head = sk->qnext;
				if (!backoff_head)
					backoff_tail = NULL;
				sk->backoff = false;
			}
			pthread_mutex_unlock(&eng_lock);
			if (!sk)
				break;
			sock_arm(sk);
			sock_put(sk);
		}

		pthread_mutex_lock(&eng_lock);
		timeout = eng_all ? wfpredir__ms_left(&next_sweep, SWEEP_MS) : -1;
		if (backoff_head) {
			int ms = wfpredir__ms_left(&backoff_head->retry_at, BACKOFF_MS);
			if (timeout < 0 || ms < timeout)
				timeout = ms;
		}
		pthread_mutex_unlock(&eng_lock);

		n = epoll_wait(eng_epfd, evs, MAX_EVENTS, timeout);
		for (int i = 0; i < n; i++) {
			uint64_t d = evs[i].data.u64;
			int fd = (int)(uint32_t)d;

			if (fd == eng_wake) {
				uint64_t v;

				if (read(eng_wake, &v, sizeof(v)) < 0) {
					/* drained already */
				}
				continue;
			}
			pthread_mutex_lock(&eng_lock);
			sk = (size_t)fd < eng_fds_cap ? eng_fds[fd] : NULL;
			if (sk && sk->serial == (uint32_t)(d >> 32))
				sk->refs++;
			else
				sk = NULL; /* closed since, maybe reused */
			pthread_mutex_unlock(&eng_lock);
			if (!sk)
				continue;
			sock_run(sk, evs[i].events);
			sock_put(sk);
		}
		if (!wfpredir__ms_left(&next_sweep, SWEEP_MS)) {
			sweep();
			wfpredir__deadline(&next_sweep, SWEEP_MS);
		}
	}
	return NULL;
}

/* Under eng_lock: make sure the worker runs. 0 or a WSA error. */
static int eng_start_worker(void)
{
	struct epoll_event e = { .events = EPOLLIN };
	pthread_attr_t attr;
	pthread_t tid;
	int rc;

	if (eng_worker)
		return 0;
	if (eng_epfd < 0) {
		eng_epfd = epoll_create1(EPOLL_CLOEXEC);
		if (eng_epfd < 0)
			return WSAENOBUFS;
	}
	if (eng_wake < 0) {
		eng_wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (eng_wake < 0)
			return WSAENOBUFS;
		e.data.u64 = (uint32_t)eng_wake; /* serial 0: never a socket's */
		if (epoll_ctl(eng_epfd, EPOLL_CTL_ADD, eng_wake, &e)) {
			close(eng_wake);
			eng_wake = -1;
			return WSAENOBUFS;
		}
	}
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

/* Under eng_lock: the live entry for @fd (@st its identity), made if need
 * be; one for an older socket on the same descriptor is killed onto *@old.
 * NULL without memory. */
static struct esock *sock_lookup(int fd, const struct stat *st, struct esock **old,
				 struct op **done)
{
	struct esock *sk = (size_t)fd < eng_fds_cap ? eng_fds[fd] : NULL;

	*old = NULL;
	if (sk && sk->dev == st->st_dev && sk->ino == st->st_ino)
		return sk;
	if (sk) {
		sock_kill(sk, done); /* closed with close(), descriptor reused */
		*old = sk;
	}
	if ((size_t)fd >= eng_fds_cap) {
		size_t cap = eng_fds_cap ? eng_fds_cap : 64;
		struct esock **t;

		while (cap <= (size_t)fd)
			cap *= 2;
		t = realloc(eng_fds, cap * sizeof(*t));
		if (!t)
			return NULL;
		memset(t + eng_fds_cap, 0, (cap - eng_fds_cap) * sizeof(*t));
		eng_fds = t;
		eng_fds_cap = cap;
	}
	sk = calloc(1, sizeof(*sk));
	if (!sk)
		return NULL;
	sk->fd = fd;
	sk->serial = ++eng_serial ? eng_serial : ++eng_serial;
	sk->dev = st->st_dev;
	sk->ino = st->st_ino;
	sk->refs = 1;
	pthread_mutex_init(&sk->mu, NULL);
	eng_fds[fd] = sk;
	eng_nsocks++;
	return sk;
}

int wfpredir__overlapped_start(SOCKET s, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE fn,
			       const WSATHREADID *thread, short poll_events,
			       int (*try_op)(void *ctx, DWORD *bytes), void *ctx, size_t ctx_size,
			       DWORD *bytes)
{
	struct wfpredir_thread *target = NULL, *issuer;
	struct esock *sk, *old = NULL;
	struct op *op, *done = NULL;
	struct stat st;
	WSAEVENT ev = NULL;
	DWORD b = 0;
	int rc;

	/* Not ours yet: no operation of the library writes it, and the probe
	 * itself stores nothing (safemem.c). */
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
			store_result(ov, 0, b);
			wake_waiters(ov);
			notify(ov, fn, ev, target, 0, b);
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
	sk = rc ? NULL : sock_lookup(s, &st, &old, &done);
	if (!sk) {
		pthread_mutex_unlock(&eng_lock);
		op_free(op);
		rc = rc ? rc : WSAENOBUFS;
		goto out;
	}
	op->sock = sk;
	__atomic_store_n(&ov->InternalHigh, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&ov->Internal, (ULONG_PTR)STATUS_PENDING, __ATOMIC_RELEASE);
	op_wait(op);
	op->all_next = eng_all;
	if (eng_all)
		eng_all->all_prev = op;
	eng_all = op;
	op->ov_next = eng_ov[ov_bucket(ov)];
	eng_ov[ov_bucket(ov)] = op;
	sock_queue_arm(sk);
	pthread_mutex_unlock(&eng_lock);
	eng_kick();
	rc = WSA_IO_PENDING;
out:
	if (old) {
		/* Its descriptor is this socket's now: nothing to unregister. */
		sock_put(old);
	}
	notify_all(done);
	return rc;
}

void wfpredir__overlapped_abort_fd(int fd)
{
	struct esock *sk;
	struct op *done = NULL;

	pthread_mutex_lock(&eng_lock);
	sk = fd >= 0 && (size_t)fd < eng_fds_cap ? eng_fds[fd] : NULL;
	if (!sk) {
		pthread_mutex_unlock(&eng_lock);
		return;
	}
	sock_kill(sk, &done);
	/* The worker's try_op on the descriptor must be over before the
	 * caller closes it; it completes those operations itself. */
	while (sk->running)
		pthread_cond_wait(&eng_idle, &eng_lock);
	pthread_mutex_unlock(&eng_lock);
	sock_unregister(sk);
	sock_put(sk);
	notify_all(done);
}

/* apc.c's thread-exit hook: the thread's operations complete aborted (its
 * running ones when the worker is done with them). A linear walk, once per
 * exiting thread that issued any operation, never per completion. */
static void abort_thread(const struct wfpredir_thread *t)
{
	struct op *op, *n, *done = NULL;

	pthread_mutex_lock(&eng_lock);
	for (op = eng_all; op; op = n) {
		n = op->all_next;
		if (op->issuer != t)
			continue;
		if (op->running) {
			op->aborted = true;
			continue;
		}
		op_unwait(op);
		op_finish(op, WSA_OPERATION_ABORTED, 0, &done);
	}
	pthread_mutex_unlock(&eng_lock);
	notify_all(done);
}

/*
 * fork(): the child has no worker. Operations it inherited are dropped
 * without completion (they belong to the parent, whose worker completes
 * them there); the child starts its own worker, with its own epoll instance
 * and wakeup descriptor, when it first needs one. The parent's epoll
 * instance is shared with the child through the inherited descriptor, so
 * the child closes it and never touches it. Every engine lock is held
 * across fork() (apc.c's registry orders the layers): eng_lock, and the
 * gate that keeps every socket's mutex free; so the child finds none held
 * by a thread it does not have.
 */
static void eng_prepare(void)
{
	wfpredir__gate_close(&eng_gate);
	pthread_mutex_lock(&eng_lock);
}

static void eng_parent(void)
{
	pthread_mutex_unlock(&eng_lock);
	wfpredir__gate_open(&eng_gate, false);
}

static void eng_child(void)
{
	struct op *op, *n;

	/* No socket's mutex is held (the gate); an entry only a vanished
	 * thread still referenced is leaked. */
	for (op = eng_all; op; op = n) {
		n = op->all_next;
		free(op); /* thread references: those threads do not exist here */
	}
	eng_all = NULL;
	memset(eng_ov, 0, sizeof(eng_ov));
	for (size_t fd = 0; fd < eng_fds_cap; fd++) {
		if (!eng_fds[fd])
			continue;
		pthread_mutex_destroy(&eng_fds[fd]->mu);
		free(eng_fds[fd]);
	}
	free(eng_fds);
	eng_fds = NULL;
	eng_fds_cap = 0;
	eng_nsocks = 0;
	arm_head = arm_tail = NULL;
	backoff_head = backoff_tail = NULL;
	eng_worker = false;
	eng_waiters = 0;
	if (eng_epfd >= 0)
		close(eng_epfd);
	eng_epfd = -1;
	if (eng_wake >= 0)
		close(eng_wake); /* the parent's worker reads it */
	eng_wake = -1;
	pthread_mutex_unlock(&eng_lock);
	wfpredir__gate_open(&eng_gate, true);
}

__attribute__((constructor)) static void eng_init(void)
{
	static const struct wfpredir_fork_ops fork_ops = {
		.prepare = eng_prepare,
		.parent = eng_parent,
		.child = eng_child,
	};

	wfpredir__atfork_register(WFPREDIR_FORK_ENGINE, &fork_ops);
	wfpredir__thread_exit_hook(abort_thread);
}

/* Whether @ov belongs to a pending operation: a hash lookup. */
static bool ov_pending(const WSAOVERLAPPED *ov)
{
	bool found = false;

	pthread_mutex_lock(&eng_lock);
	for (struct op *op = eng_ov[ov_bucket(ov)]; op && !found; op = op->ov_next)
		found = op->ov == ov;
	pthread_mutex_unlock(&eng_lock);
	return found;
}

/* fWait: until Internal is no longer STATUS_PENDING, on the futex word
 * store_result() wakes; no lock held. */
static ULONG_PTR wait_result(LPWSAOVERLAPPED ov)
{
	ULONG_PTR status = __atomic_load_n(&ov->Internal, __ATOMIC_ACQUIRE);

	if (status != STATUS_PENDING || !ov_pending(ov))
		return status;
	__atomic_add_fetch(&eng_waiters, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		struct timespec tick = { .tv_sec = 0, .tv_nsec = 100 * 1000 * 1000 };

		status = __atomic_load_n(&ov->Internal, __ATOMIC_SEQ_CST);
		if (status != STATUS_PENDING || !ov_pending(ov))
			break;
		/* Timed: a misaligned structure (EINVAL) still gets its answer. */
		syscall(SYS_futex, ov_word(ov), FUTEX_WAIT_PRIVATE, (uint32_t)STATUS_PENDING, &tick,
			NULL, 0);
	}
	__atomic_sub_fetch(&eng_waiters, 1, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&ov->Internal, __ATOMIC_ACQUIRE);
}

BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED lpOverlapped, LPDWORD lpcbTransfer,
			    BOOL fWait, LPDWORD lpdwFlags)
{
	ULONG_PTR status;
	DWORD bytes;
	int level, wsa;

	/*
	 * Read-only: the call only reads the structure, which the worker may
	 * be writing right now. The two out-parameters are the caller's alone.
	 */
	if (!lpOverlapped || wfpredir__probe_read(lpOverlapped, sizeof(*lpOverlapped)) ||
	    wfpredir__store_dword(lpcbTransfer, 0) || wfpredir__store_dword(lpdwFlags, 0)) {
		wfpredir__set_last_error(WSAEFAULT);
		return FALSE;
	}
	level = wfpredir__level(s);
	if (level == -EBADF || level == -ENOTSOCK) {
		wfpredir__set_last_error(WSAENOTSOCK);
		return FALSE;
	}
	status = fWait ? wait_result(lpOverlapped)
		       : __atomic_load_n(&lpOverlapped->Internal, __ATOMIC_ACQUIRE);
	bytes = (DWORD)__atomic_load_n(&lpOverlapped->InternalHigh, __ATOMIC_RELAXED);
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
