#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# wfpredirctl monitor and tables: a committed `wfpredirctl -f FILE` (the
# boot-time path of wfpredir.service) tells, once per table it replaced and
# in the order the file named them, how many services went, came and stayed
# and how many rules went and came (JSON and text); a transaction that fails,
# or is only checked (-c), tells nothing. Every service and rule event names
# its table (text: "table NAME" as add takes it; JSON: "table"), and a flush
# of one table names it.
#
#   ns a-SFX: the changes and the listeners
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" ip jq

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
ns_new "$nsa" || exit 1
c() { ctl_ns "$nsa" "$@"; }

bg_run "$tmpd/a.json" nsenter --net=/run/netns/"$nsa" "$ctl" -j monitor
bg_run "$tmpd/a.txt" nsenter --net=/run/netns/"$nsa" "$ctl" monitor

# Until both listeners have joined: a probe service, "ready", comes and goes
# until each file tells of it. The checks below leave its events out.
for ((i = 0; i < 50; i++)); do
	c service add ready ipv4 127.0.0.1:15999 >/dev/null 2>&1
	c service del ready >/dev/null 2>&1
	grep -q ready "$tmpd/a.json" && grep -q ready "$tmpd/a.txt" && break
	sleep 0.2
done
setup grep -q ready "$tmpd/a.json" || exit 1

# events: every event after the probe's, one line each, as FILTER prints it.
events()
{
	jq -s -r "[.[] | select(.name != \"ready\")] | .[] | $1" "$tmpd/a.json" 2>&1 |
		paste -sd, -
}
apply_fmt='select(.event == "apply") | "\(.table) \(.services_deleted) \(.services_added) \(.services_kept) \(.rules_deleted) \(.rules_added)"'

cat >"$tmpd/v1.conf" <<EOC
table t
service add svcA ipv4 127.0.0.1:15021
service add svcB ipv4 127.0.0.1:15022
rule add service svcA proto tcp dport 8080
rule add service svcB proto tcp dport 8081
table u
service add svcU ipv4 127.0.0.1:15031
rule add service svcU proto udp dport 53
EOC
setup c -f "$tmpd/v1.conf" || exit 1
wait_value "-f: one APPLY event per table, in the file's order: t and u, services and rules added" \
	"t 0 2 0 0 2,u 0 1 0 0 1" 10 events "$apply_fmt"

# svcA kept as it is, svcB replaced by svcC, three rules instead of two; u
# is not in the file and is left alone.
cat >"$tmpd/v2.conf" <<EOC
table t
service add svcA ipv4 127.0.0.1:15021
service add svcC ipv4 127.0.0.1:15023
rule add service svcA proto tcp dport 8080
rule add service svcC proto tcp dport 8081
rule add service svcC proto tcp dport 8082
EOC
setup c -f "$tmpd/v2.conf" || exit 1
wait_value "a replacement tells what went (svcB, 2 rules), came (svcC, 3 rules) and stayed (svcA)" \
	"t 0 2 0 0 2,u 0 1 0 0 1,t 1 1 1 2 3" 10 events "$apply_fmt"
wait_value "the text listener prints it in words" \
	"[APPLY] table t services deleted 1 added 1 kept 1 rules deleted 2 added 3" 10 \
	sh -c "grep -F '[APPLY] table t' '$tmpd/a.txt' | tail -n 1"

# Neither a failing transaction nor a checked one changes anything: no event.
cat >"$tmpd/bad.conf" <<EOC
table t
service add svcA ipv4 127.0.0.1:15021
rule add service svcA proto tcp cgroup /wfpredir-no-such-cgroup-$sfx
EOC
expect_rc "a transaction whose last line fails exits 1" 1 c -f "$tmpd/bad.conf"
expect_rc "a checked transaction exits 0" 0 c -f "$tmpd/v1.conf" -c
setup c service add marker id 900 table vendor-x ipv4 127.0.0.1:15041 || exit 1
wait_value "nothing is told of the failed and the checked transaction" \
	"apply t,apply u,apply t,new vendor-x" 10 events '"\(.event) \(.table)"'

# Every object event names its table; a one-table flush names it too.
setup c rule add id 901 service marker table vendor-x proto tcp dport 9000 || exit 1
setup c rule flush table vendor-x || exit 1
setup c service flush table vendor-x || exit 1
wait_value "JSON: NEW service, NEW rule, FLUSH rules, FLUSH services name table vendor-x" \
	"new service vendor-x,new rule vendor-x,flush rule vendor-x,flush service vendor-x" 10 \
	events 'select(.table == "vendor-x") | "\(.event) \(.object) \(.table)"'
expect "text: the service in service add's syntax, with its table" \
	"[NEW] service marker id 900 table vendor-x ipv4 127.0.0.1:15041" \
	grep -F "[NEW] service marker" "$tmpd/a.txt"
expect "text: the rule in rule add's syntax, with its table and service" \
	"[NEW] rule id 901 priority 1000 table vendor-x service marker proto tcp dport 9000" \
	grep -F "[NEW] rule id 901" "$tmpd/a.txt"
expect "text: a table's flush names it" "[FLUSH] rules table vendor-x" \
	grep -F "[FLUSH] rules" "$tmpd/a.txt"
exit $ret
