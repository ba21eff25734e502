#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Every network namespace has its own wfpredir state: the options behave the
# same in a second namespace, and its table of sockets is its own.
#
#   init netns            ns1-$sfx
#   probe sockets         probe sockets, wfpredirctl info
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$probe" "$ctl" ip

ns1=ns1-$sfx
cleanup()
{
	ip netns del "$ns1" 2>/dev/null
}
trap cleanup EXIT

ip netns add "$ns1"
ip -n "$ns1" link set lo up
in1="nsenter --net=/run/netns/$ns1"

for f in 4 6; do
	for p in $protos; do
		c="v$f/$p in $ns1"
		expect "$c: forged records are EBADMSG" EBADMSG $in1 "$probe" -f "$f" -p "$p"
		expect "$c: a connected socket is EISCONN" EISCONN \
			$in1 "$probe" -f "$f" -p "$p" -s connected
		expect "$c: an unredirected connection is ENOENT" ENOENT \
			$in1 "$probe" -f "$f" -p "$p" -s connected -o get-records
	done
done
expect "wfpredirctl info answers in $ns1" "sockets 0" \
	sh -c "$in1 $ctl info | grep '^sockets' | tr -s ' ' | cut -d' ' -f1,2"
expect_rc "a namespace with wfpredir state can be deleted" 0 ip netns del "$ns1"
exit $ret
