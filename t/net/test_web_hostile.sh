#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# In-daemon http checks against servers that misbehave (issue 17): nginx
# on both nodes serves the client through the VIP (every 10 ms); n1's
# check "app" (every 100 ms, timeout 80, fall 2, weight -100) asks a small
# python3 server on 127.0.0.1:8081 that does what it is told:
#  1. silent (accepts, never answers): "timeout" counted, the VIP moves to
#     n2 and the client is served by n2; back to ok: n1 preempts.
#  2. 500: "bad_status" counted, failover; back to ok: n1 preempts.
#  3. an endless body on a second check "slow" (weight -10: n1 stays master
#     at 140), 1.5 s flooding (16 KiB a ms) then 1.5 s trickling (512 bytes
#     every 2 ms): every run fails, the flood's at the body bound
#     ("oversized": the reader never buffers without bound), the trickle's
#     at its timeout; the client stays with n1, and n1's adverts stay on
#     time all along (max gap on the wire; the daemon alive and clean).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
. "$(dirname "$0")/lib_track.sh"
. "$(dirname "$0")/lib_web.sh"
web_need_nginx
net_init web_hostile
VIP=198.51.100.100
N1=198.51.100.11

net_bridge
net_host n1 $N1/24
net_host n2 198.51.100.12/24
net_host c 198.51.100.200/24
tr_http_check_script

checks_n1() {
	printf 'track = { http = (
	  { name = "app"; url = "http://127.0.0.1:8081/health"; body = "ok";
	    interval = 100; timeout = 80; fall = 2; weight = -100; },
	  { name = "slow"; url = "http://127.0.0.1:8082/"; body = "ok";
	    interval = 100; timeout = 80; weight = -10; init = "ok"; } ); };'
}
checks_n2() {
	printf 'track = { http = ( { name = "app"; url = "http://127.0.0.1/health";
	  interval = 100; timeout = 80; fall = 2; weight = -100; } ); };'
}
web_conf n1 150 "$(checks_n1)"
web_conf n2 100 "$(checks_n2)"
check "the configs are valid (clustd -t)" \
	eval 'nsx n1 "$CLUSTD" -t -f "$T/n1.conf" && nsx n2 "$CLUSTD" -t -f "$T/n2.conf"'
check "nginx on n1" web_nginx_start n1 $VIP
check "nginx on n2" web_nginx_start n2 $VIP
check "n1's app server (8081) answers" web_bad_server_start n1 8081
# The slow server: its own mode file; it answers 500 until part 3.
T_SLOW=n1slow
cp /dev/null "$T/$T_SLOW.mode"
check "n1's slow server (8082) answers" eval '
	echo 500 >"$T/$T_SLOW.mode"
	ip netns exec "${P}n1" "$TR_PY" "$T/bad.py" 8082 "$T/$T_SLOW.mode" >>"$T/n1-slow.log" 2>&1 &
	NET_BG_PIDS="$NET_BG_PIDS $!"
	wait_until 10 nsx n1 bash -c "exec 3<>/dev/tcp/127.0.0.1/8082" 2>/dev/null'
clustd_start n1
wait_until 10 only_holder n1 $VIP
clustd_start n2
check "n1 is the only VIP holder" wait_until 5 only_holder n1 $VIP
check "n1 at 140: app passing, slow failing (150 - 10)" wait_until 5 tr_prio_is n1 web 140
tr_client_start web c "http://$VIP/" 120 10 1
check "the client gets its answers from n1" wait_until 10 tr_client_answered web n1 0 5

# fail_and_back <mode> <outcome> <logged>: n1's app server turns <mode>;
# the check counts <outcome> and logs "check app failed (<logged>", the
# VIP and the client move to n2; then ok again and everything comes back
# to n1.
fail_and_back() {
	local mode=$1 outcome=$2 logged=$3 m1 m2 t0 t1 before out nfail nreq tf tm
	before=$(web_check n1 app ".outcomes.$outcome")
	m1=$(log_lines n1)
	m2=$(log_lines n2)
	t0=$(now_ms)
	web_mode n1 "$mode"
	check "$mode: n1 logged 'check app failed ($logged...)'" \
		wait_log 5 n1 "web: check app failed \\($logged" "$m1"
	if wait_until 10 tr_client_answered web n2 "$t0" 3; then
		ok "$mode: the client is served by n2 $(($(now_ms) - t0)) ms after"
	else
		fail "$mode: the client is served by n2 (last: $(tr_client_last web))"
	fi
	check "$mode: n2 holds the VIP alone" wait_until 3 only_holder n2 $VIP
	t1=$(now_ms)
	read -r out nfail nreq _ _ <<<"$(tr_outage web "$t0" "$t1" n2)"
	diag "$mode: outage $out ms, $nfail of $nreq requests failed"
	check "$mode: client-visible outage under 3 s ($out ms)" eval '[ "$out" -ge 0 ] && [ "$out" -lt 3000 ]'
	tf=$(cl_log_ms n1 'web: check app failed' "$m1")
	tm=$(cl_log_ms n2 'web: BACKUP -> MASTER' "$m2")
	check "$mode: in order, n1's check failed, then n2 became master" \
		eval '[ -n "$tf" ] && [ -n "$tm" ] && [ "$tf" -le "$tm" ]'
	check "$mode: n1's status counts $outcome (>= 2 more than the $before before)" \
		web_check_ge n1 app "$outcome" $((before + 2))
	check "$mode: n1's metrics count it too" eval 'nsx n1 "$CLUSTD" -f "$T/n1.conf" metrics |
		grep -Eq "^clustd_check_runs_total\\{instance=\"web\",check=\"app\",outcome=\"$outcome\"\\} [1-9]"'
	m1=$(log_lines n1)
	t0=$(now_ms)
	web_mode n1 ok
	check "$mode: ok again, n1 logged 'check app OK'" wait_log 5 n1 'web: check app OK' "$m1"
	check "$mode: n1 preempts, the client is served by n1" wait_until 10 tr_client_answered web n1 "$t0" 3
	check "$mode: n1 holds the VIP alone" wait_until 3 only_holder n1 $VIP
}

# ---- 1. a server that accepts and never answers
fail_and_back silent timeout 'timeout after 80 ms'
# ---- 2. a server that answers 500
fail_and_back 500 bad_status 'status 500'

# ---- 3. the trickling server, all along: bounded, failing, adverts on time
capture_start adv "ip proto 112" || fail "capture started"
# slow_counts: "<runs> <ok> <oversized> <timeout>" of check slow, at once.
slow_counts() {
	web_check n1 slow '[.runs, .outcomes.ok, .outcomes.oversized, .outcomes.timeout] | join(" ")'
}
read -r r0 k0 o0 t0c <<<"$(slow_counts)"
t0=$(now_ms)
echo flood >"$T/$T_SLOW.mode"
sleep 1.5
echo trickle >"$T/$T_SLOW.mode"
sleep 1.5
capture_stop adv
read -r r1 k1 o1 t1c <<<"$(slow_counts)"
runs=$((r1 - r0)) over=$((o1 - o0)) tmo=$((t1c - t0c))
diag "slow: $runs runs in 3 s: $over oversized, $tmo timed out, $((k1 - k0)) ok"
check "slow: runs went on (>= 15 in 3 s at 100 ms)" test "$runs" -ge 15
check "slow: never healthy; every run but the one under way at the switch ended oversized or timed out" \
	eval '[ $((k1 - k0)) = 0 ] && [ $((over + tmo)) -ge $((runs - 1)) ]'
check "slow: the flood stopped at the body bound (oversized counted: $over)" test "$over" -ge 1
check "slow: the trickle ended by its timeout (timeout counted: $tmo)" test "$tmo" -ge 1
check "slow: n1 stays master at 140 (a small weight), the client with n1" \
	eval 'only_holder n1 $VIP && tr_prio_is n1 web 140 && tr_client_answered web n1 "$t0" 3'
gap=$(max_gap_ms adv "vrrp && ip.src == $N1")
nadv=$(pcap_count adv "vrrp && ip.src == $N1")
diag "n1's adverts over 3 s of trickling: $nadv, max gap $gap ms (interval 100 ms)"
check "n1 kept advertising (>= 20 adverts in 3 s)" test "$nadv" -ge 20
check "n1's adverts on time: max gap $gap ms < 250 ms" test "$gap" -lt 250
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$(clustd_pid n1)/status" 2>/dev/null)
diag "n1's daemon RSS after the trickle: ${rss:-?} kB"

sleep 0.3
tr_client_stop web
diag "client: $(grep -c . "$T/web.client") requests, $(grep -c ' FAIL' "$T/web.client") failed in all"

done_testing
