// SPDX-License-Identifier: MIT
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

const char *unit_srcdir(void)
{
	const char *dir = getenv("WFPREDIR_SRCDIR");

	return dir && *dir ? dir : ".";
}

size_t unit_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

void *unit_map(size_t pages, const int *prot)
{
	size_t page = unit_page_size(), i;
	char *p;

	p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_msg(p != MAP_FAILED, "mmap: %s", strerror(errno));
	for (i = 0; i < pages; i++) {
		memset(p + i * page, 0x5a, page);
		ck_assert_int_eq(mprotect(p + i * page, page, prot[i]), 0);
	}
	return p;
}

void unit_unmap(void *addr, size_t pages)
{
	munmap(addr, pages * unit_page_size());
}

int unit_closed_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	close(fd);
	return fd;
}

int unit_socket(int family, int type, int protocol)
{
	int fd = socket(family, type | SOCK_CLOEXEC, protocol);

	ck_assert_msg(fd >= 0, "socket(%d, %d, %d): %s", family, type, protocol, strerror(errno));
	return fd;
}

void unit_assert_module_absent(void)
{
	ck_assert_msg(access("/sys/module/wfpredir", F_OK) != 0,
		      "wfpredir.ko is loaded: the unit tests need a kernel without it");
}
