# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# Shared by the wfpredir kselftests: sourced, never run. Each test script
# sets `ret`, uses `expect` for its cases and ends with `exit $ret`.

ksft_skip=4
ret=0
# Eight random characters for the names of namespaces, cgroups and the
# scratch directory; no mktemp or dirname process (see below).
printf -v sfx '%08x' "$SRANDOM"
lib_dir=.
[[ ${BASH_SOURCE[0]} == */* ]] && lib_dir=${BASH_SOURCE[0]%/*}
top=$(cd "$lib_dir/../.." && pwd)
build=${WFPREDIR_BUILD:-$top/build}
probe=$build/tests/sockopt-probe
ctl=$build/tools/wfpredirctl

# Under TCG every fork and exec costs 50-130 ms (a `grep -q` in a polling
# loop costs more than the 0.1 s it waits): the helpers below poll, match
# and cut lines with bash builtins, and leave processes to the work itself.

# nap SECS: sleep without a process. read times out on a pipe that this
# shell holds both ends of, so nothing ever arrives.
exec {nap_fd}<> <(:)
nap()
{
	read -rt "$1" -u "$nap_fd"
	return 0
}

# per_kernel STOCK DEBUG: a load size for this kernel. KASAN, lockdep and
# kmemleak report a bad access or lock on the first pass over a path, and run
# about five times slower: the debug kernel gets the smaller load.
per_kernel()
{
	if [ "${WFPREDIR_KERNEL:-}" = debug ]; then
		echo "$2"
	else
		echo "$1"
	fi
}

# need_cpus N: skip unless the VM has N CPUs online. For a test whose point
# is two CPUs at once: on fewer it would pass without proving anything
# (tests/check gives such tests a boot with two vCPUs).
need_cpus()
{
	local have

	have=$(nproc)
	if [ "$have" -lt "$1" ]; then
		echo "SKIP: needs $1 CPUs at once, the VM has $have"
		exit $ksft_skip
	fi
}

# need_failslab: skip unless this kernel injects slab faults (failslab and
# fail-nth: the debug kernel). Sets $fs, failslab's debugfs directory.
need_failslab()
{
	fs=/sys/kernel/debug/failslab
	if [ ! -d "$fs" ] || [ ! -e /proc/thread-self/fail-nth ]; then
		echo "SKIP: this kernel has no slab fault injection (use make check-debug)"
		exit $ksft_skip
	fi
}

# failslab_quiet Y|N: keep failslab's settings for failslab_restore (the
# test's EXIT trap), fail sleeping allocations too (N) or only atomic ones
# (Y, ignore-gfp-wait), and keep the injections quiet: their stack dumps
# would read as kernel reports.
failslab_quiet()
{
	failslab_saved=("$(<"$fs/ignore-gfp-wait")" "$(<"$fs/verbose")")
	echo "$1" >"$fs/ignore-gfp-wait"
	echo 0 >"$fs/verbose"
}

failslab_restore()
{
	[ ${#failslab_saved[@]} -eq 2 ] || return 0
	echo "${failslab_saved[0]}" >"$fs/ignore-gfp-wait"
	echo "${failslab_saved[1]}" >"$fs/verbose"
}

# module_log: the module's last kernel log lines, where a load-time
# self-test of a WFPREDIR_DEBUG build says what failed.
module_log()
{
	dmesg | grep 'wfpredir' | tail -n 20 | sed 's/^/#   /'
}

# skip_unless_vm: these tests load a kernel module; only the test VM may.
skip_unless_vm()
{
	if [ "${WFPREDIR_VM:-}" != 1 ]; then
		echo "SKIP: run inside the test VM (tests/vm/run)"
		exit $ksft_skip
	fi
	# The VM loads the module before the tests, and every test that
	# removes it inserts it again: missing, an earlier reinsert failed
	# (a self-test of a WFPREDIR_DEBUG build, say), and every test after
	# it would skip and pass unseen.
	if [ ! -d /sys/module/wfpredir ]; then
		echo "FAIL: wfpredir.ko is not loaded: an earlier test's reinsert failed"
		module_log
		exit 1
	fi
}

# need TOOL...: skip the test when a system tool it uses is missing; fail it
# when a program this project builds is missing (run make first).
need()
{
	local t

	for t in "$@"; do
		case "$t" in
		"$build"/*)
			if [ ! -x "$t" ]; then
				echo "FAIL: $t is not built (make)"
				exit 1
			fi
			;;
		*)
			if ! command -v "$t" >/dev/null 2>&1; then
				echo "SKIP: $t not available"
				exit $ksft_skip
			fi
			;;
		esac
	done
}

# expect DESCRIPTION WANT CMD...: run CMD, compare its first output word
# (or, when WANT has a space, its whole first line) with WANT.
expect()
{
	local desc=$1 want=$2 got
	shift 2

	got=$("$@" 2>&1)
	got=${got%%$'\n'*}
	case "$want" in
	*" "*) ;;
	*) got=${got%% *} ;;
	esac
	if [ "$got" = "$want" ]; then
		echo "PASS: $desc"
	else
		echo "FAIL: $desc: want '$want', got '$got'"
		ret=1
	fi
}

# expect_rc DESCRIPTION WANT_RC CMD...: compare CMD's exit status.
expect_rc()
{
	local desc=$1 want=$2 rc=0
	shift 2

	"$@" >/dev/null 2>&1 || rc=$?
	if [ "$rc" -eq "$want" ]; then
		echo "PASS: $desc"
	else
		echo "FAIL: $desc: want exit $want, got $rc"
		ret=1
	fi
}

# Probe families: "4" is AF_INET at SOL_IP, "6" AF_INET6 at SOL_IPV6, "m" an
# AF_INET6 socket with a v4-mapped flow asked at SOL_IP.
protos="tcp udp"

# ------------------------------------------------------------------------
# The redirect tests: namespaces, background processes, the proxy, and
# what wfpredirctl reports. Every JSON field name the tests rely on lives in
# the functions below, nowhere else.

proxy_bin=$build/tools/wfpredir-proxy
flowpeer=$build/tests/flowpeer
hop=$build/tests/hop

# topo_up addresses: the client side (rules, services, proxies, clients) and
# the server side of a veth pair.
A4=10.99.0.1
B4=10.99.0.2
A6=fd99::1
B6=fd99::2
tmpd=
ns_list=()
bg_list=()
cg_list=()

# redir_init: a scratch directory ($tmpd); call before anything below.
# module_params PARAM...: this test runs on the module reloaded with
# PARAM... (max_flows=N, ...), which goes back to its defaults at exit with
# the namespaces (redir_init/redir_cleanup; the EXIT trap is set here). A
# skip without the module file.
module_params()
{
	ko=${WFPREDIR_MODULE:-}
	if [ ! -f "$ko" ]; then
		echo "SKIP: WFPREDIR_MODULE does not name the module file"
		exit $ksft_skip
	fi
	redir_init
	trap module_params_restore EXIT
	rmmod wfpredir || exit 1
	if ! setup insmod "$ko" "$@"; then
		module_log
		exit 1
	fi
}

# shellcheck disable=SC2317 # run by module_params' EXIT trap
module_params_restore()
{
	redir_cleanup
	[ -d /sys/module/wfpredir ] && rmmod wfpredir
	if ! insmod "$ko"; then
		echo "FAIL: the module does not go back in:"
		module_log
		exit 1
	fi
}

redir_init()
{
	local i

	# mkdir, not mktemp and chmod: one process. It fails on a name that
	# exists, so the directory is ours; clients run as other users read
	# from it too (755).
	for ((i = 0; i < 10; i++)); do
		tmpd=${TMPDIR:-/tmp}/wfpredir-test.$sfx.$i
		mkdir -m 755 "$tmpd" 2>/dev/null && return 0
	done
	echo "FAIL: cannot make a scratch directory in ${TMPDIR:-/tmp}"
	exit 1
}

# kproxy_init: locate the in-kernel proxy test module (tests/modules/kproxy,
# built beside the wfpredir.ko under test) as $kproxy, its control file as
# $kpf, and set an EXIT trap that unloads it and runs redir_cleanup; exits
# with a skip when the module is not built. Calls redir_init.
kproxy_init()
{
	local ko=${WFPREDIR_MODULE:-$top/kmod/wfpredir.ko}

	kproxy=$(dirname "$ko")/../tests/modules/kproxy/wfpredir_kproxy.ko
	if [ ! -f "$kproxy" ]; then
		echo "SKIP: $kproxy is not built (make WFPREDIR_DEBUG=1 module)"
		exit "$ksft_skip"
	fi
	kpf=/proc/wfpredir_kproxy
	redir_init
	trap kproxy_cleanup EXIT
}

# kproxy_field NAME: the value of the line "NAME VALUE" of the kproxy
# module's control file.
kproxy_field()
{
	local key value

	while read -r key value _; do
		[ "$key" = "$1" ] && echo "$value"
	done <"$kpf"
}

kproxy_cleanup()
{
	rmmod wfpredir_kproxy 2>/dev/null
	redir_cleanup
}

# redir_cleanup: stop every process bg_run and proxy_start started, delete
# every namespace ns_new made, remove $tmpd. For the EXIT trap.
redir_cleanup()
{
	local p i alive

	for p in "${bg_list[@]}"; do kill "$p" 2>/dev/null; done
	for ((i = 0; i < 20; i++)); do
		alive=0
		for p in "${bg_list[@]}"; do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		((alive)) || break
		nap 0.1
	done
	for p in "${bg_list[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	# one ip for them all; -force: on past a namespace already gone
	if ((${#ns_list[@]})); then
		printf 'netns del %s\n' "${ns_list[@]}" | ip -force -b - 2>/dev/null
	fi
	for ((i = ${#cg_list[@]} - 1; i >= 0; i--)); do rmdir "${cg_list[i]}" 2>/dev/null; done
	[ -n "$tmpd" ] && rm -rf "$tmpd"
	return 0
}

# Commands run in a namespace with `nsenter --net=/run/netns/NAME CMD`, not
# `ip netns exec NAME CMD`: both exec CMD in place, but ip also unshares the
# mount namespace and remounts /sys, half a second a call under TCG, and no
# test reads /sys/class/net.

# ns_new NAME: a network namespace with lo up, deleted by redir_cleanup.
ns_new()
{
	ip netns add "$1" || return 1
	ns_list+=("$1")
	ip -n "$1" link set lo up
}

# topo_up NSA NSB: two new namespaces joined by veth0 <-> veth0, with
# $A4/$A6 in NSA and $B4/$B6 in NSB. One `ip -b` per namespace: every ip
# process costs a tenth of a second in the VM.
topo_up()
{
	ip netns add "$1" || return 1
	ns_list+=("$1")
	ip netns add "$2" || return 1
	ns_list+=("$2")
	ip -n "$1" -b - <<-EOF || return 1
		link set lo up
		link add veth0 type veth peer name veth0 netns $2
		addr add $A4/24 dev veth0
		addr add $A6/64 dev veth0 nodad
		link set veth0 up
	EOF
	ip -n "$2" -b - <<-EOF
		link set lo up
		addr add $B4/24 dev veth0
		addr add $B6/64 dev veth0 nodad
		link set veth0 up
	EOF
}

# setup CMD...: a step the test needs; on failure it fails the test, says
# what failed, and returns 1.
setup()
{
	local out

	if ! out=$("$@" 2>&1); then
		echo "FAIL: setup: $*: $out"
		ret=1
		return 1
	fi
}

# bg_run OUT CMD...: start CMD in the background, output to OUT; stopped by
# redir_cleanup. $! is the process.
bg_run()
{
	local out=$1
	shift
	# Emptied here, not only by the child's redirection: a caller that
	# reuses OUT must not find the last run's lines while the child starts.
	: >"$out"
	"$@" >"$out" 2>&1 &
	bg_list+=($!)
}

# bg_stop PID: stop one process bg_run started, and reap it.
bg_stop()
{
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# wait_for FILE REGEX [SECS]: until a line of FILE matches the extended
# regular expression REGEX (default 10 s).
wait_for()
{
	local i n=$((${3:-10} * 10)) line

	for ((i = 0; i < n; i++)); do
		if [ -r "$1" ]; then
			while IFS= read -r line; do
				[[ $line =~ $2 ]] && return 0
			done <"$1"
		fi
		nap 0.1
	done
	echo "# timed out waiting for '$2' in $1:"
	sed 's/^/#   /' "$1" 2>/dev/null | tail -n 20
	return 1
}

# wait_port NS tcp|udp PORT [SECS]: until something listens on PORT in NS:
# a TCP socket in LISTEN or an unconnected UDP socket bound to it, in the
# namespace's /proc/net tables (ss takes most of a second to start).
wait_port()
{
	local i n=$((${4:-10} * 10)) state=0A fields re

	[ "$2" = udp ] && state=07
	printf -v re ':%04X$' "$3"
	for ((i = 0; i < n; i++)); do
		while read -r -a fields; do
			[[ ${fields[1]} =~ $re ]] && [ "${fields[3]}" = "$state" ] && return 0
		done < <(nsenter --net=/run/netns/"$1" cat /proc/net/"$2" /proc/net/"$2"6 2>/dev/null)
		nap 0.1
	done
	echo "# nothing listens on $2 port $3 in $1"
	return 1
}

# proxy_start NS NAME ARGS...: wfpredir-proxy -n NAME -v ARGS in NS, logging to
# $tmpd/NAME.log; waits until it listens on every address: it writes its
# pidfile once all of them are bound.
proxy_start()
{
	local ns=$1 name=$2 pid i
	shift 2

	rm -f "$tmpd/$name.pid"
	nsenter --net=/run/netns/"$ns" "$proxy_bin" -n "$name" -v -l "$tmpd/$name.log" \
		--pidfile "$tmpd/$name.pid" "$@" >>"$tmpd/$name.out" 2>&1 &
	pid=$!
	bg_list+=("$pid")
	for ((i = 0; i < 100; i++)); do
		[ -s "$tmpd/$name.pid" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		nap 0.1
	done
	echo "# proxy $name did not start:"
	sed 's/^/#   /' "$tmpd/$name.out" "$tmpd/$name.log" 2>/dev/null
	return 1
}

# server_start NS ARGS...: flowpeer serve ARGS in NS; waits until it listens.
server_start()
{
	local ns=$1 out
	shift
	out=$tmpd/server-$ns-$RANDOM.out
	bg_run "$out" nsenter --net=/run/netns/"$ns" "$flowpeer" serve "$@"
	wait_for "$out" '^listening'
}

# ---------------------------------------------------------- wfpredirctl
# ctl_ns NS ARGS...: wfpredirctl in namespace NS.
ctl_ns()
{
	local ns=$1
	shift
	# -n enters the namespace itself, like nsenter (see ns_new).
	"$ctl" -n "$ns" "$@"
}

# json_value JSON KEY: the value of "KEY" in JSON (a number, true/false, or a
# string without escapes), or "missing". Keys of `wfpredirctl -j info` are
# unique whatever nests them, and bash reads them in-process: jq takes half a
# second to start in the VM and the counters are read in every wait loop.
json_value()
{
	local v re="\"$2\": ?(\"[^\"]*\"|[^,}[:space:]]+)"

	if [[ $1 =~ $re ]]; then
		v=${BASH_REMATCH[1]}
		v=${v#\"}
		echo "${v%\"}"
	else
		echo missing
	fi
}

# info_get NS KEY: one value of `wfpredirctl -j info` (counters, config,
# counts), wherever the object nests it.
info_get()
{
	local json

	json=$(ctl_ns "$1" -j info) || return
	json_value "$json" "$2"
}

# flows_json NS: `wfpredirctl -j flow list` as one JSON array of flows.
flows_json()
{
	ctl_ns "$1" -j flow list | jq -s -c '
		if length == 1 and (.[0] | type) == "array" then .[0]
		elif length == 1 and (.[0] | type) == "object" and (.[0] | has("flows"))
		then .[0].flows
		else . end'
}

# flow_chain NS ADDR:PORT [redirected|final]: for each flow whose original
# destination is ADDR:PORT ("[ADDR6]:PORT" for IPv6; redirected: only those
# that were redirected; final: only those that were not, the last hop's), one
# line: the service ids of its record entries, oldest first, an inherited
# entry suffixed "*". Read from `wfpredirctl flow list` in bash (jq costs
# half a second in the VM):
#   flow PROTO SRC->DST [redirected to ADDR by service N rule M] age Tms
#     entry I service N rule M ... [inherited] [service-only]
flow_chain()
{
	local line chain='' take=0 redirected
	local -a fields

	while IFS= read -r line; do
		read -r -a fields <<<"$line"
		case "${fields[0]}" in
		flow)
			((take)) && echo "$chain"
			chain=
			redirected=0
			[ "${fields[3]}" = redirected ] && redirected=1
			take=0
			if [ "${fields[2]#*->}" = "$2" ]; then
				case "${3:-}:$redirected" in
				:* | redirected:1 | final:0) take=1 ;;
				esac
			fi
			;;
		entry)
			if ((take)); then
				[[ " ${fields[*]} " == *" inherited "* ]] && fields[3]+="*"
				chain+="${chain:+ }${fields[3]}"
			fi
			;;
		esac
	done < <(ctl_ns "$1" flow list)
	((take)) && echo "$chain"
	return 0
}

# ------------------------------------------------------------ cgroups
# cg_new NAME: a cgroup v2 directory under /sys/fs/cgroup (NAME may be
# nested: "a/b"), removed by redir_cleanup; prints nothing. Returns 1 when
# cgroup2 is not mounted there.
cg_new()
{
	[ -f /sys/fs/cgroup/cgroup.controllers ] || return 1
	mkdir "/sys/fs/cgroup/$1" || return 1
	cg_list+=("/sys/fs/cgroup/$1")
}

# in_cgroup NAME CMD...: run CMD in cgroup NAME ("" for the root cgroup).
in_cgroup()
{
	local cg=/sys/fs/cgroup/$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}

# --------------------------------------------------------- redirect_matrix
# redirect_matrix tcp|udp: redirect_tcp.sh and redirect_udp.sh. A client in
# namespace A, where the services, rules and proxy live, talks to a server
# in namespace B; flowpeer tells whether the server saw the client's own
# socket (direct) or another one (the proxy), and which service answered
# when a service's listener is an echo server rather than a proxy.
redirect_matrix()
{
	local p=$1 other=udp pf=-t u='' nsa=a-$sfx nsb=b-$sfx
	local f c far far2 net2 none fam before after

	if [ "$p" = udp ]; then
		other=tcp pf=-u u=-u
	fi
	topo_up "$nsa" "$nsb" || return
	ip -n "$nsb" addr add 10.99.0.130/24 dev veth0
	ip -n "$nsb" addr add fd99::1:2/64 dev veth0 nodad
	server_start "$nsb" "$pf" "$B4:8080" "$pf" "[$B6]:8080" "$pf" "$B4:9090" \
		"$pf" "[$B6]:9090" "$pf" 10.99.0.130:8080 "$pf" "[fd99::1:2]:8080" || return
	proxy_start "$nsa" px "$pf" 127.0.0.1:15001 "$pf" "[::1]:15001" || return
	server_start "$nsa" -n svc1 "$pf" 127.0.0.1:15011 "$pf" "[::1]:15011" || return
	server_start "$nsa" -n svc2 "$pf" 127.0.0.1:15012 "$pf" "[::1]:15012" || return
	server_start "$nsa" -n svc3 "$pf" 127.0.0.1:15013 || return
	setup ctl_ns "$nsa" service add px id 1 ipv4 127.0.0.1:15001 ipv6 "[::1]:15001" &&
		setup ctl_ns "$nsa" service add svc1 id 11 ipv4 127.0.0.1:15011 ipv6 "[::1]:15011" &&
		setup ctl_ns "$nsa" service add svc2 id 12 ipv4 127.0.0.1:15012 ipv6 "[::1]:15012" &&
		setup ctl_ns "$nsa" service add v4only id 13 ipv4 127.0.0.1:15013 || return

	# go ARGS...: one client in namespace A (flowpeer enters it: -N, one
	# process a client, not two)
	go() { "$flowpeer" -N "$nsa" connect $u -T 5 "$@"; }
	# go_as UID ARGS...: the same, as another user
	go_as()
	{
		local id=$1
		shift
		nsenter --net=/run/netns/"$nsa" setpriv --reuid="$id" --regid="$id" --clear-groups \
			"$flowpeer" connect $u -T 5 "$@"
	}
	for f in 4 6; do
		if [ $f = 4 ]; then
			far=$B4 far2=10.99.0.130 net2=10.99.0.128/25 none=10.99.1.0/24 fam=ipv4
		else
			far="[$B6]" far2="[fd99::1:2]" net2=fd99::1:0/112 none=fd99:1::/64 fam=ipv6
		fi
		c="v$f/$p"
		setup ctl_ns "$nsa" rule flush
		expect "$c: without a rule the client goes direct" "server src=same" go "$far:8080"

		before=$(info_get "$nsa" redirects)
		setup ctl_ns "$nsa" rule add service px proto "$p"
		expect "$c: with a rule it goes through the proxy, data round-trips" \
			"server src=other" go -m "ping-$f-$p" "$far:8080"
		after=$(info_get "$nsa" redirects)
		expect "$c: the redirect is counted once (redirects $before -> $after)" 1 \
			echo $((after - before))
		expect "$c: a rule without ports takes every port: 9090 too" "server src=other" \
			go "$far:9090"
		setup ctl_ns "$nsa" rule flush
		expect "$c: after rule flush the client goes direct again" "server src=same" \
			go "$far:8080"

		setup ctl_ns "$nsa" rule add service px proto "$other"
		expect "$c: a rule for $other leaves $p alone" "server src=same" go "$far:8080"
		setup ctl_ns "$nsa" rule flush
		setup ctl_ns "$nsa" rule add service px family "$([ $f = 4 ] && echo ipv6 || echo ipv4)"
		expect "$c: a rule for the other family leaves it alone" "server src=same" \
			go "$far:8080"
		setup ctl_ns "$nsa" rule flush
		setup ctl_ns "$nsa" rule add service v4only proto "$p"
		if [ $f = 4 ]; then
			expect "$c: a service with an IPv4 address takes IPv4 flows" "svc3 src=same" \
				go "$far:8080"
		else
			expect "$c: a service without an IPv6 address never takes IPv6 flows" \
				"server src=same" go "$far:8080"
		fi
		setup ctl_ns "$nsa" rule flush

		# destination ports
		setup ctl_ns "$nsa" rule add service px proto "$p" dport 8000-8100
		expect "$c: dport 8000-8100 takes 8080" "server src=other" go "$far:8080"
		expect "$c: dport 8000-8100 leaves 9090" "server src=same" go "$far:9090"
		setup ctl_ns "$nsa" rule flush
		setup ctl_ns "$nsa" rule add service px proto "$p" dport 9090
		expect "$c: dport 9090 takes 9090" "server src=other" go "$far:9090"
		expect "$c: dport 9090 leaves 8080" "server src=same" go "$far:8080"
		setup ctl_ns "$nsa" rule flush
		setup ctl_ns "$nsa" rule add service px proto "$p" dport 8081-9089
		expect "$c: dport 8081-9089 leaves 8080" "server src=same" go "$far:8080"
		expect "$c: dport 8081-9089 leaves 9090" "server src=same" go "$far:9090"
		setup ctl_ns "$nsa" rule flush

		# destination prefix
		setup ctl_ns "$nsa" rule add service px family "$fam" to "$net2"
		expect "$c: to $net2 takes ${far2}" "server src=other" go "$far2:8080"
		expect "$c: to $net2 leaves ${far}" "server src=same" go "$far:8080"
		setup ctl_ns "$nsa" rule flush
		setup ctl_ns "$nsa" rule add service px family "$fam" to "$none"
		expect "$c: to $none leaves ${far}" "server src=same" go "$far:8080"
		setup ctl_ns "$nsa" rule flush

		# socket owner
		setup ctl_ns "$nsa" rule add service px proto "$p" uid 1000-1999
		expect "$c: uid 1000-1999 takes uid 1500" "server src=other" go_as 1500 "$far:8080"
		expect "$c: uid 1000-1999 takes uid 1000" "server src=other" go_as 1000 "$far:8080"
		expect "$c: uid 1000-1999 leaves uid 2500" "server src=same" go_as 2500 "$far:8080"
		expect "$c: uid 1000-1999 leaves root" "server src=same" go "$far:8080"
		setup ctl_ns "$nsa" rule flush

		# priority: lower first, ties by rule id
		setup ctl_ns "$nsa" rule add service svc1 id 101 priority 20 proto "$p"
		setup ctl_ns "$nsa" rule add service svc2 id 102 priority 10 proto "$p"
		expect "$c: priority 10 wins over priority 20" "svc2 src=same" go "$far:8080"
		setup ctl_ns "$nsa" rule del 102
		expect "$c: with it deleted, priority 20 takes the flow" "svc1 src=same" \
			go "$far:8080"
		setup ctl_ns "$nsa" rule add service svc2 id 100 priority 20 proto "$p"
		expect "$c: equal priorities go by rule id" "svc2 src=same" go "$far:8080"
		setup ctl_ns "$nsa" rule add service svc1 id 99 priority 1000 proto "$p" dport 8080
		setup ctl_ns "$nsa" rule add service px id 98 priority 5 proto "$p" dport 9090
		expect "$c: a better rule that does not match is passed over" "svc2 src=same" \
			go "$far:8080"
		setup ctl_ns "$nsa" rule flush
	done

	# cgroup v2
	if ! cg_new "wfpt-$sfx" || ! cg_new "wfpt-$sfx/child"; then
		echo "SKIP: cgroup v2 is not mounted at /sys/fs/cgroup: no cgroup cases"
		return
	fi
	setup ctl_ns "$nsa" rule add service px proto "$p" cgroup "/wfpt-$sfx"
	for f in 4 6; do
		c="v$f/$p"
		[ $f = 4 ] && far=$B4 || far="[$B6]"
		expect "$c: cgroup /wfpt-$sfx takes a socket of that cgroup" "server src=other" \
			in_cgroup "wfpt-$sfx" "$flowpeer" -N "$nsa" connect $u -T 5 "$far:8080"
		expect "$c: cgroup /wfpt-$sfx takes a socket of a child cgroup" "server src=other" \
			in_cgroup "wfpt-$sfx/child" "$flowpeer" -N "$nsa" connect $u -T 5 "$far:8080"
		expect "$c: cgroup /wfpt-$sfx leaves a socket of the root cgroup" "server src=same" \
			in_cgroup "" "$flowpeer" -N "$nsa" connect $u -T 5 "$far:8080"
	done
	setup ctl_ns "$nsa" rule flush
}

# kv FILE PREFIX KEY: in hop's output, the value of KEY= on the first line of
# FILE that starts with PREFIX and has it ("" when there is none).
kv()
{
	local line word words

	while IFS= read -r line; do
		[[ $line == "$2"* ]] || continue
		read -r -a words <<<"$line"
		for word in "${words[@]}"; do
			if [[ $word == "$3="* ]]; then
				echo "${word#"$3="}"
				return 0
			fi
		done
	done <"$1"
}

# hop_start OUT NS ARGS...: hop ARGS in NS, output to OUT; waits until it
# listens (with -l). $hop_pid is the process.
hop_start()
{
	local out=$1 ns=$2
	shift 2
	bg_run "$out" nsenter --net=/run/netns/"$ns" "$hop" "$@"
	hop_pid=$!
	case " $* " in
	*" -l "*) wait_for "$out" '^listening' ;;
	esac
}

# hop_wait [SECS]: wait for the hop started last to finish (default 15 s).
hop_wait()
{
	local i

	for ((i = 0; i < ${1:-15} * 10; i++)); do
		kill -0 "$hop_pid" 2>/dev/null || break
		nap 0.1
	done
	bg_stop "$hop_pid"
}

# list_len NS service|rule|flow: how many objects `wfpredirctl -j OBJECT
# list` shows in NS.
list_len()
{
	ctl_ns "$1" -j "$2" list | jq -s '
		if length == 1 and (.[0] | type) == "array" then .[0] | length
		elif length == 1 and (.[0] | type) == "object" and
		     ([.[0][] | arrays] | length) == 1 then [.[0][] | arrays][0] | length
		else length end'
}

# kmsg_mark: remember where the kernel log ends; kmsg_clean DESC: fail DESC
# if the kernel logged a warning, oops or leak since (the VM runner fails
# the run too; this names the test case).
kmsg_mark()
{
	kmsg_start=$(dmesg | wc -l)
}

kmsg_clean()
{
	local hits

	hits=$(dmesg | tail -n +$((kmsg_start + 1)) |
		grep -E 'WARNING:|BUG:|Oops|Call Trace|KASAN|UBSAN|refcount_t|list_(add|del) corruption|unreferenced object' |
		head -n 5)
	if [ -z "$hits" ]; then
		echo "PASS: $1"
	else
		echo "FAIL: $1: the kernel logged:"
		printf '%s\n' "$hits" | sed 's/^/#   /'
		ret=1
	fi
}

# wait_value DESC WANT SECS CMD...: like expect, but tries again every
# 0.2 s for up to SECS seconds before it fails.
wait_value()
{
	local desc=$1 want=$2 secs=$3 got i
	shift 3

	for ((i = 0; i <= secs * 5; i++)); do
		got=$("$@" 2>&1)
		got=${got%%$'\n'*}
		[ "$got" = "$want" ] && break
		nap 0.2
	done
	if [ "$got" = "$want" ]; then
		echo "PASS: $desc"
	else
		echo "FAIL: $desc: want '$want' within $secs s, got '$got'"
		ret=1
	fi
}

# is_gt A B: prints yes when the number A is greater than B, else no.
is_gt()
{
	if [ "$1" -eq "$1" ] 2>/dev/null && [ "$1" -gt "$2" ]; then echo yes; else echo no; fi
}

# ------------------------------------------------------------ proxy loops
# The loop_*.sh tests: alpha, a wfpredir-proxy that hands records on, and
# beta, a legacy proxy that drops them, both with rules for port $loop_port.

legacy_proxy=$build/tests/legacy-proxy
echoserve=$build/tests/echoserve
loop_port=7000
grp_list=()

# grp_run OUT CMD...: as bg_run, but CMD leads a process group of its own,
# which loop_cleanup kills whole: socat's forked children outlive a kill of
# their parent.
grp_run()
{
	local out=$1
	shift
	: >"$out"	# as in bg_run
	setsid "$@" >"$out" 2>&1 &
	grp_list+=($!)
}

# loop_cleanup: every process group grp_run started, then redir_cleanup.
loop_cleanup()
{
	local p

	for p in "${grp_list[@]}"; do kill -- -"$p" 2>/dev/null; done
	nap 0.2
	for p in "${grp_list[@]}"; do kill -KILL -- -"$p" 2>/dev/null; done
	redir_cleanup
}

# loop_server_start NS: an echo server in NS on $B4 and $B6, TCP and UDP
# port $loop_port. Its output, $tmpd/loop-server.out, has a line per TCP
# connection ("conn PEER"), per message ("msg PEER DATA") and per UDP
# datagram ("udp PEER DATA"): what reached it, whatever the client did next.
loop_server_start()
{
	bg_run "$tmpd/loop-server.out" nsenter --net=/run/netns/"$1" "$echoserve" "$B4" "$B6" \
		"$loop_port"
	wait_for "$tmpd/loop-server.out" '^listening'
}

# loop_arrived conn|msg|udp: how many lines of that kind the server printed.
loop_arrived()
{
	local line n=0

	while IFS= read -r line; do
		[[ $line == "$1 "* ]] && n=$((n + 1))
	done <"$tmpd/loop-server.out"
	echo "$n"
}

# loop_client NS half|close|rst|udp|udp-retry FAR: legacy-proxy --client to
# FAR:$loop_port ("[ADDR6]" for IPv6): what it printed.
# What the client says on stderr (udp-retry's resends) goes to
# $tmpd/loop-client.err, which loop_case shows: not into the answer.
loop_client()
{
	nsenter --net=/run/netns/"$1" timeout 30 "$legacy_proxy" --client "$2" "$3:$loop_port" \
		2>>"$tmpd/loop-client.err"
}

# loop_counters NS: "REDIRECTS CAPPED", in one call: the VM is slow.
loop_counters()
{
	local json

	json=$(ctl_ns "$1" -j info) || return
	echo "$(json_value "$json" redirects) $(json_value "$json" chain_capped)"
}

# loop_topo NSA NSB: topo_up, the echo server in NSB, and in NSA alpha
# (service 1, a wfpredir-proxy on port 15001, TCP and UDP, v4 and v6) and
# service beta (id 2, port 15002, OWNER... appended to `service add`, e.g.
# "owner uid 4242"), with rules for port $loop_port, TCP and UDP: alpha at
# priority 100, beta at 200. Beta's proxy is the test's to start.
loop_topo()
{
	local nsa=$1 nsb=$2 p
	shift 2

	topo_up "$nsa" "$nsb" || return 1
	loop_server_start "$nsb" || return 1
	setup ctl_ns "$nsa" service add alpha id 1 ipv4 127.0.0.1:15001 ipv6 "[::1]:15001" ||
		return 1
	setup ctl_ns "$nsa" service add beta id 2 ipv4 127.0.0.1:15002 ipv6 "[::1]:15002" "$@" ||
		return 1
	proxy_start "$nsa" alpha -t 127.0.0.1:15001 -t "[::1]:15001" -u 127.0.0.1:15001 \
		-u "[::1]:15001" || return 1
	for p in tcp udp; do
		setup ctl_ns "$nsa" rule add service alpha priority 100 proto $p dport "$loop_port" &&
			setup ctl_ns "$nsa" rule add service beta priority 200 proto $p \
				dport "$loop_port" || return 1
	done
}

# legacy_start NS OUT ARGS...: the legacy proxy (ARGS: its options) in NS,
# output to OUT, until it says it listens. $legacy_pid is the process; its
# workers and children die with it.
legacy_start()
{
	local ns=$1 out=$2
	shift 2
	bg_run "$out" nsenter --net=/run/netns/"$ns" "$@"
	legacy_pid=$!
	wait_for "$out" '^listening' 20
}

# loop_case DESC NS half|close|rst|udp FAR REDIRECTS CAPPED: one client
# (loop_client) through the loop; its exchange must complete and reach the
# server; by then every hop was redirected, and the flow must have been
# exactly REDIRECTS times, and chain_capped have grown by CAPPED.
loop_case()
{
	local c=$1 ns=$2 how=$3 far=$4 want=$5 capd=$6
	local -a counts0 counts1
	local arrived kind=conn reply="echo x"

	[[ $how == udp* ]] && kind=udp
	[ "$how" = close ] && reply=sent
	read -ra counts0 < <(loop_counters "$ns")
	arrived=$(loop_arrived $kind)
	expect "$c: the client's exchange completes" "$reply" loop_client "$ns" "$how" "$far"
	if [ -s "$tmpd/loop-client.err" ]; then
		sed "s/^/# $c: client: /" "$tmpd/loop-client.err"
		: >"$tmpd/loop-client.err"
	fi
	wait_value "$c: it reached the server, once" $((arrived + 1)) 15 loop_arrived $kind
	read -ra counts1 < <(loop_counters "$ns")
	echo "# $c: redirects ${counts0[0]} -> ${counts1[0]}, chain_capped ${counts0[1]} -> ${counts1[1]}"
	expect "$c: $want redirects" "$want" echo $((counts1[0] - counts0[0]))
	expect "$c: chain_capped +$capd" "$capd" echo $((counts1[1] - counts0[1]))
}

# loop_owner_uid: the uid beta's proxy runs as, and owner of beta, in the
# owned cases.
loop_owner_uid=4242

# "${loop_as_owner[@]}" CMD...: CMD as $loop_owner_uid (a program, for ip
# netns exec).
loop_as_owner=(setpriv "--reuid=$loop_owner_uid" "--regid=$loop_owner_uid" --clear-groups)

# loop_legacy_matrix owned|unowned MODE...: loop_legacy_*.sh and
# loop_owner_*.sh, beta run by legacy-proxy MODE as $loop_owner_uid, TCP.
# Each client shape, each family and each proxy timing (connect at once,
# 300 ms late) is met at least once; the VM is too slow for every product.
#  - unowned: clients that inheritance can follow (half-close, close right
#    after the request) are bounded by the chain cap: chain_max redirects,
#    chain_capped once;
#  - owned (beta's owner is $loop_owner_uid): every client, a reset too,
#    is bounded within one pass: alpha, beta, the server; two redirects.
# Then nothing moves any more.
loop_legacy_matrix()
{
	local nsa=a-$sfx nsb=b-$sfx kind=$1 cap capd=1 d c delay how far last
	local owner=() cases=("0 half $B4" "0 close [$B6]" "300 half [$B6]")
	shift

	if [ "$kind" = owned ]; then
		owner=(owner uid "$loop_owner_uid")
		cases=("0 half $B4" "0 rst [$B6]" "300 close [$B6]" "300 rst $B4")
		capd=0
	fi
	loop_topo "$nsa" "$nsb" "${owner[@]}" || return
	cap=$(info_get "$nsa" chain_max)
	[ "$kind" = owned ] && cap=2
	for d in 0 300; do
		legacy_start "$nsa" "$tmpd/beta-$d.out" "${loop_as_owner[@]}" "$legacy_proxy" "$@" \
			-d "$d" -n 40 -t 127.0.0.1:15002 -t "[::1]:15002" || return
		for c in "${cases[@]}"; do
			read -r delay how far <<<"$c"
			[ "$delay" = "$d" ] || continue
			loop_case "$kind $*, delay $d, $how, $far" "$nsa" "$how" "$far" "$cap" "$capd"
		done
		bg_stop "$legacy_pid"
	done
	last=$(info_get "$nsa" redirects)
	loop_quiet "$kind $*" "$nsa" "$last"
}

# loop_quiet DESC NS REDIRECTS: once a loop's client has its answer, every
# flow in NS must go (a closed connection's at the next collection, every
# second) and the redirect counter stay at REDIRECTS. A loop that went on
# would keep flows, or add redirects, in NS: waiting for no flow ends as
# soon as nothing is left that could loop, where a fixed sleep could only
# hope to have waited long enough.
loop_quiet()
{
	wait_value "$1: every flow goes" 0 10 info_get "$2" flows
	expect "$1: and no more redirects came" "$3" info_get "$2" redirects
}

# ------------------------------------------------------ third-party proxies
# The thirdparty_*.sh tests: a proxy from Debian (squid, haproxy, redsocks,
# nginx) as service T, alone and chained with pa (service 1, a
# wfpredir-proxy), first with no owner, uid, mark or cgroup anywhere, then
# with T owned by the uid the proxy runs as (its identity, not an exclusion).
# Each case has its own destination port on the origin server, so that its
# flows are its own:
#   8080 curl, 8081 python  T alone
#   8082 curl, 8083 python  pa then T (pa's rule has the better priority)
#   8084 curl, 8085 python  T then pa
#   8086 curl, 8087 python  pa then T, T owned
#   8088 curl, 8089 python  T then pa, T owned

tp_ports="8080 8081 8082 8083 8084 8085 8086 8087 8088 8089"
tporigin=$build/tests/tporigin

# tp_init NSA NSB: redir_init, the EXIT trap, topo_up, the origin server in
# NSB on every port of $tp_ports, v4 and v6, and pa in NSA (service 1 on
# 127.0.0.1:15101 and [::1]:15101). The third-party proxy is the test's.
tp_init()
{
	redir_init
	trap loop_cleanup EXIT
	topo_up "$1" "$2" || return 1
	mkdir "$tmpd/release"
	tp_origin_start "$2" || return 1
	setup ctl_ns "$1" service add pa id 1 ipv4 127.0.0.1:15101 ipv6 "[::1]:15101" ||
		return 1
	proxy_start "$1" pa -t 127.0.0.1:15101 -t "[::1]:15101"
}

# tp_origin_start NS: the origin (tests/helpers/tporigin.c), an HTTP server
# on $B4 and $B6, each port of $tp_ports. For every request it prints "req
# PEER PORT PATH", then holds the answer until $tmpd/release/TOKEN exists
# (PATH is /TOKEN; at most 15 s), so that every hop of the connection is
# alive while the test lists the flows; the body is "origin PORT TOKEN".
tp_origin_start()
{
	# shellcheck disable=SC2086 # a list of ports
	bg_run "$tmpd/origin.out" nsenter --net=/run/netns/"$1" "$tporigin" "$B4" "$B6" \
		"$tmpd/release" $tp_ports
	wait_for "$tmpd/origin.out" '^listening'
}

# tp_client curl|python NS URL: the body the client got (or its error).
# The issue's two clients: curl, and python3's urllib (about 1.3 s to start
# under TCG, the price of testing the client users run).
tp_client()
{
	case "$1" in
	curl)
		nsenter --net=/run/netns/"$2" curl -sS -g --noproxy '*' --max-time 20 "$3" 2>&1
		;;
	python)
		nsenter --net=/run/netns/"$2" python3 -c '
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
sys.stdout.write(opener.open(sys.argv[1], timeout=20).read().decode())' "$3" 2>&1
		;;
	esac
}

# tp_chains NS DST...: the chains (flow_chain) of every flow to DST...,
# redirected ones first, then "|", then the final ones; each part sorted,
# chains separated by ", ". One flow list for all: the VM is slow.
tp_chains()
{
	local ns=$1 line chain='' take=0 redirected=0
	local -a fields red=() fin=()

	shift
	# the text of `flow list`, as flow_chain reads it (jq: half a second)
	while IFS= read -r line; do
		read -r -a fields <<<"$line"
		case "${fields[0]}" in
		flow)
			if ((take)); then
				if ((redirected)); then red+=("$chain"); else fin+=("$chain"); fi
			fi
			chain=
			redirected=0
			[ "${fields[3]}" = redirected ] && redirected=1
			take=0
			[[ " $* " == *" ${fields[2]#*->} "* ]] && take=1
			;;
		entry)
			if ((take)); then
				[[ " ${fields[*]} " == *" inherited "* ]] && fields[3]+="*"
				chain+="${chain:+ }${fields[3]}"
			fi
			;;
		esac
	done < <(ctl_ns "$ns" flow list)
	if ((take)); then
		if ((redirected)); then red+=("$chain"); else fin+=("$chain"); fi
	fi
	echo "$(sorted_join red)|$(sorted_join fin)"
}

# sorted_join ARRAY: the strings of the array named ARRAY in byte order,
# joined by ", " (a few chains: an insertion sort beats a sort process).
sorted_join()
{
	local -n sj_in=$1
	local -a sj_out=()
	local x i out=
	local LC_ALL=C

	for x in "${sj_in[@]}"; do
		for ((i = ${#sj_out[@]}; i > 0; i--)); do
			[[ ${sj_out[i - 1]} > $x ]] || break
			sj_out[i]=${sj_out[i - 1]}
		done
		sj_out[i]=$x
	done
	for x in "${sj_out[@]}"; do out+="${out:+, }$x"; done
	echo "$out"
}

# count_lines FILE [REGEX]: how many lines of FILE match the extended regular
# expression REGEX (default: every line); 0 when FILE does not exist. For
# the proxies' logs, read in polling loops: no grep, no wc.
count_lines()
{
	local line n=0 re=${2:-}

	if [ -r "$1" ]; then
		while IFS= read -r line; do
			[[ -z $re || $line =~ $re ]] && n=$((n + 1))
		done <"$1"
	fi
	echo "$n"
}

# list_count LIST: how many items the ", "-separated LIST has.
list_count()
{
	local -a items
	local x n=0

	IFS=, read -r -a items <<<"$1"
	for x in "${items[@]}"; do
		[[ $x == *[![:space:]]* ]] && n=$((n + 1))
	done
	echo "$n"
}

# tp_hook_log: set by a test to a function that prints how many connections
# its proxy has logged so far.
tp_hook_log=

# tp_case DESC NSA CLIENT FAR PORT CHAINS LOGGED [DST...]: one request of
# CLIENT (tp_client) to http://FAR:PORT/TOKEN ("[ADDR6]" for IPv6). While the
# origin holds its answer, the flows to FAR:PORT and to each DST must carry
# exactly CHAINS (tp_chains: "REDIRECTED|FINAL"), and the redirect counter
# must have grown by the number of redirected flows, chain_capped not at
# all; or, CHAINS being "cap", the flow must have looped to the chain cap:
# chain_max redirected flows, one final flow of chain_max entries,
# chain_capped once. Then the client must get the origin's body for TOKEN,
# the origin must have seen TOKEN once, and the proxy (tp_hook_log) have
# logged LOGGED more connections.
tp_case()
{
	local c=$1 ns=$2 client=$3 far=$4 port=$5 want=$6 logged=$7 token l0 out pid hops
	local capd=0 got cap
	local -a dsts counts0 counts1 words

	shift 7
	dsts=("$far:$port" "$@")
	token=${c//[^a-zA-Z0-9]/-}-$sfx
	# each case has a port of its own, but not always a DST of its own
	[ $# -gt 0 ] &&
		wait_value "$c: no flow of an earlier case is left" "|" 5 tp_chains "$ns" "${dsts[@]}"
	hops=0
	read -ra counts0 < <(loop_counters "$ns")
	[ -n "$tp_hook_log" ] && l0=$($tp_hook_log)
	out=$tmpd/client-$token.out
	tp_client "$client" "$ns" "http://$far:$port/$token" >"$out" &
	pid=$!
	if ! wait_for "$tmpd/origin.out" " $port /$token\$" 30; then
		echo "FAIL: $c: the request did not reach the origin: $(head -c 300 "$out")"
		ret=1
	elif [ "$want" = cap ]; then
		cap=$(info_get "$ns" chain_max)
		got=$(tp_chains "$ns" "${dsts[@]}")
		echo "# $c: $got"
		hops=$(list_count "${got%|*}")
		read -r -a words <<<"${got#*|}"
		expect "$c: the loop ends at the cap: $cap redirected hops" "$cap" echo "$hops"
		expect "$c: and one final hop, of $cap entries" "$cap" echo "${#words[@]}"
		capd=1
	else
		expect "$c: the hops are $want" "$want" tp_chains "$ns" "${dsts[@]}"
		hops=$(list_count "${want%|*}")
	fi
	read -ra counts1 < <(loop_counters "$ns")
	: >"$tmpd/release/$token"
	wait "$pid"
	expect "$c: redirected $hops times (redirects ${counts0[0]} -> ${counts1[0]})" "$hops" \
		echo $((counts1[0] - counts0[0]))
	expect "$c: chain_capped +$capd" "$capd" echo $((counts1[1] - counts0[1]))
	expect "$c: the client gets the origin's answer" "origin $port $token" cat "$out"
	expect "$c: the origin saw the request once" 1 \
		count_lines "$tmpd/origin.out" " $port /$token\$"
	if [ -n "$tp_hook_log" ]; then
		wait_value "$c: the proxy logged $logged connections" $((l0 + logged)) 5 "$tp_hook_log"
	fi
}

# tp_matrix NSA SVC FAR4 FAR6: the cases of tp_rules, T's service id being
# SVC, for a proxy that connects on to the original destination; FAR6 ""
# for a proxy without IPv6. Alone, inheritance ends the chain after T: one
# hop. Chained with pa, nothing bounds it but the cap: T's onward
# connection inherits its chain, and an inherited entry passes over T's own
# service only, never pa's, so pa takes the flow again and hands the whole
# chain on, in which T's entry, inherited, does not keep T from taking it in
# turn (Documentation/third-party-proxies.rst): chain_max redirects, T
# passed chain_max / 2 times. Each client, family and order is met once, not
# every product: the VM is slow, and a looping case costs chain_max hops.
tp_matrix()
{
	local ns=$1 t=$2 far4=$3 far6=${4:-$3} f6=v6 half

	[ -z "$4" ] && f6=v4
	half=$(($(info_get "$ns" chain_max) / 2))
	tp_case "v4: T alone, curl" "$ns" curl "$far4" 8080 "$t|$t*" 1
	tp_case "$f6: T alone, python" "$ns" python "$far6" 8081 "$t|$t*" 1
	tp_case "$f6: pa then T, curl" "$ns" curl "$far6" 8082 cap "$half"
	tp_case "v4: T then pa, python" "$ns" python "$far4" 8085 cap "$half"
}

# tp_matrix_owned NSA SVC FAR4 FAR6: the owned cases (tp_owned_rules), T's
# owned service being id SVC, whose owner T's onward sockets belong to (FAR6
# "" for a proxy without IPv6). Each order, client and family once, two hops
# exactly:
#  - pa then T: T's records-less connection is its owner's, so only rules
#    ranking after all of T's may take it (the owner bound): none, it goes
#    to the origin, with no chain;
#  - T then pa: T's connection is bound the same way, pa's rule ranks after,
#    and it inherits [T*] (T's owner holds the flow); pa hands [T*, pa] on,
#    and T's entry, closing an inheritance made for T's owner, is a fact that
#    excludes T (design.rst, "The chain cap"): pa's onward connection goes to
#    the origin.
tp_matrix_owned()
{
	local ns=$1 t=$2 far4=$3 far6=${4:-$3} f6=v6

	[ -z "$4" ] && f6=v4
	tp_case "v4 owned: pa then T, curl" "$ns" curl "$far4" 8086 "1, 1 $t|" 1
	tp_case "$f6 owned: pa then T, python" "$ns" python "$far6" 8087 "1, 1 $t|" 1
	tp_case "$f6 owned: T then pa, curl" "$ns" curl "$far6" 8088 "$t, $t* 1|$t* 1" 1
	tp_case "v4 owned: T then pa, python" "$ns" python "$far4" 8089 "$t, $t* 1|$t* 1" 1
}

# tp_owned_rules NSA SVC SERVICE...: in one transaction (one process: the VM
# is slow), table "owned": the service add line SERVICE... (T's second
# listen address, an owner, id SVC) and the rules of tp_matrix_owned for it.
# Made once the unowned cases are done: an owner makes every records-less
# connection of T's uid bounded, the unowned cases' too.
tp_owned_rules()
{
	local t=$2

	setup ctl_ns "$1" -f - <<-CONF
		table owned
		${*:3}
		rule add service 1 priority 100 proto tcp dport 8086-8087
		rule add service $t priority 200 proto tcp dport 8086-8087
		rule add service $t priority 100 proto tcp dport 8088-8089
		rule add service 1 priority 200 proto tcp dport 8088-8089
	CONF
}

# tp_rules NSA SVC: the rules of tp_matrix, T being service id SVC, in one
# transaction.
tp_rules()
{
	local t=$2

	setup ctl_ns "$1" -f - <<-CONF
		table tp
		rule add service $t priority 200 proto tcp dport 8080-8081
		rule add service 1 priority 100 proto tcp dport 8082-8083
		rule add service $t priority 200 proto tcp dport 8082-8083
		rule add service $t priority 100 proto tcp dport 8084-8085
		rule add service 1 priority 200 proto tcp dport 8084-8085
	CONF
}
