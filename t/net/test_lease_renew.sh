#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# VIP lease renewals (node.vip_lease, lease.c): a master of three
# instances keeps its VIPs well past the lease (3 s), each with a finite
# lifetime that keeps being renewed (renewals due together go in one
# netlink batch), nothing fails, and after a SIGKILL the VIPs vanish
# within the lease. `ip -ts monitor address` in n1's namespace records
# the renewals (each one is an address event).
. "$(dirname "$0")/lib.sh"
net_init lease_renew
VIPS="203.0.113.1 203.0.113.2 203.0.113.3"

net_bridge
net_host n1 198.51.100.11/24

{
	node_block n1 | sed 's/};$/ vip_lease = 3000; };/'
	echo "instances = ("
	instance_block a eth0 51 200 203.0.113.1/32
	echo ","
	instance_block b eth0 52 200 203.0.113.2/32
	echo ","
	instance_block c eth0 53 200 203.0.113.3/32
	echo
	echo ");"
} | clustd_conf n1

nsx n1 timeout 60 ip -ts -o monitor address >"$T/n1.addrmon" 2>&1 &
NET_BG_PIDS="$NET_BG_PIDS $!"
sleep 0.3

clustd_start n1
check "n1 holds the three VIPs" wait_until 10 eval \
	'has_vip n1 203.0.113.1 && has_vip n1 203.0.113.2 && has_vip n1 203.0.113.3'
sleep 7 # more than twice the lease
for v in $VIPS; do
	check "after 7 s n1 still holds $v, with a lease of 3 s at most" eval \
		"nsx n1 ip -o addr show dev eth0 | grep -F ' $v/32' | grep -Eq 'valid_lft [0-3]sec'"
done
check "no VIP add or renewal failed" eval '! log_has n1 "cannot add VIP"'

# Each renewal is an address event ("[<date>T<time>] ... inet 203.0.113.x/32 ...").
for v in $VIPS; do
	n=$(grep -F "inet $v/32" "$T/n1.addrmon" | grep -vc Deleted)
	check "$v was added and renewed 4 times or more in 7 s (lease 3 s: saw $n events)" \
		test "$n" -ge 5
done

clustd_kill n1
check "after SIGKILL the VIPs vanish within the lease" wait_until 5 eval \
	'! has_vip n1 203.0.113.1 && ! has_vip n1 203.0.113.2 && ! has_vip n1 203.0.113.3'

done_testing
