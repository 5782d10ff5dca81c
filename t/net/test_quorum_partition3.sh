#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Quorum over the cluster plane, 3 nodes, partitions that keep every
# carrier up (a node's bridge port moves to a second bridge):
#  (a) the master alone: it loses quorum within dead_interval + slack,
#      goes FAULT "no quorum" and drops the VIP (priority-0 advert on its
#      side) before the majority can take over; the majority elects within
#      its Master_Down_Interval + 3 s; never two holders in consecutive 10 ms
#      samples; on heal the master preempts back with an overlap below two
#      sampling periods + 200 ms;
#  (b) one backup alone: it goes FAULT "no quorum", the master keeps the VIP
#      in every sample; on heal it returns to BACKUP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init quorum_partition3

cl_setup 3
cl_conf n1 200
cl_conf n2 150
cl_conf n3 100
cl_start_all
if ! cl_stable_master n1 15; then
	fail "n1 (priority 200) becomes the only master"
	done_testing
fi
check "every node sees 3 members alive and quorum" wait_until 5 eval \
	'[ "$(cl_view n1)$(cl_view n2)$(cl_view n3)" = "$(printf "n1=true n2=true n3=true%.0s" 1 2 3)" ]'
wait_until 5 cl_state_is n3 BACKUP
check "n2 and n3 are BACKUP" eval 'cl_state_is n2 BACKUP && cl_state_is n3 BACKUP'

D=$CL_DEAD
S=$CL_SLACK
I=$CL_ADVERT
MDI2=$(cl_mdi_ms 150)
HEAL_OVERLAP_MAX=$((2 * 10 + 200))
cl_sampler_start s 240 || done_testing
sleep 0.5

# ---------------------------------------------------- (a) master alone
m1=$(log_lines n1)
m2=$(log_lines n2)
capture_start prio0 "ip proto 112" v-n1 || fail "capture on v-n1 started"
t_cut=$(now_ms)
cl_cut n1
diag "(a) n1 cut off (port moved in $(($(now_ms) - t_cut)) ms)"
wait_until 5 eval '! has_vip n1 $CL_VIP'
wait_until $(((MDI2 + 3000) / 1000 + 1)) cl_one_holder_in "n2 n3"
sleep 1
check "n1 says 'quorum lost'" log_has n1 'cluster: quorum lost \(1 of 3' "$m1"
# Its votes run out (L(1-rho)-S after its last answered request) a little
# before its quorum does (D after the last heartbeat heard): either ends it.
check "n1 left MASTER: its votes ran out or it lost quorum" \
	log_has n1 'web: MASTER -> (FAULT: no quorum|BACKUP: the votes ran out)' "$m1"
check "n1's status: no quorum, 1 alive, web FAULT with fault 'quorum'" eval \
	'[ "$(cl_q n1 "[.cluster.has_quorum, .cluster.alive, .instances[0].state, (.instances[0].faults | join(\",\"))] | join(\" \")")" = "false 1 FAULT quorum" ]'
check "n2's status: quorum with 2 alive, n1 dead" eval \
	'[ "$(cl_q n2 "[.cluster.has_quorum, .cluster.alive] | join(\" \")")" = "true 2" ] && cl_alive_is n2 n1 false'
t_lost=$(cl_log_ms n1 'cluster: quorum lost' "$m1")
[ -n "$t_lost" ] && diag "(a) n1 logged quorum lost $((t_lost - t_cut)) ms after the cut (dead_interval $D ms)"
lost_ms=$((${t_lost:-0} - t_cut))
check "n1 lost quorum one dead_interval after the last heartbeat ($((D - CL_HB - 50)) <= $lost_ms <= $((D + S + 100)) ms)" \
	test "$lost_ms" -ge $((D - CL_HB - 50)) -a "$lost_ms" -le $((D + S + 100))

rel=$(cl_first s "$t_cut" "" --absent n1)
tak=$(cl_first s "$t_cut" "" --any-of n2,n3)
rel_ms=$((rel - t_cut))
tak_ms=$((tak - t_cut))
diag "(a) VIP gone from n1 $rel_ms ms after the cut (dead + slack = $((D + S)) ms, 2 x advert = $((2 * I)) ms)"
diag "(a) majority holds the VIP $tak_ms ms after the cut (n2 MDI $MDI2 ms)"
check "n1 released the VIP" test "$rel" -gt 0
check "n1 released within 2 x advert_interval ($rel_ms ms <= $((2 * I)) ms)" \
	test "$rel" -gt 0 -a "$rel_ms" -le $((2 * I))
check "n1 released within dead + slack + 200 ms measurement margin ($rel_ms <= $((D + S + 200)))" \
	test "$rel" -gt 0 -a "$rel_ms" -le $((D + S + 200))
check "the majority elected a master within MDI + 3 s ($tak_ms ms <= $((MDI2 + 3000)) ms)" \
	test "$tak" -gt 0 -a "$tak_ms" -le $((MDI2 + 3000))
check "release came before takeover ($rel_ms < $tak_ms ms)" test "$rel" -gt 0 -a "$rel" -lt "$tak"
check "n2 (priority 150) is the majority's master, n3 BACKUP" \
	eval 'only_holder n2 $CL_VIP && cl_state_is n2 MASTER && cl_state_is n3 BACKUP'
check "n2 logged 'BACKUP -> MASTER'" log_has n2 'web: BACKUP -> MASTER' "$m2"
t_heal=$(now_ms)
a=$(cl_analyze s "$t_cut" "$t_heal")
diag "(a) during the cut: $a"
check "(a) no two consecutive samples with 2 holders during the cut" \
	test "$(cl_kv "$a" consecutive_multi)" = 0
check "(a) not a single sample with 2 holders during the cut" test "$(cl_kv "$a" multi)" = 0
capture_stop prio0
p0=$(pcap_count prio0 "vrrp.prio == 0 && ip.src == $(cl_addr n1)")
diag "(a) priority-0 adverts from n1 on its side of the cut: $p0"
check "n1 sent a priority-0 advert when it gave up" test "$p0" -ge 1

# ----------------------------------------------------------- (a) heal
m1=$(log_lines n1)
m2=$(log_lines n2)
t_heal=$(now_ms)
cl_heal
MDI1=$(cl_mdi_ms 200)
if wait_until $(((MDI1 + 4000) / 1000 + 1)) only_holder n1 "$CL_VIP"; then
	diag "(a) heal: n1 holds the VIP alone $(($(now_ms) - t_heal)) ms after the heal (MDI $MDI1 ms)"
else
	fail "(a) heal: n1 holds the VIP alone within MDI + 4 s"
fi
sleep 1
t_end=$(now_ms)
a=$(cl_analyze s "$t_heal" "$t_end")
diag "(a) heal window: $a"
ov=$(cl_kv "$a" overlap_ms)
diag "(a) measured overlap on heal: ${ov} ms ($(cl_kv "$a" overlap_run) samples)"
check "(a) heal overlap below 2 sampling periods + 200 ms (${ov} ms < $HEAL_OVERLAP_MAX ms)" \
	test "${ov:-999999}" -lt "$HEAL_OVERLAP_MAX"
# With votes the preemption on heal is exclusive: n2 deletes the VIP and
# releases its vote, n1 adds the VIP on the grant, one message later. A
# sample may fall in that gap: bound it like the overlap it replaced.
check "(a) heal gap below 2 sampling periods + 200 ms ($(cl_kv "$a" none_ms) ms < $HEAL_OVERLAP_MAX ms)" \
	test "$(cl_kv "$a" none_ms)" -lt "$HEAL_OVERLAP_MAX"
check "n1 logged 'FAULT -> BACKUP: quorum regained'" log_has n1 'web: FAULT -> BACKUP: quorum regained' "$m1"
check "n1 then preempted n2" log_has n1 'web: BACKUP -> MASTER: preempting lower priority master' "$m1"
check "n2 stepped down for n1 (its advert, or its request for the votes)" \
	log_has n2 'web: MASTER -> BACKUP: (higher priority advert|member n1 \(priority 200 > 150\) asks for the votes)' "$m2"
check "after the heal every node sees 3 alive" wait_until 3 eval \
	'[ "$(cl_q n1 .cluster.alive)$(cl_q n2 .cluster.alive)$(cl_q n3 .cluster.alive)" = 333 ]'

# ---------------------------------------------------- (b) a backup alone
m1=$(log_lines n1)
m3=$(log_lines n3)
t_cut=$(now_ms)
cl_cut n3
check "n3 logged 'web: BACKUP -> FAULT: no quorum'" wait_log 5 n3 'web: BACKUP -> FAULT: no quorum' "$m3"
t_lost=$(cl_log_ms n3 'cluster: quorum lost' "$m3")
[ -n "$t_lost" ] && diag "(b) n3 lost quorum $((t_lost - t_cut)) ms after the cut"
sleep 1.5
check "n3's status: no quorum, FAULT" eval \
	'[ "$(cl_q n3 "[.cluster.has_quorum, .instances[0].state] | join(\" \")")" = "false FAULT" ]'
check "n1's status: quorum with 2 alive, n3 dead, still MASTER" eval \
	'[ "$(cl_q n1 "[.cluster.has_quorum, .cluster.alive, .instances[0].state] | join(\" \")")" = "true 2 MASTER" ] && cl_alive_is n1 n3 false'
m3h=$(log_lines n3)
t_heal=$(now_ms)
cl_heal
check "n3 logged 'web: FAULT -> BACKUP: quorum regained' after the heal" \
	wait_log 5 n3 'web: FAULT -> BACKUP: quorum regained' "$m3h"
sleep 2
t_end=$(now_ms)
a=$(cl_analyze s "$t_cut" "$t_end")
diag "(b) cut and heal: $a"
check "(b) n1 held the VIP in every sample (no sample without a holder)" \
	test "$(cl_kv "$a" none)" = 0 -a "$(cl_kv "$a" samples)" -gt 100
check "(b) n1 was the only holder in every sample" \
	test "$(cl_kv "$a" multi)" = 0 -a "$(cl_kv "$a" holders)" = n1
check "(b) n3 is BACKUP again, n1 MASTER" eval 'cl_state_is n3 BACKUP && cl_state_is n1 MASTER'
check "(b) n1 never left MASTER" eval '! log_has n1 "web: MASTER -> " "$m1"'
check "(b) n3 never became MASTER" eval '! log_has n3 "-> MASTER" "$m3"'
cl_sampler_stop s

done_testing
