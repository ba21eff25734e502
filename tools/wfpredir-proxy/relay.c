// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredir-proxy: the TCP relay. Each direction moves bytes socket -> pipe
 * -> socket with splice(2), so they never cross into user space. A
 * direction reads only while its pipe is empty: that keeps the state
 * simple (EPOLLIN on the source, or EPOLLOUT on the destination, never
 * both) and cannot spin on a pipe whose slots are full of small segments.
 * EOF is passed on as shutdown(SHUT_WR) once the pipe is drained
 * (half-close); the relay is finished when both directions have passed it on.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "proxy.h"

#define RELAY_PIPE_SIZE (256 * 1024) /* asked for; the default 64 KiB if refused */
#define RELAY_ROUNDS 16		     /* per event, for fairness among connections */

void relay_init(struct relay *r)
{
	for (int i = 0; i < 2; i++) {
		struct relay_dir *d = &r->dir[i];

		*d = (struct relay_dir){ .src = -1, .dst = -1, .pipe = { -1, -1 } };
	}
}

/* Return: 0, or -errno from pipe2() (EMFILE, ENFILE). */
int relay_start(struct relay *r, int client, int upstream)
{
	for (int i = 0; i < 2; i++) {
		struct relay_dir *d = &r->dir[i];

		d->src = i ? upstream : client;
		d->dst = i ? client : upstream;
		if (pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
			int err = -errno;

			relay_close(r);
			return err;
		}
		/* Larger pipes mean fewer wakeups; failure (pipe-user-pages-soft) is fine. */
		(void)fcntl(d->pipe[1], F_SETPIPE_SZ, RELAY_PIPE_SIZE);
	}
	return 0;
}

/* Closes the pipes; the sockets belong to the caller. */
void relay_close(struct relay *r)
{
	for (int i = 0; i < 2; i++) {
		struct relay_dir *d = &r->dir[i];

		for (int j = 0; j < 2; j++) {
			if (d->pipe[j] >= 0)
				close(d->pipe[j]);
			d->pipe[j] = -1;
		}
	}
}

/*
 * Move what can be moved now without blocking. Return: 0 (more later, or
 * the direction is done), or -errno of a socket that failed (ECONNRESET,
 * EPIPE, ...), after which the connection is to be closed.
 */
int relay_pump(struct relay_dir *d)
{
	const unsigned int flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;

	for (int round = 0; round < RELAY_ROUNDS && !d->done; round++) {
		ssize_t n;

		if (d->pending) {
			n = splice(d->pipe[0], NULL, d->dst, NULL, d->pending, flags);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return errno == EAGAIN ? 0 : -errno;
			}
			d->pending -= (size_t)n;
			d->bytes += (uint64_t)n;
			continue;
		}
		if (d->eof)
			break;
		n = splice(d->src, NULL, d->pipe[1], NULL, RELAY_PIPE_SIZE, flags);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -errno;
		}
		if (n == 0)
			d->eof = true;
		d->pending += (size_t)n;
	}
	if (d->eof && !d->pending && !d->done) {
		/* ENOTCONN: the peer is gone already; the close will tell. */
		if (shutdown(d->dst, SHUT_WR) < 0 && errno != ENOTCONN)
			return -errno;
		d->done = true;
	}
	return 0;
}

/* The epoll events socket fd waits for now. */
uint32_t relay_events(const struct relay *r, int fd)
{
	uint32_t ev = 0;

	for (int i = 0; i < 2; i++) {
		const struct relay_dir *d = &r->dir[i];

		if (d->src == fd && !d->eof && !d->pending)
			ev |= EPOLLIN;
		if (d->dst == fd && d->pending)
			ev |= EPOLLOUT;
	}
	return ev;
}

bool relay_finished(const struct relay *r)
{
	return r->dir[0].done && r->dir[1].done;
}
