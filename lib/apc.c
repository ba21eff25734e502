// SPDX-License-Identifier: MIT
/*
 * Per-thread APC queues: where completion routines wait until their thread
 * enters an alertable wait (SleepEx(), WSAWaitForMultipleEvents()), and the
 * WSATHREADID upcalls a provider uses to name that thread.
 *
 * The bottom layer of the overlapped model (overlapped.c has the map): it
 * calls nothing above it. What the layers above need from it they register:
 * a thread-exit hook (the engine aborts the thread's operations) and their
 * fork handlers, which apc.c runs in one fixed order around fork().
 *
 * Each thread that needs one gets a record, made on first use and kept in
 * a pthread key whose destructor runs when the thread exits: it runs the
 * exit hook (the engine aborts the overlapped operations the thread issued,
 * as Windows cancels a thread's I/O when it exits), marks the record dead (routines queued to it from then on
 * are dropped) and drops the thread's reference. Records are refcounted
 * (the thread, each WPUOpenCurrentThread(), each pending operation) and sit
 * in one list, so that a WSATHREADID can be checked before use.
 */
#include "internal.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct apc {
	struct apc *next;
	LPWSAOVERLAPPED_COMPLETION_ROUTINE fn;
	DWORD err;
	DWORD bytes;
	LPWSAOVERLAPPED ov;
};

struct wfpredir_thread {
	struct wfpredir_thread *next; /* threads list */
	uint64_t serial;
	int refs;   /* under threads_lock */
	int opened; /* WPUOpenCurrentThread() ids, under threads_lock */
	bool dead;  /* under lock */
	pthread_mutex_t lock;
	struct apc *head, *tail;
	int efd; /* readable while the queue is not empty */
};

static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wfpredir_thread *threads;
static uint64_t thread_serial;
static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;
static bool thread_key_ok;

/* ------------------------------------------------------------ gates */

void wfpredir__gate_enter(struct wfpredir_gate *g)
{
	pthread_mutex_lock(&g->mu);
	while (g->closed)
		pthread_cond_wait(&g->cv, &g->mu);
	g->active++;
	pthread_mutex_unlock(&g->mu);
}

void wfpredir__gate_leave(struct wfpredir_gate *g)
{
	pthread_mutex_lock(&g->mu);
	if (--g->active == 0 && g->closed)
		pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

/* Returns with g->mu held: fork() happens with it held. */
void wfpredir__gate_close(struct wfpredir_gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->closed = true;
	while (g->active)
		pthread_cond_wait(&g->cv, &g->mu);
}

void wfpredir__gate_open(struct wfpredir_gate *g, bool child)
{
	g->closed = false;
	if (child) {
		/* Threads of the parent waiting to enter are not here, but
		 * the condition variable still counts them: a new one. */
		pthread_cond_init(&g->cv, NULL);
	} else {
		pthread_cond_broadcast(&g->cv);
	}
	pthread_mutex_unlock(&g->mu);
}

/* Records' locks are taken inside this gate, so that fork() need not take
 * each one (one per thread that ever used the library). */
static struct wfpredir_gate rec_gate = WFPREDIR_GATE_INIT;

static void rec_lock(struct wfpredir_thread *t)
{
	wfpredir__gate_enter(&rec_gate);
	pthread_mutex_lock(&t->lock);
}

static void rec_unlock(struct wfpredir_thread *t)
{
	pthread_mutex_unlock(&t->lock);
	wfpredir__gate_leave(&rec_gate);
}

static void (*exit_hook)(const struct wfpredir_thread *t);

void wfpredir__thread_exit_hook(void (*fn)(const struct wfpredir_thread *t))
{
	__atomic_store_n(&exit_hook, fn, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------ fork() */

static const struct wfpredir_fork_ops *fork_ops[WFPREDIR_FORK_RANKS];
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

/* The upper layers' locks first (their code may call down, never up),
 * then threads_lock and the records' gate, which nothing nests inside. */
static void fork_prepare(void)
{
	for (int r = 0; r < WFPREDIR_FORK_RANKS; r++)
		if (fork_ops[r] && fork_ops[r]->prepare)
			fork_ops[r]->prepare();
	pthread_mutex_lock(&threads_lock);
	wfpredir__gate_close(&rec_gate);
}

/* The child's only thread is the one that took the locks: it releases
 * them, as the parent does. */
static void fork_release(bool child)
{
	wfpredir__gate_open(&rec_gate, child);
	pthread_mutex_unlock(&threads_lock);
	for (int r = WFPREDIR_FORK_RANKS - 1; r >= 0; r--) {
		const struct wfpredir_fork_ops *o = fork_ops[r];
		void (*fn)(void) = !o ? NULL : child ? o->child : o->parent;

		if (fn)
			fn();
	}
}

static void fork_parent(void)
{
	fork_release(false);
}

static void fork_child(void)
{
	fork_release(true);
}

static void fork_init(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

void wfpredir__atfork_register(enum wfpredir_fork_rank rank, const struct wfpredir_fork_ops *ops)
{
	pthread_once(&fork_once, fork_init);
	fork_ops[rank] = ops;
}

__attribute__((constructor)) static void apc_fork_init(void)
{
	pthread_once(&fork_once, fork_init);
}

static void apc_list_free(struct apc *a)
{
	struct apc *n;

	for (; a; a = n) {
		n = a->next;
		free(a);
	}
}

static void thread_free(struct wfpredir_thread *t)
{
	apc_list_free(t->head);
	close(t->efd);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

void wfpredir__thread_put(struct wfpredir_thread *t)
{
	bool last;

	if (!t)
		return;
	pthread_mutex_lock(&threads_lock);
	last = --t->refs == 0;
	if (last) {
		for (struct wfpredir_thread **pp = &threads; *pp; pp = &(*pp)->next) {
			if (*pp == t) {
				*pp = t->next;
				break;
			}
		}
	}
	pthread_mutex_unlock(&threads_lock);
	if (last)
		thread_free(t);
}

static void thread_exit(void *arg)
{
	struct wfpredir_thread *t = arg;
	void (*hook)(const struct wfpredir_thread *t) =
		__atomic_load_n(&exit_hook, __ATOMIC_ACQUIRE);
	struct apc *a;

	if (hook)
		hook(t);
	rec_lock(t);
	t->dead = true;
	a = t->head;
	t->head = NULL;
	t->tail = NULL;
	rec_unlock(t);
	apc_list_free(a);
	wfpredir__thread_put(t);
}

static void thread_key_init(void)
{
	thread_key_ok = pthread_key_create(&thread_key, thread_exit) == 0;
}

/* The calling thread's record, or NULL when it has none (yet). */
static struct wfpredir_thread *thread_cur(void)
{
	pthread_once(&thread_once, thread_key_init);
	return thread_key_ok ? pthread_getspecific(thread_key) : NULL;
}

struct wfpredir_thread *wfpredir__thread_self(void)
{
	struct wfpredir_thread *t = thread_cur();

	if (t || !thread_key_ok)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->efd < 0) {
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	t->refs = 1;
	if (pthread_setspecific(thread_key, t)) {
		thread_free(t);
		return NULL;
	}
	pthread_mutex_lock(&threads_lock);
	t->serial = ++thread_serial;
	t->next = threads;
	threads = t;
	pthread_mutex_unlock(&threads_lock);
	return t;
}

/* Under threads_lock: the record @id names, dead or alive, or NULL. */
static struct wfpredir_thread *thread_find(const WSATHREADID *id)
{
	struct wfpredir_thread *t;

	for (t = threads; t; t = t->next)
		if ((HANDLE)t == id->ThreadHandle && t->serial == id->Reserved)
			return t;
	return NULL;
}

struct wfpredir_thread *wfpredir__thread_get(const WSATHREADID *id)
{
	struct wfpredir_thread *t;
	bool dead;

	pthread_mutex_lock(&threads_lock);
	t = thread_find(id);
	if (t)
		t->refs++;
	pthread_mutex_unlock(&threads_lock);
	if (!t)
		return NULL;
	rec_lock(t);
	dead = t->dead;
	rec_unlock(t);
	if (dead) {
		wfpredir__thread_put(t);
		return NULL;
	}
	return t;
}

struct wfpredir_thread *wfpredir__thread_self_get(void)
{
	struct wfpredir_thread *t = wfpredir__thread_self();

	if (t) {
		pthread_mutex_lock(&threads_lock);
		t->refs++;
		pthread_mutex_unlock(&threads_lock);
	}
	return t;
}

int wfpredir__apc_queue(struct wfpredir_thread *t, LPWSAOVERLAPPED_COMPLETION_ROUTINE fn, DWORD err,
			DWORD bytes, LPWSAOVERLAPPED ov)
{
	struct apc *a = malloc(sizeof(*a));
	uint64_t one = 1;

	if (!a)
		return -ENOMEM;
	a->next = NULL;
	a->fn = fn;
	a->err = err;
	a->bytes = bytes;
	a->ov = ov;
	rec_lock(t);
	if (t->dead) {
		rec_unlock(t);
		free(a);
		return 0;
	}
	if (t->tail)
		t->tail->next = a;
	else
		t->head = a;
	t->tail = a;
	if (write(t->efd, &one, sizeof(one)) < 0) {
		/* Cannot happen below 2^64 - 1 writes; the queue holds it anyway. */
	}
	rec_unlock(t);
	return 0;
}

int wfpredir__apc_fd(void)
{
	struct wfpredir_thread *t = wfpredir__thread_self();

	return t ? t->efd : -1;
}

bool wfpredir__apc_run(void)
{
	struct wfpredir_thread *t = thread_cur();
	bool ran = false;
	uint64_t v;

	if (!t)
		return false;
	for (;;) {
		struct apc *a;

		rec_lock(t);
		a = t->head;
		if (!a) {
			if (read(t->efd, &v, sizeof(v)) < 0) {
				/* EAGAIN: already drained */
			}
			rec_unlock(t);
			break;
		}
		t->head = a->next;
		if (!t->head)
			t->tail = NULL;
		rec_unlock(t);
		a->fn(a->err, a->bytes, a->ov, 0);
		free(a);
		ran = true;
	}
	return ran;
}

int WPUOpenCurrentThread(LPWSATHREADID lpThreadId, LPINT lpErrno)
{
	struct wfpredir_thread *t;
	int wsa;

	if (wfpredir__store_dword((DWORD *)lpErrno, 0))
		return SOCKET_ERROR;
	if (wfpredir__probe_write(lpThreadId, lpThreadId ? sizeof(*lpThreadId) : 1)) {
		wsa = WSAEFAULT;
		goto fail;
	}
	t = wfpredir__thread_self_get();
	if (!t) {
		wsa = WSA_NOT_ENOUGH_MEMORY;
		goto fail;
	}
	pthread_mutex_lock(&threads_lock);
	t->opened++;
	lpThreadId->ThreadHandle = t;
	lpThreadId->Reserved = (ULONG_PTR)t->serial;
	pthread_mutex_unlock(&threads_lock);
	return 0;
fail:
	wfpredir__store_dword((DWORD *)lpErrno, (DWORD)wsa);
	return SOCKET_ERROR;
}

int WPUCloseThread(LPWSATHREADID lpThreadId, LPINT lpErrno)
{
	struct wfpredir_thread *t;
	int wsa;

	if (wfpredir__store_dword((DWORD *)lpErrno, 0))
		return SOCKET_ERROR;
	if (wfpredir__probe_read(lpThreadId, lpThreadId ? sizeof(*lpThreadId) : 1)) {
		wsa = WSAEFAULT;
		goto fail;
	}
	pthread_mutex_lock(&threads_lock);
	t = thread_find(lpThreadId);
	if (!t || !t->opened) {
		pthread_mutex_unlock(&threads_lock);
		wsa = WSAEINVAL;
		goto fail;
	}
	t->opened--;
	pthread_mutex_unlock(&threads_lock);
	wfpredir__thread_put(t);
	return 0;
fail:
	wfpredir__store_dword((DWORD *)lpErrno, (DWORD)wsa);
	return SOCKET_ERROR;
}

void wfpredir__deadline(struct timespec *deadline, DWORD ms)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += ms / 1000;
	deadline->tv_nsec += (long)(ms % 1000) * 1000000;
	if (deadline->tv_nsec >= 1000000000) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000;
	}
}

int wfpredir__ms_left(const struct timespec *deadline, DWORD ms)
{
	struct timespec now;
	int64_t left;

	if (ms == INFINITE)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	left = (int64_t)(deadline->tv_sec - now.tv_sec) * 1000 +
	       (deadline->tv_nsec - now.tv_nsec + 999999) / 1000000;
	if (left < 0)
		return 0;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}
