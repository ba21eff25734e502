#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A legacy proxy that knows nothing of records, only SO_ORIGINAL_DST, works
# behind a wfpredir rule: the redirect is an ordinary conntrack DNAT, so
# getsockopt(SOL_IP, SO_ORIGINAL_DST) (IPv4) and getsockopt(SOL_IPV6,
# IP6T_SO_ORIGINAL_DST) (IPv6) on its accepted socket give the destination
# the client asked for, and the proxy can take the client there. The proxy
# (tests/helpers/origdst.c, uid 4242) is kept out of its own rule by uid,
# the way legacy REDIRECT setups do it.
#
#   ns a-SFX: client, the legacy proxy, the rule
#   ns b-SFX: the flowpeer server
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
# the legacy proxy (python3 took a second to start in the VM)
origdst=$build/tests/origdst
need "$ctl" "$flowpeer" "$origdst" ip setpriv

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" -t "[$B6]:8080" -t "$B4:443" -t "[$B6]:443" || exit 1

setup ctl_ns "$nsa" service add legacy id 3 ipv4 127.0.0.1:15301 ipv6 "[::1]:15301" || exit 1
setup ctl_ns "$nsa" rule add service legacy proto tcp uid 0-4000 || exit 1

for f in 4 6; do
	for port in 8080 443; do
		if [ $f = 4 ]; then
			far=$B4 at=127.0.0.1
		else
			far="[$B6]" at=::1
		fi
		c="v$f, port $port"
		out=$tmpd/legacy-$f-$port.out
		bg_run "$out" nsenter --net=/run/netns/"$nsa" setpriv --reuid=4242 --regid=4242 --clear-groups \
			"$origdst" "$at" 15301
		lpid=$!
		wait_for "$out" '^listening' 20 || {
			ret=1
			continue
		}
		expect "$c: the client reaches the server through the legacy proxy" \
			"server src=other" nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 10 "$far:$port"
		expect "$c: SO_ORIGINAL_DST gives the original destination" "orig $far:$port" \
			sed -n '/^orig /p' "$out"
		bg_stop "$lpid"
		sed 's/^/# legacy proxy: /' "$out"
	done
done
exit $ret
