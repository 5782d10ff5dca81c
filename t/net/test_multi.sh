#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Several instances per daemon: two on eth0 (VRID 51 and 52, masters on
# different nodes) and one on eth1 (a second segment, VRID 51 again).
# Each VIP sits on its own master; when a daemon dies, each of its master
# instances fails over on its own and the other instances do not move.
. "$(dirname "$0")/lib.sh"
net_init multi
WEB=198.51.100.100
API=198.51.100.101
DB=203.0.113.100

net_bridge br0
net_bridge br1
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
net_attach n1 br1 eth1 203.0.113.11/24
net_attach n2 br1 eth1 203.0.113.12/24

# multi_conf <node> <web prio> <api prio> <db prio>
multi_conf() {
	{
		node_block "$1"
		echo "instances = ("
		instance_block web eth0 51 "$2" $WEB/24
		echo ","
		instance_block api eth0 52 "$3" $API/24
		echo ","
		instance_block db eth1 51 "$4" $DB/24
		echo
		echo ");"
	} | clustd_conf "$1"
}
multi_conf n1 200 100 200
multi_conf n2 100 200 150

all_settled() {
	only_holder n1 $WEB && only_holder n2 $API && only_holder n1 $DB eth1
}

clustd_start n1
clustd_start n2
if wait_until 15 all_settled; then
	ok "web on n1, api on n2, db (eth1) on n1"
else
	fail "web on n1, api on n2, db on n1 (web: '$(vip_holders $WEB)', api: '$(vip_holders $API)', db: '$(vip_holders $DB eth1)')"
fi
sleep 0.5
check "still so 0.5 s later" all_settled
check "no VIP on the wrong interface (api/web not on eth1)" \
	eval '[ -z "$(vip_holders $WEB eth1)$(vip_holders $API eth1)$(vip_holders $DB eth0)" ]'

capture_start multi0 "ip proto 112" br0 || fail "capture br0 started"
capture_start multi1 "ip proto 112" br1 || fail "capture br1 started"
sleep 1
capture_stop multi0
capture_stop multi1
check "VRID 51 adverts on br0 come from n1 only" \
	test "$(pcap_fields multi0 'vrrp.virt_rtr_id == 51' ip.src | sort -u | tr '\n' ' ')" = "198.51.100.11 "
check "VRID 52 adverts on br0 come from n2 only" \
	test "$(pcap_fields multi0 'vrrp.virt_rtr_id == 52' ip.src | sort -u | tr '\n' ' ')" = "198.51.100.12 "
check "VRID 51 adverts on br1 come from n1 (eth1 address) only" \
	test "$(pcap_fields multi1 'vrrp' ip.src | sort -u | tr '\n' ' ')" = "203.0.113.11 "
check "adverts on br1 carry the db VIP" \
	test "$(pcap_fields multi1 'vrrp' vrrp.ip_addr | sort -u | tr '\n' ' ')" = "$DB "
check "no VRID 52 advert leaks onto br1" test "$(pcap_count multi1 'vrrp.virt_rtr_id == 52')" = 0

m2=$(log_lines n2)
vip_sampler_start api $API 20
t0=$(now_ms)
clustd_kill n1
if wait_until 10 eval 'has_vip n2 $WEB && has_vip n2 $DB eth1'; then
	ok "web and db fail over to n2 ($(($(now_ms) - t0)) ms after SIGKILL of n1)"
else
	fail "web and db fail over to n2 (web: '$(vip_holders $WEB)', db: '$(vip_holders $DB eth1)')"
fi
sleep 0.5
samples=$(vip_sampler_stop api)
vip_sampler_period_check api
check "web: n2 logged BACKUP -> MASTER" log_has n2 'web: BACKUP -> MASTER' "$m2"
check "db: n2 logged BACKUP -> MASTER" log_has n2 'db: BACKUP -> MASTER' "$m2"
check "api: n2 logged no transition" eval '! log_has n2 "api: (BACKUP|MASTER|FAULT) -> [A-Z]+" $m2'
check "api VIP stayed on n2 alone throughout ($(echo $samples))" \
	test "$(echo $samples | awk '{print $2, NF}')" = "n2 2"

# n1 comes back: cleans its stale VIPs, takes web and db back (preempt).
m1=$(log_lines n1)
m2=$(log_lines n2)
clustd_start n1
if wait_until 10 all_settled; then
	ok "after n1 restarts: web and db back on n1, api still on n2"
else
	fail "after n1 restarts (web: '$(vip_holders $WEB)', api: '$(vip_holders $API)', db: '$(vip_holders $DB eth1)')"
fi
check "n1 removed its stale web VIP" log_has n1 "web: removed stale VIP $WEB" "$m1"
check "n1 removed its stale db VIP" log_has n1 "db: removed stale VIP $DB" "$m1"
check "api: n1 goes BACKUP, not MASTER" eval '! log_has n1 "api: [A-Z]+ -> MASTER" $m1'
check "api: n2 logged no transition" eval '! log_has n2 "api: (BACKUP|MASTER|FAULT) -> [A-Z]+" $m2'

done_testing
