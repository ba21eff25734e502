#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Querying records or context on a socket that carries no redirected
# connection fails distinctly: ENOTCONN when the socket has no flow at all,
# ENOENT when it has one that was not redirected. A negative length is
# EINVAL. (A bound, unconnected UDP socket answers for the datagram at the
# head of its queue: udp_query_head.sh.)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$probe"

for f in 4 6 m; do
	for p in $protos; do
		for o in get-records get-context; do
			c="v$f/$p $o"
			expect "$c: a fresh socket is ENOTCONN" ENOTCONN \
				"$probe" -f "$f" -p "$p" -s fresh -o "$o"
			# A bound UDP socket answers for its queue's head datagram
			# instead: EAGAIN when empty (udp_query_head.sh).
			if [ "$p" = tcp ]; then
				expect "$c: a bound socket is ENOTCONN" ENOTCONN \
					"$probe" -f "$f" -p "$p" -s bound -o "$o"
			fi
			expect "$c: a connected, unredirected socket is ENOENT" ENOENT \
				"$probe" -f "$f" -p "$p" -s connected -o "$o"
			expect "$c: a zero-length buffer still learns ENOENT" ENOENT \
				"$probe" -f "$f" -p "$p" -s connected -o "$o" -l 0
			expect "$c: a negative length is EINVAL" EINVAL \
				"$probe" -f "$f" -p "$p" -s connected -o "$o" -l -1
		done
	done
	for o in get-records get-context; do
		expect "v$f/tcp $o: a listening socket is ENOTCONN" ENOTCONN \
			"$probe" -f "$f" -p tcp -s listening -o "$o"
		expect "v$f/tcp $o: an accepted, unredirected socket is ENOENT" ENOENT \
			"$probe" -f "$f" -p tcp -s accepted -o "$o"
	done
done
exit $ret
