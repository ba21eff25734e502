#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The chain cap bounds a UDP loop through a legacy proxy. UDP gives a
# proxy no original destination, so a legacy UDP proxy relays each client
# to a fixed upstream: here the client's own destination, port 7000, which
# the rules take again. Beta (priority 200, unowned) is such a proxy, behind
# alpha (priority 100, a wfpredir-proxy that hands records on): socat
# UDP-LISTEN with fork (a child per client, holding a socket connected to
# it), legacy-proxy (a thread per client) and legacy-proxy -P 3 (three
# workers with SO_REUSEPORT sockets; one family each, the VM is slow).
# Inheritance links each records-less
# onward flow to the one the proxy received, so a datagram goes alpha, beta,
# alpha... to the cap: chain_max redirects, chain_capped once, and its
# answer comes back.
#
#   ns a-SFX: clients, alpha, beta, the rules
#   ns b-SFX: the echo server on port 7000
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" "$legacy_proxy" ip jq ss "$echoserve" socat setpriv

redir_init
trap loop_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
loop_topo "$nsa" "$nsb" "$@" || exit 1
cap=$(info_get "$nsa" chain_max)
capd=1
# loop_owner_udp.sh runs this with beta owned: one pass, two redirects
if [ $# -gt 0 ]; then
	cap=2
	capd=0
fi

# socat as beta; max-children keeps a loop that went wrong from taking
# every descriptor. IPv4 only: socat's UDP6-LISTEN with fork did not answer
# a redirected IPv6 client in the VM (not examined yet).
grp_run "$tmpd/socat4.out" nsenter --net=/run/netns/"$nsa" "${loop_as_owner[@]}" socat \
	UDP4-LISTEN:15002,bind=127.0.0.1,reuseaddr,fork,max-children=40 "UDP4:$B4:$loop_port"
wait_port "$nsa" udp 15002 || exit 1
# socat's parent takes a new socket for the port after each fork: a datagram
# from a new peer that comes before it has one is refused. In the loop
# every visit to beta is a new peer, a hop after the last, and on a slow
# VM that hop can come first. This client resends after 5 s with no answer,
# as a resolver does; the resend follows the flows the first made, so the
# counts below are the same and the server still sees it once.
loop_case "socat, $B4" "$nsa" udp-retry "$B4" "$cap" "$capd"
for p in "${grp_list[@]}"; do kill -- -"$p" 2>/dev/null; done
sleep 0.5
# fresh_flows: forget the previous case's flows. A UDP proxy answering from
# one unbound-peer socket cannot tell its clients apart, so inheritance sees
# every recent flow to the same destination at its service as one it holds;
# with several flow ids it copies the longest chain's length (service-only
# entries), and a previous case's capped chain would cap this one early.
fresh_flows()
{
	nsenter --net=/run/netns/"$nsa" conntrack -F >/dev/null 2>&1
	wait_value "the previous case's flows are gone" 0 10 info_get "$nsa" flows
}
fresh_flows

# one family each: the VM is too slow for every product
legacy_start "$nsa" "$tmpd/beta6.out" "${loop_as_owner[@]}" "$legacy_proxy" -n 40 \
	-u "[::1]:15002" -U "[$B6]:$loop_port" || exit 1
loop_case "legacy-proxy, threads, [$B6]" "$nsa" udp "[$B6]" "$cap" "$capd"
bg_stop "$legacy_pid"
fresh_flows
legacy_start "$nsa" "$tmpd/beta4.out" "${loop_as_owner[@]}" "$legacy_proxy" -P 3 -n 40 \
	-u 127.0.0.1:15002 -U "$B4:$loop_port" || exit 1
loop_case "legacy-proxy -P 3, $B4" "$nsa" udp "$B4" "$cap" "$capd"
bg_stop "$legacy_pid"
exit $ret
