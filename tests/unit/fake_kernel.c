// SPDX-License-Identifier: MIT
#include "unit.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

struct fake_kernel fake;

static void record(int level, int name, const void *buf, socklen_t len)
{
	if (!fake.calls)
		fake.first_level = level;
	fake.calls++;
	fake.level = level;
	fake.name = name;
	fake.buf = buf;
	fake.asked = len;
}

/* The answer's bytes at @dst if they fit in @room, as the kernel's
 * copy_to_user(): a bad buffer is EFAULT, not SIGSEGV. */
static int fake_answer(void *dst, socklen_t room)
{
	if (!fake.data_len || room < fake.data_len)
		return 0;
	if (wfpredir__probe_write(dst, fake.data_len))
		return -EFAULT;
	memcpy(dst, fake.data, fake.data_len);
	/* the hand-off happens only when its answer fits */
	fake.handed = true;
	return 0;
}

/* WFPREDIR_SO_HANDOFF, the request in the option's buffer or naming the
 * caller's (WFPREDIR_HANDOFF_F_BUFFERS), read as the kernel reads it. */
static int fake_handoff(void *val, socklen_t *len)
{
	struct wfpredir_handoff_buffers req;
	int rc;

	if (*len < sizeof(req.head))
		return -EINVAL;
	memcpy(&req, fake.get_in, sizeof(req));
	fake.handoff_from = req.head.from_fd;
	if (!req.head.flags) {
		rc = fake_answer(val, *len);
		if (!rc)
			*len = fake.data_len;
		return rc;
	}
	if (fake.old_handoff || req.head.flags != WFPREDIR_HANDOFF_F_BUFFERS ||
	    *len < sizeof(req) || req.reserved || req.answer_len > INT_MAX)
		return -EINVAL;
	if (wfpredir__probe_read((void *)(uintptr_t)req.from_fd_ptr, sizeof(__s32)))
		return -EFAULT;
	memcpy(&fake.handoff_from, (void *)(uintptr_t)req.from_fd_ptr, sizeof(__s32));
	rc = fake_answer((void *)(uintptr_t)req.answer, req.answer_len);
	if (!rc)
		((struct wfpredir_handoff_buffers *)val)->answer_len = fake.data_len;
	return rc;
}

static int fake_get(int fd, int level, int name, void *val, socklen_t *len)
{
	size_t in = *len < sizeof(fake.get_in) ? *len : sizeof(fake.get_in);

	(void)fd;
	record(level, name, val, *len);
	/* What a get that reads its buffer first (WFPREDIR_SO_HANDOFF) reads. */
	memset(fake.get_in, 0, sizeof(fake.get_in));
	if (name == WFPREDIR_SO_HANDOFF && val && in && !wfpredir__probe_read(val, in))
		memcpy(fake.get_in, val, in);
	if (fake.on_get)
		fake.on_get();
	if (fake.unknown_name && name == fake.unknown_name)
		return -ENOPROTOOPT; /* a module older than the option */
	if (fake.err)
		return fake.err;
	if (name == WFPREDIR_SO_HANDOFF)
		return fake_handoff(val, len);
	/* As the kernel's copy_to_user(): a bad buffer is EFAULT, not SIGSEGV. */
	if (fake.data_len && *len >= fake.data_len) {
		if (wfpredir__probe_write(val, fake.data_len))
			return -EFAULT;
		memcpy(val, fake.data, fake.data_len);
	}
	*len = fake.data_len;
	return 0;
}

static int fake_set(int fd, int level, int name, const void *val, socklen_t len)
{
	(void)fd;
	record(level, name, val, len);
	/* The kernel reads the records before anything can fail after. */
	if (wfpredir__probe_read(val, len))
		return -EFAULT;
	if (val && len <= sizeof(fake.set_copy))
		memcpy(fake.set_copy, val, len);
	if (!fake.err)
		fake.handed = name != WFPREDIR_SO_CLEAR_RECORDS;
	return fake.err;
}

const struct wfpredir_sockopt_ops fake_sockopt = {
	.get = fake_get,
	.set = fake_set,
};

void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
}
