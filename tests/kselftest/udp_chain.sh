#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# UDP as on Windows: two redirect services A and B, each an unconnected
# UDP socket read with WSARecvMsg() (udp-msg-proxy). The first datagram of
# each flow carries the records and context control messages, later ones
# do not; each proxy sends on from a new socket with WSASendMsg() and the
# records, so the chain grows as with TCP: the client's flow is taken by A
# ([A]), A's by B ([A, B]), and B's, every service done, reaches the server
# carrying [A, B]. Over IPv4 and IPv6.
#
#   ns a-SFX: client, proxies (udp-msg-proxy serve)
#   ns b-SFX: the flowpeer UDP echo server
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
umsg=$build/tests/udp-msg-proxy
need "$ctl" "$umsg" "$flowpeer" ip jq ss

# firsts OUT TAG: how many datagrams of messages TAG-* came with records
firsts() { grep -c "^dgram .* first=1 .*msg=$2-" "$1"; }
# laters OUT TAG: how many came without
laters() { grep -c "^dgram .* first=0 .*msg=$2-" "$1"; }
# first_kv OUT TAG KEY: KEY of the datagram of TAG-1 that carried records
first_kv() { grep "^dgram .* first=1 .*msg=$2-1\$" "$1" | head -n 1 | tr ' ' '\n' | sed -n "s/^$3=//p"; }
# chains NS ADDR WHICH: every chain flow_chain prints, sorted, on one line
chains() { flow_chain "$1" "$2" "$3" | sort | paste -sd, | sed 's/,/, /g'; }

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -u "$B4:8080" -u "[$B6]:8080" || exit 1
setup ctl_ns "$nsa" service add pa id 1 ipv4 127.0.0.1:15201 ipv6 "[::1]:15201" || exit 1
setup ctl_ns "$nsa" service add pb id 2 ipv4 127.0.0.1:15202 ipv6 "[::1]:15202" || exit 1
setup ctl_ns "$nsa" rule add service pa priority 100 proto udp dport 8080 || exit 1
setup ctl_ns "$nsa" rule add service pb priority 200 proto udp dport 8080 || exit 1
for s in a:1 b:2; do
	n=${s%:*} id=${s#*:}
	for l in "4:127.0.0.1" "6:[::1]"; do
		out=$tmpd/p$n${l%%:*}.out
		bg_run "$out" nsenter --net=/run/netns/"$nsa" "$umsg" serve -l "${l#*:}:1520$id"
		wait_for "$out" '^listening' || exit 1
	done
done

for f in 4 6; do
	[ $f = 4 ] && farp=$B4 || farp="[$B6]"
	c="v$f"
	pa=$tmpd/pa$f.out pb=$tmpd/pb$f.out
	out=$tmpd/client-$f.out
	nsenter --net=/run/netns/"$nsa" "$umsg" client -n 3 -T 5 -m "one$f" "$farp:8080" >"$out" 2>&1
	nsenter --net=/run/netns/"$nsa" "$umsg" client -n 2 -T 5 -m "two$f" "$farp:8080" >>"$out" 2>&1
	sed 's/^/# client: /' "$out"
	expect "$c: every datagram of the first flow makes the round trip" 3 \
		grep -c "^reply [0-9]*: server .*msg=one$f-" "$out"
	expect "$c: and of the second flow" 2 grep -c "^reply [0-9]*: server .*msg=two$f-" "$out"
	expect "$c: A sees the records on the first datagram of each flow, once" "1 1" \
		echo "$(firsts "$pa" "one$f") $(firsts "$pa" "two$f")"
	expect "$c: A sees no records on the later datagrams" "2 1" \
		echo "$(laters "$pa" "one$f") $(laters "$pa" "two$f")"
	expect "$c: A's records: one entry, A's" "1 1" \
		echo "$(first_kv "$pa" "one$f" count) $(first_kv "$pa" "one$f" services)"
	expect "$c: A's context names the original destination" "$farp:8080 288" \
		echo "$(first_kv "$pa" "one$f" dst) $(first_kv "$pa" "one$f" ctx)"
	expect "$c: A hands the records on with WSASendMsg" 2 grep -c '^send .* set=ok' "$pa"
	expect "$c: B sees the records once per flow too" "1 1" \
		echo "$(firsts "$pb" "one$f") $(firsts "$pb" "two$f")"
	expect "$c: B's records: the chain [A, B]" "2 1,2" \
		echo "$(first_kv "$pb" "one$f" count) $(first_kv "$pb" "one$f" services)"
	expect "$c: B hands the records on" 2 grep -c '^send .* set=ok' "$pb"
	expect "$c: the flows to the server carry [A, B]" "1 2, 1 2" chains "$nsa" "$farp:8080" final
	expect "$c: the redirected hops carry [A] and [A, B]" "1, 1, 1 2, 1 2" \
		chains "$nsa" "$farp:8080" redirected
done
exit $ret
