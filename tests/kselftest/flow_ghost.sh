#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# No ghost flows. When a redirected connection's first packet is dropped
# after the hook (here an nft filter rule at OUTPUT, after NAT), its
# conntrack entry is never confirmed and nobody but wfpredir holds it; every
# retransmitted SYN makes another such entry. Those flows are never listed
# by `flow list`, and they are released at the collector's next round
# (about a second), not after 10 s.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$flowpeer" ip jq nft

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" || exit 1
server_start "$nsa" -n svc -t 127.0.0.1:15008 || exit 1
setup ctl_ns "$nsa" service add svc id 8 ipv4 127.0.0.1:15008 &&
	setup ctl_ns "$nsa" rule add service svc proto tcp dport 8080 || exit 1
# After NAT, the SYN goes to the service's port: drop it there.
setup nsenter --net=/run/netns/"$nsa" nft -f - <<EOF || exit 1
table inet ghost {
	chain out {
		type filter hook output priority 0;
		tcp dport 15008 tcp flags syn drop
	}
}
EOF

bg_run "$tmpd/client" nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 5 "$B4:8080"
client=$!
# The SYN at 0 s and its retransmission at 1 s and 3 s each leave a ghost.
listed=0
for i in 1 2 3 4 5 6; do
	sleep 0.5
	n=$(list_len "$nsa" flow)
	[ "$n" -gt "$listed" ] 2>/dev/null && listed=$n
done
expect "flow list never shows a connection whose first packet was dropped" 0 echo "$listed"
wait "$client"
expect "the client saw no answer" ETIMEDOUT cat "$tmpd/client"
wait_value "its flows are released within 2 s of the last SYN" 0 2 info_get "$nsa" flows

setup nsenter --net=/run/netns/"$nsa" nft delete table inet ghost || exit 1
expect "without the drop, the connection is redirected" "svc src=same" \
	nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 10 "$B4:8080"
exit $ret
