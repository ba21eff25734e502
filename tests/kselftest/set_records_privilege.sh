#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Setting records needs CAP_NET_ADMIN in the user namespace that owns the
# socket's network namespace: not root's uid, not CAP_NET_RAW, not the
# capability in some other user namespace. Queries need no privilege.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$probe" setpriv unshare

drop="setpriv --inh-caps=-net_admin --bounding-set=-net_admin --"
for f in 4 6; do
	for p in $protos; do
		c="v$f/$p"
		expect "$c: root without CAP_NET_ADMIN gets EPERM" EPERM \
			$drop "$probe" -f "$f" -p "$p" -r shaped
		expect "$c: an unprivileged uid gets EPERM" EPERM \
			setpriv --reuid=65534 --regid=65534 --clear-groups -- \
			"$probe" -f "$f" -p "$p" -r shaped
		expect "$c: CAP_NET_ADMIN in a child user namespace over the init netns is not enough" \
			EPERM unshare --user --map-root-user "$probe" -f "$f" -p "$p" -r shaped
		expect "$c: root of a new user+net namespace may set on its own sockets" \
			EBADMSG unshare --user --map-root-user --net \
			sh -c 'ip link set lo up && exec "$0" "$@"' "$probe" -f "$f" -p "$p" -r shaped
		expect "$c: queries need no privilege" ENOENT \
			setpriv --reuid=65534 --regid=65534 --clear-groups -- \
			"$probe" -f "$f" -p "$p" -s connected -o get-records
	done
done
# At SOL_IP the privilege check comes before the buffer is read. (At
# SOL_IPV6 the IPv6 layer itself reads the first four bytes of every option
# before netfilter's turn, so there an unreadable buffer is EFAULT first.)
for f in 4 m; do
	for p in $protos; do
		expect "v$f/$p: EPERM comes before any look at the records" EPERM \
			$drop "$probe" -f "$f" -p "$p" -r badptr
	done
done
exit $ret
