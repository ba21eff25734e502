#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# When another module already holds part of wfpredir's socket-option block,
# wfpredir.ko refuses to load and its log line names the range; once the
# squatter is gone it loads again.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need insmod rmmod dmesg

ko=${WFPREDIR_MODULE:-}
squatter=$(dirname "$ko")/../tests/modules/sockopt_squatter/wfpredir_squatter.ko
if [ ! -f "$ko" ] || [ ! -f "$squatter" ]; then
	echo "SKIP: WFPREDIR_MODULE or the squatter module is missing"
	exit $ksft_skip
fi

cleanup()
{
	rmmod wfpredir_squatter 2>/dev/null
	[ -d /sys/module/wfpredir ] || insmod "$ko"
}
trap cleanup EXIT

expect_rc "wfpredir unloads" 0 rmmod wfpredir
expect_rc "the squatter takes one option of the block" 0 insmod "$squatter"
before=$(dmesg | wc -l)
expect_rc "wfpredir then refuses to load" 1 insmod "$ko"
expect_rc "and its log line names the range it wanted" 0 \
	sh -c "dmesg | tail -n +$((before + 1)) | grep -E 'wfpredir: .*22352.*22368'"
expect_rc "the squatter unloads" 0 rmmod wfpredir_squatter
expect_rc "wfpredir loads again" 0 insmod "$ko"
exit $ret
