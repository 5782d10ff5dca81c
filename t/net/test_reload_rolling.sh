#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A rolling reload that restarts the cluster plane (A1), 3 nodes: each in
# turn gets heartbeat_interval 100 -> 120 ms and SIGHUP. Every node keeps
# quorum the whole time (each node's status sampled every 50 ms); the
# reloaded node's restarted plane runs under a new incarnation, stored
# durably, which its peers accept at once: no heartbeat of it is dropped
# as a replay (counters and logs). n1 stays the only holder of the VIP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init reload_rolling

cl_three_up
check "every node sees 3 alive" wait_until 5 eval \
	'[ "$(cl_view n2)" = "n1=true n2=true n3=true" ] && [ "$(cl_view n3)" = "n1=true n2=true n3=true" ]'
self_inc() {
	cl_q "$1" '.cluster.members[] | select(.self) | .incarnation'
}
replays() {
	cl_q "$1" .cluster.drops.replay
}
declare -A R0 M0
for n in n1 n2 n3; do
	R0[$n]=$(replays $n)
	M0[$n]=$(log_lines $n)
done
cl_sampler_start v 120 || done_testing
cl_qsampler_start q 120 || done_testing
sleep 0.5

for n in n1 n2 n3; do
	inc0=$(self_inc $n)
	m=$(log_lines $n)
	# Same node, same priority: only the heartbeat interval changes.
	case $n in n1) p=200 ;; n2) p=150 ;; n3) p=100 ;; esac
	CL_HB=120 cl_conf $n $p
	clustd_signal $n HUP
	check "$n: reload applied" wait_log 5 $n "reload: config applied" "$m"
	check "$n: the plane restarted (settings changed)" \
		log_has $n "restarting the cluster plane" "$m"
	inc1=$(self_inc $n)
	check "$n: the restarted plane has a new incarnation ($inc0 -> $inc1)" test "$inc1" -gt "$inc0"
	check "$n: stored before use ($inc1 in state_dir/incarnation)" \
		grep -q "^CLINC 1 $inc1 " "$T/$n/state/incarnation"
	for p in n1 n2 n3; do
		[ $p = $n ] && continue
		check "$p accepts $n's new incarnation at once" wait_until 1 eval \
			'[ "$(cl_inc_of $p $n)" = "$inc1" ] && cl_alive_is $p $n true'
	done
	# Two dead intervals at least before the next node: a lost member
	# would be dead by then.
	sleep 1.5
done
sleep 0.5
cl_qsampler_stop q
cl_sampler_stop v
a=$(cl_qanalyze q)
diag "quorum samples over the rolling reload: $a"
check "every node kept quorum in every sample" test "$(cl_kv "$a" lost)" = none
check "enough rounds sampled" test "$(cl_kv "$a" rounds)" -ge 60
for n in n1 n2 n3; do
	check "$n: no heartbeat dropped as a replay (${R0[$n]} -> $(replays $n))" \
		test "$(replays $n)" = "${R0[$n]}"
	check "$n: no replay drop logged" eval '! log_has $n "dropped heartbeat from .*replay" "${M0[$n]}"'
	check "$n: never lost quorum (log)" eval '! log_has $n "cluster: quorum lost" "${M0[$n]}"'
	check "$n: sees 3 alive at the end" eval '[ "$(cl_view $n)" = "n1=true n2=true n3=true" ]'
done
v=$(cl_analyze v)
diag "VIP samples: $v"
cl_check_only_holder "$v" n1 "n1 held the VIP alone in every sample"
check "n1 never left MASTER" eval '! log_has n1 "web: MASTER -> " "${M0[n1]}"'

done_testing
