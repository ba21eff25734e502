#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Identities are told in the reader's namespaces, as SO_PEERCRED tells them
# (issue 9, part 2). Everything runs in a user namespace (uids 1.. map to
# 100001..) with its own network and pid namespaces: a client, inner uid
# 1000, connects; the first hop reads uid 1000 and the client's pid as its
# pid namespace numbers it, in the records and in the context, sets the
# records it read (a view sealed for its namespaces) on its onward socket,
# and the next hop reads the same identity plus its own entry. Before the
# fix a reader saw the global uid (101000) and the global pid.
# handoff_userns.sh runs this with hand_on=-H: the first hop hands the flow
# on in one call (hop -H, WFPREDIR_SO_HANDOFF) instead of the query and set.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$hop" "$flowpeer" ip unshare setpriv python3

redir_init
work=$tmpd/work
inner_pid=
cleanup()
{
	[ -n "$inner_pid" ] && kill -KILL "$inner_pid" 2>/dev/null
	redir_cleanup
}
trap cleanup EXIT
mkdir "$work" && chmod 777 "$work"

cat >"$tmpd/inner.sh" <<'SH'
# In the new namespaces, once the outer shell has written the id maps.
work=$1 ctl=$2 hop=$3 flowpeer=$4 mode=${5:-}
for i in $(seq 100); do [ -e "$work/go" ] && break; sleep 0.1; done
set -e
ip link set lo up
"$ctl" service add first ipv4 127.0.0.1:15007
"$ctl" service add second ipv4 127.0.0.1:15008
"$ctl" rule add service first proto tcp dport 8080
"$ctl" rule add service second proto tcp dport 9090
set +e
"$hop" -l 127.0.0.1:15008 -T 90 >"$work/hop2.out" 2>&1 &
h2=$!
"$hop" -l 127.0.0.1:15007 -T 90 ${mode:+"$mode"} -c 127.0.0.9:9090 >"$work/hop1.out" 2>&1 &
h1=$!
for i in $(seq 100); do
	grep -q '^listening' "$work/hop1.out" "$work/hop2.out" 2>/dev/null &&
		[ "$(grep -l '^listening' "$work/hop1.out" "$work/hop2.out" | wc -l)" = 2 ] && break
	sleep 0.1
done
setpriv --reuid=1000 --regid=1000 --clear-groups \
	"$flowpeer" connect -T 60 127.0.0.9:8080 >"$work/client.out" 2>&1 &
cpid=$!
echo "client_pid=$cpid" >"$work/client.pid"
wait "$cpid" "$h1" "$h2"
echo done
SH

unshare --user --net --pid --fork bash "$tmpd/inner.sh" "$work" "$ctl" "$hop" "$flowpeer" \
	"${hand_on:-}" >"$tmpd/inner.out" 2>&1 &
inner_pid=$!
for ((i = 0; i < 100; i++)); do
	[ "$(readlink "/proc/$inner_pid/ns/user")" != "$(readlink /proc/self/ns/user)" ] && break
	sleep 0.1
done
# root inside is root outside (so that it may use what this test built);
# everyone else is shifted by 100000. One write() per map, as the kernel
# wants it.
map='0 0 1\n1 100001 65535\n'
for m in uid_map gid_map; do
	if ! python3 -c 'import sys; open(sys.argv[1], "w").write(sys.argv[2].replace("\\n", "\n"))' \
		"/proc/$inner_pid/$m" "$map"; then
		echo "SKIP: cannot write the id maps of a new user namespace"
		exit "$ksft_skip"
	fi
done
touch "$work/go"
for ((i = 0; i < 1500; i++)); do
	kill -0 "$inner_pid" 2>/dev/null || break
	sleep 0.1
done
wait "$inner_pid" 2>/dev/null
inner_pid=
sed 's/^/# inner: /' "$tmpd/inner.out"
for f in client hop1 hop2; do sed "s/^/# $f: /" "$work/$f.out"; done

cpid=$(sed -n 's/^client_pid=//p' "$work/client.pid")
echo "# the client's pid in its pid namespace: $cpid"
expect "the client reached the first hop" "hop src=same" cat "$work/client.out"
read_how="records read" set_what="the view it read"
if [ -n "${hand_on:-}" ]; then
	read_how="the hand-off answered" set_what="the view handed on"
fi
expect "first hop: $read_how" ok kv "$work/hop1.out" records= records
expect "first hop: the uid in the records is the reader's (1000, not 101000)" 1000 \
	kv "$work/hop1.out" "entry=0 " uid
expect "first hop: the pid in the records is the reader's pid namespace's" "$cpid" \
	kv "$work/hop1.out" "entry=0 " pid
expect "first hop: the context's uid is the reader's" 1000 kv "$work/hop1.out" ctx_dst= ctx_uid
expect "first hop: the context's pid is the reader's" "$cpid" kv "$work/hop1.out" ctx_dst= ctx_pid
expect "first hop: $set_what sets back on its onward socket" ok \
	kv "$work/hop1.out" set= set
expect "second hop: two entries" 2 kv "$work/hop2.out" flow_id= count
expect "second hop: the client's uid, through the view and back" 1000 \
	kv "$work/hop2.out" "entry=0 " uid
# The client exits once the first hop has answered it, and a pid is told
# only while its process lives: the second hop, reading later, sees the
# client's pid in its namespace or 0, never the global pid.
pid2=$(kv "$work/hop2.out" "entry=0 " pid)
[ "$pid2" = 0 ] && pid2=$cpid
expect "second hop: the client's pid through the view and back, or 0 once it exited" \
	"$cpid" echo "$pid2"
exit $ret
