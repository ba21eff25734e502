#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The chain cap bounds a loop whatever the client does: issue 9, part 0.
# Service alpha (priority 100) is a wfpredir-proxy that hands records on;
# beta (priority 200) is socat, a legacy proxy that forks a child per
# connection and drops records; both have rules for TCP port 7000. A client
# that half-closes right after its request (`printf 'x\n' | nc -N`) leaves
# socat's accepted socket in CLOSE_WAIT before the child connects onward.
# Inheritance must still link the child's connection to the flow its parent
# accepted (any TCP state), so the flow goes alpha, beta, alpha... until the
# chain holds chain_max entries, then reaches the server: chain_max
# redirects, chain_capped once, and nothing more until every flow is gone. Before
# the fix only TCP_ESTABLISHED sockets were linked, every socat hop started
# an empty chain, and the loop ran until the proxies ran out of descriptors
# (here, until socat's max-children stops it) and the client got no answer.
# loop_owner_half_close.sh runs this with beta owned by the uid socat runs
# as: the owner bound ends the loop within one pass, two redirects.
#
#   ns a-SFX: client, alpha, beta (socat), the rules
#   ns b-SFX: the echo server on port 7000
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" ip jq ss socat nc "$echoserve" setpriv

redir_init
trap loop_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
loop_server_start "$nsb" || exit 1
setup ctl_ns "$nsa" service add alpha id 1 ipv4 127.0.0.1:15001 ipv6 "[::1]:15001" || exit 1
setup ctl_ns "$nsa" service add beta id 2 ipv4 127.0.0.1:15002 ipv6 "[::1]:15002" "$@" ||
	exit 1
proxy_start "$nsa" alpha -t 127.0.0.1:15001 -t "[::1]:15001" || exit 1
# max-children: were the loop unbounded, it stalls there instead of taking
# every descriptor of the VM. -t 30: once one side ended, socat waits that
# long (default 0.5 s) for the other: the answer crosses every hop first.
grp_run "$tmpd/beta4.out" nsenter --net=/run/netns/"$nsa" "${loop_as_owner[@]}" socat -t 30 \
	TCP4-LISTEN:15002,bind=127.0.0.1,reuseaddr,fork,max-children=40 "TCP4:$B4:$loop_port"
grp_run "$tmpd/beta6.out" nsenter --net=/run/netns/"$nsa" "${loop_as_owner[@]}" socat -t 30 \
	"TCP6-LISTEN:15002,bind=[::1],reuseaddr,fork,ipv6only=1,max-children=40" \
	"TCP6:[$B6]:$loop_port"
wait_port "$nsa" tcp 15002 || exit 1
setup ctl_ns "$nsa" rule add service alpha priority 100 proto tcp dport "$loop_port" || exit 1
setup ctl_ns "$nsa" rule add service beta priority 200 proto tcp dport "$loop_port" || exit 1
cap=$(info_get "$nsa" chain_max)
capd=1
what="chain_max ($cap)"
if [ $# -gt 0 ]; then
	cap=2
	capd=0
	what="within one pass: 2"
fi

for far in "$B4" "$B6"; do
	c="v4"
	[ "$far" = "$B6" ] && c="v6"
	read -ra before < <(loop_counters "$nsa")
	conns=$(loop_arrived conn)
	expect "$c: a client that half-closes gets its echo" "echo x" \
		nsenter --net=/run/netns/"$nsa" timeout 30 sh -c "printf 'x\n' | nc -N $far $loop_port"
	# the echo crossed every hop: every redirect is counted
	read -ra after < <(loop_counters "$nsa")
	echo "# $c: redirects ${before[0]} -> ${after[0]}, chain_capped ${before[1]} -> ${after[1]}"
	expect "$c: the flow was redirected $what times" "$cap" echo $((after[0] - before[0]))
	expect "$c: chain_capped +$capd" "$capd" echo $((after[1] - before[1]))
	expect "$c: one connection reached the server" $((conns + 1)) loop_arrived conn
	loop_quiet "$c" "$nsa" "${after[0]}"
done
exit $ret
