#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Interoperability with keepalived (Debian 2.2.7): VRRPv2 (RFC 3768) over
# IPv4, multicast 224.0.0.18, advert_int 1 s, no authentication, VRID 51,
# VIP 198.51.100.100/24.
# (a) clustd 200 is master, keepalived 100 stays BACKUP; (b) the reverse;
# (c) SIGKILL and SIGTERM of either master hand over to the other
# implementation within the RFC 3768 bounds (MDI 3 s + (256-prio)/256 s,
# skew after priority 0), and a restarted higher-priority node of either
# kind preempts; (d) a 20 ms VIP sampler shows a single holder
# throughout, except the preemption hand-over overlap, which is measured
# (ip monitor) and bounded. See lib_interop.sh.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=lib_interop.sh
. "$(dirname "$0")/lib_interop.sh"
net_init interop_v2_ipv4
ix_mode v2-ipv4
ix_scenario
done_testing
