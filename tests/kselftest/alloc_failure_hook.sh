#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Every allocation the NAT hook makes for a new flow may fail (GFP_ATOMIC,
# on the packet path). Each one, made to fail in turn with the kernel's
# fault injection (fail-nth, failslab) right before the connect() or
# sendto() whose first packet goes through the hook in the caller's task,
# must end one of these ways (tests/helpers/allocsweep.c tells which):
#   refused   ECONNREFUSED to the caller, counted in nomem
#   error     another errno from an allocation of the stack outside the hook
#   absorbed  the flow still reached where it should, with its records and
#             context (a retransmitted SYN, or an index the hook can do
#             without)
#   lost      UDP only: the stack dropped the datagram after the hook
# never with a flow that reaches the original destination while a rule
# sends it to a service (a bypass), another service, or a service without
# its records; and the sweep must have reached every allocation of the
# hook's own (the refused count). Then the namespace's flows go back to 0,
# and the VM runner checks the kernel log and kmemleak. Needs FAULT_INJECTION
# and FAILSLAB: the debug kernel.
#
#   ns h-SFX: dummy0 holds the origin addresses (192.0.2.1, 2001:db8::1);
#   services 1 and 2 on 127.0.0.1 / ::1 ports 15001 and 15002. The rules
#   send TCP and UDP to port 8080, and TCP to 8082, to service 1; TCP to
#   8081 to service 1, then (priority 200) service 2.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
sweep_bin=$build/tests/allocsweep
need "$ctl" "$sweep_bin" ip conntrack

need_failslab
cleanup()
{
	failslab_restore
	redir_cleanup
}
redir_init
trap cleanup EXIT
# Only allocations that cannot sleep count: the hook's are GFP_ATOMIC, and
# those of connect() that may sleep come before the packet exists. The
# injections stay quiet: their stack dumps would read as kernel reports.
failslab_quiet Y

ns=h-$sfx
ns_new "$ns" || exit 1
ip -n "$ns" -b - <<-EOF || exit 1
	link add dummy0 type dummy
	addr add 192.0.2.1/24 dev dummy0
	addr add 2001:db8::1/64 dev dummy0 nodad
	link set dummy0 up
EOF
setup ctl_ns "$ns" -f - <<-EOF || exit 1
	table fs
	service add s1 id 1 ipv4 127.0.0.1:15001 ipv6 [::1]:15001
	service add s2 id 2 ipv4 127.0.0.1:15002 ipv6 [::1]:15002
	rule add service s1 priority 100 proto tcp dport 8080
	rule add service s1 priority 100 proto udp dport 8080
	rule add service s1 priority 100 proto tcp dport 8081
	rule add service s2 priority 200 proto tcp dport 8081
	rule add service s1 priority 100 proto tcp dport 8082
EOF

# sweep DESC SITES UID ARGS...: allocsweep hook ARGS in the namespace,
# its sockets' uids from UID (each sweep its own: an owner left by an
# earlier sweep's flow would not be allocated again). It must have no bad
# step, end clean, and have been refused: the sweep reached the hook's
# allocations (SITES of them on that path). Not necessarily each one: the
# number of allocations before them can change from one step to the next (a
# kmemleak object, a hash table of the flow store growing on an insert), so
# one may be skipped, or one met twice; on the debug kernel 2 to 4 of 3.
# SITES is told, not checked.
# Its lines are shown as comments.
sweep()
{
	local desc=$1 want=$2 uid=$3 out summary=none line refused
	shift 3

	out=$("$sweep_bin" hook -N "$ns" -u "$uid" "$@" 2>&1)
	while IFS= read -r line; do
		echo "# $line"
		[[ $line == sweep* ]] && summary=$line
	done <<<"$out"
	if [[ $summary == *" bad=0 "* && $summary == *" final=clean" ]]; then
		echo "PASS: $desc: every failure refused, told, or absorbed; never a bypass"
	else
		echo "FAIL: $desc: $summary"
		ret=1
	fi
	refused=${summary#* refused=}
	refused=${refused%% *}
	expect "$desc: the sweep reached the hook's allocations ($refused of $want refused)" \
		yes is_gt "$refused" 0
}

v4=(-o 192.0.2.1:8080 -1 127.0.0.1:15001)
v6=(-o "[2001:db8::1]:8080" -1 "[::1]:15001")
to2=(-o 192.0.2.1:8081 -1 127.0.0.1:15001 -2 127.0.0.1:15002)
to2_6=(-o "[2001:db8::1]:8081" -1 "[::1]:15001" -2 "[::1]:15002")
attach=(-o 192.0.2.1:8082 -1 127.0.0.1:15001)

# Before the hook: the route (ENOBUFS), the local port (ENOMEM), the
# conntrack entry (the SYN is dropped and sent again from a timer a second
# later, redirected there; UDP's sendto() fails with EPERM). Then the hook's
# own, each refused: the flow and the owner of its uid's first flow (a
# first redirect keeps its one-entry chain in the flow, not in a blob of
# its own); the destination index of a redirected flow is a hint, and its
# failure is absorbed, as are kmemleak's own allocations (it falls back to
# its pool).
sweep "tcp v4 client" 2 50000 -p tcp -f 4 -m client "${v4[@]}" -t svc1 -e 1 -s 1
sweep "tcp v6 client" 2 50200 -p tcp -f 6 -m client "${v6[@]}" -t svc1 -e 1 -s 1
sweep "tcp v4-mapped client" 2 50400 -p tcp -f m -m client "${v4[@]}" -t svc1 -e 1 -s 1
sweep "udp v4 client" 2 50600 -p udp -f 4 -m client "${v4[@]}" -t svc1 -e 1 -s 1
sweep "udp v6 client" 2 50800 -p udp -f 6 -m client "${v6[@]}" -t svc1 -e 1 -s 1
# A proxy's onward connection with the records it set, redirected again
# (the chain grows: the flow, its owner, the records) or not (it carries
# the chain as given: the flow, its owner, the chain's copy).
sweep "tcp v4 proxy with records, redirected" 3 51000 -p tcp -f 4 -m records "${to2[@]}" \
	-t svc2 -e 2 -s 2
sweep "tcp v6 proxy with records, redirected" 3 51200 -p tcp -f 6 -m records "${to2_6[@]}" \
	-t svc2 -e 2 -s 2
sweep "tcp v4 proxy with records, not redirected" 3 51400 -p tcp -f 4 -m records \
	"${attach[@]}" -t orig -e 1 -s 1
# A legacy proxy's onward connection, its chain inherited (the conntrack
# entry's failure makes its SYN a retransmission from softirq, which must
# still inherit): first a blob of the held flow's chain, which that flow,
# a first redirect, keeps as parts; ambiguous, the service-only chain
# instead.
sweep "tcp v4 legacy proxy, inherited, redirected" 4 51600 -p tcp -f 4 -m inherit \
	"${to2[@]}" -t svc2 -e 2 -s 2
sweep "tcp v4 legacy proxy, ambiguous, redirected" 4 51800 -p tcp -f 4 -m inherit -A \
	"${to2[@]}" -t svc2 -e 2 -s 2
sweep "tcp v4 legacy proxy, inherited, not redirected" 4 52000 -p tcp -f 4 -m inherit \
	"${attach[@]}" -t orig -e 1 -s 1

# The closed connections' flows go by themselves; UDP's live as their
# conntrack entries, which go with a flush.
nsenter --net=/run/netns/"$ns" conntrack -F >/dev/null 2>&1
wait_value "every flow is released" 0 10 info_get "$ns" flows
exit $ret
