// SPDX-License-Identifier: MIT
/*
 * Decoding records and context for people: structure only, since the tag is
 * keyed by a secret only the kernel holds.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

WFPREDIR_STATIC_ASSERT(sizeof(struct wfpredir_records_hdr) == 16, "records header size");
WFPREDIR_STATIC_ASSERT(sizeof(struct wfpredir_record_entry) == 72, "record entry size");
WFPREDIR_STATIC_ASSERT(sizeof(struct sockaddr_storage) == WFPREDIR_CONTEXT_SOCKADDR_LEN,
		       "the context holds struct sockaddr_storage");

/* A sockaddr_in or sockaddr_in6 from an entry's address bytes and port. */
static void entry_addr(struct sockaddr_storage *ss, int family, const uint8_t addr[16],
		       uint16_t port_be)
{
	memset(ss, 0, sizeof(*ss));
	if (!family)
		return;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = port_be;
		memcpy(&sin->sin_addr, addr, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port_be;
		memcpy(&sin6->sin6_addr, addr, 16);
	}
}

int wfpredir_records_decode(const void *buf, size_t len, uint64_t *flow_id,
			    struct wfpredir_record_info *entries, size_t max_entries)
{
	const unsigned char *p = buf;
	struct wfpredir_records_hdr hdr;
	struct wfpredir_record_entry e;
	size_t i;

	if (!buf || (!entries && max_entries))
		return -EINVAL;
	/* The kernel's checks, in its order (kmod/records.c), minus the tag. */
	if (len < WFPREDIR_RECORDS_MIN_LEN || len > WFPREDIR_RECORDS_MAX_LEN)
		return -EINVAL;
	memcpy(&hdr, p, sizeof(hdr));
	if (be16toh(hdr.magic) != WFPREDIR_RECORDS_MAGIC)
		return -EINVAL;
	if (hdr.version != WFPREDIR_RECORDS_VERSION)
		return -EPROTO;
	if (be16toh(hdr.hdr_len) != sizeof(hdr) || be16toh(hdr.entry_len) != sizeof(e))
		return -EINVAL;
	if (!hdr.count || hdr.count > WFPREDIR_RECORDS_MAX_ENTRIES ||
	    len != WFPREDIR_RECORDS_LEN(hdr.count))
		return -EINVAL;
	for (i = 0; i < hdr.count; i++) {
		memcpy(&e, p + sizeof(hdr) + i * sizeof(e), sizeof(e));
		/* A service-only entry names no flow: all but the service is zero. */
		if (e.reserved || (e.family != AF_INET && e.family != AF_INET6 &&
				   !(e.family == 0 && e.flags & WFPREDIR_RECORD_F_SERVICE_ONLY)))
			return -EINVAL;
	}

	for (i = 0; i < hdr.count && i < max_entries; i++) {
		struct wfpredir_record_info *r = &entries[i];

		memcpy(&e, p + sizeof(hdr) + i * sizeof(e), sizeof(e));
		memset(r, 0, sizeof(*r));
		r->service_id = be32toh(e.service_id);
		r->rule_id = be32toh(e.rule_id);
		r->family = e.family;
		r->protocol = e.protocol;
		r->flags = e.flags;
		entry_addr(&r->orig_src, e.family, e.orig_saddr, e.orig_sport);
		entry_addr(&r->orig_dst, e.family, e.orig_daddr, e.orig_dport);
		r->timestamp_ns = be64toh(e.timestamp_ns);
		r->uid = be32toh(e.uid);
		r->pid = be32toh(e.pid);
		r->cgroup_id = be64toh(e.cgroup_id);
	}
	if (flow_id)
		*flow_id = be64toh(hdr.flow_id);
	return hdr.count;
}

/* An output buffer that counts what it could not hold, as snprintf() does. */
struct line {
	char *out;
	size_t size;
	size_t len; /* the whole line's length so far */
};

static void line_add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void line_add(struct line *l, const char *fmt, ...)
{
	size_t room = l->len < l->size ? l->size - l->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? l->out + l->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
}

/* "10.0.0.1:80" or "[2001:db8::1]:80". */
static void line_addr(struct line *l, const struct sockaddr_storage *ss)
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		line_add(l, "%s:%u", a, ntohs(sin->sin_port));
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		line_add(l, "[%s]:%u", a, ntohs(sin6->sin6_port));
	}
}

int wfpredir_records_format(const void *buf, size_t len, char *out, size_t outlen)
{
	struct wfpredir_record_info e[WFPREDIR_RECORDS_MAX_ENTRIES];
	struct line l = { .out = out, .size = outlen };
	uint64_t flow_id;
	int n, i;

	if (outlen)
		out[0] = '\0';
	n = wfpredir_records_decode(buf, len, &flow_id, e, WFPREDIR_RECORDS_MAX_ENTRIES);
	if (n < 0)
		return n;
	line_add(&l, "flow 0x%llx:", (unsigned long long)flow_id);
	for (i = 0; i < n; i++) {
		if (e[i].flags & WFPREDIR_RECORD_F_SERVICE_ONLY) {
			line_add(&l, "%s svc %u (inherited, service-only)", i ? " |" : "",
				 e[i].service_id);
			continue;
		}
		line_add(&l, "%s svc %u (rule %u%s) ", i ? " |" : "", e[i].service_id, e[i].rule_id,
			 e[i].flags & WFPREDIR_RECORD_F_INHERITED ? ", inherited" : "");
		if (e[i].protocol == IPPROTO_TCP)
			line_add(&l, "tcp ");
		else if (e[i].protocol == IPPROTO_UDP)
			line_add(&l, "udp ");
		else
			line_add(&l, "proto %u ", e[i].protocol);
		line_addr(&l, &e[i].orig_src);
		line_add(&l, "->");
		line_addr(&l, &e[i].orig_dst);
		line_add(&l, " uid %u pid %u", e[i].uid, e[i].pid);
	}
	return (int)l.len; /* at most 16 entries of bounded length */
}

static int context_family_ok(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET || ss->ss_family == AF_INET6;
}

int wfpredir_context_decode(const void *buf, size_t len, struct sockaddr_storage *dst,
			    struct sockaddr_storage *src, struct wfpredir_context_process *proc)
{
	const unsigned char *p = buf;
	struct sockaddr_storage d, s;
	struct wfpredir_context_process pr;

	if (!buf || len != WFPREDIR_CONTEXT_DEFAULT_LEN)
		return -EINVAL;
	memcpy(&d, p, sizeof(d));
	memcpy(&s, p + WFPREDIR_CONTEXT_SOCKADDR_LEN, sizeof(s));
	memcpy(&pr, p + 2 * WFPREDIR_CONTEXT_SOCKADDR_LEN, sizeof(pr));
	/* Both ends of one flow: one family. */
	if (!context_family_ok(&d) || s.ss_family != d.ss_family)
		return -EINVAL;
	pr.comm[sizeof(pr.comm) - 1] = '\0';
	if (dst)
		*dst = d;
	if (src)
		*src = s;
	if (proc)
		*proc = pr;
	return 0;
}
