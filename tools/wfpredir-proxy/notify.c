// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredir-proxy: the service manager's notification protocol, as
 * sd_notify(3) speaks it: "KEY=VALUE" lines in one datagram to the
 * AF_UNIX socket named by $NOTIFY_SOCKET (an abstract one when the name
 * starts with "@"). A dozen lines instead of a dependency on libsystemd.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "proxy.h"

/*
 * Return: 0, with n->fd -1 when no service manager listens; -1 with a
 * message in err when $NOTIFY_SOCKET is set but unusable.
 */
int notify_open(struct notify *n, char *err, size_t errlen)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&n->addr;
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	n->fd = -1;
	if (!path || !path[0])
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sun->sun_path)) {
		snprintf(err, errlen, "NOTIFY_SOCKET=%s: not an AF_UNIX socket path", path);
		return -1;
	}
	memset(&n->addr, 0, sizeof(n->addr));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len);
	if (path[0] == '@')
		sun->sun_path[0] = '\0';
	/* An abstract name's length counts; a path's NUL may be included. */
	n->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
			     (path[0] == '@' ? 0 : 1));
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0) {
		snprintf(err, errlen, "NOTIFY_SOCKET: socket: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Send one notification. Return: 0 (also with no manager), or -errno. */
int notify_send(struct notify *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int len;

	if (n->fd < 0)
		return 0;
	va_start(ap, fmt);
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (len < 0)
		return -EINVAL;
	if ((size_t)len >= sizeof(msg))
		len = sizeof(msg) - 1;
	/* Blocking, as sd_notify() is: READY=1 must not be lost to a full queue. */
	if (sendto(n->fd, msg, (size_t)len, MSG_NOSIGNAL, (const struct sockaddr *)&n->addr,
		   n->len) < 0)
		return -errno;
	return 0;
}

void notify_close(struct notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
