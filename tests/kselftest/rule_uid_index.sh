#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The classifier's uid and cgroup index picks the rule a search of every rule
# would. About 300 rules, all to the same port, differ by uid (one uid,
# narrow and wide ranges, 40 ranges nested around one uid: the shape whose
# group is walked rule by rule), by cgroup (nested cgroups), by both, or by
# neither, with tied priorities (ties go to the lower id) and ids out of
# order; a few use a port range, so that two buckets compete. Connections
# from 124 (uid, cgroup) pairs, all made by uidsocks in one process, must
# each be redirected by the rule the model below picks (lowest priority,
# then id, among the rules whose uid range and cgroup hold the socket's),
# or by none when the model has none; again after deleting rules one by one
# and a table in one transaction, and after adding them all back.
#
#   ns n-SFX: uidsocks (the clients and both listeners), the rules
#   cgroups /wfpidx-SFX/{n,a,a/x,b}
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
uidsocks=$build/tests/uidsocks
need "$ctl" "$uidsocks" ip

redir_init
trap redir_cleanup EXIT
ns=n-$sfx
ns_new "$ns" || exit 1
cgr=wfpidx-$sfx
for c in "$cgr" "$cgr/n" "$cgr/a" "$cgr/a/x" "$cgr/b"; do
	cg_new "$c" || {
		echo "SKIP: no cgroup v2 at /sys/fs/cgroup"
		exit "$ksft_skip"
	}
done
setup ctl_ns "$ns" service add svc id 1 table base ipv4 127.0.0.1:15400 || exit 1

# ------------------------------------------------------------- the model
# Rule i: R_id R_prio R_umin R_umax ("" for no uid) R_cg ("" for none)
# R_port R_table; R_live 1 while it is in the kernel.
R_id=() R_prio=() R_umin=() R_umax=() R_cg=() R_port=() R_table=() R_live=()
RANDOM=20261206 # the same rules every run: a failure reproduces
n=0
rule() # PRIO UMIN UMAX CGROUP PORT TABLE
{
	# ids: a permutation of 1..N (N=307 is prime), so that the order of
	# ids is not the order of the file
	R_id[n]=$((n * 101 % 307 + 1))
	R_prio[n]=$1 R_umin[n]=$2 R_umax[n]=$3 R_cg[n]=$4 R_port[n]=$5
	R_table[n]=$6 R_live[n]=1
	n=$((n + 1))
}
# pt LOW: $p, LOW, LOW+10 or LOW+20 (ties: the lower id wins), and $t, the
# table, one rule in four "churn". No $(...): a subshell reseeds RANDOM.
pt()
{
	p=$((${1:-10} + RANDOM % 3 * 10))
	t=base
	((RANDOM % 4)) || t=churn
}

for ((i = 0; i < 120; i++)); do # one uid each, two rules per uid on average
	u=$((3000 + RANDOM % 60))
	pt
	rule "$p" "$u" "$u" "" 9400 "$t"
done
for ((k = 0; k < 30; k++)); do # narrow ranges, some overlapping
	u=$((3000 + k * 2))
	pt
	rule "$p" "$u" $((u + 1 + RANDOM % 3)) "" 9400 "$t"
done
for ((k = 1; k <= 40; k++)); do # nested around 3030: one group, walked
	pt 20
	rule "$p" $((3030 - k)) $((3030 + k)) "" 9400 "$t"
done
rule 40 0 4294967294 "" 9400 churn # every uid
rule 25 2990 3100 "" 9400 churn
rule 35 3040 3043 "" 9000-9500 base # the other bucket
rule 10 3050 3050 "" 9000-9500 churn
rule 15 "" "" "/$cgr/a" 9400 base
rule 12 "" "" "/$cgr/a/x" 9400 churn
rule 22 "" "" "/$cgr/b" 9400 base
rule 35 "" "" "/$cgr" 9400 churn
rule 5 3010 3019 "/$cgr/a" 9400 base # cgroup and uid range
rule 8 3020 3029 "/$cgr/a/x" 9000-9500 base
rule 6 3033 3033 "/$cgr/b" 9400 churn # cgroup and one uid
cgs=(a b a/x)
for ((k = 0; k < 20; k++)); do # more cgroup rules, tied priorities
	pt
	rule 20 "" "" "/$cgr/${cgs[k % 3]}" 9400 "$t"
done
rule 45 "" "" "" 9400 churn # any socket: gone with the churn table

# rule_line I: rule I as wfpredirctl takes it
rule_line()
{
	local l="rule add service svc id ${R_id[$1]} priority ${R_prio[$1]} proto tcp dport ${R_port[$1]}"

	[ -n "${R_umin[$1]}" ] && l+=" uid ${R_umin[$1]}-${R_umax[$1]}"
	[ -n "${R_cg[$1]}" ] && l+=" cgroup ${R_cg[$1]}"
	echo "$l"
}

# conf TABLE...: a wfpredirctl -f file of the live rules of each TABLE
# (applying it replaces those tables in one transaction)
conf()
{
	local t i

	for t in "$@"; do
		echo "table $t"
		# a service per table: a rule names one of its own table
		if [ "$t" = base ]; then
			echo "service add svc id 1 ipv4 127.0.0.1:15400"
		else
			echo "service add svc id 2 ipv4 127.0.0.1:15401"
		fi
		for ((i = 0; i < n; i++)); do
			[ "${R_table[i]}" = "$t" ] && ((R_live[i])) && rule_line "$i"
		done
	done
}

# model_order: the live rules' indexes in (priority, id) order, in $order
model_order()
{
	local i

	mapfile -t order < <(for ((i = 0; i < n; i++)); do
		((R_live[i])) && echo "${R_prio[i]} ${R_id[i]} $i"
	done | sort -n -k1,1 -k2,2 | cut -d' ' -f3)
}

# model UID CGROUP: in $best, the id of the rule that should redirect a
# socket of UID in CGROUP (a path as rules name them), or 0: the first in
# $order whose uid range and cgroup hold it
model()
{
	local i

	best=0
	for i in "${order[@]}"; do
		if [ -n "${R_umin[i]}" ]; then
			(($1 >= R_umin[i] && $1 <= R_umax[i])) || continue
		fi
		if [ -n "${R_cg[i]}" ]; then
			[[ $2 == "${R_cg[i]}" || $2 == "${R_cg[i]}"/* ]] || continue
		fi
		best=${R_id[i]}
		return
	done
}

# The sockets: every uid around the rules' in a cgroup no rule names, and
# some of them in each cgroup that rules name.
specs=()
for ((u = 2995; u <= 3075; u++)); do specs+=("$u@/$cgr/n"); done
for u in 0 1000 2989 4294967294; do specs+=("$u@/$cgr/n"); done
for c in a a/x b; do
	for u in 2999 3005 3010 3015 3019 3022 3025 3030 3033 3041 3050 3060 3101; do
		specs+=("$u@/$cgr/$c")
	done
done

# check PHASE DST: connect every spec to DST:9400 and compare each
# connection's rule with the model's
check()
{
	local phase=$1 dst=$2 out=$tmpd/socks.$1 line spec port uid cg
	local -A want=() got=()
	local bad=0 total=0 redirected=0 i pid w r best order
	local -A winners=()

	"$uidsocks" -N "$ns" -d "$dst:9400" -l "$dst:9400" -l 127.0.0.1:15400 -l 127.0.0.1:15401 \
		"${specs[@]/@/@/sys/fs/cgroup}" >"$out" 2>&1 &
	pid=$!
	bg_list+=("$pid")
	model_order
	if ! wait_for "$out" '^ready' 20; then
		echo "FAIL: $phase: uidsocks did not get ready"
		ret=1
		return 1
	fi
	while read -r spec port; do
		[ "$spec" = ready ] && break
		if [ "$port" = error ]; then
			echo "# $phase: $spec: connect failed"
			bad=$((bad + 1))
			continue
		fi
		uid=${spec%%@*}
		cg=${spec#*@/sys/fs/cgroup}
		model "$uid" "$cg"
		want[$port]=$best
		got[$port]=0
		total=$((total + 1))
	done <"$out"
	# flow tcp SRC->DST redirected to ADDR by service N rule M age Tms
	while read -r w _ line r; do
		[ "$w" = flow ] || continue
		[ "${line#*->"$dst":9400}" != "$line" ] || continue
		port=${line%%->*}
		port=${port##*:}
		[ -n "${got[$port]+x}" ] || continue
		if [[ $r =~ rule\ ([0-9]+) ]]; then
			got[$port]=${BASH_REMATCH[1]}
		fi
	done < <(ctl_ns "$ns" flow list)
	kill "$pid"
	wait "$pid" 2>/dev/null
	for port in "${!want[@]}"; do
		if [ "${got[$port]}" != "${want[$port]}" ]; then
			((bad++ < 10)) && echo "# $phase: port $port: rule ${got[$port]}, model ${want[$port]}"
		fi
		[ "${got[$port]}" != 0 ] && redirected=$((redirected + 1))
		winners[${got[$port]}]=1
	done
	echo "# $phase: $total connections, $redirected redirected, ${#winners[@]} distinct outcomes"
	expect "$phase: every connection landed where the model says" "0 of ${#specs[@]}" \
		echo "$bad of $total"
	# a check that could pass with the index off: most sockets must find
	# rules, and many different ones
	expect "$phase: the connections reached many rules" yes \
		is_gt "${#winners[@]}" 20
}

conf base churn >"$tmpd/all.conf"
setup ctl_ns "$ns" -f "$tmpd/all.conf" || exit 1
echo "# $n rules: $(ctl_ns "$ns" rule list | wc -l) in the kernel"
check loaded 127.0.0.1

# Deleted one by one (the non-transaction path), then the churn table in
# one transaction.
dels=0
for ((i = 0; i < n; i += 9)); do
	[ "${R_table[i]}" = base ] || continue
	setup ctl_ns "$ns" rule del "${R_id[i]}" || exit 1
	R_live[i]=0
	dels=$((dels + 1))
done
for ((i = 0; i < n; i++)); do [ "${R_table[i]}" = churn ] && R_live[i]=0; done
conf churn >"$tmpd/churn.conf"
setup ctl_ns "$ns" -f "$tmpd/churn.conf" || exit 1
echo "# deleted $dels rules, then the churn table"
check deleted 127.0.0.2

# Back again: the deleted ones one by one, the churn table in one
# transaction.
for ((i = 0; i < n; i += 9)); do
	[ "${R_table[i]}" = base ] || continue
	R_live[i]=1
	# shellcheck disable=SC2046 # the words of the rule
	setup ctl_ns "$ns" $(rule_line "$i") table base || exit 1
done
for ((i = 0; i < n; i++)); do R_live[i]=1; done
conf churn >"$tmpd/churn.conf"
setup ctl_ns "$ns" -f "$tmpd/churn.conf" || exit 1
check readded 127.0.0.3

exit $ret
