// SPDX-License-Identifier: MIT
/*
 * The native calls: the WFPREDIR_SO_* socket options, with the option level
 * taken from the socket's family and the kernel's buffer-too-small reply
 * (success, nothing copied, a larger len: see <linux/wfpredir.h>) turned
 * into -ENOBUFS.
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>

static int kernel_get(int fd, int level, int name, void *val, socklen_t *len)
{
	return getsockopt(fd, level, name, val, len) < 0 ? -errno : 0;
}

static int kernel_set(int fd, int level, int name, const void *val, socklen_t len)
{
	return setsockopt(fd, level, name, val, len) < 0 ? -errno : 0;
}

const struct wfpredir_sockopt_ops wfpredir__kernel_sockopt = {
	.get = kernel_get,
	.set = kernel_set,
};

int wfpredir__level(int fd)
{
	int domain;
	socklen_t len = sizeof(domain);

	if (fd < 0)
		return -EBADF;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		return -errno;
	switch (domain) {
	case AF_INET:
		return SOL_IP;
	case AF_INET6:
		return SOL_IPV6;
	default:
		return -EOPNOTSUPP;
	}
}

int wfpredir__set_at(const struct wfpredir_sockopt_ops *ops, int fd, int level, const void *records,
		     size_t len)
{
	if (len > INT_MAX)
		return -EINVAL;
	return ops->set(fd, level, WFPREDIR_SO_SET_RECORDS, records, (socklen_t)len);
}

int wfpredir__query_at(const struct wfpredir_sockopt_ops *ops, int fd, int level, int name,
		       void *buf, size_t *len)
{
	socklen_t asked, got;
	int rc;

	/* NULL buf: a size probe. The kernel treats len as an int. */
	asked = !buf ? 0 : *len > INT_MAX ? INT_MAX : (socklen_t)*len;
	got = asked;
	rc = ops->get(fd, level, name, buf, &got);
	if (rc)
		return rc;
	*len = got;
	return got > asked ? WFPREDIR__TOO_SMALL : 0;
}

int wfpredir__native_set(const struct wfpredir_sockopt_ops *ops, int fd, const void *records,
			 size_t len)
{
	int level = wfpredir__level(fd);

	if (level < 0)
		return level;
	return wfpredir__set_at(ops, fd, level, records, len);
}

int wfpredir__native_query(const struct wfpredir_sockopt_ops *ops, int fd, int name, void *buf,
			   size_t *len)
{
	int level, rc;

	if (!len)
		return -EFAULT;
	level = wfpredir__level(fd);
	if (level < 0)
		return level;
	rc = wfpredir__query_at(ops, fd, level, name, buf, len);
	return rc == WFPREDIR__TOO_SMALL ? -ENOBUFS : rc;
}

int wfpredir_set_records(int fd, const void *records, size_t len)
{
	return wfpredir__native_set(&wfpredir__kernel_sockopt, fd, records, len);
}

int wfpredir_query_records(int fd, void *buf, size_t *len)
{
	return wfpredir__native_query(&wfpredir__kernel_sockopt, fd, WFPREDIR_SO_GET_RECORDS, buf,
				      len);
}

int wfpredir_query_context(int fd, void *buf, size_t *len)
{
	return wfpredir__native_query(&wfpredir__kernel_sockopt, fd, WFPREDIR_SO_GET_CONTEXT, buf,
				      len);
}
