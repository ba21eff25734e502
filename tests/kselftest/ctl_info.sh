#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# wfpredirctl info reports the loaded module over generic netlink, in plain
# and JSON form, and its exit codes tell scripts what went wrong.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" python3

version=$(cat /sys/module/wfpredir/version)
expect "info names the loaded module's version" "version $version" \
	sh -c "'$ctl' info | grep '^version '"
expect "info show is the same as info" "version $version" \
	sh -c "'$ctl' info show | grep '^version '"
expect "info gives the socket-option base" "sockopt base 22352" \
	sh -c "'$ctl' info | grep '^sockopt '"
expect "info gives the record format" "records version 1 max-len 1184" \
	sh -c "'$ctl' info | grep '^records '"
expect "-j info is JSON with the same facts" "$version 22352 1 1184 0" \
	sh -c "'$ctl' -j info | python3 -c 'import json,sys; d=json.load(sys.stdin);
print(d[\"version\"], d[\"sockopt_base\"], d[\"records_version\"], d[\"records_max_len\"], d[\"sockets\"])'"
expect_rc "an unknown object exits 2" 2 "$ctl" frobnicate
expect_rc "an unknown command exits 2" 2 "$ctl" info frobnicate
expect_rc "an extra argument exits 2" 2 "$ctl" info show extra
expect_rc "an unknown option exits 2" 2 "$ctl" --frobnicate info
expect "an unknown object is named in the message" \
	"wfpredirctl: unknown object 'frobnicate'; see 'wfpredirctl help'" "$ctl" frobnicate
exit $ret
