#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The owner bound holds for UDP: loop_legacy_udp.sh's legacy UDP proxies
# (socat UDP-LISTEN with fork, legacy-proxy with a thread per client and
# with three SO_REUSEPORT workers) as beta, owned by the uid they run as.
# Their records-less onward flows come from the owner's sockets, so only a
# rule ranking after beta's may take them: none does, every datagram goes
# client, alpha, beta, server: two redirects, chain_capped untouched.
exec "$(dirname "$0")/loop_legacy_udp.sh" owner uid 4242
