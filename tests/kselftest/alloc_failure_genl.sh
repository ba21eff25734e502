#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Every memory allocation a generic netlink command makes may fail. Each
# one, made to fail in turn (fail-nth, armed around the request's sendmsg()
# and the answer's recvmsg() calls by tests/helpers/preload/failnth.c
# preloaded into the real wfpredirctl), either fails the command, exit
# status 1 with "Cannot allocate memory" ("No buffer space available" where
# netlink loses the answer), and leaves the configuration exactly as it was
# (wfpredirctl save, before and after), or is absorbed with the command
# complete: a lost event, counted, its listeners told. Then, with no
# allocation left to fail, the command succeeds. A query (info) answers
# whole or fails. Needs FAULT_INJECTION and FAILSLAB: the debug kernel.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
shim=$build/tests/failnth.so
need "$ctl" "$flowpeer" "$shim" ip

need_failslab
cleanup()
{
	failslab_restore
	redir_cleanup
}
redir_init
trap cleanup EXIT
# Sleeping allocations too (commands run in process context), and quiet
# injections: their stack dumps would read as kernel reports.
failslab_quiet N

# The genl commands (enum wfpredir_cmd).
GET_INFO=1 NEW_SERVICE=3 NEW_RULE=7 APPLY=13
# A command makes a few dozen allocations; far more is a runaway loop.
max_nth=400

nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" || exit 1
server_start "$nsa" -n base -t 127.0.0.1:15001 || exit 1

c() { "$ctl" -n "$nsa" "$@"; }

# read_shim: the shim's report: $got (injected, unused or unarmed) and
# $digest, its digest of the state after the command (services, rules,
# configuration), which costs no second process.
read_shim()
{
	local line

	got=unarmed digest=none
	while read -r line; do
		case "$line" in
		"state "*) digest=${line#state } ;;
		*) got=${line%% *} ;;
		esac
	done <"$tmpd/shim"
}

# state: the digest of the state now.
state()
{
	rm -f "$tmpd/shim"
	LD_PRELOAD=$shim WFPREDIR_FAILNTH_STATE=1 WFPREDIR_FAILNTH_OUT="$tmpd/shim" \
		"$ctl" -n "$nsa" info >/dev/null
	read_shim
	echo "$digest"
}

# attempt N CMD...: wfpredirctl CMD... in NSA with allocation N of request
# $gcmd failing: sets $out, $rc, $got and $digest.
attempt()
{
	local n=$1
	shift
	rm -f "$tmpd/shim"
	rc=0
	out=$(LD_PRELOAD=$shim WFPREDIR_FAILNTH=$n WFPREDIR_FAILNTH_CMD=$gcmd \
		WFPREDIR_FAILNTH_STATE=1 WFPREDIR_FAILNTH_OUT="$tmpd/shim" \
		"$ctl" -n "$nsa" "$@" 2>&1) || rc=$?
	: >>"$tmpd/shim"
	read_shim
}

# The CLI's refusal: exit status 1 and the errno's text. ENOMEM: the kernel
# refused the request, nothing changed. ENOBUFS: netlink lost the answer
# (the ACK, a dump's part), and with it whether a change was made.
refused()
{
	[ "$rc" -eq 1 ] && [[ $out == "wfpredirctl: "*": Cannot allocate memory"* ]]
}

lost()
{
	[ "$rc" -eq 1 ] && [[ $out == "wfpredirctl: "*": No buffer space available"* ]]
}

# sweep_change DESC GENL-CMD UNDO CMD...: CMD... changes the configuration
# and UNDO (a function) puts it back; fail each allocation of CMD's request
# GENL-CMD in turn.
sweep_change()
{
	local desc=$1 before after s n failed=0 absorbed=0 lost=0 text
	gcmd=$2
	local undo=$3
	shift 3

	text=$(c save)
	before=$(state)
	setup c "$@" || return
	after=$(state)
	$undo
	if [ "$(state)" != "$before" ] || [ "$before" = "$after" ] || [ "$before" = none ]; then
		echo "FAIL: $desc: the command or its undo does not change the state as it should"
		ret=1
		return
	fi
	for ((n = 1; n <= max_nth; n++)); do
		attempt "$n" "$@"
		s=$digest
		if [ "$got" = injected ] && refused && [ "$s" = "$before" ]; then
			failed=$((failed + 1))
		elif [ "$got" = injected ] && lost && [ "$s" = "$before" ]; then
			lost=$((lost + 1))
		elif [ "$got" = injected ] && lost && [ "$s" = "$after" ]; then
			lost=$((lost + 1))
			$undo
		elif [ "$got" = injected ] && [ "$rc" -eq 0 ] && [ "$s" = "$after" ]; then
			absorbed=$((absorbed + 1))
			$undo
		elif [ "$got" = unused ] && [ "$rc" -eq 0 ] && [ "$s" = "$after" ]; then
			$undo
			break
		else
			echo "FAIL: $desc: allocation $n failing: exit $rc, '$out' (shim: $got); the state, against what it was before:"
			diff <(echo "$text") <(c save) | sed 's/^/#   /'
			ret=1
			$undo >/dev/null 2>&1
			return
		fi
	done
	if [ "$failed" -eq 0 ] || [ "$n" -gt "$max_nth" ]; then
		echo "FAIL: $desc: $failed refusals in $((n - 1)) allocations"
		ret=1
		return
	fi
	echo "PASS: $desc: $((n - 1)) allocations; $failed refused (ENOMEM, nothing changed), $lost lost the answer (ENOBUFS, all or nothing), $absorbed absorbed; then it succeeded"
}

# sweep_dump DESC GENL-CMD NORMALISE CMD...: CMD... reads; NORMALISE (a
# function, from stdin) keeps what must not change between two readings.
sweep_dump()
{
	local desc=$1 norm=$3 ref n failed=0 absorbed=0
	gcmd=$2
	shift 3

	ref=$(c "$@" | $norm)
	for ((n = 1; n <= max_nth; n++)); do
		attempt "$n" "$@"
		if [ "$got" = injected ] && { refused || lost; }; then
			failed=$((failed + 1))
		elif [ "$got" != unarmed ] && [ "$rc" -eq 0 ] && [ "$(echo "$out" | $norm)" = "$ref" ]; then
			[ "$got" = unused ] && break
			absorbed=$((absorbed + 1))
		else
			echo "FAIL: $desc: allocation $n: shim '$got', exit $rc, output:"
			diff <(echo "$ref") <(echo "$out" | $norm) | head -n 20 | sed 's/^/#   /'
			ret=1
			return
		fi
	done
	if [ "$failed" -eq 0 ] || [ "$n" -gt "$max_nth" ]; then
		echo "FAIL: $desc: $failed refusals in $((n - 1)) allocations"
		ret=1
		return
	fi
	echo "PASS: $desc: $((n - 1)) allocations; $failed failed it, $absorbed absorbed; every success was complete"
}

same() { cat; }
# The namespace is in use (state, hook) before: what is swept is the
# command's own work. The lazy setup of a fresh namespace is
# alloc_failure_netns.sh's.
setup c service add base id 1 ipv4 127.0.0.1:15001 &&
	setup c rule add service base id 1 proto tcp dport 8080 || exit 1

undo_s2() { c service del s2; }
svc=(service add s2 id 2 ipv4 127.0.0.2:15002 ipv6 "[::1]:15002" owner uid 4242 cgroup /)
# --echo: the answer carries the service; without it, a subset of these.
sweep_change "service add --echo" $NEW_SERVICE undo_s2 -e "${svc[@]}"

undo_r50() { c rule del 50; }
rule=(rule add service base id 50 priority 5 family ipv4 proto tcp to 10.99.0.0/24
	dport 9000-9100 uid 1000-2000 cgroup / context 0a0b0c0d)
sweep_change "rule add --echo" $NEW_RULE undo_r50 -e "${rule[@]}"

# A replaced service takes its rules along: a transaction.
undo_base() { c service replace base id 1 ipv4 127.0.0.1:15001; }
sweep_change "service replace" $NEW_SERVICE undo_base \
	service replace base id 1 ipv4 127.0.0.1:15001 ipv6 "[::1]:15001"

cat >"$tmpd/t2.conf" <<-EOF
	config set chain-max 5
	table t2
	service add t2a id 20 ipv4 127.0.0.1:15020
	service add t2b id 21 ipv4 127.0.0.1:15021 ipv6 [::1]:15021
	rule add service t2a id 200 proto tcp dport 7000
	rule add service t2b id 201 proto udp
	rule add service t2b id 202 family ipv6 to fd99::/64 context 01
EOF
chain_max=$(info_get "$nsa" chain_max)
printf 'config set chain-max %s\ntable t2\n' "$chain_max" >"$tmpd/t2-empty.conf"
undo_t2() { c -f "$tmpd/t2-empty.conf"; }
sweep_change "table apply (-f, new table)" $APPLY undo_t2 -f "$tmpd/t2.conf"

# Replacing a table's content: one service kept, one changed, rules anew.
setup c -f "$tmpd/t2.conf" || exit 1
cat >"$tmpd/t2-new.conf" <<-EOF
	table t2
	service add t2a id 20 ipv4 127.0.0.1:15020
	service add t2b id 21 ipv4 127.0.0.1:15022
	rule add service t2b id 210 proto tcp dport 7001-7002 cgroup /
	rule add service t2a id 211 family ipv4 to 10.0.0.0/8
EOF
undo_t2new() { c -f "$tmpd/t2.conf"; }
sweep_change "table replace (-f, existing table)" $APPLY undo_t2new -f "$tmpd/t2-new.conf"

# Events: with a listener, each configuration event is allocated too; its
# failure loses the event, not the change: counted, and the listener told.
bg_run "$tmpd/mon" "$ctl" -n "$nsa" monitor service rule table
mon_pid=$!
nap 1
lost0=$(info_get "$nsa" events_lost)
sweep_change "service add, a listener joined" $NEW_SERVICE undo_s2 "${svc[@]}"
lost1=$(info_get "$nsa" events_lost)
# Most absorbed failures are kmemleak's own (on the debug kernel each
# allocation makes one for its metadata, and its pool takes over when that
# fails); the event's is one of them.
expect "an event that could not be allocated was counted (events_lost $lost0 -> $lost1)" yes \
	is_gt "$lost1" "$lost0"
bg_stop "$mon_pid"
expect "and it was told" "[LOST]" grep -m1 -o '^\[LOST\]' "$tmpd/mon"

sweep_dump "info" $GET_INFO same -j info
exit $ret
