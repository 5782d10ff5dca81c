#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 255 VRRP instances on one node (v3, 100 ms adverts, one VIP each) and a
# peer with the same, on one interface: both start, n1 (priority 200) is
# master of all 255 and holds the 255 VIPs, n2 (100) backup of all and
# holds none; status answers; a reload that changes one instance's
# priority touches that one only; SIGKILL of n1 moves all 255 to n2; at
# rest n1's adverts share wakeups (the loop's counters in status --json).
# The figures (CPU at rest, the spread of the takeovers, status time, 4
# interfaces) are scripts/bench-scale.sh's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_scale.sh"
net_init scale
N=255

sc_topology 1 n1 n2
sc_conf n1 $N 1 200
sc_conf n2 $N 1 100
check "a config of $N instances is valid (clustd -t)" \
	"$CLUSTD" -t -f "$T/n1.conf"
clustd_start n1
clustd_start n2

check "n1 holds all $N VIPs" wait_until 30 eval '[ "$(sc_vips n1)" = $N ]'
check "n1 is MASTER of all $N instances" wait_until 10 eval '[ "$(sc_states n1)" = "$N 0" ]'
check "n2 is BACKUP of all $N instances" wait_until 10 eval '[ "$(sc_states n2)" = "0 $N" ]'
check "n2 holds none of the VIPs" test "$(sc_vips n2)" = 0
mark2=$(log_lines n2)
t0=$(now_ms)
nsx n1 "$CLUSTD" -f "$T/n1.conf" status >/dev/null
t1=$(now_ms)
check "clustd status answers for $N instances ($((t1 - t0)) ms, ASan build)" test $((t1 - t0)) -lt 2000
sleep 2
check "no takeover on n2 in the 2 s after it settled (status asked meanwhile)" \
	eval '! log_has n2 "i[0-9]+: BACKUP -> MASTER" $mark2'
check "n2 holds none of the VIPs still" test "$(sc_vips n2)" = 0

# At rest the master's adverts share wakeups: each wakeup also sends those
# due within the next 1 ms (1 % of the interval), so the loop wakes far
# less often than the 2550 adverts a second it sends.
loop_stats() {
	nsx n1 "$CLUSTD" -f "$T/n1.conf" status --json | jq -r '.loop | "\(.wakeups) \(.timers_fired) \(.timers_early)"'
}
read -r w0 f0 e0 <<<"$(loop_stats)"
t0=$(now_ms)
sleep 2
read -r w1 f1 e1 <<<"$(loop_stats)"
t1=$(now_ms)
ms=$((t1 - t0))
wps=$(((w1 - w0) * 1000 / ms)) fps=$(((f1 - f0) * 1000 / ms)) eps=$(((e1 - e0) * 1000 / ms))
diag "n1 at rest: $wps wakeups/s, $fps timers/s, $eps of them early/s"
# How many fire early falls as the adverts' phases draw together (timers
# re-armed from one shared wakeup are due together, on time: 530 to 2060 a
# second measured), so the check is that the mechanism runs at all; its
# effect is the next check.
check "n1's timers fire early with others ($eps/s)" test "$eps" -gt 0
check "n1 wakes at most 1500 times a second for $fps timers/s ($wps)" test "$wps" -le 1500

# A reload that changes one instance: only that one is touched.
mark1=$(log_lines n1)
sed -i 's/name = "i77"; interface = "eth0"; vrid = 77; priority = 200;/name = "i77"; interface = "eth0"; vrid = 77; priority = 190;/' "$T/n1.conf"
clustd_signal n1 HUP
check "n1 applied the reload" wait_log 10 n1 'reload: config applied' "$mark1"
others=$(log_since n1 "$mark1" | grep -E ': i[0-9]+: ' | grep -v ': i77: ' | head -3)
diag "n1 after the reload: $(log_since n1 "$mark1" | grep -E ': i77: ' | head -3 | tr '\n' ';')"
check "the reload logged nothing about any other instance ($others)" test -z "$others"
check "n1 still holds all $N VIPs" test "$(sc_vips n1)" = $N
check "i77 advertises 190 now" eval 'nsx n1 "$CLUSTD" -f "$T/n1.conf" status --json | jq -e ".instances[] | select(.name == \"i77\") | .priority == 190" >/dev/null'

# The master dies: all 255 move.
t0=$(now_ms)
clustd_kill n1
check "n2 holds all $N VIPs after n1's SIGKILL" wait_until 20 eval '[ "$(sc_vips n2)" = $N ]'
diag "all $N VIPs on n2 $(($(now_ms) - t0)) ms after the kill"
check "n2 is MASTER of all $N instances" wait_until 10 eval '[ "$(sc_states n2)" = "$N 0" ]'

done_testing
