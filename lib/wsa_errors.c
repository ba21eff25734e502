// SPDX-License-Identifier: MIT
/*
 * errno -> WSA error: the one table. Documentation/wsa-errors.rst lists the
 * same rows, and a unit test parses that document and compares it with this
 * table in both directions, so neither can change alone.
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>

/* clang-format off */
#define ROW(e, wsa) { e, wsa, #e }
/* clang-format on */

const struct wfpredir_errno_map wfpredir__errno_map[] = {
	ROW(EPERM, WSAEACCES),
	ROW(EACCES, WSAEACCES),
	ROW(EFAULT, WSAEFAULT),
	/* the WFP pages: WSAEINVAL for any input that is not acceptable */
	ROW(EINVAL, WSAEINVAL),
	ROW(EISCONN, WSAEINVAL),
	ROW(EPROTO, WSAEINVAL),
	ROW(EBADMSG, WSAEINVAL),
	ROW(E2BIG, WSAEINVAL),
	ROW(EMSGSIZE, WSAEINVAL),
	/* a hand-off from a socket of another network namespace */
	ROW(EXDEV, WSAEINVAL),
	ROW(EBADF, WSAENOTSOCK),
	ROW(ENOTSOCK, WSAENOTSOCK),
	/* what the kernel says when the wfpredir module is not loaded */
	ROW(ENOPROTOOPT, WSAEOPNOTSUPP),
	ROW(EOPNOTSUPP, WSAEOPNOTSUPP),
	ROW(EPROTONOSUPPORT, WSAEOPNOTSUPP),
	ROW(EAFNOSUPPORT, WSAEOPNOTSUPP),
	ROW(ESOCKTNOSUPPORT, WSAEOPNOTSUPP),
	/* a hand-off from a socket that is not TCP or UDP, as step 6 says for s */
	ROW(EPROTOTYPE, WSAEOPNOTSUPP),
	ROW(ENOTCONN, WSAENOTCONN),
	/* not redirected / no context: what WFPSampler tests for */
	ROW(ENOENT, FWP_E_NOT_FOUND),
	ROW(ENODATA, FWP_E_NOT_FOUND),
	ROW(ENETDOWN, WSAENETDOWN),
	ROW(ENETUNREACH, WSAENETDOWN),
	ROW(EINTR, WSAEINTR),
	ROW(EINPROGRESS, WSAEINPROGRESS),
	ROW(EALREADY, WSAEINPROGRESS),
	ROW(EAGAIN, WSAEWOULDBLOCK),
	ROW(ENOMEM, WSAENOBUFS),
	ROW(ENOBUFS, WSAENOBUFS),
	ROW(ENOSPC, WSAENOBUFS),
	ROW(EMFILE, WSAEMFILE),
	ROW(ENFILE, WSAEMFILE),
};

const size_t wfpredir__errno_map_len = sizeof(wfpredir__errno_map) / sizeof(wfpredir__errno_map[0]);

int wfpredir__errno_lookup(const struct wfpredir_errno_map *map, size_t len, int err)
{
	if (err == 0)
		return 0;
	if (err == INT_MIN)
		return WSAEINVAL;
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < len; i++)
		if (map[i].err == err)
			return map[i].wsa;
	return WSAEINVAL;
}

int wfpredir_wsa_error_from_errno(int err)
{
	return wfpredir__errno_lookup(wfpredir__errno_map, wfpredir__errno_map_len, err);
}

/* clang-format off */
#define NAME(code) { code, #code }
/* clang-format on */

static const struct {
	int code;
	const char *name;
} wsa_names[] = {
	NAME(WSAEINTR),
	NAME(WSAEBADF),
	NAME(WSAEACCES),
	NAME(WSAEFAULT),
	NAME(WSAEINVAL),
	NAME(WSAEMFILE),
	NAME(WSAEWOULDBLOCK),
	NAME(WSAEINPROGRESS),
	NAME(WSAEALREADY),
	NAME(WSAENOTSOCK),
	NAME(WSAEMSGSIZE),
	NAME(WSAENOPROTOOPT),
	NAME(WSAEPROTONOSUPPORT),
	NAME(WSAEOPNOTSUPP),
	NAME(WSAEAFNOSUPPORT),
	NAME(WSAENETDOWN),
	NAME(WSAECONNRESET),
	NAME(WSAENOBUFS),
	NAME(WSAEISCONN),
	NAME(WSAENOTCONN),
	NAME(WSA_INVALID_HANDLE),
	NAME(WSA_NOT_ENOUGH_MEMORY),
	NAME(WSA_INVALID_PARAMETER),
	NAME(ERROR_INSUFFICIENT_BUFFER),
	NAME(WSA_OPERATION_ABORTED),
	NAME(WSA_IO_INCOMPLETE),
	NAME(WSA_IO_PENDING),
	NAME(FWP_E_NOT_FOUND),
};

const char *wfpredir_wsa_error_name(int wsa)
{
	size_t i;

	for (i = 0; i < sizeof(wsa_names) / sizeof(wsa_names[0]); i++)
		if (wsa_names[i].code == wsa)
			return wsa_names[i].name;
	return NULL;
}
