#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Clean stop: SIGTERM the master; it must send a priority-0 advert, drop
# its VIP, run its stop script and exit 0; the backup takes over after its
# Skew_Time, not a full Master_Down_Interval: on the wire (priority-0
# advert to the backup's first advert) and in its log (the reason names
# the priority-0 advert), both closer to Skew_Time than to MDI.
. "$(dirname "$0")/lib.sh"
net_init failover_term
VIP=198.51.100.100

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24

notify_scripts n1
web_conf n1 200 "$(notify_block n1 2000)"
web_conf n2 150
clustd_start n1
check "n1 becomes the only VIP holder" wait_until 10 only_holder n1 $VIP
clustd_start n2
check "n2 is BACKUP and hears n1" wait_until 10 backup_settled n2
check "n1 is the only VIP holder" only_holder n1 $VIP

skew=41	# (256 - 150) * 10 cs / 256 = 4.14 cs (clustd truncates to 4 cs)
mdi=341	# 3 * 100 + skew
# Closer to Skew_Time than to Master_Down_Interval: below their midpoint.
mid=$(((skew + mdi) / 2))
capture_start vrrp "ip proto 112" || fail "capture started"
m2=$(log_lines n2)
t0=$(now_ms)
clustd_signal n1 TERM
if wait_until 10 has_vip n2 $VIP; then
	dt=$(($(now_ms) - t0))
	diag "VIP on n2 $dt ms after SIGTERM of n1 (skew $skew ms, MDI $mdi ms; polled, includes the test's own lag)"
	check "VIP on n2 within 1 s of the SIGTERM ($dt ms)" test "$dt" -le 1000
else
	fail "VIP on n2 within 10 s of SIGTERM of n1"
fi
if clustd_wait_exit n1 10; then
	check "n1 exited with status 0 (got $(clustd_exit_code n1))" test "$(clustd_exit_code n1)" = 0
else
	fail "n1 exited within 10 s of SIGTERM"
fi
check "n1's VIP is gone" eval '! has_vip n1 $VIP'
check "n2 is the only VIP holder" only_holder n2 $VIP
sleep 0.3
capture_stop vrrp
n0=$(pcap_count vrrp "ip.src == 198.51.100.11 && vrrp.prio == 0 && vrrp.virt_rtr_id == 51")
diag "priority-0 adverts from n1: $n0"
check "a priority-0 advert from n1 was captured" test "$n0" -ge 1
check "priority-0 advert has TTL 255 and goes to 224.0.0.18" \
	test "$(pcap_count vrrp "ip.src == 198.51.100.11 && vrrp.prio == 0 && ip.ttl == 255 && ip.dst == 224.0.0.18")" -ge 1
check "n2 adverts follow (n2 is master on the wire)" \
	test "$(pcap_count vrrp "ip.src == 198.51.100.12 && vrrp.prio == 150")" -ge 1
wire=$(prio0_takeover_ms vrrp 198.51.100.11 198.51.100.12)
diag "on the wire: n1's priority-0 advert -> n2's first advert: $wire ms (skew $skew, MDI $mdi)"
check "wire: n2 took over after Skew_Time, not Master_Down_Interval ($wire ms in $((skew - 10))..$((mid - 1)))" \
	eval '[ "$wire" -ge $((skew - 10)) ] 2>/dev/null && [ "$wire" -lt $mid ]'
reason=$(log_since n2 "$m2" | grep -E -m1 'web: BACKUP -> MASTER: ')
diag "n2: ${reason#* notice: }"
ago=$(echo "$reason" | sed -n 's/.*master 198\.51\.100\.11 stopped (priority 0 advert \([0-9]*\) ms ago)$/\1/p')
check "n2 logs the priority-0 advert as its reason: 'master 198.51.100.11 stopped (priority 0 advert N ms ago)'" \
	test -n "$ago"
check "log: n2's timer fired Skew_Time after the priority-0 advert (${ago:-?} ms in $((skew - 5))..$((mid - 1)))" \
	eval '[ "${ago:-x}" -ge $((skew - 5)) ] 2>/dev/null && [ "$ago" -lt $mid ]'
check "n1 ran its stop script: $(grep '^stop' "$T/n1.notify")" \
	grep -q '^stop INSTANCE web ' "$T/n1.notify"
check "n1 logged its shutdown transition MASTER -> INIT" \
	log_has n1 "web: MASTER -> INIT"

done_testing
