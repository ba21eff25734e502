#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian's nginx stream proxy (libnginx-mod-stream), knowing nothing of
# wfpredir, first with no owner, uid, mark or cgroup anywhere. nginx cannot read
# SO_ORIGINAL_DST ($server_addr is getsockname(), the proxy's own listen
# address after the redirect), so each destination has its own service and
# server block, whose proxy_pass is that destination, fixed: the one
# configuration that works (Documentation/third-party-proxies.rst). The
# upstream being the original destination, inheritance links nginx's
# onward connection, made by its worker process, to the flow it accepted:
# alone, one redirect, one request at the origin, one line in nginx's access
# log; chained with pa (a wfpredir-proxy that hands records on), before and
# after it, the flow loops between them to the chain cap, then reaches the
# origin once (tp_matrix in lib.sh says why). curl and python, v4 and v6.
# Then services ng6..ng9 are added, owned by the uid nginx's worker runs as
# (www-data): chained with pa in either order, client, hops, origin, each
# once (tp_matrix_owned says why).
# Service N+3 (listen port 15103+N) forwards to port 8080+N of the origin.
#
#   ns a-SFX: clients, pa, nginx (a master and one worker), the rules
#   ns b-SFX: the origin (HTTP)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" ip "$tporigin" curl python3 nginx
stream_so=/usr/lib/nginx/modules/ngx_stream_module.so
if [ ! -f "$stream_so" ]; then
	echo "SKIP: $stream_so missing (libnginx-mod-stream)"
	exit "$ksft_skip"
fi

nsa=a-$sfx
nsb=b-$sfx
tp_init "$nsa" "$nsb" || exit 1
ng=$tmpd/nginx
mkdir "$ng"
{
	cat <<CONF
daemon off;
master_process on;
# the worker's uid, for the owned services
user www-data;
worker_processes 1;
pid $ng/nginx.pid;
error_log $ng/error.log notice;
load_module $stream_so;
events {
	worker_connections 64;
}
stream {
	log_format tp '\$remote_addr -> \$server_addr:\$server_port -> \$upstream_addr \$bytes_received';
	access_log $ng/access.log tp;
CONF
	for n in 0 1 2 3 4 5 6 7 8 9; do
		printf '\tserver { listen 127.0.0.1:%d; proxy_pass %s:%d; }\n' $((15103 + n)) "$B4" $((8080 + n))
		printf '\tserver { listen [::1]:%d; proxy_pass [%s]:%d; }\n' $((15103 + n)) "$B6" $((8080 + n))
	done
	echo "}"
} >"$ng/nginx.conf"
for n in 0 1 2 3 4 5; do
	setup ctl_ns "$nsa" service add "ng$n" id $((3 + n)) ipv4 "127.0.0.1:$((15103 + n))" \
		ipv6 "[::1]:$((15103 + n))" || exit 1
done
grp_run "$tmpd/nginx.out" nsenter --net=/run/netns/"$nsa" nginx -p "$ng" -e "$ng/error.log" -c "$ng/nginx.conf"
if ! wait_port "$nsa" tcp 15112 20; then
	sed 's/^/# nginx: /' "$tmpd/nginx.out" "$ng/error.log" 2>/dev/null | tail -n 20
	exit 1
fi
setup ctl_ns "$nsa" rule add service ng0 priority 200 proto tcp dport 8080 &&
	setup ctl_ns "$nsa" rule add service ng1 priority 200 proto tcp dport 8081 &&
	setup ctl_ns "$nsa" rule add service pa priority 100 proto tcp dport 8082-8083 &&
	setup ctl_ns "$nsa" rule add service ng2 priority 200 proto tcp dport 8082 &&
	setup ctl_ns "$nsa" rule add service ng3 priority 200 proto tcp dport 8083 &&
	setup ctl_ns "$nsa" rule add service ng4 priority 100 proto tcp dport 8084 &&
	setup ctl_ns "$nsa" rule add service ng5 priority 100 proto tcp dport 8085 &&
	setup ctl_ns "$nsa" rule add service pa priority 200 proto tcp dport 8084-8085 || exit 1

nginx_log()
{
	count_lines "$ng/access.log"
}
tp_hook_log=nginx_log
# Chained with pa, the loop ends at the cap, as tp_matrix says; the same
# cases as tp_matrix's, each port with its own service.
half=$(($(info_get "$nsa" chain_max) / 2))
tp_case "v4: nginx alone, curl" "$nsa" curl "$B4" 8080 "3|3*" 1
tp_case "v6: nginx alone, python" "$nsa" python "[$B6]" 8081 "4|4*" 1
tp_case "v6: pa then nginx, curl" "$nsa" curl "[$B6]" 8082 cap "$half"
tp_case "v4: nginx then pa, python" "$nsa" python "$B4" 8085 cap "$half"

# Owned: one transaction (one process) for the services and their rules.
{
	echo "table owned"
	for n in 6 7 8 9; do
		echo "service add ng$n id $((3 + n)) ipv4 127.0.0.1:$((15103 + n))" \
			"ipv6 [::1]:$((15103 + n)) owner user www-data"
	done
	echo "rule add service 1 priority 100 proto tcp dport 8086-8087"
	echo "rule add service ng6 priority 200 proto tcp dport 8086"
	echo "rule add service ng7 priority 200 proto tcp dport 8087"
	echo "rule add service ng8 priority 100 proto tcp dport 8088"
	echo "rule add service ng9 priority 100 proto tcp dport 8089"
	echo "rule add service 1 priority 200 proto tcp dport 8088-8089"
} >"$tmpd/owned.conf"
setup ctl_ns "$nsa" -f "$tmpd/owned.conf" || exit 1
tp_case "v4 owned: pa then nginx, curl" "$nsa" curl "$B4" 8086 "1, 1 9|" 1
tp_case "v6 owned: pa then nginx, python" "$nsa" python "[$B6]" 8087 "1, 1 10|" 1
tp_case "v6 owned: nginx then pa, curl" "$nsa" curl "[$B6]" 8088 "11, 11* 1|11* 1" 1
tp_case "v4 owned: nginx then pa, python" "$nsa" python "$B4" 8089 "12, 12* 1|12* 1" 1
sed -n 's/^/# nginx access.log: /p' "$ng/access.log" 2>/dev/null | head -n 4
exit $ret
