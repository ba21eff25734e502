#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The module unloads cleanly after sockets used the ABI, even while those
# sockets are still open, and comes back with the same behaviour; a second
# namespace that used the ABI does not pin it. The test VM runner fails the
# run on any kernel warning this provokes.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$probe" "$ctl" insmod rmmod ip

ko=${WFPREDIR_MODULE:-}
if [ ! -f "$ko" ]; then
	echo "SKIP: WFPREDIR_MODULE does not name the module file"
	exit $ksft_skip
fi

ns1=ns1-$sfx
holder=
cleanup()
{
	[ -n "$holder" ] && kill "$holder" 2>/dev/null
	ip netns del "$ns1" 2>/dev/null
	[ -d /sys/module/wfpredir ] || insmod "$ko"
}
trap cleanup EXIT

ip netns add "$ns1"
ip -n "$ns1" link set lo up
for round in 1 2 3; do
	for f in 4 6; do
		for p in $protos; do
			"$probe" -f "$f" -p "$p" -r shaped >/dev/null
			nsenter --net=/run/netns/"$ns1" "$probe" -f "$f" -p "$p" -s connected -o get-records >/dev/null
		done
	done
	# a socket that used the ABI stays open across the unload
	"$probe" -f 6 -p udp -r shaped -w 60 >/dev/null &
	holder=$!
	expect_rc "round $round: rmmod succeeds with sockets open" 0 rmmod wfpredir
	expect_rc "round $round: without the module the options are ENOPROTOOPT" 0 \
		sh -c "'$probe' -r shaped | grep -qx ENOPROTOOPT"
	expect_rc "round $round: wfpredirctl exits 3 without the module" 3 "$ctl" info
	expect_rc "round $round: insmod succeeds again" 0 insmod "$ko"
	kill "$holder"; wait "$holder" 2>/dev/null; holder=
	expect "round $round: the reloaded module answers" EBADMSG "$probe" -r shaped
done
exit $ret
