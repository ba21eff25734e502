#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Two threads of a proxy send the first datagram of one UDP flow at once,
# from a socket the proxy set records on (udp-race). Both sends create a
# conntrack entry for the same tuple before either is confirmed, and
# conntrack resolves the clash when the second one is. Both must carry the
# records, so that the clash resolves to the same NAT: every datagram
# reaches the server, none is redirected back to the proxy's own service
# (whose address answers as "self"), and no flow of the proxy's is
# redirected at all. Many rounds, IPv4 and IPv6; conntrack must have
# resolved clashes, or the race this test is about never happened (two
# vCPUs under TCG resolved 140 to 240 of 250 rounds' clashes; one, none).
#
#   ns a-SFX: client, service 7 (hop, then flowpeer "self"), rule dport 8080
#   ns b-SFX: the flowpeer server on 8080
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
race=$build/tests/udp-race
need "$ctl" "$hop" "$flowpeer" "$race" ip jq ss
need_cpus 2

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -u "$B4:8080" -u "[$B6]:8080" -t "$B4:8080" || exit 1
setup ctl_ns "$nsa" service add hopsvc id 7 ipv4 127.0.0.1:15007 ipv6 "[::1]:15007" &&
	setup ctl_ns "$nsa" rule add service hopsvc dport 8080 || exit 1

# records of service 7, as its proxy reads them
rec=$tmpd/rec
hop_start "$tmpd/hop.out" "$nsa" -l 127.0.0.1:15007 -s "$rec" || exit 1
nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 10 "$B4:8080" >/dev/null
hop_wait
if [ ! -s "$rec" ]; then
	echo "FAIL: hop read no records"
	exit 1
fi
server_start "$nsa" -n self -u 127.0.0.1:15007 -u "[::1]:15007" || exit 1

# clashes: how many clashes conntrack has resolved in namespace a
clashes()
{
	local n=0 v
	# per CPU, in hex; the second column is clash_resolve
	for v in $(nsenter --net=/run/netns/"$nsa" awk 'NR > 1 { print $2 }' /proc/net/stat/nf_conntrack); do
		n=$((n + 16#$v))
	done
	echo $n
}
rounds=$(per_kernel 250 100)
# chains DST: the distinct chains of the flows to DST that were not
# redirected, comma-separated
chains() { flow_chain "$nsa" "$1" final | sort -u | paste -sd,; }

# batches_sum vF KEY: KEY summed over the batches' result lines
batches_sum()
{
	awk -v k="$2" '/^rounds=/ { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1)
		n += substr($i, length(k) + 2) } END { print n + 0 }' "$tmpd/race-${1#v}.out"
}

for f in 4 6; do
	far=$B4
	[ "$f" = 6 ] && far="[$B6]"
	c="v$f"
	redirects=$(info_get "$nsa" redirects)
	before=$(clashes)
	# a busy host can keep the two vCPUs apart for a whole batch: up to
	# three batches, until one clash
	: >"$tmpd/race-$f.out"
	for batch in 1 2 3; do
		nsenter --net=/run/netns/"$nsa" "$race" -r "$rec" -n "$rounds" "$far:8080" \
			>>"$tmpd/race-$f.out" 2>&1
		resolved=$(($(clashes) - before))
		echo "# $c: batch $batch: $(tail -n 1 "$tmpd/race-$f.out"); conntrack resolved $resolved clashes"
		[ "$resolved" -eq 0 ] || break
	done
	expect "$c: the two sends clashed in conntrack at least once" 1 \
		echo $((resolved > 0))
	expect "$c: the records were set in every round" 0 batches_sum "$c" set_failed
	expect "$c: no datagram went to the proxy's own service" 0 batches_sum "$c" self
	expect "$c: every round reached the server" 0 batches_sum "$c" none
	expect "$c: no flow of the proxy's was redirected" "$redirects" info_get "$nsa" redirects
	expect "$c: every flow to the server carries service 7's explicit entry" 7 \
		chains "$far:8080"
done
exit $ret
