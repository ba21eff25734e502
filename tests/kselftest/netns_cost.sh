#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Namespaces that never use wfpredir do not pay for it. 1000 new network
# namespaces are made, and the slab growth (/proc/meminfo Slab) they cause is
# measured without the module and with it. Printed: the growth per namespace
# in each round, and the difference, which is what wfpredir adds to a
# namespace.
#
# Threshold: 4 KiB per namespace. wfpredir's own share is one pointer in the
# namespace's generic array (a kmalloc-8 object); before it was allocated on
# first use, every namespace got the whole state (kmalloc-2k), four hash
# tables of 64 buckets (4 x kmalloc-1k) and the rule index (kmalloc-4k),
# about 10 KiB. A namespace costs about 210 KiB of slab by itself in the
# test VM, and the measurement's noise per namespace (per-CPU caches,
# deferred frees) was 1.6 KiB at 1000 namespaces (loaded 210550 B, not
# loaded 212148 B), so 4 KiB tells the two designs apart.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need ip insmod rmmod awk

ko=${WFPREDIR_MODULE:-}
if [ ! -f "$ko" ]; then
	echo "SKIP: WFPREDIR_MODULE does not name the module file"
	exit $ksft_skip
fi
n=1000
pfx=cost-$sfx
cleanup()
{
	seq "$n" | sed "s/^/netns del $pfx-/" | ip -force -batch - 2>/dev/null
	[ -d /sys/module/wfpredir ] || insmod "$ko"
}
trap cleanup EXIT

slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }

# settle: until the slab stops shrinking (namespaces are freed by a worker).
settle()
{
	local a b i

	a=$(slab_kb)
	for ((i = 0; i < 60; i++)); do
		sleep 1
		b=$(slab_kb)
		[ $((a - b)) -lt 256 ] && return 0
		a=$b
	done
}

# round: bytes of slab per namespace that $n new namespaces cost.
round()
{
	local before after

	settle
	before=$(slab_kb)
	seq "$n" | sed "s/^/netns add $pfx-/" | ip -batch - || return 1
	after=$(slab_kb)
	seq "$n" | sed "s/^/netns del $pfx-/" | ip -batch - || return 1
	echo $(((after - before) * 1024 / n))
}

results=()
for mod in unloaded loaded; do
	if [ $mod = unloaded ]; then
		rmmod wfpredir || exit 1
	else
		insmod "$ko" || exit 1
	fi
	r=$(round) || {
		echo "FAIL: making $n namespaces failed"
		exit 1
	}
	echo "# $mod: $r bytes of slab per namespace"
	results+=("$mod $r")
done
[ -d /sys/module/wfpredir ] || insmod "$ko"

extra=$(printf '%s\n' "${results[@]}" | awk '
	$1 == "loaded" { l += $2; nl++ } $1 == "unloaded" { u += $2; nu++ }
	END { printf "%d\n", l / nl - u / nu }')
echo "# wfpredir adds $extra bytes of slab per namespace that never uses it"
expect "wfpredir adds at most 4 KiB of slab to a namespace that never uses it" yes \
	is_gt 4096 "$extra"
exit $ret
