#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# IPv6 unicast with a global unicast_source (finding A9): adverts go from
# the global address, but the unsolicited Neighbour Advertisement for the
# VIP needs a source the announcer accepts. Before the fix the daemon built
# no NA at all. On failover (n1 killed) the new master n2 must send an
# unsolicited NA for the VIP: to ff02::1 from n2's MAC, hop limit 255,
# R=1 S=0 O=1, target link-layer option = n2's MAC, checksum good, sourced
# from the VIP itself (what keepalived does; RFC 4861 §4.4 asks for an
# address assigned to the interface, which the VIP now is).
. "$(dirname "$0")/lib.sh"
net_init unicast6_announce

A1=2001:db8::11
A2=2001:db8::12
VIP=2001:db8::100
net_bridge br0
net_host n1 198.51.100.11/24 "$A1/64"
net_host n2 198.51.100.12/24 "$A2/64"

# uconf <node> <prio> <own global address> <peer>
uconf() {
	{
		node_block "$1"
		echo "instances = ("
		instance_block web eth0 51 "$2" "$VIP/64" \
			"unicast_source = \"$3\"; unicast_peers = [ \"$4\" ];"
		echo
		echo ");"
	} | clustd_conf "$1"
}
uconf n1 200 "$A1" "$A2"
uconf n2 100 "$A2" "$A1"

clustd_start n1
clustd_start n2
if ! wait_until 10 only_holder n1 "$VIP"; then
	fail "n1 (priority 200) holds the VIP"
	done_testing
fi
ok "n1 (priority 200) holds the VIP"
capture_start adv "ip6 and ip6[6] == 112" || fail "capture of adverts started"
sleep 0.5
capture_stop adv
check "adverts go to the unicast peer from the global source" \
	test "$(pcap_count adv "vrrp && ipv6.src == $A1 && ipv6.dst == $A2")" -ge 2

M2=$(host_mac n2)
m2=$(log_lines n2)
capture_start na "icmp6" || fail "capture of ICMPv6 started"
clustd_kill n1
check "n2 takes the VIP over" wait_until 5 only_holder n2 "$VIP"
sleep 1	# the first burst (garp.repeat, garp.interval)
capture_stop na

NA="icmpv6.type == 136 && icmpv6.nd.na.target_address == $VIP && eth.src == $M2"
got=$(pcap_fields na "$NA" eth.dst ipv6.src ipv6.dst ipv6.hlim icmpv6.nd.na.flag.r \
	icmpv6.nd.na.flag.s icmpv6.nd.na.flag.o icmpv6.opt.linkaddr icmpv6.checksum.status |
	head -1 | tr '\t' ' ')
diag "first NA from n2: $got"
check "n2 sends unsolicited NAs for the VIP ($(pcap_count na "$NA") seen)" \
	test "$(pcap_count na "$NA")" -ge 1
check "the NA: to ff02::1 from the VIP, hop limit 255, R=1 S=0 O=1, TLLA n2, checksum good" \
	test "$got" = "33:33:00:00:00:01 $VIP ff02::1 255 1 0 1 $M2 1"
check "n2 logs no failed announcement" eval '! log_has n2 "cannot build an announcement" "$m2"'

done_testing
