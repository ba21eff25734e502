/* SPDX-License-Identifier: MIT */
/*
 * <wfpredir/winsock.h>: the Winsock basics a ported Windows redirect service
 * needs beyond <wfpredir.h>.
 *
 * <wfpredir.h> does not include this header: Linux programs that use the
 * library do not get SOCKADDR, WORD or ZeroMemory unless they ask. A port
 * replaces its Windows includes with
 *
 *	#ifdef _WIN32
 *	#include <winsock2.h>
 *	#include <ws2tcpip.h>
 *	#include <mstcpip.h>
 *	#else
 *	#include <wfpredir.h>
 *	#include <wfpredir/winsock.h>
 *	#endif
 *
 * and keeps the rest of its code. tools/wfpsampler-proxy is such a port and
 * Documentation/porting.rst walks through it.
 *
 * What is here: the Windows type names of the socket structures (each the
 * Linux structure, whose layout matches Windows field for field except the
 * value of AF_INET6), the integer types of the Winsock prototypes,
 * WSAStartup()/WSACleanup() with WSADATA, WSAConnect() and WSAAccept(),
 * which set the WSA last error from errno, and the WSA error codes of the
 * socket calls. The BSD calls themselves (socket, bind, listen, accept,
 * connect, send, recv, select, shutdown, getaddrinfo) are the C library's:
 * they set errno, not the WSA last error (Documentation/porting.rst).
 */
#ifndef WFPREDIR_WINSOCK_H
#define WFPREDIR_WINSOCK_H

#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/select.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>

#include <wfpredir.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ integer types */

/* Windows widths (LLP64): LONG and ULONG are 32 bits, the _PTR types are
 * pointer-sized. DWORD, ULONG, ULONG_PTR, INT and BOOL come from <wfpredir.h>. */
typedef uint8_t BYTE;
typedef uint16_t WORD;
typedef uint16_t USHORT;
typedef char CHAR;
typedef int32_t LONG;
typedef unsigned int UINT;
typedef uint8_t UINT8;
typedef uint16_t UINT16;
typedef uint32_t UINT32;
typedef uint64_t UINT64;
typedef intptr_t INT_PTR;
typedef uintptr_t UINT_PTR;
typedef uintptr_t DWORD_PTR;
typedef size_t SIZE_T;
typedef BYTE *PBYTE;
typedef BYTE *LPBYTE;
typedef CHAR *LPSTR;
typedef const CHAR *LPCSTR;
typedef WORD *LPWORD;

#ifndef NO_ERROR
#define NO_ERROR 0
#endif

#ifndef MAKEWORD
#define MAKEWORD(low, high) ((WORD)(((BYTE)(low)) | ((WORD)((BYTE)(high))) << 8))
#endif
#ifndef LOBYTE
#define LOBYTE(w) ((BYTE)((w)&0xff))
#endif
#ifndef HIBYTE
#define HIBYTE(w) ((BYTE)(((w) >> 8) & 0xff))
#endif

#ifndef ZeroMemory
#define ZeroMemory(dst, len) memset((dst), 0, (len))
#endif
#ifndef CopyMemory
#define CopyMemory(dst, src, len) memcpy((dst), (src), (len))
#endif
#ifndef RtlCopyMemory
#define RtlCopyMemory(dst, src, len) memcpy((dst), (src), (len))
#endif

/* ---------------------------------------------------------- socket structures */

/*
 * The Linux structures under their Windows names. Field names and offsets
 * are Windows' (ss_family, sin_port, sin_addr, sin6_port, sin6_addr,
 * sin6_scope_id; SOCKADDR_STORAGE is 128 bytes); only the number behind
 * AF_INET6 differs (10 here, 23 on Windows), which code that compares with
 * the constant never sees.
 */
typedef unsigned short ADDRESS_FAMILY;
typedef struct sockaddr SOCKADDR, *PSOCKADDR, *LPSOCKADDR;
typedef struct sockaddr_in SOCKADDR_IN, *PSOCKADDR_IN, *LPSOCKADDR_IN;
typedef struct sockaddr_in6 SOCKADDR_IN6, *PSOCKADDR_IN6, *LPSOCKADDR_IN6;
typedef struct sockaddr_storage SOCKADDR_STORAGE, *PSOCKADDR_STORAGE, *LPSOCKADDR_STORAGE;
typedef struct in_addr IN_ADDR, *PIN_ADDR;
typedef struct in6_addr IN6_ADDR, *PIN6_ADDR;
typedef struct addrinfo ADDRINFOA, *PADDRINFOA;
typedef struct timeval TIMEVAL;

WFPREDIR_STATIC_ASSERT(sizeof(SOCKADDR_STORAGE) == 128, "SOCKADDR_STORAGE is 128 bytes");
WFPREDIR_STATIC_ASSERT(sizeof(SOCKADDR_STORAGE) == WFPREDIR_CONTEXT_SOCKADDR_LEN,
		       "the context holds SOCKADDR_STORAGEs");

/* shutdown(): the same values as SHUT_RD, SHUT_WR, SHUT_RDWR. */
#ifndef SD_RECEIVE
#define SD_RECEIVE 0
#define SD_SEND 1
#define SD_BOTH 2
#endif

/* ----------------------------------------------------------- error codes */

/*
 * The Winsock codes of the socket calls, beyond those <wfpredir.h> defines
 * for the ioctls. WSAConnect() and WSAAccept() report these.
 */
#ifndef WSAEDESTADDRREQ
#define WSAEDESTADDRREQ 10039
#endif
#ifndef WSAEPROTOTYPE
#define WSAEPROTOTYPE 10041
#endif
#ifndef WSAESOCKTNOSUPPORT
#define WSAESOCKTNOSUPPORT 10044
#endif
#ifndef WSAEPFNOSUPPORT
#define WSAEPFNOSUPPORT 10046
#endif
#ifndef WSAEADDRINUSE
#define WSAEADDRINUSE 10048
#endif
#ifndef WSAEADDRNOTAVAIL
#define WSAEADDRNOTAVAIL 10049
#endif
#ifndef WSAENETUNREACH
#define WSAENETUNREACH 10051
#endif
#ifndef WSAENETRESET
#define WSAENETRESET 10052
#endif
#ifndef WSAECONNABORTED
#define WSAECONNABORTED 10053
#endif
#ifndef WSAESHUTDOWN
#define WSAESHUTDOWN 10058
#endif
#ifndef WSAETIMEDOUT
#define WSAETIMEDOUT 10060
#endif
#ifndef WSAECONNREFUSED
#define WSAECONNREFUSED 10061
#endif
#ifndef WSAEHOSTDOWN
#define WSAEHOSTDOWN 10064
#endif
#ifndef WSAEHOSTUNREACH
#define WSAEHOSTUNREACH 10065
#endif
#ifndef WSASYSNOTREADY
#define WSASYSNOTREADY 10091
#endif
#ifndef WSAVERNOTSUPPORTED
#define WSAVERNOTSUPPORTED 10092
#endif
#ifndef WSANOTINITIALISED
#define WSANOTINITIALISED 10093
#endif

/* ------------------------------------------------- WSAStartup, WSACleanup */

#define WSADESCRIPTION_LEN 256
#define WSASYS_STATUS_LEN 128

/* The Windows x64 layout. */
typedef struct WSAData {
	WORD wVersion;
	WORD wHighVersion;
	unsigned short iMaxSockets;
	unsigned short iMaxUdpDg;
	char *lpVendorInfo;
	char szDescription[WSADESCRIPTION_LEN + 1];
	char szSystemStatus[WSASYS_STATUS_LEN + 1];
} WSADATA, *LPWSADATA;

/**
 * WSAStartup() - start using Winsock, as on Windows.
 * @wVersionRequested: MAKEWORD(major, minor) of the version the caller wants.
 * @lpWSAData: receives the version granted and a description.
 *
 * Versions 1.0 to 2.2 are granted as asked; a higher one is granted as 2.2
 * (wHighVersion is always 2.2); one below 1.0 fails with WSAVERNOTSUPPORTED,
 * @lpWSAData still filled in. Calls nest: each successful one needs a
 * WSACleanup(). Sockets work without it on Linux; what it changes is that
 * the first call sets SIGPIPE to be ignored when its action is the default,
 * so that send() to a connection the peer reset fails (EPIPE) instead of
 * killing the process: Windows has no SIGPIPE. Like Windows' it does not
 * set the WSA last error.
 *
 * Return: 0; WSAEFAULT for a NULL @lpWSAData; WSAVERNOTSUPPORTED.
 */
int WSAStartup(WORD wVersionRequested, LPWSADATA lpWSAData);

/**
 * WSACleanup() - end one WSAStartup().
 *
 * Sockets stay open: closing them is the caller's business, as on Windows
 * (where they are closed only by the last WSACleanup() of the process).
 *
 * Return: 0; SOCKET_ERROR with WSANOTINITIALISED as the last error when no
 * WSAStartup() is outstanding.
 */
int WSACleanup(void);

/* ------------------------------------------------- WSAConnect, WSAAccept */

/*
 * The connect-data and QOS arguments of WSAConnect() and the condition
 * function of WSAAccept() are unsupported: TCP has no connect data on
 * Windows either. The structures are named by their Windows tags so that
 * any header that defines them later stays compatible.
 */
struct _WSABUF;
struct _QualityOfService;
typedef int (*LPCONDITIONPROC)(struct _WSABUF *lpCallerId, struct _WSABUF *lpCallerData,
			       struct _QualityOfService *lpSQOS, struct _QualityOfService *lpGQOS,
			       struct _WSABUF *lpCalleeId, struct _WSABUF *lpCalleeData, GROUP *g,
			       DWORD_PTR dwCallbackData);

/**
 * WSAConnect() - connect(), reporting failures through WSAGetLastError().
 * @s: the socket.
 * @name: the peer's address.
 * @namelen: its length.
 * @lpCallerData: must be NULL.
 * @lpCalleeData: must be NULL.
 * @lpSQOS: must be NULL.
 * @lpGQOS: must be NULL.
 *
 * Return: 0; SOCKET_ERROR with the last error set: WSAEOPNOTSUPP when a data
 * or QOS argument is not NULL, else connect()'s errno as Winsock names it
 * (wfpredir_winsock_error_from_errno()).
 */
int WSAConnect(SOCKET s, const struct sockaddr *name, int namelen,
	       const struct _WSABUF *lpCallerData, const struct _WSABUF *lpCalleeData,
	       const struct _QualityOfService *lpSQOS, const struct _QualityOfService *lpGQOS);

/**
 * WSAAccept() - accept(), reporting failures through WSAGetLastError().
 * @s: the listening socket.
 * @addr: if not NULL, receives the peer's address.
 * @addrlen: the size of @addr in, its length out; NULL when @addr is NULL.
 * @lpfnCondition: must be NULL.
 * @dwCallbackData: not used.
 *
 * Return: the accepted socket; INVALID_SOCKET with the last error set:
 * WSAEOPNOTSUPP when @lpfnCondition is not NULL, else accept()'s errno as
 * Winsock names it.
 */
SOCKET WSAAccept(SOCKET s, struct sockaddr *addr, LPINT addrlen, LPCONDITIONPROC lpfnCondition,
		 DWORD_PTR dwCallbackData);

/**
 * wfpredir_winsock_error_from_errno() - the Winsock code of a socket call's errno.
 * @err: an errno value, either sign.
 *
 * The socket calls' table (ECONNREFUSED is WSAECONNREFUSED, ETIMEDOUT is
 * WSAETIMEDOUT, ...), not the ioctl table of wfpredir_wsa_error_from_errno(),
 * which folds everything the WFP pages do not list into their codes.
 *
 * Return: the WSA code; 0 for 0; WSAEINVAL for an errno with no Winsock
 * counterpart.
 */
int wfpredir_winsock_error_from_errno(int err);

#ifdef __cplusplus
}
#endif

#endif /* WFPREDIR_WINSOCK_H */
