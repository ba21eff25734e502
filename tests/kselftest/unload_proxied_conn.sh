#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A connection redirected through a chain of proxies (wfpredir-proxy, then
# a legacy proxy that drops records) outlives a reload of the module: its
# NAT binding lives in its conntrack entry, not in wfpredir, and the proxies
# carry on when their queries fail in the gap. After the admin's
# configuration is applied again, the client's bytes still come back from
# the origin through both proxies, and new connections are redirected again.
#
# Two cases, because the NAT core translates only while some NAT user holds
# its hooks in the namespace (Documentation/admin-guide.rst, Unloading):
#  - wfpredir the only NAT user: a connection idle across the reload works
#    after it (the translation resumes once the configuration brings the
#    hook back); nothing may cross the gap, or it leaves untranslated;
#  - a firewall present (an nft nat chain, and a rule that holds conntrack,
#    as firewalld, docker or libvirt install; a nat chain alone does not
#    keep conntrack's hooks): the connection keeps working in the gap as
#    well, and new connections in the gap go straight to their destination.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" "$legacy_proxy" "$flowpeer" ip nft insmod rmmod setpriv

ko=${WFPREDIR_MODULE:-}
if [ ! -f "$ko" ]; then
	echo "SKIP: WFPREDIR_MODULE does not name the module file"
	exit $ksft_skip
fi

declare -A cfd
cleanup()
{
	local fd

	for fd in "${cfd[@]}"; do exec {fd}>&-; done
	redir_cleanup
	[ -d /sys/module/wfpredir ] || insmod "$ko"
}
redir_init
trap cleanup EXIT

nsa=a-$sfx
nsb=b-$sfx
conf=$tmpd/proxies.conf
cat >"$conf" <<EOC
service add w1 id 1 ipv4 127.0.0.1:15001 ipv6 [::1]:15001
service add lg id 2 ipv4 127.0.0.1:15002 ipv6 [::1]:15002 owner uid $loop_owner_uid
rule add service w1 priority 100 proto tcp dport 8080
rule add service lg priority 200 proto tcp dport 8080
EOC

# held NAME ADDR: a client in $nsa holding one TCP connection to ADDR port
# 8080 open (bash's /dev/tcp: no process per message); each line written
# to ${cfd[NAME]} is sent, and the answer, or why none came, goes to
# $tmpd/NAME.out.
held()
{
	local fd

	mkfifo "$tmpd/$1.in"
	# read-write: the open does not wait for a reader
	exec {fd}<>"$tmpd/$1.in"
	# not bg_run: a background command's stdin would be /dev/null
	# shellcheck disable=SC2016 # the client's own variables
	nsenter --net=/run/netns/"$nsa" bash -c '
		trap "" PIPE
		exec 3<>"/dev/tcp/$1/8080" || exit 1
		while read -r msg; do
			if ! printf "%s\n" "$msg" >&3; then
				echo "$msg: send failed"
			elif read -r -t 10 ans <&3; then
				echo "$ans"
			else
				echo "$msg: no answer"
			fi
		done' _ "$2" <&"$fd" >"$tmpd/$1.out" 2>&1 &
	bg_list+=($!)
	cfd[$1]=$fd
}

# rt NAME MSG: send MSG on held connection NAME; print the tag of the
# origin that echoed it, or the client's failure.
rt()
{
	local line i
	local -a lines

	printf '%s\n' "$2" >&"${cfd[$1]}"
	for ((i = 0; i < 150; i++)); do
		mapfile -t lines <"$tmpd/$1.out"
		for line in "${lines[@]}"; do
			case "$line" in
			*" msg=$2") echo "${line%% *}" && return 0 ;;
			"$2: "*) echo "${line#"$2: "}" && return 0 ;;
			esac
		done
		sleep 0.1
	done
	echo "nothing within 15 s"
}

# new_conn ADDR: one new connection from $nsa to ADDR port 8080: "origin
# src=other" through the proxies, "origin src=same" straight to it.
new_conn()
{
	nsenter --net=/run/netns/"$nsa" "$flowpeer" connect -T 10 "$1:8080"
}

# reload C GAP...: rmmod, GAP (commands run without the module), insmod,
# and the configuration applied again, as the admin's unit would.
reload()
{
	local c=$1
	shift
	expect_rc "$c: rmmod with the connections open in the proxies" 0 rmmod wfpredir
	"$@"
	expect_rc "$c: insmod" 0 insmod "$ko"
	setup ctl_ns "$nsa" -f "$conf"
}

topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -n origin -t "$B4:8080" -t "[$B6]:8080" || exit 1
proxy_start "$nsa" w1 -t 127.0.0.1:15001 -t "[::1]:15001" || exit 1
legacy_start "$nsa" "$tmpd/lg.out" "${loop_as_owner[@]}" "$legacy_proxy" --threads \
	-t 127.0.0.1:15002 -t "[::1]:15002" || exit 1
setup ctl_ns "$nsa" -f "$conf" || exit 1

# --- wfpredir the only NAT user: idle across the reload
kmsg_mark
held i4 "$B4"
held i6 "$B6"
expect "idle: the IPv4 connection's first bytes come back" origin rt i4 one
expect "idle: the IPv6 connection's first bytes come back" origin rt i6 one
expect "idle: both went through wfpredir-proxy and the legacy proxy" 4 info_get "$nsa" redirects
reload idle sleep 1
expect "idle: the IPv4 connection's bytes come back after the reload" origin rt i4 two
expect "idle: the IPv6 connection's bytes come back after the reload" origin rt i6 two
# on their old NAT bindings: had the unload killed their conntrack entries,
# their next packets would have been picked up as new and redirected again
expect "idle: the reloaded module redirected nothing of theirs" 0 info_get "$nsa" redirects
expect "idle: a new IPv4 connection goes through the proxies again" "origin src=other" \
	new_conn "$B4"
expect "idle: a new IPv6 connection goes through the proxies again" "origin src=other" \
	new_conn "[$B6]"
expect "idle: each new connection was redirected twice" 4 info_get "$nsa" redirects
kmsg_clean "idle: the kernel log is clean"

# --- a firewall's NAT and conntrack users: traffic across the reload
setup nsenter --net=/run/netns/"$nsa" nft \
	'add table inet other; add chain inet other out { type nat hook output priority 100; };
	 add chain inet other in { type filter hook input priority 0; };
	 add rule inet other in ct state established,related accept' || exit 1
held a4 "$B4"
held a6 "$B6"
expect "busy: the IPv4 connection's first bytes come back" origin rt a4 one
expect "busy: the IPv6 connection's first bytes come back" origin rt a6 one
gap()
{
	expect "busy: in the gap the IPv4 connection's bytes come back" origin rt a4 gap
	expect "busy: in the gap the IPv6 connection's bytes come back" origin rt a6 gap
	expect "busy: in the gap a new connection goes straight to the origin" \
		"origin src=same" new_conn "$B4"
}
reload busy gap
expect "busy: the IPv4 connection's bytes come back after the reload" origin rt a4 after
expect "busy: the IPv6 connection's bytes come back after the reload" origin rt a6 after
expect "busy: the connection idle across the first reload still works" origin rt i4 three
expect "busy: a new connection goes through the proxies again" "origin src=other" \
	new_conn "$B4"
kmsg_clean "busy: the kernel log is clean"
exit $ret
