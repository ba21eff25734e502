// SPDX-License-Identifier: MIT
/*
 * Winsock basics for ports (<wfpredir/winsock.h>): WSAStartup() and
 * WSACleanup(), WSAConnect() and WSAAccept(), and the errno -> Winsock table
 * of the socket calls.
 *
 * Layer (overlapped.c has the map): the top; WSAAccept() calls down into
 * wsasocket.c's registry, nothing calls up into here.
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#pragma GCC visibility push(default)
#include <wfpredir/winsock.h>
#pragma GCC visibility pop

/*
 * Outstanding WSAStartup() calls. Windows counts them per process, and
 * WSACleanup() without one fails; that is the reason for this global.
 */
static atomic_int wsa_startups;

/* clang-format off */
#define ROW(e, wsa) { e, wsa, #e }
/* clang-format on */

static const struct wfpredir_errno_map winsock_errno_map[] = {
	ROW(EINTR, WSAEINTR),
	ROW(EBADF, WSAENOTSOCK),
	ROW(EACCES, WSAEACCES),
	ROW(EPERM, WSAEACCES),
	ROW(EFAULT, WSAEFAULT),
	ROW(EINVAL, WSAEINVAL),
	ROW(EMFILE, WSAEMFILE),
	ROW(ENFILE, WSAEMFILE),
	ROW(EAGAIN, WSAEWOULDBLOCK),
	ROW(EINPROGRESS, WSAEWOULDBLOCK), /* a non-blocking connect() on Windows */
	ROW(EALREADY, WSAEALREADY),
	ROW(ENOTSOCK, WSAENOTSOCK),
	ROW(EDESTADDRREQ, WSAEDESTADDRREQ),
	ROW(EMSGSIZE, WSAEMSGSIZE),
	ROW(EPROTOTYPE, WSAEPROTOTYPE),
	ROW(ENOPROTOOPT, WSAENOPROTOOPT),
	ROW(EPROTONOSUPPORT, WSAEPROTONOSUPPORT),
	ROW(ESOCKTNOSUPPORT, WSAESOCKTNOSUPPORT),
	ROW(EOPNOTSUPP, WSAEOPNOTSUPP),
	ROW(EPFNOSUPPORT, WSAEPFNOSUPPORT),
	ROW(EAFNOSUPPORT, WSAEAFNOSUPPORT),
	ROW(EADDRINUSE, WSAEADDRINUSE),
	ROW(EADDRNOTAVAIL, WSAEADDRNOTAVAIL),
	ROW(ENETDOWN, WSAENETDOWN),
	ROW(ENETUNREACH, WSAENETUNREACH),
	ROW(ENETRESET, WSAENETRESET),
	ROW(ECONNABORTED, WSAECONNABORTED),
	ROW(ECONNRESET, WSAECONNRESET),
	ROW(EPIPE, WSAESHUTDOWN),
	ROW(ENOBUFS, WSAENOBUFS),
	ROW(ENOMEM, WSAENOBUFS),
	ROW(EISCONN, WSAEISCONN),
	ROW(ENOTCONN, WSAENOTCONN),
	ROW(ESHUTDOWN, WSAESHUTDOWN),
	ROW(ETIMEDOUT, WSAETIMEDOUT),
	ROW(ECONNREFUSED, WSAECONNREFUSED),
	ROW(EHOSTDOWN, WSAEHOSTDOWN),
	ROW(EHOSTUNREACH, WSAEHOSTUNREACH),
};

int wfpredir_winsock_error_from_errno(int err)
{
	return wfpredir__errno_lookup(
		winsock_errno_map, sizeof(winsock_errno_map) / sizeof(winsock_errno_map[0]), err);
}

static void ignore_default_sigpipe(void)
{
	struct sigaction old, ign;

	if (sigaction(SIGPIPE, NULL, &old) != 0 || old.sa_handler != SIG_DFL ||
	    (old.sa_flags & SA_SIGINFO))
		return;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, NULL);
}

int WSAStartup(WORD wVersionRequested, LPWSADATA lpWSAData)
{
	BYTE major = LOBYTE(wVersionRequested), minor = HIBYTE(wVersionRequested);

	if (!lpWSAData)
		return WSAEFAULT;
	memset(lpWSAData, 0, sizeof(*lpWSAData));
	lpWSAData->wHighVersion = MAKEWORD(2, 2);
	if (major > 2 || (major == 2 && minor > 2))
		lpWSAData->wVersion = MAKEWORD(2, 2);
	else
		lpWSAData->wVersion = wVersionRequested;
	lpWSAData->iMaxSockets = 0; /* unused since Winsock 2 */
	lpWSAData->iMaxUdpDg = 0;
	snprintf(lpWSAData->szDescription, sizeof(lpWSAData->szDescription),
		 "libwfpredir Winsock basics");
	snprintf(lpWSAData->szSystemStatus, sizeof(lpWSAData->szSystemStatus), "Running");
	if (major < 1)
		return WSAVERNOTSUPPORTED;
	if (atomic_fetch_add(&wsa_startups, 1) == 0)
		ignore_default_sigpipe();
	return 0;
}

int WSACleanup(void)
{
	int n = atomic_load(&wsa_startups);

	do {
		if (n <= 0) {
			WSASetLastError(WSANOTINITIALISED);
			return SOCKET_ERROR;
		}
	} while (!atomic_compare_exchange_weak(&wsa_startups, &n, n - 1));
	return 0;
}

int WSAConnect(SOCKET s, const struct sockaddr *name, int namelen,
	       const struct _WSABUF *lpCallerData, const struct _WSABUF *lpCalleeData,
	       const struct _QualityOfService *lpSQOS, const struct _QualityOfService *lpGQOS)
{
	if (lpCallerData || lpCalleeData || lpSQOS || lpGQOS) {
		WSASetLastError(WSAEOPNOTSUPP);
		return SOCKET_ERROR;
	}
	if (namelen < 0) {
		WSASetLastError(WSAEFAULT);
		return SOCKET_ERROR;
	}
	if (connect(s, name, (socklen_t)namelen) != 0) {
		WSASetLastError(wfpredir_winsock_error_from_errno(errno));
		return SOCKET_ERROR;
	}
	return 0;
}

SOCKET WSAAccept(SOCKET s, struct sockaddr *addr, LPINT addrlen, LPCONDITIONPROC lpfnCondition,
		 DWORD_PTR dwCallbackData)
{
	socklen_t len = 0;
	SOCKET c;

	(void)dwCallbackData;
	if (lpfnCondition) {
		WSASetLastError(WSAEOPNOTSUPP);
		return INVALID_SOCKET;
	}
	if (addr && (!addrlen || *addrlen < 0)) {
		WSASetLastError(WSAEFAULT);
		return INVALID_SOCKET;
	}
	if (addr)
		len = (socklen_t)*addrlen;
	c = accept4(s, addr, addr ? &len : NULL, SOCK_CLOEXEC);
	if (c < 0) {
		WSASetLastError(wfpredir_winsock_error_from_errno(errno));
		return INVALID_SOCKET;
	}
	if (addr)
		*addrlen = (int)len;
	/* As on Windows, the accepted socket has the listener's attributes. */
	wfpredir__socket_inherit(s, c);
	return c;
}
