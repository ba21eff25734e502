#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Live redirected flows never make the module or a namespace hard to get rid
# of. With thousands of TCP connections held open through wfpredir-proxy,
# rmmod succeeds (the proxy still running) and the kernel log stays clean;
# the module loads again and starts empty. A namespace deleted while its
# redirected connections are open goes away cleanly once its processes do.
# And when connections close, their flows go at the next collection (every
# second), though conntrack keeps their entries in TIME_WAIT.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" "$flowpeer" ip jq ss conntrack insmod rmmod

ko=${WFPREDIR_MODULE:-}
if [ ! -f "$ko" ]; then
	echo "SKIP: WFPREDIR_MODULE does not name the module file"
	exit $ksft_skip
fi
n=${UNLOAD_N:-$(per_kernel 2000 400)}

cleanup()
{
	redir_cleanup
	[ -d /sys/module/wfpredir ] || insmod "$ko"
}
redir_init
trap cleanup EXIT
ulimit -n 65536

# world NSA NSB: server, proxy px and a rule for every TCP flow
world()
{
	topo_up "$1" "$2" || return 1
	server_start "$2" -t "$B4:8080" -t "[$B6]:8080" || return 1
	proxy_start "$1" "px-$1" --max-conns $((n + 100)) -t 127.0.0.1:15001 \
		-t "[::1]:15001" || return 1
	setup ctl_ns "$1" service add px id 1 ipv4 127.0.0.1:15001 ipv6 "[::1]:15001" &&
		setup ctl_ns "$1" rule add service px proto tcp
}

# --- rmmod with live flows
nsa=a-$sfx
nsb=b-$sfx
world "$nsa" "$nsb" || exit 1
kmsg_mark
bg_run "$tmpd/hold1" nsenter --net=/run/netns/"$nsa" "$flowpeer" hold -n "$n" -c 64 -T 30 "$B4:8080"
holder=$!
wait_for "$tmpd/hold1" '^ok|^failed' 100
expect "$n connections are open through the proxy" "ok $n same=0 other=$n" cat "$tmpd/hold1"
expect "each is two flows: the redirected one and the proxy's" $((2 * n)) info_get "$nsa" flows
rc=0
out=$(rmmod wfpredir 2>&1) || rc=$?
if [ $rc -eq 0 ]; then
	echo "PASS: rmmod succeeds with $n live redirected connections"
else
	echo "FAIL: rmmod with $n live redirected connections: exit $rc: $out" \
		"(refcnt $(cat /sys/module/wfpredir/refcnt 2>/dev/null))"
	ret=1
	# so that the rest can run: without the proxy
	kill "$(cat "$tmpd/px-$nsa.pid")"
	sleep 1
	rmmod wfpredir
fi
expect_rc "without the module wfpredirctl exits 3" 3 "$ctl" info
sleep 2
kmsg_clean "the kernel log is clean after rmmod with live flows"
expect_rc "insmod succeeds again" 0 insmod "$ko"
expect "the reloaded module starts empty: no services" 0 info_get "$nsa" services
expect "the reloaded module starts empty: no flows" 0 info_get "$nsa" flows
bg_stop "$holder"
kill "$(cat "$tmpd/px-$nsa.pid")" 2>/dev/null
sleep 1
kmsg_clean "the kernel log is clean after the old connections closed"

# --- ip netns del with live flows
n2=$((n / 4))
nsa2=a2-$sfx
nsb2=b2-$sfx
world "$nsa2" "$nsb2" || exit 1
kmsg_mark
bg_run "$tmpd/hold2" nsenter --net=/run/netns/"$nsa2" "$flowpeer" hold -n "$n2" -c 64 -T 30 "[$B6]:8080"
holder=$!
wait_for "$tmpd/hold2" '^ok|^failed' 60
expect "$n2 IPv6 connections are open through the proxy" "ok $n2 same=0 other=$n2" \
	cat "$tmpd/hold2"
expect_rc "ip netns del of the client's namespace with live flows" 0 ip netns del "$nsa2"
bg_stop "$holder"
kill "$(cat "$tmpd/px-$nsa2.pid")"
ip netns del "$nsb2"
sleep 3
kmsg_clean "the namespace went away cleanly with its flows"
expect_rc "the module still answers" 0 "$ctl" info

# --- flows go when their connections do
nsa3=a3-$sfx
nsb3=b3-$sfx
world "$nsa3" "$nsb3" || exit 1
expect "200 short connections through the proxy" "ok 200 same=0 other=200" \
	nsenter --net=/run/netns/"$nsa3" "$flowpeer" storm -n 200 -c 16 -T 10 "$B4:8080"
# A closed connection's flow goes at the next collection, though conntrack
# keeps its entry in TIME_WAIT for two minutes more.
wait_value "closed connections' flows go within 3 s" 0 3 info_get "$nsa3" flows
expect "while conntrack still holds their entries (TIME_WAIT)" yes \
	is_gt "$(nsenter --net=/run/netns/"$nsa3" conntrack -C 2>/dev/null)" 0
nsenter --net=/run/netns/"$nsa3" conntrack -F >/dev/null 2>&1
expect "flushing conntrack then finds no flow to release" 0 info_get "$nsa3" flows
exit $ret
