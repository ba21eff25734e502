#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Events a listener cannot take are not lost silently: with a monitor whose
# receive buffer is tiny (buffer-size) and which does not read (stopped)
# while changes are made, the namespace's events-lost counter (info, JSON
# and text) rises, and the monitor, once it reads again, prints an "events
# lost" line and goes on telling the changes that follow. Another
# namespace's counter stays 0.
#
#   ns a-SFX: the changes and the stopped listener
#   ns c-SFX: a namespace that lost nothing
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" ip jq

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsc=c-$sfx
ns_new "$nsa" || exit 1
ns_new "$nsc" || exit 1
c() { ctl_ns "$nsa" "$@"; }

expect_rc "buffer-size needs a number" 2 c monitor buffer-size lots
# The smallest buffer the kernel allows holds one event: the second is lost.
bg_run "$tmpd/a.txt" nsenter --net=/run/netns/"$nsa" "$ctl" monitor buffer-size 1
mon=$!
for ((i = 0; i < 50; i++)); do
	c service add ready ipv4 127.0.0.1:15999 >/dev/null 2>&1
	c service del ready >/dev/null 2>&1
	grep -q "DEL. service ready" "$tmpd/a.txt" && break
	sleep 0.2
done
setup grep -q "DEL. service ready" "$tmpd/a.txt" || exit 1
setup ctl_ns "$nsc" service add other ipv4 127.0.0.1:15998 || exit 1
expect "nothing lost while the monitor reads" 0 info_get "$nsa" events_lost

kill -STOP "$mon"
for i in 1 2 3 4 5 6; do
	setup c service add "s$i" ipv4 "127.0.0.1:1500$i" || exit 1
done
lost=$(info_get "$nsa" events_lost)
echo "# events_lost $lost"
expect "events the stopped monitor could not take are counted" yes is_gt "$lost" 0
expect "info prints the count" "events-lost $lost" \
	sh -c "nsenter --net=/run/netns/$nsa $ctl info | grep -o 'events-lost [0-9]*'"
expect "another namespace lost none" 0 info_get "$nsc" events_lost

kill -CONT "$mon"
wait_for "$tmpd/a.txt" "events lost" 10
expect "the monitor says events were lost" \
	"[LOST] events lost: the kernel dropped some (receive buffer full); 'wfpredirctl info' counts them, list the objects for the current state" \
	grep -F "[LOST]" "$tmpd/a.txt"
setup c service add after id 77 ipv4 127.0.0.1:15010 || exit 1
wait_value "and goes on telling the changes that follow" \
	"[NEW] service after id 77 table default ipv4 127.0.0.1:15010" 10 \
	grep -F "service after" "$tmpd/a.txt"
expect "the monitor is still running" yes sh -c "kill -0 $mon && echo yes"
exit $ret
