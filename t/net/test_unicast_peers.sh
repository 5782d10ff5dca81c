#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Unicast mode accepts adverts only from `unicast_peers` (B12a): a
# well-formed, better advert unicast to the master from an on-link address
# that is not a peer changes nothing and counts drops.not_a_peer; the same
# advert with a peer's source address (positive control: the injected
# packets do reach the daemon) is obeyed.
. "$(dirname "$0")/lib.sh"
net_init unicast_peers
VIP=198.51.100.100
INJ_IP=198.51.100.200
INJECT=(/usr/bin/python3 "$(cd "$(dirname "$0")/../tools" && pwd)/vrrp_inject.py")

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
net_host inj $INJ_IP/24
# The injector is no VRRP node.
# shellcheck disable=SC2034
NET_HOSTS="n1 n2"

uni_conf() { # <node> <prio> <self> <peer>
	web_conf "$1" "$2" "unicast_source = \"$3\"; unicast_peers = [ \"$4\" ];"
}

status_json() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" status --json 2>/dev/null
}

web_field() {
	status_json "$1" | jq -r ".instances[] | select(.name == \"web\") | $2" 2>/dev/null
}

inject() {
	nsx inj "${INJECT[@]}" --dst 198.51.100.11 --dst-mac "$(host_mac n1)" --vrid 51 \
		--prio 254 --addr $VIP "$@" >>"$T/inject.log" 2>&1
}

uni_conf n1 200 198.51.100.11 198.51.100.12
uni_conf n2 100 198.51.100.12 198.51.100.11
clustd_start n1
clustd_start n2
check "n1 (200) becomes MASTER" wait_log 10 n1 'web: BACKUP -> MASTER'
check "n2 (100) is BACKUP" wait_log 10 n2 'web: INIT -> BACKUP'
sleep 0.5

drops0=$(web_field n1 '.counters.drops.not_a_peer // 0')
trans0=$(web_field n1 '.counters.transitions | tostring')
m1=$(log_lines n1)
check "injector ran (non-peer source $INJ_IP)" inject --src $INJ_IP --count 10 --gap-ms 30
wait_until 2 eval "[ \$((\$(web_field n1 '.counters.drops.not_a_peer // 0') - $drops0)) -ge 10 ]"
drops1=$(web_field n1 '.counters.drops.not_a_peer // 0')
check "n1 counted 10 drops.not_a_peer ($drops0 -> $drops1)" test "$((drops1 - drops0))" = 10
check "n1 is still MASTER" test "$(web_field n1 .state)" = MASTER
check "n1 made no transition" test "$(web_field n1 '.counters.transitions | tostring')" = "$trans0"
check "n1 logged no transition" eval '! log_has n1 "web: MASTER -> " $m1'
check "n1 logs the drop reason" log_has n1 'dropped advert from 198\.51\.100\.200: source is not one of unicast_peers' "$m1"

# Positive control: the same advert from the peer's address is obeyed.
m1=$(log_lines n1)
check "injector ran (peer source, spoofed)" inject --src 198.51.100.12 --count 3 --gap-ms 30
check "n1 yields to a priority-254 advert from its peer" wait_log 3 n1 'web: MASTER -> BACKUP' "$m1"
check "the peer's advert is not counted as not_a_peer" \
	test "$(web_field n1 '.counters.drops.not_a_peer // 0')" = "$drops1"
check "n1 takes over again once the injection stops" wait_log 5 n1 'web: BACKUP -> MASTER' "$m1"

done_testing
