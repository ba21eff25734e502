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
 *  - Only sockets made by WSASocket() with WSA_FLAG_OVERLAPPED are
 *    overlapped (socket() and accept() sockets are not, unlike Windows'
 *    socket()); for the others WSAIoctl() completes every call before it
 *    returns and ignores lpOverlapped and lpCompletionRoutine, as Windows
 *    does for a socket created without the overlapped attribute. Close
 *    overlapped sockets with closesocket(). Documentation/overlapped.rst.
 *
 * Thread safety: every function may be called from any thread. The WSA last
 * error is per thread. A struct wfpredir_ctl must not be used by two threads
 * at once.
 */
#ifndef WFPREDIR_H
#define WFPREDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>
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

/* Windows OVERLAPPED layout. Internal: STATUS_PENDING while the operation
 * pends, then its NTSTATUS; InternalHigh: its byte count; hEvent: signalled
 * on completion unless a completion routine is given (then the caller's). */
typedef struct _WSAOVERLAPPED {
	ULONG_PTR Internal;
	ULONG_PTR InternalHigh;
	DWORD Offset;
	DWORD OffsetHigh;
	WSAEVENT hEvent;
} WSAOVERLAPPED, *LPWSAOVERLAPPED;

typedef void (*LPWSAOVERLAPPED_COMPLETION_ROUTINE)(DWORD dwError, DWORD cbTransferred,
						   LPWSAOVERLAPPED lpOverlapped, DWORD dwFlags);

/* A thread for WSPIoctl() completion routines, from WPUOpenCurrentThread(). */
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
/*
 * libwfpredir's own code, not Windows': records and context in one call,
 * laid out as WFPREDIR_SO_GET_REDIRECT answers (struct wfpredir_redirect,
 * records, context). A QUERY in every respect below.
 */
#define SIO_QUERY_WFPREDIR_REDIRECT _WSAIOW(IOC_VENDOR, 0x5750)
/*
 * libwfpredir's own too: a proxy's query and set in one call, the hand-off
 * (WFPREDIR_SO_HANDOFF). On the onward socket, not connected yet:
 * lpvInBuffer points to the accepted SOCKET (cbInBuffer sizeof(SOCKET));
 * lpvOutBuffer receives what SIO_QUERY_WFPREDIR_REDIRECT on that socket
 * answers, and the onward socket gets the records the answer holds. Input
 * and output: _WSAIORW, unlike the Windows codes above.
 */
#define SIO_WFPREDIR_HANDOFF _WSAIORW(IOC_VENDOR, 0x5751)

WFPREDIR_STATIC_ASSERT(SIO_FLUSH == 0x28000004, "SIO_FLUSH");
WFPREDIR_STATIC_ASSERT(SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS == 0x980000DC,
		       "SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS");
WFPREDIR_STATIC_ASSERT(SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT == 0x980000DD,
		       "SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT");
WFPREDIR_STATIC_ASSERT(SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS == 0x980000DE,
		       "SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS");
WFPREDIR_STATIC_ASSERT(SIO_QUERY_WFPREDIR_REDIRECT == 0x98005750, "SIO_QUERY_WFPREDIR_REDIRECT");
WFPREDIR_STATIC_ASSERT(SIO_WFPREDIR_HANDOFF == 0xD8005751, "SIO_WFPREDIR_HANDOFF");

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
 *	SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, SIO_FLUSH,
 *	SIO_QUERY_WFPREDIR_REDIRECT (libwfpredir's own: records and context
 *	in one call, a QUERY like the other two), or SIO_WFPREDIR_HANDOFF
 *	(libwfpredir's own: the combined query of another socket and the SET
 *	of its records on @s in one call, the HANDOFF below).
 * @lpvInBuffer: SET: the records blob. HANDOFF: the accepted SOCKET.
 *	Ignored by the other codes.
 * @cbInBuffer: SET: size of the blob, not 0. HANDOFF: sizeof(SOCKET).
 *	Ignored by the other codes.
 * @lpvOutBuffer: QUERY: receives the records or context; NULL asks for the
 *	size only. HANDOFF: as SIO_QUERY_WFPREDIR_REDIRECT's. Ignored by the
 *	other codes.
 * @cbOutBuffer: QUERY, HANDOFF: size of @lpvOutBuffer (0 asks for the size
 *	only). SET: must be 0.
 * @lpcbBytesReturned: required; receives the byte count described below.
 * @lpOverlapped: NULL, or on an overlapped socket (WSASocket() with
 *	WSA_FLAG_OVERLAPPED) makes the call overlapped; ignored for other
 *	sockets. See "Overlapped calls" below.
 * @lpCompletionRoutine: with @lpOverlapped on an overlapped socket: queued
 *	to the calling thread on completion, run in its next alertable wait
 *	(SleepEx(), WSAWaitForMultipleEvents()); else ignored.
 *
 * Checks run in this order, and the first that fails decides the error:
 *
 *  1. @lpcbBytesReturned NULL or not writable: WSAEFAULT. It is written
 *     through a fault-safe store, so a bad pointer never raises SIGSEGV;
 *     from here on it holds 0 unless a step below says otherwise.
 *  2. @s not an open socket (closed, negative, a pipe, a file): WSAENOTSOCK.
 *  3. @dwIoControlCode not one of the six codes: WSAEINVAL.
 *  4. SIO_FLUSH: aborts every overlapped operation pending on @s (each
 *     completes with WSA_OPERATION_ABORTED) and succeeds with 0 bytes.
 *  5. Parameters. SET: @cbOutBuffer != 0 or @cbInBuffer == 0: WSAEINVAL;
 *     @lpvInBuffer NULL or not readable for @cbInBuffer bytes: WSAEFAULT.
 *     QUERY: @lpvOutBuffer not writable for @cbOutBuffer bytes: WSAEFAULT.
 *     HANDOFF: @cbInBuffer not sizeof(SOCKET): WSAEINVAL; @lpvInBuffer NULL
 *     or not readable: WSAEFAULT; then @lpvOutBuffer as for a QUERY.
 *     Buffers are checked fault-safely, page by page, as Windows probes
 *     them, and the kernel's own EFAULT maps to WSAEFAULT as well.
 *     A non-overlapped SET or QUERY is first tried at the kernel's cost:
 *     the kernel call at once, the pages it did not write probed after it
 *     succeeds (a HANDOFF: before the kernel call); any failure runs these
 *     steps from the start, so every error is the one this order gives.
 *     What differs: a QUERY whose @lpcbBytesReturned turns out not
 *     writable fails with WSAEFAULT having filled @lpvOutBuffer.
 *  6. @s not an AF_INET or AF_INET6 socket: WSAEOPNOTSUPP.
 *  7. The kernel's answer, through wfpredir_wsa_error_from_errno(). Without
 *     the wfpredir module that is ENOPROTOOPT, hence WSAEOPNOTSUPP; a socket
 *     whose connection was not redirected gives FWP_E_NOT_FOUND.
 *
 * A query of an unconnected UDP socket with no datagram to answer for would
 * pend: a blocking socket waits for one (a signal: WSAEINTR), a
 * non-blocking one fails with WSAEWOULDBLOCK.
 *
 * HANDOFF (SIO_WFPREDIR_HANDOFF) on the onward socket @s, not connected
 * yet, with the accepted socket in *@lpvInBuffer: one kernel call
 * (WFPREDIR_SO_HANDOFF) gives @s the records of the accepted socket's
 * connection, as a SET of what SIO_QUERY_WFPREDIR_REDIRECT on it returns
 * would, and returns that answer in @lpvOutBuffer: on success, exactly the
 * bytes and count that query gives. Its errors are the QUERY's for the
 * accepted socket and the SET's for @s, in the kernel's order
 * (<linux/wfpredir.h>): the accepted socket not open or not a socket,
 * WSAENOTSOCK; not TCP or UDP, WSAEOPNOTSUPP; of another network
 * namespace, WSAEINVAL; not connected, WSAENOTCONN; not redirected,
 * FWP_E_NOT_FOUND; @s connected, connecting or listening, WSAEINVAL; no
 * CAP_NET_ADMIN, WSAEACCES. A buffer too small fails as a QUERY's does
 * (WSAEFAULT, the size needed). A call that fails hands nothing on, and if
 * *@lpcbBytesReturned cannot be stored after the kernel handed the records
 * on, they are taken back (WFPREDIR_SO_CLEAR_RECORDS) before WSAEFAULT.
 * With no datagram to answer for, a non-overlapped call waits as the query
 * of the accepted socket would (by that socket's blocking mode); an
 * overlapped one never pends (the operation is @s's, which has nothing to
 * wait for) and fails with WSAEWOULDBLOCK. With a module older than the
 * option, the query and the SET (their errors in that order).
 *
 * Overlapped calls: a call that completes at once returns 0 and sets
 * *@lpcbBytesReturned, and still signals @lpOverlapped->hEvent (or queues
 * the routine); a query that would pend returns SOCKET_ERROR with
 * WSA_IO_PENDING, leaves *@lpcbBytesReturned alone, and completes when the
 * socket turns readable (WSAGetOverlappedResult() then has the count); any
 * other error indicates no completion. A non-NULL hEvent that is not an
 * event gives WSA_INVALID_HANDLE; @lpOverlapped not writable, WSAEFAULT.
 *
 * Success returns 0 and leaves the last error alone. SET sets
 * *@lpcbBytesReturned to @cbInBuffer (bytes consumed: Windows never reports
 * 0 for a successful non-overlapped call); QUERY and HANDOFF set it to the
 * bytes written, which is more than 0.
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
 * @lpOverlapped: as for WSAIoctl().
 * @lpCompletionRoutine: as for WSAIoctl(), but queued to @lpThreadId.
 * @lpThreadId: the thread (from WPUOpenCurrentThread()) a completion
 *	routine is queued to. Read only for an overlapped call with a routine,
 *	and copied: it may be freed as soon as the call returns. NULL or not
 *	readable then: WSAEFAULT; naming no open, live thread: WSAEINVAL.
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
 * struct wfpredir_redirect_info - where wfpredir_query_redirect() put things.
 * @records: the records, inside the caller's buffer.
 * @records_len: their length.
 * @context: the context, inside the caller's buffer; NULL when the
 *	connection carries records but no context.
 * @context_len: its length; 0 with @context NULL.
 * @flags: WFPREDIR_REDIRECT_F_* of <linux/wfpredir.h> (0 from a module
 *	older than WFPREDIR_SO_GET_REDIRECT).
 */
struct wfpredir_redirect_info {
	const uint8_t *records;
	size_t records_len;
	const uint8_t *context;
	size_t context_len;
	uint32_t flags;
};

/**
 * wfpredir_query_redirect() - the records and the context in one call.
 * @fd: the connected (accepted) socket.
 * @buf: receives both; NULL asks for the size only. Its layout is the
 *	module's (a header, the records, the context): read them through @out.
 * @len: in: size of @buf (WFPREDIR_REDIRECT_MAX_LEN is always enough); out:
 *	the bytes used, or the size needed.
 * @out: filled on success, pointing into @buf.
 *
 * One socket option call (WFPREDIR_SO_GET_REDIRECT), where reading both
 * otherwise takes two; with a module older than that option, the two
 * queries, through the same buffer. A connection with records but no
 * context succeeds with @out->context NULL (wfpredir_query_context() gives
 * -ENODATA there).
 *
 * Return: 0; -ENOBUFS with *@len the size needed when @buf is NULL or too
 * small; -EFAULT when @len or @out is NULL, or @buf is not writable;
 * -EPROTO for an answer the library cannot parse; otherwise the errors of
 * wfpredir_query_records(), with *@len unchanged.
 */
int wfpredir_query_redirect(int fd, void *buf, size_t *len, struct wfpredir_redirect_info *out);

/**
 * wfpredir_handoff() - hand an accepted connection's records on, in one call.
 * @onward_fd: the proxy's onward TCP or UDP socket, not connected yet, of
 *	the same network namespace as @accepted_fd.
 * @accepted_fd: the accepted (connected) socket whose connection carries
 *	the records.
 * @buf: receives what wfpredir_query_redirect() on @accepted_fd would (a
 *	header, the records, the context); NULL asks for the size only. The
 *	library writes the request into it before the kernel call, so it must
 *	be writable memory of *@len bytes: a bad @buf is not turned into
 *	-EFAULT, unlike with the queries.
 * @len: in: size of @buf (WFPREDIR_REDIRECT_MAX_LEN is always enough); out:
 *	the bytes used, or the size needed.
 * @out: filled on success, pointing into @buf, as by
 *	wfpredir_query_redirect(): the context tells where the connection was
 *	going, @out->records_len that it carried records.
 *
 * What a proxy does for each connection it forwards, wfpredir_query_redirect()
 * on @accepted_fd and wfpredir_set_records() on @onward_fd with the records
 * read, in one socket option call (WFPREDIR_SO_HANDOFF), which also spares
 * the kernel the authentication of records it has just read itself. The
 * onward socket keeps exactly the records that query and set would have
 * given it. Nothing is handed on when the call fails, nor when @buf is too
 * small (-ENOBUFS). With a module older than the option, the query and the
 * set, into the same buffer (their errors then come in that order).
 *
 * Return: 0; -ENOBUFS with *@len the size needed when @buf is NULL or too
 * small, nothing handed on; -EFAULT when @len or @out is NULL; -EPROTO for
 * an answer the library cannot parse (the records were handed on); otherwise
 * the errors of WFPREDIR_SO_HANDOFF in <linux/wfpredir.h> (those of
 * wfpredir_set_records() for @onward_fd, of wfpredir_query_redirect() for
 * @accepted_fd, and -EBADF, -ENOTSOCK, -EPROTOTYPE, -EXDEV for an
 * @accepted_fd that names no socket of @onward_fd's kind and namespace),
 * with *@len unchanged.
 */
int wfpredir_handoff(int onward_fd, int accepted_fd, void *buf, size_t *len,
		     struct wfpredir_redirect_info *out);

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

/* --------------------------------------------- records and context (decoding) */

/*
 * Decoding what a proxy reads from an accepted socket, for logs and tools.
 * Records are opaque to applications; nothing here is needed to hand them
 * on. The decoder checks their structure only: the tag is keyed by a secret
 * of the issuing network namespace, so user space cannot tell authentic
 * records from forged ones. Only the kernel can (WFPREDIR_SO_SET_RECORDS).
 */

/* One entry of a record chain, in host form. */
struct wfpredir_record_info {
	uint32_t service_id;		  /* redirect service that took the flow */
	uint32_t rule_id;		  /* rule that matched */
	uint8_t family;			  /* AF_INET or AF_INET6 */
	uint8_t protocol;		  /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t flags;			  /* WFPREDIR_RECORD_F_* */
	struct sockaddr_storage orig_src; /* sockaddr_in(6) of family, port set */
	struct sockaddr_storage orig_dst;
	uint64_t timestamp_ns; /* CLOCK_REALTIME of the redirect */
	uint32_t uid;	       /* originating socket's uid, init_user_ns */
	uint32_t pid;	       /* best effort, 0 when unknown */
	uint64_t cgroup_id;    /* originating socket's cgroup v2 id */
};

/**
 * wfpredir_records_decode() - check the structure of a record blob and decode it.
 * @buf: the blob, as read with WFPREDIR_SO_GET_RECORDS or WSAIoctl().
 * @len: its size.
 * @flow_id: if not NULL, receives the flow id of the chain.
 * @entries: receives the first @max_entries entries, oldest first; may be
 *	NULL when @max_entries is 0 (to count them).
 * @max_entries: room in @entries; WFPREDIR_RECORDS_MAX_ENTRIES always
 *	suffices.
 *
 * The checks are the kernel's, in its order, except the tag: @len within
 * [WFPREDIR_RECORDS_MIN_LEN, WFPREDIR_RECORDS_MAX_LEN], the magic, the
 * version, the header and entry lengths, the count and the length it implies,
 * each entry's reserved byte; and, which the kernel does not need to check
 * because it wrote them, each entry's family (AF_INET or AF_INET6). A blob
 * that passes is well formed, not necessarily authentic (see above).
 * Nothing is written on failure.
 *
 * Return: the number of entries in the blob (which may exceed @max_entries);
 * -EPROTO for a record format version other than WFPREDIR_RECORDS_VERSION;
 * -EINVAL for anything else that is wrong, a NULL @buf, or a NULL @entries
 * with @max_entries not 0.
 */
int wfpredir_records_decode(const void *buf, size_t len, uint64_t *flow_id,
			    struct wfpredir_record_info *entries, size_t max_entries);

/**
 * wfpredir_records_format() - describe a record chain on one line.
 * @buf: the blob.
 * @len: its size.
 * @out: receives the line, always NUL-terminated when @outlen is not 0;
 *	may be NULL when @outlen is 0.
 * @outlen: size of @out.
 *
 * The line names the flow and then each hop, oldest first, separated by
 * " | ":
 *
 *   flow 0x1234abcd: svc 1 (rule 10) tcp 10.0.0.1:40000->10.0.0.2:80 uid 0
 *   pid 123 | svc 2 (rule 20, inherited) tcp 10.0.0.1:40000->10.0.0.2:80
 *   uid 0 pid 0
 *
 * (one line; wrapped here). IPv6 addresses are bracketed, [2001:db8::1]:80.
 * Like snprintf(), a line longer than @outlen - 1 is cut short and the
 * return value tells the length it needed. A blob that does not decode
 * leaves @out empty.
 *
 * Return: the length of the whole line, without the NUL; or the -errno of
 * wfpredir_records_decode().
 */
int wfpredir_records_format(const void *buf, size_t len, char *out, size_t outlen);

/**
 * wfpredir_context_decode() - decode a context of the default layout.
 * @buf: the context, as read with WFPREDIR_SO_GET_CONTEXT or WSAIoctl().
 * @len: its size.
 * @dst: if not NULL, receives the original destination (sockaddr_in or
 *	sockaddr_in6, port included).
 * @src: if not NULL, receives the original source.
 * @proc: if not NULL, receives the originating process; comm is always
 *	NUL-terminated.
 *
 * The default layout is WFPREDIR_CONTEXT_DEFAULT_LEN bytes: destination and
 * source, each a 128-byte struct sockaddr_storage of one family, AF_INET or
 * AF_INET6, then struct wfpredir_context_process. A rule's custom context is
 * whatever bytes the administrator gave, so one of exactly that length and
 * shape would decode too; only the administrator can tell them apart.
 * Nothing is written on failure.
 *
 * Return: 0; -EINVAL when @buf is NULL or the context is not the default
 * layout (length, families).
 */
int wfpredir_context_decode(const void *buf, size_t len, struct sockaddr_storage *dst,
			    struct sockaddr_storage *src, struct wfpredir_context_process *proc);

/* ------------------------------------------------------ control (genl) */

/*
 * Every wfpredir_ctl_*() call returns 0 or a negative errno: the kernel's
 * own when it refused the request (then wfpredir_ctl_error() may say why),
 * -EINVAL for arguments the library cannot send, -EPROTO for a reply it
 * cannot parse, and netlink failures mapped to the nearest errno. Commands
 * that change state need CAP_NET_ADMIN over the caller's network namespace
 * (-EPERM). Objects are those of the caller's network namespace.
 */

/* What WFPREDIR_CMD_GET_INFO reports; every field is always filled. */
struct wfpredir_info {
	char version[64];	  /* module version, NUL-terminated */
	uint32_t so_base;	  /* WFPREDIR_SO_BASE of the module */
	uint32_t records_version; /* record format version */
	uint32_t records_max_len; /* longest records blob */
	uint32_t sockets;	  /* sockets holding records in this netns */
	uint32_t sockets_max;	  /* limit per network namespace */
	uint32_t flows;		  /* connections holding records */
	uint32_t flows_max;	  /* limit per network namespace */
	uint32_t services;	  /* redirect services */
	uint32_t rules;		  /* rules */
	uint32_t rules_max;	  /* limit per network namespace */
	uint32_t chain_max;	  /* configuration: see struct wfpredir_config */
	bool inherit;		  /* configuration: see struct wfpredir_config */
	uint64_t redirects;	  /* flows redirected */
	uint64_t chain_capped;	  /* flows left alone: their chain was full */
	uint64_t inherited;	  /* chains inherited */
	uint64_t table_full;	  /* connections refused: flow table full */
	uint64_t nomem;		  /* connections refused: out of memory */
	bool hook;		  /* the NAT hook is registered in this netns (0 from
				   * modules that do not say) */
	uint32_t flow_share;	  /* configuration: see struct wfpredir_config
				   * (0 from modules that do not say) */
	uint64_t evicted;	  /* flows evicted from a full flow table */
	uint64_t share_refused;	  /* connections refused: the uid held its
				   * share of the flow table */
	uint64_t events_lost;	  /* events a monitor of this netns missed
				   * (its receive buffer was full, or kernel
				   * memory short); 0 from modules that do
				   * not say */
};

/* A namespace's configuration; only the fields whose has_ flag is set are
 * changed. */
struct wfpredir_config {
	bool has_chain_max;
	uint32_t chain_max; /* 1..WFPREDIR_RECORDS_MAX_ENTRIES: a flow whose chain
			     * holds this many entries is not redirected again */
	bool has_inherit;
	bool inherit; /* link connections of record-dropping proxies to the
		       * connection they hold (WFPREDIR_RECORD_F_INHERITED) */
	bool has_flow_share;
	uint32_t flow_share; /* 1..100: most of the flow table one uid may hold,
			      * percent of max_flows */
};

/* A redirect service: a proxy's listen addresses (Windows' redirect handle). */
struct wfpredir_service {
	uint32_t id;			      /* 1..UINT32_MAX; add: 0 lets the kernel pick */
	char name[WFPREDIR_SERVICE_NAME_MAX]; /* 1..31 bytes, NUL-terminated, unique */
	bool has4;			      /* addr4 is set */
	struct sockaddr_in addr4;	      /* IPv4 listen address and port */
	bool has6;			      /* addr6 is set */
	struct sockaddr_in6 addr6;	      /* IPv6 listen address and port (no scope) */
	uint64_t redirects;		      /* listed only: flows redirected */
	uint64_t skipped;		      /* listed only: matched, chain held it */
	uint32_t rules;			      /* listed only: rules using it */
	/*
	 * The owner: only its sockets read the service's flows. Neither set:
	 * unowned, read only by sockets opened with CAP_NET_ADMIN.
	 */
	bool has_owner_uid;
	uint32_t owner_uid; /* in the caller's user namespace */
	bool has_owner_cgroup;
	char owner_cgroup[WFPREDIR_CGROUP_PATH_MAX]; /* cgroup v2 path, NUL-terminated */
};

/*
 * A rule: which new outbound flows go to which service. Each match whose
 * has_ flag is clear (or family/protocol 0) matches everything. Listings set
 * the has_ flags of the attributes the kernel reported.
 */
struct wfpredir_rule {
	uint32_t id;	     /* 1..UINT32_MAX; add: 0 lets the kernel pick */
	bool has_priority;   /* add: else the default, 1000 */
	uint32_t priority;   /* lower first, ties by id */
	uint32_t service_id; /* required */
	uint8_t family;	     /* AF_INET, AF_INET6, or AF_UNSPEC: both */
	uint8_t protocol;    /* IPPROTO_TCP, IPPROTO_UDP, or 0: both */
	bool has_daddr;	     /* needs family AF_INET or AF_INET6 */
	uint8_t daddr[16];   /* network order; IPv4 in the first 4 bytes */
	uint8_t prefix;	     /* prefix length of daddr */
	bool has_dport;
	uint16_t dport_min; /* destination port range, inclusive */
	uint16_t dport_max;
	bool has_uid;
	uint32_t uid_min; /* sending socket's uid range, inclusive */
	uint32_t uid_max;
	bool has_cgroup;
	char cgroup[WFPREDIR_CGROUP_PATH_MAX];		  /* cgroup v2 path, NUL-terminated */
	uint32_t context_len;				  /* 0: the default context */
	uint8_t context[WFPREDIR_CONTEXT_MAX_CUSTOM_LEN]; /* custom context bytes */
	uint64_t matches;				  /* listed only: flows redirected */
};

/* A connection that holds records (listed only). */
struct wfpredir_flow {
	uint8_t family;			  /* AF_INET or AF_INET6 */
	uint8_t protocol;		  /* IPPROTO_TCP or IPPROTO_UDP */
	struct sockaddr_storage orig_src; /* as its socket opened it */
	struct sockaddr_storage orig_dst;
	bool redirected;		   /* redir_dst, service_id, rule_id are set */
	struct sockaddr_storage redir_dst; /* the proxy it was sent to */
	uint32_t service_id;
	uint32_t rule_id;
	uint32_t records_len; /* 0 when the kernel sent none */
	uint8_t records[WFPREDIR_RECORDS_MAX_LEN];
	uint32_t context_len; /* 0: no context */
	uint8_t context[WFPREDIR_CONTEXT_MAX_CUSTOM_LEN];
	uint64_t age_ms; /* since the flow was seen */
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
 * wfpredir_ctl_error() - the kernel's message about the last failed call.
 * @ctl: an open handle, or NULL.
 *
 * The module names what it refused in an extended ACK ("service name in
 * use", the attribute at fault); this is that text. Every call on @ctl
 * clears it first.
 *
 * Return: the message of the last call on @ctl if it failed with one,
 * valid until the next call on @ctl or wfpredir_ctl_close(); else NULL.
 */
const char *wfpredir_ctl_error(const struct wfpredir_ctl *ctl);

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

/**
 * wfpredir_ctl_set_config() - change the namespace's configuration.
 * @ctl: an open handle.
 * @cfg: the settings; those whose has_ flag is clear stay as they are.
 *
 * Return: 0; -EINVAL for a NULL argument, or from the kernel for a value out
 * of range; -EPERM without CAP_NET_ADMIN; or the kernel's -errno.
 */
int wfpredir_ctl_set_config(struct wfpredir_ctl *ctl, const struct wfpredir_config *cfg);

/**
 * wfpredir_ctl_add_service() - create a redirect service.
 * @ctl: an open handle.
 * @svc: id (0: the kernel picks one), name, at least one of addr4 and
 *	addr6 (has4, has6), and optionally an owner (has_owner_uid,
 *	has_owner_cgroup); the counters are ignored.
 *
 * The kernel does not report the id it picks: find it by name with
 * wfpredir_ctl_find_service().
 *
 * Return: 0; -EINVAL for a NULL argument or a name or owner cgroup that is
 * not NUL-terminated within its field; the kernel's -errno: -EEXIST for an
 * id, name or listen address in use, -EINVAL for anything out of range,
 * -ENOENT for an owner cgroup that does not exist, -ENOSPC beyond
 * WFPREDIR_SERVICES_MAX.
 */
int wfpredir_ctl_add_service(struct wfpredir_ctl *ctl, const struct wfpredir_service *svc);

/**
 * wfpredir_ctl_del_service() - delete a redirect service.
 * @ctl: an open handle.
 * @id: the service's id; 0 to name it by @name instead.
 * @name: the service's name, used when @id is 0.
 *
 * Return: 0; -EINVAL when @id is 0 and @name NULL or empty; the kernel's
 * -errno: -ENOENT for no such service, -EBUSY while a rule redirects to it.
 */
int wfpredir_ctl_del_service(struct wfpredir_ctl *ctl, uint32_t id, const char *name);

/**
 * wfpredir_ctl_flush_services() - delete every redirect service.
 * @ctl: an open handle.
 *
 * Return: 0; the kernel's -errno: -EBUSY while any rule exists.
 */
int wfpredir_ctl_flush_services(struct wfpredir_ctl *ctl);

/*
 * The walk callbacks get each object of a dump in turn; the object is valid
 * during the call only, and the callback must not use the handle (the dump
 * is still being read from it). Returning 0 goes on; any other value ends
 * the walk (the rest of the dump is read and dropped) and the walk returns
 * it: positive values can never be confused with the walk's own errors.
 */
typedef int (*wfpredir_service_fn)(const struct wfpredir_service *svc, void *arg);
typedef int (*wfpredir_rule_fn)(const struct wfpredir_rule *rule, void *arg);
typedef int (*wfpredir_flow_fn)(const struct wfpredir_flow *flow, void *arg);

/**
 * wfpredir_ctl_walk_services() - call @fn for each redirect service.
 * @ctl: an open handle.
 * @fn: the callback (see the walk callbacks above).
 * @arg: passed to @fn.
 *
 * Return: 0 after the last service; @fn's value if it ended the walk;
 * -EINVAL for a NULL @ctl or @fn; -EPROTO for a service the library cannot
 * parse (the walk ends there); or the kernel's -errno, possibly after some
 * calls of @fn (a dump can fail part way).
 */
int wfpredir_ctl_walk_services(struct wfpredir_ctl *ctl, wfpredir_service_fn fn, void *arg);

/**
 * wfpredir_ctl_list_services() - every redirect service, in an array.
 * @ctl: an open handle.
 * @out: receives an array to free() (NULL when there is no service).
 * @count: receives its length.
 *
 * Return: 0; -ENOMEM; or as wfpredir_ctl_walk_services(). On failure *@out
 * is NULL and *@count 0.
 */
int wfpredir_ctl_list_services(struct wfpredir_ctl *ctl, struct wfpredir_service **out,
			       size_t *count);

/**
 * wfpredir_ctl_find_service() - look a redirect service up by name.
 * @ctl: an open handle.
 * @name: its name.
 * @out: receives the service; untouched on failure.
 *
 * Return: 0; -ENOENT when no service has that name; -EINVAL for a NULL
 * argument; or as wfpredir_ctl_walk_services().
 */
int wfpredir_ctl_find_service(struct wfpredir_ctl *ctl, const char *name,
			      struct wfpredir_service *out);

/**
 * wfpredir_ctl_add_rule() - create a rule.
 * @ctl: an open handle.
 * @rule: service_id (required), id (0: the kernel picks one), and the
 *	matches; matches is ignored.
 *
 * The id the kernel picks is not reported: wfpredir_ctl_add_rule2() with
 * @out reports it.
 *
 * Return: 0; -EINVAL for a NULL argument, has_daddr with a family other
 * than AF_INET or AF_INET6, a context_len above
 * WFPREDIR_CONTEXT_MAX_CUSTOM_LEN or a cgroup not NUL-terminated; the
 * kernel's -errno: -ENOENT for no such service, -EEXIST for an id in use,
 * -EINVAL for a value out of range, -ENOSPC beyond the namespace's limit.
 */
int wfpredir_ctl_add_rule(struct wfpredir_ctl *ctl, const struct wfpredir_rule *rule);

/**
 * wfpredir_ctl_del_rule() - delete a rule.
 * @ctl: an open handle.
 * @id: its id.
 *
 * Return: 0; -EINVAL for @id 0; the kernel's -errno: -ENOENT for no such
 * rule.
 */
int wfpredir_ctl_del_rule(struct wfpredir_ctl *ctl, uint32_t id);

/**
 * wfpredir_ctl_flush_rules() - delete every rule.
 * @ctl: an open handle.
 *
 * Return: 0 or the kernel's -errno.
 */
int wfpredir_ctl_flush_rules(struct wfpredir_ctl *ctl);

/**
 * wfpredir_ctl_walk_rules() - call @fn for each rule.
 * @ctl: an open handle.
 * @fn: the callback (see the walk callbacks above).
 * @arg: passed to @fn.
 *
 * Return: as wfpredir_ctl_walk_services().
 */
int wfpredir_ctl_walk_rules(struct wfpredir_ctl *ctl, wfpredir_rule_fn fn, void *arg);

/**
 * wfpredir_ctl_list_rules() - every rule, in an array.
 * @ctl: an open handle.
 * @out: receives an array to free() (NULL when there is no rule).
 * @count: receives its length.
 *
 * Return: as wfpredir_ctl_list_services().
 */
int wfpredir_ctl_list_rules(struct wfpredir_ctl *ctl, struct wfpredir_rule **out, size_t *count);

/**
 * wfpredir_ctl_walk_flows() - call @fn for each connection holding records.
 * @ctl: an open handle.
 * @fn: the callback (see the walk callbacks above).
 * @arg: passed to @fn.
 *
 * A struct wfpredir_flow is about 3 KiB; with many flows, walk rather than
 * list. wfpredir_records_decode() and wfpredir_context_decode() read its
 * records and context.
 *
 * Return: as wfpredir_ctl_walk_services().
 */
int wfpredir_ctl_walk_flows(struct wfpredir_ctl *ctl, wfpredir_flow_fn fn, void *arg);

/**
 * wfpredir_ctl_list_flows() - every connection holding records, in an array.
 * @ctl: an open handle.
 * @out: receives an array to free() (NULL when there is no flow).
 * @count: receives its length.
 *
 * Return: as wfpredir_ctl_list_services().
 */
int wfpredir_ctl_list_flows(struct wfpredir_ctl *ctl, struct wfpredir_flow **out, size_t *count);

/* ------------------------------------------------------------ monitor */
/* (section: events; lib/monitor.c) */

/*
 * What changes in the caller's network namespace, as it happens: the
 * module's events group (uapi/linux/wfpredir.h, "Events"), the way ip
 * monitor and conntrack -E read theirs. Listening needs CAP_NET_ADMIN over
 * the namespace, since the events name other users' connections.
 */

/* What an event tells; the NEW_ and DEL_ ones carry the object. */
enum wfpredir_monitor_event_type {
	WFPREDIR_EVENT_NEW_SERVICE = 1, /* service */
	WFPREDIR_EVENT_DEL_SERVICE,	/* service */
	WFPREDIR_EVENT_FLUSH_SERVICES,
	WFPREDIR_EVENT_NEW_RULE, /* rule */
	WFPREDIR_EVENT_DEL_RULE, /* rule */
	WFPREDIR_EVENT_FLUSH_RULES,
	WFPREDIR_EVENT_REDIRECT, /* flow: redirected */
	WFPREDIR_EVENT_REFUSED,	 /* flow: refused (ECONNREFUSED), reason */
	WFPREDIR_EVENT_SKIPPED,	 /* flow: left alone, reason */
	WFPREDIR_EVENT_LOST,	 /* events were dropped before this point */
	WFPREDIR_EVENT_APPLY,	 /* apply: a transaction replaced a table */
};

/*
 * A transaction (wfpredir_ctl_apply(), wfpredirctl -f) that replaced a
 * table: one event per table, after the commit, counting what went, came
 * and stayed; never for one that failed or only checked. The kernel sums
 * a transaction up rather than telling each object, since one may replace
 * hundreds of thousands of rules: list the table for its new content.
 */
struct wfpredir_event_apply {
	uint32_t services_deleted;
	uint32_t services_added;
	uint32_t services_kept; /* identical in the new content: same id, counters */
	uint32_t rules_deleted; /* every rule the table had */
	uint32_t rules_added;	/* every rule it has now */
};

/* A flow event: the flow (records and context are never set) and who sent it. */
struct wfpredir_event_flow {
	struct wfpredir_flow flow; /* redirected: the service and rule;
				    * service_id and rule_id may also be set
				    * for a refused flow a rule had chosen */
	uint8_t reason;		   /* WFPREDIR_FLOW_REASON_*, 0 for a redirect */
	uint32_t uid;		   /* the sender's, in the namespace owner's
				    * user namespace */
};

struct wfpredir_monitor_event {
	enum wfpredir_monitor_event_type type;
	union {
		struct wfpredir_service service;
		struct wfpredir_rule rule;
		struct wfpredir_event_flow flow;
		struct wfpredir_event_apply apply;
	};
	/*
	 * The table of a service, rule or apply event; of a flush, the table
	 * flushed, or "" when every table was.
	 */
	char table[WFPREDIR_TABLE_NAME_MAX];
};

struct wfpredir_monitor;

/**
 * wfpredir_monitor_open() - join the module's events group.
 * @err: optional; set to 0 or the negative errno of the failure: -EOPNOTSUPP
 *	when the module is not loaded, -EPROTONOSUPPORT when it offers no
 *	events (a kernel that cannot restrict who listens), -EPERM without
 *	CAP_NET_ADMIN over the namespace.
 *
 * Return: a handle for wfpredir_monitor_read(), or NULL.
 */
struct wfpredir_monitor *wfpredir_monitor_open(int *err);

/**
 * wfpredir_monitor_fd() - the handle's socket, to poll() for input.
 * @mon: from wfpredir_monitor_open()
 *
 * It may be made non-blocking; wfpredir_monitor_read() then returns -EAGAIN
 * when nothing is there.
 *
 * Return: the file descriptor, or -EINVAL for a NULL handle.
 */
int wfpredir_monitor_fd(const struct wfpredir_monitor *mon);

/**
 * typedef wfpredir_monitor_fn - called by wfpredir_monitor_read() per event.
 * @ev: the event, valid during the call
 * @arg: the argument given to wfpredir_monitor_read()
 *
 * Return: 0 to go on; anything else stops the read, which returns it.
 */
typedef int (*wfpredir_monitor_fn)(const struct wfpredir_monitor_event *ev, void *arg);

/**
 * wfpredir_monitor_read() - read the events that arrived, calling @fn.
 * @mon: from wfpredir_monitor_open()
 * @fn: called for each event, in order
 * @arg: passed to @fn
 *
 * Waits for events if the socket blocks. When the kernel had to drop events
 * (the socket's buffer was full, or memory short), @fn first gets one
 * WFPREDIR_EVENT_LOST. Messages the library does not understand (a newer
 * module's) are skipped.
 *
 * Return: 0; what @fn returned if not 0; -EAGAIN (non-blocking, nothing
 * there); -EINTR (a signal came); -EINVAL for NULL arguments; or the errno
 * of the read.
 */
int wfpredir_monitor_read(struct wfpredir_monitor *mon, wfpredir_monitor_fn fn, void *arg);

/**
 * wfpredir_monitor_close() - leave the group and free the handle.
 * @mon: from wfpredir_monitor_open(), or NULL
 */
void wfpredir_monitor_close(struct wfpredir_monitor *mon);
/* ------------------------------------------------------------- tables */

/*
 * Every service and rule belongs to a table, one per vendor, as nft's: a
 * name of 1 to 31 characters of [A-Za-z0-9_.-]. The functions above, which
 * take no table, use WFPREDIR_TABLE_DEFAULT ("default"). Service names are
 * unique per table; rule ids and listen addresses per namespace.
 */

/* wfpredir_ctl_add_service2(), wfpredir_ctl_add_rule2(): replace the
 * service of the same table and name, or the rule of the same id, in one
 * step (a flow sees the old or the new one, never neither). */
#define WFPREDIR_CTL_REPLACE 0x1u

/**
 * wfpredir_table_name_valid() - whether a string is a valid table name.
 * @table: the name, or NULL.
 *
 * Return: 1 for 1 to 31 characters of [A-Za-z0-9_.-], else 0.
 */
int wfpredir_table_name_valid(const char *table);

/**
 * wfpredir_ctl_add_service2() - create or replace a service in a table.
 * @ctl: an open handle.
 * @table: its table; NULL for the default table.
 * @svc: as for wfpredir_ctl_add_service().
 * @flags: 0 or WFPREDIR_CTL_REPLACE.
 * @out: if not NULL, receives the service as the kernel made it (its id
 *	above all); untouched on failure.
 *
 * Without WFPREDIR_CTL_REPLACE a service of the same name in @table fails
 * with -EEXIST. With it, an identical service is kept as it is, and a
 * different one replaced along with the rules that redirect to it (which
 * keep their ids).
 *
 * Return: as wfpredir_ctl_add_service(); -EINVAL for a bad table name or
 * unknown flags; -EPROTO if the module sent no echo.
 */
int wfpredir_ctl_add_service2(struct wfpredir_ctl *ctl, const char *table,
			      const struct wfpredir_service *svc, unsigned int flags,
			      struct wfpredir_service *out);

/**
 * wfpredir_ctl_add_rule2() - create or replace a rule in a table.
 * @ctl: an open handle.
 * @table: its table; NULL for the default table.
 * @service_name: its service by name, in @table; NULL to use
 *	@rule->service_id.
 * @rule: as for wfpredir_ctl_add_rule().
 * @flags: 0 or WFPREDIR_CTL_REPLACE (the rule of @rule->id).
 * @out: if not NULL, receives the rule as the kernel made it (its id);
 *	untouched on failure.
 *
 * Return: as wfpredir_ctl_add_rule(); -ENOENT for no service of that name
 * in @table.
 */
int wfpredir_ctl_add_rule2(struct wfpredir_ctl *ctl, const char *table, const char *service_name,
			   const struct wfpredir_rule *rule, unsigned int flags,
			   struct wfpredir_rule *out);

/**
 * wfpredir_ctl_del_service2() - delete a service of a table.
 * @ctl: an open handle.
 * @table: its table (names are looked up there); NULL for the default.
 * @id: its id, or 0 to go by @name.
 * @name: its name, or NULL to go by @id; with both, they must agree.
 *
 * Return: as wfpredir_ctl_del_service().
 */
int wfpredir_ctl_del_service2(struct wfpredir_ctl *ctl, const char *table, uint32_t id,
			      const char *name);

/**
 * wfpredir_ctl_flush_services2() - delete a table's services, or all.
 * @ctl: an open handle.
 * @table: the table; NULL for every table.
 *
 * Return: 0; -EBUSY while a rule redirects to one of them.
 */
int wfpredir_ctl_flush_services2(struct wfpredir_ctl *ctl, const char *table);

/**
 * wfpredir_ctl_flush_rules2() - delete a table's rules, or all.
 * @ctl: an open handle.
 * @table: the table; NULL for every table.
 *
 * Return: 0 or the kernel's -errno.
 */
int wfpredir_ctl_flush_rules2(struct wfpredir_ctl *ctl, const char *table);

/* Walk callbacks with the object's table. */
typedef int (*wfpredir_service_table_fn)(const struct wfpredir_service *svc, const char *table,
					 void *arg);
typedef int (*wfpredir_rule_table_fn)(const struct wfpredir_rule *rule, const char *table,
				      void *arg);

/**
 * wfpredir_ctl_walk_services2() - call @fn for each service of a table.
 * @ctl: an open handle.
 * @table: the table; NULL for all.
 * @fn: the callback, told each service's table.
 * @arg: passed to @fn.
 *
 * Return: as wfpredir_ctl_walk_services().
 */
int wfpredir_ctl_walk_services2(struct wfpredir_ctl *ctl, const char *table,
				wfpredir_service_table_fn fn, void *arg);

/**
 * wfpredir_ctl_walk_rules2() - call @fn for each rule of a table.
 * @ctl: an open handle.
 * @table: the table; NULL for all.
 * @fn: the callback, told each rule's table.
 * @arg: passed to @fn.
 *
 * Return: as wfpredir_ctl_walk_services().
 */
int wfpredir_ctl_walk_rules2(struct wfpredir_ctl *ctl, const char *table, wfpredir_rule_table_fn fn,
			     void *arg);

/* ------------------------------------------------------- transactions */

/*
 * A transaction: tables whose whole content it replaces, their new services
 * and rules, and configuration values, applied by the kernel all or nothing
 * (WFPREDIR_CMD_APPLY); the packet path sees the old state or the new one.
 * Objects are numbered from 0 in the order they are added.
 */
struct wfpredir_tx;

/**
 * wfpredir_tx_new() - an empty transaction.
 *
 * Return: it, for wfpredir_tx_free(); NULL without memory.
 */
struct wfpredir_tx *wfpredir_tx_new(void);

/**
 * wfpredir_tx_free() - free a transaction.
 * @tx: the transaction, or NULL.
 */
void wfpredir_tx_free(struct wfpredir_tx *tx);

/**
 * wfpredir_tx_count() - how many objects a transaction holds.
 * @tx: the transaction.
 *
 * Return: the count; 0 for NULL.
 */
size_t wfpredir_tx_count(const struct wfpredir_tx *tx);

/**
 * wfpredir_tx_set_check() - only check the transaction when applied.
 * @tx: the transaction.
 * @check: true: wfpredir_ctl_apply() has the kernel prepare and check
 *	everything (names, ids, addresses, cgroups, limits), then drop it.
 */
void wfpredir_tx_set_check(struct wfpredir_tx *tx, bool check);

/**
 * wfpredir_tx_table() - replace a table's whole content.
 * @tx: the transaction.
 * @table: the table; its services and rules go, those the transaction
 *	adds to it come (a service identical to one it had is kept, id and
 *	counters). Every service and rule added must be in such a table.
 *
 * Return: 0; -EINVAL for a bad name; -ENOMEM.
 */
int wfpredir_tx_table(struct wfpredir_tx *tx, const char *table);

/**
 * wfpredir_tx_service() - add a service.
 * @tx: the transaction.
 * @table: its table.
 * @svc: as for wfpredir_ctl_add_service().
 *
 * Return: 0; -EINVAL for what cannot be encoded; -ENOMEM.
 */
int wfpredir_tx_service(struct wfpredir_tx *tx, const char *table,
			const struct wfpredir_service *svc);

/**
 * wfpredir_tx_rule() - add a rule.
 * @tx: the transaction.
 * @table: its table.
 * @service_name: its service by name in @table (one the transaction adds
 *	before it), or NULL to use @rule->service_id.
 * @rule: as for wfpredir_ctl_add_rule().
 *
 * Return: 0; -EINVAL for what cannot be encoded; -ENOMEM.
 */
int wfpredir_tx_rule(struct wfpredir_tx *tx, const char *table, const char *service_name,
		     const struct wfpredir_rule *rule);

/**
 * wfpredir_tx_config() - set configuration values at commit.
 * @tx: the transaction.
 * @cfg: the values whose has_ flag is set.
 *
 * Return: 0; -ENOMEM.
 */
int wfpredir_tx_config(struct wfpredir_tx *tx, const struct wfpredir_config *cfg);

/**
 * wfpredir_ctl_apply() - apply a transaction.
 * @ctl: an open handle.
 * @tx: the transaction (unchanged; may be applied again).
 * @failed: if not NULL, receives the number of the object the kernel
 *	refused, or SIZE_MAX when it named none.
 *
 * The transaction is one netlink message: the socket's send buffer is
 * raised to fit it (SO_SNDBUFFORCE, which CAP_NET_ADMIN allows). About 100
 * bytes a rule: a 20 000-rule state is some 2 MB.
 *
 * Return: 0, nothing changed on failure; -EINVAL; -ENOMEM; the kernel's
 * -errno, wfpredir_ctl_error() saying why. The one exception, as for every
 * request: -ENOBUFS when the kernel could not allocate its answer (netlink
 * lost the ACK); the transaction was then applied whole or not at all.
 */
int wfpredir_ctl_apply(struct wfpredir_ctl *ctl, const struct wfpredir_tx *tx, size_t *failed);

/* ------------------------------------------- overlapped I/O and events */
/* (section: overlapped engine; lib/overlapped.c, lib/event.c, lib/wsasocket.c) */

/*
 * The overlapped model of Documentation/overlapped.rst. A socket is
 * overlapped only when WSASocketA()/WSASocketW() made it with
 * WSA_FLAG_OVERLAPPED; socket(), accept() and WSASocket() without the flag
 * give non-overlapped sockets, for which lpOverlapped and
 * lpCompletionRoutine are ignored.
 */

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

typedef unsigned int GROUP;
/* Opaque here: WSASocketA()/WSASocketW() accept NULL only. */
typedef struct _WSAPROTOCOL_INFOA WSAPROTOCOL_INFOA, *LPWSAPROTOCOL_INFOA;
typedef struct _WSAPROTOCOL_INFOW WSAPROTOCOL_INFOW, *LPWSAPROTOCOL_INFOW;

/* WSASocket() dwFlags, as winsock2.h defines them. Only
 * WSA_FLAG_OVERLAPPED and WSA_FLAG_NO_HANDLE_INHERIT are supported. */
#define WSA_FLAG_OVERLAPPED 0x01
#define WSA_FLAG_MULTIPOINT_C_ROOT 0x02
#define WSA_FLAG_MULTIPOINT_C_LEAF 0x04
#define WSA_FLAG_MULTIPOINT_D_ROOT 0x08
#define WSA_FLAG_MULTIPOINT_D_LEAF 0x10
#define WSA_FLAG_ACCESS_SYSTEM_SECURITY 0x40
#define WSA_FLAG_NO_HANDLE_INHERIT 0x80
#define WSA_FLAG_REGISTERED_IO 0x100

/* Internal while an operation is pending; then the NTSTATUS of its result
 * (see Documentation/overlapped.rst for the table). */
#ifndef STATUS_PENDING
#define STATUS_PENDING 0x00000103
#endif
#define HasOverlappedIoCompleted(lpOverlapped) \
	(__atomic_load_n(&(lpOverlapped)->Internal, __ATOMIC_ACQUIRE) != STATUS_PENDING)

#define WSA_INVALID_EVENT ((WSAEVENT)0)
#define WSA_MAXIMUM_WAIT_EVENTS 64
#define WSA_INFINITE 0xFFFFFFFFu
#define WSA_WAIT_EVENT_0 0x00000000u
#define WSA_WAIT_IO_COMPLETION 0x000000C0u
#define WSA_WAIT_TIMEOUT 0x00000102u
#define WSA_WAIT_FAILED 0xFFFFFFFFu
#define WAIT_IO_COMPLETION 0x000000C0u
#ifndef INFINITE
#define INFINITE 0xFFFFFFFFu
#endif

/**
 * WSASocketA() - create a socket, overlapped with WSA_FLAG_OVERLAPPED.
 * @af: address family, as for socket().
 * @type: socket type, as for socket().
 * @protocol: protocol, as for socket().
 * @lpProtocolInfo: must be NULL (no provider catalogue here): else WSAEINVAL.
 * @g: must be 0 (no socket groups): else WSAEINVAL.
 * @dwFlags: WSA_FLAG_OVERLAPPED and WSA_FLAG_NO_HANDLE_INHERIT (close on
 *	exec); any other flag gives WSAEINVAL.
 *
 * Return: the socket, or INVALID_SOCKET with the reason in WSAGetLastError()
 * (socket()'s errno through wfpredir_winsock_error_from_errno(); WSAENOBUFS when
 * the overlapped attribute cannot be recorded).
 */
SOCKET WSASocketA(int af, int type, int protocol, LPWSAPROTOCOL_INFOA lpProtocolInfo, GROUP g,
		  DWORD dwFlags);

/**
 * WSASocketW() - WSASocketA() with the wide protocol-info type.
 * @af: as for WSASocketA().
 * @type: as for WSASocketA().
 * @protocol: as for WSASocketA().
 * @lpProtocolInfo: must be NULL.
 * @g: must be 0.
 * @dwFlags: as for WSASocketA().
 *
 * Return: as WSASocketA().
 */
SOCKET WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW lpProtocolInfo, GROUP g,
		  DWORD dwFlags);

#define WSASocket WSASocketW

/**
 * closesocket() - close a socket, aborting its pending overlapped operations.
 * @s: the socket.
 *
 * Every operation pending on @s completes with WSA_OPERATION_ABORTED (its
 * event signalled or its routine queued) before the descriptor is closed.
 *
 * Return: 0, or SOCKET_ERROR with WSAENOTSOCK when @s is not an open socket
 * (then nothing is closed).
 */
int closesocket(SOCKET s);

/**
 * WSACreateEvent() - a manual-reset event object, initially non-signalled.
 *
 * Return: the event, or WSA_INVALID_EVENT with WSA_NOT_ENOUGH_MEMORY (or
 * WSAEMFILE when no descriptor is left) in WSAGetLastError().
 */
WSAEVENT WSACreateEvent(void);

/**
 * WSACloseEvent() - close an event from WSACreateEvent().
 * @hEvent: the event.
 *
 * A wait already running on @hEvent keeps it until it returns.
 *
 * Return: TRUE, or FALSE with WSA_INVALID_HANDLE.
 */
BOOL WSACloseEvent(WSAEVENT hEvent);

/**
 * WSASetEvent() - signal an event.
 * @hEvent: the event.
 *
 * Return: TRUE, or FALSE with WSA_INVALID_HANDLE.
 */
BOOL WSASetEvent(WSAEVENT hEvent);

/**
 * WSAResetEvent() - make an event non-signalled.
 * @hEvent: the event.
 *
 * Return: TRUE, or FALSE with WSA_INVALID_HANDLE.
 */
BOOL WSAResetEvent(WSAEVENT hEvent);

/**
 * WSAWaitForMultipleEvents() - wait for one or all of some events.
 * @cEvents: number of handles, 1..WSA_MAXIMUM_WAIT_EVENTS.
 * @lphEvents: the handles.
 * @fWaitAll: TRUE: until all are signalled; FALSE: until one is.
 * @dwTimeout: milliseconds, 0 to poll, WSA_INFINITE to wait for ever.
 * @fAlertable: TRUE: completion routines queued to this thread run inside
 *	the wait, which then returns WSA_WAIT_IO_COMPLETION.
 *
 * Events are not reset by the wait (manual reset). Signals do not end the
 * wait.
 *
 * Return: WSA_WAIT_EVENT_0 + the lowest index signalled (WSA_WAIT_EVENT_0
 * for @fWaitAll), WSA_WAIT_IO_COMPLETION, WSA_WAIT_TIMEOUT, or
 * WSA_WAIT_FAILED with WSA_INVALID_PARAMETER (@cEvents 0 or too big,
 * @lphEvents NULL or unreadable), WSA_INVALID_HANDLE or
 * WSA_NOT_ENOUGH_MEMORY in WSAGetLastError().
 */
DWORD WSAWaitForMultipleEvents(DWORD cEvents, const WSAEVENT *lphEvents, BOOL fWaitAll,
			       DWORD dwTimeout, BOOL fAlertable);

/**
 * SleepEx() - sleep, optionally alertable.
 * @dwMilliseconds: how long; INFINITE for ever (useful only if alertable).
 * @bAlertable: TRUE: return early, after running them, when completion
 *	routines are queued to this thread.
 *
 * Return: 0 when the time elapsed, WAIT_IO_COMPLETION when routines ran.
 */
DWORD SleepEx(DWORD dwMilliseconds, BOOL bAlertable);

/**
 * WSAGetOverlappedResult() - the result of an overlapped operation.
 * @s: the socket the operation was started on.
 * @lpOverlapped: the operation's WSAOVERLAPPED.
 * @lpcbTransfer: receives the byte count.
 * @fWait: TRUE: wait for a pending operation to complete (whatever its
 *	notification: event or completion routine; the routine itself still
 *	runs only in an alertable wait of its thread).
 * @lpdwFlags: receives 0 (no flags for these operations).
 *
 * Return: TRUE when the operation succeeded. FALSE with WSAGetLastError():
 * WSA_IO_INCOMPLETE (pending and @fWait FALSE), WSAEFAULT (a pointer NULL or
 * not accessible), WSAENOTSOCK (@s not an open socket), or the operation's
 * own error (WSA_OPERATION_ABORTED after SIO_FLUSH, closesocket() or the
 * exit of the issuing thread); *@lpcbTransfer is set then too.
 */
BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED lpOverlapped, LPDWORD lpcbTransfer,
			    BOOL fWait, LPDWORD lpdwFlags);

/**
 * WPUOpenCurrentThread() - a WSATHREADID for the calling thread (ws2spi upcall).
 * @lpThreadId: receives the id, for WSPIoctl() and WPUCloseThread().
 * @lpErrno: receives the WSA error on failure.
 *
 * The id stays valid until WPUCloseThread(); a completion routine queued to
 * a thread that has exited is dropped.
 *
 * Return: 0, or SOCKET_ERROR with WSAEFAULT (a pointer not writable) or
 * WSA_NOT_ENOUGH_MEMORY in *@lpErrno.
 */
int WPUOpenCurrentThread(LPWSATHREADID lpThreadId, LPINT lpErrno);

/**
 * WPUCloseThread() - release a WSATHREADID from WPUOpenCurrentThread().
 * @lpThreadId: the id.
 * @lpErrno: receives the WSA error on failure.
 *
 * Return: 0, or SOCKET_ERROR with WSAEFAULT (a pointer not accessible) or
 * WSAEINVAL (not an open thread id) in *@lpErrno.
 */
int WPUCloseThread(LPWSATHREADID lpThreadId, LPINT lpErrno);

/* ------------------------------------ UDP: WSARecvMsg() and WSASendMsg() */
/* (section: UDP control messages; lib/msg.c) */

/*
 * On Windows a UDP redirect service gets a flow's records and context as
 * control messages on the flow's first datagram (WSARecvMsg()), and hands
 * records on for its own outbound flow with WSASendMsg(). The types and
 * macros have their Windows x64 layout, which on LP64 Linux is also the
 * layout of struct cmsghdr and CMSG_*(), so the kernel's own control
 * messages (IP_PKTINFO...) pass through unchanged, with their Linux
 * numbers. Documentation/udp.rst tells the whole story.
 */

#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
	uint32_t Data1;
	uint16_t Data2;
	uint16_t Data3;
	uint8_t Data4[8];
} GUID;
#endif

typedef struct _WSABUF {
	ULONG len;
	char *buf;
} WSABUF, *LPWSABUF;

typedef struct _WSAMSG {
	struct sockaddr *name; /* the peer: filled in (recv) or the destination (send) */
	INT namelen;
	LPWSABUF lpBuffers;
	ULONG dwBufferCount;
	WSABUF Control; /* control messages; len is updated on receive */
	ULONG dwFlags;	/* receive: MSG_PEEK in; MSG_TRUNC, MSG_CTRUNC out (Linux values) */
} WSAMSG, *PWSAMSG, *LPWSAMSG;

typedef struct _WSACMSGHDR {
	size_t cmsg_len;
	INT cmsg_level;
	INT cmsg_type;
	/* followed by UCHAR cmsg_data[] */
} WSACMSGHDR, *PWSACMSGHDR, *LPWSACMSGHDR;

#define WSA_CMSGHDR_ALIGN(length) \
	(((length) + __alignof__(WSACMSGHDR) - 1) & ~(__alignof__(WSACMSGHDR) - 1))
#define WSA_CMSGDATA_ALIGN(length) (((length) + sizeof(uint64_t) - 1) & ~(sizeof(uint64_t) - 1))
#define WSA_CMSG_FIRSTHDR(msg)                                                                 \
	(((msg)->Control.len >= sizeof(WSACMSGHDR)) ? (LPWSACMSGHDR)(void *)(msg)->Control.buf \
						    : (LPWSACMSGHDR)NULL)
#define WSA_CMSG_NXTHDR(msg, cmsg)                                                                 \
	(!(cmsg) ? WSA_CMSG_FIRSTHDR(msg)                                                          \
	 : (((unsigned char *)(cmsg) + WSA_CMSGHDR_ALIGN((cmsg)->cmsg_len) + sizeof(WSACMSGHDR)) > \
	    (unsigned char *)((msg)->Control.buf) + (msg)->Control.len)                            \
		 ? (LPWSACMSGHDR)NULL                                                              \
		 : (LPWSACMSGHDR)(void *)((unsigned char *)(cmsg) +                                \
					  WSA_CMSGHDR_ALIGN((cmsg)->cmsg_len)))
#define WSA_CMSG_DATA(cmsg) ((unsigned char *)(cmsg) + WSA_CMSGDATA_ALIGN(sizeof(WSACMSGHDR)))
#define WSA_CMSG_SPACE(length) (WSA_CMSGDATA_ALIGN(sizeof(WSACMSGHDR) + WSA_CMSGHDR_ALIGN(length)))
#define WSA_CMSG_LEN(length) (WSA_CMSGDATA_ALIGN(sizeof(WSACMSGHDR)) + (length))

#if defined(__LP64__)
WFPREDIR_STATIC_ASSERT(sizeof(WSABUF) == 16, "WSABUF: Windows x64 layout");
WFPREDIR_STATIC_ASSERT(sizeof(WSAMSG) == 56, "WSAMSG: Windows x64 layout");
WFPREDIR_STATIC_ASSERT(offsetof(WSAMSG, Control) == 32, "WSAMSG.Control");
WFPREDIR_STATIC_ASSERT(offsetof(WSAMSG, dwFlags) == 48, "WSAMSG.dwFlags");
WFPREDIR_STATIC_ASSERT(sizeof(WSACMSGHDR) == sizeof(struct cmsghdr), "WSACMSGHDR is a cmsghdr");
WFPREDIR_STATIC_ASSERT(offsetof(WSACMSGHDR, cmsg_level) == offsetof(struct cmsghdr, cmsg_level),
		       "WSACMSGHDR.cmsg_level");
WFPREDIR_STATIC_ASSERT(offsetof(WSACMSGHDR, cmsg_type) == offsetof(struct cmsghdr, cmsg_type),
		       "WSACMSGHDR.cmsg_type");
WFPREDIR_STATIC_ASSERT(WSA_CMSG_LEN(5) == CMSG_LEN(5), "WSA_CMSG_LEN is CMSG_LEN");
WFPREDIR_STATIC_ASSERT(WSA_CMSG_SPACE(5) == CMSG_SPACE(5), "WSA_CMSG_SPACE is CMSG_SPACE");
#endif

typedef INT (*LPFN_WSARECVMSG)(SOCKET s, LPWSAMSG lpMsg, LPDWORD lpdwNumberOfBytesRecvd,
			       LPWSAOVERLAPPED lpOverlapped,
			       LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
typedef INT (*LPFN_WSASENDMSG)(SOCKET s, LPWSAMSG lpMsg, DWORD dwFlags, LPDWORD lpNumberOfBytesSent,
			       LPWSAOVERLAPPED lpOverlapped,
			       LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);

#define WSAID_WSARECVMSG                                               \
	{                                                              \
		0xf689d7c8, 0x6f1f, 0x436b,                            \
		{                                                      \
			0x8a, 0x53, 0xe5, 0x4f, 0xe3, 0x51, 0xc3, 0x22 \
		}                                                      \
	}
#define WSAID_WSASENDMSG                                               \
	{                                                              \
		0xa441e712, 0x754f, 0x43ca,                            \
		{                                                      \
			0x84, 0xa7, 0x0d, 0xee, 0x44, 0xcf, 0x60, 0x6d \
		}                                                      \
	}

/* WSAIoctl(): in a GUID, out the function pointer (sizeof(void *)). */
#define SIO_GET_EXTENSION_FUNCTION_POINTER _WSAIORW(IOC_WS2, 6)
WFPREDIR_STATIC_ASSERT(SIO_GET_EXTENSION_FUNCTION_POINTER == 0xC8000006,
		       "SIO_GET_EXTENSION_FUNCTION_POINTER");

/**
 * WSARecvMsg() - receive a datagram with its control messages, as Windows.
 * @s: a bound UDP socket (AF_INET or AF_INET6).
 * @lpMsg: the message; dwFlags in: 0 or MSG_PEEK; out: MSG_TRUNC,
 *	MSG_CTRUNC (Linux values). Control.len is set to the bytes used.
 * @lpdwNumberOfBytesRecvd: the bytes received; may be NULL only with
 *	lpOverlapped.
 * @lpOverlapped: on a socket made overlapped (WSASocket()), the operation
 *	completes through it; ignored on other sockets, as on Windows.
 * @lpCompletionRoutine: with lpOverlapped on an overlapped socket.
 *
 * On the first datagram of a flow that holds records, appends a control
 * message IP_WFP_REDIRECT_RECORDS (level IPPROTO_IP; IPV6_WFP_REDIRECT_RECORDS
 * at IPPROTO_IPV6 on an AF_INET6 socket) and, when the flow has a context,
 * IP(V6)_WFP_REDIRECT_CONTEXT, after any the kernel returned. Control
 * messages that do not fit are left out and MSG_CTRUNC is set.
 *
 * Return: 0, or SOCKET_ERROR with the last error: WSAENOTSOCK, WSAEFAULT
 * (lpMsg, a buffer, the name or the count not writable; namelen too
 * small), WSAEOPNOTSUPP (not a datagram socket; flags other than MSG_PEEK),
 * WSAEINVAL (not bound), WSAEWOULDBLOCK (non-blocking, nothing queued),
 * WSAEMSGSIZE (datagram truncated: MSG_TRUNC set, *lpdwNumberOfBytesRecvd
 * the bytes kept), WSA_IO_PENDING (overlapped), or the socket's error.
 */
int WSARecvMsg(SOCKET s, LPWSAMSG lpMsg, LPDWORD lpdwNumberOfBytesRecvd,
	       LPWSAOVERLAPPED lpOverlapped,
	       LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);

/**
 * WSASendMsg() - send a datagram; a records control message carries the
 *	records on to the flow this send creates.
 * @Handle: a UDP socket.
 * @lpMsg: the message; name/namelen the destination (NULL when connected).
 *	An IP_WFP_REDIRECT_RECORDS control message (IPPROTO_IP, or
 *	IPV6_WFP_REDIRECT_RECORDS at IPPROTO_IPV6) gives records (as read with
 *	WSARecvMsg()) to the flow the send creates, and to no later one; it and
 *	any IP(V6)_WFP_REDIRECT_CONTEXT are not passed to the kernel.
 * @dwFlags: 0 or MSG_DONTROUTE.
 * @lpNumberOfBytesSent: the bytes sent; may be NULL only with lpOverlapped.
 * @lpOverlapped: on an overlapped socket, the send still completes at once
 *	(a datagram is queued whole or not at all), and signals hEvent or queues
 *	the completion routine as any immediate completion does.
 * @lpCompletionRoutine: with lpOverlapped, the routine to queue.
 *
 * Return: 0, or SOCKET_ERROR with the last error: WSAENOTSOCK, WSAEFAULT,
 * WSAEOPNOTSUPP, WSAEINVAL (malformed control messages or records;
 * records on a connected socket, as for WSAIoctl()), WSAEACCES (records
 * without CAP_NET_ADMIN), or the error of the send; nothing is sent when
 * the records are refused.
 */
int WSASendMsg(SOCKET Handle, LPWSAMSG lpMsg, DWORD dwFlags, LPDWORD lpNumberOfBytesSent,
	       LPWSAOVERLAPPED lpOverlapped,
	       LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);

/**
 * wfpredir_recvmsg() - recvmsg() on a UDP socket, with the records and context
 *	control messages of WSARecvMsg() (same levels and types).
 * @fd: a bound UDP socket.
 * @msg: as for recvmsg(); msg_flags gets MSG_CTRUNC if ours did not fit.
 * @flags: 0, MSG_PEEK, MSG_DONTWAIT.
 *
 * Return: the bytes received, or -errno: -EAGAIN (non-blocking or
 * MSG_DONTWAIT, nothing queued), -EINVAL (not bound), -EOPNOTSUPP (not
 * UDP), or recvmsg()'s.
 */
ssize_t wfpredir_recvmsg(int fd, struct msghdr *msg, int flags);

/**
 * wfpredir_sendmsg() - sendmsg() with WSASendMsg()'s records control message.
 * @fd: a UDP socket.
 * @msg: as for sendmsg().
 * @flags: as for sendmsg(); MSG_NOSIGNAL is added.
 *
 * Return: the bytes sent, or -errno (the errors of wfpredir_set_records()
 * and of sendmsg()).
 */
ssize_t wfpredir_sendmsg(int fd, const struct msghdr *msg, int flags);

/* ------------------------------------------ Winsock basics for ports */
/* (section: porting aid; lib/winsock.c) */
/*
 * Not included from here: a port includes <wfpredir/winsock.h> as well, for
 * SOCKADDR_STORAGE and the other Windows names of the socket structures,
 * BYTE/WORD and the integer types, WSAStartup()/WSACleanup() with WSADATA,
 * WSAConnect(), WSAAccept() and the Winsock codes of the socket calls.
 * Linux programs do not get those names unless they ask.
 */

#ifdef __cplusplus
}
#endif

#endif /* WFPREDIR_H */
