#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two routers and a witness (issue 20): r1 (priority 200) and r2 (150) on
# the bridge with a client; the witness w in its own namespace, reached by
# routing through the router namespace gw (w is 203.0.113.10, the routers
# 198.51.100.11/.12; unicast heartbeats). w's config has `cluster` and no
# instances: it only heartbeats and votes. Quorum is 2 of {r1, r2, w}.
# A 10 ms VIP sampler over r1 and r2 runs throughout. Scenarios:
#  (a) cut r1 <-> r2 only (nft in both; w reaches both): the VIP stays on
#      r1 in every sample, never two holders; r2 reports w's refusal;
#  (b) SIGKILL of the master r1: r2 holds the VIP within its
#      Master_Down_Interval + one heartbeat + 300 ms (it needs w's vote);
#      r1 restarted takes it back without two holders;
#  (c) r1 isolated from everything (its bridge port moved): its VIP is gone
#      before r2 adds it (no sample with both, r1's deletion first); after
#      the heal r1 takes it back without two holders;
#  (d) SIGKILL of the witness: nothing moves for 3 x Master_Down_Interval
#      (r1 keeps r2's vote);
#  (e) the witness restarted: r1 sees it alive again, nothing moves; then a
#      SIGKILL of r1 still fails over to r2 (which needs the restarted
#      witness's vote).
: "${CL_ADVERT:=200}" "${CL_HB:=50}" "${CL_DEAD:=350}"	# vote_lease = dead: see test_votes_partial_cut.sh
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
. "$(dirname "$0")/lib_votes.sh"
net_init witness

VIP=198.51.100.100
MDI2=$(cl_mdi_ms 150)
FAILOVER_MAX=$(vt_failover_max_ms 150)
CUT_MS=$((MDI2 + 800))
EP=20			# ms: the longest two-holder episode tolerated (one sample)

net_bridge br0
net_bridge br1
vt_router_host r1 198.51.100.11
vt_router_host r2 198.51.100.12
net_host cl 198.51.100.200/24
vt_witness_net w 203.0.113.10
cl_secret "$T/secret"
vt_router_conf r1 200 web 51 "$VIP" "$T/secret" 5798 r1 r2 w
vt_router_conf r2 150 web 51 "$VIP" "$T/secret" 5798 r1 r2 w
vt_witness_conf w "$(vt_cluster_group "$T/secret" 5798 r1 r2 w)"

check "the witness's config passes clustd -t" nsx w "$CLUSTD" -t -f "$T/w.conf"
check "the routers reach the witness by routing" eval "nsx r1 ping -c 1 -W 2 -q 203.0.113.10 >/dev/null"
clustd_start w
clustd_start r1
clustd_start r2
if ! cl_stable_master r1 15; then
	fail "r1 (priority 200) becomes the only master"
	done_testing
fi
check "the witness runs" clustd_alive w
check "r1 sees r2 and w alive" wait_until 5 eval \
	'[ "$(cl_alive_of r1 r2)$(cl_alive_of r1 w)" = truetrue ]'
check "the witness sees r1 and r2 alive" wait_until 5 eval \
	'[ "$(cl_q w "[.. | objects | select(has(\"members\")) | .members[]? | select(.name == \"r1\" or .name == \"r2\") | .alive] | join(\",\")")" = true,true ]'
check "r1: split-brain protection, votes from 2 of 3 needed and held" \
	vt_wants r1 '.cluster.split_brain_protection == true and .instances[0].votes.needed == 2
		and .instances[0].votes.held >= 2' 5
metrics_of() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" metrics 2>/dev/null
}
check "r1's metrics: clustd_votes_held{instance=\"web\"} of at least 2, 2 needed" eval \
	'metrics_of r1 | awk '"'"'/^clustd_votes_held\{instance="web"\}/ { h = $2 }
		/^clustd_votes_needed / { n = $2 } END { exit !(h >= 2 && n == 2) }'"'"
check "the witness's metrics: a vote granted, labelled by its cluster" eval \
	'metrics_of w | grep -Eq "^clustd_votes_granted_total\{cluster=\"[^\"]+\"\} [1-9]"'
wait_until 5 backup_settled r2
vt_sampler_start s 240 "$VIP" r1 r2 || done_testing
sleep 0.3

# window_only_r1 <what> <from> <to>: r1 held the VIP alone in every sample.
window_only_r1() {
	local a
	a=$(cl_analyze s "$2" "$3")
	diag "$1: $a"
	cl_check_only_holder "$a" r1 "$1: r1 held the VIP alone in every sample"
}

# no_episode <what> <from> <to>: no two holders for longer than EP ms.
no_episode() {
	local e
	e=$(vt_episodes s "$EP" "$2" "$3")
	check "$1: no two holders for longer than $EP ms ($e episodes $(vt_episode_list s "$2" "$3"))" \
		test "$e" -eq 0
}

# failover_to_r2 <what>: SIGKILL r1; r2 holds the VIP within FAILOVER_MAX.
failover_to_r2() {
	local t_kill tak
	t_kill=$(now_ms)
	clustd_kill r1
	wait_until $((FAILOVER_MAX / 1000 + 3)) has_vip r2 "$VIP"
	sleep 0.1
	tak=$(cl_first s "$t_kill" "" --present r2)
	diag "$1: r2 holds the VIP $(vt_after "$tak" "$t_kill") after r1's SIGKILL (bound: MDI $MDI2 + heartbeat $CL_HB + 300 ms)"
	check "$1: r2 holds the VIP within $FAILOVER_MAX ms of r1's SIGKILL" \
		test "$tak" -gt 0 -a $((tak - t_kill)) -le "$FAILOVER_MAX"
	check "$1: r2 MASTER with the witness's vote" vt_wants r2 \
		'.instances[0].state == "MASTER" and ([.instances[0].votes.from[]?.member] | index("w") != null)' 3
}

# ------------------------------------------------- (a) cut r1 <-> r2 only
t0=$(now_ms)
vt_cut_pair r1 r2
check "(a) r2 no longer hears r1" wait_until 3 cl_alive_is r2 r1 false
got=""
deadline=$((t0 + CUT_MS))
while [ "$(now_ms)" -lt "$deadline" ]; do
	got=$(vt_refused_by r2)
	case " $got " in *" w:r1 "*) break ;; esac
	sleep 0.05
done
check "(a) r2 reports the witness's refusal, its vote bound to r1 (refused_by: '$got')" \
	eval 'case " $got " in *" w:r1 "*) true ;; *) false ;; esac'
vt_sleep_until "$deadline"
check "(a) the cut dropped r1's packets in r2" test "$(vt_cut_dropped r2)" -gt 0
check "(a) r1 MASTER at the end of the cut, r2 BACKUP" eval 'cl_state_is r1 MASTER && cl_state_is r2 BACKUP'
vt_heal_pair r1 r2
sleep 1
window_only_r1 "(a) cut r1<->r2 for $CUT_MS ms and 1 s after" "$t0" "$(now_ms)"
no_episode "(a)" "$t0" "$(now_ms)"
check "(a) after the heal r2 hears r1 again" wait_until 3 cl_alive_is r2 r1 true

# ---------------------------------------------------- (b) master SIGKILL
wait_until 5 backup_settled r2
failover_to_r2 "(b)"
t_restart=$(now_ms)
clustd_start r1
check "(b) restarted r1 takes the VIP back" wait_until 10 eval 'only_holder r1 $VIP && cl_state_is r1 MASTER'
# The killed r1 left its VIP behind until the restart removed it: count
# overlap only from the first sample without it.
t_clean=$(cl_first s "$t_restart" "" --absent r1)
no_episode "(b) r1's return (from its start-up cleanup)" "$t_clean" "$(now_ms)"

# ------------------------------------------------------ (c) r1 isolated
wait_until 5 backup_settled r2
sleep 0.5
t_cut=$(now_ms)
ip -n "${P}br" link set v-r1 master br1 || fail "(c) move r1's port to br1"
wait_until $(((MDI2 + 3000) / 1000 + 1)) has_vip r2 "$VIP"
sleep 0.3
rel=$(cl_first s "$t_cut" "" --absent r1)
tak=$(cl_first s "$t_cut" "" --present r2)
a=$(cl_analyze s "$t_cut" "$(now_ms)")
diag "(c) after isolating r1: $a"
diag "(c) r1's VIP gone after $(vt_after "$rel" "$t_cut"), r2 added it after $(vt_after "$tak" "$t_cut")"
check "(c) r1 deleted its VIP" test "$rel" -gt 0
check "(c) r2 added the VIP" test "$tak" -gt 0
check "(c) no sample with both holding it" test "$(cl_kv "$a" multi)" = 0
check "(c) r1's deletion precedes r2's add" \
	test "$rel" -gt 0 -a "$rel" -lt "$tak"
check "(c) the isolated r1 is not MASTER" eval '! cl_state_is r1 MASTER'
t_heal=$(now_ms)
ip -n "${P}br" link set v-r1 master br0 || fail "(c) move r1's port back"
check "(c) after the heal r1 takes the VIP back" wait_until 10 eval 'only_holder r1 $VIP && cl_state_is r1 MASTER'
no_episode "(c) heal and r1's return" "$t_heal" "$(now_ms)"

# --------------------------------------------------- (d) witness SIGKILL
wait_until 5 backup_settled r2
sleep 0.3
t_kill=$(now_ms)
clustd_kill w
check "(d) r1 sees the witness dead" wait_until 3 cl_alive_is r1 w false
vt_sleep_until $((t_kill + 3 * MDI2))
window_only_r1 "(d) 3 x MDI ($((3 * MDI2)) ms) after the witness's SIGKILL" "$t_kill" "$(now_ms)"
check "(d) r1 MASTER with r2's vote, r2 BACKUP" eval \
	'vt_wants r1 "[.instances[0].votes.from[]?.member] | index(\"r2\") != null" && cl_state_is r2 BACKUP'

# -------------------------------------------------- (e) witness restart
t_restart=$(now_ms)
clustd_start w
check "(e) r1 sees the restarted witness alive" wait_until 5 cl_alive_is r1 w true
t_alive=$(now_ms)
vt_sleep_until $((t_alive + 2 * MDI2))
window_only_r1 "(e) witness restart until $((2 * MDI2)) ms after r1 saw it" "$t_restart" "$(now_ms)"
check "(e) r2 BACKUP" cl_state_is r2 BACKUP
wait_until 5 backup_settled r2
failover_to_r2 "(e) after the witness's restart"
check "(e) the witness granted its vote to r2" vt_wants w \
	'[.. | objects | select(.instance? == "web" and has("grantee")) | .grantee] | index("r2") != null' 3

cl_sampler_stop s
done_testing
