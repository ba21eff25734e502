#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A proxy that drops records cannot make a flow loop forever. Proxy A hands
# its records on, proxy B (--drop-records) does not, and both have rules for
# the same traffic: B's onward connection inherits the chain of the
# connection it holds (entries flagged inherited, which do not exclude A),
# so the flow goes A, B, A, B... one entry a hop, until the chain holds
# chain_max entries; then it is not redirected again, reaches the server,
# and chain_capped counts it once. Checked with the default cap (8), with
# chain-max 4 and with chain-max 1.
#
#   ns a-SFX: client, proxies pa and pb (--drop-records)
#   ns b-SFX: the flowpeer server
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" "$flowpeer" ip jq ss

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" -t "$B4:8081" -t "$B4:8082" -t "[$B6]:8080" || exit 1
setup ctl_ns "$nsa" service add pa id 1 ipv4 127.0.0.1:15201 ipv6 "[::1]:15201" || exit 1
setup ctl_ns "$nsa" service add pb id 2 ipv4 127.0.0.1:15202 ipv6 "[::1]:15202" || exit 1
proxy_start "$nsa" pa -t 127.0.0.1:15201 -t "[::1]:15201" || exit 1
proxy_start "$nsa" pb --drop-records -t 127.0.0.1:15202 -t "[::1]:15202" || exit 1
setup ctl_ns "$nsa" rule add service pa priority 100 proto tcp || exit 1
setup ctl_ns "$nsa" rule add service pb priority 200 proto tcp || exit 1

expect "the default chain_max is 8" 8 info_get "$nsa" chain_max

# lap FAR PORT CAP WANT_FINAL: one client connection, held open while the
# flows are looked at
lap()
{
	local far=$1 port=$2 cap=$3 want=$4 c="chain-max $3, port $2"
	local capped inherited holder out=$tmpd/hold-$2-$3.out

	capped=$(info_get "$nsa" chain_capped)
	inherited=$(info_get "$nsa" inherited)
	bg_run "$out" nsenter --net=/run/netns/"$nsa" "$flowpeer" hold -n 1 -T 20 "$far:$port"
	holder=$!
	wait_for "$out" '^ok|^failed' 30
	expect "$c: the flow still reaches the server, through a proxy" "ok 1 same=0 other=1" \
		cat "$out"
	expect "$c: chain_capped counts it once" $((capped + 1)) info_get "$nsa" chain_capped
	expect "$c: the connection that reached the server carries $cap entries" "$want" \
		flow_chain "$nsa" "$far:$port" final
	if [ "$cap" -gt 2 ]; then
		expect "$c: inheritance was counted" yes \
			is_gt "$(info_get "$nsa" inherited)" "$inherited"
		expect "$c: a redirected hop after B carries inherited entries" "1* 2* 1" \
			flow_chain_of "$nsa" "$far:$port" 3
	fi
	bg_stop "$holder"
}

# flow_chain_of NS ADDR:PORT N: the chain of N entries among the redirected flows
flow_chain_of()
{
	flow_chain "$1" "$2" redirected | awk -v n="$3" 'NF == n { print; exit }'
}

lap "$B4" 8080 8 "1* 2* 1* 2* 1* 2* 1* 2*"
lap "[$B6]" 8080 8 "1* 2* 1* 2* 1* 2* 1* 2*"
setup ctl_ns "$nsa" config set chain-max 4
expect "config set chain-max 4 shows in info" 4 info_get "$nsa" chain_max
lap "$B4" 8081 4 "1* 2* 1* 2*"
# with a cap of 1, A's onward connection already holds a full chain: B never
# sees the flow, and the chain A handed on is not inherited
setup ctl_ns "$nsa" config set chain-max 1
lap "$B4" 8082 1 "1"
exit $ret
