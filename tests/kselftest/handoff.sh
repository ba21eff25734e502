#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# WFPREDIR_SO_HANDOFF, a proxy's query and set in one call, over IPv4 and
# IPv6:
#
# - Its answer is byte for byte WFPREDIR_SO_GET_REDIRECT's on the accepted
#   socket (raw, at SOL_IP too on AF_INET6, and through wfpredir_handoff()),
#   and the onward connections made with it carry exactly the records of
#   one made with the query and the set (flow id and every entry, read back
#   with wfpredirctl flow list).
# - A buffer too small (one byte short, the request alone, none) succeeds
#   with the size needed and hands nothing on, as no call that fails does:
#   the onward sockets, connected to a port no rule takes, make no flow.
# - The buffers request (WFPREDIR_HANDOFF_F_BUFFERS): the descriptor read
#   from memory, the same answer into another buffer, its length in
#   answer_len, len left alone, the same records on the wire; answer_len one
#   byte short: the size, nothing handed on.
# - Errors: len short of the request or negative, unknown flags, the
#   buffers flag with len short of its request or reserved set (EINVAL);
#   an unmapped buffer, from_fd_ptr or answer (EFAULT); from_fd -1 or closed (EBADF), a pipe
#   (ENOTSOCK), an AF_UNIX socket or an AF_PACKET one whose protocol reads
#   as UDP (EPROTOTYPE), a socket of another network namespace (EXDEV),
#   never connected, listening, or an unbound UDP socket (ENOTCONN), a
#   connection not redirected (ENOENT); an onward socket connected or
#   listening (EISCONN) or raw (EOPNOTSUPP); a caller without CAP_NET_ADMIN
#   (EPERM).
# - Through WSAIoctl (SIO_WFPREDIR_HANDOFF): the same answer byte for byte,
#   its length in *lpcbBytesReturned, the same records on the wire; a buffer
#   one byte short or none: WSAEFAULT with the size, nothing handed on; and
#   the WSA errors: cbInBuffer 8 (WSAEINVAL), an unmapped lpvInBuffer or
#   lpvOutBuffer (WSAEFAULT), from a descriptor -1, a pipe (WSAENOTSOCK), an
#   AF_UNIX socket (WSAEOPNOTSUPP), a socket of another network namespace
#   (WSAEINVAL), never connected (WSAENOTCONN), not redirected
#   (FWP_E_NOT_FOUND); onto a connected socket (WSAEINVAL); without
#   CAP_NET_ADMIN (WSAEACCES).
# - Chains: client -> wfpredir-proxy (which hands off) -> hop -H (which
#   hands off) -> server carries [pa, hop] on every hop, as the same chain
#   through a proxy run with --wsaioctl and a hop that queries and sets
#   carries [pw, hop]; the last hop reads the same entries either way.
#
#   ns a-SFX: the helpers, client, proxies, hop; ns b-SFX: flowpeer server
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
ho=$build/tests/handoff
need "$ctl" "$ho" "$hop" "$proxy_bin" "$flowpeer" ip jq

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
srv=()
for port in 8090 8091 8092 8093; do
	srv+=(-t "$B4:$port" -t "[$B6]:$port")
done
server_start "$nsb" "${srv[@]}" || exit 1
setup ctl_ns "$nsa" service add hs id 1 ipv4 127.0.0.1:15201 ipv6 "[::1]:15201" || exit 1
setup ctl_ns "$nsa" rule add service hs proto tcp dport 8090 || exit 1

declare -A r
# run ARGS...: the handoff helper in $nsa, which keeps its sockets (and so
# their flows) until ho_stop; its lines into r[NAME], a "conn NAME ..."
# line into r[conn-NAME].
run()
{
	local out=$tmpd/handoff.out name rest

	r=()
	bg_run "$out" "$ho" -N "$nsa" -k "$@"
	ho_pid=$!
	wait_for "$out" '^holding|^handoff:' 60
	while read -r name rest; do
		if [ "$name" = conn ]; then
			r[conn-${rest%% *}]=${rest#* }
		else
			r[$name]=$rest
		fi
		[ "$name" = handoff: ] && echo "# handoff: $rest"
	done <"$out"
}
res() { echo "${r[$1]:-missing}"; }

# same_records NS SRC...: "same N entries=E" when the flows from the SRCs
# (one each) hold the same flow id and entries, every field of them.
same_records()
{
	local ns=$1
	shift
	flows_json "$ns" | jq -r --args '
		[.[] | . as $f | select($ARGS.positional | index($f.src))] as $fl
		| if ($fl | length) != ($ARGS.positional | length) then "missing \($fl | length)"
		  elif ([$fl[] | {flow_id, records}] | unique | length) == 1
		  then "same \($fl | length) entries=\($fl[0].records | length)"
		  else "differ" end' "$@"
}

# flows_to NS DST: how many flows go to DST.
flows_to()
{
	flows_json "$1" | jq --arg d "$2" '[.[] | select(.dst == $d)] | length'
}

for f in 4 6; do
	c="v$f"
	if [ $f = 4 ]; then
		far=$B4 listen=127.0.0.1:15201
	else
		far="[$B6]" listen="[::1]:15201"
	fi
	run -l "$listen" -c "$far:8090" -p "$far:8091" -X "$nsb"
	expect "$c: the helper got its connections" ok echo "${r[accepted]+ok}"
	total=${r[raw]#*len=}
	total=${total%% *}
	expect "$c: the hand-off answers as the query does" "ok len=$total same=1" res raw
	[ $f = 6 ] && expect "$c: and at SOL_IP" "ok same=1" res levels
	expect "$c: the query's records set the classic way" ok res set
	expect "$c: wfpredir_handoff gives the same answer" "ok len=$total same=1" res lib
	expect "$c: WSAIoctl(SIO_WFPREDIR_HANDOFF) gives the same answer and count" \
		"ok len=$total same=1" res wsa
	expect "$c: the buffers request gives the same answer, len left alone" \
		"ok len=$total optlen=32 same=1" res bufs
	srcs=()
	for k in raw set lib wsa bufs; do
		v=$(res "conn-$k")
		expect "$c: the $k onward socket connects" src echo "${v%%=*}"
		srcs+=("${v#src=}")
	done
	expect "$c: hand-off (both requests), library, WSAIoctl and query + set: the same records on the wire" \
		"same 5 entries=1" same_records "$nsa" "${srcs[@]}"
	expect "$c: one byte short: the size, nothing copied" "ok len=$total untouched=1" res short
	expect "$c: room for the request alone: the size" "ok len=$total" res hdronly
	expect "$c: wfpredir_handoff without a buffer: the size" "ENOBUFS len=$total" res lib_null
	expect "$c: len 4" EINVAL res tiny
	expect "$c: len -1" EINVAL res negative
	expect "$c: unknown flags" EINVAL res flags
	expect "$c: the buffers flag, len short of its request" EINVAL res bufs_tiny
	expect "$c: the buffers request, reserved not zero" EINVAL res bufs_reserved
	expect "$c: the buffers request, answer_len one byte short: the size, nothing copied" \
		"ok len=$total untouched=1" res bufs_short
	expect "$c: the buffers request, from_fd_ptr unmapped" EFAULT res bufs_badfd
	expect "$c: the buffers request, answer unmapped" EFAULT res bufs_badanswer
	expect "$c: WSAIoctl one byte short: WSAEFAULT, the size" "WSAEFAULT len=$total" \
		res wsa_short
	expect "$c: WSAIoctl without a buffer: WSAEFAULT, the size" "WSAEFAULT len=$total" \
		res wsa_probe
	for k in short hdronly lib_null flags wsa_short wsa_probe bufs_short bufs_badfd \
		bufs_badanswer; do
		v=$(res "conn-$k")
		expect "$c: the $k onward socket connects" src echo "${v%%=*}"
	done
	expect "$c: none of them handed anything on: no flow to port 8091" 0 \
		flows_to "$nsa" "$far:8091"
	expect "$c: an unmapped buffer" EFAULT res badptr
	expect "$c: from_fd -1" EBADF res badfd
	expect "$c: from_fd closed" EBADF res closedfd
	expect "$c: from_fd a pipe" ENOTSOCK res notsock
	expect "$c: from_fd an AF_UNIX socket" EPROTOTYPE res unix
	expect "$c: from_fd an AF_PACKET socket of protocol 17" EPROTOTYPE res packet
	expect "$c: from_fd of another network namespace" EXDEV res xdev
	expect "$c: from_fd never connected" ENOTCONN res fresh
	expect "$c: from_fd listening" ENOTCONN res listener
	expect "$c: from_fd an unbound UDP socket" ENOTCONN res udp
	expect "$c: from_fd not redirected" ENOENT res direct
	expect "$c: the onward socket connected" EISCONN res onward_connected
	expect "$c: the onward socket listening" EISCONN res onward_listening
	expect "$c: a raw onward socket" EOPNOTSUPP res onward_raw
	expect "$c: without CAP_NET_ADMIN" EPERM res unpriv
	expect "$c: WSAIoctl, cbInBuffer 8" WSAEINVAL res wsa_inlen
	expect "$c: WSAIoctl, an unmapped lpvInBuffer" WSAEFAULT res wsa_badin
	expect "$c: WSAIoctl, an unmapped lpvOutBuffer" WSAEFAULT res wsa_badout
	expect "$c: WSAIoctl from socket -1" WSAENOTSOCK res wsa_badfd
	expect "$c: WSAIoctl from a pipe" WSAENOTSOCK res wsa_notsock
	expect "$c: WSAIoctl from an AF_UNIX socket" WSAEOPNOTSUPP res wsa_unix
	expect "$c: WSAIoctl from another network namespace" WSAEINVAL res wsa_xdev
	expect "$c: WSAIoctl from a socket never connected" WSAENOTCONN res wsa_fresh
	expect "$c: WSAIoctl from a connection not redirected" FWP_E_NOT_FOUND res wsa_direct
	expect "$c: WSAIoctl onto a connected socket" WSAEINVAL res wsa_onward_connected
	expect "$c: WSAIoctl without CAP_NET_ADMIN" WSAEACCES res wsa_unpriv
	bg_stop "$ho_pid"
done

# Chains: one through a proxy and a hop that hand off, one through a proxy
# and a hop that query and set.
setup ctl_ns "$nsa" service add pa id 2 ipv4 127.0.0.1:15202 ipv6 "[::1]:15202" || exit 1
setup ctl_ns "$nsa" service add pw id 3 ipv4 127.0.0.1:15203 ipv6 "[::1]:15203" || exit 1
setup ctl_ns "$nsa" service add hopsvc id 9 ipv4 127.0.0.1:15209 ipv6 "[::1]:15209" || exit 1
setup ctl_ns "$nsa" rule add service pa priority 100 proto tcp dport 8092 || exit 1
setup ctl_ns "$nsa" rule add service hopsvc priority 300 proto tcp dport 8092 || exit 1
setup ctl_ns "$nsa" rule add service pw priority 100 proto tcp dport 8093 || exit 1
setup ctl_ns "$nsa" rule add service hopsvc priority 300 proto tcp dport 8093 || exit 1
# -v twice: a hand-off that fell back to WSAIoctl says so
proxy_start "$nsa" pa -v -t 127.0.0.1:15202 -t "[::1]:15202" || exit 1
proxy_start "$nsa" pw --wsaioctl -t 127.0.0.1:15203 -t "[::1]:15203" || exit 1

for f in 4 6; do
	c="v$f"
	if [ $f = 4 ]; then
		farp=$B4 hl=127.0.0.1:15209
	else
		farp="[$B6]" hl="[::1]:15209"
	fi
	for way in handoff wsaioctl; do
		if [ $way = handoff ]; then
			port=8092 svc=2 hflag=-H
		else
			port=8093 svc=3 hflag=
		fi
		out=$tmpd/hop-$f-$way.out
		# -k: hop's connections, and their flows, stay until it is stopped
		# shellcheck disable=SC2086 # hflag: one word or none
		hop_start "$out" "$nsa" -k -l "$hl" $hflag -c "$farp:$port"
		expect "$c/$way: the client gets hop's answer through the proxy" "hop src=other" \
			nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 15 "$farp:$port"
		wait_for "$out" '^holding' 15
		sed "s/^/# hop $way: /" "$out"
		expect "$c/$way: hop reads two entries" 2 kv "$out" flow_id= count
		expect "$c/$way: entry 0 is the proxy's service" $svc kv "$out" "entry=0 " service
		expect "$c/$way: entry 1 is hop's" 9 kv "$out" "entry=1 " service
		for i in 0 1; do
			expect "$c/$way: entry $i keeps the original destination" "$farp:$port" \
				kv "$out" "entry=$i " dst
			expect "$c/$way: entry $i is not inherited" 0 kv "$out" "entry=$i " inherited
		done
		expect "$c/$way: hop's context names the original destination" "$farp:$port" \
			kv "$out" ctx_dst= ctx_dst
		expect "$c/$way: hop hands the chain on" ok kv "$out" set= set
		expect "$c/$way: and, every service done, goes straight to the server" server \
			kv "$out" reply= reply
		expect "$c/$way: the last hop's connection carries [proxy, hop]" "$svc 9" \
			flow_chain "$nsa" "$farp:$port" final
		bg_stop "$hop_pid"
	done
done
expect "the handing-off proxy handed the records on, v4 and v6" 2 \
	grep -c "records handed on" "$tmpd/pa.log"
expect "and never fell back to WSAIoctl" 0 grep -c "wfpredir_handoff:" "$tmpd/pa.log"
expect "the --wsaioctl proxy handed the records on, v4 and v6" 2 \
	grep -c "records handed on" "$tmpd/pw.log"
exit $ret
