#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A cut during a pending preemption, 3 nodes (n1 200, n2 150, n3 100), the
# sequence test_quorum_flap.sh runs into by chance, made deterministic:
# n1 is cut off, n2 takes over; the cut heals, n1 returns to BACKUP
# ("quorum regained") and will preempt n2 one Master_Down_Interval later.
# 300 ms before that, n2 (the master) is cut off, so it never sees n1's
# request. n1 must not add the VIP while n2, which cannot hear n1, still
# holds it: n3's vote stays bound to n2 until n2's lease has run out, and
# n2 drops its VIPs at its lease end (or on losing quorum, whichever comes
# first). What must hold, whatever the mechanism: no two holders in
# consecutive 10 ms samples, and n2's release precedes n1's add. At the
# end n1 is master by votes from a majority (status .instances[0].votes)
# and no longer a candidate.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init quorum_preempt

cl_setup 3
cl_conf n1 200
cl_conf n2 150
cl_conf n3 100
cl_start_all
if ! cl_stable_master n1 15; then
	fail "n1 (priority 200) becomes the only master"
	done_testing
fi
MDI1=$(cl_mdi_ms 200)
MDI2=$(cl_mdi_ms 150)
cl_sampler_start s 60 || done_testing
sleep 0.3

cl_cut n1
check "n2 takes over from the cut-off n1" cl_stable_master n2 $(((MDI2 + 3000) / 1000 + 1))
m1=$(log_lines n1)
cl_heal
if ! wait_log 5 n1 'web: FAULT -> BACKUP: quorum regained' "$m1"; then
	fail "n1 regains quorum after the heal"
	done_testing
fi
t_back=$(cl_log_ms n1 'web: FAULT -> BACKUP: quorum regained' "$m1")
t_cut=$((t_back + MDI1 - 300))
diag "n1 BACKUP again at $(cl_ts "$t_back"); its preemption is due at +$MDI1 ms; cutting n2 at +$((MDI1 - 300)) ms"
d=$((t_cut - $(now_ms)))
if [ "$d" -le 50 ]; then
	fail "the test reached the cut in time ($d ms left)"
	done_testing
fi
sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
t_cut=$(now_ms)
cl_cut n2
wait_until 5 only_holder n1 "$CL_VIP"
sleep 1
t_end=$(now_ms)
a=$(cl_analyze s "$t_cut" "$t_end")
rel=$(cl_first s "$t_cut" "" --absent n2)
tak=$(cl_first s "$t_cut" "" --present n1)
diag "after cutting n2: $a"
diag "n1 holds the VIP $((tak - t_cut)) ms after the cut; n2 released it after $((rel - t_cut)) ms"
cl_log_window "$((t_cut - 500))" "$t_end" '(-> MASTER|-> FAULT|-> BACKUP|quorum lost|vote)' | sed 's/^/# /'
check "n1 became master (it preempted or took over)" test "$tak" -gt 0
check "n2 released the VIP (lease ran out or quorum lost)" test "$rel" -gt 0
check "no two consecutive samples with 2 holders after the cut" \
	test "$(cl_kv "$a" consecutive_multi)" = 0
check "n2 released before n1 added the VIP ($((rel - t_cut)) <= $((tak - t_cut)) ms)" \
	test "$rel" -gt 0 -a "$rel" -le "$tak"
cl_heal
check "after the heal: n1 the only master" cl_stable_master n1 5
check "after the heal: n1 MASTER by votes from a majority, no longer a candidate" \
	wait_until 3 eval '[ "$(cl_q n1 "[.instances[0].candidate, .instances[0].votes.held >= .instances[0].votes.needed,
		.instances[0].votes.needed] | map(tostring) | join(\" \")")" = "false true 2" ]'
cl_sampler_stop s

done_testing
