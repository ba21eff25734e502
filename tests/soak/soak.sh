#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The soak run, inside the test VM (tests/soak/run starts it): for MINUTES
# minutes, hundreds of connections at once through chains of two and three
# proxies, TCP and UDP, IPv4 and IPv6, each checking that every byte comes
# back from the origin it asked for, while the rules table is replaced,
# rules and services come and go, namespaces with live flows are deleted,
# and the module is removed and inserted again under the load, once with a
# flow table small enough to sit full.
#
#   ns a-SFX: the load (soakgen load); a firewall (fw_up); proxies w1 and
#             w3 (wfpredir-proxy, services 1 and 3) and lg (legacy-proxy,
#             drops records; service 2, owned by the uid it runs as, so that
#             its onward connections are not redirected again)
#   ns b-SFX: the origins (soakgen serve), one tag per port
#   TCP 8080: w1 -> lg -> origin o8080      TCP 8081: w1 -> w3 -> lg -> o8081
#   UDP 9080: w1 -> w3 -> origin o9080
#
# Every ~30 s one line: connections ok / failed (as expected: refused by a
# full table, closed by a proxy whose module went away) / misrouted / lost
# bytes / hung, throughput, refusals and redirects from `wfpredirctl -j
# info`, and the kernel's unreclaimable slab. It fails on anything
# misrouted, lost or hung, on traffic that does not resume after a reload,
# on a full table that never refused, on slab growth past SOAK_SLAB_MAX_MB
# during the run, and on slab not back within SOAK_SLAB_TOL_MB of the
# baseline after teardown. (The VM harness fails the run on any kernel
# report or kmemleak finding as well.)
#
# Timeouts. A TCP connection unfinished after its deadline is hung, and
# fails the run: a stall is never an expected failure, and no hop may cut
# one short (the legacy proxy's idle limit lies past the deadline; one that
# ended a silent connection gracefully made a stalled one look like bytes
# lost). A UDP flow without an answer within 10 s is failed (ETIMEDOUT,
# counted as unanswered too), because where UDP loses a datagram on
# purpose nothing else can tell the client: the full table evicts an
# unreplied UDP flow with its conntrack entry, so its answer finds no
# translation back (kmod/flowstore.c); a wfpredir-proxy's onward datagram
# that the full table refuses is dropped (its "dropped" count); a flow
# whose records a proxy cannot read while the module is out is a sink. A
# datagram the kernel refuses in send() is ECONNREFUSED, not a timeout.
# None of those happen before the first reload ("calm until now"), yet on
# the debug kernel most UDP flows there went unanswered in 10 s, while a
# TCP connection through the same proxies took some 20 s: the load
# generator listens 60 s more, and "late" counts the answers that came
# after all. Only unanswered minus late could be datagrams lost.
# shellcheck source=../kselftest/lib.sh
source "$(dirname "$0")/../kselftest/lib.sh"
skip_unless_vm
soakgen=$build/tests/soakgen
need "$ctl" "$proxy_bin" "$legacy_proxy" "$soakgen" ip jq conntrack nft insmod rmmod setpriv

minutes=${1:-10}
ival=${2:-30}
ko=${WFPREDIR_MODULE:-}
if [ ! -f "$ko" ]; then
	echo "SKIP: WFPREDIR_MODULE does not name the module file"
	exit $ksft_skip
fi
# The debug kernel under TCG: more would starve the reloads and the
# figures of CPU (an insmod took 15 s, a line of figures 30 s at 150).
conc=${SOAK_CONC:-$(per_kernel 300 60)}
small_flows=${SOAK_SMALL_FLOWS:-32}
# How long a TCP connection may take before it counts as hung. A reload
# under load can hold a connection's bytes back for as long as the rmmod,
# the insmod and the configuration take (a minute on the debug kernel, 10 s
# on stock); TCP retransmits across it, with backoff, and must still finish
# within this.
tcp_deadline=$(per_kernel 60 120)
# Teardown leaves some slab behind that is no leak: the per-CPU and partial
# slabs SLUB keeps, kmemleak's own metadata for objects freed since its last
# scan, conntrack's and the namespaces' RCU-deferred frees. A leak of a
# record or flow per connection would be thousands of objects, far above.
slab_tol_mb=${SOAK_SLAB_TOL_MB:-16}
slab_max_mb=${SOAK_SLAB_MAX_MB:-384}
total=$((minutes * 60))

nsa=a-$sfx
nsb=b-$sfx
conf=

cleanup()
{
	rm -f "$tmpd/pause"
	redir_cleanup
	[ -d /sys/module/wfpredir ] || insmod "$ko"
}
redir_init
trap cleanup EXIT
ulimit -n 65536
conf=$tmpd/soak.conf

slab_kb()
{
	awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo
}

settle_slab()
{
	sync
	echo 3 >/proc/sys/vm/drop_caches
	# RCU-deferred frees of sockets, conntrack entries and namespaces
	sleep 3
}

# conf_write VARIANT: the soak table; both variants route ports 8080, 8081
# and 9080 alike, they differ in the rules for port 7777 that nothing uses,
# so that every replace under load changes the table for real.
conf_write()
{
	cat >"$conf" <<-EOC
	table soak
	service add w1 id 1 ipv4 127.0.0.1:15001 ipv6 [::1]:15001
	service add lg id 2 ipv4 127.0.0.1:15002 ipv6 [::1]:15002 owner uid $loop_owner_uid
	service add w3 id 3 ipv4 127.0.0.1:15003 ipv6 [::1]:15003
	rule add service w1 priority 100 proto tcp dport 8080
	rule add service lg priority 200 proto tcp dport 8080
	rule add service w1 priority 100 proto tcp dport 8081
	rule add service w3 priority 150 proto tcp dport 8081
	rule add service lg priority 200 proto tcp dport 8081
	rule add service w1 priority 100 proto udp dport 9080
	rule add service w3 priority 150 proto udp dport 9080
	EOC
	if [ "$1" = b ]; then
		echo "rule add service w3 priority 50 proto tcp dport 7777" >>"$conf"
		echo "rule add service lg priority 60 proto udp dport 7777" >>"$conf"
	fi
}

apply_conf()
{
	conf_write "${1:-a}"
	# one uid (root) runs both wfpredir-proxies: the whole table is theirs
	ctl_ns "$nsa" -f "$conf" && ctl_ns "$nsa" config set flow-share 100
}

# counters NS: "REDIRECTS REFUSALS FLOWS EVICTED" from one `-j info`; the
# refusals are table_full and flow_share_refused
counters()
{
	ctl_ns "$1" -j info 2>/dev/null | jq -r 'def v(k): first(.. | objects | select(has(k)) | .[k]) // 0;
		[v("redirects"), v("table_full") + v("flow_share_refused"), v("flows"), v("evicted")]
		| map(tostring) | join(" ")' 2>/dev/null || echo "0 0 0 0"
}

# fw_up NS: the host's firewall, as firewalld, docker or libvirt install
# one: a nat chain and a rule that uses conntrack. With them the NAT core
# and conntrack keep their hooks while the module is out, and connections
# redirected before rmmod go on being translated: nothing may hang. As the
# only NAT user, wfpredir takes those hooks with it, and a packet that
# crosses the gap leaves untranslated: the far end resets, and a client
# waiting for its answer waits forever (Documentation/admin-guide.rst,
# Unloading; kselftest unload_proxied_conn).
fw_up()
{
	nsenter --net=/run/netns/"$1" nft \
		'add table inet fw; add chain inet fw out { type nat hook output priority 100; };
		 add chain inet fw in { type filter hook input priority 0; };
		 add rule inet fw in ct state established,related accept'
}

# Rules and services churn: the table replaced by either variant, and a
# table of another vendor that is made and flushed, every second or so.
churn()
{
	local i=0

	while :; do
		if [ ! -e "$tmpd/pause" ]; then
			((i++ % 2)) && apply_conf b || apply_conf a
			ctl_ns "$nsa" service add c$i table churn ipv4 127.0.0.1:15009 &&
				ctl_ns "$nsa" rule add service c$i table churn proto tcp dport 7777 &&
				ctl_ns "$nsa" rule flush table churn &&
				ctl_ns "$nsa" service flush table churn
			echo "churn $i"
		fi
		sleep 1
	done
}

# Namespaces come and go: each gets an origin, a proxy and a rule, carries
# a few seconds of load (checked like the main one), then is deleted while
# a second load still has connections open through its proxy. Each step
# leaves its name in ns-step and each namespace's end its time in ns-done,
# so that a churn that stops going round is caught and shows where.
ns_step()
{
	echo "namespace $i: $1, since $EPOCHSECONDS" >"$tmpd/ns-step"
}

ns_churn()
{
	local i=0 n p1 p2 lp

	while :; do
		# A reload is the main load's to check: a namespace's checked
		# load never straddles one. Each side marks itself first and
		# then looks at the other (reload() touches pause, then waits
		# for ns-busy to go), so that the two cannot both go ahead.
		# ns-hold, set a little before a reload is due, lets the
		# namespace under way end in the meantime instead of during
		# the reload's wait.
		touch "$tmpd/ns-busy"
		if [ -e "$tmpd/pause" ] || [ -e "$tmpd/ns-hold" ]; then
			rm -f "$tmpd/ns-busy"
			sleep 0.5
			continue
		fi
		i=$((i + 1))
		n=c$i-$sfx
		ns_step "setup"
		ip netns add "$n" || { rm -f "$tmpd/ns-busy"; sleep 1; continue; }
		ip -n "$n" link set lo up
		fw_up "$n"
		ip netns exec "$n" "$soakgen" serve -n "n$i" -t 127.0.0.1:8080 -t "[::1]:8080" \
			>/dev/null 2>&1 &
		p1=$!
		ip netns exec "$n" "$proxy_bin" -n "p$i" -t 127.0.0.1:15001 -t "[::1]:15001" \
			>/dev/null 2>&1 &
		p2=$!
		sleep 1
		ctl_ns "$n" service add p id 1 ipv4 127.0.0.1:15001 ipv6 "[::1]:15001" >/dev/null 2>&1
		ctl_ns "$n" rule add service p proto tcp dport 8080 >/dev/null 2>&1
		ns_step "the checked load"
		ip netns exec "$n" "$soakgen" load -d 3 -c 20 -T "$tcp_deadline" -i 100 \
			"tcp,127.0.0.1:8080,n$i" "tcp,[::1]:8080,n$i" | grep '^stats' | tail -n 1
		rm -f "$tmpd/ns-busy"
		ip netns exec "$n" "$soakgen" load -d 30 -c 20 -T "$tcp_deadline" -i 100 \
			"tcp,127.0.0.1:8080,n$i" >/dev/null 2>&1 &
		lp=$!
		sleep 1
		ns_step "ip netns del with a load running"
		ip netns del "$n"
		ns_step "its load, origin and proxy killed and waited for"
		kill "$lp" "$p1" "$p2" 2>/dev/null
		wait "$lp" "$p1" "$p2" 2>/dev/null
		echo "$EPOCHSECONDS" >"$tmpd/ns-done"
		sleep 1
	done
}

# sum_stats FILE...: the last stats line of each, added up, as "K=V ..."
sum_stats()
{
	local f
	for f in "$@"; do grep '^stats' "$f" 2>/dev/null | tail -n 1; done | awk '
		{ for (i = 2; i <= NF; i++) { split($i, kv, "="); s[kv[1]] += kv[2]; k[i] = kv[1] } n = NF }
		END { if (!n) { print "ok=0 failed=0 misrouted=0 lost=0 hung=0 conns=0 bytes=0"; exit }
		      for (i = 2; i <= n; i++) printf "%s%s=%d", (i > 2 ? " " : ""), k[i], s[k[i]]; print "" }'
}

kv_get()
{
	local w
	for w in $1; do [ "${w%%=*}" = "$2" ] && echo "${w#*=}"; done
}

world()
{
	topo_up "$nsa" "$nsb" || return 1
	fw_up "$nsa" || return 1
	bg_run "$tmpd/o8080.out" ip netns exec "$nsb" "$soakgen" serve -n o8080 \
		-t "$B4:8080" -t "[$B6]:8080"
	bg_run "$tmpd/o8081.out" ip netns exec "$nsb" "$soakgen" serve -n o8081 \
		-t "$B4:8081" -t "[$B6]:8081"
	bg_run "$tmpd/o9080.out" ip netns exec "$nsb" "$soakgen" serve -n o9080 \
		-u "$B4:9080" -u "[$B6]:9080"
	wait_for "$tmpd/o8080.out" '^listening' && wait_for "$tmpd/o8081.out" '^listening' &&
		wait_for "$tmpd/o9080.out" '^listening' || return 1
	for p in 1 3; do
		proxy_start "$nsa" "w$p" --max-conns 4096 -t "127.0.0.1:1500$p" -t "[::1]:1500$p" \
			-u "127.0.0.1:1500$p" -u "[::1]:1500$p" || return 1
	done
	# It gives up a silent connection only after the load's own deadline:
	# a stall is the load's to judge (as hung), never cut short by a hop.
	legacy_start "$nsa" "$tmpd/lg.out" "${loop_as_owner[@]}" "$legacy_proxy" --threads \
		-I $((tcp_deadline + 60)) -t 127.0.0.1:15002 -t "[::1]:15002" || return 1
	setup apply_conf a
}

# ms_since T: milliseconds since T, a value of $EPOCHREALTIME (a builtin:
# no process)
ms_since()
{
	local now=${EPOCHREALTIME/./} then=${1/./}

	echo $(((now - then) / 1000))
}

reload()
{
	local t0 rc=0 out i

	touch "$tmpd/pause"
	sleep 0.5
	# a namespace's load: 3 s, and its connections' deadline
	for ((i = 0; i < 2 * (tcp_deadline + 10); i++)); do
		[ -e "$tmpd/ns-busy" ] || break
		sleep 0.5
	done
	t0=$EPOCHREALTIME
	# Each socket option call holds a reference on the module while it
	# runs (nf_sockopt), and the proxies make them all the time: rmmod
	# then fails with "in use" (EWOULDBLOCK), and an admin tries again.
	# Only a module that stays in use for 10 s fails the soak.
	for ((i = 0; i < 100; i++)); do
		rc=0
		out=$(rmmod wfpredir 2>&1) || rc=$?
		[ $rc -ne 0 ] || break
		sleep 0.1
	done
	if [ $rc -ne 0 ]; then
		echo "FAIL: rmmod under load, $i tries: $out (refcnt $(cat /sys/module/wfpredir/refcnt))"
		ret=1
		return 1
	fi
	echo "PASS: rmmod under load, in $(ms_since "$t0") ms ($i times in use first)"
	# the load goes on without the module for a few seconds: direct
	sleep 5
	t0=$EPOCHREALTIME
	if ! insmod "$ko" "$@"; then
		echo "FAIL: insmod $*"
		ret=1
		return 1
	fi
	echo "# insmod $* in $(ms_since "$t0") ms"
	t0=$EPOCHREALTIME
	setup apply_conf a &&
		echo "PASS: insmod $*, the configuration applied again in $(ms_since "$t0") ms"
	rm -f "$tmpd/pause" "$tmpd/ns-hold"
}

# elapsed: seconds since the script began, for lines that say what each
# part cost (CI runs two minutes of this and has a time budget).
elapsed()
{
	echo $((SECONDS - script_start))
}
script_start=$SECONDS
settle_slab
slab0=$(slab_kb)
echo "# baseline unreclaimable slab: $((slab0 / 1024)) MiB"
world || exit 1

specs=("tcp,$B4:8080,o8080" "tcp,[$B6]:8080,o8080" "tcp,$B4:8081,o8081"
	"tcp,[$B6]:8081,o8081" "udp,$B4:9080,o9080" "udp,[$B6]:9080,o9080")
# The loader runs until told to end (SIGUSR1) once each phase had its
# quarter of the run: a reload under load takes tens of seconds on the
# debug kernel (an insmod 15 s), which comes on top. -d only bounds it.
bg_run "$tmpd/load.out" ip netns exec "$nsa" "$soakgen" load -d $((3 * total + 600)) \
	-c "$conc" -T "$tcp_deadline" -i 5 "${specs[@]}"
loader=$!
bg_run "$tmpd/churn.out" churn
echo "$EPOCHSECONDS" >"$tmpd/ns-done"
bg_run "$tmpd/nschurn.out" ns_churn

echo "# $(elapsed) s: the world is up; the load starts"
start=$(date +%s)
phase=calm
r1=$((total / 4))
r2=
r3=
# How long before a reload no new namespace starts: a namespace's checked
# load took up to 40 s on the debug kernel.
hold=$((total / 8 < 30 ? total / 8 : 30))
slab_peak=0
prev_ok=0
prev_bytes=0
prev_t=$start
full_refused=0
resume_at=0
resume_ok=
while kill -0 "$loader" 2>/dev/null; do
	sleep 1
	now=$(date +%s)
	el=$((now - start))
	if { [ "$phase" = calm ] && [ $el -ge $((r1 - hold)) ]; } ||
		{ [ "$phase" = full ] && [ $el -ge $((r2 - hold)) ]; }; then
		touch "$tmpd/ns-hold"
	fi
	if [ "$phase" = calm ] && [ $el -ge $r1 ]; then
		read -r redirs _ < <(counters "$nsa")
		calm=$(sum_stats "$tmpd/load.out")
		echo "# $el s: calm until now: $calm"
		echo "# $el s: $redirs redirects; rmmod under load; insmod with max_flows=$small_flows"
		reload max_flows="$small_flows" && phase=full
		el=$(($(date +%s) - start))
		echo "# $el s: reloaded"
		r2=$((el + total / 4))
	elif [ "$phase" = full ] && [ $el -ge $r2 ]; then
		read -r redirs tf _ ev < <(counters "$nsa")
		full_refused=$((tf + ev))
		echo "# $el s: the full table: $redirs redirects, $tf refused, $ev evicted;" \
			"rmmod under load; insmod with defaults"
		reload && phase=after
		el=$(($(date +%s) - start))
		echo "# $el s: reloaded"
		r3=$((el + total / 4))
		((r3 >= total)) || r3=$total
		resume_at=$(sum_stats "$tmpd/load.out")
		resume_at=$(kv_get "$resume_at" ok)
	fi
	if [ "$phase" = after ] && [ $el -ge "$r3" ]; then
		echo "# $el s: the load ends"
		kill -USR1 "$loader"
		phase=end
	fi
	if [ $((now - prev_t)) -ge "$ival" ] || ! kill -0 "$loader" 2>/dev/null; then
		s=$(sum_stats "$tmpd/load.out")
		nsl=$(grep '^stats' "$tmpd/nschurn.out" | sed 's/^stats //' |
			awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); t[kv[1]] += kv[2] } }
			END { printf "ok=%d failed=%d misrouted=%d lost=%d hung=%d", t["ok"], t["failed"], t["misrouted"], t["lost"], t["hung"] }')
		ok=$(kv_get "$s" ok)
		bytes=$(kv_get "$s" bytes)
		dt=$((now - prev_t))
		((dt > 0)) || dt=1
		read -r redirs tfull flows ev < <(counters "$nsa")
		sl=$(slab_kb)
		((sl > slab_peak)) && slab_peak=$sl
		echo "# t=${el}s [$phase] $s conn/s=$(((ok - prev_ok) / dt))" \
			"KiB/s=$(((bytes - prev_bytes) / 1024 / dt)) | redirects=$redirs refused=$tfull" \
			"evicted=$ev flows=$flows | ns-churn: $(grep -c '^stats' "$tmpd/nschurn.out") namespaces $nsl" \
			"| rules churn: $(grep -c '^churn' "$tmpd/churn.out") replaces | slab=$((sl / 1024)) MiB"
		if [ "$phase" != full ] && [ "$phase" != calm ] && [ -z "$resume_ok" ] &&
			[ "$ok" -gt "$resume_at" ]; then
			resume_ok=$((el))
		fi
		prev_ok=$ok
		prev_bytes=$bytes
		prev_t=$now
	fi
done
wait "$loader"
load_rc=$?
# A namespace goes round in well under two connection deadlines; one that
# has not for longer is stuck: say where, and what is blocked in the kernel.
ns_stalled=$((EPOCHSECONDS - $(<"$tmpd/ns-done")))
ns_stall_max=$((4 * tcp_deadline))
if ((ns_stalled > ns_stall_max)); then
	echo "# namespace churn: nothing ended for $ns_stalled s; $(<"$tmpd/ns-step")"
	# the churn's own processes (its origins are "-n nI", proxies "-n pI")
	# and anything in uninterruptible sleep, with its kernel stack
	ps -eo pid=,stat=,etimes=,wchan:32=,args= |
		awk '$2 ~ /^D/ || / -n [np][0-9]+ / || / load -d (3|30) /' |
		while read -r pid st rest; do
			echo "#   $pid $st $rest"
			[[ $st == D* ]] && sed 's/^/#     /' "/proc/$pid/stack" 2>/dev/null
		done
fi
echo "# $(elapsed) s: the load's connections all ended"

echo "# load done; its failures by kind:"
grep '^error' "$tmpd/load.out" | sed 's/^/#   /'
grep -E '^(misrouted|lost|hung):' "$tmpd/load.out" | head -n 20 | sed 's/^/#   /'
# A lost or hung connection, hop by hop: w1's lines for it (found by the
# client's port in w1's "accept PEER -> LOCAL"), and the legacy proxy's
# connections that ended idle.
sed -nE 's/^(lost|hung):.*local ([^,]+),.*/\2/p' "$tmpd/load.out" | head -n 8 |
	while read -r peer; do
		id=$(grep -F "accept $peer -> " "$tmpd/w1.log" | tail -n 1 | sed -E 's/.* (tcp#[0-9]+) accept.*/\1/')
		echo "# client $peer: w1 ${id:-(no accept line)}"
		[ -n "$id" ] && grep -F "$id " "$tmpd/w1.log" | sed 's/^/#     /'
	done
grep '^idle' "$tmpd/lg.out" | head -n 20 | sed 's/^/#   lg: /'
echo "# lg: $(grep -c '^quiet' "$tmpd/lg.out") connections silent for over 10 s that went on;" \
	"$(grep -c '^idle' "$tmpd/lg.out") given up"
grep '^quiet' "$tmpd/lg.out" | head -n 5 | sed 's/^/#   lg: /'
# What the wfpredir-proxies refused or gave up on, by kind (numbers and
# addresses folded): the other side of the load's failures.
for f in w1 w3; do
	echo "# $f: warnings and errors by kind:"
	grep -E ' (warn|warning|error): ' "$tmpd/$f.log" | sed -E 's/^[^ ]+ [^ ]+ [^ ]+ //;
		s/(tcp|udp)#[0-9]+/\1#N/g; s/\[?[0-9a-f.:]*[0-9][0-9a-f.:]*(\]?:[0-9]+)?/N/g' |
		sort | uniq -c | sort -rn | head -n 8 | sed 's/^/#   /'
done
s=$(sum_stats "$tmpd/load.out")
if [ "$(kv_get "$s" hung)" != 0 ] || [ "$load_rc" != 0 ]; then
	echo "# sockets in $nsa by state and process:"
	ip netns exec "$nsa" ss -Htanp | awk '{ st[$1 " " $NF]++ } END { for (k in st) print "#   " st[k], k }' |
		sed -E 's/users:\(\("([^"]+)",pid=([0-9]+).*/\1 \2/' | sort | head -n 30
	for f in w1.log w3.log lg.out; do
		echo "# $f, last lines:"
		tail -n 15 "$tmpd/$f" | sed 's/^/#   /'
	done
fi
nsl=$(grep '^stats' "$tmpd/nschurn.out" | sed 's/^stats //' |
	awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); t[kv[1]] += kv[2] } }
	END { printf "%d %d %d %d", t["ok"], t["misrouted"], t["lost"], t["hung"] }')
read -r ns_ok ns_mis ns_lost ns_hung <<<"$nsl"
echo "# totals: $s; namespaces made and deleted: $(grep -c '^stats' "$tmpd/nschurn.out")" \
	"(their loads: ok=$ns_ok misrouted=$ns_mis lost=$ns_lost hung=$ns_hung)"
expect "nothing misrouted" 0 echo $(($(kv_get "$s" misrouted) + ns_mis))
expect "no bytes lost on connections the origin answered" 0 \
	echo $(($(kv_get "$s" lost) + ns_lost))
expect "no connection hung" 0 echo $(($(kv_get "$s" hung) + ns_hung))
expect "the load generator saw no violation" 0 echo "$load_rc"
expect "connections completed" yes is_gt "$(kv_get "$s" ok)" 0
expect "the namespaces' loads completed connections" yes is_gt "$ns_ok" 0
expect "namespaces kept coming and going: none stuck for over $ns_stall_max s" \
	yes is_gt $((ns_stall_max + 1)) "$ns_stalled"
expect "the full table refused or evicted flows" yes is_gt "$full_refused" 0
expect "traffic resumed after the last reinsert" yes is_gt "${resume_ok:-0}" 0
expect "the rules table was replaced under load" yes \
	is_gt "$(grep -c '^churn' "$tmpd/churn.out")" 2
expect "slab stayed bounded: peak $((slab_peak / 1024)) MiB, baseline $((slab0 / 1024)) MiB" \
	yes is_gt $((slab_max_mb * 1024)) $((slab_peak - slab0))

# teardown: everything, then conntrack, then the slab again
echo "# $(elapsed) s: teardown"
kill "$(cat "$tmpd/w1.pid")" "$(cat "$tmpd/w3.pid")" 2>/dev/null
cleanup
for n in $(ip netns list | awk '{ print $1 }'); do
	case "$n" in
	*"$sfx")
		ip netns pids "$n" | xargs -r kill 2>/dev/null
		ip netns del "$n"
		;;
	esac
done
conntrack -F >/dev/null 2>&1
echo "# $(elapsed) s: namespaces deleted"
sleep 5
settle_slab
slab1=$(slab_kb)
echo "# unreclaimable slab: baseline $((slab0 / 1024)) MiB, peak $((slab_peak / 1024)) MiB," \
	"after teardown $((slab1 / 1024)) MiB (tolerance $slab_tol_mb MiB)"
expect "slab is back near the baseline after teardown" yes \
	is_gt $((slab_tol_mb * 1024)) $((slab1 - slab0))
expect_rc "rmmod after the soak" 0 rmmod wfpredir
expect_rc "insmod again" 0 insmod "$ko"
echo "# $(elapsed) s: done"
exit $ret
