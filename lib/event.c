// SPDX-License-Identifier: MIT
/*
 * WSAEVENT: manual-reset event objects on eventfd. An event is signalled
 * while its counter is not zero: WSASetEvent() adds one, WSAResetEvent()
 * reads the counter back to zero, and waits poll() for POLLIN without
 * consuming it. Handles are checked against the table of open events, so a
 * stale or made-up handle gives WSA_INVALID_HANDLE rather than a crash; an
 * event is freed when it is closed and no wait holds it any more.
 *
 * Layer (overlapped.c has the map): below the engine, which signals and
 * resets events through wfpredir__event_set()/_reset(); above apc.c, whose
 * queue an alertable wait runs. It calls nothing else.
 */
#include "internal.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct wfpredir_event {
	int efd;
	/* Bumped (release) before each signal and read (acquire) by a wait
	 * that finds the event signalled: what the setter wrote before
	 * WSASetEvent() is visible to the waiter in the C11 model, not only
	 * through the kernel, so race detectors see the ordering too. */
	unsigned int seq;
	int refs; /* under ev_lock: the table's, and each wait's */
};

static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wfpredir_event **ev_table;
static size_t ev_count, ev_cap;

static void ev_fork_lock(void)
{
	pthread_mutex_lock(&ev_lock);
}

static void ev_fork_unlock(void)
{
	pthread_mutex_unlock(&ev_lock);
}

/* Held across fork(), in apc.c's order of the layers. */
__attribute__((constructor)) static void ev_fork_init(void)
{
	static const struct wfpredir_fork_ops ops = {
		.prepare = ev_fork_lock,
		.parent = ev_fork_unlock,
		.child = ev_fork_unlock,
	};

	wfpredir__atfork_register(WFPREDIR_FORK_EVENTS, &ops);
}

/* Under ev_lock: the index of @h in the table, or -1. */
static ssize_t ev_index(const void *h)
{
	for (size_t i = 0; i < ev_count; i++)
		if (ev_table[i] == h)
			return (ssize_t)i;
	return -1;
}

static struct wfpredir_event *ev_get(WSAEVENT h)
{
	struct wfpredir_event *e = NULL;
	ssize_t i;

	pthread_mutex_lock(&ev_lock);
	i = h ? ev_index(h) : -1;
	if (i >= 0) {
		e = ev_table[i];
		e->refs++;
	}
	pthread_mutex_unlock(&ev_lock);
	return e;
}

static void ev_put(struct wfpredir_event *e)
{
	bool last;

	pthread_mutex_lock(&ev_lock);
	last = --e->refs == 0;
	pthread_mutex_unlock(&ev_lock);
	if (last) {
		close(e->efd);
		free(e);
	}
}

__attribute__((destructor)) static void ev_table_free(void)
{
	/* Events still open at exit stay open (their descriptors die with the
	 * process); only the table goes, for LeakSanitizer. */
	pthread_mutex_lock(&ev_lock);
	for (size_t i = 0; i < ev_count; i++) {
		if (--ev_table[i]->refs == 0) {
			close(ev_table[i]->efd);
			free(ev_table[i]);
		}
	}
	free(ev_table);
	ev_table = NULL;
	ev_count = 0;
	ev_cap = 0;
	pthread_mutex_unlock(&ev_lock);
}

WSAEVENT WSACreateEvent(void)
{
	struct wfpredir_event *e = malloc(sizeof(*e));

	if (!e) {
		wfpredir__set_last_error(WSA_NOT_ENOUGH_MEMORY);
		return WSA_INVALID_EVENT;
	}
	e->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e->efd < 0) {
		int err = errno;

		free(e);
		wfpredir__set_last_error(err == EMFILE || err == ENFILE ? WSAEMFILE
									: WSA_NOT_ENOUGH_MEMORY);
		return WSA_INVALID_EVENT;
	}
	e->refs = 1;
	e->seq = 0;
	pthread_mutex_lock(&ev_lock);
	if (ev_count == ev_cap) {
		size_t cap = ev_cap ? ev_cap * 2 : 16;
		struct wfpredir_event **n = realloc(ev_table, cap * sizeof(*n));

		if (!n) {
			pthread_mutex_unlock(&ev_lock);
			close(e->efd);
			free(e);
			wfpredir__set_last_error(WSA_NOT_ENOUGH_MEMORY);
			return WSA_INVALID_EVENT;
		}
		ev_table = n;
		ev_cap = cap;
	}
	ev_table[ev_count++] = e;
	pthread_mutex_unlock(&ev_lock);
	return e;
}

BOOL WSACloseEvent(WSAEVENT hEvent)
{
	struct wfpredir_event *e = NULL;
	ssize_t i;

	pthread_mutex_lock(&ev_lock);
	i = hEvent ? ev_index(hEvent) : -1;
	if (i >= 0) {
		e = ev_table[i];
		ev_table[i] = ev_table[--ev_count];
	}
	pthread_mutex_unlock(&ev_lock);
	if (!e) {
		wfpredir__set_last_error(WSA_INVALID_HANDLE);
		return FALSE;
	}
	ev_put(e);
	return TRUE;
}

static void ev_signal(struct wfpredir_event *e)
{
	uint64_t one = 1;

	__atomic_add_fetch(&e->seq, 1, __ATOMIC_RELEASE);
	if (write(e->efd, &one, sizeof(one)) < 0) {
		/* EAGAIN only at a counter of 2^64 - 2: signalled anyway. */
	}
}

bool wfpredir__event_set(WSAEVENT ev)
{
	struct wfpredir_event *e = ev_get(ev);

	if (!e)
		return false;
	ev_signal(e);
	ev_put(e);
	return true;
}

BOOL WSASetEvent(WSAEVENT hEvent)
{
	if (!wfpredir__event_set(hEvent)) {
		wfpredir__set_last_error(WSA_INVALID_HANDLE);
		return FALSE;
	}
	return TRUE;
}

BOOL WSAResetEvent(WSAEVENT hEvent)
{
	if (!wfpredir__event_reset(hEvent)) {
		wfpredir__set_last_error(WSA_INVALID_HANDLE);
		return FALSE;
	}
	return TRUE;
}

/* Which of @n events are signalled now: sets sig[i]; returns how many. */
static DWORD ev_poll_now(struct wfpredir_event **evs, DWORD n, bool *sig)
{
	struct pollfd pfd[WSA_MAXIMUM_WAIT_EVENTS];
	DWORD count = 0;

	for (DWORD i = 0; i < n; i++) {
		pfd[i].fd = evs[i]->efd;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	while (poll(pfd, n, 0) < 0 && errno == EINTR)
		;
	for (DWORD i = 0; i < n; i++) {
		sig[i] = pfd[i].revents & POLLIN;
		if (sig[i])
			(void)__atomic_load_n(&evs[i]->seq, __ATOMIC_ACQUIRE);
		count += sig[i];
	}
	return count;
}

static DWORD wait_events(struct wfpredir_event **evs, DWORD n, BOOL all, DWORD timeout,
			 BOOL alertable)
{
	struct pollfd pfd[WSA_MAXIMUM_WAIT_EVENTS + 1];
	bool sig[WSA_MAXIMUM_WAIT_EVENTS];
	struct timespec deadline;
	int apc_fd = -1;

	if (alertable) {
		if (wfpredir__apc_run())
			return WSA_WAIT_IO_COMPLETION;
		apc_fd = wfpredir__apc_fd();
	}
	wfpredir__deadline(&deadline, timeout);
	for (;;) {
		DWORD count = ev_poll_now(evs, n, sig);
		nfds_t np = 0;
		int ms, rc;

		if (all && count == n)
			return WSA_WAIT_EVENT_0;
		if (!all && count) {
			for (DWORD i = 0; i < n; i++)
				if (sig[i])
					return WSA_WAIT_EVENT_0 + i;
		}
		ms = wfpredir__ms_left(&deadline, timeout);
		if (ms == 0)
			return WSA_WAIT_TIMEOUT;
		/* Wait for a change: an event not yet signalled, or an APC. */
		for (DWORD i = 0; i < n; i++) {
			if (sig[i])
				continue;
			pfd[np].fd = evs[i]->efd;
			pfd[np].events = POLLIN;
			pfd[np].revents = 0;
			np++;
		}
		if (apc_fd >= 0) {
			pfd[np].fd = apc_fd;
			pfd[np].events = POLLIN;
			pfd[np].revents = 0;
			np++;
		}
		rc = poll(pfd, np, ms);
		if (rc > 0 && apc_fd >= 0 && (pfd[np - 1].revents & POLLIN)) {
			/* Events first: one signalled meanwhile wins. */
			count = ev_poll_now(evs, n, sig);
			if ((all && count == n) || (!all && count))
				continue;
			if (wfpredir__apc_run())
				return WSA_WAIT_IO_COMPLETION;
		}
		/* rc < 0 is EINTR (a signal does not end the wait) or ENOMEM,
		 * retried like a spurious wakeup. */
	}
}

DWORD WSAWaitForMultipleEvents(DWORD cEvents, const WSAEVENT *lphEvents, BOOL fWaitAll,
			       DWORD dwTimeout, BOOL fAlertable)
{
	struct wfpredir_event *evs[WSA_MAXIMUM_WAIT_EVENTS];
	WSAEVENT h[WSA_MAXIMUM_WAIT_EVENTS];
	DWORD i, ret;

	if (cEvents == 0 || cEvents > WSA_MAXIMUM_WAIT_EVENTS || !lphEvents ||
	    wfpredir__probe_read(lphEvents, cEvents * sizeof(*lphEvents))) {
		wfpredir__set_last_error(WSA_INVALID_PARAMETER);
		return WSA_WAIT_FAILED;
	}
	memcpy(h, lphEvents, cEvents * sizeof(*lphEvents));
	for (i = 0; i < cEvents; i++) {
		evs[i] = ev_get(h[i]);
		if (!evs[i]) {
			while (i--)
				ev_put(evs[i]);
			wfpredir__set_last_error(WSA_INVALID_HANDLE);
			return WSA_WAIT_FAILED;
		}
	}
	ret = wait_events(evs, cEvents, fWaitAll, dwTimeout, fAlertable);
	for (i = 0; i < cEvents; i++)
		ev_put(evs[i]);
	return ret;
}

bool wfpredir__event_reset(WSAEVENT ev)
{
	struct wfpredir_event *e = ev_get(ev);
	uint64_t v;

	if (!e)
		return false;
	if (read(e->efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: not signalled */
	}
	ev_put(e);
	return true;
}

/* SleepEx() is a wait on no events. */
DWORD SleepEx(DWORD dwMilliseconds, BOOL bAlertable)
{
	return wait_events(NULL, 0, FALSE, dwMilliseconds, bAlertable) == WSA_WAIT_IO_COMPLETION
		       ? WAIT_IO_COMPLETION
		       : 0;
}
