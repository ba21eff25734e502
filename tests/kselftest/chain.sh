#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Chains of proxies that hand their records on: with services A, B (and C)
# whose rules match the same traffic, a connection goes client -> A -> B
# (-> C) -> server, each service once, in the order of the rules'
# priorities (not of the ids or the order the rules were made in), and ends
# at the real server. The chain the last hop's connection carries is [A, B]
# or [A, B, C] (wfpredirctl flow list); a service at the end of the chain
# (hop) reads all of it on its accepted socket, and its own onward
# connection, whose chain holds every service, goes straight to the server.
#
#   ns a-SFX: client, proxies pa, pb, pc (wfpredir-proxy), hop
#   ns b-SFX: the flowpeer server
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" "$hop" "$flowpeer" ip jq ss

# chains NS ADDR "PORT..." WHICH: every chain flow_chain prints, sorted, on one line
chains()
{
	local p

	for p in $3; do flow_chain "$1" "$2:$p" "$4"; done | sort | paste -sd, | sed 's/,/, /g'
}

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
srv=()
for port in 8080 8081 8082 8083; do
	srv+=(-t "$B4:$port" -t "[$B6]:$port")
done
server_start "$nsb" "${srv[@]}" || exit 1
for s in a:1 b:2 c:3; do
	n=${s%:*} id=${s#*:}
	setup ctl_ns "$nsa" service add "p$n" id "$id" ipv4 "127.0.0.1:1510$id" \
		ipv6 "[::1]:1510$id" || exit 1
	proxy_start "$nsa" "p$n" -t "127.0.0.1:1510$id" -t "[::1]:1510$id" || exit 1
done
setup ctl_ns "$nsa" service add hopsvc id 9 ipv4 127.0.0.1:15109 ipv6 "[::1]:15109" || exit 1

# two proxies, port 8080
setup ctl_ns "$nsa" rule add service pa priority 100 proto tcp dport 8080
setup ctl_ns "$nsa" rule add service pb priority 200 proto tcp dport 8080
# three proxies, port 8081
setup ctl_ns "$nsa" rule add service pa priority 100 proto tcp dport 8081
setup ctl_ns "$nsa" rule add service pb priority 200 proto tcp dport 8081
setup ctl_ns "$nsa" rule add service pc priority 300 proto tcp dport 8081
# priority decides, not ids or the order of creation, port 8082
setup ctl_ns "$nsa" rule add service pb priority 250 proto tcp dport 8082
setup ctl_ns "$nsa" rule add service pa priority 150 proto tcp dport 8082
setup ctl_ns "$nsa" rule add service pc priority 50 proto tcp dport 8082
# two proxies, then hop, port 8083
setup ctl_ns "$nsa" rule add service pa priority 100 proto tcp dport 8083
setup ctl_ns "$nsa" rule add service pb priority 200 proto tcp dport 8083
setup ctl_ns "$nsa" rule add service hopsvc priority 300 proto tcp dport 8083

for f in 4 6; do
	[ $f = 4 ] && farp=$B4 || farp="[$B6]"
	c="v$f"
	holders=()
	for port in 8080 8081 8082; do
		out=$tmpd/hold-$f-$port.out
		bg_run "$out" nsenter --net=/run/netns/"$nsa" "$flowpeer" hold -n 1 -T 15 "$farp:$port"
		holders+=($!)
		wait_for "$out" '^ok|^failed' 20
	done
	expect "$c: A, B: the client reaches the server through the proxies" "ok 1 same=0 other=1" \
		cat "$tmpd/hold-$f-8080.out"
	expect "$c: A, B, C: the client reaches the server through the proxies" \
		"ok 1 same=0 other=1" cat "$tmpd/hold-$f-8081.out"
	expect "$c: C, A, B: the client reaches the server through the proxies" \
		"ok 1 same=0 other=1" cat "$tmpd/hold-$f-8082.out"

	expect "$c: A, B: the last hop carries the chain [A, B]" "1 2" \
		flow_chain "$nsa" "$farp:8080" final
	expect "$c: A, B: the redirected hops carry [A] and [A, B]" "1, 1 2" \
		chains "$nsa" "$farp" 8080 redirected
	expect "$c: A, B, C: the last hop carries the chain [A, B, C]" "1 2 3" \
		flow_chain "$nsa" "$farp:8081" final
	expect "$c: C, A, B by priority: the last hop carries [C, A, B]" "3 1 2" \
		flow_chain "$nsa" "$farp:8082" final
	expect "$c: one final hop per chain" "1 2, 1 2 3, 3 1 2" \
		chains "$nsa" "$farp" "8080 8081 8082" final

	# hop as the third service reads the whole chain on its accepted socket
	out=$tmpd/hop-$f.out
	if [ $f = 4 ]; then
		hop_start "$out" "$nsa" -l 127.0.0.1:15109 -c "$farp:8083"
	else
		hop_start "$out" "$nsa" -l "[::1]:15109" -c "$farp:8083"
	fi
	expect "$c: A, B, hop: the client gets hop's answer through A and B" "hop src=other" \
		nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 15 "$farp:8083"
	hop_wait
	sed 's/^/# hop: /' "$out"
	expect "$c: hop reads three entries" 3 kv "$out" flow_id= count
	expect "$c: entry 0 is A" 1 kv "$out" "entry=0 " service
	expect "$c: entry 1 is B" 2 kv "$out" "entry=1 " service
	expect "$c: entry 2 is hop's service" 9 kv "$out" "entry=2 " service
	for i in 0 1 2; do
		expect "$c: entry $i keeps the original destination" "$farp:8083" \
			kv "$out" "entry=$i " dst
		expect "$c: entry $i is not inherited" 0 kv "$out" "entry=$i " inherited
	done
	expect "$c: hop's onward connection takes the chain" ok kv "$out" set= set
	expect "$c: and, every service done, goes straight to the server" server \
		kv "$out" reply= reply
	for h in "${holders[@]}"; do bg_stop "$h"; done
done
exit $ret
