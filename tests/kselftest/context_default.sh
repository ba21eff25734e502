#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The default redirect context is not stored with a flow: the module builds
# it when it is read, from the conntrack entry's original tuple and the
# process the flow kept (issue 13, P5). A redirect service must still read
# the bytes the hook used to store. For TCP and UDP over IPv4 and IPv6 a
# client (uid 1234, in a cgroup of its own) connects to a server in
# namespace B and a rule sends it to hop, whose context is compared byte
# for byte with the layout written out here from what the client knows:
# the original destination, then the client's own address and port as the
# original source, each a sockaddr zero-padded to 128 bytes, then uid, pid,
# cgroup id and comm (host byte order: the VM is little-endian). The same
# bytes must come through WSAIoctl, the combined query
# (WFPREDIR_SO_GET_REDIRECT) and, for UDP, WSARecvMsg() on an unconnected
# socket (the datagram flow query); the flow dump must decode to the same
# connection and process. Source and destination swapped, the redirected
# address in place of the original one, or a process lost: each fails here.
# A rule's custom context comes back as the rule's bytes, flagged custom:
# 6 bytes (within the room a flow shares with the process), 288 (the
# default context's length) and 1024 (the most a rule may carry).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
umsg=$build/tests/udp-msg-proxy
need "$ctl" "$hop" "$flowpeer" "$umsg" ip jq setpriv

# --- the default context, as hex, built with bash builtins only: every
# process costs a tenth of a second under TCG. Each appends to $hx.

# hx_le BYTES N: N, little-endian
hx_le()
{
	local i n=$2

	for ((i = 0; i < $1; i++)); do
		printf -v hx '%s%02x' "$hx" $((n & 255))
		n=$((n >> 8))
	done
}

# hx_zero BYTES
hx_zero()
{
	local z

	printf -v z '%*s' $((2 * $1)) ''
	hx+=${z// /0}
}

# hx_ip6 ADDR: the 16 bytes of an IPv6 address, "::" expanded
hx_ip6()
{
	local head=$1 tail='' g i
	local -a hg=() tg=()

	if [[ $1 == *::* ]]; then
		head=${1%%::*}
		tail=${1#*::}
	fi
	[ -n "$head" ] && IFS=: read -r -a hg <<<"$head"
	[ -n "$tail" ] && IFS=: read -r -a tg <<<"$tail"
	for g in "${hg[@]}"; do printf -v hx '%s%04x' "$hx" "0x$g"; done
	for ((i = ${#hg[@]} + ${#tg[@]}; i < 8; i++)); do hx+=0000; done
	for g in "${tg[@]}"; do printf -v hx '%s%04x' "$hx" "0x$g"; done
}

# hx_sockaddr ADDR:PORT|[ADDR6]:PORT: struct sockaddr_in or sockaddr_in6,
# zero-padded to WFPREDIR_CONTEXT_SOCKADDR_LEN (128)
hx_sockaddr()
{
	local addr=${1%:*} port=${1##*:} o1 o2 o3 o4

	if [[ $addr == \[*\] ]]; then
		addr=${addr#[}
		addr=${addr%]}
		# AF_INET6 (10), port, flowinfo, address, scope id
		printf -v hx '%s0a00%04x00000000' "$hx" "$port"
		hx_ip6 "$addr"
		hx+=00000000
		hx_zero 100
	else
		IFS=. read -r o1 o2 o3 o4 <<<"$addr"
		# AF_INET (2), port, address
		printf -v hx '%s0200%04x%02x%02x%02x%02x' "$hx" "$port" "$o1" "$o2" "$o3" "$o4"
		hx_zero 120
	fi
}

# default_ctx DST SRC UID PID CGROUP COMM: sets $hx to the default context
default_ctx()
{
	local i c

	hx=
	hx_sockaddr "$1"
	hx_sockaddr "$2"
	hx_le 4 "$3"
	hx_le 4 "$4"
	hx_le 8 "$5"
	for ((i = 0; i < 16; i++)); do
		c=${6:i:1}
		if [ -n "$c" ]; then
			printf -v hx '%s%02x' "$hx" "'$c"
		else
			hx+=00
		fi
	done
}

# pattern_hex LEN FIRST: LEN bytes, FIRST then counting up by 7, as hex
pattern_hex()
{
	local i

	hx=
	for ((i = 0; i < $1; i++)); do
		printf -v hx '%s%02x' "$hx" $((($2 + 7 * i) & 255))
	done
}

# dump_ctx NS SRC: the context of the flow from SRC in the flow dump, as
# "DST SRC UID PID CGROUP COMM" (default) or "custom HEX"
dump_ctx()
{
	flows_json "$1" | jq -r --arg s "$2" '.[] | select(.src == $s and .redirected) |
		.context | if .default then "\(.dst) \(.src) \(.uid) \(.pid) \(.cgroup_id) \(.comm)"
		else "custom \(.hex)" end'
}

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" -t "[$B6]:8080" -u "$B4:8080" -u "[$B6]:8080" || exit 1
setup ctl_ns "$nsa" service add hopsvc id 7 ipv4 127.0.0.1:15007 ipv6 "[::1]:15007" || exit 1
setup ctl_ns "$nsa" rule add service hopsvc id 42 dport 8080 || exit 1
pattern_hex 6 222
c6=$hx
pattern_hex 288 255
c288=$hx
pattern_hex 1024 1
c1024=$hx
setup ctl_ns "$nsa" rule add service 7 id 43 dport 8081 context "$c6" || exit 1
setup ctl_ns "$nsa" rule add service 7 id 44 dport 8082 context "$c288" || exit 1
setup ctl_ns "$nsa" rule add service 7 id 45 dport 8083 context "$c1024" || exit 1

# the client runs in a cgroup of its own (its id is the directory's inode)
cgid=1
incg=()
if cg_new "wfpt-$sfx"; then
	cgid=$(stat -c %i "/sys/fs/cgroup/wfpt-$sfx")
	# shellcheck disable=SC2016 # for the inner shell
	incg=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "/sys/fs/cgroup/wfpt-$sfx")
else
	echo "# cgroup v2 not mounted: the client stays in the root cgroup (id 1)"
fi

# client OUT ARGS...: flowpeer connect -v ARGS as uid 1234 in the client
# cgroup, in namespace A; waits for it. $cpid: its pid; $local_addr: its
# address and port.
client()
{
	local out=$1
	shift
	bg_run "$out" "${incg[@]}" nsenter --net=/run/netns/"$nsa" setpriv --reuid=1234 \
		--regid=1234 --clear-groups "$flowpeer" connect -v -T 10 "$@"
	cpid=$!
	wait "$cpid"
	sed 's/^/# client: /' "$out"
	local_addr=$(kv "$out" local= local)
}

for f in 4 6; do
	if [ $f = 4 ]; then
		far=$B4 svc=127.0.0.1:15007
	else
		far="[$B6]" svc="[::1]:15007"
	fi
	for p in tcp udp; do
		c="v$f/$p"
		u=''
		[ $p = udp ] && u=-u
		out=$tmpd/hop-$f-$p.out
		cout=$tmpd/client-$f-$p.out

		# -k: hop keeps the accepted socket, and so the flow, for the dump
		hop_start "$out" "$nsa" $u -C -k -l "$svc" || {
			ret=1
			continue
		}
		client "$cout" $u "$far:8080"
		wait_for "$out" '^holding' || ret=1
		sed 's/^/# hop: /' "$out"
		expect "$c: the client reached hop" "hop src=same" cat "$cout"
		default_ctx "$far:8080" "$local_addr" 1234 "$cpid" "$cgid" flowpeer
		expect "$c: context: the default layout's length" 288 kv "$out" context= len
		expect "$c: context: the old layout, byte for byte" "$hx" kv "$out" ctx_hex= ctx_hex
		expect "$c: context: WSAIoctl returns the same bytes" ok kv "$out" context= wsa
		expect "$c: combined query answers" ok kv "$out" redirect= redirect
		expect "$c: combined query: the same context" 1 kv "$out" redirect= context_same
		expect "$c: combined query: the same records" 1 kv "$out" redirect= records_same
		expect "$c: combined query: not flagged custom" 0x0 kv "$out" redirect= flags
		expect "$c: flow dump: the same connection and process" \
			"$far:8080 $local_addr 1234 $cpid $cgid flowpeer" dump_ctx "$nsa" "$local_addr"
		bg_stop "$hop_pid"
	done

	# UDP on an unconnected socket: WSARecvMsg() (the datagram flow query)
	c="v$f/udp, WSARecvMsg"
	out=$tmpd/umsg-$f.out
	cout=$tmpd/client-$f-umsg.out
	bg_run "$out" nsenter --net=/run/netns/"$nsa" "$umsg" serve -x -l "$svc"
	upid=$!
	wait_for "$out" '^listening' || ret=1
	client "$cout" -u "$far:8080"
	wait_for "$out" '^ctx ' || ret=1
	sed 's/^/# service: /' "$out"
	expect "$c: the client got an answer through the service" "server src=other" cat "$cout"
	default_ctx "$far:8080" "$local_addr" 1234 "$cpid" "$cgid" flowpeer
	expect "$c: context: the old layout, byte for byte" "$hx" kv "$out" "ctx peer=" hex
	bg_stop "$upid"

	# custom context: the rule's bytes, whatever their length
	for n in 6 288 1024; do
		c="v$f/tcp, $n bytes of custom context"
		out=$tmpd/hop-$f-c$n.out
		hop_start "$out" "$nsa" -C -k -l "$svc" || {
			ret=1
			continue
		}
		client "$tmpd/client-$f-c$n.out" "$far:$((8080 + 1 + (n > 6) + (n > 288)))"
		wait_for "$out" '^holding' || ret=1
		want=c$n
		expect "$c: context: length" "$n" kv "$out" context= len
		expect "$c: context: the rule's bytes" "${!want}" kv "$out" ctx_hex= ctx_hex
		expect "$c: combined query: the same context" 1 kv "$out" redirect= context_same
		expect "$c: combined query: flagged custom" 0x1 kv "$out" redirect= flags
		if [ "$n" = 6 ]; then
			expect "$c: flow dump: the rule's bytes" "custom ${!want}" \
				dump_ctx "$nsa" "$local_addr"
		fi
		bg_stop "$hop_pid"
	done
done
exit $ret
