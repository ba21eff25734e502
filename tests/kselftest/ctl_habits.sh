#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# wfpredirctl has the command-line habits of ip and nft: any unambiguous
# prefix of an object, command or keyword will do, an ambiguous one is
# refused (exit 2) naming the candidates; "help" and "OBJECT help" print the
# usage; -n NETNS acts in /run/netns/NETNS; -p indents -j's JSON; flow list
# takes filters (service, rule, proto, dst), each of which must match.
#
#   ns a-SFX: client, services alpha (8080) and beta (9090), rules
#   ns b-SFX: the flowpeer servers  (veth: 10.99.0.1 <-> 10.99.0.2)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$flowpeer" ip jq

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" || exit 1
server_start "$nsb" -t "$B4:9090" || exit 1
server_start "$nsa" -n alpha -t 127.0.0.1:15008 || exit 1
server_start "$nsa" -n beta -t 127.0.0.1:15009 || exit 1

# -n NETNS, and its long form
setup "$ctl" -n "$nsa" service add alpha id 7 ipv4 127.0.0.1:15008 || exit 1
expect "-n NETNS acts in that namespace" 1 info_get "$nsa" services
expect "and in no other" 0 info_get "$nsb" services
expect "--netns NETNS is the same" alpha \
	sh -c "'$ctl' --netns '$nsa' -j service list | jq -r '.[].name'"
expect_rc "-n with a namespace that does not exist exits 1" 1 "$ctl" -n "none-$sfx" info
expect "and names it" \
	"wfpredirctl: cannot open network namespace \"none-$sfx\": No such file or directory" \
	"$ctl" -n "none-$sfx" info
expect_rc "-n with a path instead of a name exits 2" 2 "$ctl" -n ../x info

# abbreviations
setup "$ctl" -n "$nsa" ser a beta id 8 ipv4 127.0.0.1:15009 || exit 1
expect "\"ser a\" is service add" "alpha,beta" \
	sh -c "'$ctl' -n '$nsa' -j service list | jq -r '[.[].name] | join(\",\")'"
expect "\"ser l\" lists as \"service list\" does" "$(ctl_ns "$nsa" service list | head -n 1)" \
	ctl_ns "$nsa" ser l
setup ctl_ns "$nsa" ru add service alpha proto tcp dport 8080 &&
	setup ctl_ns "$nsa" r a service beta proto tcp dport 9090 || exit 1
expect "\"r a\" is rule add" 2 sh -c "'$ctl' -n '$nsa' -j rule list | jq length"
expect_rc "an ambiguous keyword exits 2" 2 ctl_ns "$nsa" monitor re
expect "and its message names the candidates" \
	'wfpredirctl: monitor: event kind "re" is ambiguous (could be redirect, refused)' \
	ctl_ns "$nsa" monitor re
expect_rc "a word that is no prefix of a command goes to the object: exit 2" 2 \
	ctl_ns "$nsa" service frobnicate
expect_rc "an unknown object exits 2" 2 "$ctl" frobnicate

# help
expect "help prints the usage" "Usage: wfpredirctl [OPTIONS] OBJECT [COMMAND [ARGS...]]" \
	"$ctl" help
expect_rc "and exits 0" 0 "$ctl" help
expect "OBJECT help prints that object's usage" "Usage: wfpredirctl [OPTIONS] rule " \
	sh -c "'$ctl' rule help | head -n 1 | cut -c 1-34"
expect "abbreviated too" "Usage: wfpredirctl [OPTIONS] flow list" \
	sh -c "'$ctl' fl h | head -n 1 | cut -c 1-38"
expect "-V prints the version" "wfpredirctl $(cat "$top/VERSION")" "$ctl" -V

# -p
expect "-j is one line" 1 sh -c "'$ctl' -j info | wc -l"
expect "-j -p is indented, one value per line" '  "version": ' \
	sh -c "'$ctl' -j -p info | sed -n 2p | cut -c 1-13"
expect "and is the same JSON" "$(ctl_ns "$nsa" -j info | jq -c 'del(.flows, .sockets)')" \
	sh -c "'$ctl' -n '$nsa' -j -p info | jq -c 'del(.flows, .sockets)'"

# flow list filters: one held connection to each service
bg_run "$tmpd/hold8080" nsenter --net=/run/netns/"$nsa" "$flowpeer" hold -n 1 "$B4:8080"
bg_run "$tmpd/hold9090" nsenter --net=/run/netns/"$nsa" "$flowpeer" hold -n 1 "$B4:9090"
wait_for "$tmpd/hold8080" '^ok|^failed' 20
wait_for "$tmpd/hold9090" '^ok|^failed' 20
rule_beta=$(ctl_ns "$nsa" -j rule list | jq '.[] | select(.service == 8) | .id')

# dsts ARGS...: the original destinations of the flows flow list ARGS lists.
dsts()
{
	ctl_ns "$nsa" -j flow list "$@" | jq -r '[.[].dst] | sort | join(",") | if . == "" then "none" else . end'
}
expect "no filter: both flows" "$B4:8080,$B4:9090" dsts
expect "service NAME" "$B4:8080" dsts service alpha
expect "service ID" "$B4:9090" dsts service 8
expect "rule ID" "$B4:9090" dsts rule "$rule_beta"
expect "proto tcp" "$B4:8080,$B4:9090" dsts proto tcp
expect "proto udp" none dsts proto udp
expect "dst ADDR:PORT" "$B4:9090" dsts dst "$B4:9090"
expect "dst ADDR" "$B4:8080,$B4:9090" dsts dst "$B4"
expect "dst of no flow" none dsts dst 10.99.0.3
expect "filters together must all match" none dsts service alpha dst "$B4:9090"
expect "filters abbreviated" "$B4:8080" dsts se alpha pr tcp
expect "the text listing is filtered as well" 1 \
	sh -c "nsenter --net=/run/netns/'$nsa' '$ctl' flow list service beta | grep -c '^flow '"
expect_rc "a service that does not exist exits 1" 1 ctl_ns "$nsa" flow list service nosuch
expect "and is named" 'wfpredirctl: flow list: no service named "nosuch"' \
	ctl_ns "$nsa" flow list service nosuch
expect_rc "a bad dst exits 2" 2 ctl_ns "$nsa" flow list dst 10.99.0.2:70000
expect_rc "a filter without its value exits 2" 2 ctl_ns "$nsa" flow list proto
exit $ret
