#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Flapping partitions, 3 nodes: 20 cycles of "cut the current master off,
# heal", about 1.5 s per phase, a 10 ms VIP sampler throughout. After every
# cut the majority must have a master within its MDI + 3 s; no two
# consecutive samples may show two holders, except inside a heal window
# where the overlap must stay below two sampling periods + 200 ms.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init quorum_flap

CYCLES=${FLAP_CYCLES:-20}
PHASE_MS=1500
BUDGET_S=200		# the loop gives up (and fails) beyond this
cl_setup 3
cl_conf n1 200
cl_conf n2 150
cl_conf n3 100
cl_start_all
if ! cl_stable_master n1 15; then
	fail "n1 (priority 200) becomes the only master"
	done_testing
fi
MDI_WORST=$(cl_mdi_ms 150)	# the slowest backup that can be elected
TAKE_MAX=$((MDI_WORST + 3000))
HEAL_OVERLAP_MAX=$((2 * 10 + 200))
SEEN_MS=150		# 15 sampler periods
cl_sampler_start s $((BUDGET_S + 30)) || done_testing
sleep 0.5

# sleep_until <wall ms>
sleep_until() {
	local d=$(($1 - $(now_ms)))
	[ "$d" -gt 0 ] && sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
	return 0
}

t_start=$(now_ms)
cuts=()		# "t_cut t_heal master"
late=0
nomaster=0
done_cycles=0
for c in $(seq 1 "$CYCLES"); do
	if [ $(($(now_ms) - t_start)) -gt $((BUDGET_S * 1000)) ]; then
		fail "flap: $BUDGET_S s budget exhausted after $done_cycles cycles"
		break
	fi
	if ! wait_until 5 cl_one_holder_in "$CL_NODES"; then
		nomaster=$((nomaster + 1))
		diag "cycle $c: no single holder before the cut ($(cl_holder))"
	fi
	M=$(cl_holder)
	M=${M%% *}
	[ -n "$M" ] || M=n1
	rest=$(echo "$CL_NODES" | tr ' ' '\n' | grep -vx "$M" | tr '\n' ' ')
	t_cut=$(now_ms)
	cl_cut "$M"
	if ! wait_until $((TAKE_MAX / 1000 + 1)) cl_one_holder_in "$rest"; then
		late=$((late + 1))
		diag "cycle $c: the majority ($rest) had no master $TAKE_MAX ms after cutting $M"
	fi
	# A takeover seen after most of the phase (the cluster plane's peer
	# timeout can take 1.7 s) still gets SEEN_MS before the heal, so the
	# sampler's own record of it falls inside the cut window it is read from.
	t_seen=$(now_ms)
	t_heal_at=$((t_cut + PHASE_MS))
	[ $((t_seen + SEEN_MS)) -gt "$t_heal_at" ] && t_heal_at=$((t_seen + SEEN_MS))
	sleep_until "$t_heal_at"
	t_heal=$(now_ms)
	cl_heal
	cuts+=("$t_cut $t_heal $M")
	sleep_until $((t_heal + PHASE_MS))
	done_cycles=$c
done
t_end=$(now_ms)
sleep 3		# let the last heal settle into one master
cl_sampler_stop s
diag "flap: $done_cycles cycles in $(((t_end - t_start) / 1000)) s"
check "flap: $CYCLES cut/heal cycles ran" test "$done_cycles" -eq "$CYCLES"
check "flap: a single holder before every cut" test "$nomaster" -eq 0

# Per cycle, from the samples: release by the cut node, takeover by the
# majority, overlap in the cut window and in the following heal window.
takes_max=0
rel_max=0
heal_ov_max=0
cut_multi=0
cut_consec=0
heal_bad=0
take_bad=0
n=${#cuts[@]}
for i in $(seq 0 $((n - 1))); do
	read -r t_cut t_heal M <<<"${cuts[$i]}"
	if [ $((i + 1)) -lt "$n" ]; then
		read -r t_next _ _ <<<"${cuts[$((i + 1))]}"
	else
		t_next=$((t_end + 3000))
	fi
	others=$(echo "$CL_NODES" | tr ' ' '\n' | grep -vx "$M" | paste -sd,)
	rel=$(cl_first s "$t_cut" "$t_heal" --absent "$M")
	tak=$(cl_first s "$t_cut" "$t_heal" --any-of "$others")
	r=$([ "$rel" -gt 0 ] && echo $((rel - t_cut)) || echo -1)
	k=$([ "$tak" -gt 0 ] && echo $((tak - t_cut)) || echo -1)
	a=$(cl_analyze s "$t_cut" "$t_heal")
	h=$(cl_analyze s "$t_heal" "$t_next")
	ov=$(cl_kv "$h" overlap_ms)
	diag "cycle $((i + 1)): cut $M: released after $r ms, majority master after $k ms;" \
		"cut window multi=$(cl_kv "$a" multi) consecutive=$(cl_kv "$a" consecutive_multi);" \
		"heal overlap ${ov} ms ($(cl_kv "$h" overlap_run) samples)"
	[ "$r" -gt "$rel_max" ] && rel_max=$r
	[ "$k" -gt "$takes_max" ] && takes_max=$k
	[ "${ov:-0}" -gt "$heal_ov_max" ] && heal_ov_max=${ov:-0}
	if [ "$k" -lt 0 ] || [ "$k" -gt "$TAKE_MAX" ]; then
		take_bad=$((take_bad + 1))
	fi
	cut_multi=$((cut_multi + $(cl_kv "$a" multi)))
	if [ "$(cl_kv "$a" consecutive_multi)" != 0 ]; then
		cut_consec=$((cut_consec + 1))
		diag "cycle $((i + 1)): two holders in consecutive samples during the cut: $a"
		python3 "$CL_SAMPLER" dump "$T/s.samples" --from "$t_cut" --to "$t_heal" --multi --rel "$t_cut" \
			--limit 3 | sed 's/^/#   cut+/'
		cl_log_window "$((t_cut - 1000))" "$t_heal" '(-> MASTER|-> FAULT|quorum lost)' |
			sed 's/^/#   /'
	fi
	if [ "${ov:-0}" -ge "$HEAL_OVERLAP_MAX" ]; then
		heal_bad=$((heal_bad + 1))
	fi
done
all=$(cl_analyze s "$t_start" "$t_end")
diag "flap totals: $all"
diag "flap totals: worst release ${rel_max} ms, worst majority takeover ${takes_max} ms (bound $TAKE_MAX ms)," \
	"worst heal overlap ${heal_ov_max} ms (bound $HEAL_OVERLAP_MAX ms), samples with 2 holders in cut windows: $cut_multi"
check "flap: after every cut the majority had a master within MDI + 3 s ($take_bad late of $n)" \
	test "$take_bad" -eq 0 -a "$late" -eq 0
check "flap: no two consecutive samples with 2 holders in any cut window ($cut_consec cycles did)" \
	test "$cut_consec" -eq 0
check "flap: every heal overlap below $HEAL_OVERLAP_MAX ms ($heal_bad cycles above, worst $heal_ov_max ms)" \
	test "$heal_bad" -eq 0
check "flap: one master at the end" cl_one_holder_in "$CL_NODES"
check "flap: every node sees 3 alive at the end" wait_until 5 eval \
	'[ "$(cl_q n1 .cluster.alive)$(cl_q n2 .cluster.alive)$(cl_q n3 .cluster.alive)" = 333 ]'

done_testing
