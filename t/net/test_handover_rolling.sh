#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A rolling upgrade (issue 11; doc/operations.md): 3 nodes (n1 200, n2 150,
# n3 100, votes) each run a web server behind the VIP; a client fetches
# http://VIP/ every 10 ms (a new connection each, 2 s timeout). Each node
# in turn is drained, its clustd stopped and started again (the upgrade),
# and undrained: the VIP moves off a master by a handover and back by a
# preemption. What must hold: not one failed client request over the whole
# roll, every command exits 0, and n1 is master at the end.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
. "$(dirname "$0")/lib_track.sh"
. "$(dirname "$0")/lib_handover.sh"
net_init handover_rolling

cl_setup 3
net_host c 198.51.100.200/24
tr_http_check_script
for n in n1 n2 n3; do
	tr_web_start "$n" || fail "web server on $n"
done
cl_conf n1 200
cl_conf n2 150
cl_conf n3 100
cl_start_all
if ! cl_stable_master n1 15; then
	fail "n1 becomes the only master"
	done_testing
fi
MDI1=$(cl_mdi_ms 200)
tr_client_start roll c "http://$CL_VIP/" 300 10 2
troll=$(now_ms)
check "the client gets answers from n1" wait_until 5 tr_client_answered roll n1 0 5

# everyone_alive <node>: each node sees all three alive.
everyone_alive() {
	local n
	for n in n1 n2 n3; do
		[ "$(cl_view "$n")" = "n1=true n2=true n3=true" ] || return 1
	done
}

for n in n1 n2 n3; do
	t0=$(now_ms)
	ho_run "$n" drain
	check "$n: drain: exit 0" test "$HO_RC" = 0
	check "$n: drained, not holding the VIP" eval 'ho_drained $n && ! has_vip $n "$CL_VIP"'
	clustd_signal "$n" TERM
	check "$n: clustd stopped" clustd_wait_exit "$n" 10
	clustd_start "$n"
	check "$n: clustd back, drained, everyone alive" \
		wait_until 15 eval 'ho_drained $n && everyone_alive'
	ho_run "$n" undrain
	check "$n: undrain: exit 0" test "$HO_RC" = 0
	check "$n: n1 is master after the step" cl_stable_master n1 $(((MDI1 + 4000) / 1000))
	diag "$n: step took $(($(now_ms) - t0)) ms; client so far: $(ho_client_summary roll)"
done
sleep 1
tr_client_stop roll
s=$(ho_client_summary roll)
diag "client over the whole roll: $s"
want=$((($(now_ms) - troll) / 10 / 3))
check "the client kept asking all along (>= $want: a third of one per 10 ms)" test "$(cl_kv "$s" requests)" -ge "$want"
check "not one failed request over the whole roll" test "$(cl_kv "$s" failed)" = 0
check "the VIP was served by n1 and n2 (it moved and came back)" \
	eval 'case "$(cl_kv "$s" by)" in *n1:*n2:* | *n2:*n1:*) true ;; *) false ;; esac'

done_testing
