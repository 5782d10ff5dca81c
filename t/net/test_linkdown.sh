#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Link watch: the master's eth0 goes down -> FAULT, VIP released, backup
# takes over; link up -> BACKUP, then (higher priority) MASTER again.
. "$(dirname "$0")/lib.sh"
net_init linkdown
VIP=198.51.100.100

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24

notify_scripts n1
web_conf n1 200 "$(notify_block n1 2000)"
web_conf n2 100
clustd_start n1
check "n1 becomes the only VIP holder" wait_until 10 only_holder n1 $VIP
clustd_start n2
# Ready: n2 is BACKUP and has heard n1's adverts (not a fixed sleep).
check "n2 is BACKUP and hears n1" wait_until 10 backup_settled n2
check "n1 is the only VIP holder" only_holder n1 $VIP

m1=$(log_lines n1)
m2=$(log_lines n2)
t0=$(now_ms)
nsx n1 ip link set eth0 down
if wait_log 5 n1 'web: MASTER -> FAULT' "$m1"; then
	ok "n1 logged 'MASTER -> FAULT' $(($(now_ms) - t0)) ms after link down"
else
	fail "n1 logged 'MASTER -> FAULT' after link down"
fi
check "n1's VIP is gone" wait_until 3 eval '! has_vip n1 $VIP'
if wait_until 10 has_vip n2 $VIP; then
	ok "n2 takes the VIP $(($(now_ms) - t0)) ms after n1's link down"
else
	fail "n2 takes the VIP after n1's link down"
fi
check "n2 logged 'BACKUP -> MASTER'" log_has n2 'web: BACKUP -> MASTER' "$m2"
check "n1's fault script ran" wait_until 3 grep -q '^fault INSTANCE web FAULT 200 ' "$T/n1.notify"
sleep 0.5
check "n1 stays in FAULT while the link is down (no other transition)" \
	test "$(log_count n1 'web: [A-Z]+ -> [A-Z]+' "$m1")" = 1
check "n1 still running" clustd_alive n1

m1=$(log_lines n1)
m2=$(log_lines n2)
t0=$(now_ms)
nsx n1 ip link set eth0 up
if wait_log 5 n1 'web: FAULT -> BACKUP' "$m1"; then
	ok "n1 logged 'FAULT -> BACKUP' $(($(now_ms) - t0)) ms after link up"
else
	fail "n1 logged 'FAULT -> BACKUP' after link up"
fi
if wait_until 10 only_holder n1 $VIP; then
	ok "n1 preempts back: sole VIP holder $(($(now_ms) - t0)) ms after link up"
else
	fail "n1 preempts back (holders: '$(vip_holders $VIP)')"
fi
check "n1 logged 'BACKUP -> MASTER'" log_has n1 'web: BACKUP -> MASTER' "$m1"
check "n2 logged 'MASTER -> BACKUP'" wait_log 3 n2 'web: MASTER -> BACKUP' "$m2"
samples=$(vip_sample 1000 $VIP)
vip_sample_period_check
check "n1 alone holds the VIP for 1 s ($(echo $samples))" test "$(echo $samples | awk '{print $2, NF}')" = "n1 2"

done_testing
