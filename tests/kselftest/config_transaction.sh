#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# wfpredirctl -f applies a file as one transaction. A file whose last line
# fails changes nothing, and the error names that line. While clients
# connect without pause, a loop replaces a table between two versions
# whose rules for port 8080 are
#
#   v1: priority 20 -> svcB, priority 10 -> svcA     (flows go to svcA)
#   v2: priority 5  -> svcB, priority 1  -> svcC     (flows go to svcC)
#
# Any state between them that a packet could see if the apply were not one
# step (old rules gone and new ones partly there, or new ones partly added
# to the old) sends the flow to svcB or nowhere: every connection must be
# answered by svcA or svcC, and both must answer (the loop overlapped).
#
#   ns a-SFX: clients, echo services svcA, svcB, svcC
#   ns b-SFX: the flowpeer server (a flow that is not redirected)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$flowpeer" ip jq ss

# connections a storm makes; applies of the table that must happen while
# the storms run
n=${TX_CONNS:-$(per_kernel 200 100)}
applies=$(per_kernel 60 25)

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" || exit 1
server_start "$nsa" -n svcA -t 127.0.0.1:15021 || exit 1
server_start "$nsa" -n svcB -t 127.0.0.1:15022 || exit 1
server_start "$nsa" -n svcC -t 127.0.0.1:15023 || exit 1

services="service add svcA ipv4 127.0.0.1:15021
service add svcB ipv4 127.0.0.1:15022
service add svcC ipv4 127.0.0.1:15023"
cat >"$tmpd/v1.conf" <<EOC
table t
$services
rule add service svcB priority 20 proto tcp dport 8080
rule add service svcA priority 10 proto tcp dport 8080
EOC
cat >"$tmpd/v2.conf" <<EOC
table t
$services
rule add service svcB priority 5 proto tcp dport 8080
rule add service svcC priority 1 proto tcp dport 8080
EOC

setup ctl_ns "$nsa" -f "$tmpd/v1.conf" || exit 1
go() { nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 5 "$@"; }
expect "v1 sends port 8080 to svcA" "svcA src=same" go "$B4:8080"
setup ctl_ns "$nsa" -f "$tmpd/v2.conf" || exit 1
expect "v2 sends port 8080 to svcC" "svcC src=same" go "$B4:8080"

# --- a failing last line changes nothing
ctl_ns "$nsa" save >"$tmpd/before.save"
cat >"$tmpd/bad.conf" <<EOC
table t
service add svcA ipv4 127.0.0.1:15021
service add svcD ipv4 127.0.0.1:15024
rule add service svcA priority 1 proto tcp dport 8080
rule add service svcD priority 2 proto tcp cgroup /wfpredir-no-such-cgroup-$sfx
EOC
rc=0
ctl_ns "$nsa" -f "$tmpd/bad.conf" >"$tmpd/bad.out" 2>&1 || rc=$?
sed 's/^/# /' "$tmpd/bad.out"
expect "a file whose last rule fails exits 1" 1 echo "$rc"
expect "the error names the file and its last line" "$tmpd/bad.conf:5:" \
	grep -o "[^ ]*bad.conf:[0-9]*:" "$tmpd/bad.out"
ctl_ns "$nsa" save >"$tmpd/after.save"
expect "and nothing changed (save before and after are the same)" same \
	sh -c "cmp -s '$tmpd/before.save' '$tmpd/after.save' && echo same || diff '$tmpd/before.save' '$tmpd/after.save'"
expect "flows still go by v2" "svcC src=same" go "$B4:8080"
cat >"$tmpd/badsyntax.conf" <<EOC
table t
rule add service svcA priority 1 proto tcp dport 8080 frobnicate
EOC
expect_rc "a file that does not parse exits 2" 2 ctl_ns "$nsa" -f "$tmpd/badsyntax.conf"
expect_rc "-c checks a good file without applying it" 0 ctl_ns "$nsa" -f "$tmpd/v1.conf" -c
expect "and -c applied nothing" "svcC src=same" go "$B4:8080"
expect_rc "-c finds what only the kernel can check" 1 ctl_ns "$nsa" -f "$tmpd/bad.conf" -c

# --- replace the table under live traffic
flip()
{
	local i=0

	while [ ! -e "$tmpd/stop" ]; do
		ctl_ns "$nsa" -f "$tmpd/v$((i % 2 + 1)).conf" >/dev/null 2>&1 ||
			echo "apply $i failed" >>"$tmpd/flip.err"
		i=$((i + 1))
		echo "$i" >"$tmpd/flips"
	done
}
flip &
bg_list+=($!)
flipper=$!
wait_for "$tmpd/flips" . 20 || exit 1
# Storms of $n connections, one after the other in one process, until at
# least $applies applies happened during them: a process per connection
# costs more than the connection under TCG. Every answer is counted by the
# service that gave it; any failure is kept.
declare -A answered=()
conns=0
failures=
while :; do
	storm=$(nsenter --net=/run/netns/"$nsa" "$flowpeer" storm -a -n "$n" -c 1 -T 5 "$B4:8080" 2>&1)
	conns=$((conns + n))
	summary=${storm%%$'\n'*}
	[ "${summary% same=*}" = "ok $n" ] || failures+="$summary; "
	for tally in ${storm#*$'\n'answers}; do
		answered[${tally%=*}]=$((${answered[${tally%=*}]:-0} + ${tally#*=}))
	done
	# the flipper rewrites the file: between its truncation and its write
	# the file is empty
	flips=$(<"$tmpd/flips")
	[ "${flips:-0}" -ge "$applies" ] && break
done
touch "$tmpd/stop"
wait "$flipper" 2>/dev/null
tallies=
for svc in "${!answered[@]}"; do tallies+=" $svc=${answered[$svc]}"; done
echo "# $(<"$tmpd/flips") applies during $conns connections; answers:$tallies"
expect "every apply succeeded" 0 sh -c "cat '$tmpd/flip.err' 2>/dev/null | wc -l"
expect "every connection completed" "" echo "$failures"
others=
for svc in "${!answered[@]}"; do
	case $svc in svcA | svcC) ;; *) others+="$svc " ;; esac
done
expect "every connection went to svcA or svcC (never svcB, never direct)" "" echo "$others"
expect "svcA answered (v1 was live)" yes is_gt "${answered[svcA]:-0}" 0
expect "svcC answered (v2 was live)" yes is_gt "${answered[svcC]:-0}" 0
exit $ret
