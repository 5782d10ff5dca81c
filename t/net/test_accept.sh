#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Accept_Mode (RFC 5798 §6.1, §6.4.3; checklist items 33, 45, 46, 65).
# Two nodes, five instances: "strict" (IPv4, accept = false), "open"
# (IPv4, default accept), "owner" (IPv4, accept = false, priority 255 on
# n1 and 100 on n2), "strict6" (IPv6, accept = false) and "strict2"
# (VRRPv2, accept = false: RFC 3768's rule for non-owners). The master of a
# no-accept instance answers ARP and neighbour discovery for its VIP
# (only the master does) but drops every other packet addressed to it;
# the owner and accepting instances answer ping. The behaviour survives a
# SIGKILL failover and a restart (one clustd table, replaced, not
# duplicated), follows a reload, and the table goes at SIGTERM. A node
# whose table cannot be installed logs it, keeps running and says in
# `clustd status` that accept = false is not enforced.
. "$(dirname "$0")/lib.sh"
net_init accept
V_STRICT=198.51.100.100
V_OPEN=198.51.100.101
V_OWNER=198.51.100.102
V_STRICT6=2001:db8::100
V_STRICT2=198.51.100.103
V_FAIL=198.51.100.110

net_bridge
net_host n1 198.51.100.11/24 2001:db8::11/64
net_host n2 198.51.100.12/24 2001:db8::12/64
net_host client 198.51.100.200/24 2001:db8::200/64

# accept_conf <node> <prio> <owner prio> [<strict accept setting>]
accept_conf() {
	{
		node_block "$1"
		echo "instances = ("
		instance_block strict eth0 51 "$2" $V_STRICT/24 "${4:-accept = false;}"
		echo ","
		instance_block open eth0 52 "$2" $V_OPEN/24
		echo ","
		instance_block owner eth0 53 "$3" $V_OWNER/24 "accept = false;"
		echo ","
		instance_block strict6 eth0 54 "$2" $V_STRICT6/64 "accept = false;"
		echo ","
		# RFC 3768 has no Accept_Mode: a v2 non-owner never accepts.
		instance_block strict2 eth0 55 "$2" $V_STRICT2/24 "version = 2; accept = false;" |
			sed 's/advert_interval = 100;/advert_interval = 1000;/'
		echo
		echo ");"
	} | clustd_conf "$1"
}

status_json() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" status --json 2>/dev/null
}

# inst_field <node> <instance> <jq path>
inst_field() {
	status_json "$1" | jq -r --arg n "$2" ".instances[] | select(.name == \$n) | $3" 2>/dev/null
}

all_vips_on() {
	has_vip "$1" $V_STRICT && has_vip "$1" $V_OPEN && has_vip "$1" $V_OWNER &&
		has_vip "$1" $V_STRICT6 && has_vip "$1" $V_STRICT2
}

pings() {
	nsx client ping -c 1 -W 1 "$1" >/dev/null 2>&1
}

# no_ping <addr>: three echo requests, not one reply.
no_ping() {
	! nsx client ping -c 3 -i 0.2 -W 1 "$1" >/dev/null 2>&1
}

# arp_from <addr> <mac>: arping is answered, and only by <mac>.
arp_from() {
	local out
	out=$(nsx client arping -c 2 -w 3 -I eth0 "$1" 2>&1)
	echo "$out" | grep -qi "from $2 ($1)" &&
		[ -z "$(echo "$out" | grep -i 'bytes from' | grep -vi "$2")" ]
}

# nd_resolves_to <mac>: with a flushed neighbour cache, a ping6 to the
# IPv6 VIP (whose replies are dropped) still resolves it to <mac>.
nd_resolves_to() {
	local neigh
	nsx client ip -6 neigh flush dev eth0
	nsx client ping -6 -c 1 -W 1 $V_STRICT6 >/dev/null 2>&1
	neigh=$(nsx client ip -6 neigh show $V_STRICT6 dev eth0)
	diag "client neighbour entry: ${neigh:-none}"
	echo "$neigh" | grep -qi "lladdr $1"
}

# clustd's Accept_Mode tables in a node's namespace: "inet clustd" lines
# (not the fence of planned releases, "inet clustd_fence").
tables() {
	nsx "$1" nft list tables 2>/dev/null | grep -cx 'table inet clustd'
}

# drop_count <node> <ip|ip6>: packets counted by that family's drop rule.
drop_count() {
	nsx "$1" nft list chain inet clustd input 2>/dev/null |
		awk -v f="$2" '$0 ~ ("^[[:space:]]*meta iiftype != loopback " f " daddr") && /drop/ {
			for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

# unicast_ns <mac>: a Neighbour Solicitation sent to the VIP itself (as
# neighbour unreachability detection does) gets an advertisement back.
unicast_ns() {
	# The system python: python3-scapy is installed for it.
	nsx client /usr/bin/python3 - "$1" "$(host_mac client)" <<'EOF' 2>/dev/null
import sys
from scapy.all import AsyncSniffer, Ether, IPv6, ICMPv6ND_NS, ICMPv6ND_NA, ICMPv6NDOptSrcLLAddr, sendp, conf
conf.verb = 0
dst_mac, my_mac = sys.argv[1], sys.argv[2]
sn = AsyncSniffer(iface="eth0", filter="icmp6 and ip6[40] == 136", timeout=2)
sn.start()
import time; time.sleep(0.3)
sendp(Ether(src=my_mac, dst=dst_mac) / IPv6(src="2001:db8::200", dst="2001:db8::100", hlim=255) /
      ICMPv6ND_NS(tgt="2001:db8::100") / ICMPv6NDOptSrcLLAddr(lladdr=my_mac), iface="eth0")
sn.join()
ok = [p for p in sn.results if ICMPv6ND_NA in p and p[ICMPv6ND_NA].tgt == "2001:db8::100" and p[Ether].src == dst_mac]
sys.exit(0 if ok else 1)
EOF
}

accept_conf n1 200 255
accept_conf n2 100 100
clustd_start n1
wait_until 10 all_vips_on n1
clustd_start n2
wait_until 10 eval '[ "$(inst_field n2 strict .state)" = BACKUP ] && [ "$(inst_field n2 strict6 .state)" = BACKUP ]'
mac1=$(host_mac n1)
mac2=$(host_mac n2)
diag "n1 $mac1, n2 $mac2"
check "n1 holds all five VIPs, n2 none" eval 'all_vips_on n1 && ! has_vip n2 $V_STRICT &&
	! has_vip n2 $V_OPEN && ! has_vip n2 $V_OWNER && ! has_vip n2 $V_STRICT6 && ! has_vip n2 $V_STRICT2'

# ---- status
check "status --json: filter active on n1" test "$(status_json n1 | jq -r .accept_filter.state)" = active
check "status --json: filter holds 2 IPv4 and 1 IPv6 VIP (owner and open ones left out)" \
	test "$(status_json n1 | jq -c '[.accept_filter.ipv4_vips, .accept_filter.ipv6_vips]')" = "[2,1]"
check "status --json: strict accept=false, filter active" \
	test "$(inst_field n1 strict '[.accept, .accept_filter] | @tsv')" = "$(printf 'false\tactive')"
check "status --json: open accept=true (the default), no filter" \
	test "$(inst_field n1 open '[.accept, .accept_filter] | @tsv')" = "$(printf 'true\tnone')"
check "status --json: owner with accept = false accepts" \
	test "$(inst_field n1 owner '[.accept, .accept_owner, .accept_filter] | @tsv')" = "$(printf 'true\ttrue\tnone')"
text=$(nsx n1 timeout 5 "$CLUSTD" -f "$T/n1.conf" status 2>&1)
check "status text: strict is no-accept, enforced" eval 'echo "$text" | grep -Eq "^  strict +no-accept, enforced by nftables$"'
check "status text: owner accepts as address owner" eval 'echo "$text" | grep -Eq "^  owner +accept \(address owner\)$"'
check "status text: open accepts" eval 'echo "$text" | grep -Eq "^  open +accept$"'
check "status text: the table line" eval 'echo "$text" | grep -q "accept mode (nftables table inet clustd: active)"'
check "n2 (backup) has the table too, ready for a takeover" test "$(tables n2)" = 1
check "n1 logged the filter" log_has n1 'accept mode: nftables table inet clustd drops traffic to 3 VIP'

# ---- IPv4 on the master
check "arping $V_STRICT (accept = false) answered by n1 only" arp_from $V_STRICT "$mac1"
check "ping $V_STRICT (accept = false) gets no reply" no_ping $V_STRICT
check "... and the IPv4 drop rule counted the requests ($(drop_count n1 ip))" \
	test "$(drop_count n1 ip)" -ge 3
check "ping $V_OPEN (default accept) is answered" pings $V_OPEN
check "ping $V_STRICT2 (VRRPv2, accept = false) gets no reply" no_ping $V_STRICT2
check "arping $V_STRICT2 answered by n1 only" arp_from $V_STRICT2 "$mac1"
check "ping $V_OWNER (owner, accept = false) is answered" pings $V_OWNER
check "ping n1's own address is answered" pings 198.51.100.11
check "n1 itself reaches its no-accept VIP (loopback is exempt)" \
	nsx n1 ping -c 1 -W 1 $V_STRICT

# ---- IPv6: ND passes, the rest is dropped; NS is answered by the master only
capture_start nd "icmp6" || fail "capture started"
check "IPv6 VIP (accept = false): neighbour discovery resolves to n1's MAC" nd_resolves_to "$mac1"
check "ping6 $V_STRICT6 gets no reply" eval '! nsx client ping -6 -c 3 -i 0.2 -W 1 $V_STRICT6 >/dev/null 2>&1'
check "a unicast NS to the VIP itself is answered (ND exempt from the drop)" unicast_ns "$mac1"
sleep 0.2
capture_stop nd
na1=$(pcap_count nd "icmpv6.type == 136 && icmpv6.nd.na.target_address == $V_STRICT6 && eth.src == $mac1 && icmpv6.nd.na.flag.s == 1")
na2=$(pcap_count nd "icmpv6.type == 136 && icmpv6.nd.na.target_address == $V_STRICT6 && eth.src == $mac2")
ns=$(pcap_count nd "icmpv6.type == 135 && icmpv6.nd.ns.target_address == $V_STRICT6")
diag "NS for the VIP: $ns, solicited NA from n1: $na1, NA from n2: $na2"
check "the master (n1) answered the NS for the IPv6 VIP" test "$na1" -ge 1
check "the backup (n2) never advertised the IPv6 VIP" test "$na2" -eq 0
echo_rep=$(pcap_count nd "icmpv6.type == 129 && ipv6.src == $V_STRICT6")
check "no echo reply left from the IPv6 VIP" test "$echo_rep" -eq 0
check "... and the IPv6 drop rule counted the echo requests ($(drop_count n1 ip6))" \
	test "$(drop_count n1 ip6)" -ge 3
check "RAs: none from either node (clustd is not a router)" \
	test "$(pcap_count nd "icmpv6.type == 134 && (eth.src == $mac1 || eth.src == $mac2)")" -eq 0

# ---- failover by SIGKILL: n2 takes over, same behaviour
clustd_signal n1 KILL
clustd_wait_exit n1 5
check "n2 takes every VIP after SIGKILL of n1" wait_until 10 all_vips_on n2
# n1's VIPs stay until their lease runs out: do not let them answer.
wait_until 8 eval '! has_vip n1 $V_STRICT && ! has_vip n1 $V_OPEN'
check "a killed node's table stays (its left-over VIPs stay filtered)" test "$(tables n1)" = 1
nsx client ip neigh flush dev eth0
check "after failover: arping $V_STRICT answered by n2" arp_from $V_STRICT "$mac2"
check "after failover: ping $V_STRICT gets no reply" no_ping $V_STRICT
check "after failover: ping $V_OPEN is answered" pings $V_OPEN
check "after failover: ping $V_STRICT2 (VRRPv2) gets no reply" no_ping $V_STRICT2
check "after failover: $V_OWNER on n2 (priority 100, accept = false) is filtered" no_ping $V_OWNER
check "after failover: IPv6 ND resolves to n2's MAC" nd_resolves_to "$mac2"
check "after failover: ping6 $V_STRICT6 gets no reply" \
	eval '! nsx client ping -6 -c 3 -i 0.2 -W 1 $V_STRICT6 >/dev/null 2>&1'

# ---- restart of the killed node: its stale table is replaced, not added to
m1=$(log_lines n1)
clustd_start n1
check "n1 back as master after restart (preempt)" wait_until 10 all_vips_on n1
check "after restart: exactly one nftables table in n1's namespace (besides the fence)" \
	test "$(nsx n1 nft list tables 2>/dev/null | grep -vcx 'table inet clustd_fence')" = 1
check "after restart: it is inet clustd" test "$(tables n1)" = 1
rules=$(nsx n1 nft list chain inet clustd input 2>/dev/null | grep -c 'daddr @noaccept')
check "after restart: 4 rules, not duplicated ($rules)" test "$rules" = 4
check "after restart: ping $V_STRICT gets no reply" no_ping $V_STRICT
check "after restart: ping $V_OWNER (owner again) answered" pings $V_OWNER

# ---- reload: strict becomes accepting on the master
accept_conf n1 200 255 "accept = true;"
m1=$(log_lines n1)
clustd_signal n1 HUP
check "n1 reloaded" wait_log 5 n1 'reload: config applied' "$m1"
check "after reload: ping $V_STRICT is answered" pings $V_STRICT
check "after reload: the set holds strict2's and the IPv6 VIP only" \
	test "$(status_json n1 | jq -c '[.accept_filter.ipv4_vips, .accept_filter.ipv6_vips]')" = "[1,1]"
check "after reload: ping6 $V_STRICT6 still gets no reply" \
	eval '! nsx client ping -6 -c 2 -i 0.2 -W 1 $V_STRICT6 >/dev/null 2>&1'

# ---- SIGTERM: the table goes with the daemon
for n in n1 n2; do
	clustd_signal $n TERM
	clustd_wait_exit $n 10
	check "$n exits 0 on SIGTERM" test "$(clustd_exit_code $n)" = 0
	check "$n: no clustd table after SIGTERM" test "$(tables $n)" = 0
done

# ---- a table clustd cannot replace: logged, status says so, daemon runs.
# An "owner" table belongs to the netlink socket of the nft that made it
# (held open here); nobody else may change or delete it.
net_host n3 198.51.100.13/24
{
	node_block n3
	echo "instances = ("
	instance_block fail eth0 60 100 $V_FAIL/24 "accept = false;"
	echo
	echo ");"
} | clustd_conf n3
mkfifo "$T/nft.fifo"
nsx n3 nft -i <"$T/nft.fifo" >"$T/nft-i.log" 2>&1 &
NET_BG_PIDS="$NET_BG_PIDS $!"
exec 3>"$T/nft.fifo"
echo 'add table inet clustd { flags owner; }' >&3
wait_until 5 eval '[ "$(tables n3)" = 1 ]'
clustd_start n3
check "n3 logs that accept = false is not enforced" \
	wait_log 10 n3 'accept mode: cannot install the nftables table inet clustd: .*NOT enforced for fail'
check "n3 keeps running and becomes master" wait_until 10 has_vip n3 $V_FAIL
check "status --json: filter failed, with the reason" \
	test "$(status_json n3 | jq -r '[.accept_filter.state, (.accept_filter.error | length > 0)] | @tsv')" = "$(printf 'failed\ttrue')"
check "status --json: instance says accept=false but the filter failed" \
	test "$(inst_field n3 fail '[.accept, .accept_filter] | @tsv')" = "$(printf 'false\tfailed')"
text=$(nsx n3 timeout 5 "$CLUSTD" -f "$T/n3.conf" status 2>&1)
check "status text: NOT ENFORCED" eval 'echo "$text" | grep -Eq "^  fail +no-accept, NOT ENFORCED"'
check "the unenforced VIP answers ping (reported, not hidden)" pings $V_FAIL
exec 3>&-

done_testing
