/* SPDX-License-Identifier: MIT */
/*
 * libwfpredir: the Windows WFP connection-redirect ioctls on Linux.
 *
 * A Windows redirect service ports by including this header instead of
 * <winsock2.h>/<mstcpip.h> for these calls and recompiling. WSAIoctl() keeps
 * the Windows semantics documented in Documentation/wsa-errors.rst; the
 * native wfpredir_*() calls are the same operations in Linux style (0 or
 * -errno, never touching the WSA last error); the wfpredir_ctl_*() calls
 * talk to the module's generic netlink family.
 *
 * Porting notes
 *
 *  - A SOCKET is a Linux file descriptor (an int), as returned by socket()
 *    and accept(). INVALID_SOCKET is -1, which is what those return on
 *    failure, so `s == INVALID_SOCKET` checks keep working.
 *  - Windows type widths are kept: DWORD and ULONG are 32 bits (ULONG is not
 *    `unsigned long`, which has 64 bits on LP64 Linux), ULONG_PTR and the
 *    handle types are pointer-sized, so WSAOVERLAPPED has its Windows x64
 *    layout.
 *  - IP_WFP_REDIRECT_RECORDS/CONTEXT and the IPV6_ names carry their Windows
 *    values for source compatibility only. Do not pass them to Linux
 *    getsockopt()/setsockopt(): on SOL_IPV6, 60 is IPV6_RECVPATHMTU and 70 is
 *    IPV6_AUTOFLOWLABEL. The Linux options are WFPREDIR_SO_* from
 *    <linux/wfpredir.h>, which the native calls below use.
 *  - Every socket is non-overlapped in this version: WSAIoctl() completes
 *    every call before it returns and ignores lpOverlapped and
 *    lpCompletionRoutine, as Windows does for a socket created without the
 *    overlapped attribute.
 *
 * Thread safety: every function may be called from any thread. The WSA last
 * error is per thread. A struct wfpredir_ctl must not be used by two threads
 * at once.
 */
#ifndef WFPREDIR_H
#define WFPREDIR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/wfpredir.h>

#ifdef __cplusplus
extern "C" {
#define WFPREDIR_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#else
#define WFPREDIR_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#endif

/* ------------------------------------------------------------------ types */

typedef int SOCKET; /* a file descriptor */
typedef uint32_t DWORD;
typedef uint32_t ULONG;
typedef uintptr_t ULONG_PTR;
typedef int INT;
typedef int BOOL;
typedef void *LPVOID;
typedef DWORD *LPDWORD;
typedef INT *LPINT;
typedef void *HANDLE;
typedef HANDLE WSAEVENT;

/* Windows OVERLAPPED layout; unused by this version (see WSAIoctl()). */
typedef struct _WSAOVERLAPPED {
	ULONG_PTR Internal;
	ULONG_PTR InternalHigh;
	DWORD Offset;
	DWORD OffsetHigh;
	WSAEVENT hEvent;
} WSAOVERLAPPED, *LPWSAOVERLAPPED;

typedef void (*LPWSAOVERLAPPED_COMPLETION_ROUTINE)(DWORD dwError, DWORD cbTransferred,
						   LPWSAOVERLAPPED lpOverlapped, DWORD dwFlags);

/* For WSPIoctl() ports; nothing here takes one yet. */
typedef struct _WSATHREADID {
	HANDLE ThreadHandle;
	ULONG_PTR Reserved;
} WSATHREADID, *LPWSATHREADID;

#define SOCKET_ERROR (-1)
#define INVALID_SOCKET ((SOCKET)-1)

/* ------------------------------------------------------- ioctl codes */

/* As winsock.h and winsock2.h define them. */
#define IOCPARM_MASK 0x7f
#define IOC_VOID 0x20000000
#define IOC_OUT 0x40000000
#define IOC_IN 0x80000000
#define IOC_INOUT (IOC_IN | IOC_OUT)

#define IOC_UNIX 0x00000000
#define IOC_WS2 0x08000000
#define IOC_PROTOCOL 0x10000000
#define IOC_VENDOR 0x18000000

#define _WSAIO(x, y) (IOC_VOID | (x) | (y))
#define _WSAIOR(x, y) (IOC_OUT | (x) | (y))
#define _WSAIOW(x, y) (IOC_IN | (x) | (y))
#define _WSAIORW(x, y) (IOC_INOUT | (x) | (y))

#define SIO_FLUSH _WSAIO(IOC_WS2, 4)
/* All three are _WSAIOW on Windows, so IOC_IN is set on the queries too. */
#define SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS _WSAIOW(IOC_VENDOR, 220)
#define SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT _WSAIOW(IOC_VENDOR, 221)
#define SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS _WSAIOW(IOC_VENDOR, 222)

WFPREDIR_STATIC_ASSERT(SIO_FLUSH == 0x28000004, "SIO_FLUSH");
WFPREDIR_STATIC_ASSERT(SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS == 0x980000DC,
		       "SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS");
WFPREDIR_STATIC_ASSERT(SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT == 0x980000DD,
		       "SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT");
WFPREDIR_STATIC_ASSERT(SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS == 0x980000DE,
		       "SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS");

/* Windows socket option numbers: source compatibility only (see above). */
#ifndef IP_WFP_REDIRECT_RECORDS
#define IP_WFP_REDIRECT_RECORDS 60
#endif
#ifndef IP_WFP_REDIRECT_CONTEXT
#define IP_WFP_REDIRECT_CONTEXT 70
#endif
#ifndef IPV6_WFP_REDIRECT_RECORDS
#define IPV6_WFP_REDIRECT_RECORDS 60
#endif
#ifndef IPV6_WFP_REDIRECT_CONTEXT
#define IPV6_WFP_REDIRECT_CONTEXT 70
#endif

/* ------------------------------------------------------- error codes */

#define WSABASEERR 10000
#define WSAEINTR 10004
#define WSAEBADF 10009
#define WSAEACCES 10013
#define WSAEFAULT 10014
#define WSAEINVAL 10022
#define WSAEMFILE 10024
#define WSAEWOULDBLOCK 10035
#define WSAEINPROGRESS 10036
#define WSAEALREADY 10037
#define WSAENOTSOCK 10038
#define WSAEMSGSIZE 10040
#define WSAENOPROTOOPT 10042
#define WSAEPROTONOSUPPORT 10043
#define WSAEOPNOTSUPP 10045
#define WSAEAFNOSUPPORT 10047
#define WSAENETDOWN 10050
#define WSAECONNRESET 10054
#define WSAENOBUFS 10055
#define WSAEISCONN 10056
#define WSAENOTCONN 10057

#define WSA_INVALID_HANDLE 6
#define WSA_NOT_ENOUGH_MEMORY 8
#define WSA_INVALID_PARAMETER 87
#define ERROR_INSUFFICIENT_BUFFER 122
#define WSA_OPERATION_ABORTED 995
#define WSA_IO_INCOMPLETE 996
#define WSA_IO_PENDING 997

/* An HRESULT, so negative as an int; WSAGetLastError() returns it as is. */
#define FWP_E_NOT_FOUND ((int)0x80320008)

/* ------------------------------------------------------------ WSAIoctl */

/**
 * WSAIoctl() - the WFP redirect ioctls, with Windows semantics.
 * @s: the socket (a file descriptor).
 * @dwIoControlCode: SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
 *	SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT,
 *	SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS or SIO_FLUSH.
 * @lpvInBuffer: SET: the records blob. Ignored by the other codes.
 * @cbInBuffer: SET: size of the blob, not 0. Ignored by the other codes.
 * @lpvOutBuffer: QUERY: receives the records or context; NULL asks for the
 *	size only. Ignored by the other codes.
 * @cbOutBuffer: QUERY: size of @lpvOutBuffer (0 asks for the size only).
 *	SET: must be 0.
 * @lpcbBytesReturned: required; receives the byte count described below.
 * @lpOverlapped: ignored: every socket is non-overlapped in this version.
 * @lpCompletionRoutine: ignored, for the same reason; never called.
 *
 * Checks run in this order, and the first that fails decides the error:
 *
 *  1. @lpcbBytesReturned NULL or not writable: WSAEFAULT. It is written
 *     through a fault-safe store, so a bad pointer never raises SIGSEGV;
 *     from here on it holds 0 unless a step below says otherwise.
 *  2. @s not an open socket (closed, negative, a pipe, a file): WSAENOTSOCK.
 *  3. @dwIoControlCode not one of the four codes: WSAEINVAL.
 *  4. SIO_FLUSH: succeeds with 0 bytes (no operation can be pending).
 *  5. Parameters. SET: @cbOutBuffer != 0 or @cbInBuffer == 0: WSAEINVAL;
 *     @lpvInBuffer NULL or not readable for @cbInBuffer bytes: WSAEFAULT.
 *     QUERY: @lpvOutBuffer not writable for @cbOutBuffer bytes: WSAEFAULT.
 *     Buffers are probed fault-safely, page by page, before the kernel sees
 *     them (as Windows probes them), and the kernel's own EFAULT maps to
 *     WSAEFAULT as well.
 *  6. @s not an AF_INET or AF_INET6 socket: WSAEOPNOTSUPP.
 *  7. The kernel's answer, through wfpredir_wsa_error_from_errno(). Without
 *     the wfpredir module that is ENOPROTOOPT, hence WSAEOPNOTSUPP; a socket
 *     whose connection was not redirected gives FWP_E_NOT_FOUND.
 *
 * Success returns 0 and leaves the last error alone. SET sets
 * *@lpcbBytesReturned to @cbInBuffer (bytes consumed: Windows never reports
 * 0 for a successful non-overlapped call); QUERY sets it to the bytes
 * written, which is more than 0.
 *
 * QUERY with an output buffer too small for the data (a size probe with
 * @cbOutBuffer 0 or @lpvOutBuffer NULL included) fails with WSAEFAULT and
 * sets *@lpcbBytesReturned to the size needed: callers that read the size
 * and callers that retry with a bigger buffer on WSAEFAULT both work.
 *
 * Return: 0, or SOCKET_ERROR with the reason in WSAGetLastError().
 */
int WSAIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
	     LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
	     LPWSAOVERLAPPED lpOverlapped, LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);

/**
 * WSPIoctl() - the service-provider entry point of the same ioctls.
 * @s: as for WSAIoctl().
 * @dwIoControlCode: as for WSAIoctl().
 * @lpvInBuffer: as for WSAIoctl().
 * @cbInBuffer: as for WSAIoctl().
 * @lpvOutBuffer: as for WSAIoctl().
 * @cbOutBuffer: as for WSAIoctl().
 * @lpcbBytesReturned: as for WSAIoctl().
 * @lpOverlapped: ignored, as for WSAIoctl().
 * @lpCompletionRoutine: ignored, as for WSAIoctl().
 * @lpThreadId: the thread an overlapped completion would be queued to;
 *	ignored, since every socket is non-overlapped in this version.
 * @lpErrno: required; receives the WSA error of a failing call (0 first).
 *
 * Behaves exactly as WSAIoctl(), step for step, except where the error goes:
 * into *@lpErrno, never into the thread's last error, which WSPIoctl() leaves
 * alone (a provider reports through lpErrno; ws2_32 sets the last error).
 * @lpErrno NULL or not writable: returns SOCKET_ERROR and does nothing, as
 * there is nowhere to say why.
 *
 * Return: 0, or SOCKET_ERROR with the reason in *@lpErrno.
 */
int WSPIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
	     LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
	     LPWSAOVERLAPPED lpOverlapped, LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
	     LPWSATHREADID lpThreadId, LPINT lpErrno);

/**
 * WSAGetLastError() - the calling thread's last WSA error.
 *
 * Return: the code the last failing WSAIoctl() (or WSASetLastError()) left
 * in this thread; 0 in a thread that has seen neither.
 */
int WSAGetLastError(void);

/**
 * WSASetLastError() - set the calling thread's last WSA error.
 * @iError: the value WSAGetLastError() returns next in this thread.
 */
void WSASetLastError(int iError);

/* ------------------------------------------------------- native calls */

/*
 * The native calls take the socket option level from the socket's family:
 * SOL_IP for AF_INET, SOL_IPV6 for AF_INET6. They return 0 or a negative
 * errno and never touch the WSA last error. Common errors: -EBADF (fd not
 * open), -ENOTSOCK (fd not a socket), -EOPNOTSUPP (neither AF_INET nor
 * AF_INET6, or not TCP/UDP), -ENOPROTOOPT (the wfpredir module is not
 * loaded); the rest are the kernel's, listed in <linux/wfpredir.h>.
 * Pointers go to the kernel unchecked, which returns -EFAULT for bad ones.
 */

/**
 * wfpredir_set_records() - attach records to a socket before it connects.
 * @fd: a TCP or UDP socket that has not connected.
 * @records: the blob read from an accepted socket.
 * @len: its size; more than INT_MAX gives -EINVAL.
 *
 * Return: 0 or -errno (see WFPREDIR_SO_SET_RECORDS).
 */
int wfpredir_set_records(int fd, const void *records, size_t len);

/**
 * wfpredir_query_records() - read the records of a redirected connection.
 * @fd: the connected (accepted) socket.
 * @buf: receives the records; NULL asks for the size only.
 * @len: in: size of @buf (read as at most INT_MAX); out: see below.
 *
 * Return: 0 with *@len the bytes written; -ENOBUFS with *@len the size
 * needed when @buf is NULL or too small; -EFAULT when @len is NULL; another
 * -errno with *@len unchanged.
 */
int wfpredir_query_records(int fd, void *buf, size_t *len);

/**
 * wfpredir_query_context() - read the redirect context of a connection.
 * @fd: the connected (accepted) socket.
 * @buf: receives the context; NULL asks for the size only.
 * @len: as for wfpredir_query_records().
 *
 * Return: as wfpredir_query_records(); -ENODATA when the connection was
 * redirected but carries no context for this socket.
 */
int wfpredir_query_context(int fd, void *buf, size_t *len);

/**
 * wfpredir_wsa_error_from_errno() - the errno to WSA error table.
 * @err: an errno, positive or negative.
 *
 * The one table WSAIoctl() uses; Documentation/wsa-errors.rst lists it.
 *
 * Return: 0 for 0, the mapped code, or WSAEINVAL for an errno not listed.
 */
int wfpredir_wsa_error_from_errno(int err);

/**
 * wfpredir_wsa_error_name() - name of an error code this header defines.
 * @wsa: a WSA*, WSA_*, ERROR_* or FWP_E_* value.
 *
 * Return: a static string such as "WSAEFAULT", or NULL for any other value.
 */
const char *wfpredir_wsa_error_name(int wsa);

/* ------------------------------------------------------ control (genl) */

/* What WFPREDIR_CMD_GET_INFO reports; every field is always filled. */
struct wfpredir_info {
	char version[64];	  /* module version, NUL-terminated */
	uint32_t so_base;	  /* WFPREDIR_SO_BASE of the module */
	uint32_t records_version; /* record format version */
	uint32_t records_max_len; /* longest records blob */
	uint32_t sockets;	  /* sockets holding records in this netns */
	uint32_t sockets_max;	  /* limit per network namespace */
};

struct wfpredir_ctl;

/**
 * wfpredir_ctl_open() - connect to the wfpredir generic netlink family.
 * @err: if not NULL, receives 0 or the -errno of the failure.
 *
 * Errors: -EOPNOTSUPP when the family does not exist (the module is not
 * loaded, as with -ENOPROTOOPT from the socket options); -ENOMEM; other
 * netlink failures mapped to the nearest errno.
 *
 * Return: a handle for wfpredir_ctl_close(), or NULL.
 */
struct wfpredir_ctl *wfpredir_ctl_open(int *err);

/**
 * wfpredir_ctl_close() - close a handle from wfpredir_ctl_open().
 * @ctl: the handle; NULL does nothing.
 */
void wfpredir_ctl_close(struct wfpredir_ctl *ctl);

/**
 * wfpredir_ctl_get_info() - ask the module about itself (no privilege).
 * @ctl: an open handle.
 * @out: receives the answer; untouched on failure.
 *
 * Return: 0; -EINVAL for a NULL argument; -EPROTO when the reply lacks an
 * attribute or has one malformed (a version string longer than
 * sizeof(out->version) - 1 included); or the kernel's -errno.
 */
int wfpredir_ctl_get_info(struct wfpredir_ctl *ctl, struct wfpredir_info *out);

#ifdef __cplusplus
}
#endif

#endif /* WFPREDIR_H */
