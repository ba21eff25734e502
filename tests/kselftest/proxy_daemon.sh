#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# wfpredir-proxy as wfpredir-proxy@.service runs it: from a -c file, as a
# user of its own with CAP_NET_ADMIN alone (ambient), stderr read by
# "journald" ($JOURNAL_STREAM names it) and a service manager listening on
# $NOTIFY_SOCKET. With only that capability it still hands the records of a
# redirected connection on; it says READY=1 only once the listener accepts;
# every log line carries its sd-daemon priority; SIGHUP applies a changed
# file (a new listener, require-records) and refuses a broken one, keeping
# the old configuration; SIGTERM closes the listener but lets an open
# redirected connection finish, up to drain-timeout, and exits 0; a bad
# file is an error naming file:line.
#
#   ns a-SFX: client, service px (127.0.0.1:15001), rule for TCP port 8080,
#             the proxy (uid 4243, CAP_NET_ADMIN)
#   ns b-SFX: the flowpeer server on 10.99.0.2:8080
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" "$flowpeer" ip setpriv socat python3

nsa=a-$sfx
nsb=b-$sfx
uid=4243
notify_recv=$top/tools/wfpredir-proxy/notify-recv.py
redir_init
trap redir_cleanup EXIT

topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" || exit 1
setup ctl_ns "$nsa" service add px id 1 ipv4 127.0.0.1:15001 || exit 1
setup ctl_ns "$nsa" rule add service px proto tcp dport 8080 || exit 1

expect_rc "-c: an empty file (nothing to listen on) is a usage error" 2 "$proxy_bin" -c /dev/null
printf 'tcp 127.0.0.1:15001\nmax-conns many\n' >"$tmpd/bad.conf"
expect "-c: the error names file:line" \
	"wfpredir-proxy: $tmpd/bad.conf:2: max-conns: 'many' is not a number from 1 to 1000000" \
	"$proxy_bin" -c "$tmpd/bad.conf"

# daemon_start NAME ARGS...: the proxy as the unit runs it, -c
# $tmpd/px.conf ARGS, stderr to $tmpd/NAME.err (journald's stream), the
# notifications to $tmpd/NAME.notify. $dpid is the proxy.
daemon_start()
{
	local name=$1
	shift
	bg_run "$tmpd/$name.notify" nsenter --net=/run/netns/"$nsa" python3 "$notify_recv" \
		"$tmpd/$name.sock" 127.0.0.1 15001
	wait_for "$tmpd/$name.notify" '^bound' || return 1
	# The service manager's socket is root's; the proxy runs as $uid.
	chmod 666 "$tmpd/$name.sock"
	: >"$tmpd/$name.err"
	NOTIFY_SOCKET=$tmpd/$name.sock JOURNAL_STREAM=$(stat -c %d:%i "$tmpd/$name.err") \
		nsenter --net=/run/netns/"$nsa" setpriv --reuid="$uid" --regid="$uid" --clear-groups \
		--inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin \
		--bounding-set=-all,+net_admin --no-new-privs \
		"$proxy_bin" -c "$tmpd/px.conf" "$@" 2>>"$tmpd/$name.err" >/dev/null &
	dpid=$!
	bg_list+=("$dpid")
	wait_for "$tmpd/$name.notify" '^connect' >/dev/null && return 0
	echo "# no READY=1 from $name:"
	sed 's/^/#   /' "$tmpd/$name.err" "$tmpd/$name.notify"
	return 1
}

# notified NAME: the notifications of NAME that matter, on one line.
notified()
{
	local line out=

	while IFS= read -r line; do
		case "$line" in
		READY=1* | RELOADING=1* | STOPPING=1*) out+="$line " ;;
		esac
	done <"$tmpd/$1.notify"
	echo "$out"
}

# listening PORT: whether a TCP socket listens on 127.0.0.1:PORT in ns a,
# from the namespace's /proc/net/tcp (ss takes most of a second to start).
listening()
{
	local -a f
	local want

	printf -v want '0100007F:%04X' "$1"
	while read -r -a f; do
		[ "${f[1]}" = "$want" ] && [ "${f[3]}" = 0A ] && { echo yes; return; }
	done < <(nsenter --net=/run/netns/"$nsa" cat /proc/net/tcp)
	echo no
}

# logline NAME PATTERN: the first line of NAME's log with PATTERN, its
# connection numbers as tcp#N (the notify receiver's own connect at READY=1
# counts too).
logline()
{
	grep -m1 -- "$2" "$tmpd/$1.err" | sed -E 's/tcp#[0-9]+/tcp#N/'
}

# relayed NAME: how many connections NAME has relayed to the server.
relayed()
{
	local line n=0

	while IFS= read -r line; do
		[[ $line == *"connected to $B4:8080"* ]] && n=$((n + 1))
	done <"$tmpd/$1.err"
	echo "$n"
}

# conf LINE...: $tmpd/px.conf, readable by the proxy's user.
conf()
{
	printf '%s\n' "$@" >"$tmpd/px.conf"
	chmod 644 "$tmpd/px.conf"
}

# client ARGS...: flowpeer connect in ns a.
client()
{
	nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 5 "$@"
}

conf "# px: the test's proxy" "name px" "tcp 127.0.0.1:15001" "verbose 1" \
	"drain-timeout 20"
daemon_start d1 || exit 1
expect "READY=1 came once the listener accepted" "connect ok" grep -x "connect ok" "$tmpd/d1.notify"
expect "it runs as uid $uid" "$uid" awk '/^Uid:/ { print $2 }' "/proc/$dpid/status"
# CAP_NET_ADMIN is bit 12.
expect "with CAP_NET_ADMIN alone" 0000000000001000 \
	awk '/^CapEff:/ { print $2 }' "/proc/$dpid/status"
expect "a redirected connection goes through it" "server src=other" client -m hello "$B4:8080"
wait_for "$tmpd/d1.err" "records handed on" 5 >/dev/null
expect "with CAP_NET_ADMIN alone it hands the records on" \
	"<6>px: tcp#N connecting to $B4:8080 (from redirect context), records handed on" \
	logline d1 "connecting to $B4:8080"
expect "journald: notices are <5>, without a time stamp" \
	"<5>px: listening on tcp 127.0.0.1:15001" logline d1 "listening on"

# A changed file: a new listener, and require-records for new flows.
conf "name px" "tcp 127.0.0.1:15001" "tcp 127.0.0.1:15002" "verbose 1" \
	"drain-timeout 20" "require-records"
kill -HUP "$dpid"
wait_value "SIGHUP: the new listener opens" yes 10 listening 15002
wait_value "SIGHUP: RELOADING=1, then READY=1 again" "READY=1 RELOADING=1 READY=1 " 5 notified d1
client 127.0.0.1:15002 >/dev/null 2>&1
wait_for "$tmpd/d1.err" "\\(--require-records\\)" 5 >/dev/null
expect "SIGHUP: require-records now refuses an unredirected connection" \
	"<5>px: tcp#N from 127.0.0.1" eval "logline d1 '(--require-records)' | cut -d: -f1-2"

# A broken file: an error (<3>, file:line), the old configuration stays.
conf "name px" "tcp 127.0.0.1:15001" "connect-timeout 0"
kill -HUP "$dpid"
wait_for "$tmpd/d1.err" "^<3>" 5 >/dev/null
expect "SIGHUP, broken file: an error naming file:line" \
	"<3>px: reload: $tmpd/px.conf:3: connect-timeout: '0' is not a number from 1 to 3600; keeping the running configuration" \
	grep -m1 "^<3>" "$tmpd/d1.err"
expect "SIGHUP, broken file: still running, both listeners kept" "yes yes" \
	eval 'echo "$(kill -0 "$dpid" && echo yes) $(listening 15002)"'
expect "SIGHUP, broken file: redirected connections still served" "server src=other" \
	client -m again "$B4:8080"
expect "journald: every line carries a priority" 0 \
	eval "grep -cv '^<[3-7]>' '$tmpd/d1.err'"

# SIGTERM with a redirected connection open: the listener closes at once,
# the connection still relays what comes after, then exit 0. The client's
# input is a FIFO this shell writes to once the proxy is stopping.
mkfifo "$tmpd/late.in"
nsenter --net=/run/netns/"$nsa" socat -t 5 -T 10 - TCP4:"$B4:8080" <"$tmpd/late.in" \
	>"$tmpd/late.out" 2>&1 &
holder=$!
exec {late}>"$tmpd/late.in"
wait_value "the late connection is relayed" 3 10 relayed d1
kill -TERM "$dpid"
wait_value "SIGTERM: the listener closes at once" no 2 listening 15001
wait_value "SIGTERM: STOPPING=1" "READY=1 RELOADING=1 READY=1 RELOADING=1 READY=1 STOPPING=1 " \
	5 notified d1
printf 'late\n' >&"$late"
wait_for "$tmpd/late.out" '^server' 5 >/dev/null
exec {late}>&-
wait "$holder"
expect "SIGTERM: the open connection still relays after it" "server" cat "$tmpd/late.out"
expect "SIGTERM: the reply is the late message's" 1 grep -c "msg=late" "$tmpd/late.out"
rc=0
wait "$dpid" || rc=$?
expect "SIGTERM: exit 0 once it has finished" 0 echo "$rc"
expect "SIGTERM: drained, logged as a notice" "<5>px: drained: every connection has finished" \
	grep -m1 "drained" "$tmpd/d1.err"

# The drain has a limit: the command line's --drain-timeout 1 wins over
# the file, and a connection that outlives it is closed.
conf "name px" "tcp 127.0.0.1:15001" "drain-timeout 20" "verbose 1"
daemon_start d2 --drain-timeout 1 || exit 1
mkfifo "$tmpd/never.in"
nsenter --net=/run/netns/"$nsa" socat -t 9 -T 10 - TCP4:"$B4:8080" <"$tmpd/never.in" \
	>"$tmpd/never.out" 2>&1 &
holder=$!
exec {never}>"$tmpd/never.in"
wait_value "the never-ending connection is relayed" 1 10 relayed d2
t0=$SECONDS
kill -TERM "$dpid"
rc=0
wait "$dpid" || rc=$?
took=$((SECONDS - t0))
expect "drain-timeout 1: exit 0" 0 echo "$rc"
expect "drain-timeout 1: within 3 s ($took s)" yes eval '[ $took -le 3 ] && echo yes'
expect "drain-timeout 1: what is left is closed, logged" \
	"<5>px: drain-timeout 1 s reached: closing 1 TCP connections and 0 UDP flows" \
	grep -m1 "drain-timeout 1 s reached" "$tmpd/d2.err"
# only now, with the proxy gone, does the client send
printf 'never\n' >&"$never"
exec {never}>&-
wait "$holder"
expect "drain-timeout 1: the connection got no answer" 0 grep -c "msg=never" "$tmpd/never.out"
exit $ret
