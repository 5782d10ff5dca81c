#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Election: three nodes (priorities 100, 150, 200) start together; the
# priority-200 node must end up the one and only VIP holder, stay so, and
# answer ARP for the VIP with its own MAC; the others stay BACKUP.
. "$(dirname "$0")/lib.sh"
net_init election
VIP=198.51.100.100

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
net_host n3 198.51.100.13/24
net_host client 198.51.100.200/24

web_conf n1 100
web_conf n2 150
web_conf n3 200
t0=$(now_ms)
clustd_start n1
clustd_start n2
clustd_start n3

if wait_until 15 only_holder n3 $VIP; then
	ok "n3 (priority 200) is the only VIP holder after $(($(now_ms) - t0)) ms"
else
	fail "n3 is the only VIP holder within 15 s (holders: '$(vip_holders $VIP)')"
fi
# Let any start-up race settle before we judge stability.
sleep 0.5
m1=$(log_lines n1)
m2=$(log_lines n2)
m3=$(log_lines n3)

samples=$(vip_sample 2000 $VIP)
vip_sample_period_check
diag "holder samples over 2 s: $(echo "$samples" | tr '\n' ';')"
check "n3 alone holds the VIP in every 20 ms sample for 2 s" \
	test "$(echo "$samples" | awk '{print $2}' | sort -u | tr '\n' ' ')" = "n3 "

mac3=$(host_mac n3)
arp=$(nsx client arping -c 2 -w 3 -I eth0 $VIP 2>&1)
diag "n3 eth0 MAC $mac3"
if echo "$arp" | grep -qi "from $mac3 ($VIP)"; then
	ok "client resolves $VIP to n3's MAC (arping)"
else
	fail "client resolves $VIP to n3's MAC: $(echo "$arp" | grep -i from | head -2)"
fi
others=$(echo "$arp" | grep -i "bytes from" | grep -vi "$mac3" | head -1)
check "no other MAC answers ARP for the VIP" test -z "$others"
nsx client ping -c 1 -W 2 $VIP >/dev/null 2>&1
check "client can ping the VIP" nsx client ping -c 1 -W 2 $VIP
neigh=$(nsx client ip neigh show $VIP dev eth0)
check "client neighbour entry for the VIP is n3's MAC ($neigh)" \
	eval 'echo "$neigh" | grep -qi "lladdr $mac3"'

check "n3 logged 'web: BACKUP -> MASTER'" log_has n3 'web: BACKUP -> MASTER'
check "n3 logged 'web: INIT -> BACKUP' at start" log_has n3 'web: INIT -> BACKUP'
for n in n1 n2; do
	last=$(grep -E 'web: [A-Z]+ -> [A-Z]+' "$T/$n.log" | tail -1)
	check "$n: last transition is to BACKUP ($last)" \
		eval 'echo "$last" | grep -q -- "-> BACKUP"'
	if log_has $n 'web: [A-Z]+ -> MASTER'; then
		diag "$n was MASTER for a moment during start-up (start order race)"
	fi
done
check "n1 logged no transition during the stability window" \
	eval '! log_has n1 "web: (BACKUP|MASTER|FAULT) -> [A-Z]+" $m1'
check "n2 logged no transition during the stability window" \
	eval '! log_has n2 "web: (BACKUP|MASTER|FAULT) -> [A-Z]+" $m2'
check "n3 logged no transition during the stability window" \
	eval '! log_has n3 "web: (BACKUP|MASTER|FAULT) -> [A-Z]+" $m3'
check "n1 does not hold the VIP" eval '! has_vip n1 $VIP'
check "n2 does not hold the VIP" eval '! has_vip n2 $VIP'

done_testing
