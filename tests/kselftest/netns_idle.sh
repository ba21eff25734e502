#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A namespace that stops using wfpredir stops paying for it: after its
# services and rules are flushed and its last flow is gone (a closed TCP
# connection's flow goes once conntrack sees TIME_WAIT, not 120 s later),
# the NAT hook is unregistered and conntrack let go of (info "hook", and a
# new connection leaves no conntrack entry).
# A namespace that never used wfpredir never had them; configuring again
# registers them again.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$flowpeer" ip jq conntrack

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" -t "$B4:9090" || exit 1
server_start "$nsa" -n svc -t 127.0.0.1:15008 || exit 1

# hook: true or false (info_get would turn false into "missing").
hook() { ctl_ns "$nsa" -j info | jq -r .hook; }
# tracked: how many conntrack entries a new direct connection (port 9090,
# which no rule takes) leaves in NSA; 0 when nothing holds conntrack there.
tracked()
{
	nsenter --net=/run/netns/"$nsa" conntrack -F >/dev/null 2>&1
	nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 10 "$B4:9090" >/dev/null
	nsenter --net=/run/netns/"$nsa" conntrack -L -p tcp --dport 9090 2>/dev/null | grep -c .
}

expect "a namespace that never used wfpredir has no hook" false hook
expect "nor conntrack" 0 tracked
expect "and it reports no flows" 0 info_get "$nsa" flows

setup ctl_ns "$nsa" service add svc id 8 ipv4 127.0.0.1:15008 &&
	setup ctl_ns "$nsa" rule add service svc proto tcp dport 8080 || exit 1
expect "its first service and rule register the hook" true hook
expect "which holds conntrack" 1 tracked
expect "a connection is redirected" "svc src=same" \
	nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 10 "$B4:8080"

setup ctl_ns "$nsa" rule flush &&
	setup ctl_ns "$nsa" service flush || exit 1
wait_value "the closed connection's flow goes within 5 s" 0 5 info_get "$nsa" flows
wait_value "with nothing left, the hook goes within 5 s" false 5 hook
expect "and lets go of conntrack" 0 tracked

setup ctl_ns "$nsa" service add svc id 8 ipv4 127.0.0.1:15008 &&
	setup ctl_ns "$nsa" rule add service svc proto tcp dport 8080 || exit 1
expect "configured again, the hook is back" true hook
expect "and connections are redirected again" "svc src=same" \
	nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 10 "$B4:8080"

# A service alone keeps the hook; deleting it by name lets it go.
setup ctl_ns "$nsa" rule flush || exit 1
wait_value "flows gone" 0 5 info_get "$nsa" flows
expect "a service alone keeps the hook" true hook
setup ctl_ns "$nsa" service del svc || exit 1
wait_value "its deletion lets the hook go" false 5 hook
exit $ret
