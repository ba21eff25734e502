#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Every memory allocation the socket options make may fail: each one, made to
# fail in turn with the kernel's fault injection (fail-nth, failslab), gives
# ENOMEM and nothing else, never a warning or a leak (the runner checks the
# kernel log and, on the debug kernel, kmemleak). Needs a kernel with
# FAULT_INJECTION and FAILSLAB: the debug kernel.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$probe"

need_failslab
trap failslab_restore EXIT
# Fail sleeping allocations too (the options run in process context), and
# keep the injections quiet: their stack dumps would read as kernel reports.
failslab_quiet N

# sweep DESCRIPTION FINAL PROBE-ARGS...: fail the 1st, 2nd, ... allocation of
# the call until it runs through and answers FINAL.
sweep()
{
	local desc=$1 final=$2 nth got enomem=0
	shift 2

	for nth in $(seq 1 32); do
		got=$("$probe" -F "$nth" "$@" 2>&1 | head -n 1)
		got=${got%% *}
		case "$got" in
		ENOMEM) enomem=$((enomem + 1)) ;;
		"$final") break ;;
		*)
			echo "FAIL: $desc: allocation $nth failed gives '$got'"
			ret=1
			return
			;;
		esac
	done
	if [ "$got" = "$final" ] && [ $enomem -gt 0 ]; then
		echo "PASS: $desc: $enomem allocation(s) each gave ENOMEM, then $final"
	else
		echo "FAIL: $desc: got '$got' after $enomem ENOMEM answers"
		ret=1
	fi
}

for f in 4 6; do
	for p in $protos; do
		sweep "v$f/$p set" EBADMSG -f "$f" -p "$p" -r shaped
		# answers up to 512 bytes go through the kernel stack: no allocation
		# to fail, the first one made to fail is never reached
		expect "v$f/$p get-records allocates nothing" ENOENT \
			"$probe" -F 1 -f "$f" -p "$p" -s connected -o get-records
		expect "v$f/$p get-context allocates nothing" ENOENT \
			"$probe" -F 1 -f "$f" -p "$p" -s connected -o get-context
	done
done
exit $ret
