#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Start-up cleanup: a SIGKILLed master leaves its VIP on the interface;
# the next start of the daemon must remove it (and say so), so that only
# the real master holds the VIP.
. "$(dirname "$0")/lib.sh"
net_init startup_cleanup
VIP=198.51.100.100

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24

web_conf n1 200
clustd_start n1
check "n1 alone becomes master" wait_until 10 only_holder n1 $VIP
clustd_kill n1
check "n1 is gone" eval '! clustd_alive n1'
check "the VIP is still on n1's eth0 (no cleanup after SIGKILL)" has_vip n1 $VIP

web_conf n2 250
clustd_start n2
check "n2 (priority 250) becomes MASTER" wait_log 10 n2 'web: BACKUP -> MASTER'
check "n2 holds the VIP" has_vip n2 $VIP
diag "holders now: $(vip_holders $VIP) (n1's copy is stale)"

web_conf n1 200 "preempt = false;"
m1=$(log_lines n1)
t0=$(now_ms)
clustd_start n1
if wait_until 5 eval '! has_vip n1 $VIP'; then
	ok "the stale VIP left n1 $(($(now_ms) - t0)) ms after the restart"
else
	fail "the stale VIP left n1 after the restart"
fi
check "n1 logged the stale VIP removal" \
	wait_log 3 n1 "removed stale VIP $VIP(/24)? " "$m1"
log_since n1 "$m1" | grep -F stale | sed 's/^/#   /'
samples=$(vip_sample 1500 $VIP)
vip_sample_period_check
check "only n2 holds the VIP for 1.5 s ($(echo $samples))" test "$(echo $samples | awk '{print $2, NF}')" = "n2 2"
check "n1 is BACKUP" log_has n1 'web: INIT -> BACKUP' "$m1"
check "n1 did not become master" eval '! log_has n1 "web: [A-Z]+ -> MASTER" $m1'

# A start with nothing stale must not log a removal.
clustd_signal n1 TERM
clustd_wait_exit n1 10
m1=$(log_lines n1)
clustd_start n1
wait_log 5 n1 'web: INIT -> BACKUP' "$m1"
check "a clean restart removes nothing" eval '! log_has n1 "stale" $m1'

done_testing
