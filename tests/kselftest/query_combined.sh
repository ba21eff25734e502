#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# WFPREDIR_SO_GET_REDIRECT answers a redirected socket with its records and
# context in one call, laid out as the UAPI says (an 8-byte header, the
# records at hdr_len, the context after them), byte for byte what the two
# separate queries give, at SOL_IP and SOL_IPV6 alike on AF_INET6 sockets.
# A buffer too small (one byte short, 0, the header alone) succeeds with the
# size needed and nothing copied; len -1 is EINVAL; a bad buffer EFAULT. The
# library's wfpredir_query_redirect() and WSAIoctl(SIO_QUERY_WFPREDIR_
# REDIRECT) give the same bytes, -ENOBUFS / WSAEFAULT with the size for a
# buffer too small, WSAEFAULT with 0 bytes for a bad one. A connection that
# was not redirected is ENOENT (FWP_E_NOT_FOUND); a socket never connected
# or listening ENOTCONN; a UDP socket with nothing queued EAGAIN. For TCP
# and UDP over IPv4 and IPv6, TCP over v4-mapped IPv6, with the default
# context and with a rule's 600-byte custom context (an answer larger than
# the module's on-stack buffer).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
qr=$build/tests/query-redirect
need "$ctl" "$qr" ip

redir_init
trap redir_cleanup EXIT
ns=qc-$sfx
ns_new "$ns" || exit 1
printf -v custom '5a%.0s' {1..600}
setup ctl_ns "$ns" service add qc id 1 ipv4 127.0.0.1:15301 ipv6 "[::1]:15301" || exit 1
setup ctl_ns "$ns" rule add service qc id 1 dport 9301 || exit 1
setup ctl_ns "$ns" rule add service qc id 2 dport 9302 context "$custom" || exit 1

declare -A r
# run CASE ARGS...: query-redirect ARGS in $ns; its lines into r[NAME].
run()
{
	local name rest

	r=()
	while read -r name rest; do
		r[$name]=$rest
		# a setup failure says why
		[ "$name" = query-redirect: ] && echo "# query-redirect: $rest"
	done < <(nsenter --net=/run/netns/"$ns" "$qr" "$@" 2>&1)
}
res() { echo "${r[$1]:-missing}"; }

for f in 4 6 m; do
	case $f in
	4) listen=127.0.0.1:15301 far=127.0.0.1 ;;
	6) listen="[::1]:15301" far="[::1]" ;;
	m) listen="[::]:15301" far=127.0.0.1 ;; # AF_INET6 sockets, v4-mapped flows
	esac
	for p in tcp udp; do
		# a v4 datagram redirected to the service did not reach a [::]
		# UDP socket here: not this option's business, left out
		[ $f = m ] && [ $p = udp ] && continue
		for rule in default custom; do
			c="v$f/$p/$rule"
			[ $f = m ] && c="mapped/$p/$rule"
			dport=9301 ctx=288 flags=0
			if [ $rule = custom ]; then
				dport=9302 ctx=600 flags=1
			fi
			run -p $p -l "$listen" -c "$far:$dport" -d "$far:15301"

			comb=$(res combined)
			[[ $comb =~ len=([0-9]+)\ hdr=([0-9]+)\ rec=([0-9]+) ]] || {
				echo "FAIL: $c: combined query: $comb"
				ret=1
				continue
			}
			total=${BASH_REMATCH[1]} rec=${BASH_REMATCH[3]}
			expect "$c: the combined query answers" ok res combined
			expect "$c: header, records, context" \
				"ok len=$((8 + rec + ctx)) hdr=8 rec=$rec ctx=$ctx flags=$flags" res combined
			expect "$c: the same bytes as the separate queries" "records=1 context=1" \
				res same
			if [ $f != 4 ]; then
				expect "$c: SOL_IP answers as SOL_IPV6 does" "ok same=1" res levels
			fi
			expect "$c: one byte short: the size, nothing copied" \
				"ok len=$total untouched=1" res short
			expect "$c: len 0 asks for the size" "ok len=$total" res zero
			expect "$c: room for the header only: the size, nothing copied" \
				"ok len=$total untouched=1" res hdronly
			expect "$c: a negative len" EINVAL res negative
			expect "$c: an unmapped buffer" EFAULT res badptr
			expect "$c: the records it gave are accepted by a set" ok res set
			expect "$c: wfpredir_query_redirect gives the same" "ok same=1" res lib
			expect "$c: wfpredir_query_redirect with no buffer: the size" \
				"ENOBUFS len=$total" res lib_null
			expect "$c: wfpredir_query_redirect one byte short" "ENOBUFS len=$total" \
				res lib_short
			expect "$c: WSAIoctl gives the same" "ok bytes=$total same=1" res wsa
			expect "$c: WSAIoctl one byte short: WSAEFAULT and the size" \
				"WSAEFAULT bytes=$total" res wsa_short
			expect "$c: WSAIoctl with an unmapped buffer" "WSAEFAULT bytes=0" \
				res wsa_badptr
			expect "$c: not redirected" ENOENT res direct
			expect "$c: not redirected, library" ENOENT res lib_direct
			expect "$c: not redirected, WSAIoctl" FWP_E_NOT_FOUND res wsa_direct
			expect "$c: a socket never connected or bound" ENOTCONN res fresh
			if [ $p = tcp ]; then
				expect "$c: a listening socket" ENOTCONN res listener
			else
				expect "$c: a UDP socket with nothing queued" EAGAIN res empty
			fi
		done
	done
done
exit $ret
