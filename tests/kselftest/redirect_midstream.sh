#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Only a connection's first packet is a new flow. A TCP connection made
# while no conntrack user was in the namespace (before the first rule, or
# across a reload of the module) is picked up by conntrack mid-stream when
# a rule arrives: a new entry, but no SYN. A rule that matches it must
# leave it alone: redirected, its next segment would reach a proxy that
# never saw the handshake and be reset. New connections to the same port
# are redirected as usual. v4 and v6.
#
#   ns a-SFX: the clients (bash /dev/tcp, one connection each), the service
#             (a flowpeer server tagged svc), the rule
#   ns b-SFX: the flowpeer server, port 8080
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$flowpeer" ip nsenter

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -n origin -t "$B4:8080" -t "[$B6]:8080" || exit 1
server_start "$nsa" -n svc -t 127.0.0.1:15031 -t "[::1]:15031" || exit 1

# client FAR GO: one connection to FAR:8080; sends "first", prints the
# answer, waits until the file GO exists, sends "second", prints that
# answer ("none" if the connection broke).
client_script='
exec 3<>"/dev/tcp/$1/8080" || exit 1
echo first >&3
IFS= read -r -t 10 line <&3 || line=none
echo "1 $line"
while [ ! -e "$2" ]; do read -r -t 0.1 <&0; done
echo second >&3 2>/dev/null
IFS= read -r -t 10 line <&3 || line=none
echo "2 $line"'

# Both connections are made before the first rule: the rule turns conntrack
# on in the namespace, and a connection made after it is tracked from its
# SYN.
for f in 4 6; do
	[ $f = 4 ] && far=$B4 || far=$B6
	bg_run "$tmpd/client-$f.out" nsenter --net=/run/netns/"$nsa" bash -c "$client_script" \
		client "$far" "$tmpd/go" </dev/null
done
for f in 4 6; do
	wait_for "$tmpd/client-$f.out" '^1 ' 20 || exit 1
	expect "v$f: before any rule, the connection reaches the origin" origin \
		sh -c "sed -n 's/^1 //p' '$tmpd/client-$f.out'"
done
setup ctl_ns "$nsa" service add svc ipv4 127.0.0.1:15031 ipv6 "[::1]:15031" || exit 1
setup ctl_ns "$nsa" rule add service svc proto tcp dport 8080 || exit 1
before=$(info_get "$nsa" redirects)
touch "$tmpd/go"
for f in 4 6; do
	wait_for "$tmpd/client-$f.out" '^2 ' 20
	expect "v$f: a rule added mid-connection leaves it to the origin" "origin msg=second" \
		sh -c "sed -n 's/^2 \([^ ]*\) peer=[^ ]* /\1 /p' '$tmpd/client-$f.out'"
done
expect "neither was counted as redirected" "$before" info_get "$nsa" redirects
for far in "$B4" "[$B6]"; do
	expect "$far: a new connection to the port is redirected" "svc src=same" \
		nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 5 "$far:8080"
done
exit $ret
