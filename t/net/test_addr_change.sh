#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Finding A2: the master's own (primary) address goes away with its link up.
# It may not keep the VIPs while it cannot advertise: within
# Master_Down_Interval + 1 s exactly one node holds the VIP, and the old
# master waits in FAULT with the reason in `clustd status`. A new address is
# learned without a restart (adverts leave from it) and the node rejoins;
# an address swapped while master (del old + add new) likewise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init addr_change
VIP=198.51.100.100
# Master_Down_Interval of n2 (priority 100, advert 100 ms), in ms.
MDI_MS=$(((3 * 10 + (256 - 100) * 10 / 256) * 10))

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
web_conf n1 200
web_conf n2 100
clustd_start n1
wait_until 10 only_holder n1 $VIP
clustd_start n2
sleep 1
check "n1 is the only VIP holder" only_holder n1 $VIP

m1=$(log_lines n1)
vip_sampler_start del $VIP 20
t0=$(now_ms)
nsx n1 ip addr del 198.51.100.11/24 dev eth0
check "n1 logs MASTER -> FAULT for the address" \
	wait_log 3 n1 'web: MASTER -> FAULT: interface eth0 without a usable address' "$m1"
check "n2 holds the VIP within Master_Down_Interval + 1 s" wait_until 5 only_holder n2 $VIP
sleep 3
vip_sampler_stop del >/dev/null
sets=$(vip_sampled_after del $((t0 + MDI_MS + 1000)))
check "exactly one holder (n2) from Master_Down_Interval + 1 s on (saw: $sets)" \
	test "$sets" = n2
check "n1's status: FAULT" test "$(cl_q n1 '.instances[0].state')" = FAULT
reason=$(cl_q n1 '.instances[0].fault_reason')
check "n1's status names the reason ($reason)" \
	test "$reason" = "interface eth0 without a usable address"

# A new address: learned without a restart, adverts from it, n1 preempts back.
m1=$(log_lines n1)
capture_start adv 'ip proto 112' || fail "capture started"
nsx n1 ip addr add 198.51.100.21/24 dev eth0
check "n1 leaves FAULT" wait_log 3 n1 'web: FAULT -> BACKUP' "$m1"
check "n1 becomes the only holder again" wait_until 5 only_holder n1 $VIP
check "n1's status: MASTER from 198.51.100.21" \
	test "$(cl_q n1 '.instances[0].state + " " + .instances[0].source')" = "MASTER 198.51.100.21"
sleep 0.5
capture_stop adv
n=$(pcap_count adv 'vrrp && ip.src == 198.51.100.21 && vrrp.prio == 200')
check "adverts leave from the new address ($n seen)" test "$n" -ge 3
check "n1 still the same process (no restart)" clustd_alive n1

# The address swapped while master: del old + add new at once.
m1=$(log_lines n1)
capture_start swap 'ip proto 112' || fail "capture started"
nsx n1 sh -c 'ip addr del 198.51.100.21/24 dev eth0; ip addr add 198.51.100.31/24 dev eth0'
check "n1 sends from the swapped address" \
	wait_until 5 eval 'test "$(cl_q n1 ".instances[0].source")" = 198.51.100.31'
check "n1 is the only holder after the swap" wait_until 5 only_holder n1 $VIP
sleep 0.5
capture_stop swap
n=$(pcap_count swap 'vrrp && ip.src == 198.51.100.31 && vrrp.prio == 200')
check "adverts leave from the swapped address ($n seen)" test "$n" -ge 3
samples=$(vip_sample 1000 $VIP)
check "n1 alone holds the VIP for 1 s ($(echo $samples))" \
	test "$(echo $samples | awk '{print $2, NF}')" = "n1 2"
check "n2 is BACKUP" test "$(cl_q n2 '.instances[0].state')" = BACKUP

done_testing
