#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Preemption: a higher-priority node that comes back takes the VIP back
# when preempt = true, and leaves it alone when preempt = false.
. "$(dirname "$0")/lib.sh"
net_init preempt
VIP=198.51.100.100

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24

web_conf n1 200
web_conf n2 100
clustd_start n1
check "n1 becomes the only VIP holder" wait_until 10 only_holder n1 $VIP
clustd_start n2
# Ready: n2 is BACKUP and has heard n1's adverts (not a fixed sleep).
check "n2 is BACKUP and hears n1" wait_until 10 backup_settled n2
check "n1 (priority 200) is the only VIP holder" only_holder n1 $VIP

# --- part 1: preempt = true
clustd_kill n1
if wait_until 10 has_vip n2 $VIP; then
	ok "n2 takes the VIP after n1 is killed"
else
	fail "n2 takes the VIP after n1 is killed"
fi
m1=$(log_lines n1)
m2=$(log_lines n2)
t0=$(now_ms)
clustd_start n1
if wait_until 10 only_holder n1 $VIP; then
	diag "n1 back as sole holder $(($(now_ms) - t0)) ms after its restart"
	ok "restarted n1 (preempt = true) takes the VIP back"
else
	fail "restarted n1 (preempt = true) takes the VIP back (holders: '$(vip_holders $VIP)')"
fi
check "n1 logged 'BACKUP -> MASTER' after its restart" log_has n1 'web: BACKUP -> MASTER' "$m1"
check "n2 logged 'MASTER -> BACKUP'" log_has n2 'web: MASTER -> BACKUP' "$m2"
samples=$(vip_sample 1000 $VIP)
vip_sample_period_check
check "n1 alone holds the VIP for 1 s ($(echo $samples))" test "$(echo $samples | awk '{print $2, NF}')" = "n1 2"

# --- part 2: preempt = false
clustd_kill n1
if wait_until 10 has_vip n2 $VIP; then
	ok "n2 takes the VIP after n1 is killed again"
else
	fail "n2 takes the VIP after n1 is killed again"
fi
web_conf n1 200 "preempt = false;"
m1=$(log_lines n1)
m2=$(log_lines n2)
clustd_start n1
# The stale VIP goes at once; then n1 must stay BACKUP.
check "restarted n1 (preempt = false) drops the stale VIP" wait_until 5 eval '! has_vip n1 $VIP'
check "... and is BACKUP, hearing n2" wait_until 5 backup_settled n1
samples=$(vip_sample 3000 $VIP)
vip_sample_period_check
diag "holder samples over 3 s: $(echo "$samples" | tr '\n' ';')"
check "n2 alone keeps the VIP for 3 s while n1 (preempt = false) runs" \
	test "$(echo $samples | awk '{print $2, NF}')" = "n2 2"
check "n1 logged INIT -> BACKUP" log_has n1 'web: INIT -> BACKUP' "$m1"
check "n1 did not become MASTER" eval '! log_has n1 "web: [A-Z]+ -> MASTER" $m1'
check "n2 logged no transition" eval '! log_has n2 "web: (BACKUP|MASTER|FAULT) -> [A-Z]+" $m2'
check "n1 daemon still running" clustd_alive n1

done_testing
