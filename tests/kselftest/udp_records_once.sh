#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Records given with WSASendMsg() are for the flow that send creates and no
# other. A service (udp-msg-proxy serve -L) gets records on a redirected
# flow; from a new socket it sends a plain datagram to the original
# destination (a flow without records), then one with the records to the
# same destination (an existing flow: it takes nothing), then a plain one
# to another port. That last flow must not carry the records, which it
# would if WSASendMsg() left them on the socket. Meanwhile the records do
# reach the flow a WSASendMsg() creates (the proxy's onward flow). IPv4
# and IPv6.
#
#   ns a-SFX: client, rule, the service (udp-msg-proxy serve)
#   ns b-SFX: the flowpeer UDP echo server on 8080 and 8081
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
umsg=$build/tests/udp-msg-proxy
need "$ctl" "$umsg" "$flowpeer" ip jq ss

# explicit NS DST: DST's final chains but "3*". The service's plain
# datagram to the original destination is linked to the client's flow it
# holds (inherited, "3*"); the records WSASendMsg gave make the explicit one.
explicit() { flow_chain "$1" "$2" final | grep -vx '3\*' | sort -u; }

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -u "$B4:8080" -u "[$B6]:8080" -u "$B4:8081" -u "[$B6]:8081" || exit 1
setup ctl_ns "$nsa" service add pa id 3 ipv4 127.0.0.1:15401 ipv6 "[::1]:15401" || exit 1
setup ctl_ns "$nsa" rule add service pa proto udp dport 8080 || exit 1

for f in 4 6; do
	if [ $f = 4 ]; then farp=$B4 l=127.0.0.1:15401; else farp="[$B6]" l="[::1]:15401"; fi
	c="v$f"
	out=$tmpd/pa-$f.out
	bg_run "$out" nsenter --net=/run/netns/"$nsa" "$umsg" serve -l "$l" -L "$farp:8081"
	ppid=$!
	wait_for "$out" '^listening' || exit 1
	nsenter --net=/run/netns/"$nsa" "$umsg" client -n 1 -T 5 -m "r$f" "$farp:8080" >"$tmpd/client-$f.out" 2>&1
	expect "$c: the client's datagram makes the round trip through the service" "r$f-1" \
		kv "$tmpd/client-$f.out" "reply 1: server" msg
	wait_for "$out" '^leak' 10
	sed 's/^/# service: /' "$out"
	expect "$c: the service got the records" 1 grep -c "^dgram .* first=1 .*msg=r$f-1" "$out"
	expect "$c: set, send to an existing flow, clear, send elsewhere: all succeed" ok \
		kv "$out" leak sent
	# let the datagrams through the hook before looking
	sleep 0.5
	expect "$c: the flow to the other port carries no records" "" \
		flow_chain "$nsa" "$farp:8081"
	expect "$c: the onward flow WSASendMsg created carries them" "3" \
		explicit "$nsa" "$farp:8080"
	bg_stop "$ppid"
done
exit $ret
