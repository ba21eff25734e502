#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Inheritance never puts one client's identity into another client's chain.
# A legacy proxy (--drop-records) holds the redirected connections of two
# clients, uid 1000 and uid 2000, to the same destination at once. Its
# onward connection for the first client, made while it held only that
# client's flow, continues that client's chain (uid 1000, inherited). Its
# onward connection for the second, made while it held both, cannot be
# attributed: its chain holds only service-only entries (no uid, pid or
# cgroup), as many as the longest candidate's, which count toward the cap.
# Checked over IPv4 and IPv6.
#
#   ns a-SFX: clients (uid 1000 and 2000) and the proxy pb
#   ns b-SFX: the flowpeer server
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" "$flowpeer" ip jq ss setpriv

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" -t "[$B6]:8080" || exit 1
setup ctl_ns "$nsa" service add pb id 2 ipv4 127.0.0.1:15202 ipv6 "[::1]:15202" || exit 1
proxy_start "$nsa" pb --drop-records -t 127.0.0.1:15202 -t "[::1]:15202" || exit 1
setup ctl_ns "$nsa" rule add service pb priority 100 proto tcp dport 8080 || exit 1

# snap NS: keep `flow list` of NS in $tmpd/flows.json for what follows.
snap()
{
	flows_json "$1" >"$tmpd/flows.json"
}

# onward DST N: the N-th oldest (1 = oldest) not-redirected flow to DST in
# the snapshot, the proxy's onward connections, as one line per record
# entry: "service uid pid cgroup inherited service_only".
onward()
{
	jq -r --arg d "$1" --argjson n "$2" '
		[.[] | select(.dst == $d and (.redirected | not))]
		| sort_by(-.age_ms) | .[$n - 1] // {records: []}
		| .records[]
		| "\(.service) \(.uid) \(.pid) \(.cgroup_id) \(.inherited) \(.service_only // false)"' \
		"$tmpd/flows.json"
}

# redirected_uids DST: the uids in the chains of the clients' flows.
redirected_uids()
{
	jq -r --arg d "$1" '
		[.[] | select(.dst == $d and .redirected) | .records[].uid]
		| sort | map(tostring) | join(" ")' "$tmpd/flows.json"
}

# hold_as UID OUT FAR: a client of UID that makes one round trip through the
# proxy to FAR:8080 and keeps its connection open; $! is it.
hold_as()
{
	bg_run "$2" nsenter --net=/run/netns/"$nsa" setpriv --reuid="$1" --regid="$1" --clear-groups \
		"$flowpeer" hold -n 1 -T 20 "$3:8080"
}

for far in "$B4" "[$B6]"; do
	c="v$([ "$far" = "$B4" ] && echo 4 || echo 6)"
	hold_as 1000 "$tmpd/c1-$c.out" "$far"
	h1=$!
	wait_for "$tmpd/c1-$c.out" '^ok|^failed' 30
	hold_as 2000 "$tmpd/c2-$c.out" "$far"
	h2=$!
	wait_for "$tmpd/c2-$c.out" '^ok|^failed' 30
	expect "$c: client 1 reaches the server through the proxy" "ok 1 same=0 other=1" \
		cat "$tmpd/c1-$c.out"
	expect "$c: client 2 reaches the server through the proxy" "ok 1 same=0 other=1" \
		cat "$tmpd/c2-$c.out"
	snap "$nsa"
	expect "$c: the proxy holds both clients' redirected flows" "1000 2000" \
		redirected_uids "$far:8080"
	expect "$c: the onward flow for client 1 (unambiguous) continues its chain" \
		"2 1000 true false" eval "onward '$far:8080' 1 | awk '{ print \$1, \$2, \$5, \$6 }'"
	expect "$c: the onward flow made while both were held carries no client's identity" \
		"2 0 0 0 true true" onward "$far:8080" 2
	expect "$c: and has one entry, as many as the longest candidate chain" 1 \
		eval "onward '$far:8080' 2 | wc -l"
	expect "$c: no onward flow carries client 2's uid" 0 \
		eval "onward '$far:8080' 1 | grep -c ' 2000 '"
	bg_stop "$h1"
	bg_stop "$h2"
done
exit $ret
