#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The owner bound holds for a legacy proxy made of a child forked per
# accepted connection, which connects onward. (tests/helpers/legacy-proxy.c
# --fork). It is beta (priority 200), owned by the uid it runs as, behind
# alpha (priority 100, a wfpredir-proxy that hands records on), both with
# rules for port 7000. Beta's records-less onward connections come from its
# owner's sockets, so only a rule ranking after beta's may take them: none
# does, and every flow goes client, alpha, beta, server: exactly two
# redirects, chain_capped untouched, whether the client half-closes, closes
# right after its request or resets, and whether the proxy connects at once
# or 300 ms late; v4 and v6.
#
#   ns a-SFX: clients, alpha, beta (legacy-proxy --fork), the rules
#   ns b-SFX: the echo server on port 7000
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" "$legacy_proxy" ip jq ss "$echoserve" setpriv

redir_init
trap loop_cleanup EXIT
loop_legacy_matrix owned --fork
exit $ret
