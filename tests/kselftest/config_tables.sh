#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Two vendors' tables side by side: each may name its service "proxy"; a
# flush of one table leaves the other's rules and services; a rule names
# its service by name in its own table; add -e echoes the id the kernel
# picked; replace changes a rule or a service in place; listings print the
# arguments add takes, and "rule list table X" shows one table.
#
#   ns a-SFX: clients, echo services (vendor A's and B's proxies)
#   ns b-SFX: the flowpeer server
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$flowpeer" ip jq ss

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" -t "$B4:9090" || exit 1
server_start "$nsa" -n pxA -t 127.0.0.1:15031 || exit 1
server_start "$nsa" -n pxB -t 127.0.0.1:15032 || exit 1
server_start "$nsa" -n pxB2 -t 127.0.0.1:15033 || exit 1
go() { nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 5 "$@"; }
c() { ctl_ns "$nsa" "$@"; }

setup c service add proxy table vendor-a ipv4 127.0.0.1:15031 || exit 1
expect "the same service name in another table is allowed" ok \
	sh -c "nsenter --net=/run/netns/$nsa $ctl service add proxy table vendor-b ipv4 127.0.0.1:15032 && echo ok"
expect_rc "the same name twice in one table is refused" 1 \
	c service add proxy table vendor-a ipv4 127.0.0.1:15039
expect_rc "a listen address is unique across tables" 1 \
	c service add other table vendor-b ipv4 127.0.0.1:15031
expect_rc "a bad table name is a usage error" 2 c service add x table 'a/b' ipv4 127.0.0.1:1

# -e: the listing line of what was made, with the id the kernel picked
echo_out=$(c -e rule add service proxy table vendor-a proto tcp dport 8080)
echo "# echo: $echo_out"
id_a=$(sed -n 's/^id \([0-9]*\) .*/\1/p' <<<"$echo_out")
expect "-e rule add prints the id it got" yes \
	sh -c "[ -n '$id_a' ] && [ '$id_a' -gt 0 ] && echo yes || echo no"
expect "the echo is in add's syntax, table and service named" \
	"id $id_a priority 1000 table vendor-a service proxy proto tcp dport 8080 # matches 0" \
	echo "$echo_out"
setup c rule add service proxy table vendor-b proto tcp dport 9090 || exit 1
expect "vendor A's rule sends 8080 to A's proxy" "pxA src=same" go "$B4:8080"
expect "vendor B's rule sends 9090 to B's proxy" "pxB src=same" go "$B4:9090"

# a listing line, fed back to add, is accepted
line=$(c rule list table vendor-a | sed 's/ #.*//')
expect "rule list table X shows that table only" 1 sh -c "nsenter --net=/run/netns/$nsa $ctl rule list table vendor-a | wc -l"
setup c rule del "$id_a"
# shellcheck disable=SC2086 # the words of the listing
expect "a listing line is what rule add takes" ok \
	sh -c "nsenter --net=/run/netns/$nsa $ctl rule add $line && echo ok"
expect "the rule came back with its id" "$id_a" \
	sh -c "nsenter --net=/run/netns/$nsa $ctl -j rule list table vendor-a | jq -r '.[0].id'"
expect "-j listings name the table" "vendor-a vendor-b" \
	sh -c "nsenter --net=/run/netns/$nsa $ctl -j service list | jq -r '[.[].table] | sort | join(\" \")'"

# flush one table: the other stays
setup c rule flush table vendor-a
expect "after flushing vendor-a's rules, 8080 goes direct" "server src=same" go "$B4:8080"
expect "vendor-b's rule is still there" "pxB src=same" go "$B4:9090"
setup c service flush table vendor-a
expect "service flush table vendor-a leaves vendor-b's service" "proxy" \
	sh -c "nsenter --net=/run/netns/$nsa $ctl -j service list | jq -r '.[] | select(.table == \"vendor-b\") | .name'"
expect "and vendor-a has none" 0 sh -c "nsenter --net=/run/netns/$nsa $ctl service list table vendor-a | wc -l"
expect_rc "service flush of a table whose services rules use is refused" 1 \
	c service flush table vendor-b

# replace: a rule in place, by id
rid=$(c -j rule list table vendor-b | jq -r '.[0].id')
expect "rule replace keeps the id, changes the match" "$rid 8080" \
	sh -c "nsenter --net=/run/netns/$nsa $ctl rule replace id $rid service proxy table vendor-b proto tcp dport 8080 >/dev/null &&
		nsenter --net=/run/netns/$nsa $ctl -j rule list table vendor-b | jq -r '.[0] | \"\\(.id) \\(.dport_min)\"'"
expect "the replaced rule sends 8080 to B's proxy" "pxB src=same" go "$B4:8080"
expect "and no longer 9090" "server src=same" go "$B4:9090"
expect_rc "rule add of an id in use still fails" 1 \
	c rule add id "$rid" service proxy table vendor-b proto tcp dport 8080

# replace: a service a rule uses, to a new address; the rule follows
sid=$(c -j service list table vendor-b | jq -r '.[0].id')
expect "service replace of a used service succeeds" ok \
	sh -c "nsenter --net=/run/netns/$nsa $ctl service replace proxy table vendor-b ipv4 127.0.0.1:15033 && echo ok"
expect "its rule now sends 8080 to the new address" "pxB2 src=same" go "$B4:8080"
expect "the rule kept its id" "$rid" sh -c "nsenter --net=/run/netns/$nsa $ctl -j rule list | jq -r '.[0].id'"
expect "service add without replace of an existing name still fails" 1 \
	sh -c "nsenter --net=/run/netns/$nsa $ctl service add proxy table vendor-b ipv4 127.0.0.1:15034 >/dev/null 2>&1; echo \$?"
echo "# service ids: before $sid, after $(c -j service list | jq -r '.[0].id')"
exit $ret
