#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# WFPREDIR_SO_SET_RECORDS validates length, format, version and the tag, in
# that order, with the errno the UAPI header documents for each, on TCP and
# UDP over IPv4, IPv6 and v4-mapped IPv6 (SOL_IP on an AF_INET6 socket).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$probe"

for f in 4 6 m; do
	for p in $protos; do
		c="v$f/$p"
		expect "$c: one byte short of the minimum is EINVAL" EINVAL \
			"$probe" -f "$f" -p "$p" -r short
		expect "$c: one byte over the maximum is EINVAL" EINVAL \
			"$probe" -f "$f" -p "$p" -r long
		expect "$c: zero length is EINVAL" EINVAL \
			"$probe" -f "$f" -p "$p" -l 0
		expect "$c: a bad magic is EINVAL" EINVAL "$probe" -f "$f" -p "$p" -r badmagic
		expect "$c: a count that disagrees with the length is EINVAL" EINVAL \
			"$probe" -f "$f" -p "$p" -r badcount
		expect "$c: a wrong header length is EINVAL" EINVAL \
			"$probe" -f "$f" -p "$p" -r badhdrlen
		expect "$c: a nonzero reserved byte is EINVAL" EINVAL \
			"$probe" -f "$f" -p "$p" -r reserved
		expect "$c: an unknown format version is EPROTO" EPROTO \
			"$probe" -f "$f" -p "$p" -r badversion
		expect "$c: an unreadable buffer is EFAULT" EFAULT \
			"$probe" -f "$f" -p "$p" -r badptr
		expect "$c: a NULL buffer is EFAULT" EFAULT "$probe" -f "$f" -p "$p" -r null
		expect "$c: well-formed records no key made are EBADMSG" EBADMSG \
			"$probe" -f "$f" -p "$p" -r shaped
		expect "$c: a bound socket reaches verification too" EBADMSG \
			"$probe" -f "$f" -p "$p" -s bound -r shaped
	done
done
exit $ret
