#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Interoperability with keepalived (Debian 2.2.7): VRRPv2 with
# authentication { auth_type PASS; auth_pass pa55word } (keepalived's
# sample setup) against clustd's auth_pass = "pa55word": the whole
# lib_interop.sh scenario (either side master, SIGKILL / SIGTERM
# take-overs, preemption both ways, a single holder throughout), then a
# negative control: clustd with another password drops keepalived's
# adverts as bad_auth_pass and keepalived logs clustd's as invalid, so
# both become master: the password is really checked, both ways.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=lib_interop.sh
. "$(dirname "$0")/lib_interop.sh"
net_init interop_v2_pass
ix_mode v2-pass
ix_scenario

diag "negative control: clustd with another password"
ix_stop_quiet cl clustd
ix_ka_conf ka 200
ix_start keepalived ka || fail "keepalived restarted"
check "keepalived (prio 200) is master alone" ix_wait_master ka keepalived 8
IX_AUTH=other ix_clustd_conf cl 100
ix_start clustd cl
bench_sleep_ms $((2 * $(ix_mdi_ms 100) + 500))
drops=$(ix_cl_get cl '.counters.drops.bad_auth_pass // 0')
check "clustd dropped keepalived's adverts as bad_auth_pass ($drops)" test "${drops:-0}" -ge 2
check "clustd, hearing no valid advert, became MASTER too" ix_is cl clustd MASTER
check "keepalived logged clustd's adverts as an invalid password" \
	test "$(ix_ka_count ka 'invalid passwd')" -ge 1
done_testing
