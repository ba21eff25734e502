#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A namespace is made whole or not at all, whatever allocation fails:
#  - unshare(CLONE_NEWNET), each of its last allocations (the module's
#    per-namespace pointer and everything after it) made to fail in turn
#    (fail-nth): ENOMEM, or success if someone absorbed the failure, never
#    a kernel report or leak (the runner checks the log and kmemleak);
#  - the module's lazy setup in a fresh namespace (its state, the NAT hook
#    and conntrack), made by the first service add and the first
#    configuration file: each allocation failing in turn gives exit status
#    1 and ENOMEM, leaves the namespace as it was (nothing configured, no
#    hook), and the command then succeeds.
# After all that, a new namespace works: a rule redirects. Needs
# FAULT_INJECTION and FAILSLAB: the debug kernel.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
shim=$build/tests/failnth.so
nsfail=$build/tests/netns-failnth
need "$ctl" "$flowpeer" "$shim" "$nsfail" ip

fs=/sys/kernel/debug/failslab
if [ ! -d "$fs" ] || [ ! -e /proc/thread-self/fail-nth ]; then
	echo "SKIP: this kernel has no slab fault injection (use make check-debug)"
	exit $ksft_skip
fi
tr=/sys/kernel/tracing
[ -e "$tr/kprobe_events" ] || tr=/sys/kernel/debug/tracing
saved_gfp=$(<"$fs/ignore-gfp-wait")
saved_verbose=$(<"$fs/verbose")
cleanup()
{
	echo "$saved_gfp" >"$fs/ignore-gfp-wait"
	echo "$saved_verbose" >"$fs/verbose"
	if [ -e "$tr/events/wfpredir_nth/enable" ]; then
		echo 0 >"$tr/events/wfpredir_nth/enable"
		echo >"$tr/kprobe_events"
	fi
	redir_cleanup
}
redir_init
trap cleanup EXIT
echo N >"$fs/ignore-gfp-wait"
echo 0 >"$fs/verbose"

# ---------------------------------------------------------------- unshare
# T: how many allocations one unshare(CLONE_NEWNET) makes, as fail-nth
# counts them (failslab and fail_page_alloc sites in process context).
read -r _ word left < <("$nsfail" 1000000)
[ "$word" = ok ] || { echo "FAIL: unshare without a failure: $word $left"; exit 1; }
total=$((1000000 - left))
echo "# unshare(CLONE_NEWNET) makes $total allocations"

# The module's one allocation: its pernet_operations have no init method,
# so ops_init() allocates its struct wfpredir_pernet (a pointer, set on
# first use) and that is all. They are a subsystem's, registered after every
# built-in subsystem and before the devices' (loopback and the others,
# hundreds of allocations more, come after). A kprobe on ops_init() and its
# return tells, for one attempt, whether the module's came before the
# failure ("before"), failed ("failed") or was made ("made"): a binary
# search finds the allocation that is the module's.
if [ ! -w "$tr/kprobe_events" ] || ! ops=$(grep -m1 ' wfpredir_net_ops' /proc/kallsyms); then
	echo "SKIP: no kprobe events or no wfpredir_net_ops in /proc/kallsyms"
	exit $ksft_skip
fi
ops=0x${ops%% *}
{
	echo 'p:wfpredir_nth/ops ops_init ops=%di:x64'
	echo 'r:wfpredir_nth/opsret ops_init ret=$retval:s32'
} >"$tr/kprobe_events"
# Enabled once: every enable and disable patches kernel text, and under
# TCG a sched tracepoint patched that way (set_event_pid) crashed the VM.
# No pid filter is needed: nothing else makes namespaces meanwhile.
echo 1 >"$tr/events/wfpredir_nth/enable"

# probe N: one traced attempt; sets $module (before, failed, made) and
# $answer (the helper's words).
probe()
{
	local event rest mine=0

	echo >"$tr/trace"
	answer=$("$nsfail" "$1")
	answer=${answer#* }
	module=before
	# ops_init() calls are one after the other: the return after the
	# module's entry is its result.
	while read -r _ _ _ _ event rest; do
		case "$event" in
		ops:) [[ $rest == *"ops=$ops"* ]] && mine=1 ;;
		opsret:)
			if ((mine)); then
				module=failed
				[[ $rest == *"ret=0" ]] && module=made
				mine=0
			fi
			;;
		esac
	done <"$tr/trace"
}

lo=1 hi=$total module_nth=
while ((lo <= hi)); do
	mid=$(((lo + hi) / 2))
	probe "$mid"
	case "$module" in
	before) lo=$((mid + 1)) ;;
	made) hi=$((mid - 1)) ;;
	failed)
		module_nth=$mid
		break
		;;
	esac
done
echo 0 >"$tr/events/wfpredir_nth/enable"
echo >"$tr/kprobe_events"
if [ -z "$module_nth" ]; then
	echo "FAIL: no attempt made the module's allocation fail (searched 1-$total)"
	exit 1
fi
expect "the module's allocation ($module_nth of $total) failing fails unshare" \
	"ENOMEM injected" echo "$answer"

# Each allocation around the module's, and the last ones: ENOMEM (or
# success: the failure absorbed), never a report or a leak; a namespace
# torn down after its setup failed runs the module's exit methods on
# state it never had.
sweep_unshare()
{
	local from=$1 to=$2 n word how enomem=0 absorbed=0 unreached=0 bad=0

	((to < 1)) && to=1
	while read -r n word how; do
		case "$word $how" in
		"ENOMEM injected") enomem=$((enomem + 1)) ;;
		"ok injected") absorbed=$((absorbed + 1)) ;;
		ok\ *[0-9]) unreached=$((unreached + 1)) ;;
		*)
			echo "# allocation $n failing: unshare says $word $how"
			bad=$((bad + 1))
			;;
		esac
	done < <("$nsfail" "$from" "$to")
	if [ "$bad" -eq 0 ] && [ "$enomem" -gt 0 ] &&
		[ $((enomem + absorbed + unreached)) -eq $((from - to + 1)) ]; then
		echo "PASS: unshare, allocations $from down to $to failing in turn: $enomem ENOMEM, $absorbed absorbed, $unreached past its end"
	else
		echo "FAIL: unshare, allocations $from down to $to: $enomem ENOMEM, $absorbed absorbed, $unreached past its end, $bad otherwise"
		ret=1
	fi
}
sweep_unshare $((module_nth + 20)) $((module_nth - 10))
# The count varies by a few from one namespace to the next (the first
# warms caches): taken again, warm.
read -r _ word left < <("$nsfail" 1000000)
total=$((1000000 - left))
sweep_unshare $((total + 2)) $((total - 20))

# ------------------------------------------------------------- lazy setup
# fresh: sets $fresh_ns, a namespace wfpredir never saw. Made 16 at a
# time, one ip process for them all (nothing is sent through them).
pool=()
fresh()
{
	local i names=()

	if ((${#pool[@]} == 0)); then
		for ((i = 0; i < 16; i++)); do
			names+=("f$i-$RANDOM-$sfx")
		done
		printf 'netns add %s\n' "${names[@]}" | ip -b - || return 1
		ns_list+=("${names[@]}")
		pool=("${names[@]}")
	fi
	fresh_ns=${pool[0]}
	pool=("${pool[@]:1}")
}

hook() { json_value "$("$ctl" -n "$1" -j info)" hook; }

# sweep_first DESC GENL-CMD CMD...: CMD... in a fresh namespace each time,
# allocation 1, 2, ... of request GENL-CMD failing.
sweep_first()
{
	local desc=$1 n failed=0 rc out line s i info
	local gcmd=$2
	shift 2

	for ((n = 1; n <= 400; n++)); do
		fresh || return
		rm -f "$tmpd/shim"
		rc=0
		out=$(LD_PRELOAD=$shim WFPREDIR_FAILNTH=$n WFPREDIR_FAILNTH_CMD=$gcmd \
			WFPREDIR_FAILNTH_OUT="$tmpd/shim" "$ctl" -n "$fresh_ns" "$@" 2>&1) || rc=$?
		line=unarmed
		[ -r "$tmpd/shim" ] && read -r line <"$tmpd/shim"
		if [ "${line%% *}" = unused ] && [ "$rc" -eq 0 ]; then
			break
		fi
		if [ "$line" != injected ] || [ "$rc" -ne 1 ] ||
			[[ $out != "wfpredirctl: "*": Cannot allocate memory"* ]]; then
			echo "FAIL: $desc: allocation $n: shim '$line', exit $rc, '$out'"
			ret=1
			return
		fi
		# Nothing configured, and no hook for nothing: the idle check
		# unregisters one registered before the failure, within 3 s.
		for ((i = 0; i < 30; i++)); do
			info=$("$ctl" -n "$fresh_ns" -j info)
			s="$(json_value "$info" services) $(json_value "$info" rules) $(json_value "$info" hook)"
			[ "$s" = "0 0 false" ] && break
			[ "$s" = "0 0 true" ] || break
			nap 0.1
		done
		if [ "$s" != "0 0 false" ]; then
			echo "FAIL: $desc: allocation $n failed ('$out'); services, rules, hook: $s"
			ret=1
			return
		fi
		failed=$((failed + 1))
	done
	if [ "$failed" -eq 0 ] || [ "$n" -gt 400 ]; then
		echo "FAIL: $desc: $failed refusals in $((n - 1)) allocations"
		ret=1
		return
	fi
	echo "PASS: $desc: $((n - 1)) allocations, each failing gave ENOMEM and left nothing; then it succeeded"
	last_ns=$fresh_ns
}

NEW_SERVICE=3 APPLY=13
sweep_first "first service add in a fresh namespace" $NEW_SERVICE \
	service add svc id 8 ipv4 127.0.0.1:15008
cat >"$tmpd/first.conf" <<-EOF
	service add svc id 8 ipv4 127.0.0.1:15008
	rule add service svc proto tcp dport 8080
EOF
sweep_first "first configuration file in a fresh namespace" $APPLY -f "$tmpd/first.conf"
expect "the namespace it succeeded in has the hook" true hook "$last_ns"

# A namespace made after all that works: a rule redirects.
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" || exit 1
server_start "$nsa" -n svc -t 127.0.0.1:15008 || exit 1
setup "$ctl" -n "$nsa" -f "$tmpd/first.conf" || exit 1
expect "a new namespace redirects" "svc src=same" "$flowpeer" -N "$nsa" connect -T 10 "$B4:8080"
exit $ret
