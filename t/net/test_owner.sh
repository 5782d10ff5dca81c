#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Address owner (RFC 5798 §1, priority 255 with the interface's own
# address as VIP): clustd must never remove that address - not at start
# (stale-VIP cleanup), not at stop, not after SIGKILL + restart, not on
# reload - must send from it, be MASTER, say "owner" in its status, and a
# lower-priority backup must stay BACKUP. `ip monitor address` in n1's
# namespace records every change: no "Deleted" line for the address.
. "$(dirname "$0")/lib.sh"
net_init owner
OWN=198.51.100.11

net_bridge
net_host n1 $OWN/24
net_host n2 198.51.100.12/24

owner_conf() {
	{
		node_block n1
		echo "instances = ("
		instance_block web eth0 51 255 $OWN/24 "$1"
		echo
		echo ");"
	} | clustd_conf n1
}

status_json() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" status --json 2>/dev/null
}

web_field() {
	status_json "$1" | jq -r ".instances[] | select(.name == \"web\") | $2" 2>/dev/null
}

# Every address change in n1's namespace, bounded in time.
nsx n1 timeout 120 ip -o monitor address >"$T/n1.addrmon" 2>&1 &
NET_BG_PIDS="$NET_BG_PIDS $!"
sleep 0.3

owner_conf ""
clustd_start n1
check "n1 (owner) becomes MASTER" wait_log 10 n1 'web: [A-Z]+ -> MASTER'
check "n1 still has its address after the start" has_vip n1 $OWN
check "n1 logged no stale-VIP removal of its own address" eval '! log_has n1 "removed stale VIP"'
check "status --json: state MASTER" test "$(web_field n1 .state)" = MASTER
check "status --json: owner true" test "$(web_field n1 .owner)" = true
check "status --json: the owned address is listed" \
	test "$(web_field n1 '.owned_vips | join(",")')" = "$OWN/24"
check "status --json: adverts leave from the owned address" test "$(web_field n1 .source)" = $OWN
check "status text marks the address (owner)" \
	eval "nsx n1 timeout 5 '$CLUSTD' -f '$T/n1.conf' status 2>/dev/null | grep -qF '$OWN/24 (owner)'"
check "no fault on n1" test "$(web_field n1 '.faults | length')" = 0

web_conf n2 100
sed -i "s|198.51.100.100/24|$OWN/24|" "$T/n2.conf"
clustd_start n2
check "n2 (priority 100) enters BACKUP" wait_log 10 n2 'web: INIT -> BACKUP'
sleep 1.5
check "n2 stays BACKUP beside the owner" eval '! log_has n2 "web: [A-Z]+ -> MASTER"'
check "status --json on n2: BACKUP, owner false" \
	test "$(web_field n2 '[.state, .owner] | join(",")')" = "BACKUP,false"

# Reload (unchanged instance, then with another setting).
m1=$(log_lines n1)
owner_conf "garp = { refresh = 2000; };"
clustd_signal n1 HUP
check "n1 reloads" wait_log 5 n1 'reload: config applied' "$m1"
sleep 0.5
check "n1 still has its address after the reload" has_vip n1 $OWN

# SIGKILL and restart.
clustd_kill n1
check "n1 still has its address after SIGKILL" has_vip n1 $OWN
m1=$(log_lines n1)
clustd_start n1
check "n1 (owner) is MASTER again after the restart" wait_log 10 n1 'web: [A-Z]+ -> MASTER' "$m1"
check "the restart removed nothing" eval '! log_has n1 "removed stale VIP" $m1'
check "n2 falls back to BACKUP" wait_until 5 eval "test \"\$(web_field n2 .state)\" = BACKUP"
sleep 6 # longer than the default VIP lease (5 s): the address must not expire
check "n1 still has its address after 6 s (no lease put on it)" has_vip n1 $OWN

# Clean stop.
clustd_signal n1 TERM
check "n1 exits on SIGTERM" clustd_wait_exit n1 10
check "n1 still has its address after the stop" has_vip n1 $OWN
check "the address never showed as permanent-less (no lifetime on it)" \
	eval "nsx n1 ip -o addr show dev eth0 | grep -F ' $OWN/24' | grep -q 'valid_lft forever'"

sleep 0.3
deleted=$(grep -F "inet $OWN/" "$T/n1.addrmon" | grep -c '^Deleted')
check "ip monitor: no Deleted line for $OWN (saw $deleted)" test "$deleted" = 0
grep -F "$OWN/" "$T/n1.addrmon" | head -5 | sed 's/^/#   /'

done_testing
