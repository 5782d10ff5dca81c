#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Clean stop: SIGTERM the master; it must send a priority-0 advert, drop
# its VIP, run its stop script and exit 0; the backup takes over within
# its skew time (+1 s margin) instead of a full Master_Down_Interval.
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
wait_until 10 only_holder n1 $VIP
clustd_start n2
sleep 1
check "n1 is the only VIP holder" only_holder n1 $VIP

skew=41	# (256 - 150) * 10 cs / 256 = 4.14 cs
capture_start vrrp "ip proto 112" || fail "capture started"
t0=$(now_ms)
clustd_signal n1 TERM
if wait_until 10 has_vip n2 $VIP; then
	dt=$(($(now_ms) - t0))
	diag "VIP on n2 $dt ms after SIGTERM of n1 (skew $skew ms, MDI 341 ms)"
	check "VIP on n2 within skew + 1 s ($dt ms)" test "$dt" -le $((skew + 1000))
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
check "n1 ran its stop script: $(grep '^stop' "$T/n1.notify")" \
	grep -q '^stop INSTANCE web ' "$T/n1.notify"
check "n1 logged its shutdown transition MASTER -> INIT" \
	log_has n1 "web: MASTER -> INIT"

done_testing
