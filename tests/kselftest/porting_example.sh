#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The porting example, tools/wfpsampler-proxy (Windows code in WFPSampler's
# order, built with only its includes changed), works as the proxy of a real
# redirect service: a client's connection reaches the server through it,
# bytes flow both ways, it reads the original destination out of the
# context, and the records it hands on make its own connection carry the
# chain [sampler] (and [sampler, hop] when a second service takes it: the
# next hop reads both entries on its accepted socket). A connection that was
# never redirected gets FWP_E_NOT_FOUND and is closed.
#
#   ns a-SFX: client, wfpsampler-proxy (v4 and v6), hop
#   ns b-SFX: the flowpeer server
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
sampler=$build/tools/wfpsampler-proxy
need "$ctl" "$sampler" "$hop" "$flowpeer" ip jq ss

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" -t "[$B6]:8080" -t "$B4:8083" -t "[$B6]:8083" || exit 1

setup ctl_ns "$nsa" service add sampler id 1 ipv4 127.0.0.1:15201 ipv6 "[::1]:15201" || exit 1
setup ctl_ns "$nsa" service add hopsvc id 9 ipv4 127.0.0.1:15209 ipv6 "[::1]:15209" || exit 1
setup ctl_ns "$nsa" rule add service sampler priority 100 proto tcp dport 8080 || exit 1
setup ctl_ns "$nsa" rule add service sampler priority 100 proto tcp dport 8083 || exit 1
setup ctl_ns "$nsa" rule add service hopsvc priority 200 proto tcp dport 8083 || exit 1

bg_run "$tmpd/sampler4.log" nsenter --net=/run/netns/"$nsa" "$sampler" -p 15201 -l 127.0.0.1
wait_for "$tmpd/sampler4.log" '^listening' || exit 1
bg_run "$tmpd/sampler6.log" nsenter --net=/run/netns/"$nsa" "$sampler" -p 15201 -l ::1
wait_for "$tmpd/sampler6.log" '^listening' || exit 1

# nth_line FILE PATTERN N: the Nth line of FILE matching PATTERN
nth_line()
{
	grep -- "$2" "$1" | sed -n "${3}p"
}

# has FILE PATTERN: "yes" when a line of FILE matches PATTERN, else "no"
has()
{
	if grep -q -- "$2" "$1"; then echo yes; else echo no; fi
}

# ctx_dst FILE N: the original destination the Nth context line names
ctx_dst()
{
	nth_line "$1" '^context:' "$2" | sed 's/.*original destination \([^,]*\),.*/\1/'
}

# relay_ok FILE N: "ok" when the Nth relay line counts bytes both ways
relay_ok()
{
	nth_line "$1" '^relay:' "$2" |
		awk '$2 > 0 && $7 > 0 { print "ok"; exit } { print "bad: " $0 }'
}

for f in 4 6; do
	[ $f = 4 ] && farp=$B4 || farp="[$B6]"
	c="v$f"
	log=$tmpd/sampler$f.log

	# one connection, held open so that its flows can be listed
	out=$tmpd/hold-$f.out
	bg_run "$out" nsenter --net=/run/netns/"$nsa" "$flowpeer" hold -n 1 -T 15 "$farp:8080"
	holder=$!
	wait_for "$out" '^ok|^failed' 20
	expect "$c: the client reaches the server through the example" "ok 1 same=0 other=1" \
		cat "$out"
	expect "$c: the example's connection carries the chain [sampler]" 1 \
		flow_chain "$nsa" "$farp:8080" final
	expect "$c: the redirected connection carries [sampler] too" 1 \
		flow_chain "$nsa" "$farp:8080" redirected
	bg_stop "$holder"
	wait_for "$log" '^closed' 10
	sed 's/^/# sampler: /' "$log"

	expect "$c: the records query succeeds after a size probe" yes \
		has "$log" '^  size probe: [1-9][0-9]* bytes needed'
	expect "$c: the records are read" yes has "$log" '^records: [1-9][0-9]* bytes'
	expect "$c: the context gives the original destination" "$farp:8080" \
		ctx_dst "$log" 1
	expect "$c: the context is the default 288 bytes" yes \
		has "$log" '^context: 288 bytes: original destination'
	expect "$c: the records are set on the new socket" yes \
		has "$log" '^set records: [1-9][0-9]* bytes on the new socket'
	expect "$c: it connects to the original destination" "connect: $farp:8080" \
		nth_line "$log" '^connect:' 1
	expect "$c: bytes are relayed both ways" ok relay_ok "$log" 1

	# the next hop sees the chain the example handed on
	hout=$tmpd/hop-$f.out
	if [ $f = 4 ]; then
		hop_start "$hout" "$nsa" -l 127.0.0.1:15209 -c "$farp:8083"
	else
		hop_start "$hout" "$nsa" -l "[::1]:15209" -c "$farp:8083"
	fi
	expect "$c: through the example and hop, the client gets hop's answer" "hop src=other" \
		nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 15 "$farp:8083"
	hop_wait
	sed 's/^/# hop: /' "$hout"
	expect "$c: hop reads two entries" 2 kv "$hout" flow_id= count
	expect "$c: entry 0 is the example's service" 1 kv "$hout" "entry=0 " service
	expect "$c: entry 1 is hop's service" 9 kv "$hout" "entry=1 " service
	expect "$c: entry 0 is not inherited: the example set the records" 0 \
		kv "$hout" "entry=0 " inherited
	expect "$c: hop's context has the original destination" "$farp:8083" \
		kv "$hout" ctx_dst= ctx_dst
	wait_for "$log" '^connect:.*8083' 10
	expect "$c: the example connected to the original destination" "connect: $farp:8083" \
		nth_line "$log" '^connect:' 2

	# a connection that was never redirected has no records
	if [ $f = 4 ]; then
		nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 3 127.0.0.1:15201 >/dev/null 2>&1
	else
		nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 3 "[::1]:15201" >/dev/null 2>&1
	fi
	wait_for "$log" 'not redirected' 10
	expect "$c: a connection never redirected is closed (FWP_E_NOT_FOUND)" \
		"records: none, the connection was not redirected; closing it" \
		nth_line "$log" '^records: none' 1
done
exit $ret
