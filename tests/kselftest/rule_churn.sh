#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Rules change under load without harm. While storms of short TCP
# connections (IPv4 and IPv6) and UDP flows run from namespace A to a server
# in namespace B, a loop adds, deletes and flushes the rules that send them
# to wfpredir-proxy, as fast as it can. Every connection must succeed,
# through the proxy or directly (flowpeer counts both, and both must have
# happened, or the churn did not overlap the storm); none may fail or hang
# (10 s each). Any kernel warning fails the run (the VM runner).
#
#   ns a-SFX: clients, the churn loop, wfpredir-proxy px
#   ns b-SFX: the flowpeer server
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" "$flowpeer" ip jq ss

# connections per storm
n4=${CHURN_N4:-$(per_kernel 1000 400)}
n6=${CHURN_N6:-$(per_kernel 500 200)}
nu=${CHURN_NU:-$(per_kernel 300 100)}

redir_init
trap redir_cleanup EXIT
ulimit -n 65536
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" -t "[$B6]:8080" -u "$B4:8080" || exit 1
proxy_start "$nsa" px --max-conns 4000 -t 127.0.0.1:15001 -t "[::1]:15001" \
	-u 127.0.0.1:15001 || exit 1
setup ctl_ns "$nsa" service add px id 1 ipv4 127.0.0.1:15001 ipv6 "[::1]:15001" || exit 1

# churn: until $tmpd/stop exists; counts rounds and failed commands
churn()
{
	local rounds=0 errors=0 cmd

	while [ ! -e "$tmpd/stop" ]; do
		for cmd in "rule add service px id 10 proto tcp dport 8080" \
			"rule add service px id 11 priority 5 dport 8000-8100" \
			"rule add service px id 12 family ipv6 to fd99::/64" \
			"rule del 10" \
			"rule add service px id 13 priority 2000 proto udp" \
			"rule del 11" \
			"rule add service px id 14 to 10.99.0.0/24" \
			"rule flush"; do
			# shellcheck disable=SC2086 # the words of cmd
			ctl_ns "$nsa" $cmd >/dev/null 2>&1 || errors=$((errors + 1))
		done
		rounds=$((rounds + 1))
		echo "$rounds $errors" >"$tmpd/churn"
	done
}
churn &
bg_list+=($!)
churner=$!
wait_for "$tmpd/churn" . 20 || exit 1

bg_run "$tmpd/storm4" nsenter --net=/run/netns/"$nsa" "$flowpeer" storm -n "$n4" -c 16 -T 10 "$B4:8080"
s4=$!
bg_run "$tmpd/storm6" nsenter --net=/run/netns/"$nsa" "$flowpeer" storm -n "$n6" -c 8 -T 10 "[$B6]:8080"
s6=$!
bg_run "$tmpd/stormu" nsenter --net=/run/netns/"$nsa" "$flowpeer" storm -u -n "$nu" -c 8 -T 10 "$B4:8080"
su=$!
wait "$s4" "$s6" "$su"
touch "$tmpd/stop"
wait "$churner"
read -r rounds errors <"$tmpd/churn"
echo "# churn: $rounds rounds, $errors failed commands"
for s in storm4 storm6 stormu; do
	echo "# $s: $(cat "$tmpd/$s")"
done

expect "v4/tcp: all $n4 connections succeeded" ok cat "$tmpd/storm4"
expect "v6/tcp: all $n6 connections succeeded" ok cat "$tmpd/storm6"
expect "v4/udp: all $nu flows succeeded" ok cat "$tmpd/stormu"
expect "no rule command failed" 0 echo "$errors"
expect "the rules changed during the storm (several rounds)" yes is_gt "$rounds" 2
expect "some connections went through the proxy" yes \
	sh -c "grep -q 'other=[1-9]' '$tmpd/storm4' && echo yes || echo no"
expect "some connections went direct" yes \
	sh -c "grep -q 'same=[1-9]' '$tmpd/storm4' && echo yes || echo no"
expect "the rule table is empty after the last flush" 0 info_get "$nsa" rules
setup ctl_ns "$nsa" rule add service px proto tcp
expect "a rule added afterwards still redirects" "server src=other" \
	nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 5 "$B4:8080"
setup ctl_ns "$nsa" rule flush
expect "and with none the client goes direct" "server src=same" \
	nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 5 "$B4:8080"
expect_rc "the proxy is still running" 0 kill -0 "$(cat "$tmpd/px.pid")"
exit $ret
