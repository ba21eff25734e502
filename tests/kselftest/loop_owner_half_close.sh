#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The owner bound ends issue 9's half-close loop within one pass: as
# loop_half_close.sh, with beta owned by the uid its socat runs as. socat's
# records-less onward connections come from its owner's sockets, so only a
# rule ranking after beta's may take them: none does, and the flow goes
# client, alpha, beta, server: two redirects, chain_capped untouched, and no
# inference involved.
exec "$(dirname "$0")/loop_half_close.sh" owner uid 4242
