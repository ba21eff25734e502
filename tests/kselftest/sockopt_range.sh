#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The module owns the whole option block [WFPREDIR_SO_BASE, +16) on PF_INET
# and PF_INET6: numbers in it that name no option are ENOPROTOOPT, numbers
# just outside it are not ours; raw sockets are EOPNOTSUPP.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$probe"

base=$((0x5750))
for f in 4 6; do
	for p in $protos; do
		c="v$f/$p"
		expect "$c: the last number of the block names no set option" ENOPROTOOPT \
			"$probe" -f "$f" -p "$p" -o set-raw -n $((base + 15))
		expect "$c: an unused get number in the block is ENOPROTOOPT" ENOPROTOOPT \
			"$probe" -f "$f" -p "$p" -s connected -o get -n $((base + 15))
		expect "$c: the number after the block is not ours" ENOPROTOOPT \
			"$probe" -f "$f" -p "$p" -s connected -o get -n $((base + 16))
		expect "$c: the number before the block is not ours" ENOPROTOOPT \
			"$probe" -f "$f" -p "$p" -s connected -o get -n $((base - 1))
	done
	expect "v$f/raw: set on a raw socket is EOPNOTSUPP" EOPNOTSUPP \
		"$probe" -f "$f" -p raw -r shaped
	expect "v$f/raw: a query on a raw socket is EOPNOTSUPP" EOPNOTSUPP \
		"$probe" -f "$f" -p raw -o get-records
done
exit $ret
