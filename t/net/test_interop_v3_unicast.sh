#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Interoperability with keepalived (Debian 2.2.7): VRRPv3 over IPv4 in
# unicast mode (clustd unicast_source/unicast_peers, keepalived
# unicast_src_ip/unicast_peer), advert 100 ms, VRID 51, VIP
# 198.51.100.100/24. The v3 checksum covers a pseudo-header holding the
# unicast destination.
# (a) clustd 200 is master, keepalived 100 stays BACKUP; (b) the reverse;
# (c) SIGKILL and SIGTERM of either master hand over to the other
# implementation within the RFC 5798 bounds, and a restarted higher
# priority node of either kind preempts; (d) a 20 ms VIP sampler shows a
# single holder throughout, except the preemption hand-over overlap,
# which is measured (ip monitor) and bounded. See lib_interop.sh.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=lib_interop.sh
. "$(dirname "$0")/lib_interop.sh"
net_init interop_v3_unicast
ix_mode v3-unicast
ix_scenario
done_testing
