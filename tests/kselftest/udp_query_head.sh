#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A query on a bound, unconnected UDP socket answers for the datagram at
# the head of its receive queue, without reading it: the native call and
# WSAIoctl() return the records of that datagram's flow, and the context
# names its original destination. With nothing queued, before the datagram
# arrives and after it is read, the native call fails with the kernel's
# EAGAIN. The socket is bound to the service's address as a plain UDP
# service would be; IPv4 and IPv6.
#
#   ns a-SFX: client, rule, the querying service (udp-msg-proxy query)
#   ns b-SFX: nothing listens; the flow never gets there
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
umsg=$build/tests/udp-msg-proxy
need "$ctl" "$umsg" ip jq

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
setup ctl_ns "$nsa" service add q id 7 ipv4 127.0.0.1:15301 ipv6 "[::1]:15301" || exit 1
setup ctl_ns "$nsa" rule add service q proto udp dport 8090 || exit 1
# a record blob with one entry: header, entry, tag
len1=$((16 + 72 + 16))

for f in 4 6; do
	if [ $f = 4 ]; then farp=$B4 l=127.0.0.1:15301; else farp="[$B6]" l="[::1]:15301"; fi
	c="v$f"
	out=$tmpd/query-$f.out
	bg_run "$out" nsenter --net=/run/netns/"$nsa" "$umsg" query -l "$l" -T 20
	qpid=$!
	wait_for "$out" '^listening' || exit 1
	expect "$c: an empty queue is EAGAIN through the native call" EAGAIN \
		kv "$out" "empty " native
	nsenter --net=/run/netns/"$nsa" "$umsg" client -n 1 -T 1 -m "q$f" "$farp:8090" >/dev/null 2>&1
	wait_for "$out" '^drained' 10
	sed 's/^/# query: /' "$out"
	expect "$c: the queued datagram's records, natively" "ok 1 7" \
		echo "$(kv "$out" queued native) $(kv "$out" queued count) $(kv "$out" queued services)"
	expect "$c: and through WSAIoctl, with their size" "ok $len1" \
		echo "$(kv "$out" queued wsa) $(kv "$out" queued bytes)"
	expect "$c: its context names the original destination" "$farp:8090" \
		kv "$out" queued dst
	expect "$c: read, the queue is empty again: EAGAIN" EAGAIN kv "$out" drained native
	bg_stop "$qpid"
done
exit $ret
