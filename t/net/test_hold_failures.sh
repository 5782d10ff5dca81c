#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Finding A6: a master that cannot send its adverts or cannot add its VIPs
# leaves MASTER (FAULT with the reason in `clustd status`) so that the
# backup serves alone, and comes back once the cause is gone.
#  1. Adverts: an nftables output rule drops VRRP in n1's namespace (the
#     raw socket's sendto fails with EPERM).
#  2. VIPs (IPv6, use_vmac, unicast adverts): IPv6 is disabled on n1's
#     virtual MAC device while it waits as backup, so adding the VIP there
#     fails (EACCES) when it takes over; its adverts leave by eth0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
. "$(dirname "$0")/lib_vmac.sh"
net_init hold_failures
VIP=198.51.100.100
VIP6=2001:db8::100
DEV=vrrp6.52
# Master_Down_Interval of n2 (priority 100, advert 100 ms), in ms.
MDI_MS=$(((3 * 10 + (256 - 100) * 10 / 256) * 10))

net_bridge
net_host n1 198.51.100.11/24 2001:db8::11/64
net_host n2 198.51.100.12/24 2001:db8::12/64

# ---- 1. adverts cannot be sent -------------------------------------------
web_conf n1 200
web_conf n2 100
clustd_start n1
wait_until 10 only_holder n1 $VIP
clustd_start n2
sleep 1
check "n1 is the only VIP holder" only_holder n1 $VIP

m1=$(log_lines n1)
vip_sampler_start send $VIP 20
t0=$(now_ms)
nsx n1 nft add table ip clt_hold '{ chain out { type filter hook output priority 0; ip protocol vrrp drop; }; }'
check "n1 logs MASTER -> FAULT: cannot send adverts" \
	wait_log 3 n1 'web: MASTER -> FAULT: cannot send adverts: Operation not permitted' "$m1"
check "n2 holds the VIP" wait_until 5 only_holder n2 $VIP
check "n1's status names the reason" \
	test "$(cl_q n1 '.instances[0].fault_reason')" = "cannot send adverts: Operation not permitted"
sleep 4 # n1 retries meanwhile (1 s, then 2 s later): it must never hold the VIP
vip_sampler_stop send >/dev/null
sets=$(vip_sampled_after send $((t0 + MDI_MS + 1000)))
check "exactly one holder (n2) from Master_Down_Interval + 1 s on, retries included (saw: $sets)" \
	test "$sets" = n2

nsx n1 nft delete table ip clt_hold
if wait_until 15 only_holder n1 $VIP; then
	ok "n1 serves again once it can send ($(($(now_ms) - t0)) ms after the rule came)"
else
	fail "n1 serves again once it can send (holders: '$(vip_holders $VIP)')"
fi
check "n1's status: MASTER, no fault" \
	test "$(cl_q n1 '.instances[0].state + " " + (.instances[0].fault_reason | tostring)')" = "MASTER null"
check "n2 is BACKUP" wait_until 3 eval 'test "$(cl_q n2 ".instances[0].state")" = BACKUP'
stop_all_daemons

# ---- 2. the VIP cannot be added ------------------------------------------
# n1 (priority 200, no preempt) waits as backup; then IPv6 is disabled on
# its (down) virtual MAC device, n2 stops and n1 must take over: adding
# the VIP there fails with EACCES. n2 restarted must serve instead.
for n in n1 n2; do
	self=2001:db8::11 peer=2001:db8::12
	[ $n = n2 ] && self=2001:db8::12 peer=2001:db8::11
	# Unicast adverts leave by eth0 (not by the device): only the VIP fails.
	extra="use_vmac = true; unicast_source = \"$self\"; unicast_peers = [ \"$peer\" ];"
	[ $n = n1 ] && extra="$extra preempt = false;"
	{
		node_block $n
		echo "instances = ("
		instance_block web6 eth0 52 $((300 - 100 * ${n#n})) "$VIP6/64" "$extra"
		echo
		echo ");"
	} | clustd_conf $n
done
clustd_start n2
wait_until 10 has_vip n2 $VIP6 $DEV
clustd_start n1
wait_until 10 vm_exists n1 $DEV
sleep 1
check "n1 waits as BACKUP" test "$(cl_q n1 '.instances[0].state')" = BACKUP
nsx n1 sysctl -qw "net.ipv6.conf.${DEV/./\/}.disable_ipv6=1"
m1=$(log_lines n1)
clustd_signal n2 TERM
clustd_wait_exit n2 10
clustd_start n2
check "n1 logs -> FAULT: cannot add VIP" \
	wait_log 10 n1 "web6: MASTER -> FAULT: cannot add VIP $VIP6/64 to $DEV: Permission denied" "$m1"
check "n1's status names the reason" \
	test "$(cl_q n1 '.instances[0].fault_reason')" = "cannot add VIP $VIP6/64 to $DEV: Permission denied"
check "n2 holds the VIP" wait_until 5 has_vip n2 $VIP6 $DEV
check "n2 is MASTER" wait_until 5 eval 'test "$(cl_q n2 ".instances[0].state")" = MASTER'

m1=$(log_lines n1)
nsx n1 sysctl -qw "net.ipv6.conf.${DEV/./\/}.disable_ipv6=0"
check "n1 retries and leaves FAULT" wait_log 20 n1 'web6: FAULT -> BACKUP' "$m1"
check "n1's status: BACKUP (no preempt), no fault" wait_until 3 eval \
	'test "$(cl_q n1 ".instances[0].state + \" \" + (.instances[0].fault_reason | tostring)")" = "BACKUP null"'
check "n2 still holds the VIP" has_vip n2 $VIP6 $DEV
clustd_signal n2 TERM
check "n1 takes over once n2 stops, VIP added" wait_until 5 has_vip n1 $VIP6 $DEV

done_testing
