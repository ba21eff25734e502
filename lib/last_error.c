// SPDX-License-Identifier: MIT
/*
 * The WSA last error: the library's only mutable global state, one int per
 * thread, as on Windows.
 */
#include "internal.h"

static _Thread_local int wsa_last_error;

void wfpredir__set_last_error(int wsa)
{
	wsa_last_error = wsa;
}

int WSAGetLastError(void)
{
	return wsa_last_error;
}

void WSASetLastError(int iError)
{
	wfpredir__set_last_error(iError);
}
