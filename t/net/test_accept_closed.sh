#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# accept_filter_fail = "closed" (B12c): when the nftables filter behind
# accept = false cannot be installed, such an instance stays in FAULT
# (reason given, VIP never added) instead of serving unfiltered; an
# instance with the default ("open") serves as before. Once the filter can
# be installed (reload), the closed one leaves FAULT and becomes master.
# The failure is made like test_accept.sh does: an nftables "owner" table
# inet clustd, held by an nft -i that nobody else may change.
. "$(dirname "$0")/lib.sh"
net_init accept_closed
V_OPEN=198.51.100.100
V_CLOSED=198.51.100.101

net_bridge
net_host n3 198.51.100.13/24

status_json() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" status --json 2>/dev/null
}

inst_field() {
	status_json "$1" | jq -r --arg n "$2" ".instances[] | select(.name == \$n) | $3" 2>/dev/null
}

tables() {
	nsx "$1" nft list tables 2>/dev/null | grep -cx 'table inet clustd'
}

{
	node_block n3
	echo "instances = ("
	instance_block open eth0 60 100 $V_OPEN/24 "accept = false;"
	echo ","
	instance_block closed eth0 61 100 $V_CLOSED/24 'accept = false; accept_filter_fail = "closed";'
	echo
	echo ");"
} | clustd_conf n3

mkfifo "$T/nft.fifo"
nsx n3 nft -i <"$T/nft.fifo" >"$T/nft-i.log" 2>&1 &
NFT_PID=$!
NET_BG_PIDS="$NET_BG_PIDS $NFT_PID"
exec 3>"$T/nft.fifo"
echo 'add table inet clustd { flags owner; }' >&3
check "an owner table blocks clustd's" wait_until 5 eval '[ "$(tables n3)" = 1 ]'

# Without the fifo's write end: closing ours must end the nft (EOF).
clustd_start n3 3>&-
check "n3 logs that the filter cannot be installed" \
	wait_log 10 n3 'accept mode: cannot install the nftables table inet clustd'
check "the open instance serves unfiltered (as before)" wait_until 10 has_vip n3 $V_OPEN
check "the closed instance is in FAULT" wait_until 5 eval '[ "$(inst_field n3 closed .state)" = FAULT ]'
check "its fault is accept_filter" test "$(inst_field n3 closed '.faults | join(",")')" = accept_filter
check "it logged the reason" log_has n3 'closed: .* -> FAULT: accept = false cannot be enforced \(nftables: .*\) and accept_filter_fail is closed'
sleep 1
check "the closed instance's VIP was never added" eval '! log_has n3 "closed: [A-Z]+ -> MASTER" && ! has_vip n3 $V_CLOSED'
check "the open instance is MASTER" test "$(inst_field n3 open .state)" = MASTER

# The blocker goes; a reload installs the filter and the instance serves.
exec 3>&-
wait_until 5 eval "! net_pid_alive $NFT_PID"
check "the owner table left with its nft" wait_until 5 eval '[ "$(tables n3)" = 0 ]'
m=$(log_lines n3)
clustd_signal n3 HUP
check "n3 reloads" wait_log 5 n3 'reload: config applied' "$m"
check "the filter is active now" wait_until 5 eval '[ "$(status_json n3 | jq -r .accept_filter.state)" = active ]'
check "the closed instance leaves FAULT" wait_log 5 n3 'closed: FAULT -> BACKUP: accept filter installed' "$m"
check "and becomes MASTER with its VIP" wait_until 10 has_vip n3 $V_CLOSED

done_testing
