#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# wfpredirctl monitor tells what changes in its namespace as it happens: a
# listener sees the services and rules another process adds and deletes
# (NEW, DEL, FLUSH; each naming its table), a REDIRECT for a redirected
# connection with its original and redirected addresses, service, rule and
# uid, and a REFUSED with reason flow-share for a connection past its uid's
# share of the flow table. Listening needs CAP_NET_ADMIN; a namespace's events never reach
# another namespace's listener; SIGTERM ends the monitor cleanly.
#
#   ns a-SFX: client, services, rules, listeners (veth 10.99.0.1 <-> 10.99.0.2)
#   ns b-SFX: the flowpeer server
#   ns c-SFX: a listener that must hear only its own namespace
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$flowpeer" ip jq setpriv insmod rmmod

# Four flows in all, two per uid (flow-share 50): the third of a uid is refused.
module_params max_flows=4

nsa=a-$sfx
nsb=b-$sfx
nsc=c-$sfx
topo_up "$nsa" "$nsb" || exit 1
ns_new "$nsc" || exit 1
server_start "$nsb" -t "$B4:8080" || exit 1
server_start "$nsa" -n svc -t 127.0.0.1:15008 || exit 1

# joined NS FILE...: until the listeners writing the FILEs have joined: a
# probe service, "ready", comes and goes in NS until each FILE tells of it.
# Every check below leaves the probe's events out.
joined()
{
	local ns=$1 i f ok
	shift

	for ((i = 0; i < 50; i++)); do
		ctl_ns "$ns" service add ready ipv4 127.0.0.1:15999 >/dev/null 2>&1
		ctl_ns "$ns" service del ready >/dev/null 2>&1
		ok=1
		for f in "$@"; do grep -q ready "$f" || ok=0; done
		((ok)) && return 0
		sleep 0.2
	done
	echo "FAIL: setup: the listeners of $ns did not join"
	ret=1
	return 1
}

bg_run "$tmpd/a.json" nsenter --net=/run/netns/"$nsa" "$ctl" -j monitor
bg_run "$tmpd/a.txt" nsenter --net=/run/netns/"$nsa" "$ctl" monitor
text_pid=$!
bg_run "$tmpd/c.json" nsenter --net=/run/netns/"$nsc" "$ctl" -j monitor
joined "$nsa" "$tmpd/a.json" "$tmpd/a.txt" || exit 1
joined "$nsc" "$tmpd/c.json" || exit 1

expect_rc "an unprivileged user may not listen" 1 \
	nsenter --net=/run/netns/"$nsa" setpriv --reuid=1000 --regid=1000 --clear-groups "$ctl" monitor
expect "and is told why" \
	"wfpredirctl: monitor: cannot listen to events: Operation not permitted (CAP_NET_ADMIN is needed)" \
	nsenter --net=/run/netns/"$nsa" setpriv --reuid=1000 --regid=1000 --clear-groups "$ctl" monitor

# event N FILTER: the Nth event (from 1) of namespace a that the jq FILTER
# selects and formats, or "none".
event()
{
	jq -s -r --argjson n "$1" "[.[] | select(.name != \"ready\") | $2] | .[\$n - 1] // \"none\"" \
		"$tmpd/a.json" 2>&1
}

setup ctl_ns "$nsa" service add alpha id 7 ipv4 127.0.0.1:15008 || exit 1
wait_value "NEW service: its id, name, table and address" \
	'{"event":"new","object":"service","id":7,"name":"alpha","table":"default","ipv4":"127.0.0.1:15008"}' 10 \
	event 1 'select(.object == "service") | tojson'
setup ctl_ns "$nsa" rule add service alpha proto tcp dport 8080 || exit 1
wait_value "NEW rule: its service (by id and name), protocol and ports" \
	"7 alpha tcp 8080 8080" 10 event 1 \
	'select(.object == "rule") | "\(.service) \(.service_name) \(.protocol) \(.dport_min) \(.dport_max)"'
rule=$(event 1 'select(.object == "rule") | .id')
expect "the text listener prints the same, in the syntax service add takes" \
	"[NEW] service alpha id 7 table default ipv4 127.0.0.1:15008" grep -F "[NEW] service alpha" "$tmpd/a.txt"
expect "and the rule as rule add takes it" \
	"[NEW] rule id $rule priority 1000 table default service alpha proto tcp dport 8080" \
	grep -F "[NEW] rule" "$tmpd/a.txt"

# A redirected connection, from uid 1000: its source port is in -v's local=.
out=$(nsenter --net=/run/netns/"$nsa" setpriv --reuid=1000 --regid=1000 --clear-groups \
	"$flowpeer" connect -v "$B4:8080")
local_addr=$(printf '%s\n' "$out" | sed -n 's/^local=\([^ ]*\) .*/\1/p')
expect "the client is redirected" "svc src=same" echo "$out"
wait_value "REDIRECT: protocol, original source and destination, where it went, service, rule, uid" \
	"tcp $local_addr $B4:8080 127.0.0.1:15008 7 alpha $rule 1000" 10 event 1 \
	'select(.event == "redirect") | "\(.protocol) \(.src) \(.dst) \(.redirect_to) \(.service) \(.service_name) \(.rule) \(.uid)"'
wait_value "the text listener prints the redirect" \
	"[REDIRECT] tcp $local_addr -> $B4:8080 redirected to 127.0.0.1:15008 service alpha (rule $rule) uid 1000" \
	10 grep -F "[REDIRECT]" "$tmpd/a.txt"

# uid 2000 holds two connections, its share of the four flows; the third is refused.
bg_run "$tmpd/hold" nsenter --net=/run/netns/"$nsa" setpriv --reuid=2000 --regid=2000 --clear-groups \
	"$flowpeer" hold -n 3 -c 1 -T 5 "$B4:8080"
holder=$!
wait_for "$tmpd/hold" '^ok|^failed' 30
expect "uid 2000's third connection is refused" "failed 1 of 3 (ok 2 same=2 other=0): ECONNREFUSED=1" \
	cat "$tmpd/hold"
wait_value "REFUSED: the connection, its rule and uid, and why" \
	"tcp $B4:8080 7 $rule 2000 flow-share none" 10 event 1 \
	'select(.event == "refused") | "\(.protocol) \(.dst) \(.service) \(.rule) \(.uid) \(.reason) \(.redirect_to // "none")"'
wait_value "the text listener prints the refusal with its reason" "flow-share" 10 \
	sh -c "grep -F '[REFUSED] tcp' '$tmpd/a.txt' | sed -n 's/.*uid 2000 reason //p'"
bg_stop "$holder"

setup ctl_ns "$nsa" rule del "$rule" &&
	setup ctl_ns "$nsa" service del alpha &&
	setup ctl_ns "$nsa" service add beta ipv4 127.0.0.1:15009 &&
	setup ctl_ns "$nsa" rule add service beta &&
	setup ctl_ns "$nsa" rule flush &&
	setup ctl_ns "$nsa" service flush || exit 1
changes="new service,new rule,del rule,del service,new service,new rule,flush rule,flush service"
wait_value "every change is told, in the order it was made" "$changes" 10 \
	jq -s -r '[.[] | select(.object != "flow" and .name != "ready") | "\(.event) \(.object)"]
		| join(",")' "$tmpd/a.json"
expect "DEL rule names the rule deleted" "$rule 7" event 1 \
	'select(.event == "del" and .object == "rule") | "\(.id) \(.service)"'
expect "DEL service names the service deleted" "alpha 7" event 1 \
	'select(.event == "del" and .object == "service") | "\(.name) \(.id)"'

# Namespace c's listener heard none of a's events, though it listens.
setup ctl_ns "$nsc" service add gamma ipv4 127.0.0.1:15010 || exit 1
wait_value "another namespace's listener hears its own changes and none of a's" \
	"gamma" 10 jq -s -r '[.[] | select(.name != "ready") | .name // .event] | join(",")' \
	"$tmpd/c.json"

kill -TERM "$text_pid"
rc=0
wait "$text_pid" || rc=$?
expect "SIGTERM ends the monitor with status 0" 0 echo "$rc"
exit $ret
