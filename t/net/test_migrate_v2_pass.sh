#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Migration from keepalived to clustd, node by node, VRRPv2 with
# authentication { auth_type PASS } (keepalived's sample setup), advert
# every second: the master n1 is replaced first (n2, still keepalived,
# takes over at its Skew_Time; clustd on n1, with the imported auth_pass,
# preempts it), then n2 and n3. clustd and keepalived accept each other's
# password-carrying adverts throughout (no drop, no keepalived receive
# error); the client fails only during the two intended moves. See
# lib_migrate.sh.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=lib_migrate.sh
. "$(dirname "$0")/lib_migrate.sh"
net_init migrate_v2_pass
mg_mode v2-pass
mg_scenario n1 n2 n3
done_testing
