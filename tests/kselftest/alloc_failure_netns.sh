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
		echo >"$tr/set_event_pid"
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

# Where the module's one allocation falls: its pernet_operations are a
# subsystem's, registered after every built-in subsystem and before the
# devices' (loopback and the other pernet devices init after it). There is
# no init method: ops_init() allocates the struct wfpredir_pernet (a
# pointer, set on first use) and that is all. A kprobe on ops_init() and
# on should_fail_ex(), which fail-nth counts, tells how many of the
# namespace's allocations come after it.
after=
if [ -w "$tr/kprobe_events" ] && ops=$(grep -m1 ' wfpredir_net_ops' /proc/kallsyms); then
	ops=0x${ops%% *}
	{
		echo 'p:wfpredir_nth/ops ops_init ops=%di:x64'
		echo 'p:wfpredir_nth/nth should_fail_ex'
		echo 'p:wfpredir_nth/enter ksys_unshare'
		echo 'r:wfpredir_nth/leave ksys_unshare'
	} >"$tr/kprobe_events"
	echo >"$tr/trace"
	saved_fork=$(<"$tr/options/event-fork")
	echo 1 >"$tr/options/event-fork"
	# This process and its child only (every allocation of the system
	# would flood the buffer): the subshell names itself and becomes the
	# helper, whose child unshares.
	(
		echo "$BASHPID" >"$tr/set_event_pid"
		echo 1 >"$tr/events/wfpredir_nth/enable"
		exec "$nsfail" 1000000 >/dev/null
	)
	echo 0 >"$tr/events/wfpredir_nth/enable"
	echo >"$tr/set_event_pid"
	echo "$saved_fork" >"$tr/options/event-fork"
	# Counted from the module's ops_init() on, in the unshare, in process
	# context only (no hardirq, softirq or NMI mark in the flags column).
	inside=0 seen=0 counted=0 n_all=0 utask=
	while read -r task _ flags _ event rest; do
		case "$event" in
		enter:) inside=1 utask=$task ;;
		leave:) inside=0 ;;
		ops:) [[ $rest == *"ops=$ops"* ]] && seen=1 ;;
		nth:)
			((inside)) && [ "$task" = "$utask" ] || continue
			[[ ${flags:2:1} == [hHsSzZ] ]] && continue
			n_all=$((n_all + 1))
			((seen)) && counted=$((counted + 1))
			;;
		esac
	done <"$tr/trace"
	echo "# the trace counted $n_all; the module's allocation is followed by $((counted - 1))"
	((seen)) && [ "$n_all" -eq "$total" ] && after=$((counted - 1))
fi
if [ -z "$after" ]; then
	echo "FAIL: cannot tell where the module's allocation falls (kprobe events on ops_init, should_fail_ex)"
	exit 1
fi
module_nth=$((total - after))

# From the last allocation down to well before the module's.
lo=$((module_nth - 10))
((lo < 1)) && lo=1
enomem=0 absorbed=0
while read -r n word how; do
	case "$word $how" in
	"ENOMEM injected") enomem=$((enomem + 1)) ;;
	"ok injected") absorbed=$((absorbed + 1)) ;;
	*)
		echo "FAIL: unshare with allocation $n of $total failing: $word $how"
		ret=1
		;;
	esac
	if [ "$n" -eq "$module_nth" ] && [ "$word" != ENOMEM ]; then
		echo "FAIL: the module's allocation ($n) failing: unshare says $word $how"
		ret=1
	fi
done < <("$nsfail" "$total" "$lo")
if [ $((enomem + absorbed)) -ne $((total - lo + 1)) ]; then
	echo "FAIL: $((enomem + absorbed)) of $((total - lo + 1)) attempts answered"
	ret=1
fi
[ "$ret" -eq 0 ] &&
	echo "PASS: unshare, its last $((total - lo + 1)) allocations of $total (the module's is $module_nth) failing in turn: $enomem ENOMEM, $absorbed absorbed"

# ------------------------------------------------------------- lazy setup
# fresh: the name of a namespace wfpredir never saw (lo up). Made 16 at a
# time, one ip process for them all.
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
		for i in "${names[@]}"; do
			printf 'link set lo up\n' | ip -n "$i" -b -
		done
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
