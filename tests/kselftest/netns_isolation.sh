#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Services, rules, flows and counters belong to one network namespace. A
# rule in namespace A that matches everything redirects A's flows and never
# touches those of namespace C, which reach the same server directly; C sees
# no service, rule or flow of A's, and its counters stay at 0. C may create
# a service of the same name and a rule of the same id for its own traffic,
# which in turn leaves A's alone, and flushing C's rules changes nothing in A.
#
#   ns a-SFX (10.99.0.1, fd99::1): rules, wfpredir-proxy px, client
#   ns c-SFX (10.98.0.1, fd98::1): client, later its own echo service
#   ns b-SFX (10.99.0.2, 10.98.0.2, fd99::2, fd98::2): the flowpeer server
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" "$flowpeer" ip jq ss

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
nsc=c-$sfx
topo_up "$nsa" "$nsb" || exit 1
ns_new "$nsc" || exit 1
setup ip -n "$nsc" link add veth1 type veth peer name veth1 netns "$nsb" || exit 1
ip -n "$nsc" addr add 10.98.0.1/24 dev veth1
ip -n "$nsc" addr add fd98::1/64 dev veth1 nodad
ip -n "$nsb" addr add 10.98.0.2/24 dev veth1
ip -n "$nsb" addr add fd98::2/64 dev veth1 nodad
ip -n "$nsc" link set veth1 up
ip -n "$nsb" link set veth1 up

server_start "$nsb" -t "$B4:8080" -t "[$B6]:8080" -u "$B4:8080" -u "[$B6]:8080" \
	-t 10.98.0.2:8080 -t "[fd98::2]:8080" -u 10.98.0.2:8080 -u "[fd98::2]:8080" || exit 1
proxy_start "$nsa" px -t 127.0.0.1:15001 -t "[::1]:15001" -u 127.0.0.1:15001 \
	-u "[::1]:15001" || exit 1
setup ctl_ns "$nsa" service add px id 5 ipv4 127.0.0.1:15001 ipv6 "[::1]:15001" || exit 1
setup ctl_ns "$nsa" rule add service px id 5 || exit 1

# go NS FAMILY PROTO: one client; from A to B's 10.99/fd99 side, from C to its 10.98/fd98 side
go()
{
	local u='' to

	[ "$3" = udp ] && u=-u
	case "$1$2" in
	"$nsa"4) to=$B4 ;;
	"$nsa"6) to="[$B6]" ;;
	"$nsc"4) to=10.98.0.2 ;;
	"$nsc"6) to="[fd98::2]" ;;
	esac
	nsenter --net=/run/netns/"$1" "$flowpeer" connect $u -T 5 "$to:8080"
}

for f in 4 6; do
	for p in tcp udp; do
		c="v$f/$p"
		expect "$c: A's rule redirects A's client through A's proxy" "server src=other" \
			go "$nsa" $f $p
		expect "$c: C's client goes direct" "server src=same" go "$nsc" $f $p
	done
done

expect "C lists no services" 0 list_len "$nsc" service
expect "C lists no rules" 0 list_len "$nsc" rule
expect "C lists no flows" 0 list_len "$nsc" flow
expect "A lists its service" 1 list_len "$nsa" service
for k in services rules flows redirects; do
	expect "C's info: $k 0" 0 info_get "$nsc" "$k"
done
expect "B (the server's namespace) has no services either" 0 info_get "$nsb" services
expect "A's info: services 1" 1 info_get "$nsa" services
expect "A's info: redirects 4" 4 info_get "$nsa" redirects

# C's own service of the same name and rule of the same id
server_start "$nsc" -n svcC -t 127.0.0.1:15001 -t "[::1]:15001" -u 127.0.0.1:15001 \
	-u "[::1]:15001" || exit 1
setup ctl_ns "$nsc" service add px id 5 ipv4 127.0.0.1:15001 ipv6 "[::1]:15001"
setup ctl_ns "$nsc" rule add service px id 5
for f in 4 6; do
	for p in tcp udp; do
		c="v$f/$p"
		expect "$c: C's rule sends C's client to C's service" "svcC src=same" \
			go "$nsc" $f $p
		expect "$c: A's client still goes through A's proxy" "server src=other" \
			go "$nsa" $f $p
	done
done
setup ctl_ns "$nsc" rule flush
setup ctl_ns "$nsc" service flush
expect "after C's flush, C's client goes direct" "server src=same" go "$nsc" 4 tcp
expect "after C's flush, A still has its rule" 1 info_get "$nsa" rules
expect "after C's flush, A still has its service" 1 info_get "$nsa" services
expect "after C's flush, A's client still goes through A's proxy" "server src=other" \
	go "$nsa" 4 tcp
expect_rc "a namespace that used wfpredir can be deleted" 0 ip netns del "$nsc"
expect "and A's rule still works" "server src=other" go "$nsa" 6 udp
exit $ret
