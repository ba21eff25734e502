// SPDX-License-Identifier: MIT
/*
 * WSASocketA()/WSASocketW(), closesocket() and the registry of overlapped
 * sockets.
 *
 * Linux has no per-socket "overlapped" attribute, so the library keeps one:
 * a table indexed by descriptor whose entries also hold the socket's
 * st_dev/st_ino at creation. A descriptor closed with close() rather than
 * closesocket() and reused for another socket has another inode, so the
 * stale entry is recognised (and dropped) instead of making the new socket
 * overlapped.
 *
 * Layer (overlapped.c has the map): above the engine, which it tells to
 * abort a socket's operations on closesocket(); the engine never calls here.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wfpredir/winsock.h>

struct reg_entry {
	bool used;
	dev_t dev;
	ino_t ino;
};

/* The registry: global by nature (descriptors are process-wide). */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct reg_entry *reg;
static size_t reg_cap;

static void reg_fork_lock(void)
{
	pthread_mutex_lock(&reg_lock);
}

static void reg_fork_unlock(void)
{
	pthread_mutex_unlock(&reg_lock);
}

/* Held across fork(), in apc.c's order of the layers. */
__attribute__((constructor)) static void reg_fork_init(void)
{
	static const struct wfpredir_fork_ops ops = {
		.prepare = reg_fork_lock,
		.parent = reg_fork_unlock,
		.child = reg_fork_unlock,
	};

	wfpredir__atfork_register(WFPREDIR_FORK_SOCKETS, &ops);
}

static int socket_id(int fd, struct stat *st)
{
	if (fd < 0)
		return -EBADF;
	if (fstat(fd, st))
		return -errno;
	if (!S_ISSOCK(st->st_mode))
		return -ENOTSOCK;
	return 0;
}

bool wfpredir__socket_is_overlapped(int fd)
{
	struct stat st;
	bool ret = false;

	if (socket_id(fd, &st))
		return false;
	pthread_mutex_lock(&reg_lock);
	if ((size_t)fd < reg_cap && reg[fd].used) {
		if (reg[fd].dev == st.st_dev && reg[fd].ino == st.st_ino)
			ret = true;
		else
			reg[fd].used = false; /* closed with close() and reused */
	}
	pthread_mutex_unlock(&reg_lock);
	return ret;
}

int wfpredir__socket_mark_overlapped(int fd)
{
	struct stat st;
	int rc = socket_id(fd, &st);

	if (rc)
		return rc;
	pthread_mutex_lock(&reg_lock);
	if ((size_t)fd >= reg_cap) {
		size_t cap = reg_cap ? reg_cap : 64;
		struct reg_entry *n;

		while (cap <= (size_t)fd)
			cap *= 2;
		n = realloc(reg, cap * sizeof(*n));
		if (!n) {
			pthread_mutex_unlock(&reg_lock);
			return -ENOMEM;
		}
		for (size_t i = reg_cap; i < cap; i++)
			n[i].used = false;
		reg = n;
		reg_cap = cap;
	}
	reg[fd].used = true;
	reg[fd].dev = st.st_dev;
	reg[fd].ino = st.st_ino;
	pthread_mutex_unlock(&reg_lock);
	return 0;
}

void wfpredir__socket_forget(int fd)
{
	pthread_mutex_lock(&reg_lock);
	if (fd >= 0 && (size_t)fd < reg_cap)
		reg[fd].used = false;
	pthread_mutex_unlock(&reg_lock);
}

/* Frees the table at exit so that LeakSanitizer and valgrind stay quiet. */
__attribute__((destructor)) static void reg_free(void)
{
	pthread_mutex_lock(&reg_lock);
	free(reg);
	reg = NULL;
	reg_cap = 0;
	pthread_mutex_unlock(&reg_lock);
}

#define SUPPORTED_FLAGS (WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT)

static SOCKET wsa_socket(int af, int type, int protocol, const void *info, GROUP g, DWORD flags)
{
	int fd;

	if (info || g || (flags & ~(DWORD)SUPPORTED_FLAGS)) {
		wfpredir__set_last_error(WSAEINVAL);
		return INVALID_SOCKET;
	}
	if (flags & WSA_FLAG_NO_HANDLE_INHERIT)
		type |= SOCK_CLOEXEC;
	fd = socket(af, type, protocol);
	if (fd < 0) {
		/* A socket call's errno, not an ioctl's: EAFNOSUPPORT is
		 * WSAEAFNOSUPPORT here, as on Windows. */
		wfpredir__set_last_error(wfpredir_winsock_error_from_errno(errno));
		return INVALID_SOCKET;
	}
	/* Always record: a stale entry for this descriptor is overwritten or
	 * cleared either way. */
	if (flags & WSA_FLAG_OVERLAPPED) {
		int rc = wfpredir__socket_mark_overlapped(fd);

		if (rc) {
			close(fd);
			wfpredir__set_last_error(wfpredir_wsa_error_from_errno(rc));
			return INVALID_SOCKET;
		}
	} else {
		wfpredir__socket_forget(fd);
	}
	return fd;
}

SOCKET WSASocketA(int af, int type, int protocol, LPWSAPROTOCOL_INFOA lpProtocolInfo, GROUP g,
		  DWORD dwFlags)
{
	return wsa_socket(af, type, protocol, lpProtocolInfo, g, dwFlags);
}

SOCKET WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW lpProtocolInfo, GROUP g,
		  DWORD dwFlags)
{
	return wsa_socket(af, type, protocol, lpProtocolInfo, g, dwFlags);
}

int closesocket(SOCKET s)
{
	struct stat st;

	if (socket_id(s, &st)) {
		wfpredir__set_last_error(WSAENOTSOCK);
		return SOCKET_ERROR;
	}
	/* Before close(): the worker must not poll a descriptor that may be
	 * reused at once. */
	wfpredir__overlapped_abort_fd(s);
	wfpredir__socket_forget(s);
	/* Linux frees the descriptor even when close() fails (EINTR included):
	 * nothing to retry, and the socket is gone either way. */
	close(s);
	return 0;
}

int wfpredir__socket_inherit(int listen_fd, int fd)
{
	if (wfpredir__socket_is_overlapped(listen_fd))
		return wfpredir__socket_mark_overlapped(fd);
	wfpredir__socket_forget(fd);
	return 0;
}
