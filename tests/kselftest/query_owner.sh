#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Only a service's owner reads its flows (issue 9, part 2). A victim (uid
# 1000) sends a redirected UDP query; an attacker (uid 2000) binds the
# service address with SO_REUSEADDR, connects to the victim's source port
# and asks for the records and the context: ENOENT, the very answer a flow
# that was not redirected gets. The service's proxy, running as the owner
# (uid 3000), gets them. An unowned service's flows are for sockets opened
# with CAP_NET_ADMIN only. A TCP proxy running under the wrong uid, or
# outside the owner cgroup, gets ENOENT; the owner's gets the records.
# Listings show owners; service and rule dumps need CAP_NET_ADMIN.
#
#   ns a-SFX: victim, attacker, proxies, services, rules
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
# The victim's datagram and the snooper's query (python3 took a second to
# start in the VM)
udpsnoop=$build/tests/udpsnoop
need "$ctl" "$hop" "$flowpeer" "$udpsnoop" ip jq setpriv

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
ns_new "$nsa" || exit 1

as() { # as UID CMD...: CMD in namespace A as UID, without privilege
	local id=$1
	shift
	nsenter --net=/run/netns/"$nsa" setpriv --reuid="$id" --regid="$id" --clear-groups "$@"
}

# ---------------------------------------------------------------- UDP
setup ctl_ns "$nsa" service add dns id 1 ipv4 127.0.0.1:15353 owner uid 3000 || exit 1
setup ctl_ns "$nsa" service add open id 2 ipv4 127.0.0.1:15354 || exit 1
setup ctl_ns "$nsa" rule add service dns proto udp dport 53 || exit 1
setup ctl_ns "$nsa" rule add service open proto udp dport 54 || exit 1

# victim PORT: a victim flow to 127.0.0.53:PORT; prints its source address
# and port, ADDR:PORT
victim()
{
	local out=$tmpd/victim-$1.out line

	bg_run "$out" as 1000 "$udpsnoop" victim "127.0.0.53:$1"
	wait_for "$out" '^src' >/dev/null || return 1
	while read -r line; do
		[[ $line == "src "* ]] && echo "${line#src }"
	done <"$out"
	return 0
}

# unreplied UDP flows live 30 s; a loaded test VM can take longer than that
nsenter --net=/run/netns/"$nsa" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=300 2>/dev/null
vport=$(victim 53) || exit 1
plain=$(victim 5353) || exit 1
echo "# victim sources: redirected $vport, not redirected $plain"
# (the owner's answer below shows the victim's flow is there to be found)
noflow=$(as 2000 "$udpsnoop" snoop 127.0.0.1:15353 "$plain")
expect "a flow that was not redirected: ENOENT for both" \
	"records=ENOENT context=ENOENT" echo "$noflow"
expect "the owner (uid 3000) reads the records and the victim's uid" \
	"records=ok context=ok uid=1000" \
	as 3000 "$udpsnoop" snoop 127.0.0.1:15353 "$vport"
expect "uid 2000 on the owned service's address, at the victim's port: ENOENT, as a flow not redirected" \
	"$noflow" as 2000 "$udpsnoop" snoop 127.0.0.1:15353 "$vport"
expect "root, not the owner, gets ENOENT too" "$noflow" \
	nsenter --net=/run/netns/"$nsa" "$udpsnoop" snoop 127.0.0.1:15353 "$vport"
oport=$(victim 54) || exit 1
echo "# victim source, unowned service: $oport"
expect "an unowned service: an unprivileged user gets ENOENT" "$noflow" \
	as 2000 "$udpsnoop" snoop 127.0.0.1:15354 "$oport"
expect "an unowned service: CAP_NET_ADMIN reads it" "records=ok context=ok uid=1000" \
	nsenter --net=/run/netns/"$nsa" "$udpsnoop" snoop 127.0.0.1:15354 "$oport"

# ---------------------------------------------------------------- TCP
setup ctl_ns "$nsa" service add web id 3 ipv4 127.0.0.1:15080 owner user nobody || exit 1
setup ctl_ns "$nsa" rule add service web proto tcp dport 7000 || exit 1
nobody=$(id -u nobody)

# tcp_hop WHO...: a hop on web's address run by WHO..., one client connection;
# prints the hop's records= and context= results
tcp_hop()
{
	local out=$tmpd/hop-$RANDOM.out
	bg_run "$out" "$@" "$hop" -l 127.0.0.1:15080 -T 10
	hop_pid=$!
	wait_for "$out" '^listening' >/dev/null || return 1
	as 1000 "$flowpeer" connect -T 10 127.0.0.9:7000 >/dev/null
	hop_wait
	echo "records=$(kv "$out" records= records) context=$(kv "$out" context= context)"
	sed 's/^/# hop: /' "$out" >&2
}

expect "TCP: a proxy under the wrong uid (2000) gets ENOENT" \
	"records=ENOENT context=ENOENT" tcp_hop as 2000
expect "TCP: the owner's proxy (user nobody) gets the records and context" \
	"records=ok context=ok" tcp_hop as "$nobody"

# ------------------------------------------------------------- cgroup
if cg_new "wfpo-$sfx" && cg_new "wfpo-$sfx/worker"; then
	setup ctl_ns "$nsa" rule flush &&
		setup ctl_ns "$nsa" service del web &&
		setup ctl_ns "$nsa" service add web id 3 ipv4 127.0.0.1:15080 \
			owner uid "$nobody" cgroup "/wfpo-$sfx" &&
		setup ctl_ns "$nsa" rule add service web proto tcp dport 7000
	expect "owner uid and cgroup: the owner uid outside the cgroup gets ENOENT" \
		"records=ENOENT context=ENOENT" tcp_hop as "$nobody"
	expect "owner uid and cgroup: the owner uid in a child cgroup reads them" \
		"records=ok context=ok" tcp_hop in_cgroup "wfpo-$sfx/worker" \
		nsenter --net=/run/netns/"$nsa" setpriv --reuid="$nobody" --regid="$nobody" --clear-groups
	expect "listing: the owner in the words service add takes" \
		"owner uid $nobody cgroup /wfpo-$sfx" \
		sh -c "nsenter --net=/run/netns/$nsa $ctl service list web | sed 's/.* \\(owner .*\\) # rules .*/\\1/'"
	expect "JSON: owner.cgroup" "/wfpo-$sfx" \
		sh -c "nsenter --net=/run/netns/$nsa $ctl -j service list web | jq -r '.[0].owner.cgroup'"
	expect_rc "an owner cgroup that does not exist is refused" 1 \
		ctl_ns "$nsa" service add ghost ipv4 127.0.0.1:15081 owner cgroup "/wfpo-$sfx/none"
else
	echo "# cgroup v2 not mounted at /sys/fs/cgroup: no owner cgroup cases"
fi

# ------------------------------------------------------------- listings
expect "listing: service dns shows its owner" "owner uid 3000" \
	sh -c "nsenter --net=/run/netns/$nsa $ctl service list dns | grep -o 'owner uid [0-9]*'"
expect "JSON: owner.uid" 3000 \
	sh -c "nsenter --net=/run/netns/$nsa $ctl -j service list dns | jq -r '.[0].owner.uid'"
expect "JSON: an unowned service has no owner" null \
	sh -c "nsenter --net=/run/netns/$nsa $ctl -j service list open | jq -r '.[0].owner'"
expect_rc "service dumps need CAP_NET_ADMIN" 1 as 2000 "$ctl" service list
expect_rc "rule dumps need CAP_NET_ADMIN" 1 as 2000 "$ctl" rule list
expect "the public info stays public" ok \
	sh -c "as() { :; }; nsenter --net=/run/netns/$nsa setpriv --reuid=2000 --regid=2000 --clear-groups $ctl info >/dev/null && echo ok"
exit $ret
