#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# wfpredirctl save prints a file that restores the state exactly: two
# vendors' conf.d files, included by a main file, are applied; save; every
# rule and service is flushed; the saved file is applied to the empty
# namespace; save again prints the same file, byte for byte. Vendor B's
# file holds thousands of rules (one netlink message of some megabytes:
# the library raises the socket's send buffer). Applying the main file a
# second time changes nothing (the apply is idempotent), and a table the
# file does not name is left alone. A cgroup path with a blank, a '#' and
# quotes (an owner and a rule match) is written quoted and restores.
#
#   ns a-SFX: the configuration only (no traffic)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" ip

nrules=${SAVE_RULES:-$(per_kernel 20000 4000)}

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
ns_new "$nsa" || exit 1
c() { ctl_ns "$nsa" "$@"; }

# The file and save quote it: "/wfp save-SFX/a b#\"q\""
cg="wfp save-$sfx/a b#\"q\""
cg_new "wfp save-$sfx" && cg_new "$cg" || {
	echo "SKIP: no cgroup v2 at /sys/fs/cgroup"
	exit 4
}

mkdir -p "$tmpd/etc/conf.d"
cat >"$tmpd/etc/wfpredir.conf" <<EOC
# the main file: only includes
config set chain-max 6 inherit off
include conf.d/*.conf
EOC
cat >"$tmpd/etc/conf.d/10-vendor-a.conf" <<EOC
table vendor-a
service add proxy ipv4 127.0.0.1:3128 ipv6 [::1]:3128 owner uid 123
service add dns id 77 ipv4 127.0.0.1:5353
rule add service proxy priority 10 proto tcp dport 80
rule add service proxy priority 10 family ipv6 proto tcp to 2001:db8::/32 dport 443
rule add service dns id 500 proto udp dport 53 uid 1000-2000 context 00ff10
service add inspect ipv4 127.0.0.1:3129 owner cgroup "/wfp save-$sfx/a b#\"q\""
rule add service inspect priority 20 proto tcp dport 8080 cgroup "/wfp save-$sfx/a b#\"q\""
EOC
{
	echo "table vendor-b"
	echo "service add proxy ipv4 127.0.0.2:3128"
	for ((i = 0; i < nrules; i++)); do
		echo "rule add service proxy priority $((i % 7)) proto tcp to 10.$((i / 65536 % 256)).$((i / 256 % 256)).$((i % 256))/32 dport $((1000 + i % 50000))"
	done
} >"$tmpd/etc/conf.d/20-vendor-b.conf"

# a table no file names: applying the files leaves it alone
setup c service add keep table other ipv4 127.0.0.9:1 || exit 1
setup c rule add service keep table other proto udp || exit 1

t0=$(date +%s)
expect "the main file and its includes apply" ok \
	sh -c "nsenter --net=/run/netns/$nsa $ctl -f $tmpd/etc/wfpredir.conf && echo ok"
echo "# applied $((nrules + 4)) rules in $(($(date +%s) - t0)) s"
expect "every rule is there" $((nrules + 5)) info_get "$nsa" rules
expect "the table no file names is untouched" keep \
	sh -c "nsenter --net=/run/netns/$nsa $ctl -j service list table other | jq -r '.[0].name'"
expect "the config values were applied" 6 info_get "$nsa" chain_max

c save >"$tmpd/save1" || echo "FAIL: save"
expect "save quotes the cgroup path of the owner and the rule" 2 \
	grep -cF "cgroup \"/wfp save-$sfx/a b#\\\"q\\\"\"" "$tmpd/save1"
setup c -f "$tmpd/etc/wfpredir.conf" || exit 1
c save >"$tmpd/save1b"
expect "save has a block per table" "table other" sh -c "grep '^table' '$tmpd/save1' | sort -u | head -n 1"
# As nft's handles: a rule the file gives no id gets a new one each time.
# Listings order rules by priority, then id: so no two rules of a table
# share a priority unless the file fixes their ids (dns has id 500).
for f in save1 save1b; do
	sed 's/^rule add id [0-9]* /rule add /' "$tmpd/$f" >"$tmpd/$f.noids"
	grep '^service' "$tmpd/$f" >"$tmpd/$f.services"
done
expect "applying the same file twice leaves the same rules and services" same \
	sh -c "cmp -s '$tmpd/save1.noids' '$tmpd/save1b.noids' && echo same || echo differs"
expect "services the file did not change kept their ids" same \
	sh -c "cmp -s '$tmpd/save1.services' '$tmpd/save1b.services' && echo same || echo differs"

setup c rule flush && setup c service flush || exit 1
setup c config set chain-max 8 inherit on || exit 1
expect "the namespace is empty" 0 info_get "$nsa" rules
t0=$(date +%s)
expect "the saved file applies to the empty namespace" ok \
	sh -c "nsenter --net=/run/netns/$nsa $ctl -f $tmpd/save1 && echo ok"
echo "# restored in $(($(date +%s) - t0)) s"
c save >"$tmpd/save2"
expect "save after restore is save before, byte for byte" same \
	sh -c "cmp -s '$tmpd/save1' '$tmpd/save2' && echo same || diff '$tmpd/save1' '$tmpd/save2' | head -n 5"
expect "the saved file restores from stdin too" ok \
	sh -c "nsenter --net=/run/netns/$nsa $ctl -f - <'$tmpd/save1' && echo ok"
exit $ret
