#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Virtual MAC (use_vmac), IPv4, RFC 5798 §7.2/§7.3: three nodes (priority
# 50, 240, 250) and a client. The master's adverts and gratuitous ARPs
# leave from 00:00:5e:00:01:33 (VRID 51) on the macvlan vrrp.51, which
# carries the VIP and is up on the master only; the client resolves the
# VIP to that MAC, and keeps it through a SIGKILL failover, a restart over
# the stale device, and the device being deleted under the master. A
# backup sends no frame from the virtual MAC; SIGTERM removes the device
# and puts the base interface's ARP settings back; a reload that turns
# use_vmac off or on restarts the instance. A foreign device holding the
# name keeps the instance in FAULT, silent, until the name is free; so does
# an interface that is down or gone, and a new one gets a new device.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_vmac.sh"
net_init vmac
VIP=198.51.100.100
VMAC=00:00:5e:00:01:33
DEV=vrrp.51

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
net_host n3 198.51.100.13/24
net_host client 198.51.100.200/24
# Priorities far apart: after the master's SIGKILL, n2's Master_Down_Interval
# (300 ms) runs out 80 ms before n1's (380 ms), even on a loaded machine.
declare -A PRIO=([n1]=50 [n2]=240 [n3]=250)
for n in n1 n2 n3; do
	web_conf $n ${PRIO[$n]} "use_vmac = true;"
done
mac3=$(host_mac n3)

# Everything VRRP and ARP on the segment, and everything n1 (the lowest
# priority: a backup throughout) sends from the virtual MAC.
capture_start wire "ip proto 112 or arp or icmp" || fail "capture started"
capture_start n1vmac "ether src $VMAC" v-n1 in || fail "capture on n1's port started"

# ---- item 58: no virtual MAC device, no announcement --------------------
# A foreign device holds the name: n3 must leave it alone, stay in FAULT
# and send nothing until the name is free and its own device is up.
ip -n "${P}n3" link add $DEV type bridge
clustd_start n3
check "n3: FAULT while $DEV is somebody else's device" wait_log 5 n3 \
	"web: INIT -> FAULT: virtual MAC device $DEV: a device of that name exists and is not a macvlan on eth0"
check "status --json (n3): faults [vmac]" test "$(vm_q n3 '.faults | join(",")')" = vmac
check "n3 left the foreign device alone" eval 'vm_link n3 $DEV | grep -q "bridge"'
sleep 1
t_free=$(date +%s.%6N)
ip -n "${P}n3" link del $DEV
if wait_until 10 only_holder n3 $VIP $DEV; then
	ok "n3 (priority 250) holds the VIP on $DEV once the name is free"
else
	fail "n3 holds the VIP on $DEV within 10 s (holders: '$(vip_holders $VIP $DEV)')"
fi
check "n3 logged FAULT -> BACKUP: virtual MAC device ready" \
	log_has n3 "web: FAULT -> BACKUP: virtual MAC device ready"
clustd_start n1
clustd_start n2
wait_until 10 eval 'vm_exists n1 $DEV && vm_exists n2 $DEV'
sleep 1

# ---- the device ------------------------------------------------------
link3=$(vm_link n3 $DEV)
check "n3: $DEV is a macvlan in bridge mode on eth0" \
	eval 'echo "$link3" | grep -q "^[0-9]*: $DEV@eth0:" && echo "$link3" | grep -q "macvlan mode bridge"'
check "n3: $DEV has the virtual MAC $VMAC" eval 'echo "$link3" | grep -q "link/ether $VMAC "'
check "n3: $DEV has addrgenmode random" eval 'echo "$link3" | grep -q "addrgenmode random"'
check "n3 (master): $DEV is up" vm_is_up n3 $DEV
check "n1 (backup): $DEV exists and is down" vm_is_down n1 $DEV
check "n2 (backup): $DEV exists and is down" vm_is_down n2 $DEV
check "no node has the VIP on eth0" test -z "$(vip_holders $VIP eth0)"
for kv in arp_ignore=1 arp_announce=2 rp_filter=0; do
	check "n3: net.ipv4.conf.$DEV.${kv%=*} = ${kv#*=}" test "$(vm_sysctl n3 $DEV "${kv%=*}")" = "${kv#*=}"
done
check "n3: net.ipv6.conf.$DEV.disable_ipv6 = 1 (an IPv4 instance's device)" \
	test "$(vm_sysctl n3 $DEV disable_ipv6 ipv6)" = 1
check "n3: no IPv6 address (no link-local) on $DEV" test -z "$(ip -n "${P}n3" -6 -o addr show dev $DEV)"
for kv in arp_ignore=1 arp_announce=2; do
	check "n2: net.ipv4.conf.eth0.${kv%=*} raised to ${kv#*=}" test "$(vm_sysctl n2 eth0 "${kv%=*}")" = "${kv#*=}"
done
check "status --json (n3): vmac $DEV $VMAC up" \
	test "$(vm_q n3 '[.vmac.interface, .vmac.mac, .vmac.up] | join(" ")')" = "$DEV $VMAC true"
check "status --json (n1): vmac exists, down" \
	test "$(vm_q n1 '[.state, .vmac.exists, .vmac.up] | join(" ")')" = "BACKUP true false"
check "status (text, n3) shows the device" \
	eval 'nsx n3 "$CLUSTD" -f "$T/n3.conf" status | grep -q "^  vmac $DEV $VMAC up$"'

# ---- the client: ARP answered with the virtual MAC (item 44) ----------
arp=$(nsx client arping -c 2 -w 3 -I eth0 $VIP 2>&1)
check "client: arping $VIP answered from $VMAC" eval 'echo "$arp" | grep -qi "from $VMAC ($VIP)"'
check "client: no other MAC answers ARP for the VIP" \
	test -z "$(echo "$arp" | grep -i "bytes from" | grep -vi "$VMAC")"
check "client: ping the VIP" nsx client ping -c 2 -W 2 $VIP
neigh() { nsx client ip neigh show $VIP dev eth0; }
check "client: neighbour entry for the VIP is $VMAC ($(neigh))" eval 'neigh | grep -qi "lladdr $VMAC"'

capture_stop wire
early=$(pcap_count wire "(vrrp || arp) && (eth.src == $VMAC || eth.src == $mac3) && frame.time_epoch < $t_free")
check "n3 sent no advert and no ARP while its device could not be made (item 58)" test "$early" = 0
first_arp=$(pcap_fields wire "arp && eth.src == $VMAC" frame.time_epoch | head -1)
first_adv=$(pcap_fields wire "vrrp && eth.src == $VMAC" frame.time_epoch | head -1)
check "the first ARP from $VMAC follows the first advert from it (item 58)" vm_le "$first_adv" "$first_arp"

# ---- wire format (items 20 and 55) -------------------------------------
nadv=$(pcap_count wire "vrrp && ip.src == 198.51.100.13 && vrrp.prio == 250")
nadv_vmac=$(pcap_count wire "vrrp && ip.src == 198.51.100.13 && vrrp.prio == 250 && eth.src == $VMAC")
diag "n3's adverts: $nadv, from $VMAC: $nadv_vmac"
check "n3's adverts leave from $VMAC (item 20; $nadv_vmac of $nadv, >= 10)" \
	eval '[ "$nadv" -ge 10 ] && [ "$nadv_vmac" = "$nadv" ]'
check "n3's adverts keep the base address as IPv4 source" \
	test "$(pcap_count wire "vrrp && eth.src == $VMAC && ip.src != 198.51.100.13")" = 0
check "no advert from n3's own MAC" test "$(pcap_count wire "vrrp && eth.src == $mac3")" = 0
garp="arp.opcode == 1 && arp.src.proto_ipv4 == $VIP && arp.dst.proto_ipv4 == $VIP"
ngarp=$(pcap_count wire "$garp && arp.src.hw_mac == $VMAC && eth.src == $VMAC && eth.dst == ff:ff:ff:ff:ff:ff && arp.dst.hw_mac == ff:ff:ff:ff:ff:ff")
check "gratuitous ARP: request, sender = target = VIP, sender MAC and Ethernet source $VMAC, broadcast (item 55; $ngarp >= 5)" \
	test "$ngarp" -ge 5
check "no ARP names the VIP with another MAC" \
	test "$(pcap_count wire "arp.src.proto_ipv4 == $VIP && arp.src.hw_mac != $VMAC")" = 0
check "no ARP from the VMAC names another address than the VIP" \
	test "$(pcap_count wire "arp.src.hw_mac == $VMAC && arp.src.proto_ipv4 != $VIP")" = 0

# ---- SIGKILL the master: n2 takes over with the same MAC -----------------
capture_start kill "ip proto 112 or arp" || fail "capture started"
capture_start n2icmp "icmp" v-n2 || fail "capture on n2's port started"
ip -n "${P}client" -ts monitor neigh >"$T/client.neigh" 2>&1 &
NET_BG_PIDS="$NET_BG_PIDS $!"
m2=$(log_lines n2)
clustd_kill n3
if wait_until 10 has_vip n2 $VIP $DEV; then
	ok "n2 holds the VIP on $DEV after SIGKILL of n3"
else
	fail "n2 holds the VIP on $DEV within 10 s of SIGKILL of n3"
fi
check "n2 logged BACKUP -> MASTER" log_has n2 'web: BACKUP -> MASTER' "$m2"
check "n2: $DEV is up" vm_is_up n2 $DEV
check "n3 (killed): stale $DEV still there" vm_exists n3 $DEV
sleep 0.3
check "client: ping the VIP after the failover" nsx client ping -c 3 -i 0.2 -W 2 $VIP
sleep 0.2
capture_stop kill
capture_stop n2icmp
check "n2's adverts leave from $VMAC" \
	test "$(pcap_count kill "vrrp && ip.src == 198.51.100.12 && eth.src == $VMAC")" -ge 3
check "n2 sent none from its own MAC" \
	test "$(pcap_count kill "vrrp && ip.src == 198.51.100.12 && eth.src != $VMAC")" = 0
check "n2 announced the VIP from $VMAC (>= 5 gratuitous ARPs)" \
	test "$(pcap_count kill "$garp && arp.src.hw_mac == $VMAC && eth.src == $VMAC")" -ge 5
check "the echo replies came from n2" \
	test "$(pcap_count n2icmp "icmp.type == 0 && ip.src == $VIP")" -ge 1
check "client: neighbour entry for the VIP still $VMAC ($(neigh))" eval 'neigh | grep -qi "lladdr $VMAC"'
check "client: its neighbour entry for the VIP never named another MAC" \
	test -z "$(grep -F "$VIP " "$T/client.neigh" | grep lladdr | grep -vi "lladdr $VMAC")"

# ---- restart n3 over its stale device ------------------------------------
m3=$(log_lines n3)
clustd_start n3
check "n3 removed the stale device at start" \
	wait_log 10 n3 "vmac: removing $DEV, left on eth0 by an earlier run" "$m3"
if wait_until 10 eval 'only_holder n3 $VIP $DEV && vm_is_up n3 $DEV && vm_is_down n2 $DEV'; then
	ok "n3 preempts again: VIP and the up device on n3 only, n2's device down"
else
	fail "n3 preempts: holders '$(vip_holders $VIP $DEV)'"
fi
check "client: ping the VIP" nsx client ping -c 2 -i 0.2 -W 2 $VIP

# ---- someone deletes the device under the master -------------------------
capture_start del "arp" || fail "capture started"
m3=$(log_lines n3)
ip -n "${P}n3" link del $DEV
check "n3 logged that $DEV disappeared" wait_log 5 n3 "vmac: $DEV has disappeared: re-creating it" "$m3"
check "n3: $DEV re-created, up, with the VIP" wait_until 5 eval 'vm_is_up n3 $DEV && has_vip n3 $VIP $DEV'
check "n3 stayed master" eval '! log_has n3 "web: MASTER -> " "$m3"'
sleep 0.2
capture_stop del
check "n3 announced the VIP again from $VMAC" \
	test "$(pcap_count del "$garp && arp.src.hw_mac == $VMAC")" -ge 1
check "client: ping the VIP" nsx client ping -c 2 -i 0.2 -W 2 $VIP

check "n1 has not been master ($(grep -E 'web: [A-Z]+ -> MASTER' "$T/n1.log" | head -1))" \
	eval '! log_has n1 "-> MASTER"'

# ---- SIGTERM: the device goes, the base settings come back ---------------
capture_start term "ip proto 112" || fail "capture started"
clustd_signal n2 TERM
clustd_wait_exit n2 10
check "n2 (backup) exits 0 on SIGTERM" test "$(clustd_exit_code n2)" = 0
check "n2: $DEV removed" eval '! vm_exists n2 $DEV'
check "n2: net.ipv4.conf.eth0.arp_ignore back to 0" test "$(vm_sysctl n2 eth0 arp_ignore)" = 0
check "n2: net.ipv4.conf.eth0.arp_announce back to 0" test "$(vm_sysctl n2 eth0 arp_announce)" = 0
t_term=$(date +%s.%6N)
clustd_signal n3 TERM
clustd_wait_exit n3 10
check "n3 (master) exits 0 on SIGTERM" test "$(clustd_exit_code n3)" = 0
check "n3: $DEV removed" eval '! vm_exists n3 $DEV'
check "n1 takes over" wait_until 5 has_vip n1 $VIP $DEV
sleep 0.2
capture_stop term
capture_stop n1vmac
n1before=$(pcap_count n1vmac "eth.src == $VMAC && frame.time_epoch < $t_term")
n1after=$(pcap_count n1vmac "eth.src == $VMAC && frame.time_epoch > $t_term")
check "n1 sent no frame from $VMAC while backup, from its start to n3's SIGTERM ($n1before)" \
	test "$n1before" = 0
check "... and does once master (positive control of that capture: $n1after)" test "$n1after" -ge 1
check "n3's priority-0 advert left from $VMAC" \
	test "$(pcap_count term "vrrp.prio == 0 && ip.src == 198.51.100.13 && eth.src == $VMAC")" = 1

# ---- reload: use_vmac off and on again (the instance restarts) ------------
web_conf n1 50
m1=$(log_lines n1)
clustd_signal n1 HUP
check "reload without use_vmac: n1 restarts the instance" \
	wait_log 5 n1 "web: interface, VRID, version, family or virtual MAC changed: restarting it" "$m1"
check "... deletes $DEV and holds the VIP on eth0" \
	wait_until 5 eval '! vm_exists n1 $DEV && has_vip n1 $VIP eth0'
web_conf n1 50 "use_vmac = true;"
clustd_signal n1 HUP
check "reload with use_vmac: the VIP moves back to $DEV" \
	wait_until 5 eval 'has_vip n1 $VIP $DEV && ! has_vip n1 $VIP eth0 && vm_is_up n1 $DEV'

# ---- the base interface down, then gone: FAULT --------------------------
m1=$(log_lines n1)
ip -n "${P}n1" link set eth0 down
check "eth0 down: n1 goes FAULT" wait_log 5 n1 "web: MASTER -> FAULT: interface eth0 down or missing" "$m1"
check "... its device down, without the VIP" wait_until 5 eval 'vm_is_down n1 $DEV && ! has_vip n1 $VIP $DEV'
ip -n "${P}n1" link set eth0 up
check "eth0 up: n1 master again, device up with the VIP" \
	wait_until 5 eval 'has_vip n1 $VIP $DEV && vm_is_up n1 $DEV'
m1=$(log_lines n1)
ip -n "${P}n1" link del eth0
check "eth0 deleted (the kernel deletes $DEV with it): n1 goes FAULT" \
	wait_log 5 n1 "web: MASTER -> FAULT: interface eth0 down or missing" "$m1"
check "status --json (n1): device missing, faults [link]" \
	test "$(vm_q n1 '[.vmac.exists, (.faults | join(","))] | join(" ")')" = "false link"
net_attach n1 br0 eth0 198.51.100.11/24
check "a new eth0: n1 makes a new $DEV and is master again" \
	wait_until 5 eval 'has_vip n1 $VIP $DEV && vm_is_up n1 $DEV'
check "... with the base settings raised on the new eth0" \
	test "$(vm_sysctl n1 eth0 arp_ignore) $(vm_sysctl n1 eth0 arp_announce)" = "1 2"

done_testing
