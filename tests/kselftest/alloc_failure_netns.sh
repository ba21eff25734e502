#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A namespace's wfpredir state is made on its first use: the first generic
# netlink command that changes something, or the first socket that is given
# records (wfpredir_net_activate()). That setup (the state and its tables;
# for a service or rule, conntrack and the NAT hook held for the namespace)
# allocates as much as any command, and each allocation may fail. Each one,
# made to fail in turn in a namespace never used before (fail-nth; the genl
# request through tests/helpers/preload/failnth.c in the real wfpredirctl,
# the socket option through sockopt-probe -F), must refuse the first use
# with ENOMEM and leave the namespace as if it had never been used: nothing
# configured, the hook not held, and the same first use succeeding when it
# is tried again. Never a half-made namespace, a warning or a leak (the
# runner checks the kernel log and kmemleak). Needs FAULT_INJECTION and
# FAILSLAB: the debug kernel. A service add goes through the whole setup;
# other first commands (config set, a table) reach the same activation and
# hook code, and their own work in a namespace already in use is
# alloc_failure_genl.sh's. Each attempt costs a namespace made and deleted,
# seconds on the debug kernel under TCG, so those are not swept again.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
shim=$build/tests/failnth.so
need "$ctl" "$probe" "$shim" ip nsenter

need_failslab
cleanup()
{
	failslab_restore
	redir_cleanup
}
redir_init
trap cleanup EXIT
# Sleeping allocations too (the first use runs in process context), and
# quiet injections: their stack dumps would read as kernel reports.
failslab_quiet N

# The genl command (enum wfpredir_cmd).
NEW_SERVICE=3
# The first use makes a few dozen allocations and the request its own; far
# more is a runaway loop.
max_nth=400

# shape NS: what a namespace holds, in one line: services, rules, whether
# the hook is held, and the configuration.
shape()
{
	local json

	json=$("$ctl" -n "$1" -j info) || { echo "info failed"; return; }
	echo "services $(json_value "$json" services)" \
		"rules $(json_value "$json" rules)" \
		"hook $(json_value "$json" hook)" \
		"chain_max $(json_value "$json" chain_max)"
}

# fresh: a namespace never used, its name in $ns. Its loopback stays
# down: nothing here sends a packet.
n_made=0
fresh()
{
	n_made=$((n_made + 1))
	ns=f$n_made-$sfx
	ip netns add "$ns"
}

# gone NS: delete a namespace made by fresh; the kernel's teardown runs
# behind it, so many namespaces with their tables and hooks go away while
# the sweep goes on.
gone()
{
	ip netns del "$1"
}

# genl_try N GENL-CMD CMD...: wfpredirctl CMD... in $ns with allocation N of
# request GENL-CMD failing; sets $rc, $out and $got (the shim's word:
# injected, unused or unarmed).
genl_try()
{
	local n=$1 gcmd=$2 line
	shift 2

	rm -f "$tmpd/shim"
	rc=0
	out=$(LD_PRELOAD=$shim WFPREDIR_FAILNTH=$n WFPREDIR_FAILNTH_CMD=$gcmd \
		WFPREDIR_FAILNTH_OUT="$tmpd/shim" "$ctl" -n "$ns" "$@" 2>&1) || rc=$?
	got=unarmed
	if [ -f "$tmpd/shim" ]; then
		read -r line <"$tmpd/shim"
		got=${line%% *}
	fi
}

# probe_try N: the first records given to a socket in $ns (forged, so the
# set ends in EBADMSG once the namespace is set up) with allocation N of the
# setsockopt() failing; sets $got to the errno's name.
probe_try()
{
	got=$(nsenter --net="/run/netns/$ns" "$probe" -F "$1" -f 4 -p tcp -r shaped 2>&1)
	got=${got%% *}
}

# settled WANT: the shape of $ns once it is WANT, or after 5 s what it is.
# The hook a refused command registered first is let go by the idle check,
# which runs behind the command.
settled()
{
	local want=$1 i s

	for ((i = 0; i < 50; i++)); do
		s=$(shape "$ns")
		[ "$s" = "$want" ] && break
		nap 0.1
	done
	echo "$s"
}

# sweep_genl DESC GENL-CMD CMD...: the first use of a namespace is CMD...;
# fail each of its request's allocations in turn, each in a new namespace.
sweep_genl()
{
	local desc=$1 gcmd=$2 empty done_shape n s failed=0 lost=0 absorbed=0
	shift 2

	fresh || return
	empty=$(shape "$ns")
	setup "$ctl" -n "$ns" "$@" || return
	done_shape=$(shape "$ns")
	gone "$ns"
	if [ "$empty" = "$done_shape" ]; then
		echo "FAIL: $desc: the command changes nothing ($empty)"
		ret=1
		return
	fi
	for ((n = 1; n <= max_nth; n++)); do
		fresh || return
		genl_try "$n" "$gcmd" "$@"
		if [ "$got" = unused ] && [ "$rc" -eq 0 ]; then
			s=$(settled "$done_shape")
			if [ "$s" != "$done_shape" ]; then
				echo "FAIL: $desc: with nothing failing: $s, want $done_shape"
				ret=1
			fi
			gone "$ns"
			break
		elif [ "$got" != injected ]; then
			echo "FAIL: $desc: allocation $n: the shim says '$got', exit $rc: $out"
			ret=1
			gone "$ns"
			return
		fi
		# Refused (ENOMEM) or the answer lost (ENOBUFS, the change then
		# made or not): either way the namespace is whole.
		if [ "$rc" -eq 1 ] && [[ $out == *": Cannot allocate memory"* ]]; then
			failed=$((failed + 1))
			s=$(settled "$empty")
			if [ "$s" != "$empty" ]; then
				echo "FAIL: $desc: allocation $n refused, and the namespace holds: $s, want $empty"
				ret=1
				gone "$ns"
				return
			fi
		elif [ "$rc" -eq 1 ] && [[ $out == *": No buffer space available"* ]]; then
			lost=$((lost + 1))
		elif [ "$rc" -eq 0 ]; then
			absorbed=$((absorbed + 1))
		else
			echo "FAIL: $desc: allocation $n failing: exit $rc: $out"
			ret=1
			gone "$ns"
			return
		fi
		# Then the same first use, or what a lost answer left to do,
		# must work: no stale half of a setup in the way.
		if [ "$rc" -eq 1 ] && [ "$(shape "$ns")" = "$empty" ] &&
		   ! out=$("$ctl" -n "$ns" "$@" 2>&1); then
			echo "FAIL: $desc: allocation $n failed, then the same command without a failure: $out"
			ret=1
			gone "$ns"
			return
		fi
		s=$(settled "$done_shape")
		if [ "$s" != "$done_shape" ]; then
			echo "FAIL: $desc: allocation $n failed, then: $s, want $done_shape"
			ret=1
			gone "$ns"
			return
		fi
		gone "$ns"
	done
	if [ "$failed" -eq 0 ] || [ "$n" -gt "$max_nth" ]; then
		echo "FAIL: $desc: $failed refusals in $((n - 1)) allocations"
		ret=1
		return
	fi
	echo "PASS: $desc: $((n - 1)) allocations; $failed refused (ENOMEM, the namespace as new), $lost lost the answer, $absorbed absorbed; each time it then worked"
}

sweep_genl "a service, the first command" $NEW_SERVICE \
	service add s id 1 ipv4 127.0.0.1:15001 ipv6 "[::1]:15001"

# The socket options: the first records given to a socket set the namespace
# up; forged ones are then refused (EBADMSG). No hook: nothing redirects.
desc="records given to a socket, the first use"
failed=0
for ((n = 1; n <= max_nth; n++)); do
	fresh || break
	probe_try "$n"
	case "$got" in
	ENOMEM)
		failed=$((failed + 1))
		probe_try 0
		if [ "$got" != EBADMSG ]; then
			echo "FAIL: $desc: allocation $n refused, then the same set gives '$got', want EBADMSG"
			ret=1
			gone "$ns"
			break
		fi
		;;
	EBADMSG)
		gone "$ns"
		break
		;;
	*)
		echo "FAIL: $desc: allocation $n failing gives '$got'"
		ret=1
		gone "$ns"
		break
		;;
	esac
	gone "$ns"
done
if [ "$got" = EBADMSG ] && [ "$failed" -gt 0 ] && [ "$n" -le "$max_nth" ]; then
	echo "PASS: $desc: $((n - 1)) allocations, each refused with ENOMEM, then it worked"
elif [ "$ret" -eq 0 ]; then
	echo "FAIL: $desc: $failed refusals in $((n - 1)) allocations, last '$got'"
	ret=1
fi
exit $ret
