#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Handing over when health falls (issue 11, item 3), 3 nodes with votes:
# n1 200, n2 150, n3 100; each runs a web server, n1 tracks its own every
# 100 ms (t/net/lib_track.sh's check_http.sh on 127.0.0.1).
#  1. Weight -100: n1's web server dies, its priority falls to 100, below
#     n2's 150: n1 hands over to n2 at once (log reason "effective priority
#     fell"), instead of n2 waiting out its Master_Down_Interval (1707 ms
#     at 500 ms adverts): the VIP is on n2 well under it after the kill,
#     and the gap (ip monitor) is in the handover class. The server back,
#     n1 preempts again (an automatic handover is no planned one: no
#     "yielded").
#  2. No weight (FAULT): the server dies, n1 enters FAULT and its release
#     heartbeat names n2, which asks at once instead of after its skew
#     time (207 ms) from n1's priority-0 advert.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
. "$(dirname "$0")/lib_track.sh"
. "$(dirname "$0")/lib_handover.sh"
net_init handover_track

cl_setup 3
tr_http_check_script
for n in n1 n2 n3; do
	tr_web_start "$n" || fail "web server on $n"
done
track() { # [<weight setting>]
	printf 'track = { scripts = ( { name = "http"; command = "%s/check_http.sh";
	  args = [ "127.0.0.1" ]; interval = 100; timeout = 300; %s } ); };' "$T" "${1:-}"
}
cl_conf n1 200 "" "$(track 'weight = -100;')"
cl_conf n2 150
cl_conf n3 100
cl_start_all
if ! cl_stable_master n1 15; then
	fail "n1 becomes the only master"
	done_testing
fi
check "n1 at priority 200 (its server answers)" wait_until 5 tr_prio_is n1 web 200
MDI2=$(cl_mdi_ms 150)
MDI1=$(cl_mdi_ms 200)
ho_monitor_start n1 n2

# ---- 1. the priority falls
m1=$(log_lines n1)
t0=$(now_ms)
tr_web_stop n1
check "n2 is the only master" cl_stable_master n2 5
sleep 0.2
g=$(ho_gap n1 n2 "$t0")
diag "on the kernel's clock: $g"
add_ms=$(($(cl_kv "$g" add_us) / 1000))
gap=$(cl_kv "$g" gap_us)
check "the VIP is on n2 $((add_ms - t0)) ms after the kill: well under n2's Master_Down_Interval ($MDI2 ms)" \
	test $((add_ms - t0)) -lt $((MDI2 / 2))
check "the gap is in the handover class: $gap us" \
	test "$gap" != none -a "${gap:--99999}" -ge "-$HO_JITTER_US" -a "${gap:-999999}" -lt 50000
check "n1's log: effective priority fell, n2 takes over" \
	log_has n1 'web: effective priority fell to 100 \(configured 200\): n2 \(priority 150\) takes over' "$m1"
check "n1's log: MASTER -> BACKUP: handing over to n2 (priority)" \
	log_has n1 'web: MASTER -> BACKUP: handing over to n2 \(priority\)' "$m1"
check "n1 is not 'yielded' (an automatic handover)" test "$(cl_q n1 .instances[0].yielded)" = false

tr_web_start n1 || fail "web server on n1 again"
check "the server back, n1 preempts again" cl_stable_master n1 $(((MDI1 + 3000) / 1000))
m1=$(log_lines n1)

# ---- 2. FAULT: the release names the successor
# init_ok: the restarted check starts as passing (else n1 would fault at
# the reload already).
cl_conf n1 200 "" "$(track 'init = "ok";')"
clustd_signal n1 HUP
check "n1 reloaded the weightless check" wait_log 5 n1 'web: track section changed'
sleep 0.5
check "n1 still master at 200, never left MASTER" eval 'only_holder n1 "$CL_VIP" && tr_prio_is n1 web 200 && ! log_has n1 "web: MASTER -> " "$m1"'
ho_monitor_stop n1 n2
ho_monitor_start n1 n2
m1=$(log_lines n1)
m2=$(log_lines n2)
t1=$(now_ms)
tr_web_stop n1
check "FAULT: n2 is the only master" cl_stable_master n2 5
sleep 0.2
g=$(ho_gap n1 n2 "$t1")
diag "on the kernel's clock: $g"
gap=$(cl_kv "$g" gap_us)
check "FAULT: the gap $gap us is under n2's skew time (207 ms) by far (< 50 ms)" \
	test "$gap" != none -a "${gap:--99999}" -ge "-$HO_JITTER_US" -a "${gap:-999999}" -lt 50000
check "FAULT: n1 entered FAULT" log_has n1 'web: MASTER -> FAULT' "$m1"
check "FAULT: n1 named n2 in its release" log_has n1 'web: handing over to n2 \(fault\): it is to ask for the votes at once' "$m1"
check "FAULT: n2 asked at once" log_has n2 'web: member n1 hands web over to us: asking for the votes at once' "$m2"
check "FAULT: n1 status: done" wait_until 3 eval '[ "$(cl_q n1 .instances[0].handover.results.done)" = 2 ]'
ho_monitor_stop n1 n2

done_testing
