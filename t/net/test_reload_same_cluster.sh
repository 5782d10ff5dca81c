#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A reload with an unchanged file keeps the cluster plane (A10), 3 nodes
# under ASan: every node gets SIGHUP three times with its file unchanged.
# No plane restarts (no "restarting the cluster plane", the same
# incarnation, heartbeats_sent keeps counting where a new plane would
# start again at 0), the peers' view of the reloaded node is untouched
# (same incarnation, alive throughout, no replay drop), every node keeps
# quorum in every 50 ms sample, and no sanitizer report appears (the plane
# compared against, and kept a pointer into, the config a reload frees).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init reload_same_cluster

cl_three_up
check "every node sees 3 alive" wait_until 5 eval \
	'[ "$(cl_view n2)" = "n1=true n2=true n3=true" ] && [ "$(cl_view n3)" = "n1=true n2=true n3=true" ]'
self_inc() {
	cl_q "$1" '.cluster.members[] | select(.self) | .incarnation'
}
declare -A INC R0 M0
for n in n1 n2 n3; do
	INC[$n]=$(self_inc $n)
	R0[$n]=$(cl_drop $n replay)
	M0[$n]=$(log_lines $n)
done
cl_qsampler_start q 120 || done_testing
sleep 0.3

for round in 1 2 3; do
	for n in n1 n2 n3; do
		m=$(log_lines $n)
		tx0=$(cl_q $n .cluster.heartbeats_sent)
		clustd_signal $n HUP
		check "round $round, $n: reload applied" wait_log 5 $n "reload: config applied" "$m"
		tx1=$(cl_q $n .cluster.heartbeats_sent)
		check "round $round, $n: the same plane goes on (heartbeats_sent $tx0 -> $tx1)" \
			test "$tx1" -ge "$tx0"
		check "round $round, $n: same incarnation (${INC[$n]})" test "$(self_inc $n)" = "${INC[$n]}"
		sleep 0.3
	done
done
sleep 0.5
cl_qsampler_stop q
a=$(cl_qanalyze q)
diag "quorum samples over 9 reloads: $a"
check "every node kept quorum in every sample" test "$(cl_kv "$a" lost)" = none
for n in n1 n2 n3; do
	check "$n: never restarted its plane" eval '! log_has $n "restarting the cluster plane|cluster plane (added|removed)" "${M0[$n]}"'
	check "$n: logged no plane start since the first" \
		test "$(log_count $n 'cluster: node n[0-9] incarnation' "${M0[$n]}")" = 0
	check "$n: never lost quorum (log)" eval '! log_has $n "cluster: quorum lost" "${M0[$n]}"'
	check "$n: no heartbeat dropped as a replay" test "$(cl_drop $n replay)" = "${R0[$n]}"
	for p in n1 n2 n3; do
		[ $p = $n ] && continue
		check "$p still knows $n at incarnation ${INC[$n]}, alive" \
			eval '[ "$(cl_inc_of $p $n)" = "${INC[$n]}" ] && cl_alive_is $p $n true'
		check "$p never saw $n dead or come back" \
			eval '! log_has $p "member $n .*is alive" "${M0[$p]}"'
	done
done
check "n1 never left MASTER" eval '! log_has n1 "web: MASTER -> " "${M0[n1]}"'

done_testing
