#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# One unprivileged user cannot make every redirected connection fail by
# filling the flow table. With max_flows=512, uid 1000 opens new redirected
# UDP flows as fast as it can (unreplied: each lives 30 s in conntrack) while
# uid 2000 opens and holds 200 redirected TCP connections; all 200 succeed:
#  - by default because one uid holds at most half the table (flow-share 50):
#    the flooder is refused past its share, and that is counted;
#  - with flow-share 100 (no share) because a full table evicts the oldest
#    flows whose conntrack entry is not assured, as conntrack's early_drop
#    does, killing their entries; evictions are counted.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
flood=$build/tests/udpflood
need "$ctl" "$flowpeer" "$flood" ip jq setpriv insmod rmmod

module_params max_flows=512

nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" || exit 1
server_start "$nsa" -n svc -t 127.0.0.1:15008 || exit 1
# The flood's service has no listener: its flows are never replied to.
setup ctl_ns "$nsa" service add svc id 8 ipv4 127.0.0.1:15008 &&
	setup ctl_ns "$nsa" rule add service svc proto tcp dport 8080 &&
	setup ctl_ns "$nsa" service add sink id 9 ipv4 127.0.0.1:15009 &&
	setup ctl_ns "$nsa" rule add service sink proto udp dport 7000 || exit 1

# as_uid UID CMD...: CMD in namespace A as UID; exec, so that $! of a
# background as_uid is CMD itself.
as_uid()
{
	local id=$1
	shift
	exec nsenter --net=/run/netns/"$nsa" setpriv --reuid="$id" --regid="$id" --clear-groups "$@"
}

# flows_ns: yes once the table holds at least half of max_flows.
flows_ns()
{
	local n
	n=$(info_get "$nsa" flows)
	[ "$n" -ge 256 ] 2>/dev/null && echo yes || echo no
}

# run_phase NAME: the flood and, during it, the 200 connections.
run_phase()
{
	local name=$1 redirects holder flooder

	flood_out=$tmpd/flood-$name
	bg_run "$flood_out" as_uid 1000 "$flood" -d 120 -f "$flood_out.n" "$B4:7000"
	flooder=$!
	wait_for "$flood_out" '^started' 10 || return 1
	wait_value "$name: the flood holds at least half the table" yes 15 flows_ns
	redirects=$(info_get "$nsa" redirects)
	bg_run "$tmpd/hold-$name" as_uid 2000 "$flowpeer" hold -n 200 -c 4 -T 10 "$B4:8080"
	holder=$!
	wait_for "$tmpd/hold-$name" '^ok|^failed' 120
	expect "$name: all 200 TCP connections of uid 2000 succeed during the flood" \
		"ok 200 same=200 other=0" cat "$tmpd/hold-$name"
	expect "$name: each was redirected" yes \
		is_gt "$(info_get "$nsa" redirects)" $((redirects + 199))
	bg_stop "$holder"
	bg_stop "$flooder"
}

# --- the default: one uid holds at most half the table
share_refused=$(info_get "$nsa" flow_share_refused)
run_phase share
expect "share: the flooder was refused past its share, and that was counted" yes \
	is_gt "$(info_get "$nsa" flow_share_refused)" "$share_refused"
expect "share: no connection was refused for a full table" 0 info_get "$nsa" table_full

# --- no share: the full table evicts unassured flows
nsenter --net=/run/netns/"$nsa" conntrack -F >/dev/null 2>&1
wait_value "with conntrack flushed, no flows are left" 0 5 info_get "$nsa" flows
setup ctl_ns "$nsa" config set flow-share 100 || exit 1
evicted=$(info_get "$nsa" evicted)
run_phase evict
expect "evict: flows were evicted to make room, and counted" yes \
	is_gt "$(info_get "$nsa" evicted)" "$evicted"
expect "evict: no connection was refused for a full table" 0 info_get "$nsa" table_full
exit $ret
