#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A closed connection holds no place in the flow table. With max_flows=32
# (16 flows per uid at the default share), uid 1000 makes 400 short
# connections through wfpredir-proxy, one after the other and then 4 at a
# time: 800 flows each round, 25 times the table, while conntrack keeps
# every one of those connections in TIME_WAIT for two minutes. None is
# refused (table_full, flow_share_refused, nomem stay 0): a new flow takes
# the place of flows whose connection has closed before anything is
# refused, however fast connections come. No live connection was evicted
# for them (evicted stays 0), and once the traffic stops the flows of the
# closed connections are all gone within the collection interval.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" "$flowpeer" ip setpriv conntrack insmod rmmod

max=32
n=400

module_params max_flows=$max

nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" || exit 1
proxy_start "$nsa" px -t 127.0.0.1:15001 || exit 1
setup ctl_ns "$nsa" service add px id 1 ipv4 127.0.0.1:15001 &&
	setup ctl_ns "$nsa" rule add service px proto tcp dport 8080 || exit 1

counters()
{
	local json k out=''

	json=$(ctl_ns "$nsa" -j info) || return
	for k in table_full flow_share_refused nomem evicted; do
		out+="$k=$(json_value "$json" "$k") "
	done
	echo "${out% }"
}
flows() { info_get "$nsa" flows; }

for conc in 1 4; do
	expect "$n connections, $conc at a time, all through the proxy" \
		"ok $n same=0 other=$n" \
		nsenter --net=/run/netns/"$nsa" setpriv --reuid=1000 --regid=1000 \
		--clear-groups "$flowpeer" storm -n "$n" -c "$conc" -T 10 "$B4:8080"
	expect "$conc at a time: none refused, no live flow evicted" \
		"table_full=0 flow_share_refused=0 nomem=0 evicted=0" counters
done
expect "conntrack holds more closed connections than the table has places" yes \
	is_gt "$(nsenter --net=/run/netns/"$nsa" conntrack -C 2>/dev/null)" $((2 * max))
wait_value "the flows of the closed connections go within 3 s" 0 3 flows
exit $ret
