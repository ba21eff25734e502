#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Records may be set only before the socket connects: a connected TCP or UDP
# socket, an accepted one and a listening one get EISCONN, and the state is
# checked before the records are read.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$probe"

for f in 4 6 m; do
	for p in $protos; do
		c="v$f/$p"
		expect "$c: a connected socket gets EISCONN" EISCONN \
			"$probe" -f "$f" -p "$p" -s connected -r shaped
		if [ "$f" != 6 ]; then	# SOL_IPV6 reads the buffer itself first
			expect "$c: EISCONN comes before reading the buffer" EISCONN \
				"$probe" -f "$f" -p "$p" -s connected -r badptr
		fi
		expect "$c: a fresh socket is accepted up to verification" EBADMSG \
			"$probe" -f "$f" -p "$p" -s fresh -r shaped
	done
	expect "v$f/tcp: a listening socket gets EISCONN" EISCONN \
		"$probe" -f "$f" -p tcp -s listening -r shaped
	expect "v$f/tcp: an accepted socket gets EISCONN" EISCONN \
		"$probe" -f "$f" -p tcp -s accepted -r shaped
done
exit $ret
