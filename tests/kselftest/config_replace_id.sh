#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A service replaced with its own explicit id: "service replace NAME id ID"
# and a re-applied file that keeps "service add NAME id ID" both change the
# service (its port here) in one step. The new service takes the old one's
# id over at commit, so the id is never free nor held twice; a rule naming
# the service by id follows it; a transaction that fails on a later line
# leaves the old service exactly as it was, its id included.
#
#   ns a-SFX: clients, echo services pA, pA2, pA3
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
server_start "$nsb" -t "$B4:8080" || exit 1
server_start "$nsa" -n pA -t 127.0.0.1:15041 || exit 1
server_start "$nsa" -n pA2 -t 127.0.0.1:15042 || exit 1
server_start "$nsa" -n pA3 -t 127.0.0.1:15043 || exit 1
go() { nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 5 "$@"; }
c() { ctl_ns "$nsa" "$@"; }
# "COUNT PORT": how many services hold id 7, and the first one's port
svc7() {
	nsenter --net=/run/netns/"$nsa" "$ctl" -j service list |
		jq -r '[.[] | select(.id == 7)] |
			"\(length) \(.[0].ipv4 // "none" | sub(".*:"; ""))"'
}
# the rules redirecting to id 7, by id
rules7() {
	nsenter --net=/run/netns/"$nsa" "$ctl" -j rule list |
		jq -r '[.[] | select(.service == 7) | .id] | join(" ")'
}

setup c service add pa id 7 table t ipv4 127.0.0.1:15041 || exit 1
setup c rule add id 70 service 7 table t proto tcp dport 8080 || exit 1
expect "the rule naming id 7 sends 8080 to pA" "pA src=same" go "$B4:8080"

# service replace, the same id, another port
expect "service replace keeping the service's id succeeds" ok \
	sh -c "nsenter --net=/run/netns/$nsa $ctl service replace pa id 7 table t ipv4 127.0.0.1:15042 && echo ok"
expect "the rule follows it to the new port" "pA2 src=same" go "$B4:8080"
expect "id 7 is listed once, at the new port" "1 15042" \
	svc7
expect "the rule is still attached, with its id" 70 rules7

# the same through -f: a file keeping "id 7", re-applied with another port
conf() {
	printf 'table t\nservice add pa id 7 ipv4 127.0.0.1:%s\n' "$1"
	printf 'rule add id 70 service 7 proto tcp dport 8080\n'
	[ -z "$2" ] || printf '%s\n' "$2"
}
conf 15042 >"$tmpd/v1.conf"
conf 15043 >"$tmpd/v2.conf"
setup c -f "$tmpd/v1.conf" || exit 1
expect "re-applying a file that changes id 7's port succeeds" ok \
	sh -c "nsenter --net=/run/netns/$nsa $ctl -f $tmpd/v2.conf && echo ok"
expect "after the apply the rule sends 8080 to the new port" "pA3 src=same" go "$B4:8080"
expect "id 7 is listed once, at the new port" "1 15043" \
	svc7
expect "the rule is still attached, with its id" 70 rules7

# aborted: the file's last line fails, after id 7 was claimed
conf 15041 "rule add service 7 proto tcp dport 9090 cgroup /wfpredir-no-such-cgroup-$sfx" \
	>"$tmpd/bad.conf"
expect_rc "a file failing after claiming id 7 is refused" 1 c -f "$tmpd/bad.conf"
expect "the old service is intact: still pA3" "pA3 src=same" go "$B4:8080"
expect "id 7 is listed once, at its old port" "1 15043" \
	svc7
expect "its rule is still attached" 70 rules7
# no claim left behind: the id can be taken over again
expect "a later replace keeping id 7 still works" "pA src=same" \
	sh -c "nsenter --net=/run/netns/$nsa $ctl service replace pa id 7 table t ipv4 127.0.0.1:15041 >/dev/null &&
		nsenter --net=/run/netns/$nsa $flowpeer connect -T 5 $B4:8080"
exit "$ret"
