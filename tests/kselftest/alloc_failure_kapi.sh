#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Every allocation the kernel API (kmod/kapi.c) makes may fail: each one,
# made to fail in turn with the kernel's fault injection (fail-nth,
# failslab), gives the caller the documented error, -ENOMEM for the native
# call, STATUS_INSUFFICIENT_RESOURCES for the WSK one, and changes nothing:
# the socket keeps the records it had (none, or the last ones set); the VM
# runner checks the kernel log and, on the debug kernel, kmemleak. The calls
# run through the test module wfpredir_kproxy, whose control file runs them
# in the writer's task (tests/helpers/allocsweep.c write arms fail-nth right
# before that write). Queries allocate nothing: a fault armed for them is
# never reached.
#
# The asynchronous calls are not swept here: they allocate nothing of their
# own (the request is the caller's; queue_work() allocates nothing) and run
# the synchronous call from a kapi workqueue worker, which fail-nth, armed in
# the submitting task, never reaches. Their allocations are those swept
# below.
#
#   ns a-SFX: the client, kproxy's listener
#   ns b-SFX: the flowpeer server (never reached: the connection is held)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
sweep_bin=$build/tests/allocsweep
need "$ctl" "$flowpeer" "$sweep_bin" ip insmod rmmod

need_failslab
kproxy_init
cleanup()
{
	failslab_restore
	kproxy_cleanup
}
trap cleanup EXIT
# The API runs in process context: its allocations may sleep, and must fail
# too. The injections stay quiet: their stack dumps would read as kernel
# reports.
failslab_quiet N

nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" || exit 1
setup insmod "$kproxy" || exit 1
setup ctl_ns "$nsa" service add kp id 2 ipv4 127.0.0.1:15402 || exit 1
setup ctl_ns "$nsa" rule add service kp proto tcp dport 8080 || exit 1

# kp CMD...: one command to the control file, from namespace A
kp() { nsenter --net=/run/netns/"$nsa" sh -c 'echo "$1" >"$2"' sh "$*" "$kpf"; }
# result: "STATUS RETURNED" of the last call
result()
{
	local key _id status returned

	while read -r key _id status returned _; do
		[ "$key" = result ] && echo "$status $returned"
	done <"$kpf"
}

setup kp listen 127.0.0.1:15402 || exit 1
setup kp hold || exit 1
bg_run "$tmpd/client.out" nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 300 "$B4:8080"
wait_value "a redirected connection is accepted and held" 1 10 kproxy_field held
# the kept socket the sets go to, made now: its creation allocates too
setup kp clear target=spare || exit 1

# sweep DESC OK FAILED WANT CMD: write CMD with its 1st, 2nd, ... allocation
# failing until one runs through. Each failure must answer FAILED (or OK:
# an allocation the call can do without, such as kmemleak's own, which
# falls back to its pool) and leave the namespace's count of sockets with
# records as it was; the last must answer OK; WANT of them FAILED (the
# call's own allocations).
sweep()
{
	local desc=$1 ok=$2 failed=$3 want=$4 cmd=$5 nth got res socks n_failed=0 outcome=''

	socks=$(info_get "$nsa" sockets)
	for ((nth = 1; nth <= 16; nth++)); do
		got=$("$sweep_bin" write -F "$nth" "$kpf" "$cmd" 2>&1)
		res=$(result)
		echo "# $desc: allocation $nth: write $got, result $res"
		if [ "$got" = "ok injected=0" ]; then
			outcome=$res
			break
		fi
		if [ "$got" != "ok injected=1" ]; then
			outcome="write $got"
			break
		fi
		case "$res" in
		"$failed")
			n_failed=$((n_failed + 1))
			expect "$desc: allocation $nth failed: the socket keeps what it had" \
				"$socks" info_get "$nsa" sockets
			;;
		"$ok")
			# it went through: what the socket holds now is the
			# next failure's "before"
			socks=$(info_get "$nsa" sockets)
			;;
		*)
			outcome="allocation $nth failed: $res"
			break
			;;
		esac
	done
	expect "$desc: each failure answered '$failed', then '$ok'" "$ok" echo "$outcome"
	expect "$desc: its $want allocations each failed the call" "$want" echo "$n_failed"
}

# A set: the records' copy, then the socket's entry in the store.
sweep "native set" "0 0" "-ENOMEM 0" 2 "set native target=spare"
setup kp clear target=spare
sweep "WSK set" "0x00000000 0" "0xc000009a 0" 2 "set target=spare"
# A set replacing the records the socket holds: the same two.
sweep "native set, replacing" "0 0" "-ENOMEM 0" 2 "set native target=spare"

# nofail DESC WANT CMD: CMD with its first allocation armed to fail runs
# through with WANT, the fault never reached.
nofail()
{
	expect "$1: allocates nothing" "ok injected=0" "$sweep_bin" write -F 1 "$kpf" "$3"
	expect "$1: and answers" "$2" result
}
rlen=104
clen=288
nofail "native query of the records" "0 $rlen" "qrec native"
nofail "native query of the context" "0 $clen" "qctx native"
nofail "WSK query of the records" "0x00000000 $rlen" "qrec"
nofail "WSK query of the context" "0x00000000 $clen" "qctx"
nofail "native clear" "0 0" "clear target=spare"
exit $ret
