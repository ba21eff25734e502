# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# What the benchmarks of tests/bench share; sourced, not run. A benchmark
# measures configurations A and B interleaved in one VM run (A B, then B A,
# and so on, so that neither always goes first), BENCH_ROUNDS times, and
# reports the ratio A/B of each round as min / median / max. Nothing here
# passes or fails on time: a benchmark fails only when it cannot measure.
#
# Each figure ends in one line that tests/bench/run collects into the table
# `make bench` prints:
#   result|FIGURE|WHAT|MIN|MEDIAN|MAX|ROUNDS|DETAIL
# DETAIL says what A and B were, as medians with their unit.

bench_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${WFPREDIR_BUILD:-$bench_top/build}
ctl=$build/tools/wfpredirctl
proxy=$build/tools/wfpredir-proxy
load=$build/tests/bench-load
relay=$build/tests/bench-relay
rounds=${BENCH_ROUNDS:-5}
bench_pids=()
bench_tmp=

# bench_init NAME: refuse to run outside the VM (exit 4, a skip), make a
# temporary directory and the namespace $ns with lo up, and the trap that
# removes both and every process bench_bg started.
bench_init()
{
	if [ "${WFPREDIR_VM:-}" != 1 ]; then
		echo "tests/bench/$1 runs inside the test VM: use 'make bench BENCH=$1'" >&2
		exit 4
	fi
	bench_name=$1
	bench_tmp=$(mktemp -d)
	ns=wfpredir-bench-$$
	trap bench_cleanup EXIT
	ip netns add "$ns"
	ip -n "$ns" link set lo up
}

bench_cleanup()
{
	local p

	for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	[ -n "$bench_tmp" ] && rm -rf "$bench_tmp"
}

in_ns() { ip netns exec "$ns" "$@"; }

# as_nobody CMD...: CMD in $ns as uid/gid 65534: what the REDIRECT rules
# exempt, as a real deployment must exempt its proxy's own connections.
as_nobody() { in_ns setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# bench_bg NAME CMD...: start CMD in the background, output to
# $bench_tmp/NAME.out, and wait up to 10 s for its "listening" line.
bench_bg()
{
	local name=$1 i line
	shift

	: >"$bench_tmp/$name.out" # before the loop below reads it
	"$@" >>"$bench_tmp/$name.out" 2>&1 &
	bench_pids+=($!)
	for ((i = 0; i < 200; i++)); do
		while read -r line; do
			[ "$line" = listening ] && return 0
		done <"$bench_tmp/$name.out"
		sleep 0.05
	done
	echo "$bench_name: $name did not start:" >&2
	cat "$bench_tmp/$name.out" >&2
	exit 1
}

# kv KEY LINE: the value of KEY=VALUE in LINE (bash only, no process).
bench_kv()
{
	local w

	for w in $2; do
		[ "${w%%=*}" = "$1" ] && { echo "${w#*=}"; return 0; }
	done
	return 1
}

# bench_stats NUMBERS...: "min median max".
bench_stats()
{
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		printf "%.3f %.3f %.3f\n", v[1], v[int((NR + 1) / 2)], v[NR] }'
}

# bench_median NUMBERS...: the median, as given.
bench_median()
{
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# bench_interleave FN...: $rounds rounds of every FN (each prints one
# number, or fails), interleaved, each round starting one later in the list
# (A B C, B C A, ...), so that none always runs first or after the same one.
# Sample k of round r lands in bench_s_k, a space-separated list.
bench_interleave()
{
	# odd names: the functions called see these (dynamic scope)
	local _bi_r _bi_i _bi_k _bi_v _bi_n=$#
	local -a _bi_fns=("$@")

	for ((_bi_k = 0; _bi_k < _bi_n; _bi_k++)); do eval "bench_s_$_bi_k="; done
	for ((_bi_r = 0; _bi_r < rounds; _bi_r++)); do
		for ((_bi_i = 0; _bi_i < _bi_n; _bi_i++)); do
			_bi_k=$(((_bi_r + _bi_i) % _bi_n))
			_bi_v=$("${_bi_fns[$_bi_k]}") || exit 1
			eval "bench_s_$_bi_k+=\"\${bench_s_$_bi_k:+ }\$_bi_v\""
			echo "# round $((_bi_r + 1)) ${_bi_fns[$_bi_k]}: $_bi_v"
		done
	done
}

# bench_ratio FIGURE WHAT UNIT I J: the result line of sample lists I/J of
# the last bench_interleave, round by round.
bench_ratio()
{
	local ratios=() i
	local -a as bs

	eval "read -r -a as <<<\"\$bench_s_$4\""
	eval "read -r -a bs <<<\"\$bench_s_$5\""
	for ((i = 0; i < ${#as[@]}; i++)); do
		ratios+=("$(awk -v a="${as[$i]}" -v b="${bs[$i]}" 'BEGIN { printf "%.3f", a / b }')")
	done
	bench_result "$1" "$2" "${ratios[*]}" \
		"A $(bench_median "${as[@]}") B $(bench_median "${bs[@]}") $3 (medians)"
}

# bench_ab FIGURE WHAT UNIT FN_A FN_B: bench_interleave of two, then the
# result line of A/B.
bench_ab()
{
	bench_interleave "$4" "$5"
	bench_ratio "$1" "$2" "$3" 0 1
}

# bench_result FIGURE WHAT "RATIOS" DETAIL: the result line of ratios
# measured elsewhere.
bench_result()
{
	local min med max n

	# shellcheck disable=SC2086 # the ratios are words
	read -r min med max < <(bench_stats $3)
	n=$(wc -w <<<"$3")
	echo "result|$1|$2|$min|$med|$max|$n|$4"
}
