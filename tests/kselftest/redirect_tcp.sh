#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A rule redirects new TCP flows to its service: a client in one namespace
# reaches a server in another through wfpredir-proxy, the data round-trips,
# and without a matching rule the client goes direct. Each match is checked
# both ways (destination port ranges, prefix, socket uid, cgroup, protocol,
# family) and so is the order of rules (priority, then id), over IPv4 and
# IPv6. The body is redirect_matrix in lib.sh, shared with redirect_udp.sh.
#
#   ns a-SFX: client, rules, wfpredir-proxy (px), echo services svc1..3
#   ns b-SFX: the flowpeer server    (veth: 10.99.0.1, fd99::1 <-> 10.99.0.2, fd99::2)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" "$flowpeer" ip jq ss setpriv

redir_init
trap redir_cleanup EXIT
redirect_matrix tcp
exit $ret
