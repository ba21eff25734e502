#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian's redsocks (it reads SO_ORIGINAL_DST and asks an upstream SOCKS5
# server to connect there) as service T, knowing nothing of wfpredir, with
# Debian's microsocks as the SOCKS5 server on the server side, and no owner,
# uid, mark or cgroup anywhere. redsocks connects to the SOCKS server, not to
# the original destination, so there is nothing for inheritance to link and
# nothing to link it for: the SOCKS connection is a new flow, which rules
# see as such.
#  - alone (8080, 8081; service 3, SOCKS on 1080): client -> redsocks ->
#    microsocks -> origin, one redirect; the SOCKS connection is not one
#    (no rule for port 1080);
#  - pa then redsocks (8082, 8083; service 3): two redirects, the chain
#    [pa, redsocks];
#  - redsocks then pa (8084, 8085; service 4, a second redsocks section
#    whose SOCKS server is port 1081, and pa's rule for port 1081): pa
#    takes redsocks' SOCKS connection, a flow of its own whose chain starts
#    with pa, and hands it on to microsocks.
# Then with services 5 and 6 (sections like 3's and 4's, SOCKS ports 1080
# and 1082) owned by the user redsocks drops to (redsocks), pa then
# redsocks and redsocks then pa again: the owner bound changes nothing
# here, the hops stay exact.
# IPv4 only: redsocks handles IPv4 alone (its addresses are sockaddr_in).
#
#   ns a-SFX: clients, pa, redsocks, the rules
#   ns b-SFX: the origin (HTTP), microsocks on 1080, 1081 and 1082
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" ip "$tporigin" curl python3 redsocks microsocks

nsa=a-$sfx
nsb=b-$sfx
tp_init "$nsa" "$nsb" || exit 1
for p in 1080 1081 1082; do
	grp_run "$tmpd/microsocks-$p.out" nsenter --net=/run/netns/"$nsb" microsocks -i "$B4" -p "$p"
	wait_port "$nsb" tcp "$p" 10 || exit 1
done
cat >"$tmpd/redsocks.conf" <<CONF
base {
	log_debug = off;
	log_info = on;
	log = stderr;
	daemon = off;
	redirector = iptables;
	/* a uid of its own, for the owned cases */
	user = redsocks;
	group = redsocks;
}
redsocks {
	local_ip = 127.0.0.1;
	local_port = 15103;
	ip = $B4;
	port = 1080;
	type = socks5;
}
redsocks {
	local_ip = 127.0.0.1;
	local_port = 15104;
	ip = $B4;
	port = 1081;
	type = socks5;
}
redsocks {
	local_ip = 127.0.0.1;
	local_port = 15105;
	ip = $B4;
	port = 1080;
	type = socks5;
}
redsocks {
	local_ip = 127.0.0.1;
	local_port = 15106;
	ip = $B4;
	port = 1082;
	type = socks5;
}
CONF
setup ctl_ns "$nsa" service add redsocks id 3 ipv4 127.0.0.1:15103 || exit 1
setup ctl_ns "$nsa" service add redsocks2 id 4 ipv4 127.0.0.1:15104 || exit 1
grp_run "$tmpd/redsocks.out" nsenter --net=/run/netns/"$nsa" redsocks -c "$tmpd/redsocks.conf"
if ! wait_port "$nsa" tcp 15106 20; then
	sed 's/^/# redsocks: /' "$tmpd/redsocks.out" | tail -n 20
	exit 1
fi
setup ctl_ns "$nsa" rule add service redsocks priority 200 proto tcp dport 8080-8081 &&
	setup ctl_ns "$nsa" rule add service pa priority 100 proto tcp dport 8082-8083 &&
	setup ctl_ns "$nsa" rule add service redsocks priority 200 proto tcp dport 8082-8083 &&
	setup ctl_ns "$nsa" rule add service redsocks2 priority 100 proto tcp dport 8084-8085 &&
	setup ctl_ns "$nsa" rule add service pa priority 200 proto tcp dport 1081 || exit 1

redsocks_log()
{
	count_lines "$tmpd/redsocks.out" accepted
}
tp_hook_log=redsocks_log
s1=$B4:1080
s2=$B4:1081
tp_case "v4: redsocks alone, curl" "$nsa" curl "$B4" 8080 "3|" 1 "$s1"
tp_case "v4: pa then redsocks, python" "$nsa" python "$B4" 8083 "1, 1 3|" 1 "$s1"
tp_case "v4: redsocks then pa, curl" "$nsa" curl "$B4" 8084 "1, 4|1" 1 "$s2"
setup ctl_ns "$nsa" -f - <<CONF || exit 1
table owned
service add redsocks-owned id 5 ipv4 127.0.0.1:15105 owner user redsocks
service add redsocks2-owned id 6 ipv4 127.0.0.1:15106 owner user redsocks
rule add service 1 priority 100 proto tcp dport 8086-8087
rule add service 5 priority 200 proto tcp dport 8086-8087
rule add service 6 priority 100 proto tcp dport 8088-8089
rule add service 1 priority 200 proto tcp dport 1082
CONF
tp_case "v4 owned: pa then redsocks, python" "$nsa" python "$B4" 8087 "1, 1 5|" 1 "$s1"
tp_case "v4 owned: redsocks then pa, curl" "$nsa" curl "$B4" 8088 "1, 6|1" 1 "$B4:1082"
expect "the origin saw every request from microsocks, on the server side" 5 \
	grep -c "^req $B4 " "$tmpd/origin.out"
echo "# v6: not run, redsocks handles IPv4 only"
sed -n 's/^/# redsocks: /p' "$tmpd/redsocks.out" | head -n 4
exit $ret
