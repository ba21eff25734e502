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
#include <stdint.h>
#include <string.h>

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

/*
 * The fast path asks at SOL_IP first, whatever the family: the IPv6 layer
 * hands SOL_IP options of TCP and UDP sockets to the IPv4 one, and the
 * module answers the same for both (one handler on PF_INET and PF_INET6).
 * Only when that fails is the family looked up (SO_DOMAIN) and the call
 * made again at its level, so that every error is the one the family's
 * level gives. Neither option changes anything when it fails.
 */
int wfpredir__native_set(const struct wfpredir_sockopt_ops *ops, int fd, const void *records,
			 size_t len)
{
	int level;

	if (len <= INT_MAX && fd >= 0 && !wfpredir__set_at(ops, fd, SOL_IP, records, len))
		return 0;
	level = wfpredir__level(fd);
	if (level < 0)
		return level;
	return wfpredir__set_at(ops, fd, level, records, len);
}

int wfpredir__native_query(const struct wfpredir_sockopt_ops *ops, int fd, int name, void *buf,
			   size_t *len)
{
	size_t want;
	int level, rc;

	if (!len)
		return -EFAULT;
	want = *len;
	if (fd >= 0) {
		rc = wfpredir__query_at(ops, fd, SOL_IP, name, buf, len);
		if (rc >= 0)
			return rc == WFPREDIR__TOO_SMALL ? -ENOBUFS : 0;
		*len = want;
	}
	level = wfpredir__level(fd);
	if (level < 0)
		return level;
	rc = wfpredir__query_at(ops, fd, level, name, buf, len);
	return rc == WFPREDIR__TOO_SMALL ? -ENOBUFS : rc;
}

/* The two queries, for a module older than WFPREDIR_SO_GET_REDIRECT. */
static int query_redirect_compat(const struct wfpredir_sockopt_ops *ops, int fd, uint8_t *buf,
				 size_t *len, struct wfpredir_redirect_info *out)
{
	size_t rlen = buf ? *len : 0, clen;
	int rc, rrc;

	rrc = wfpredir__native_query(ops, fd, WFPREDIR_SO_GET_RECORDS, buf, &rlen);
	if (rrc && rrc != -ENOBUFS)
		return rrc;
	clen = !buf || rrc ? 0 : *len - rlen;
	rc = wfpredir__native_query(ops, fd, WFPREDIR_SO_GET_CONTEXT, buf ? buf + rlen : NULL,
				    &clen);
	if (rc == -ENODATA) {
		clen = 0;
		rc = 0;
	}
	if (rc && rc != -ENOBUFS)
		return rc;
	if (rrc || rc) {
		*len = rlen + clen;
		return -ENOBUFS;
	}
	*len = rlen + clen;
	out->records = buf;
	out->records_len = rlen;
	out->context = clen ? buf + rlen : NULL;
	out->context_len = clen;
	out->flags = 0;
	return 0;
}

/* The header as the kernel wrote it; later fields are skipped. */
int wfpredir__redirect_layout(const struct wfpredir_redirect *hdr, const uint8_t *p, size_t got,
			      struct wfpredir_redirect_info *out)
{
	if (hdr->hdr_len < sizeof(*hdr) ||
	    (size_t)hdr->hdr_len + hdr->records_len + hdr->context_len != got)
		return -EPROTO;
	out->records = p + hdr->hdr_len;
	out->records_len = hdr->records_len;
	out->context = hdr->context_len ? p + hdr->hdr_len + hdr->records_len : NULL;
	out->context_len = hdr->context_len;
	out->flags = hdr->flags;
	return 0;
}

/* A WFPREDIR_SO_GET_REDIRECT answer of @got bytes at @p into @out: 0 or
 * -EPROTO. */
static int parse_redirect(const uint8_t *p, size_t got, struct wfpredir_redirect_info *out)
{
	struct wfpredir_redirect hdr;

	if (got < sizeof(hdr))
		return -EPROTO;
	memcpy(&hdr, p, sizeof(hdr));
	return wfpredir__redirect_layout(&hdr, p, got, out);
}

int wfpredir__native_query_redirect(const struct wfpredir_sockopt_ops *ops, int fd, void *buf,
				    size_t *len, struct wfpredir_redirect_info *out)
{
	size_t got;
	int rc;

	if (!len || !out)
		return -EFAULT;
	got = *len;
	rc = wfpredir__native_query(ops, fd, WFPREDIR_SO_GET_REDIRECT, buf, &got);
	if (rc == -ENOPROTOOPT)
		return query_redirect_compat(ops, fd, buf, len, out);
	if (rc == -ENOBUFS)
		*len = got;
	if (rc)
		return rc;
	rc = parse_redirect(buf, got, out);
	if (!rc)
		*len = got;
	return rc;
}

/*
 * One WFPREDIR_SO_HANDOFF at @level: the request goes at the start of @buf
 * (@len bytes, at least the request's size), or of a buffer of the
 * request's size alone when @buf is NULL: the kernel then answers with the
 * size only. 0, WFPREDIR__TOO_SMALL (nothing handed on, *len the size
 * needed) or -errno.
 */
static int handoff_at(const struct wfpredir_sockopt_ops *ops, int onward_fd, int level,
		      int accepted_fd, void *buf, size_t *len)
{
	struct wfpredir_handoff req = { .from_fd = accepted_fd, .flags = 0 };
	socklen_t asked, got;
	int rc;

	if (!buf) {
		buf = &req;
		asked = sizeof(req);
	} else {
		/* Written again for each call: a failed one may have
		 * overwritten it. */
		memcpy(buf, &req, sizeof(req));
		asked = *len > INT_MAX ? INT_MAX : (socklen_t)*len;
	}
	got = asked;
	rc = ops->get(onward_fd, level, WFPREDIR_SO_HANDOFF, buf, &got);
	if (rc)
		return rc;
	*len = got;
	return got > asked ? WFPREDIR__TOO_SMALL : 0;
}

/* A module older than WFPREDIR_SO_HANDOFF: the query, then the set. */
static int handoff_compat(const struct wfpredir_sockopt_ops *ops, int onward_fd, int accepted_fd,
			  void *buf, size_t *len, struct wfpredir_redirect_info *out)
{
	int rc = wfpredir__native_query_redirect(ops, accepted_fd, buf, len, out);

	if (rc)
		return rc;
	return wfpredir__native_set(ops, onward_fd, out->records, out->records_len);
}

/* As wfpredir__native_query(): SOL_IP first, the family's level after a
 * failure, so that every error is the one the family's level gives. */
int wfpredir__native_handoff(const struct wfpredir_sockopt_ops *ops, int onward_fd, int accepted_fd,
			     void *buf, size_t *len, struct wfpredir_redirect_info *out)
{
	size_t got;
	int rc = -EBADF;

	if (!len || !out)
		return -EFAULT;
	if (buf && *len < sizeof(struct wfpredir_handoff))
		buf = NULL;
	got = *len;
	if (onward_fd >= 0)
		rc = handoff_at(ops, onward_fd, SOL_IP, accepted_fd, buf, &got);
	if (rc < 0) {
		int level = wfpredir__level(onward_fd);

		if (level < 0)
			return level;
		got = *len;
		rc = handoff_at(ops, onward_fd, level, accepted_fd, buf, &got);
	}
	if (rc == -ENOPROTOOPT)
		return handoff_compat(ops, onward_fd, accepted_fd, buf, len, out);
	if (rc == WFPREDIR__TOO_SMALL) {
		*len = got;
		return -ENOBUFS;
	}
	if (rc)
		return rc;
	/* Without a buffer only a size can come back: no answer is that short. */
	if (!buf)
		return -EPROTO;
	rc = parse_redirect(buf, got, out);
	if (!rc)
		*len = got;
	return rc;
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

int wfpredir_query_redirect(int fd, void *buf, size_t *len, struct wfpredir_redirect_info *out)
{
	return wfpredir__native_query_redirect(&wfpredir__kernel_sockopt, fd, buf, len, out);
}

int wfpredir_handoff(int onward_fd, int accepted_fd, void *buf, size_t *len,
		     struct wfpredir_redirect_info *out)
{
	return wfpredir__native_handoff(&wfpredir__kernel_sockopt, onward_fd, accepted_fd, buf, len,
					out);
}
