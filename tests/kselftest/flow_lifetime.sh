#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# How long wfpredir keeps state, and what happens when it cannot:
#  - records set on a socket are held for that socket until a flow of it
#    has left with them (info "sockets" goes 0 -> 1 -> 0 across connect,
#    within a collection interval of the connection), or until the socket
#    closes unconnected;
#  - a connection's flow lives as long as its conntrack entry: conntrack -D
#    removes it from `flow list` within ~2 s (TCP and UDP);
#  - with the flow table full (module parameter max_flows=4) a connection
#    that needs a flow is refused at once, connect() or send() failing with
#    ECONNREFUSED, and table_full counts it; never a silent hang. Connections that
#    need no flow go on, and the table recovers when flows go.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$hop" "$flowpeer" ip jq ss conntrack insmod rmmod

ko=${WFPREDIR_MODULE:-}
if [ ! -f "$ko" ]; then
	echo "SKIP: WFPREDIR_MODULE does not name the module file"
	exit $ksft_skip
fi
reloaded=0
cleanup()
{
	redir_cleanup
	# back to the module's defaults for the tests that follow
	if [ $reloaded = 1 ] && [ -d /sys/module/wfpredir ]; then
		rmmod wfpredir
	fi
	[ -d /sys/module/wfpredir ] || insmod "$ko"
}
redir_init
trap cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" -t "$B4:8081" -t "$B4:9090" -u "$B4:8081" -u "$B4:9090" ||
	exit 1
server_start "$nsa" -n svc -t 127.0.0.1:15008 -u 127.0.0.1:15008 || exit 1

services()
{
	setup ctl_ns "$nsa" service add hopsvc id 7 ipv4 127.0.0.1:15007 &&
		setup ctl_ns "$nsa" service add echo id 8 ipv4 127.0.0.1:15008 &&
		setup ctl_ns "$nsa" rule add service hopsvc dport 8080 &&
		setup ctl_ns "$nsa" rule add service echo dport 8081
}
services || exit 1
flows() { info_get "$nsa" flows; }
sockets() { info_get "$nsa" sockets; }

# --- per-socket state
hop_start "$tmpd/hop.out" "$nsa" -l 127.0.0.1:15007 -s "$tmpd/rec" || exit 1
nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 10 "$B4:8080" >/dev/null
hop_wait
[ -s "$tmpd/rec" ] || {
	echo "FAIL: no records were read"
	exit 1
}
expect "no socket holds records yet" 0 sockets
for p in tcp udp; do
	u=''
	[ $p = udp ] && u=-u
	hop_start "$tmpd/set.out" "$nsa" $u -r "$tmpd/rec" -W "$tmpd/go-$p" -c "$B4:9090"
	wait_for "$tmpd/set.out" '^waiting' || ret=1
	expect "$p: records set" ok kv "$tmpd/set.out" set= set
	expect "$p: the socket holds them until its first packet" 1 sockets
	touch "$tmpd/go-$p"
	wait_for "$tmpd/set.out" '^reply=' 15 || ret=1
	expect "$p: it connects and reaches the server" server kv "$tmpd/set.out" reply= reply
	wait_value "$p: once its flow left, the socket's records go within 3 s" 0 3 sockets
	hop_wait

	hop_start "$tmpd/set.out" "$nsa" $u -r "$tmpd/rec" -W "$tmpd/stay-$p" -c -
	wait_for "$tmpd/set.out" '^waiting' || ret=1
	expect "$p: a socket that will never connect holds its records" 1 sockets
	touch "$tmpd/stay-$p"
	hop_wait
	wait_value "$p: when it closes, its records go within 3 s" 0 3 sockets
done

# --- per-connection state
nsenter --net=/run/netns/"$nsa" conntrack -F >/dev/null 2>&1
wait_value "with conntrack flushed, no flows are left" 0 3 flows
for p in tcp udp; do
	u=''
	[ $p = udp ] && u=-u
	bg_run "$tmpd/hold-$p" nsenter --net=/run/netns/"$nsa" "$flowpeer" hold $u -n 1 -T 10 "$B4:8081"
	holder=$!
	wait_for "$tmpd/hold-$p" '^ok|^failed' 15
	expect "$p: the connection was redirected" "ok 1 same=1 other=0" cat "$tmpd/hold-$p"
	expect "$p: an open redirected connection is one flow" 1 flows
	expect "$p: flow list shows it" 1 list_len "$nsa" flow
	nsenter --net=/run/netns/"$nsa" conntrack -D -p "$p" --orig-port-dst 8081 >/dev/null 2>&1
	wait_value "$p: conntrack -D takes its flow with it within 2 s" 0 2 flows
	expect "$p: flow list is empty" 0 list_len "$nsa" flow
	bg_stop "$holder"
done

# --- a full flow table
rmmod wfpredir || exit 1
reloaded=1
setup insmod "$ko" max_flows=4 || exit 1
services || exit 1
# the table's own limit, not one uid's share of it (flow_flood.sh)
setup ctl_ns "$nsa" config set flow-share 100 || exit 1
nsenter --net=/run/netns/"$nsa" conntrack -F >/dev/null 2>&1
bg_run "$tmpd/hold4" nsenter --net=/run/netns/"$nsa" "$flowpeer" hold -n 4 -T 10 "$B4:8081"
holder=$!
wait_for "$tmpd/hold4" '^ok|^failed' 15
expect "max_flows=4: four redirected connections" "ok 4 same=4 other=0" cat "$tmpd/hold4"
expect "max_flows=4: the table holds 4 flows" 4 flows
full=$(info_get "$nsa" table_full)
expect "a fifth TCP connection is refused at once: ECONNREFUSED" ECONNREFUSED \
	nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 10 "$B4:8081"
expect "table_full counted it" yes is_gt "$(info_get "$nsa" table_full)" "$full"
full=$(info_get "$nsa" table_full)
expect "a new UDP flow is refused at once: ECONNREFUSED" ECONNREFUSED \
	nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -u -T 5 "$B4:8081"
expect "table_full counted it" yes is_gt "$(info_get "$nsa" table_full)" "$full"
expect "a connection that needs no flow is not affected" "server src=same" \
	nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 5 "$B4:9090"
expect "the table still holds 4 flows" 4 flows
bg_stop "$holder"
nsenter --net=/run/netns/"$nsa" conntrack -F >/dev/null 2>&1
wait_value "when the connections go, so do their flows" 0 3 flows
expect "then a connection is redirected again" "svc src=same" \
	nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 5 "$B4:8081"
exit $ret
