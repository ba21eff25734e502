#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian's squid, an intercepting HTTP proxy (http_port ... intercept: it
# reads SO_ORIGINAL_DST and connects on to the original destination), as
# service T (id 3), knowing nothing of wfpredir. First with no owner, uid,
# mark or cgroup anywhere:
#  - alone, curl over v4 and python over v6: the kernel's inheritance links
#    squid's records-less onward connection to the flow it accepted, so
#    squid's own rule is passed over: one redirect, one request at the
#    origin, the origin's answer back, one line in squid's access log;
#  - chained with pa (a wfpredir-proxy that hands records on), before and
#    after it: the flow comes back to squid (tp_matrix in lib.sh says why),
#    squid sees its own Via header and refuses it as a forwarding loop. The
#    test asserts that, the documented limit
#    (Documentation/third-party-proxies.rst), so that a change of it shows.
# Then with squid's service owned by the uid squid runs as (proxy): chained
# with pa in either order, client, hops, origin, each once (tp_matrix_owned).
#
#   ns a-SFX: clients, pa, squid, the rules
#   ns b-SFX: the origin (HTTP)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" ip "$tporigin" curl python3 squid

nsa=a-$sfx
nsb=b-$sfx
tp_init "$nsa" "$nsb" || exit 1
sq=$tmpd/squid
mkdir "$sq"
# squid drops root for cache_effective_user (proxy) before it logs
chown proxy: "$sq"
cat >"$sq/squid.conf" <<CONF
http_port 127.0.0.1:15103 intercept
http_port [::1]:15103 intercept
# the owned service's (tp_owned_rules)
http_port 127.0.0.1:15104 intercept
http_port [::1]:15104 intercept
# squid wants a forward-proxy port beside intercepting ones
http_port 127.0.0.1:15113
http_access allow all
cache deny all
cache_mem 8 MB
access_log stdio:$sq/access.log
cache_log $sq/cache.log
pid_filename none
coredump_dir $sq
logfile_rotate 0
dns_nameservers 127.0.0.1
shutdown_lifetime 0 seconds
visible_hostname wfpredir-vm
# no ICMP helper process
pinger_enable off
CONF
setup ctl_ns "$nsa" service add squid id 3 ipv4 127.0.0.1:15103 ipv6 "[::1]:15103" || exit 1
# -N: no daemon, no kid processes: the test's to stop
grp_run "$tmpd/squid.out" nsenter --net=/run/netns/"$nsa" squid -N -f "$sq/squid.conf"
if ! wait_port "$nsa" tcp 15103 30; then
	sed 's/^/# squid: /' "$tmpd/squid.out" "$sq/cache.log" 2>/dev/null | tail -n 20
	exit 1
fi
tp_rules "$nsa" 3 || exit 1

squid_log()
{
	count_lines "$sq/access.log"
}
tp_hook_log=squid_log
tp_case "v4: squid alone, curl" "$nsa" curl "$B4" 8080 "3|3*" 1
tp_case "v6: squid alone, python" "$nsa" python "[$B6]" 8081 "3|3*" 1

# squid_loop_case DESC CLIENT FAR PORT REDIRECTS: chained with pa, the flow
# comes back to squid (tp_matrix says why) with squid's own Via header,
# and squid refuses it: the client gets squid's error page, never the
# origin's answer, after REDIRECTS redirects, and the cap is not reached.
squid_loop_case()
{
	local c=$1 client=$2 far=$3 port=$4 want=$5 token out loops
	local -a counts0 counts1

	token=${c//[^a-zA-Z0-9]/-}-$sfx
	loops=$(count_lines "$sq/cache.log" 'Forwarding loop detected')
	read -ra counts0 < <(loop_counters "$nsa")
	out=$(tp_client "$client" "$nsa" "http://$far:$port/$token")
	read -ra counts1 < <(loop_counters "$nsa")
	expect "$c: squid answers with its error page" 0 grep -c "^origin" <<<"$out"
	expect "$c: squid logged a forwarding loop" $((loops + 1)) \
		count_lines "$sq/cache.log" 'Forwarding loop detected'
	expect "$c: the origin never saw the request" 0 count_lines "$tmpd/origin.out" "/$token\$"
	expect "$c: redirected $want times" "$want" echo $((counts1[0] - counts0[0]))
	expect "$c: chain_capped +0" 0 echo $((counts1[1] - counts0[1]))
}
squid_loop_case "v6: pa then squid, curl" curl "[$B6]" 8082 4
squid_loop_case "v4: squid then pa, python" python "$B4" 8085 3
sed -n 's/^/# squid cache.log: /p' "$sq/cache.log" | grep -A1 'Forwarding loop' | head -n 4
# squid's sockets are its cache_effective_user's, proxy
tp_owned_rules "$nsa" 4 service add squid-owned id 4 ipv4 127.0.0.1:15104 ipv6 "[::1]:15104" \
	owner user proxy || exit 1
loops=$(count_lines "$sq/cache.log" 'Forwarding loop detected')
tp_matrix_owned "$nsa" 4 "$B4" "[$B6]"
expect "owned: squid saw no forwarding loop" "$loops" \
	count_lines "$sq/cache.log" 'Forwarding loop detected'
sed -n 's/^/# squid access.log: /p' "$sq/access.log" 2>/dev/null | head -n 4
exit $ret
