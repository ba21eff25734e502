#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Big numbers: rmmod, and separately the deletion of a namespace, with
# N (the first argument, default 10 000) live TCP connections redirected
# through wfpredir-proxy (N redirected flows plus the proxy's N onward ones,
# whose records the flows hold once connected) and N more sockets holding
# records they have not used yet (hop sets a redirected connection's
# records on N fresh sockets: the socket store full of them). Both must be clean (no kernel
# report, the module's reference count 0 with the flows live, kmemleak clean
# at the end of the VM run), and the script says how long each took. This is
# unload_live_flows.sh at five times the size; slow on the debug kernel, so
# not in the kselftest set: tests/soak/run --big (make soak-big) runs it.
# shellcheck source=../kselftest/lib.sh
source "$(dirname "$0")/../kselftest/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" "$flowpeer" "$hop" ip jq ss insmod rmmod sysctl

ko=${WFPREDIR_MODULE:-}
if [ ! -f "$ko" ]; then
	echo "SKIP: WFPREDIR_MODULE does not name the module file"
	exit $ksft_skip
fi
n=${1:-10000}

cleanup()
{
	redir_cleanup
	[ -d /sys/module/wfpredir ] || insmod "$ko"
}
redir_init
trap cleanup EXIT
# client, proxy (two sockets a connection) and server each hold thousands
ulimit -n 65536
# conntrack's table is global and sized from the VM's memory: room for
# every connection twice, with margin
sysctl -qw net.netfilter.nf_conntrack_max=$((8 * n))
sysctl -qw net.core.somaxconn=4096

ms_since()
{
	echo $((($(date +%s%N) - $1) / 1000000))
}

# world NSA NSB: server, proxy px and a rule for every TCP flow
world()
{
	topo_up "$1" "$2" || return 1
	server_start "$2" -t "$B4:8080" -t "[$B6]:8080" || return 1
	proxy_start "$1" "px-$1" --max-conns $((n + 100)) -t 127.0.0.1:15001 \
		-t "[::1]:15001" || return 1
	setup ctl_ns "$1" service add px id 1 ipv4 127.0.0.1:15001 ipv6 "[::1]:15001" &&
		setup ctl_ns "$1" service add hp id 2 ipv4 127.0.0.1:15002 &&
		setup ctl_ns "$1" rule add service hp priority 10 proto tcp dport 8081 &&
		setup ctl_ns "$1" rule add service px priority 20 proto tcp
}

# hold NS OUT FAR: $n connections to FAR:8080 from NS, kept open; checks
# that every one went through the proxy and holds its records.
hold()
{
	local t0

	t0=$(date +%s%N)
	bg_run "$2" ip netns exec "$1" "$flowpeer" hold -n "$n" -c 64 -T 120 "$3:8080"
	holder=$!
	wait_for "$2" '^ok|^failed' 3000
	echo "# $n connections opened in $(ms_since "$t0") ms"
	expect "$n connections are open through the proxy" "ok $n same=0 other=$n" cat "$2"
	expect "$((2 * n)) flows live: the redirected ones and the proxy's" $((2 * n)) \
		info_get "$1" flows
	# one more redirected connection, to hop: its records on $n sockets
	hop_start "$tmpd/hop-$1.out" "$1" -l 127.0.0.1:15002 -c - -n "$n" -k -T 60 || return 1
	setup ip netns exec "$1" "$flowpeer" connect -T 60 "$B4:8081" || return 1
	wait_for "$tmpd/hop-$1.out" '^holding' 600
	expect "hop set the records on $n fresh sockets" "set=ok count=$n" \
		grep '^set=' "$tmpd/hop-$1.out"
	# the proxy's onward sockets leave the store once their flows are
	# confirmed, at the store's next collection
	wait_value "$n sockets hold records" "$n" 30 info_get "$1" sockets
}

# --- rmmod with live flows
nsa=a-$sfx
nsb=b-$sfx
world "$nsa" "$nsb" || exit 1
kmsg_mark
hold "$nsa" "$tmpd/hold1" "$B4"
expect "the module's reference count is 0 with the flows live" 0 \
	cat /sys/module/wfpredir/refcnt
t0=$(date +%s%N)
rc=0
out=$(rmmod wfpredir 2>&1) || rc=$?
rmmod_ms=$(ms_since "$t0")
if [ $rc -eq 0 ]; then
	echo "PASS: rmmod succeeds with $n live redirected connections, in $rmmod_ms ms"
else
	echo "FAIL: rmmod with $n live redirected connections: exit $rc: $out"
	ret=1
	kill "$(cat "$tmpd/px-$nsa.pid")"
	sleep 1
	rmmod wfpredir
fi
kmsg_clean "the kernel log is clean after rmmod with $n live connections"
expect_rc "insmod succeeds again" 0 insmod "$ko"
expect "the reloaded module starts empty: no flows" 0 info_get "$nsa" flows
t0=$(date +%s%N)
bg_stop "$holder"
bg_stop "$hop_pid"
kill "$(cat "$tmpd/px-$nsa.pid")" 2>/dev/null
ip netns del "$nsa"
ip netns del "$nsb"
echo "# the old connections closed and their namespaces deleted in $(ms_since "$t0") ms"
sleep 2
kmsg_clean "the kernel log is clean after the old connections closed"

# --- ip netns del with live flows
nsa2=a2-$sfx
nsb2=b2-$sfx
world "$nsa2" "$nsb2" || exit 1
kmsg_mark
hold "$nsa2" "$tmpd/hold2" "[$B6]"
t0=$(date +%s%N)
expect_rc "ip netns del of the client's namespace with $n live flows" 0 ip netns del "$nsa2"
del_ms=$(ms_since "$t0")
# Its processes hold the namespace; once they are gone, the namespace is torn
# down (the module's exit for it included) and its end of the veth pair goes,
# taking the peer in $nsb2 with it: the devices go after the module's exit.
bg_stop "$holder"
bg_stop "$hop_pid"
kill "$(cat "$tmpd/px-$nsa2.pid")" 2>/dev/null
kill_ms=$(ms_since "$t0")
gone_ms=
for ((i = 0; i < 6000; i++)); do
	if ! ip -n "$nsb2" link show veth0 >/dev/null 2>&1; then
		gone_ms=$(ms_since "$t0")
		break
	fi
	sleep 0.1
done
expect "the namespace with $n flows is torn down" yes is_gt "${gone_ms:-0}" 0
echo "# ip netns del: $del_ms ms; its processes killed by $kill_ms ms; the namespace" \
	"torn down by ${gone_ms:-never} ms"
ip netns del "$nsb2"
sleep 3
kmsg_clean "the namespace went away cleanly with its $n flows"
expect_rc "the module still answers" 0 "$ctl" info
echo "# big numbers (kernel ${WFPREDIR_KERNEL:-stock}, n=$n): rmmod $rmmod_ms ms;" \
	"netns teardown ${gone_ms:-never} ms (ip netns del $del_ms ms)"
exit $ret
