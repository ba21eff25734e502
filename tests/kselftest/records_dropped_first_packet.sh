#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A proxy's first packet with records is lost after wfpredir's hook, and the
# retransmission still carries the records. hop, the service's proxy, reads
# the records of a redirected connection, sets them on its onward socket and
# connects to the original destination; the dropper test module drops that
# socket's first packet (the SYN, or the first datagram: hop sends again
# after a second) at LOCAL_OUT after NAT ("out", as a filter rule would)
# or at POSTROUTING before conntrack confirms it ("post"). The connection
# must still reach the server, with the chain hop was given (service 7,
# explicit, not inherited), and must not be redirected again, back to hop's
# own service; `flow list` shows one flow to that destination. TCP and UDP,
# IPv4 and IPv6.
#
#   ns a-SFX: client, service 7 (hop), rule dport 8101-8108, the dropper
#   ns b-SFX: the flowpeer server on 8101-8108
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$hop" "$flowpeer" ip jq ss insmod rmmod

ko=${WFPREDIR_MODULE:-$top/kmod/wfpredir.ko}
dropper=$(dirname "$ko")/../tests/modules/dropper/wfpredir_dropper.ko
if [ ! -f "$dropper" ]; then
	echo "SKIP: $dropper is not built (make WFPREDIR_DEBUG=1 module)"
	exit $ksft_skip
fi
ctlf=/proc/wfpredir_dropper
cleanup()
{
	redir_cleanup
	rmmod wfpredir_dropper 2>/dev/null
	return 0
}
redir_init
trap cleanup EXIT
insmod "$dropper" || exit 1

nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
# one port for each case below, in its order
server_start "$nsb" -t "$B4:8101" -t "[$B6]:8102" -u "$B4:8103" -u "[$B6]:8104" \
	-t "$B4:8105" -t "[$B6]:8106" -u "$B4:8107" -u "[$B6]:8108" || exit 1
setup ctl_ns "$nsa" service add hopsvc id 7 ipv4 127.0.0.1:15007 ipv6 "[::1]:15007" &&
	setup ctl_ns "$nsa" rule add service hopsvc dport 8101-8108 || exit 1

# dropped HOOK: what the dropper dropped at HOOK so far
dropped() { sed -n "s/^dropped_$1 //p" "$ctlf"; }
# chains DST: the chains of the flows to DST that were not redirected,
# comma-separated (a ghost of the dropped first packet would add one)
chains()
{
	local line out=

	while IFS= read -r line; do
		out+="${out:+,}$line"
	done < <(flow_chain "$nsa" "$1" final)
	echo "$out"
}
# onward PROTO DST: the chains of the flows to DST. A closed TCP connection's
# flow is released at the next collection, so for TCP none is as good as
# one; more than one, or another chain, is a ghost or a loop.
onward()
{
	local got

	got=$(chains "$2")
	if [ "$1" = tcp ] && [ -z "$got" ]; then
		echo 7
	else
		echo "$got"
	fi
}

port=8100
for hook in out post; do
	for p in tcp udp; do
		for f in 4 6; do
			port=$((port + 1))
			c="$hook/$p/v$f"
			u='' retry='' far=$B4 svc=127.0.0.1:15007 how=''
			[ "$f" = 6 ] && far="[$B6]" svc="[::1]:15007"
			# UDP: a silent loss (a drop would fail the send with EPERM);
			# hop sends again after 200 ms, not a second
			[ "$p" = udp ] && u=-u retry="-R 200" how=lose
			out=$tmpd/hop-$hook-$p-$f.out
			drops=$(dropped "$hook")
			redirects=$(info_get "$nsa" redirects)

			hop_start "$out" "$nsa" $u $retry -l "$svc" -c "$far:$port" -T 30 || {
				ret=1
				continue
			}
			# armed in namespace a, for the first packet to $port after NAT
			nsenter --net=/run/netns/"$nsa" sh -c "echo $hook $port 1 $how >$ctlf" || exit 1
			nsenter --net=/run/netns/"$nsa" "$flowpeer" connect $u -T 30 -m "go" "$far:$port" \
				>"$tmpd/client.out" 2>&1
			hop_wait 40
			echo off >"$ctlf"
			while IFS= read -r line; do echo "# hop: $line"; done <"$out"

			expect "$c: the dropper dropped hop's first packet" "$((drops + 1))" dropped "$hook"
			expect "$c: hop read the chain of service 7" 7 kv "$out" "entry=0 " service
			expect "$c: hop set it on its onward socket" ok kv "$out" set= set
			expect "$c: hop's onward connection succeeds" ok kv "$out" connect= connect
			expect "$c: and reaches the server, not hop's own service" server \
				kv "$out" reply= reply
			expect "$c: only the client's connection was redirected" \
				"$((redirects + 1))" info_get "$nsa" redirects
			# not redirected: hop's onward flows; one, with service 7's entry
			expect "$c: one flow to the server, carrying service 7's explicit entry" 7 \
				onward "$p" "$far:$port"
		done
	done
done
exit $ret
