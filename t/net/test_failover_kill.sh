#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Failover on a crash: SIGKILL the master; the next-highest node must take
# the VIP within its Master_Down_Interval (+1 s margin), alone among the
# live nodes, and announce it with gratuitous ARP from its own MAC.
. "$(dirname "$0")/lib.sh"
net_init failover_kill
VIP=198.51.100.100

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
net_host n3 198.51.100.13/24

web_conf n1 100
web_conf n2 150
web_conf n3 200
clustd_start n3
check "n3 becomes the only VIP holder" wait_until 10 only_holder n3 $VIP
clustd_start n2
clustd_start n1
# Ready: both are BACKUP and have heard n3's adverts (not a fixed sleep).
check "n2 and n1 are BACKUP and hear n3" wait_until 10 eval 'backup_settled n2 && backup_settled n1'
check "n3 is the only VIP holder before the crash" only_holder n3 $VIP

# RFC 5798: skew = (256 - 150) * 10 cs / 256 = 4.14 cs; MDI = 3 * 100 + 41 ms.
mdi=341
capture_start garp "arp" || fail "capture started"
m2=$(log_lines n2)
t0=$(now_ms)
clustd_signal n3 KILL
if wait_until 10 has_vip n2 $VIP; then
	dt=$(($(now_ms) - t0))
	diag "VIP on n2 $dt ms after SIGKILL of n3 (MDI $mdi ms)"
	check "VIP on n2 within MDI + 1 s ($dt ms <= $((mdi + 1000)) ms)" \
		test "$dt" -le $((mdi + 1000))
	check "... and not before MDI - advert interval ($dt ms >= $((mdi - 120)) ms)" \
		test "$dt" -ge $((mdi - 120))
else
	fail "VIP on n2 within 10 s of SIGKILL of n3"
fi
clustd_wait_exit n3 5
check "n3 still carries the stale VIP (SIGKILL allows no cleanup)" has_vip n3 $VIP

samples=$(vip_sample 1000 $VIP)
vip_sample_period_check
live=$(echo "$samples" | awk '{ s = ""; for (i = 2; i <= NF; i++) if ($i != "n3") s = s $i " "; print s }' | sort -u | tr '\n' '|')
diag "holder samples (incl. dead n3) over 1 s: $(echo "$samples" | tr '\n' ';')"
check "exactly one live holder (n2) in every sample for 1 s" test "$live" = "n2 |"
check "n2 logged 'web: BACKUP -> MASTER'" log_has n2 'web: BACKUP -> MASTER' "$m2"
ago=$(log_since n2 "$m2" | grep -Eo 'last advert from [0-9.]+ [0-9]+ ms ago' | tail -1 | awk '{print $5}')
diag "n2 says the last advert was ${ago:-?} ms before its takeover"
check "n2's down timer fired one MDI after the last advert (${ago:-?} ms, MDI $mdi)" \
	eval '[ -n "$ago" ] && [ "$ago" -ge $((mdi - 10)) ] && [ "$ago" -le $((mdi + 150)) ]'
check "n1 did not become master" eval '! log_has n1 "-> MASTER"'
sleep 0.3
capture_stop garp
mac2=$(host_mac n2)
ngarp=$(pcap_count garp "arp.src.proto_ipv4 == $VIP && eth.src == $mac2 && arp.src.hw_mac == $mac2")
diag "gratuitous ARPs from n2 ($mac2) for $VIP: $ngarp"
check "a GARP from n2 for the VIP was seen" test "$ngarp" -ge 1
check "the GARP burst has garp_repeat (5) packets" test "$ngarp" -ge 5
check "GARPs are gratuitous (target ip = VIP)" \
	test "$(pcap_count garp "arp.src.proto_ipv4 == $VIP && arp.dst.proto_ipv4 == $VIP && eth.src == $mac2")" -ge 1

done_testing
