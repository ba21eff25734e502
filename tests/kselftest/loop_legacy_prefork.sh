#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A legacy transparent proxy of three pre-forked workers, each with its own
# SO_REUSEPORT listener, each accepting and connecting onward from threads
# (tests/helpers/legacy-proxy.c --prefork 3): a flow lands on any worker.
# It stands as beta (priority 200, unowned) behind alpha (priority 100, a
# wfpredir-proxy that hands records on), both with rules for port 7000.
# Inheritance links each of its records-less onward connections to the flow
# it accepted, whatever the TCP state of that flow (the client half-closed,
# or closed right after its request; the proxy connected at once or 300 ms
# later), so the flow goes alpha, beta, alpha... to the chain cap: chain_max
# redirects, chain_capped once, v4 and v6. (A client that resets before the
# proxy connects takes its socket out of the lookup inheritance uses: only
# an owner bounds that, loop_owner_bound.sh.)
#
#   ns a-SFX: clients, alpha, beta (legacy-proxy --prefork 3), the rules
#   ns b-SFX: the echo server on port 7000
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$proxy_bin" "$legacy_proxy" ip jq ss "$echoserve" setpriv

redir_init
trap loop_cleanup EXIT
loop_legacy_matrix unowned --prefork 3
exit $ret
