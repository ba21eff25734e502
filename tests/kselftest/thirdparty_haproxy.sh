#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian's haproxy in transparent mode (option transparent: it connects on
# to the destination it reads with SO_ORIGINAL_DST) as service T (id 3),
# knowing nothing of wfpredir, first with no owner, uid, mark or cgroup
# anywhere (tp_matrix): alone, curl and python, inheritance links haproxy's
# records-less onward connection to the flow it accepted: one redirect, one
# request at the origin, one line in haproxy's log. Chained with pa (a
# wfpredir-proxy that hands records on), before and after it, the flow
# loops between them to the chain cap, then reaches the origin once with the
# client's bytes (Documentation/third-party-proxies.rst says why). Then
# with haproxy's service owned by the user haproxy drops to (haproxy),
# chained in either order: client, hops, origin, each once
# (tp_matrix_owned).
# IPv4 only: haproxy asks SO_ORIGINAL_DST at SOL_IP, never
# IP6T_SO_ORIGINAL_DST, so on an IPv6 connection it would take its own
# listen address for the destination (Documentation/third-party-proxies.rst).
#
#   ns a-SFX: clients, pa, haproxy, the rules
#   ns b-SFX: the origin (HTTP)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" ip "$tporigin" curl python3 haproxy

nsa=a-$sfx
nsb=b-$sfx
tp_init "$nsa" "$nsb" || exit 1
cat >"$tmpd/haproxy.cfg" <<CONF
global
	log stdout format raw local0
	maxconn 64
	nbthread 1
	# a uid of its own, for the owned cases
	user haproxy
	group haproxy

defaults
	mode tcp
	log global
	option tcplog
	timeout connect 5s
	timeout client 30s
	timeout server 30s

listen tp
	bind 127.0.0.1:15103
	# the owned service's (tp_owned_rules)
	bind 127.0.0.1:15104
	option transparent
CONF
setup ctl_ns "$nsa" service add haproxy id 3 ipv4 127.0.0.1:15103 || exit 1
# -db: foreground, log to stdout
grp_run "$tmpd/haproxy.out" nsenter --net=/run/netns/"$nsa" haproxy -db -f "$tmpd/haproxy.cfg"
if ! wait_port "$nsa" tcp 15103 20; then
	sed 's/^/# haproxy: /' "$tmpd/haproxy.out" | tail -n 20
	exit 1
fi
tp_rules "$nsa" 3 || exit 1

haproxy_log()
{
	count_lines "$tmpd/haproxy.out" ' tp tp/'
}
tp_hook_log=haproxy_log
tp_matrix "$nsa" 3 "$B4" ""
tp_owned_rules "$nsa" 4 service add haproxy-owned id 4 ipv4 127.0.0.1:15104 owner user haproxy ||
	exit 1
tp_matrix_owned "$nsa" 4 "$B4" ""
echo "# v6: not run, haproxy reads the original destination of IPv4 connections only"
sed -n 's/^/# haproxy: /p' "$tmpd/haproxy.out" | head -n 4
exit $ret
