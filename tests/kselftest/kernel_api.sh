#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel API (kmod/include/wfpredir/wfpredir.h) and its WSK layer
# (wsk.h): the native calls' errnos and lengths, and every NTSTATUS of the
# table in Documentation/kernel-api.rst that can happen, produced through the
# test module wfpredir_kproxy (tests/modules/kproxy) and its control file.
# A connection redirected to kproxy is held (not relayed) so that calls can
# run on it; "fresh" is a new unconnected TCP socket in its namespace,
# "spare" one that kproxy keeps.
#
#   ns a-SFX: client, kproxy's listener and UDP socket
#   ns b-SFX: the flowpeer server (never reached: the connection is held)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$flowpeer" ip jq ss setpriv insmod rmmod

kproxy_init
kmsg_mark

nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:8080" || exit 1
setup insmod "$kproxy" || exit 1
chmod 666 "$kpf"
setup ctl_ns "$nsa" service add kp id 2 ipv4 127.0.0.1:15402 || exit 1
setup ctl_ns "$nsa" service add kpu id 3 ipv4 127.0.0.1:15403 || exit 1
setup ctl_ns "$nsa" rule add service kp proto tcp dport 8080 || exit 1
setup ctl_ns "$nsa" rule add service kpu proto udp dport 7777 || exit 1

# kp_once CMD...: write one command to the control file in namespace A, as
# root, from a process of its own that exits right after
kp_once() { nsenter --net=/run/netns/"$nsa" sh -c 'echo "$1" >"$2"' sh "$*" "$kpf"; }
# kp CMD...: the same, a synchronous command through one shell in namespace
# A that writes each line it reads to the control file (opened and closed
# for each, as by kp_once) and answers with the write's status: two process
# starts fewer a command. An asynchronous one (async) still comes from a
# process of its own, which is gone when it completes: the credentials
# must have been captured at submission.
kp()
{
	local reply

	case " $* " in
	*" async "*)
		kp_once "$@"
		return
		;;
	esac
	printf '%s\n' "$*" >&"$kpw_in"
	read -r -t 30 reply <&"$kpw_out" || return 1
	[ "$reply" = "rc 0" ]
}
# kp_user CMD...: the same as an unprivileged user
kp_user()
{
	nsenter --net=/run/netns/"$nsa" setpriv --reuid=1000 --regid=1000 --clear-groups \
		sh -c 'echo "$1" >"$2"' sh "$*" "$kpf"
}
# result: "STATUS RETURNED" of the last call
result()
{
	local key _id status returned

	while read -r key _id status returned _; do
		[ "$key" = result ] && echo "$status $returned"
	done <"$kpf"
}
# async: "STATUS INFORMATION RETURNED" of the last asynchronous call ("ERRNO
# LENGTH" if native), or "pending"
async()
{
	local key _id rest

	while read -r key _id rest; do
		[ "$key" = async ] && echo "${rest#done }"
	done <"$kpf"
}
# call CMD...: run a synchronous call, print its result
call() { kp "$@" && result; }

mkfifo "$tmpd/kpw.in" "$tmpd/kpw.out"
# shellcheck disable=SC2016 # the writer's own expansions
nsenter --net=/run/netns/"$nsa" bash -c '
	exec <"$2" >"$3"
	while IFS= read -r line; do
		echo "$line" 2>/dev/null >"$1"
		echo "rc $?"
	done' kpw "$kpf" "$tmpd/kpw.in" "$tmpd/kpw.out" &
bg_list+=($!)
# read-write opens: they do not wait for the writer, nor hang if it failed
exec {kpw_in}<>"$tmpd/kpw.in" {kpw_out}<>"$tmpd/kpw.out"
setup kp listen 127.0.0.1:15402 || exit 1
setup kp udp 127.0.0.1:15403 || exit 1
setup kp hold || exit 1
# -T: the held connection must outlive every call below on a slow VM
bg_run "$tmpd/client.out" nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 300 "$B4:8080"
wait_value "a redirected connection is accepted and held" 1 10 kproxy_field held

# count 1: header 16 + entry 72 + tag 16; the default context: 2 * 128 + 32
rlen=104
clen=288
s_ok=0x00000000

# The native calls: 0 or -errno (by name) and the length. First the clear,
# while no closed socket's records wait for the collector to change the count.
socks=$(info_get "$nsa" sockets)
expect "native set on a kept socket: 0" "0 0" call set native target=spare
expect "the namespace counts one more socket with records" $((socks + 1)) \
	info_get "$nsa" sockets
expect "native clear: 0" "0 0" call clear target=spare
expect "and the socket's records are gone" "$socks" info_get "$nsa" sockets
expect "native size probe (0, NULL): -ERANGE with the records' length" \
	"-ERANGE $rlen" call qrec native size=0 null
expect "native, too small a buffer: -ERANGE with the length needed" \
	"-ERANGE $rlen" call qrec native size=$((rlen - 1))
expect "native, an exact buffer: 0 and the records' length" "0 $rlen" \
	call qrec native size=$rlen
expect "native context: 0 and its length" "0 $clen" call qctx native
expect "native query on an unconnected TCP socket: -ENOTCONN" "-ENOTCONN 0" \
	call qrec native target=fresh
expect "native set on a fresh socket: 0" "0 0" call set native target=fresh
expect "native set on the connected socket: -EISCONN" "-EISCONN 0" \
	call set native target=held
expect "native set, records one byte short: -EINVAL" "-EINVAL 0" \
	call set native target=fresh size=$((rlen - 1))
expect "native set, a length 2^32 beyond the records' (not truncated): -EINVAL" \
	"-EINVAL 0" call set native target=fresh size=$((4294967296 + rlen))
expect "native set, a forged tag: -EBADMSG" "-EBADMSG 0" \
	call set native target=fresh forged
kp_user set native target=fresh
expect "native set from an unprivileged user's system call: -EPERM" "-EPERM 0" result
kp_user set native target=fresh async
expect "native async set by an unprivileged user: -EINPROGRESS" "-EINPROGRESS 0" result
wait_value "and it completes -EPERM (the submitter's credentials)" "-EPERM 0" 10 async
kp qrec native async
wait_value "native async query: 0 and the records' length" "0 $rlen" 10 async
kp qctx native async size=0 null
wait_value "native async size probe: -ERANGE with the context's length" \
	"-ERANGE $clen" 10 async

# The WSK layer.
expect "size probe (0, NULL): BUFFER_TOO_SMALL with the records' size" \
	"0xc0000023 $rlen" call qrec size=0 null
expect "too small a buffer: BUFFER_TOO_SMALL with the size needed" \
	"0xc0000023 $rlen" call qrec size=$((rlen - 1))
expect "an exact buffer: SUCCESS, records copied" "$s_ok $rlen" call qrec size=$rlen
expect "a large buffer: SUCCESS with the records' size" "$s_ok $rlen" call qrec
expect "context size probe: BUFFER_TOO_SMALL with the context's size" \
	"0xc0000023 $clen" call qctx size=0 null
expect "context: SUCCESS" "$s_ok $clen" call qctx
expect "an output size beyond INT_MAX: INTEGER_OVERFLOW" "0xc0000095 0" \
	call qrec size=4294967296
expect "a NULL buffer with a size: INVALID_PARAMETER" "0xc000000d 0" \
	call qrec size=100 null
expect "an unknown control code: INVALID_DEVICE_REQUEST" "0xc0000010 0" \
	call code=0x980000df
expect "a query on an unconnected TCP socket: INVALID_CONNECTION" "0xc000023a 0" \
	call qrec target=fresh

expect "set on a fresh socket: SUCCESS" "$s_ok 0" call set target=fresh
expect "set on the connected socket: INVALID_DEVICE_STATE" "0xc0000184 0" \
	call set target=held
expect "set, records one byte short: INTEGER_OVERFLOW" "0xc0000095 0" \
	call set target=fresh size=$((rlen - 1))
expect "set, longer than the longest records: INTEGER_OVERFLOW" "0xc0000095 0" \
	call set target=fresh size=2000
expect "set, input size beyond INT_MAX: INTEGER_OVERFLOW" "0xc0000095 0" \
	call set target=fresh size=4294967296
expect "set, a forged tag: INVALID_SIGNATURE" "0xc000a000 0" \
	call set target=fresh forged
expect "set, zeroes (not a record blob): INVALID_PARAMETER" "0xc000000d 0" \
	call set target=fresh zero size=$rlen
expect "set, a NULL input: INVALID_PARAMETER" "0xc000000d 0" \
	call set target=fresh null size=$rlen

# privilege: the calling task's, captured at submission by the async form
expect_rc "an unprivileged user may write the control file" 0 kp_user set target=fresh
expect "set from an unprivileged user's system call: ACCESS_DENIED" "0xc0000022 0" result
kp_user set target=fresh async
expect "async set by an unprivileged user: PENDING" "0x00000103 0" result
wait_value "and it completes ACCESS_DENIED (the submitter's credentials)" \
	"0xc0000022 0 0" 10 async
kp_user qrec
expect "queries need no privilege" "$s_ok $rlen" result

# asynchronous: PENDING, then the completion
kp set target=fresh async
expect "async set as root: PENDING" "0x00000103 0" result
wait_value "and it completes SUCCESS" "$s_ok 0 0" 10 async
kp qrec async
expect "async query: PENDING" "0x00000103 0" result
wait_value "and it completes SUCCESS, information = the records' size" \
	"$s_ok $rlen $rlen" 10 async
kp qrec async size=0 null
wait_value "async size probe completes BUFFER_TOO_SMALL with the size" \
	"0xc0000023 $rlen $rlen" 10 async

# an unconnected UDP socket with nothing queued: the query waits
got=$(call qrec target=udp)
case "$got" in
"0xc00000d8 0")
	echo "PASS: sync query, empty UDP queue: CANT_WAIT"
	kp qrec target=udp async
	expect "async query, empty UDP queue: PENDING" "0x00000103 0" result
	sleep 1
	expect "still pending a second later" pending async
	kp cancel
	wait_value "cancelled: CANCELLED" "0xc0000120 0 0" 10 async
	kp qrec target=udp async
	sleep 0.5
	expect "pending again" pending async
	# one datagram; -T 0: nothing answers it, so do not wait for an answer
	nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -u -T 0 "$B4:7777" >/dev/null 2>&1
	wait_value "a redirected datagram completes it: SUCCESS with the records" \
		"$s_ok $rlen $rlen" 10 async
	kp drain
	kp qrec target=udp async
	sleep 0.5
	nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -u -T 0 127.0.0.1:15403 >/dev/null 2>&1
	wait_value "a datagram that was not redirected completes it: NOT_FOUND" \
		"0xc0000225 0 0" 10 async
	kp drain

	expect "native sync query, empty UDP queue: -EAGAIN" "-EAGAIN 0" \
		call qrec native target=udp
	kp qrec native target=udp async
	sleep 0.5
	expect "native async query, empty UDP queue: pending" pending async
	kp cancel
	wait_value "native cancel: -ECANCELED" "-ECANCELED 0" 10 async
	kp qrec native target=udp async
	sleep 0.5
	nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -u -T 0 "$B4:7777" >/dev/null 2>&1
	wait_value "a redirected datagram completes the native query: 0 and the records' length" \
		"0 $rlen" 10 async
	kp drain
	;;
"0xc000023a 0")
	echo "# SKIP: this wfpredir answers ENOTCONN for unconnected UDP sockets (no pending UDP query)"
	;;
*)
	echo "FAIL: sync query on an empty UDP socket: got '$got'"
	ret=1
	;;
esac

# a connection that was not redirected
setup kp hold
bg_run "$tmpd/direct.out" nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 5 127.0.0.1:15402
wait_value "a direct connection is held" 2 10 kproxy_field held
expect "records of a connection not redirected: NOT_FOUND" "0xc0000225 0" call qrec
expect "its context: NOT_FOUND" "0xc0000225 0" call qctx
expect "native: -ENOENT" "-ENOENT 0" call qrec native
expect "native context: -ENOENT" "-ENOENT 0" call qctx native

expect_rc "kproxy unloads" 0 rmmod wfpredir_kproxy
kmsg_clean "the kernel log stays clean"
exit $ret
