#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# WFPREDIR_SO_HANDOFF outside the initial namespaces hands on what a query
# and a set would: everything runs in a user namespace (uids 1.. map to
# 100001..) with its own network and pid namespaces, as in query_userns.sh.
# A client, inner uid 1000, connects; the first hop hands the flow on with
# one wfpredir_handoff() call (hop -H): its answer tells uid 1000 and the
# client's pid as the hop's pid namespace numbers them, and the records it
# leaves on the onward socket are the view taken back, as a set of the view
# would store them. The next hop reads the same identity plus its own
# entry.
# The test is query_userns.sh's, with the first hop's calls changed.
hand_on=-H
# shellcheck source=query_userns.sh
source "$(dirname "$0")/query_userns.sh"
