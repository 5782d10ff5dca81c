#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A partial cut, 3 nodes (n1 200, n2 150, n3 100) and a client: only the link
# n1 <-> n2 is cut (nft in n1 and n2 drops everything from and to the other,
# VRRP and heartbeats alike); n3 and the client still reach both. n2 stops
# hearing n1's adverts and, one Master_Down_Interval later, wants to be
# master; counting who it hears ({n2, n3}) it would be, and the segment
# would see two VIP holders for the rest of the cut (issue 20, measured on
# the code before votes). With votes n3's vote is bound to n1, which still
# renews it: n2 is refused and n1 keeps the VIP.
# 20 cuts, each longer than n2's Master_Down_Interval, healed in between, a
# 10 ms VIP sampler throughout:
#  - no episode of two holders longer than 20 ms;
#  - n1 holds the VIP in every sample, and nobody else ever does;
#  - n2 reports the refusal (status .instances[0].votes.refused_by during a
#    cut), or n3's voter counts refused.granted_elsewhere;
#  - positive controls: the cut drops n1's packets in n2, n3 still sees
#    both alive, the client reaches both.
# vote_lease defaults to dead_interval: 350(1 - 1e-3) - 50 >= 3 x 50 and
# 350(1 + 1e-3) <= 2 x 200 (votes_timing_check); dead + slack <= 2 x advert.
: "${CL_ADVERT:=200}" "${CL_HB:=50}" "${CL_DEAD:=350}"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
. "$(dirname "$0")/lib_votes.sh"
net_init votes_partial_cut

CUTS=${CUT_CYCLES:-20}
MDI2=$(cl_mdi_ms 150)
CUT_MS=$((MDI2 + 800))	# n2's Master_Down fires within the cut, then it asks
HEAL_MS=1000
BUDGET_S=120		# the loop gives up (and fails) beyond this
EPISODE_MAX_MS=20

cl_three_up
check "n2 and n3 see 3 alive" wait_until 5 eval \
	'[ "$(cl_q n2 .cluster.alive)$(cl_q n3 .cluster.alive)" = 33 ]'
wait_until 5 eval 'backup_settled n2 && backup_settled n3'
refused0=$(vt_num "$(vt_voter_refused n3 granted_elsewhere)")
diag "n3's voter refused.granted_elsewhere before the cuts: $refused0 (-1: no such counter)"
diag "n2's Master_Down_Interval $MDI2 ms; cuts of $CUT_MS ms, heals of $HEAL_MS ms"
cl_sampler_start s $((BUDGET_S + 30)) || done_testing
sleep 0.3

cuts=()			# "t_cut t_heal"
refused_cuts=0		# cuts during which n2's status named a refusal
refused_seen=""		# what it named (first time)
undropped=0		# cuts in which n2's nft counted nothing from n1
t_start=$(now_ms)
for c in $(seq 1 "$CUTS"); do
	if [ $(($(now_ms) - t_start)) -gt $((BUDGET_S * 1000)) ]; then
		fail "partial cut: $BUDGET_S s budget exhausted after $((c - 1)) cuts"
		break
	fi
	t_cut=$(now_ms)
	vt_cut_pair n1 n2 || break
	if [ "$c" = 1 ]; then
		check "cut 1: n2 no longer hears n1 (n1 dead for n2)" \
			wait_until $(((CL_DEAD + 1000) / 1000 + 1)) cl_alive_is n2 n1 false
		check "cut 1: n3 still hears both n1 and n2" \
			eval '[ "$(cl_view n3)" = "n1=true n2=true n3=true" ]'
		check "cut 1: the client reaches n1 and n2" \
			eval 'nsx cl ping -c 1 -W 1 -q 198.51.100.11 >/dev/null && nsx cl ping -c 1 -W 1 -q 198.51.100.12 >/dev/null'
	fi
	# From n2's Master_Down on, its status should name n3's refusal.
	vt_sleep_until $((t_cut + MDI2))
	got=""
	while [ "$(now_ms)" -lt $((t_cut + CUT_MS - 150)) ]; do
		got=$(vt_refused_by n2)
		[ -n "$got" ] && break
		sleep 0.05
	done
	if [ -n "$got" ]; then
		refused_cuts=$((refused_cuts + 1))
		[ -n "$refused_seen" ] || refused_seen="cut $c: $got"
	fi
	vt_sleep_until $((t_cut + CUT_MS))
	dropped=$(vt_cut_dropped n2)
	[ "$dropped" -gt 0 ] || undropped=$((undropped + 1))
	t_heal=$(now_ms)
	vt_heal_pair n1 n2
	cuts+=("$t_cut $t_heal")
	vt_sleep_until $((t_heal + HEAL_MS))
done
t_end=$(now_ms)
cl_sampler_stop s
refused1=$(vt_num "$(vt_voter_refused n3 granted_elsewhere)")

# Per cut, from the samples: did n2 add the VIP, and for how long were there
# two holders.
n=${#cuts[@]}
bad_cuts=0
for i in $(seq 0 $((n - 1))); do
	read -r t_cut t_heal <<<"${cuts[$i]}"
	t_next=$((t_heal + HEAL_MS))
	a=$(cl_analyze s "$t_cut" "$t_next")
	if [ "$(cl_kv "$a" multi)" != 0 ] || [ "$(cl_kv "$a" holders)" != n1 ]; then
		bad_cuts=$((bad_cuts + 1))
		tak=$(cl_first s "$t_cut" "$t_next" --present n2)
		diag "cut $((i + 1)): holders $(cl_kv "$a" holders), samples with 2 holders $(cl_kv "$a" multi)," \
			"longest overlap $(cl_kv "$a" overlap_ms) ms; n2 added the VIP $([ "$tak" -gt 0 ] && echo "$((tak - t_cut)) ms after the cut" || echo never)"
	fi
done
all=$(cl_analyze s "$t_start" "$t_end")
episodes=$(vt_episodes s "$EPISODE_MAX_MS" "$t_start" "$t_end")
absent=$(vt_absent s n1 "$t_start" "$t_end")
diag "$n cuts in $(((t_end - t_start) / 1000)) s: $all"
diag "two-holder episodes over $EPISODE_MAX_MS ms: $episodes $(vt_episode_list s "$t_start" "$t_end")"
diag "n2 named a refusal in $refused_cuts of $n cuts (first: ${refused_seen:-none});" \
	"n3's voter refused.granted_elsewhere $refused0 -> $refused1"
check "$CUTS partial cuts ran" test "$n" -eq "$CUTS"
check "every cut dropped n1's packets in n2 ($undropped cuts dropped nothing)" test "$undropped" -eq 0
check "no episode of two VIP holders longer than $EPISODE_MAX_MS ms ($episodes)" test "$episodes" -eq 0
check "n1 held the VIP in every sample ($absent samples without it)" test "$absent" -eq 0
check "nobody but n1 ever held the VIP (holders $(cl_kv "$all" holders); $bad_cuts cuts saw another)" \
	test "$(cl_kv "$all" holders)" = n1 -a "$bad_cuts" -eq 0
check "n2 was refused: its status named a refusal in a cut, or n3's voter counted one" \
	test "$refused_cuts" -gt 0 -o \( "$refused0" -ge 0 -a "$refused1" -gt "$refused0" \)
case $refused_seen in
'') ;;
*)
	check "the refusal names n3, which granted its vote to n1 ($refused_seen)" \
		eval 'case " ${refused_seen#*: } " in *" n3:n1 "*) true ;; *) false ;; esac'
	;;
esac
check "after the last heal: n1 the only master, n2 and n3 BACKUP" eval \
	'cl_stable_master n1 5 && cl_state_is n2 BACKUP && cl_state_is n3 BACKUP'
check "after the last heal: every node sees 3 alive" wait_until 5 eval \
	'[ "$(cl_q n1 .cluster.alive)$(cl_q n2 .cluster.alive)$(cl_q n3 .cluster.alive)" = 333 ]'

done_testing
