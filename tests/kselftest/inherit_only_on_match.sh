#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Inheritance runs only for a connection a rule matches. A process that
# holds a redirected connection (it accepted it at service px's address)
# opens a TCP connection to the same destination without records:
#  - under one UDP-only rule, which cannot match it, nothing is inferred:
#    the connection goes direct, carries no chain (no flow is stored for it)
#    and the inherited counter does not move;
#  - under a TCP rule for px and one for px2, it continues the held flow's
#    chain (inherited), is not sent back to px, goes to px2, and the
#    inherited counter moves by one.
#
#   ns a-SFX: the process (client, px and px2 listeners in one python script)
#   ns b-SFX: the flowpeer server
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$flowpeer" ip jq ss python3

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -n server -t "$B4:8080" || exit 1
setup ctl_ns "$nsa" service add px id 2 ipv4 127.0.0.1:15202 || exit 1
setup ctl_ns "$nsa" service add px2 id 3 ipv4 127.0.0.1:15203 || exit 1
setup ctl_ns "$nsa" rule add service px id 20 priority 100 proto tcp dport 8080 || exit 1

# The process: connects to the server (redirected to px, where it accepts
# the connection itself and keeps it), then, each time the test creates
# $tmpd/goN, opens connection N to the same destination and says where it
# went: "server" (the far server answered) or "px2" (px2 accepted it).
cat >"$tmpd/proc.py" <<'PY'
import os, select, socket, sys, time
far, tmpd = (sys.argv[1], 8080), sys.argv[2]
lst = {}
for name, port in (("px", 15202), ("px2", 15203)):
    s = socket.socket()
    s.bind(("127.0.0.1", port))
    s.listen(8)
    lst[name] = s
keep = []
c = socket.create_connection(far, timeout=5)
keep.append(c)
r, _, _ = select.select([lst["px"]], [], [], 5)
if not r:
    print("held none", flush=True)
    sys.exit(1)
a, peer = lst["px"].accept()
keep.append(a)
print("held", "yes" if peer == c.getsockname() else "other", flush=True)
for n in (1, 2):
    while not os.path.exists("%s/go%d" % (tmpd, n)):
        time.sleep(0.05)
    o = socket.create_connection(far, timeout=5)
    keep.append(o)
    r, _, _ = select.select([lst["px2"]], [], [], 0.5)
    if r:
        keep.append(lst["px2"].accept()[0])
        print("onward%d px2" % n, flush=True)
        continue
    o.sendall(b"x\n")
    try:
        reply = o.recv(200).decode()
    except OSError as e:
        reply = str(e)
    print("onward%d %s" % (n, "server" if reply.startswith("server") else "none"),
          flush=True)
time.sleep(60)
PY

bg_run "$tmpd/proc.out" nsenter --net=/run/netns/"$nsa" python3 "$tmpd/proc.py" "$B4" "$tmpd"
wait_for "$tmpd/proc.out" '^held' 20
expect "the process holds its own redirected connection, accepted at px" "held yes" \
	grep '^held' "$tmpd/proc.out"

# A rule that cannot match TCP.
setup ctl_ns "$nsa" rule flush || exit 1
setup ctl_ns "$nsa" rule add service px2 id 30 proto udp dport 8080 || exit 1
inherited=$(info_get "$nsa" inherited)
redirects=$(info_get "$nsa" redirects)
touch "$tmpd/go1"
wait_for "$tmpd/proc.out" '^onward1' 20
expect "UDP-only rule: the TCP connection goes direct" "onward1 server" \
	grep '^onward1' "$tmpd/proc.out"
expect "UDP-only rule: nothing is inferred for it (no chain, no flow stored)" "" \
	flow_chain "$nsa" "$B4:8080" final
expect "UDP-only rule: the inherited counter does not move" "$inherited" \
	info_get "$nsa" inherited
expect "UDP-only rule: nothing was redirected" "$redirects" info_get "$nsa" redirects

# Rules that match: px's is skipped (the process is px's proxy), px2's taken.
setup ctl_ns "$nsa" rule flush || exit 1
setup ctl_ns "$nsa" rule add service px id 20 priority 100 proto tcp dport 8080 || exit 1
setup ctl_ns "$nsa" rule add service px2 id 21 priority 200 proto tcp dport 8080 || exit 1
touch "$tmpd/go2"
wait_for "$tmpd/proc.out" '^onward2' 20
expect "matching rule: the connection goes to px2, not back to px" "onward2 px2" \
	grep '^onward2' "$tmpd/proc.out"
expect "matching rule: the inherited counter moves by one" $((inherited + 1)) \
	info_get "$nsa" inherited
expect "matching rule: it continues the held flow's chain" "2* 3" \
	eval "flow_chain $nsa $B4:8080 redirected | grep -x '2\\* 3'"
exit $ret
