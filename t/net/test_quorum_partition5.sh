#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Quorum with 5 nodes (3 needed), 2|3 splits that keep every carrier up:
#  - master on the 2 side (minority): both minority nodes go FAULT
#    "no quorum", the master drops the VIP before the majority elects its
#    own master (within MDI + 3 s); never two holders in consecutive 10 ms
#    samples; heal: the master preempts back with a short overlap;
#  - master on the 3 side: it keeps the VIP in every sample, the two
#    minority backups go FAULT "no quorum" and never MASTER; heal: BACKUP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init quorum_partition5

cl_setup 5
cl_conf n1 250
cl_conf n2 200
cl_conf n3 150
cl_conf n4 120
cl_conf n5 100
cl_start_all
if ! cl_stable_master n1 15; then
	fail "n1 (priority 250) becomes the only master"
	done_testing
fi
all_alive() {
	local n
	for n in $CL_NODES; do
		[ "$(cl_q "$n" '[.cluster.alive, .cluster.needed, .cluster.has_quorum] | join(" ")')" = "5 3 true" ] || return 1
	done
}
check "every node sees 5 alive, 3 needed, quorum" wait_until 5 all_alive

D=$CL_DEAD
S=$CL_SLACK
I=$CL_ADVERT
MDI3=$(cl_mdi_ms 150)
HEAL_OVERLAP_MAX=$((2 * 10 + 200))
cl_sampler_start s 200 || done_testing
sleep 0.5

# ------------------------------------------ 2|3, master in the minority
for n in $CL_NODES; do eval "m_$n=$(log_lines "$n")"; done
t_cut=$(now_ms)
cl_cut n1 n2
diag "split 1: {n1 n2} | {n3 n4 n5}"
wait_until 5 eval '! has_vip n1 $CL_VIP'
wait_until $(((MDI3 + 3000) / 1000 + 1)) cl_one_holder_in "n3 n4 n5"
sleep 1
for n in n1 n2; do
	check "$n (minority) logged 'quorum lost (2 of 5'" log_has $n 'cluster: quorum lost \(2 of 5' "$(eval echo \$m_$n)"
	check "$n (minority) is FAULT without quorum" eval "cl_state_is $n FAULT && cl_quorum_is $n false"
done
check "n1 left MASTER: its votes ran out or it lost quorum" \
	log_has n1 'web: MASTER -> (FAULT: no quorum|BACKUP: the votes ran out)' "$m_n1"
check "n2 logged 'web: BACKUP -> FAULT: no quorum'" log_has n2 'web: BACKUP -> FAULT: no quorum' "$m_n2"
for n in n3 n4 n5; do
	check "$n (majority) keeps quorum with 3 alive" \
		eval "[ \"\$(cl_q $n '[.cluster.alive, .cluster.has_quorum] | join(\" \")')\" = '3 true' ]"
done
rel=$(cl_first s "$t_cut" "" --absent n1)
tak=$(cl_first s "$t_cut" "" --any-of n3,n4,n5)
rel_ms=$((rel - t_cut))
tak_ms=$((tak - t_cut))
diag "split 1: VIP gone from n1 after $rel_ms ms (dead + slack $((D + S)) ms), majority holds it after $tak_ms ms (n3 MDI $MDI3 ms)"
check "n1 released within 2 x advert_interval ($rel_ms <= $((2 * I)) ms)" \
	test "$rel" -gt 0 -a "$rel_ms" -le $((2 * I))
check "n1 released within dead + slack + 200 ms measurement margin ($rel_ms <= $((D + S + 200)) ms)" \
	test "$rel" -gt 0 -a "$rel_ms" -le $((D + S + 200))
check "the majority elected within MDI + 3 s ($tak_ms <= $((MDI3 + 3000)) ms)" \
	test "$tak" -gt 0 -a "$tak_ms" -le $((MDI3 + 3000))
check "release before takeover ($rel_ms < $tak_ms ms)" test "$rel" -gt 0 -a "$rel" -lt "$tak"
check "n3 (best of the majority) is the master" eval 'only_holder n3 $CL_VIP && cl_state_is n3 MASTER'
t_heal=$(now_ms)
a=$(cl_analyze s "$t_cut" "$t_heal")
diag "split 1 cut: $a"
check "split 1: no two consecutive samples with 2 holders" test "$(cl_kv "$a" consecutive_multi)" = 0
check "split 1: no sample with 2 holders" test "$(cl_kv "$a" multi)" = 0
check "split 1: the minority backup n2 never held the VIP" eval '! log_has n2 "-> MASTER" "$m_n2"'

for n in $CL_NODES; do eval "m_$n=$(log_lines "$n")"; done
t_heal=$(now_ms)
cl_heal
MDI1=$(cl_mdi_ms 250)
if wait_until $(((MDI1 + 4000) / 1000 + 1)) only_holder n1 "$CL_VIP"; then
	diag "split 1 heal: n1 alone holds the VIP $(($(now_ms) - t_heal)) ms after the heal"
else
	fail "split 1 heal: n1 holds the VIP alone again within MDI + 4 s"
fi
check "every node sees 5 alive after the heal" wait_until 5 all_alive
sleep 0.5
a=$(cl_analyze s "$t_heal" "$(now_ms)")
diag "split 1 heal: $a"
ov=$(cl_kv "$a" overlap_ms)
diag "split 1 heal: measured overlap ${ov} ms"
check "split 1 heal: overlap below 2 sampling periods + 200 ms (${ov} < $HEAL_OVERLAP_MAX ms)" \
	test "${ov:-999999}" -lt "$HEAL_OVERLAP_MAX"
check "n2 logged 'FAULT -> BACKUP: quorum regained'" log_has n2 'web: FAULT -> BACKUP: quorum regained' "$m_n2"
# n2 (200) may ask before n1 (250): n3 then hands over to n2, and n2 to n1.
check "n3 stepped down for a higher priority (its advert, or its request for the votes)" \
	log_has n3 'web: MASTER -> BACKUP: (higher priority advert|member n[12] \(priority [0-9]+ > [0-9]+\) asks for the votes)' "$m_n3"

# ------------------------------------------ 2|3, master in the majority
for n in $CL_NODES; do eval "m_$n=$(log_lines "$n")"; done
t_cut=$(now_ms)
cl_cut n4 n5
diag "split 2: {n1 n2 n3} | {n4 n5}"
check "n4 logged 'web: BACKUP -> FAULT: no quorum'" wait_log 5 n4 'web: BACKUP -> FAULT: no quorum' "$m_n4"
check "n5 logged 'web: BACKUP -> FAULT: no quorum'" wait_log 5 n5 'web: BACKUP -> FAULT: no quorum' "$m_n5"
sleep 2
for n in n4 n5; do
	check "$n (minority) FAULT, no quorum, 2 alive" \
		eval "[ \"\$(cl_q $n '[.instances[0].state, .cluster.has_quorum, .cluster.alive] | join(\" \")')\" = 'FAULT false 2' ]"
done
check "n1 (majority) still MASTER with quorum, 3 alive" \
	eval "[ \"\$(cl_q n1 '[.instances[0].state, .cluster.has_quorum, .cluster.alive] | join(\" \")')\" = 'MASTER true 3' ]"
m4h=$m_n4
m5h=$m_n5
m_n4=$(log_lines n4)
m_n5=$(log_lines n5)
t_heal=$(now_ms)
cl_heal
check "n4 back to BACKUP: quorum regained" wait_log 5 n4 'web: FAULT -> BACKUP: quorum regained' "$m_n4"
check "n5 back to BACKUP: quorum regained" wait_log 5 n5 'web: FAULT -> BACKUP: quorum regained' "$m_n5"
check "every node sees 5 alive after the second heal" wait_until 5 all_alive
sleep 2
a=$(cl_analyze s "$t_cut" "$(now_ms)")
diag "split 2 cut + heal: $a"
check "split 2: n1 held the VIP in every sample" \
	test "$(cl_kv "$a" none)" = 0 -a "$(cl_kv "$a" samples)" -gt 100
check "split 2: n1 was the only holder throughout" \
	test "$(cl_kv "$a" multi)" = 0 -a "$(cl_kv "$a" holders)" = n1
check "split 2: n1 never left MASTER" eval '! log_has n1 "web: MASTER -> " "$m_n1"'
check "split 2: neither minority node became MASTER" \
	eval '! log_has n4 "-> MASTER" "$m4h" && ! log_has n5 "-> MASTER" "$m5h"'
check "split 2: n4 and n5 BACKUP at the end" eval 'cl_state_is n4 BACKUP && cl_state_is n5 BACKUP'
cl_sampler_stop s

done_testing
