#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Records really issued by the kernel (read by hop on a redirected
# connection, TCP and UDP, IPv4 and IPv6, one entry and two) are accepted
# by WFPREDIR_SO_SET_RECORDS as they are, and refused once tampered with:
# one bit flipped in any authenticated field or in the tag, another blob's
# tag, an entry cut out with the count fixed up (EBADMSG); cut short
# (EINVAL); carried into another network namespace (EBADMSG).
# set_records_validation.sh does the same with synthetic records.
#
#   ns a-SFX: hop as the service (and proxy pa for two-entry chains)
#   ns b-SFX: the flowpeer server; ns c-SFX: another namespace
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" "$hop" "$flowpeer" ip jq ss

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
nsc=c-$sfx
topo_up "$nsa" "$nsb" || exit 1
ns_new "$nsc" || exit 1
server_start "$nsb" -t "$B4:9090" -t "[$B6]:9090" -u "$B4:9090" -u "[$B6]:9090" || exit 1
setup ctl_ns "$nsa" service add hopsvc id 7 ipv4 127.0.0.1:15007 ipv6 "[::1]:15007" || exit 1
setup ctl_ns "$nsa" service add pa id 1 ipv4 127.0.0.1:15001 ipv6 "[::1]:15001" || exit 1
proxy_start "$nsa" pa -t 127.0.0.1:15001 -t "[::1]:15001" -u 127.0.0.1:15001 \
	-u "[::1]:15001" || exit 1
# port 8080: hop alone; port 8081: pa, then hop
setup ctl_ns "$nsa" rule add service hopsvc priority 200 dport 8080-8081 || exit 1
setup ctl_ns "$nsa" rule add service pa priority 100 dport 8081 || exit 1

# real FAMILY PROTO PORT FILE: records read by hop on a redirected connection
real()
{
	local f=$1 p=$2 port=$3 file=$4 u='' svc=127.0.0.1:15007 far=$B4 out=$tmpd/hop.out

	[ "$p" = udp ] && u=-u
	[ "$f" = 6 ] && svc="[::1]:15007" far="[$B6]"
	hop_start "$out" "$nsa" $u -l "$svc" -s "$file" || return 1
	nsenter --net=/run/netns/"$nsa" "$flowpeer" connect $u -T 10 "$far:$port" >/dev/null
	hop_wait
	if [ ! -s "$file" ]; then
		echo "FAIL: v$f/$p: no records were read for port $port:"
		sed 's/^/#   /' "$out"
		ret=1
		return 1
	fi
}

# set_in NS FAMILY PROTO FILE MUTATION...: what SET_RECORDS says to them
set_in()
{
	local ns=$1 f=$2 p=$3 file=$4 args=() m hop_lines line
	shift 4
	for m in "$@"; do args+=(-m "$m"); done
	[ "$p" = udp ] && args+=(-u)
	# -N: hop enters NS itself, one process a call
	hop_lines=$("$hop" -N "$ns" -f "$f" -r "$file" "${args[@]}" -c -)
	while IFS= read -r line; do
		[[ $line == set=* ]] && echo "${line#set=}"
	done <<<"$hop_lines"
}

# Offsets in a record blob (kmod/uapi/linux/wfpredir.h): a 16-byte header,
# 72-byte entries, a 16-byte tag.
flow_id=15 e0_service=19 e0_dport=31 e0_uid=75 e0_cgroup=87 e1_service=$((19 + 72))

for f in 4 6; do
	for p in tcp udp; do
		c="v$f/$p"
		r1=$tmpd/rec1-$f-$p r1b=$tmpd/rec1b-$f-$p r2=$tmpd/rec2-$f-$p
		real "$f" "$p" 8080 "$r1" && real "$f" "$p" 8080 "$r1b" &&
			real "$f" "$p" 8081 "$r2" || continue
		expect "$c: real one-entry records are 104 bytes" 104 stat -c %s "$r1"
		expect "$c: real two-entry records are 176 bytes" 176 stat -c %s "$r2"

		expect "$c: real records are accepted as they are" ok set_in "$nsa" "$f" "$p" "$r1"
		expect "$c: real two-entry records too" ok set_in "$nsa" "$f" "$p" "$r2"
		expect "$c: one bit of the flow id flipped is EBADMSG" EBADMSG \
			set_in "$nsa" "$f" "$p" "$r1" "flip:$flow_id"
		expect "$c: one bit of the service id flipped is EBADMSG" EBADMSG \
			set_in "$nsa" "$f" "$p" "$r1" "flip:$e0_service"
		expect "$c: one bit of the original port flipped is EBADMSG" EBADMSG \
			set_in "$nsa" "$f" "$p" "$r1" "flip:$e0_dport"
		expect "$c: one bit of the uid flipped is EBADMSG" EBADMSG \
			set_in "$nsa" "$f" "$p" "$r1" "flip:$e0_uid"
		expect "$c: one bit of the cgroup id flipped is EBADMSG" EBADMSG \
			set_in "$nsa" "$f" "$p" "$r1" "flip:$e0_cgroup"
		expect "$c: one bit of the second entry's service flipped is EBADMSG" EBADMSG \
			set_in "$nsa" "$f" "$p" "$r2" "flip:$e1_service"
		expect "$c: the first bit of the tag flipped is EBADMSG" EBADMSG \
			set_in "$nsa" "$f" "$p" "$r1" flip:-16
		expect "$c: the last bit of the tag flipped is EBADMSG" EBADMSG \
			set_in "$nsa" "$f" "$p" "$r1" flip:-1
		expect "$c: another real blob's tag is EBADMSG" EBADMSG \
			set_in "$nsa" "$f" "$p" "$r1" "tagfrom:$r1b"
		expect "$c: the last entry cut out, count fixed up, is EBADMSG" EBADMSG \
			set_in "$nsa" "$f" "$p" "$r2" dropentry
		expect "$c: a bit flipped in each of two entries is EBADMSG" \
			EBADMSG set_in "$nsa" "$f" "$p" "$r2" "flip:$e0_service" "flip:$e1_service"
		expect "$c: truncated by one byte is EINVAL" EINVAL \
			set_in "$nsa" "$f" "$p" "$r1" truncate:1
		expect "$c: truncated by its tag is EINVAL" EINVAL \
			set_in "$nsa" "$f" "$p" "$r1" truncate:16
		expect "$c: truncated by one entry (count left at 2) is EINVAL" EINVAL \
			set_in "$nsa" "$f" "$p" "$r2" truncate:72
		expect "$c: in another namespace the real records are EBADMSG" EBADMSG \
			set_in "$nsc" "$f" "$p" "$r1"
		expect "$c: so are the two-entry ones" EBADMSG set_in "$nsc" "$f" "$p" "$r2"
		expect "$c: and in the server's namespace" EBADMSG set_in "$nsb" "$f" "$p" "$r1"
	done
done
exit $ret
