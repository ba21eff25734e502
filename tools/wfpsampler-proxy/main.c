// SPDX-License-Identifier: MIT
/*
 * wfpsampler-proxy: the TCP proxy loop of a Windows WFP redirect service, in
 * the order of Microsoft's WFPSampler (HelperFunctions_WinSock.cpp), written
 * as Windows code and built on Linux against libwfpredir. The include block
 * below is the only difference between the two builds; Documentation/
 * porting.rst walks through the port.
 *
 *   wfpsampler-proxy -p PORT [-l ADDR] [-n COUNT]
 *
 * Listens on ADDR (default 127.0.0.1; an IPv6 address listens on IPv6) port
 * PORT, where a redirect service sends connections, and for each one:
 * accept -> query the redirect records (size probe, then the buffer) ->
 * query the redirect context -> read the original destination out of it ->
 * new socket -> set the records on it -> connect to the original
 * destination -> relay both ways -> close. One connection at a time; each
 * step is logged on stdout. -n ends the program after COUNT connections.
 */
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#pragma comment(lib, "ws2_32.lib")
#else
#include <wfpredir.h>
#include <wfpredir/winsock.h>
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* WFPSampler's buffer sizes: used when a size probe tells nothing. */
#define REDIRECT_RECORDS_SIZE 8192
#define REDIRECT_CONTEXT_SIZE (sizeof(SOCKADDR_STORAGE) * 2)
#define RELAY_BUFFER_SIZE 16384
#define ADDRESS_TEXT_SIZE 96

static void LogLine(const char *pFormat, ...)
{
	va_list args;

	va_start(args, pFormat);
	vfprintf(stdout, pFormat, args);
	va_end(args);
	fputc('\n', stdout);
	fflush(stdout);
}

static int AddressLength(const SOCKADDR_STORAGE *pAddress)
{
	return pAddress->ss_family == AF_INET6 ? (int)sizeof(SOCKADDR_IN6)
					       : (int)sizeof(SOCKADDR_IN);
}

/* "ADDR:PORT", or "[ADDR]:PORT" for IPv6. */
static const char *FormatAddress(const SOCKADDR_STORAGE *pAddress, char *pText, size_t textSize)
{
	char host[INET6_ADDRSTRLEN + 8];
	char service[8];

	if (getnameinfo((const SOCKADDR *)pAddress, AddressLength(pAddress), host, sizeof(host),
			service, sizeof(service), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(pText, textSize, "(family %u)", (unsigned int)pAddress->ss_family);
		return pText;
	}
	if (pAddress->ss_family == AF_INET6)
		snprintf(pText, textSize, "[%s]:%s", host, service);
	else
		snprintf(pText, textSize, "%s:%s", host, service);
	return pText;
}

/*
 * One of the two queries, as a service that does not know the size does it:
 * probe with no buffer, then query into a buffer of the size the probe gave.
 * The WFP pages disagree on how a probe fails (WSAEINVAL with 0 bytes, or
 * ERROR_INSUFFICIENT_BUFFER with the size; libwfpredir says WSAEFAULT with
 * the size), so only the byte count is trusted: when it is 0 the default
 * size is tried instead. Returns NO_ERROR with *ppBuffer to free(), or the
 * WSA error (FWP_E_NOT_FOUND: the connection carries no such data).
 */
static UINT32 QueryRedirectData(SOCKET acceptedSocket, DWORD controlCode, DWORD defaultSize,
				BYTE **ppBuffer, DWORD *pSize)
{
	DWORD bytesReturned = 0;
	DWORD bufferSize;
	BYTE *pBuffer;
	UINT32 status;

	*ppBuffer = 0;
	*pSize = 0;
	if (WSAIoctl(acceptedSocket, controlCode, 0, 0, 0, 0, &bytesReturned, 0, 0) == 0)
		return NO_ERROR; /* nothing to read */
	status = (UINT32)WSAGetLastError();
	if (status == (UINT32)FWP_E_NOT_FOUND)
		return status;
	bufferSize = bytesReturned ? bytesReturned : defaultSize;
	LogLine("  size probe: %lu bytes needed (WSAGetLastError %ld)",
		(unsigned long)bytesReturned, (long)(int)status);

	pBuffer = (BYTE *)malloc(bufferSize);
	if (!pBuffer)
		return WSAENOBUFS;
	if (WSAIoctl(acceptedSocket, controlCode, 0, 0, pBuffer, bufferSize, &bytesReturned, 0,
		     0) == SOCKET_ERROR) {
		status = (UINT32)WSAGetLastError();
		free(pBuffer);
		return status;
	}
	*ppBuffer = pBuffer;
	*pSize = bytesReturned;
	return NO_ERROR;
}

/* One receive on @from, sent whole on @to. FALSE when @from is done (closed,
 * failed, or @to refused): @to is then shut for sending, and *pFailed says
 * whether the receive failed. */
static BOOL RelayOnce(SOCKET from, SOCKET to, char *buffer, unsigned long long *pTotal,
		      BOOL *pFailed)
{
	int received = recv(from, buffer, RELAY_BUFFER_SIZE, 0);

	if (received > 0 && send(to, buffer, received, 0) == received) {
		*pTotal += (unsigned long long)received;
		return TRUE;
	}
	shutdown(to, SD_SEND);
	*pFailed = received < 0;
	return FALSE;
}

/* Copies each side's data to the other until both have closed. */
static void RelayData(SOCKET clientSocket, SOCKET serverSocket)
{
	char *buffer = (char *)malloc(RELAY_BUFFER_SIZE);
	unsigned long long toServer = 0;
	unsigned long long toClient = 0;
	BOOL clientOpen = TRUE;
	BOOL serverOpen = TRUE;
	BOOL failed = FALSE;

	if (!buffer) {
		LogLine("relay: out of memory");
		return;
	}
	while (clientOpen || serverOpen) {
		fd_set readSet;
		SOCKET highest = clientSocket > serverSocket ? clientSocket : serverSocket;

		FD_ZERO(&readSet);
		if (clientOpen)
			FD_SET(clientSocket, &readSet);
		if (serverOpen)
			FD_SET(serverSocket, &readSet);
		if (select((int)highest + 1, &readSet, 0, 0, 0) == SOCKET_ERROR) {
			LogLine("  relay: select() failed");
			break;
		}
		if (clientOpen && FD_ISSET(clientSocket, &readSet))
			clientOpen =
				RelayOnce(clientSocket, serverSocket, buffer, &toServer, &failed);
		if (!failed && serverOpen && FD_ISSET(serverSocket, &readSet))
			serverOpen =
				RelayOnce(serverSocket, clientSocket, buffer, &toClient, &failed);
		if (failed)
			break;
	}
	free(buffer);
	LogLine("relay: %llu bytes to the server, %llu bytes to the client", toServer, toClient);
}

/* WFPSampler's order, one accepted connection. */
static void ProxyConnection(SOCKET acceptedSocket)
{
	SOCKADDR_STORAGE originalDestination;
	SOCKADDR_STORAGE originalSource;
	SOCKET proxySocket = INVALID_SOCKET;
	BYTE *pRedirectRecords = 0;
	BYTE *pRedirectContext = 0;
	DWORD redirectRecordsSize = 0;
	DWORD redirectContextSize = 0;
	DWORD outputSize = 0;
	char text[2][ADDRESS_TEXT_SIZE];
	UINT32 status;

	/* 1. The redirect records of the accepted connection. */
	status = QueryRedirectData(acceptedSocket, SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS,
				   REDIRECT_RECORDS_SIZE, &pRedirectRecords, &redirectRecordsSize);
	if (status == (UINT32)FWP_E_NOT_FOUND) {
		LogLine("records: none, the connection was not redirected; closing it");
		goto cleanup;
	}
	if (status != NO_ERROR) {
		LogLine("records: WSAIoctl() failed [status: %#x]", (unsigned int)status);
		goto cleanup;
	}
	LogLine("records: %lu bytes", (unsigned long)redirectRecordsSize);

	/* 2. The redirect context: the original destination, then the original
	 * source, each a SOCKADDR_STORAGE, as WFPSampler's callout lays it out. */
	status = QueryRedirectData(acceptedSocket, SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT,
				   (DWORD)REDIRECT_CONTEXT_SIZE, &pRedirectContext,
				   &redirectContextSize);
	if (status == (UINT32)FWP_E_NOT_FOUND) {
		LogLine("context: none; the original destination is unknown, closing");
		goto cleanup;
	}
	if (status != NO_ERROR) {
		LogLine("context: WSAIoctl() failed [status: %#x]", (unsigned int)status);
		goto cleanup;
	}
	/* At least the two addresses; a provider may append more after them. */
	if (redirectContextSize < REDIRECT_CONTEXT_SIZE) {
		LogLine("context: %lu bytes, too short for two addresses; closing",
			(unsigned long)redirectContextSize);
		goto cleanup;
	}
	RtlCopyMemory(&originalDestination, pRedirectContext, sizeof(SOCKADDR_STORAGE));
	RtlCopyMemory(&originalSource, pRedirectContext + sizeof(SOCKADDR_STORAGE),
		      sizeof(SOCKADDR_STORAGE));
	if (originalDestination.ss_family != AF_INET && originalDestination.ss_family != AF_INET6) {
		LogLine("context: %lu bytes, not addresses; closing",
			(unsigned long)redirectContextSize);
		goto cleanup;
	}
	LogLine("context: %lu bytes: original destination %s, original source %s",
		(unsigned long)redirectContextSize,
		FormatAddress(&originalDestination, text[0], sizeof(text[0])),
		FormatAddress(&originalSource, text[1], sizeof(text[1])));

	/* 3. A new socket toward the original destination. */
	proxySocket = WSASocket(originalDestination.ss_family, SOCK_STREAM, IPPROTO_TCP, 0, 0, 0);
	if (proxySocket == INVALID_SOCKET) {
		LogLine("socket: WSASocket() failed [status: %#x]",
			(unsigned int)WSAGetLastError());
		goto cleanup;
	}

	/* 4. The records go on it before it connects (or binds). */
	if (WSAIoctl(proxySocket, SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS, pRedirectRecords,
		     redirectRecordsSize, 0, 0, &outputSize, 0, 0) == SOCKET_ERROR) {
		LogLine("set records: WSAIoctl() failed [status: %#x]",
			(unsigned int)WSAGetLastError());
		goto cleanup;
	}
	LogLine("set records: %lu bytes on the new socket", (unsigned long)redirectRecordsSize);

	/* 5. Connect; the records keep this hop from being redirected back to us. */
	if (WSAConnect(proxySocket, (const SOCKADDR *)&originalDestination,
		       AddressLength(&originalDestination), 0, 0, 0, 0) == SOCKET_ERROR) {
		LogLine("connect %s: WSAConnect() failed [status: %d]",
			FormatAddress(&originalDestination, text[0], sizeof(text[0])),
			WSAGetLastError());
		goto cleanup;
	}
	LogLine("connect: %s", FormatAddress(&originalDestination, text[0], sizeof(text[0])));

	/* 6. Relay. */
	RelayData(acceptedSocket, proxySocket);

cleanup:
	/* 7. Close. */
	if (proxySocket != INVALID_SOCKET)
		closesocket(proxySocket);
	free(pRedirectContext);
	free(pRedirectRecords);
}

static void Usage(void)
{
	fputs("Usage: wfpsampler-proxy -p PORT [-l ADDR] [-n COUNT]\n"
	      "A WFPSampler-order redirect proxy: accept, query records and context,\n"
	      "set the records on a new socket, connect to the original destination,\n"
	      "relay. ADDR defaults to 127.0.0.1; COUNT ends it after that many\n"
	      "connections.\n",
	      stderr);
}

int main(int argc, char **argv)
{
	const char *pListenAddress = "127.0.0.1";
	const char *pListenPort = 0;
	long connectionsLeft = -1;
	ADDRINFOA hints;
	ADDRINFOA *pListenInfo = 0;
	SOCKET listenSocket = INVALID_SOCKET;
	WSADATA wsaData;
	int optionOn = 1;
	int exitCode = EXIT_FAILURE;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
			pListenPort = argv[++i];
		} else if (strcmp(argv[i], "-l") == 0 && i + 1 < argc) {
			pListenAddress = argv[++i];
		} else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			connectionsLeft = strtol(argv[++i], 0, 10);
		} else if (strcmp(argv[i], "-h") == 0) {
			Usage();
			return EXIT_SUCCESS;
		} else {
			Usage();
			return 2;
		}
	}
	if (!pListenPort) {
		Usage();
		return 2;
	}

	i = WSAStartup(MAKEWORD(2, 2), &wsaData);
	if (i != 0) {
		fprintf(stderr, "WSAStartup() failed [status: %d]\n", i);
		return EXIT_FAILURE;
	}

	ZeroMemory(&hints, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(pListenAddress, pListenPort, &hints, &pListenInfo) != 0 || !pListenInfo) {
		fprintf(stderr, "bad listen address %s port %s\n", pListenAddress, pListenPort);
		goto cleanup;
	}
	listenSocket = WSASocket(pListenInfo->ai_family, SOCK_STREAM, IPPROTO_TCP, 0, 0, 0);
	if (listenSocket == INVALID_SOCKET) {
		fprintf(stderr, "WSASocket() failed [status: %d]\n", WSAGetLastError());
		goto cleanup;
	}
	setsockopt(listenSocket, SOL_SOCKET, SO_REUSEADDR, (const char *)&optionOn,
		   sizeof(optionOn));
	/* bind() and listen() are the C library's on Linux: they set errno, not
	 * the WSA last error, so only the step is named. */
	if (bind(listenSocket, pListenInfo->ai_addr, (int)pListenInfo->ai_addrlen) ==
	    SOCKET_ERROR) {
		fprintf(stderr, "bind() to %s port %s failed\n", pListenAddress, pListenPort);
		goto cleanup;
	}
	if (listen(listenSocket, SOMAXCONN) == SOCKET_ERROR) {
		fprintf(stderr, "listen() failed\n");
		goto cleanup;
	}
	LogLine("listening on %s port %s", pListenAddress, pListenPort);

	while (connectionsLeft != 0) {
		SOCKADDR_STORAGE peer;
		int peerLength = (int)sizeof(peer);
		char text[ADDRESS_TEXT_SIZE];
		SOCKET acceptedSocket;

		acceptedSocket = WSAAccept(listenSocket, (SOCKADDR *)&peer, &peerLength, 0, 0);
		if (acceptedSocket == INVALID_SOCKET) {
			LogLine("accept: WSAAccept() failed [status: %d]", WSAGetLastError());
			continue;
		}
		LogLine("accepted: %s", FormatAddress(&peer, text, sizeof(text)));
		ProxyConnection(acceptedSocket);
		closesocket(acceptedSocket);
		LogLine("closed");
		if (connectionsLeft > 0)
			connectionsLeft--;
	}
	exitCode = EXIT_SUCCESS;

cleanup:
	if (listenSocket != INVALID_SOCKET)
		closesocket(listenSocket);
	if (pListenInfo)
		freeaddrinfo(pListenInfo);
	WSACleanup();
	return exitCode;
}
