#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 64 VIPs on one instance (issue #16): an IPv4 instance with 64 VIPs and an
# IPv6 one with 64 (one family per instance), n1 master, n2 backup. n1
# gets SIGKILL; on the bridge, n2 as the new master must announce every
# one of the 128 VIPs (a gratuitous ARP per IPv4 VIP, an unsolicited NA per
# IPv6 VIP) in one burst after its first advert (the figure, within the
# 10 ms garp.interval, is bench-scale's), finish that first round before any
# repeat, and send garp.repeat (5) announcements per VIP in the burst.
# scripts/bench-scale.sh measures the same over several takeovers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_scale.sh"
net_init vips64

GARP_INTERVAL_MS=10 # the default garp.interval: the first burst interval
GARP_REPEAT=5       # the default garp.repeat
# Timing class, not a speed figure: the first round is one burst, sent
# before the burst's second round (garp.interval later) and long before a
# second advert; this asserts it ends within 50 ms, half of the 100 ms
# advert interval. The figure itself (the release build: 1 to 3 ms, under the
# 10 ms garp.interval) is measured by scripts/bench-scale.sh; this test
# runs the ASan build, 3 tests at a time, where a CI run measured 8 ms.
SPAN_MAX_MS=${VIPS64_SPAN_MAX_MS:-50}

net_bridge br0
net_host n1 198.51.100.11/24 2001:db8::11/64
net_host n2 198.51.100.12/24 2001:db8::12/64
sc_vips64_conf n1 200
sc_vips64_conf n2 100
check "a config of 2 x $SC_VIPS VIPs is valid (clustd -t)" "$CLUSTD" -t -f "$T/n1.conf"
clustd_start n1
clustd_start n2
check "n1 holds all $((2 * SC_VIPS)) VIPs" wait_until 15 eval '[ "$(sc_vips64_held n1)" = $((2 * SC_VIPS)) ]'
check "n2 is BACKUP of both, having heard n1" wait_until 10 eval 'backup_settled n2 v4 && backup_settled n2 v6'
check "n2 holds none of the VIPs" test "$(sc_vips64_held n2)" = 0

M2=$(host_mac n2)
capture_start take "arp or icmp6 or ip proto 112 or (ip6 and ip6[6] == 112)" || fail "capture started"
clustd_kill n1
check "n2 holds all $((2 * SC_VIPS)) VIPs after n1's SIGKILL" \
	wait_until 10 eval '[ "$(sc_vips64_held n2)" = $((2 * SC_VIPS)) ]'
sleep 1 # the rest of the first burst: garp.repeat x garp.interval
capture_stop take

for fam in v4 v6; do
	vrid=41 what="a gratuitous ARP"
	[ $fam = v6 ] && vrid=42 what="an unsolicited NA"
	read -r k span n order <<<"$(sc_announce_span take "$M2" $vrid $fam)"
	diag "$fam: $k VIPs announced, the last $span ms after n2's first advert, $n announcements, first round before any repeat: $order"
	check "$fam: $what for each of the $SC_VIPS VIPs ($k)" test "${k:-0}" -eq $SC_VIPS
	check "$fam: all $SC_VIPS in one burst after the first advert ($span ms <= $SPAN_MAX_MS)" \
		eval '[ "${span:--1}" -ge 0 ] && [ "$span" -le $SPAN_MAX_MS ]'
	check "$fam: every VIP announced once before any is announced again" test "${order:-0}" = 1
	check "$fam: garp.repeat ($GARP_REPEAT) announcements per VIP in the burst ($n)" \
		test "${n:-0}" -eq $((GARP_REPEAT * SC_VIPS))
done

done_testing
