#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Draining (issue 11), 3 nodes with votes: n1 200, n2 150, n3 100.
#  1. `clustd drain` on the master n1: it hands over to n2 (a handover's
#     timing class), is drained in its status and has state_dir/drained.
#  2. The drain survives a SIGKILL and restart, and a clean stop and start:
#     n1, the highest priority with preempt on, stays BACKUP for longer
#     than its Master_Down_Interval each time.
#  3. `clustd undrain`: n1 preempts again.
#  4. The last node that could be master: with n2 and n3 drained, `drain`
#     on n1 is refused (exit 1, says nobody would hold the VIP, nothing
#     changes); `drain --force` releases it: nobody holds the VIP.
#  5. `undrain` everywhere: a master again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
. "$(dirname "$0")/lib_handover.sh"
net_init handover_drain

cl_three_up
MDI1=$(cl_mdi_ms 200)
ho_monitor_start n1 n2

# ---- 1. drain the master
t1=$(now_ms)
ho_run n1 drain
check "drain: exit 0" test "$HO_RC" = 0
check "drain: it says n1 handed over to n2" ho_says '^web: handed over to n2 in [0-9.]+ ms'
check "n2 is the only master" cl_stable_master n2 3
check "n1 is drained (status)" ho_drained n1
check "n1's status: the whole node is drained" test "$(cl_q n1 .drain.node)" = true
check "n1 has state_dir/drained" test -s "$T/n1/state/drained"
sleep 0.2
g=$(ho_gap n1 n2 "$t1")
diag "on the kernel's clock: $g"
gap=$(cl_kv "$g" gap_us)
check "the drain's handover is in the handover class: $gap us" \
	test "$gap" != none -a "${gap:--99999}" -ge "-$HO_JITTER_US" -a "${gap:-999999}" -lt 50000
check "n2 sees n1 drained (heartbeats, TLV 12)" \
	wait_until 3 eval '[ "$(cl_q n2 ".cluster.members[] | select(.name == \"n1\") | .drained | join(\" \")")" = web ]'
ho_monitor_stop n1 n2

# ---- 2. restarts keep it
stay_backup() { # <what>
	local t0
	t0=$(now_ms)
	check "$1: n1 runs again" wait_until 10 eval '[ "$(cl_q n1 .instances[0].state)" = BACKUP ]'
	check "$1: n1 still drained" ho_drained n1
	sleep "$(((MDI1 + 1500) / 1000))"
	check "$1: n2 still the only master after $(($(now_ms) - t0)) ms (n1 did not preempt)" only_holder n2 "$CL_VIP"
}
clustd_kill n1
clustd_start n1
stay_backup "after SIGKILL"
check "after SIGKILL: n1 logged its drain at start" log_has n1 'drain: the whole node is drained'
clustd_signal n1 TERM
clustd_wait_exit n1 10
clustd_start n1
stay_backup "after a clean stop and start"

# ---- 3. undrain: preemption works again
ho_run n1 undrain
check "undrain: exit 0" test "$HO_RC" = 0
check "undrain: it says web may become master again" ho_says '^web: undrained'
check "n1 no longer drained" test "$(cl_q n1 .instances[0].drained)" = false
check "n1 has no state_dir/drained" test ! -e "$T/n1/state/drained"
check "n1 preempts n2 again" cl_stable_master n1 $(((MDI1 + 3000) / 1000))

# ---- 4. the last one that could be master
ho_run n2 drain web
check "drain a backup (n2): exit 0" test "$HO_RC" = 0
ho_run n3 drain web
check "drain a backup (n3): exit 0" test "$HO_RC" = 0
check "n1 sees both drained" wait_until 3 eval '[ "$(cl_q n1 "[.cluster.members[] | .drained // [] | length] | add")" = 2 ]'
ho_run n1 drain
check "drain of the last possible master: exit 1" test "$HO_RC" = 1
check "it says nobody would hold the VIP, and --force" \
	ho_says "^error: web: no other member can be master \(n2: drained, n3: drained\): draining it would leave $CL_VIP/24 with nobody; use --force"
check "it says nothing changed" ho_says '^error: nothing changed'
check "n1 still master, not drained, no drain file" eval 'only_holder n1 "$CL_VIP" && [ "$(cl_q n1 .instances[0].drained)" = false ] && [ ! -e "$T/n1/state/drained" ]'
ho_run n1 drain --force
check "drain --force: exit 0" test "$HO_RC" = 0
check "it says nobody holds the VIP now" ho_says "nobody (holds|will hold) $CL_VIP/24"
check "nobody holds the VIP" wait_until 3 eval '[ -z "$(cl_holder)" ]'
sleep "$(((MDI1 + 1000) / 1000))"
check "still nobody after $((MDI1 + 1000)) ms" test -z "$(cl_holder)"

# ---- 5. undrain everywhere
for n in n1 n2 n3; do
	ho_run "$n" undrain
done
check "after undrain everywhere, n1 is master again" cl_stable_master n1 $(((MDI1 + 4000) / 1000))

done_testing
