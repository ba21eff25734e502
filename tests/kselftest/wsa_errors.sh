#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# WSAIoctl against the real module: each kernel answer reaches the caller as
# the WSA error Documentation/wsa-errors.rst gives, and *lpcbBytesReturned is
# what the WFP pages say.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$probe" setpriv

w="$probe -a wsa"
drop="setpriv --inh-caps=-net_admin --bounding-set=-net_admin --"
for f in 4 6; do
	for p in $protos; do
		c="v$f/$p"
		expect "$c: forged records are WSAEINVAL" "WSAEINVAL returned=0" \
			$w -f "$f" -p "$p" -r shaped
		expect "$c: an unknown record version is WSAEINVAL" "WSAEINVAL returned=0" \
			$w -f "$f" -p "$p" -r badversion
		expect "$c: a connected socket is WSAEINVAL" "WSAEINVAL returned=0" \
			$w -f "$f" -p "$p" -s connected -r shaped
		expect "$c: an unreadable input buffer is WSAEFAULT" "WSAEFAULT returned=0" \
			$w -f "$f" -p "$p" -r badptr
		expect "$c: no CAP_NET_ADMIN is WSAEACCES" "WSAEACCES returned=0" \
			$drop $w -f "$f" -p "$p" -r shaped
		for o in get-records get-context; do
			expect "$c $o: an unconnected socket is WSAENOTCONN" \
				"WSAENOTCONN returned=0" $w -f "$f" -p "$p" -o "$o"
			expect "$c $o: a connection never redirected is FWP_E_NOT_FOUND" \
				"FWP_E_NOT_FOUND returned=0" $w -f "$f" -p "$p" -s connected -o "$o"
		done
	done
	expect "v$f/raw: a raw socket is WSAEOPNOTSUPP" "WSAEOPNOTSUPP returned=0" \
		$w -f "$f" -p raw -r shaped
done
exit $ret
