#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of wfpredir-proxy that need no kernel module: without
# wfpredir.ko every query answers "module not loaded", which the proxy
# treats as "not redirected", so --to makes it a plain port forwarder and
# the relay, the options, the limits and the signals can all be exercised
# with socat on loopback. TAP 13 on stdout; exit 0 when every test passed,
# 1 when one failed, 4 (skip) when socat is missing.
#
#   tools/wfpredir-proxy/selftest.sh [PROXY]
#
# PROXY (or $WFPREDIR_PROXY) defaults to build/tools/wfpredir-proxy.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
proxy=${1:-${WFPREDIR_PROXY:-$top/build/tools/wfpredir-proxy}}

echo "TAP version 13"
if ! command -v socat >/dev/null; then
	echo "1..0 # SKIP socat is not installed"
	exit 4
fi
if [ ! -x "$proxy" ]; then
	echo "Bail out! $proxy is not built (make tools)"
	exit 1
fi

tmp=$(mktemp -d)
bg_pids=()
cleanup()
{
	local pid
	for pid in "${bg_pids[@]}"; do
		kill -- -"$pid" 2>/dev/null || kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

n=0
failed=0
ok()
{
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok()
{
	local line
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for line in "$@"; do
		echo "# $line"
	done
}
skip()
{
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}
# check DESC CMD...: one test, passing when CMD succeeds.
check()
{
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc" "failed: $*"
	fi
}

# Ports: a random block below the ephemeral range (32768 and up), so that
# neither parallel runs nor the clients' own ports are likely to collide.
base=$((10000 + (RANDOM % 220) * 100))
port()
{
	echo $((base + $1))
}

have_ipv6=false
if grep -qw lo /proc/net/if_inet6 2>/dev/null; then
	have_ipv6=true
fi

# bg CMD...: a server in the background, in a process group of its own so
# that its forked children go with it at exit; its output goes to a file,
# never to the TAP stream.
bg()
{
	setsid "$@" </dev/null >>"$tmp/servers.log" 2>&1 &
	bg_pids+=($!)
}

# start NAME ARGS...: a proxy logging to $tmp/NAME.log; ready once its
# pidfile exists (written after every listener is bound).
declare -A proxy_pid
start()
{
	local name=$1 i
	shift
	"$proxy" -n "$name" --pidfile "$tmp/$name.pid" -l "$tmp/$name.log" "$@" \
		</dev/null >/dev/null 2>>"$tmp/$name.stderr" &
	proxy_pid[$name]=$!
	bg_pids+=($!)
	for ((i = 0; i < 100; i++)); do
		[ -s "$tmp/$name.pid" ] && return 0
		kill -0 "${proxy_pid[$name]}" 2>/dev/null || break
		sleep 0.05
	done
	echo "# proxy $name did not start:"
	sed 's/^/#   /' "$tmp/$name.log" 2>/dev/null
	return 1
}

bail()
{
	echo "Bail out! a proxy did not start"
	exit 1
}

# stop NAME: SIGTERM; succeeds when the proxy exits 0.
stop()
{
	local pid=${proxy_pid[$1]}
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
}

logged()
{
	grep -q -- "$2" "$tmp/$1.log"
}

# wait_conns NAME N: until proxy NAME relays N TCP connections: the relay
# of each holds two pipes (four descriptors), made once upstream answered.
wait_conns()
{
	local i
	for ((i = 0; i < 100; i++)); do
		if [ "$(find /proc/"${proxy_pid[$1]}"/fd -lname 'pipe:*' 2>/dev/null | wc -l)" -ge \
			$(($2 * 4)) ]; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# wait_listen PROTO PORT: until a socat server is up.
wait_listen()
{
	local i
	for ((i = 0; i < 100; i++)); do
		if ss -Hln"${1:0:1}" "sport = :$2" 2>/dev/null | grep -q .; then
			return 0
		fi
		sleep 0.05
	done
	return 0 # ss missing or slow: go on, the test will tell
}

# ------------------------------------------------------------- upstreams
echo4=$(port 1)
echo6=$(port 2)
wcport=$(port 3)
dlport=$(port 4)
closed=$(port 5) # nothing listens here

# The echo servers answer through socat's own pipe, not a forked cat, and
# every server waits up to 30 s (-t) for its answer after the client's EOF:
# socat's default of 0.5 s let a loaded machine drop echoes that a cat
# had not been scheduled to write back yet.
bg socat -t 30 TCP4-LISTEN:"$echo4",bind=127.0.0.1,reuseaddr,backlog=512,fork PIPE
bg socat -T 5 UDP4-LISTEN:"$echo4",bind=127.0.0.1,reuseaddr,fork PIPE
bg socat -t 30 TCP4-LISTEN:"$wcport",bind=127.0.0.1,reuseaddr,backlog=512,fork SYSTEM:'wc -c'
dd if=/dev/urandom of="$tmp/big" bs=1M count=50 status=none
bg socat -t 30 TCP4-LISTEN:"$dlport",bind=127.0.0.1,reuseaddr,backlog=512,fork SYSTEM:"cat $tmp/big"
if $have_ipv6; then
	bg socat -t 30 TCP6-LISTEN:"$echo6",bind='[::1]',reuseaddr,backlog=512,fork PIPE
	bg socat -T 5 UDP6-LISTEN:"$echo6",bind='[::1]',reuseaddr,fork PIPE
fi
wait_listen tcp "$echo4"
wait_listen tcp "$wcport"
wait_listen tcp "$dlport"

# ---------------------------------------------------------------- usage
"$proxy" >/dev/null 2>"$tmp/err"
check "no listener: exit 2" [ $? -eq 2 ]
"$proxy" -t 127.0.0.1:1 --no-such-option >/dev/null 2>"$tmp/err"
rc=$?
check "unknown option: exit 2, named" eval '[ $rc -eq 2 ] && grep -q -- --no-such-option "$tmp/err"'
"$proxy" -t 127.0.0.1 >/dev/null 2>"$tmp/err"
rc=$?
check "bad --tcp address: exit 2, named" eval '[ $rc -eq 2 ] && grep -q -- --tcp "$tmp/err"'
"$proxy" -t 127.0.0.1:1 --max-conns 0 >/dev/null 2>"$tmp/err"
rc=$?
check "bad --max-conns: exit 2, named" eval '[ $rc -eq 2 ] && grep -q -- --max-conns "$tmp/err"'
check "--version" eval '"$proxy" --version | grep -q "^wfpredir-proxy "'
check "-V" eval '[ "$("$proxy" -V)" = "$("$proxy" --version)" ]'
check "--help" eval '"$proxy" --help | grep -q -- --require-records'
check "--help names --wsaioctl" eval '"$proxy" --help | grep -q -- --wsaioctl'
"$proxy" -t 127.0.0.1:"$echo4" >/dev/null 2>"$tmp/err"
rc=$?
check "address in use: exit 1, names bind" eval '[ $rc -eq 1 ] && grep -q "bind: " "$tmp/err"'

# ------------------------------------------------------------ TCP and UDP
p4=$(port 10)
p6=$(port 11)
start p4 -v -t 127.0.0.1:"$p4" -u 127.0.0.1:"$p4" --to 127.0.0.1:"$echo4" || bail
out=$(printf 'hello-v4\n' | socat -t 5 -T 10 - TCP4:127.0.0.1:"$p4")
check "TCP IPv4 echo" [ "$out" = hello-v4 ]
sleep 0.2
check "-v logs accept, records, connect, bytes at close" eval \
	'logged p4 " accept 127.0.0.1:" && logged p4 "records: none (wfpredir module not loaded)" &&
	 logged p4 "connecting to 127.0.0.1:$echo4 (from --to)" &&
	 logged p4 "client->upstream 9 bytes, upstream->client 9 bytes"'

# --wsaioctl: the records side through WSAIoctl alone; the same answers.
pws=$(port 29)
start ws -v --wsaioctl -t 127.0.0.1:"$pws" --to 127.0.0.1:"$echo4" || bail
out=$(printf 'hello-ws\n' | socat -t 5 -T 10 - TCP4:127.0.0.1:"$pws")
sleep 0.2
check "--wsaioctl: TCP IPv4 echo, logged as without it" eval \
	'[ "$out" = hello-ws ] && logged ws ", records through WSAIoctl" &&
	 logged ws "records: none (wfpredir module not loaded)" &&
	 logged ws "connecting to 127.0.0.1:$echo4 (from --to)"'

out=$( (printf 'u1\n'; sleep 0.3; printf 'u2\n'; sleep 0.5) | socat -t 1 - UDP4:127.0.0.1:"$p4")
check "UDP IPv4 echo, two datagrams of one flow" [ "$out" = $'u1\nu2' ]

if $have_ipv6; then
	start p6 -v -t "[::1]:$p6" -u "[::1]:$p6" --to "[::1]:$echo6" || bail
	out=$(printf 'hello-v6\n' | socat -t 5 -T 10 - TCP6:"[::1]:$p6")
	check "TCP IPv6 echo" [ "$out" = hello-v6 ]
	out=$( (printf 'v6a\n'; sleep 0.3; printf 'v6b\n'; sleep 0.5) |
		socat -t 1 - UDP6:"[::1]:$p6")
	check "UDP IPv6 echo, two datagrams of one flow" [ "$out" = $'v6a\nv6b' ]
	check "UDP IPv6: one flow" eval '[ "$(grep -c " flow \[::1\]:" "$tmp/p6.log")" = 1 ]'
else
	skip "TCP IPv6 echo" "no IPv6 loopback"
	skip "UDP IPv6 echo, two datagrams of one flow" "no IPv6 loopback"
	skip "UDP IPv6: one flow" "no IPv6 loopback"
fi

# Half-close: the client's EOF reaches the server (wc -c answers only
# then), and the answer comes back over the half-open connection.
pwc=$(port 12)
start wc -t 127.0.0.1:"$pwc" --to 127.0.0.1:"$wcport" || bail
out=$(printf 'abcde' | socat -t 5 -T 10 - TCP4:127.0.0.1:"$pwc")
check "half-close: EOF passed on, answer after it delivered" [ "$(echo $out)" = 5 ]

# 50 MiB both ways at once through the echo server, and 50 MiB down.
socat -t 30 -T 60 - TCP4:127.0.0.1:"$p4" <"$tmp/big" >"$tmp/echoed"
check "50 MiB echoed intact (both directions at once)" cmp -s "$tmp/big" "$tmp/echoed"
pdl=$(port 13)
start dl -t 127.0.0.1:"$pdl" --to 127.0.0.1:"$dlport" || bail
socat -T 60 -u TCP4:127.0.0.1:"$pdl" STDOUT >"$tmp/down"
check "50 MiB downloaded intact, sha256 $(sha256sum <"$tmp/big" | cut -c1-12)" \
	cmp -s "$tmp/big" "$tmp/down"

# 200 connections open at once: each client connects, waits for the go
# file, then sends. The proxy holds six descriptors for each (two sockets,
# two pipes); afterwards every one of them is closed again.
# stream_fds PID: its descriptors but its UDP sockets. The UDP flows of
# the tests before close when they have been idle for a minute, which on a
# loaded machine falls inside this test and took two descriptors out of
# its count (12 before, 10 after).
stream_fds()
{
	local -A udp=()
	local f n=0 link ino

	for f in /proc/net/udp /proc/net/udp6; do
		[ -r "$f" ] || continue
		while read -r _ _ _ _ _ _ _ _ _ ino _; do
			udp[$ino]=1
		done < <(tail -n +2 "$f")
	done
	while read -r link; do
		ino=${link#socket:[}
		ino=${ino%]}
		[ "$ino" != "$link" ] && [ -n "${udp[$ino]:-}" ] && continue
		n=$((n + 1))
	done < <(find /proc/"$1"/fd -mindepth 1 -printf '%l\n' 2>/dev/null)
	echo "$n"
}

# settled_fds PID: stream_fds once it holds still for a second (up to
# 10 s): the connections of the tests before may still be closing.
settled_fds()
{
	local n last=-1 same=0 i

	for ((i = 0; i < 50 && same < 5; i++)); do
		n=$(stream_fds "$1")
		if [ "$n" = "$last" ]; then same=$((same + 1)); else same=0; fi
		last=$n
		sleep 0.2
	done
	echo "$last"
}
fds_before=$(settled_fds "${proxy_pid[p4]}")
mkdir "$tmp/conc"
clients=()
# The clients poll slowly and wait long: 200 of them polling fast load a
# two-core machine enough to starve what they wait for.
for i in $(seq 200); do
	(
		out=$(
			(
				while [ ! -e "$tmp/go" ]; do sleep 0.5; done
				printf 'conn-%d\n' "$i"
			) | socat -t 60 -T 120 - TCP4:127.0.0.1:"$p4"
		)
		if [ "$out" = "conn-$i" ]; then
			touch "$tmp/conc/$i"
		else
			echo "connection $i got '$out'" >"$tmp/conc.fail.$i"
		fi
	) &
	clients+=($!)
done
peak=0
deadline=$((SECONDS + 60))
while ((peak < fds_before + 200 * 6 && SECONDS < deadline)); do
	sleep 0.2
	peak=$(stream_fds "${proxy_pid[p4]}")
done
touch "$tmp/go"
wait "${clients[@]}"
done_ok=$(ls "$tmp/conc" | wc -l)
if [ "$done_ok" = 200 ]; then
	ok "200 concurrent connections echoed"
else
	not_ok "200 concurrent connections echoed ($done_ok ok)" \
		"$(cat "$tmp"/conc.fail.* | head -n 3)" \
		"proxy closes with nothing from upstream: $(grep -c 'upstream->client 0 bytes' "$tmp/p4.log")" \
		"$(grep -v ' info: ' "$tmp/p4.log" | tail -n 5)" \
		"$(tail -n 5 "$tmp/servers.log")"
fi
check "200 concurrent connections were relayed at once (peak $peak fds)" \
	[ "$peak" -ge $((fds_before + 200 * 6)) ]
fds_after=$(settled_fds "${proxy_pid[p4]}")
check "no descriptor leaked ($fds_before before, $fds_after after)" [ "$fds_after" = "$fds_before" ]

# ---------------------------------------------------------------- limits
pmc=$(port 14)
start mc --max-conns 1 -t 127.0.0.1:"$pmc" --to 127.0.0.1:"$echo4" || bail
(sleep 2; printf 'first\n') | socat -t 3 -T 5 - TCP4:127.0.0.1:"$pmc" >"$tmp/first" &
holder=$!
sleep 0.5
out=$(printf 'second\n' | socat -t 2 -T 3 - TCP4:127.0.0.1:"$pmc" 2>/dev/null)
check "--max-conns 1: the second connection is closed" [ -z "$out" ]
check "--max-conns 1: refusal logged" logged mc "refusing tcp connection from 127.0.0.1:.*--max-conns 1 reached"
wait "$holder"
check "--max-conns 1: the first connection is served" [ "$(cat "$tmp/first")" = first ]

prr=$(port 15)
start rr -v --require-records -t 127.0.0.1:"$prr" -u 127.0.0.1:"$prr" --to 127.0.0.1:"$echo4" || bail
out=$(printf 'x\n' | socat -t 2 -T 3 - TCP4:127.0.0.1:"$prr" 2>/dev/null)
check "--require-records: TCP without records closed" eval \
	'[ -z "$out" ] && logged rr "no redirect records (--require-records)"'
out=$( (printf 'x\n'; sleep 0.5) | socat -t 1 - UDP4:127.0.0.1:"$prr" 2>/dev/null)
check "--require-records: UDP without records dropped" eval \
	'[ -z "$out" ] && [ "$(grep -c "no redirect records" "$tmp/rr.log")" = 2 ]'

pnd=$(port 16)
start nd -t 127.0.0.1:"$pnd" || bail
out=$(printf 'x\n' | socat -t 2 -T 3 - TCP4:127.0.0.1:"$pnd" 2>/dev/null)
check "not redirected, no --to: closed and logged" eval \
	'[ -z "$out" ] && logged nd "not redirected, no original destination"'

pcr=$(port 17)
start cr -t 127.0.0.1:"$pcr" --to 127.0.0.1:"$closed" || bail
out=$(printf 'x\n' | socat -t 2 -T 3 - TCP4:127.0.0.1:"$pcr" 2>/dev/null)
check "upstream refuses: client closed, connect error logged" eval \
	'[ -z "$out" ] && logged cr "connect 127.0.0.1:$closed: Connection refused"'

pct=$(port 18)
start ct --connect-timeout 1 -t 127.0.0.1:"$pct" --to 192.0.2.1:9 || bail
t0=$SECONDS
out=$(printf 'x\n' | socat -t 5 -T 6 - TCP4:127.0.0.1:"$pct" 2>/dev/null)
took=$((SECONDS - t0))
gave_up()
{
	[ -z "$out" ] && [ "$took" -le 3 ] && logged ct "connect 192.0.2.1:9: "
}
check "--connect-timeout 1: gives up within 3 s (TEST-NET upstream)" gave_up

pui=$(port 19)
start ui -v --udp-idle 1 -u 127.0.0.1:"$pui" --to 127.0.0.1:"$echo4" || bail
fds_before=$(ls /proc/"${proxy_pid[ui]}"/fd | wc -l)
out=$( (printf 'idle\n'; sleep 0.5) | socat -t 1 - UDP4:127.0.0.1:"$pui")
sleep 2
check "--udp-idle 1: flow expires" eval \
	'[ "$out" = idle ] && logged ui "close (idle): client->upstream 5 bytes in 1 datagrams"'
check "--udp-idle 1: descriptors released" eval \
	'[ "$(ls /proc/${proxy_pid[ui]}/fd | wc -l)" = "$fds_before" ]'

# ----------------------------------------------------------- config file
# conf_error DESC LINE PATTERN FILE-LINES...: a file with an error is a
# usage error (exit 2) whose message names FILE:LINE and what is wrong.
conf_error()
{
	local desc=$1 line=$2 pat=$3 rc
	shift 3
	printf '%s\n' "$@" >"$tmp/bad.conf"
	"$proxy" -c "$tmp/bad.conf" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q -- "bad.conf:$line: $pat" "$tmp/err"; then
		ok "-c: $desc: exit 2, names bad.conf:$line"
	else
		not_ok "-c: $desc: exit 2, names bad.conf:$line" "exit $rc: $(head -n 1 "$tmp/err")"
	fi
}
conf_error "bad number" 3 "max-conns: '0' is not a number" "# a comment" \
	"tcp 127.0.0.1:1" "max-conns 0"
conf_error "unknown option" 2 "unknown option 'listen'" "tcp 127.0.0.1:1" "listen 1"
conf_error "flag with a value" 1 "require-records takes no value" "require-records yes"
conf_error "missing value" 2 "udp-idle needs a value" "tcp 127.0.0.1:1" "udp-idle   # none"
conf_error "bad address" 1 "tcp: bad address '127.0.0.1'" "tcp 127.0.0.1"
conf_error "listener given twice" 2 "tcp: '127.0.0.1:1' is given twice" "tcp 127.0.0.1:1" \
	"tcp 127.0.0.1:1"
conf_error "dashes are the command line's" 1 "unknown option '--tcp'" "--tcp 127.0.0.1:1"
"$proxy" -c "$tmp/no-such.conf" >/dev/null 2>"$tmp/err"
rc=$?
check "-c: missing file: exit 2, named" eval \
	'[ $rc -eq 2 ] && grep -q "no-such.conf: No such file" "$tmp/err"'
printf '# nothing\n' >"$tmp/empty.conf"
"$proxy" -c "$tmp/empty.conf" >/dev/null 2>"$tmp/err"
rc=$?
check "-c: nothing to listen on: exit 2" eval \
	'[ $rc -eq 2 ] && grep -q "nothing to listen on" "$tmp/err"'

# The file gives the options, the command line wins over it, and comments
# go anywhere after a blank.
pcf=$(port 22)
pcf2=$(port 23)
printf '%s\n' "# wfpredir-proxy test configuration" \
	"tcp 127.0.0.1:$pcf    # the first listener" "to 127.0.0.1:$echo4" "	max-conns 7" \
	"verbose" "connect-timeout 3" >"$tmp/cf.conf"
start cf -c "$tmp/cf.conf" --max-conns 9 || bail
out=$(printf 'from-file\n' | socat -t 5 -T 10 - TCP4:127.0.0.1:"$pcf")
check "-c: the file's listener and --to serve" [ "$out" = from-file ]
check "-c: the command line wins (max-conns 9), the file sets the rest" eval \
	'logged cf "max-conns 9, connect-timeout 3 s" && logged cf " accept 127.0.0.1:"'

# The example the packages ship parses and starts (its listeners replaced,
# the command line's winning).
pex=$(port 26)
if start ex -c "$top/etc/proxy/example.conf" -t 127.0.0.1:"$pex"; then
	check "etc/proxy/example.conf starts a proxy" eval \
		'logged ex "listening on tcp 127.0.0.1:$pex" && ! logged ex "15001" && stop ex'
else
	not_ok "etc/proxy/example.conf starts a proxy" "$(cat "$tmp/ex.stderr")"
fi

# SIGHUP reads the file again: a listener is added, --to changes for new
# connections, the command line still wins.
printf '%s\n' "tcp 127.0.0.1:$pcf" "tcp 127.0.0.1:$pcf2" "to 127.0.0.1:$wcport" \
	"max-conns 5" "connect-timeout 4" "wsaioctl" >"$tmp/cf.conf"
kill -HUP "${proxy_pid[cf]}"
wait_listen tcp "$pcf2"
sleep 0.3
out=$(printf 'abc' | socat -t 5 -T 10 - TCP4:127.0.0.1:"$pcf2")
check "SIGHUP: a new listener opens, the new 'to' applies" [ "$(echo $out)" = 3 ]
check "SIGHUP: changes logged, the command line's max-conns kept" eval \
	'logged cf "reload: connect-timeout 3 -> 4" && logged cf "reload: wsaioctl 0 -> 1" &&
	 logged cf "reload: to 127.0.0.1:$echo4 -> 127.0.0.1:$wcport" &&
	 logged cf "reloaded $tmp/cf.conf" && ! logged cf "reload: max-conns"'

# A file with an error, or a listener that cannot be bound, is refused and
# the running configuration stays whole.
printf '%s\n' "tcp 127.0.0.1:$pcf" "udp-idle forever" >"$tmp/cf.conf"
kill -HUP "${proxy_pid[cf]}"
sleep 0.5
out=$(printf 'abcd' | socat -t 5 -T 10 - TCP4:127.0.0.1:"$pcf2")
check "SIGHUP, error in the file: logged with file:line, old configuration kept" eval \
	'logged cf "error: reload: $tmp/cf.conf:2: udp-idle: .forever. is not a number" &&
	 [ "$(echo $out)" = 4 ] && kill -0 ${proxy_pid[cf]}'
printf '%s\n' "tcp 127.0.0.1:$pcf2" "tcp 127.0.0.1:$echo4" "to 127.0.0.1:$echo4" \
	>"$tmp/cf.conf"
kill -HUP "${proxy_pid[cf]}"
sleep 0.5
out=$(printf 'abcde' | socat -t 5 -T 10 - TCP4:127.0.0.1:"$pcf")
check "SIGHUP, a listener cannot be bound: refused, every old listener kept" eval \
	'logged cf "error: reload: .*a listener could not be opened" && [ "$(echo $out)" = 5 ]'
printf '%s\n' "tcp 127.0.0.1:$pcf2" "to 127.0.0.1:$echo4" >"$tmp/cf.conf"
kill -HUP "${proxy_pid[cf]}"
sleep 0.5
out=$(printf 'x\n' | socat -t 2 -T 3 - TCP4:127.0.0.1:"$pcf" 2>&1)
# shellcheck disable=SC2034 # the eval below reads it
kept=$(printf 'kept\n' | socat -t 5 -T 10 - TCP4:127.0.0.1:"$pcf2")
check "SIGHUP: a listener no longer in the file closes, the others stay" eval \
	'[[ "$out" == *"Connection refused"* ]] && [ "$kept" = kept ] &&
	 logged cf "stopped listening on tcp 127.0.0.1:$pcf"'

# ------------------------------------------------------- service manager
# journald reads stderr when $JOURNAL_STREAM is stderr's DEVICE:INODE: then
# each line starts with its priority and has no time stamp of its own.
jport=$(port 24)
: >"$tmp/j.err"
jstream=$(stat -c %d:%i "$tmp/j.err")
JOURNAL_STREAM=$jstream "$proxy" -n jr -t 127.0.0.1:"$jport" --to 127.0.0.1:"$closed" \
	2>>"$tmp/j.err" &
jpid=$!
bg_pids+=("$jpid")
wait_listen tcp "$jport"
printf 'x\n' | socat -t 2 -T 3 - TCP4:127.0.0.1:"$jport" >/dev/null 2>&1
sleep 0.2
kill -TERM "$jpid"
wait "$jpid"
JOURNAL_STREAM=$jstream "$proxy" -t 127.0.0.1:"$echo4" 2>>"$tmp/j.err"
JOURNAL_STREAM=$jstream "$proxy" --max-conns x -t 127.0.0.1:1 2>>"$tmp/j.err"
check "journald: notices <5>, no time stamp" \
	grep -qx "<5>jr: listening on tcp 127.0.0.1:$jport" "$tmp/j.err"
check "journald: warnings <4>" \
	grep -q "^<4>jr: tcp#1 connect 127.0.0.1:$closed: Connection refused" "$tmp/j.err"
check "journald: errors <3> (bind), the default name left out" \
	grep -q "^<3>tcp 127.0.0.1:$echo4: bind: Address already in use" "$tmp/j.err"
check "journald: usage errors <3>" grep -q "^<3>wfpredir-proxy: --max-conns: 'x'" "$tmp/j.err"
check "journald: every line has a priority" eval \
	'! grep -v -e "^<[3-7]>" -e "^Try " "$tmp/j.err"'
: >"$tmp/j2.err"
JOURNAL_STREAM=$(stat -c %d "$tmp/j2.err"):1 "$proxy" -t 127.0.0.1:"$echo4" 2>>"$tmp/j2.err"
check "JOURNAL_STREAM naming another file: the usual format" \
	grep -q "^20[0-9-]*T[0-9:.+]* wfpredir-proxy error: tcp 127.0.0.1:$echo4: bind: " \
	"$tmp/j2.err"

# sd_notify: READY=1 once the listeners accept (the receiver connects as
# soon as it has it), RELOADING=1 and READY=1 around a reload, STOPPING=1
# at SIGTERM, STATUS= along the way.
nport=$(port 25)
notify_case()
{
	local sock=$1 desc=$2 out=$tmp/notify-$3.out i npid
	setsid python3 "$top/tools/wfpredir-proxy/notify-recv.py" "$sock" 127.0.0.1 "$nport" \
		>"$out" 2>&1 </dev/null &
	bg_pids+=($!)
	for ((i = 0; i < 200; i++)); do grep -q bound "$out" && break; sleep 0.05; done
	NOTIFY_SOCKET=$sock "$proxy" -c "$tmp/n.conf" 2>"$tmp/notify-$3.err" &
	npid=$!
	bg_pids+=("$npid")
	for ((i = 0; i < 200; i++)); do grep -q "^connect" "$out" && break; sleep 0.05; done
	check "sd_notify ($desc): READY=1 after the listener accepts" eval \
		'grep -q "^MAINPID=$npid\$" "$out" && grep -qx "connect ok" "$out"'
	kill -HUP "$npid"
	for ((i = 0; i < 100; i++)); do
		[ "$(grep -c "^READY=1" "$out")" = 2 ] && break
		sleep 0.05
	done
	kill -TERM "$npid"
	wait "$npid"
	sleep 0.2
	check "sd_notify ($desc): RELOADING=1, READY=1, STOPPING=1, STATUS" eval \
		'[ "$(grep -e "^READY=1" -e "^RELOADING=1" -e "^STOPPING=1" "$out" | tr "\n" " ")" = \
		   "READY=1 RELOADING=1 READY=1 STOPPING=1 " ] &&
		 grep -q "^MONOTONIC_USEC=[0-9]" "$out" &&
		 grep -q "^STATUS=0 TCP connections, 0 UDP flows" "$out"'
}
printf 'tcp 127.0.0.1:%s\n' "$nport" >"$tmp/n.conf"
if command -v python3 >/dev/null; then
	notify_case "$tmp/notify.sock" "socket path" path
	notify_case "@wfpredir-selftest-$$" "abstract socket" abstract
else
	skip "sd_notify" "no python3"
fi

# The order, exactly: the proxy's own system calls, traced. READY=1 goes out
# after the last listen(), and STOPPING=1 before the listeners close.
if command -v strace >/dev/null; then
	: >"$tmp/strace.notify"
	setsid python3 "$top/tools/wfpredir-proxy/notify-recv.py" "$tmp/strace.sock" 127.0.0.1 \
		"$nport" >"$tmp/strace.notify" 2>&1 </dev/null &
	bg_pids+=($!)
	for ((i = 0; i < 200; i++)); do grep -q bound "$tmp/strace.notify" && break; sleep 0.05; done
	NOTIFY_SOCKET=$tmp/strace.sock strace -o "$tmp/strace.out" -e trace=listen,sendto,close \
		"$proxy" -t 127.0.0.1:"$nport" -t 127.0.0.1:"$(port 28)" --pidfile "$tmp/strace.pid" \
		2>/dev/null &
	spid=$!
	bg_pids+=("$spid")
	for ((i = 0; i < 200; i++)); do grep -q "^connect" "$tmp/strace.notify" && break; sleep 0.05; done
	kill -TERM "$(cat "$tmp/strace.pid")"
	wait "$spid"
	last_listen=$(grep -n '^listen(' "$tmp/strace.out" | tail -n 1 | cut -d: -f1)
	ready=$(grep -n 'sendto(.*"READY=1' "$tmp/strace.out" | cut -d: -f1)
	stopping=$(grep -n 'sendto(.*"STOPPING=1' "$tmp/strace.out" | cut -d: -f1)
	# The first listener's descriptor, and the first close() of it after.
	lfd=$(grep -m1 '^listen(' "$tmp/strace.out" | sed -E 's/^listen\(([0-9]+),.*/\1/')
	lclose=$(awk -v fd="close($lfd)" -v after="$last_listen" \
		'NR > after && index($0, fd) == 1 { print NR; exit }' "$tmp/strace.out")
	check "strace: READY=1 after the last listen() (lines $last_listen, $ready)" \
		eval '[ -n "$ready" ] && [ -n "$last_listen" ] && [ "$ready" -gt "$last_listen" ]'
	check "strace: STOPPING=1 before the listener closes (lines $stopping, $lclose)" \
		eval '[ -n "$stopping" ] && [ -n "$lclose" ] && [ "$stopping" -lt "$lclose" ]'
else
	skip "strace: READY=1 after the last listen()" "no strace"
fi

# The unit: systemd-analyze verify, with ExecStart pointed at this build
# (verify wants the program installed).
unit=$top/systemd/wfpredir-proxy@.service
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$tmp/unit"
	sed "s|/usr/sbin/wfpredir-proxy|$proxy|" "$unit" >"$tmp/unit/wfpredir-proxy@selftest.service"
	check "systemd-analyze verify wfpredir-proxy@.service" \
		systemd-analyze verify --man=no "$tmp/unit/wfpredir-proxy@selftest.service"
	check "the unit runs the proxy with -c /etc/wfpredir/proxy/%i.conf, as Type=notify" eval \
		'grep -qx "ExecStart=/usr/sbin/wfpredir-proxy -c /etc/wfpredir/proxy/%i.conf" "$unit" &&
		 grep -qx "Type=notify" "$unit"'
else
	skip "systemd-analyze verify wfpredir-proxy@.service" "no systemd-analyze"
fi

# --------------------------------------------------------------- signals
mv "$tmp/p4.log" "$tmp/p4.log.1"
kill -HUP "${proxy_pid[p4]}"
sleep 0.3
check "SIGHUP reopens the log file" eval \
	'logged p4 "log file reopened" && kill -0 ${proxy_pid[p4]}'

# SIGTERM drains: the listener closes at once, the open connection keeps
# working until it ends, then the proxy exits 0.
(sleep 2; printf 'late\n') | socat -t 4 -T 5 - TCP4:127.0.0.1:"$p4" >"$tmp/late" 2>&1 &
holder=$!
wait_conns p4 1
t0=$SECONDS
kill -TERM "${proxy_pid[p4]}"
sleep 0.3
out=$(printf 'x\n' | socat -t 1 -T 2 - TCP4:127.0.0.1:"$p4" 2>&1)
check "SIGTERM: no new connections (listener closed)" eval '[[ "$out" == *"Connection refused"* ]]'
wait "$holder"
check "SIGTERM: the open connection still relays after it" [ "$(cat "$tmp/late")" = late ]
wait "${proxy_pid[p4]}"
rc=$?
check "SIGTERM: exit 0 once the connection is done" [ $rc -eq 0 ]
check "SIGTERM: pidfile removed, drain logged" eval \
	'[ ! -e "$tmp/p4.pid" ] && logged p4 "shutting down: no longer listening; 1 TCP" &&
	 logged p4 "close (done)" && logged p4 "drained: every connection has finished" &&
	 logged p4 "notice: stopped"'

# The drain has a limit: a connection that outlives it is closed.
pdt=$(port 20)
start dt --drain-timeout 1 -t 127.0.0.1:"$pdt" --to 127.0.0.1:"$echo4" || bail
(sleep 6; printf 'never\n') | socat -t 7 -T 8 - TCP4:127.0.0.1:"$pdt" >"$tmp/never" 2>&1 &
holder=$!
wait_conns dt 1
t0=$SECONDS
stop dt
rc=$?
took=$((SECONDS - t0))
check "--drain-timeout 1: exit 0 within 3 s (took $took s)" eval '[ $rc -eq 0 ] && [ $took -le 3 ]'
check "--drain-timeout 1: the rest is closed and logged" eval \
	'logged dt "drain-timeout 1 s reached: closing 1 TCP" && ! grep -q never "$tmp/never"'
wait "$holder"

# A second SIGTERM does not wait for the drain.
pst=$(port 21)
start st -t 127.0.0.1:"$pst" --to 127.0.0.1:"$echo4" || bail
(sleep 6; printf 'never\n') | socat -t 7 -T 8 - TCP4:127.0.0.1:"$pst" >/dev/null 2>&1 &
holder=$!
wait_conns st 1
t0=$SECONDS
kill -TERM "${proxy_pid[st]}"
sleep 0.5
stop st
rc=$?
took=$((SECONDS - t0))
check "second SIGTERM: exit 0 at once (took $took s, drain-timeout 10)" eval \
	'[ $rc -eq 0 ] && [ $took -le 2 ] && logged st "Terminated again: closing 1 TCP"'
wait "$holder"

# UDP has no end: while draining, a flow silent for a second is finished.
pud=$(port 27)
start ud -v -u 127.0.0.1:"$pud" --to 127.0.0.1:"$echo4" || bail
out=$( (printf 'drain\n'; sleep 0.3) | socat -t 1 - UDP4:127.0.0.1:"$pud")
t0=$SECONDS
stop ud
rc=$?
took=$((SECONDS - t0))
check "SIGTERM, a silent UDP flow: finished after a second, exit 0 ($took s)" eval \
	'[ "$out" = drain ] && [ $rc -eq 0 ] && [ $took -le 4 ] &&
	 logged ud "0 TCP connections and 1 UDP flows may finish" && logged ud "drained"'

for name in wc dl mc rr nd cr ct ui cf; do
	stop "$name" || not_ok "$name: exit status on SIGTERM"
done
if $have_ipv6; then
	stop p6 || not_ok "p6: exit status on SIGTERM"
fi
# cf's reloads logged errors on purpose.
errors=false
for f in "$tmp"/*.log; do
	[ "$f" = "$tmp/cf.log" ] && continue
	grep -h ' error: ' "$f" && errors=true
done
if $errors; then
	not_ok "no error lines logged"
else
	ok "no error lines logged"
fi

echo "1..$n"
[ $failed -eq 0 ]
