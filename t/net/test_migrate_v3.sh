#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Migration from keepalived to clustd, node by node, VRRPv3 every 100 ms:
# three keepalived 2.2.7 nodes share one keepalived.conf (@n1/@n2/@n3
# lines, a track script); the backups are replaced first (n3, n2), then
# the master n1, each by `clustd import-keepalived -i <node>` and clustd
# -t, keepalived stopped, clustd started with the import. A client
# fetches from the VIP every 10 ms. The only moves of the VIP are the
# two intended ones (n1's keepalived stops: n2, clustd by then, takes over
# within its Skew_Time; clustd on n1 preempts); the client fails only
# then, each outage at most Skew_Time + 20 ms; n1 ends as master, all
# clustd. See lib_migrate.sh.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=lib_migrate.sh
. "$(dirname "$0")/lib_migrate.sh"
net_init migrate_v3
mg_mode v3
mg_scenario n3 n2 n1
done_testing
