#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Virtual MAC (use_vmac), IPv6, RFC 5798 §7.2-§7.4: two nodes and a client,
# VRID 52, VIP 2001:db8::100/64. The master's adverts and unsolicited NAs
# leave from 00:00:5e:00:02:34 (the NA's target link-layer address too) on
# vrrp6.52, whose own link-local is random, not the EUI-64 of the shared
# MAC; the adverts keep the interface's link-local as source. The backup
# sends no frame at all from the virtual MAC (no DAD, MLD or router
# solicitation), and the client keeps the MAC through a SIGKILL failover.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_vmac.sh"
net_init vmac_ipv6
VIP=2001:db8::100
VMAC=00:00:5e:00:02:34
EUI64_LL=fe80::200:5eff:fe00:234
DEV=vrrp6.52

net_bridge
net_host n1 198.51.100.11/24 2001:db8::11/64
net_host n2 198.51.100.12/24 2001:db8::12/64
net_host client 198.51.100.200/24 2001:db8::200/64
# Like a real host: DAD on for new devices, so a device that came up on a
# backup would show its neighbour solicitations in the capture.
for n in n1 n2; do
	nsx $n sysctl -qw net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.all.accept_dad=1
done
for n in n1 n2; do
	{
		node_block $n
		echo "instances = ("
		instance_block web6 eth0 52 $((100 * ${n#n})) "$VIP/64" "use_vmac = true;"
		echo
		echo ");"
	} | clustd_conf $n
done
lladdr() {
	ip -n "${P}$1" -6 -o addr show dev "${2:-eth0}" scope link 2>/dev/null |
		awk '{ split($4, a, "/"); print a[1]; exit }'
}
ll1=$(lladdr n1)
ll2=$(lladdr n2)

capture_start wire "ip6" || fail "capture started"
capture_start n1vmac "ether src $VMAC" v-n1 in || fail "capture on n1's port started"
clustd_start n2
if wait_until 10 has_vip n2 $VIP $DEV; then
	ok "n2 (priority 200) holds the VIP on $DEV"
else
	fail "n2 holds the VIP on $DEV within 10 s"
fi
clustd_start n1
wait_until 10 vm_exists n1 $DEV
sleep 2

# ---- the device (item 57) ---------------------------------------------
link2=$(vm_link n2 $DEV)
check "n2: $DEV has the virtual MAC $VMAC" eval 'echo "$link2" | grep -q "link/ether $VMAC "'
check "n2: $DEV has addrgenmode random" eval 'echo "$link2" | grep -q "addrgenmode random"'
check "n2 (master): $DEV is up" vm_is_up n2 $DEV
check "n1 (backup): $DEV is down" vm_is_down n1 $DEV
vll=$(lladdr n2 $DEV)
diag "n2: $DEV link-local $vll (the EUI-64 of $VMAC would be $EUI64_LL)"
check "n2: $DEV has a link-local address" eval 'case "$vll" in fe80:*) true ;; *) false ;; esac'
check "n2: ... not derived from the virtual MAC (no 5eff:fe00:234 suffix; item 57)" \
	eval '[ "$vll" != "$EUI64_LL" ] && ! echo "$vll" | grep -q "5eff:fe00:234$"'
check "n1 (backup): $DEV has no address at all" test -z "$(ip -n "${P}n1" -o addr show dev $DEV)"
check "n2: net.ipv6.conf.$DEV.accept_ra = 0, disable_ipv6 = 0" \
	test "$(vm_sysctl n2 $DEV accept_ra ipv6) $(vm_sysctl n2 $DEV disable_ipv6 ipv6)" = "0 0"
check "n2: only the VIP and the link-local on $DEV (no SLAAC address)" \
	test "$(ip -n "${P}n2" -6 -o addr show dev $DEV | grep -vc "inet6 fe80:\|inet6 $VIP/")" = 0
check "status --json (n2): vmac $DEV $VMAC up" \
	test "$(vm_q n2 '[.vmac.interface, .vmac.mac, .vmac.up] | join(" ")')" = "$DEV $VMAC true"

# ---- the client ---------------------------------------------------------
neigh() { nsx client ip -6 neigh show $VIP dev eth0; }
nsx client ip -6 neigh flush dev eth0
check "client: ping the VIP (neighbour solicitation answered)" nsx client ping -6 -c 2 -W 2 $VIP
check "client: neighbour entry for the VIP is $VMAC ($(neigh))" eval 'neigh | grep -qi "lladdr $VMAC"'

# ---- the wire -------------------------------------------------------------
capture_stop wire
adv="vrrp && vrrp.prio == 200"
nadv=$(pcap_count wire "$adv")
check "n2's adverts leave from $VMAC ($nadv >= 10, all of them)" \
	eval '[ "$nadv" -ge 10 ] && [ "$(pcap_count wire "$adv && eth.src == $VMAC")" = "$nadv" ]'
check "... with n2's eth0 link-local $ll2 as source, hop limit 255" \
	test "$(pcap_count wire "$adv && ipv6.src == $ll2 && ipv6.hlim == 255 && ipv6.dst == ff02::12")" = "$nadv"
na="icmpv6.type == 136 && icmpv6.nd.na.target_address == $VIP"
una="$na && ipv6.dst == ff02::1 && icmpv6.nd.na.flag.r == 1 && icmpv6.nd.na.flag.s == 0 && icmpv6.nd.na.flag.o == 1"
nuna=$(pcap_count wire "$una && eth.src == $VMAC && icmpv6.opt.linkaddr == $VMAC && ipv6.src == $ll2")
check "unsolicited NA: R=1 S=0 O=1 to ff02::1, TLLA and Ethernet source $VMAC ($nuna >= 5)" test "$nuna" -ge 5
check "no NA for the VIP names another link-layer address" \
	test "$(pcap_count wire "$na && icmpv6.opt.linkaddr != $VMAC")" = 0
check "the solicited NA for the VIP also came from $VMAC" \
	test "$(pcap_count wire "$na && icmpv6.nd.na.flag.s == 1 && eth.src == $VMAC")" -ge 1

# ---- a device set up behind clustd's back on a backup goes down again -----
m1=$(log_lines n1)
t_up=$(date +%s.%6N)
ip -n "${P}n1" link set $DEV up
check "n1 notices $DEV up on a backup" \
	wait_log 5 n1 "web6: $DEV was set up while not master: setting it down" "$m1"
check "n1: $DEV down again" wait_until 5 vm_is_down n1 $DEV
sleep 1

# ---- SIGKILL the master ---------------------------------------------------
capture_start kill "icmp6" || fail "capture started"
t_kill=$(date +%s.%6N)
clustd_kill n2
if wait_until 10 has_vip n1 $VIP $DEV; then
	ok "n1 holds the VIP on $DEV after SIGKILL of n2"
else
	fail "n1 holds the VIP on $DEV within 10 s of SIGKILL of n2"
fi
check "n1: $DEV is up" vm_is_up n1 $DEV
vll1=$(lladdr n1 $DEV)
check "n1: $DEV link-local ($vll1) is not the EUI-64 one, nor n2's" \
	eval '[ -n "$vll1" ] && [ "$vll1" != "$EUI64_LL" ] && [ "$vll1" != "$vll" ]'
sleep 0.3
check "client: ping the VIP after the failover" nsx client ping -6 -c 3 -i 0.2 -W 2 $VIP
capture_stop kill
check "n1 announced the VIP from $VMAC (>= 5 unsolicited NAs, source $ll1)" \
	test "$(pcap_count kill "$una && eth.src == $VMAC && icmpv6.opt.linkaddr == $VMAC && ipv6.src == $ll1")" -ge 5
check "client: neighbour entry for the VIP still $VMAC ($(neigh))" eval 'neigh | grep -qi "lladdr $VMAC"'
capture_stop n1vmac
n1before=$(pcap_count n1vmac "eth.src == $VMAC && frame.time_epoch < $t_up")
n1moment=$(pcap_count n1vmac "eth.src == $VMAC && frame.time_epoch > $t_up && frame.time_epoch < $t_kill")
n1after=$(pcap_count n1vmac "eth.src == $VMAC && frame.time_epoch > $t_kill")
diag "frames from $VMAC on n1's port: $n1before as backup, $n1moment while set up behind clustd's back, $n1after as master"
check "n1 sent no frame from $VMAC as backup, from its start until its device was set up by hand" \
	test "$n1before" = 0
check "... and does once master (positive control of that capture: $n1after)" test "$n1after" -ge 1

# ---- restart over the stale device ----------------------------------------
m2=$(log_lines n2)
clustd_start n2
check "n2 removed its stale device at start" \
	wait_log 10 n2 "vmac: removing $DEV, left on eth0 by an earlier run" "$m2"
check "n2 preempts: VIP on n2 only, n1's device down" \
	wait_until 10 eval 'has_vip n2 $VIP $DEV && ! has_vip n1 $VIP $DEV && vm_is_down n1 $DEV'
check "client: ping the VIP" nsx client ping -6 -c 2 -i 0.2 -W 2 $VIP

done_testing
