#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Interoperability with keepalived (Debian 2.2.7): VRRPv3 over IPv6,
# multicast ff02::12 from the link-local address, advert 100 ms, VRID 51,
# VIP 2001:db8::100/64 (hosts 2001:db8::11/12, nodad).
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
net_init interop_v3_ipv6
ix_mode v3-ipv6
ix_scenario
done_testing
