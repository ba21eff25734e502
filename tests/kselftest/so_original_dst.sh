#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A legacy proxy that knows nothing of records, only SO_ORIGINAL_DST, works
# behind a wfpredir rule: the redirect is an ordinary conntrack DNAT, so
# getsockopt(SOL_IP, SO_ORIGINAL_DST) (IPv4) and getsockopt(SOL_IPV6,
# IP6T_SO_ORIGINAL_DST) (IPv6) on its accepted socket give the destination
# the client asked for, and the proxy can take the client there. The proxy
# (python3, uid 4242) is kept out of its own rule by uid, the way legacy
# REDIRECT setups do it.
#
#   ns a-SFX: client, the legacy proxy, the rule
#   ns b-SFX: the flowpeer server
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$flowpeer" ip jq ss python3 setpriv

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" -t "[$B6]:8080" -t "$B4:443" -t "[$B6]:443" || exit 1

cat >"$tmpd/legacy.py" <<'PY'
# One connection: print SO_ORIGINAL_DST, connect there, relay one exchange.
import socket, struct, sys

host, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
ls = socket.socket(fam, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((host, port))
ls.listen(4)
print("listening", flush=True)
c, peer = ls.accept()
if fam == socket.AF_INET:
    raw = c.getsockopt(socket.SOL_IP, 80, 16)  # SO_ORIGINAL_DST
    dport = struct.unpack("!H", raw[2:4])[0]
    daddr = socket.inet_ntop(socket.AF_INET, raw[4:8])
    dst = "%s:%d" % (daddr, dport)
else:
    raw = c.getsockopt(socket.IPPROTO_IPV6, 80, 28)  # IP6T_SO_ORIGINAL_DST
    dport = struct.unpack("!H", raw[2:4])[0]
    daddr = socket.inet_ntop(socket.AF_INET6, raw[8:24])
    dst = "[%s]:%d" % (daddr, dport)
print("orig", dst, flush=True)
up = socket.create_connection((daddr, dport), timeout=10)
c.settimeout(10)
up.sendall(c.recv(4096))
c.sendall(up.recv(4096))
up.close()
c.close()
PY

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
			python3 "$tmpd/legacy.py" "$at" 15301
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
