#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The seed pages' errors for the socket states wsa_errors.sh leaves out,
# through WSAIoctl against the real module (Documentation/windows-mapping.rst):
# a query on a bound or a listening TCP socket (querying the listener instead of
# the accepted socket is a known porting mistake) is WSAENOTCONN; on an
# accepted connection that was never redirected, and as a size probe, it is
# FWP_E_NOT_FOUND, not "too small"; SET on a listening or accepted socket,
# or with records too short, too long or without the magic, is WSAEINVAL.
# *lpcbBytesReturned is 0 each time. (An unconnected UDP socket is the UDP
# control-message work's: its query answers for the head of the queue.)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$probe"

w="$probe -a wsa"
for f in 4 6 m; do
	for p in $protos; do
		c="v$f/$p"
		for o in get-records get-context; do
			expect "$c $o: a size probe of a connection never redirected is FWP_E_NOT_FOUND" \
				"FWP_E_NOT_FOUND returned=0" $w -f "$f" -p "$p" -s connected -o "$o" -l 0
		done
		expect "$c: records too short are WSAEINVAL" "WSAEINVAL returned=0" \
			$w -f "$f" -p "$p" -r short
		expect "$c: records too long are WSAEINVAL" "WSAEINVAL returned=0" \
			$w -f "$f" -p "$p" -r long
		expect "$c: a blob without the magic is WSAEINVAL" "WSAEINVAL returned=0" \
			$w -f "$f" -p "$p" -r badmagic
	done
	c="v$f/tcp"
	for o in get-records get-context; do
		expect "$c $o: a bound socket is WSAENOTCONN" "WSAENOTCONN returned=0" \
			$w -f "$f" -p tcp -s bound -o "$o"
		expect "$c $o: the listening socket (not the accepted one) is WSAENOTCONN" \
			"WSAENOTCONN returned=0" $w -f "$f" -p tcp -s listening -o "$o"
		expect "$c $o: an accepted connection never redirected is FWP_E_NOT_FOUND" \
			"FWP_E_NOT_FOUND returned=0" $w -f "$f" -p tcp -s accepted -o "$o"
	done
	expect "$c: SET on a listening socket is WSAEINVAL" "WSAEINVAL returned=0" \
		$w -f "$f" -p tcp -s listening -r shaped
	expect "$c: SET on an accepted socket is WSAEINVAL" "WSAEINVAL returned=0" \
		$w -f "$f" -p tcp -s accepted -r shaped
done
exit $ret
