#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# An in-kernel proxy (tests/modules/kproxy, on the kernel API of
# <wfpredir/wfpredir.h>) in a chain with the userspace one:
# client -> wfpredir-proxy -> kproxy -> server and
# client -> kproxy -> wfpredir-proxy -> server, IPv4 and IPv6. The bytes
# arrive intact both ways, the last hop's connection carries both services'
# entries in the order of the chain, each service takes the flow once (no
# loop), and kproxy unloads cleanly while it relays live connections.
#
#   ns a-SFX: client, wfpredir-proxy (service 1), kproxy (service 2)
#   ns b-SFX: the flowpeer server
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" "$flowpeer" ip jq ss insmod rmmod

kproxy_init
kmsg_mark

nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" -t "[$B6]:8080" -t "$B4:8081" -t "[$B6]:8081" || exit 1
setup insmod "$kproxy" || exit 1

# kp CMD...: write one command to kproxy's control file in namespace A
kp() { nsenter --net=/run/netns/"$nsa" sh -c 'echo "$1" >"$2"' sh "$*" "$kpf"; }

setup proxy_start "$nsa" px -t 127.0.0.1:15501 -t "[::1]:15501" || exit 1
setup kp listen 127.0.0.1:15502 || exit 1
setup kp listen "[::1]:15502" || exit 1
setup ctl_ns "$nsa" service add px id 1 ipv4 127.0.0.1:15501 ipv6 "[::1]:15501" || exit 1
setup ctl_ns "$nsa" service add kp id 2 ipv4 127.0.0.1:15502 ipv6 "[::1]:15502" || exit 1
# port 8080: userspace first, then kproxy; port 8081: kproxy first
setup ctl_ns "$nsa" rule add service px priority 100 proto tcp dport 8080 || exit 1
setup ctl_ns "$nsa" rule add service kp priority 200 proto tcp dport 8080 || exit 1
setup ctl_ns "$nsa" rule add service kp priority 100 proto tcp dport 8081 || exit 1
setup ctl_ns "$nsa" rule add service px priority 200 proto tcp dport 8081 || exit 1

# 700 bytes that are not all alike, so that a lost or reordered chunk shows
msg=$(for i in $(seq 1 70); do printf '%09d-' "$i"; done)
go() { nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 10 -m "$msg" "$@"; }
# held NS DST WHICH: the distinct chains of DST's flows (flow_chain WHICH),
# looked at while one connection is held open: a closed connection's flows
# are released (an earlier one's may linger until the next collection, with
# the same chains).
held()
{
	local out=$tmpd/held.out pid

	bg_run "$out" nsenter --net=/run/netns/"$1" "$flowpeer" hold -n 1 -T 20 "$2"
	pid=$!
	wait_for "$out" '^ok|^failed' 30
	flow_chain "$1" "$2" "$3" | sort -u | paste -sd, | sed 's/,/, /g'
	bg_stop "$pid"
}

for f in 4 6; do
	[ $f = 4 ] && far=$B4 || far="[$B6]"
	c="v$f"
	up=$(kproxy_field bytes_up)
	down=$(kproxy_field bytes_down)
	expect "$c: client -> wfpredir-proxy -> kproxy -> server: 700 bytes echoed intact" \
		"server src=other" go "$far:8080"
	expect "$c: kproxy relayed them upstream" yes is_gt "$(kproxy_field bytes_up)" $((up + 699))
	expect "$c: and the answer downstream" yes is_gt "$(kproxy_field bytes_down)" $((down + 699))
	expect "$c: the last hop carries [wfpredir-proxy, kproxy]" "1 2" \
		held "$nsa" "$far:8080" final
	expect "$c: the redirected hops carry [1] and [1, 2], each service once" "1, 1 2" \
		held "$nsa" "$far:8080" redirected
	expect "$c: kproxy read both entries with the synchronous query" 2 kproxy_field last_entries

	expect "$c: client -> kproxy -> wfpredir-proxy -> server: 700 bytes echoed intact" \
		"server src=other" go "$far:8081"
	expect "$c: the last hop carries [kproxy, wfpredir-proxy]" "2 1" \
		held "$nsa" "$far:8081" final
	expect "$c: the redirected hops carry [2] and [2, 1], each service once" "2, 2 1" \
		held "$nsa" "$far:8081" redirected

	out=$tmpd/storm-$f.out
	nsenter --net=/run/netns/"$nsa" "$flowpeer" storm -n 20 -c 5 -T 20 "$far:8081" >"$out" 2>&1
	expect "$c: 20 connections through kproxy, 5 at a time" "ok 20 same=0 other=20" cat "$out"
done
expect "kproxy set records on every onward connection" yes \
	is_gt "$(kproxy_field set_ok)" 23
expect "no query failed" 0 kproxy_field query_fail
expect "no onward connection failed" 0 kproxy_field connect_fail
wait_value "every relay ends when its client closes" 0 20 kproxy_field active

# unload while relaying live connections
holders=()
for f in 4 6; do
	[ $f = 4 ] && far=$B4 || far="[$B6]"
	out=$tmpd/hold-$f.out
	bg_run "$out" nsenter --net=/run/netns/"$nsa" "$flowpeer" hold -n 3 -T 15 "$far:8080"
	holders+=($!)
	wait_for "$out" '^ok|^failed' 20
	expect "v$f: three connections held open through both proxies" \
		"ok 3 same=0 other=3" cat "$out"
done
expect "kproxy relays six live connections" 6 kproxy_field active
expect_rc "kproxy unloads with live connections" 0 rmmod wfpredir_kproxy
for h in "${holders[@]}"; do bg_stop "$h"; done
kmsg_clean "the kernel log stays clean"
exit $ret
