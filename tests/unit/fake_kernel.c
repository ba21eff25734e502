// SPDX-License-Identifier: MIT
#include "unit.h"

#include <string.h>

struct fake_kernel fake;

static void record(int level, int name, const void *buf, socklen_t len)
{
	fake.calls++;
	fake.level = level;
	fake.name = name;
	fake.buf = buf;
	fake.asked = len;
}

static int fake_get(int fd, int level, int name, void *val, socklen_t *len)
{
	(void)fd;
	record(level, name, val, *len);
	if (fake.err)
		return fake.err;
	if (fake.data_len && *len >= fake.data_len)
		memcpy(val, fake.data, fake.data_len);
	*len = fake.data_len;
	return 0;
}

static int fake_set(int fd, int level, int name, const void *val, socklen_t len)
{
	(void)fd;
	record(level, name, val, len);
	if (len <= sizeof(fake.set_copy))
		memcpy(fake.set_copy, val, len);
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
