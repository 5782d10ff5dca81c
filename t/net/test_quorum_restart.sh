#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Incarnations across restarts, 3 nodes: restarting n2 (SIGTERM, then
# SIGKILL) gives it the next incarnation (persisted in state_dir: the
# larger of stored + 1 and the wall clock in seconds); its peers accept the new incarnation at once (alive again, the
# new number in their status), and a heartbeat captured before a restart
# and replayed afterwards is rejected as a replay because its incarnation is
# old, without touching the membership. The master is not disturbed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init quorum_restart

cl_setup 3
net_host cl 198.51.100.200/24
cl_conf n1 200
cl_conf n2 150
cl_conf n3 100
cl_start_all
if ! cl_stable_master n1 15; then
	fail "n1 (priority 200) becomes the only master"
	done_testing
fi
check "n1 and n3 see 3 alive" wait_until 5 eval \
	'[ "$(cl_view n1)" = "n1=true n2=true n3=true" ] && [ "$(cl_view n3)" = "n1=true n2=true n3=true" ]'
self_inc() {
	cl_q "$1" '.cluster.members[] | select(.self) | .incarnation'
}
cl_sampler_start s 120 || done_testing
m1=$(log_lines n1)

# capture_one <name>: one genuine n2 -> n1 heartbeat, hex.
capture_one() {
	cl_capture_hb "$1" n2 n1 || fail "capture $1 started"
	sleep 0.4
	capture_stop "$1"
	cl_hb_payloads "$1" | tail -1
}

# restart_n2 <signal> <previous incarnation> <heartbeat captured before>
restart_n2() {
	local sig=$1 inc0=$2 hb=$3 inc1 m rb rc mb ma w0 w1 lo hi
	m=$(log_lines n1)
	clustd_signal n2 "$sig"
	clustd_wait_exit n2 10
	rc=$(clustd_exit_code n2)
	diag "$sig: n2 exited with status $rc"
	[ "$sig" = TERM ] && check "TERM: n2 exits 0" test "$rc" = 0
	check "$sig: n1 sees n2 dead" wait_until 3 cl_alive_is n1 n2 false
	w0=$(date +%s)
	clustd_start n2
	check "$sig: n1 sees n2 alive again" wait_until 5 cl_alive_is n1 n2 true
	check "$sig: n3 sees n2 alive again" wait_until 3 cl_alive_is n3 n2 true
	inc1=$(cl_inc_of n1 n2)
	diag "$sig: n2's incarnation in n1's view: $inc0 -> $inc1, in n3's: $(cl_inc_of n3 n2), its own: $(self_inc n2)"
	check "$sig: the incarnation grew ($inc0 -> $inc1)" test "$inc1" -gt "$inc0"
	w1=$(date +%s)
	lo=$((inc0 + 1 > w0 ? inc0 + 1 : w0))
	hi=$((inc0 + 1 > w1 ? inc0 + 1 : w1))
	check "$sig: max(stored + 1, wall clock at the start) ($lo <= $inc1 <= $hi)" \
		test "$inc1" -ge "$lo" -a "$inc1" -le "$hi"
	check "$sig: n3 and n2 itself agree ($inc1)" \
		test "$(cl_inc_of n3 n2)" = "$inc1" -a "$(self_inc n2)" = "$inc1"
	check "$sig: n1 logged 'member n2 (incarnation $inc1) is alive'" \
		log_has n1 "cluster: member n2 \\(incarnation $inc1\\) is alive" "$m"
	check "$sig: the incarnation file holds $inc1" \
		grep -q "^CLINC 1 $inc1 " "$T/n2/state/incarnation"
	check "$sig: n2 rejoins as BACKUP" wait_until 5 cl_state_is n2 BACKUP
	for n in n1 n3; do
		rb=$(cl_drop $n replay)
		mb=$(cl_q $n '[.cluster.members[] | "\(.name)=\(.alive)/\(.incarnation)"] | join(" ")')
		cl_inject cl --to "$(cl_addr $n)" --count 2 --spoof-src "$(cl_addr n2)" raw --hex "$hb" >/dev/null
		wait_until 3 eval "[ \"\$(cl_drop $n replay)\" -ge $((rb + 2)) ]"
		ma=$(cl_q $n '[.cluster.members[] | "\(.name)=\(.alive)/\(.incarnation)"] | join(" ")')
		check "$sig: $n rejects the pre-restart heartbeat as a replay ($rb -> $(cl_drop $n replay))" \
			test "$(cl_drop $n replay)" -eq $((rb + 2))
		check "$sig: $n's membership unchanged by it ($ma)" test "$ma" = "$mb"
	done
	check "$sig: n2's incarnation still $inc1 in n1's view" test "$(cl_inc_of n1 n2)" = "$inc1"
}

HB0=$(capture_one hb0)
INC0=$(cl_inc_of n1 n2)
check "captured a heartbeat of n2 (incarnation $INC0)" eval '[ "${HB0:0:8}" = 434c4842 ]'
check "n2's own status shows the same incarnation" test "$(self_inc n2)" = "$INC0"
restart_n2 TERM "$INC0" "$HB0"

HB1=$(capture_one hb1)
INC1=$(cl_inc_of n1 n2)
restart_n2 KILL "$INC1" "$HB1"
# The heartbeat of the first incarnation is still a replay two starts later.
rb=$(cl_drop n1 replay)
cl_inject cl --to "$(cl_addr n1)" --spoof-src "$(cl_addr n2)" raw --hex "$HB0" >/dev/null
wait_until 3 eval '[ "$(cl_drop n1 replay)" -gt $rb ]'
check "a heartbeat two incarnations old is a replay too" test "$(cl_drop n1 replay)" -eq $((rb + 1))

sleep 0.5
cl_sampler_stop s
a=$(cl_analyze s)
diag "VIP samples over both restarts: $a"
cl_check_only_holder "$a" n1 "n1 held the VIP alone in every sample across the restarts"
check "n1 never left MASTER" eval '! log_has n1 "web: MASTER -> " "$m1"'

done_testing
