#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A VIP in front of nginx (issue 17; doc/web-services.md): two nodes, each
# with a real nginx bound to the VIP (nonlocal bind) and to 127.0.0.1, and
# an in-daemon http check of the local nginx (every 100 ms, fall 2, weight
# -100; no fork). A client fetches http://VIP/ every 10 ms.
#  1. n1's nginx is stopped: the check counts "refused", n1's priority
#     falls 150 -> 50, the VIP moves to n2 and the client is served by n2
#     (in order: the check failed, then n2 took over). Failed requests are
#     reported.
#  2. nginx back on n1: the check passes, n1 preempts, the client is served
#     by n1 again; the failed requests of that move are reported and
#     bounded (a preemption moves the VIP while nginx runs on both).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
. "$(dirname "$0")/lib_track.sh"
. "$(dirname "$0")/lib_web.sh"
web_need_nginx
net_init web_nginx
VIP=198.51.100.100

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
net_host c 198.51.100.200/24
tr_http_check_script

check_http() {
	printf 'track = { http = ( { name = "nginx"; url = "http://127.0.0.1/health"; body = "ok";
	  interval = 100; timeout = 80; rise = 1; fall = 2; weight = -100; } ); };'
}
web_conf n1 150 "$(check_http)"
web_conf n2 100 "$(check_http)"
check "the config with an http check is valid (clustd -t)" nsx n1 "$CLUSTD" -t -f "$T/n1.conf"
check "nginx on n1 answers on 127.0.0.1 (VIP not local yet)" web_nginx_start n1 $VIP
check "nginx on n2 answers" web_nginx_start n2 $VIP
clustd_start n1
wait_until 10 only_holder n1 $VIP
clustd_start n2
check "n1 is the only VIP holder" wait_until 5 only_holder n1 $VIP
check "n1: priority 150 (check passing)" wait_until 5 tr_prio_is n1 web 150
check "n2: priority 100 (check passing)" wait_until 5 tr_prio_is n2 web 100
check "n1's status: check nginx healthy, only ok runs" \
	eval '[ "$(web_check n1 nginx .healthy)" = true ] && web_check_ge n1 nginx ok 3 &&
	      [ "$(web_check n1 nginx ".runs - .outcomes.ok")" = 0 ]'
check "n1's metrics: clustd_check_runs_total with outcome labels" \
	eval 'nsx n1 "$CLUSTD" -f "$T/n1.conf" metrics |
	      grep -q "^clustd_check_runs_total{instance=\"web\",check=\"nginx\",outcome=\"ok\"} [1-9]"'

check "n1's status: nonlocal_bind.ipv4 true (lib_web.sh sets it for nginx)" \
	test "$(cl_q n1 .nonlocal_bind.ipv4)" = true
nsx n2 sysctl -qw net.ipv4.ip_nonlocal_bind=0
check "n2's text status says when nonlocal bind is off" eval 'nsx n2 "$CLUSTD" -f "$T/n2.conf" status |
	grep -q "nonlocal bind off (net.ipv4.ip_nonlocal_bind): a service can listen on a VIP only while"'
nsx n2 sysctl -qw net.ipv4.ip_nonlocal_bind=1
check "... and is quiet when it is on" eval '! nsx n2 "$CLUSTD" -f "$T/n2.conf" status | grep -q "nonlocal bind off"'

tr_client_start web c "http://$VIP/" 90 10 1
tclient=$(now_ms)
check "the client gets its answers from n1" wait_until 10 tr_client_answered web n1 0 5

# ---- 1. the master's nginx stops
m1=$(log_lines n1)
m2=$(log_lines n2)
t0=$(now_ms)
check "n1's nginx stopped" web_nginx_stop n1
check "n1 logged 'check nginx failed (refused, 2 in a row)'" \
	wait_log 5 n1 'web: check nginx failed \(refused, 2 in a row\)' "$m1"
check "n1: effective priority 150 -> 50" wait_log 3 n1 'web: effective priority 150 -> 50' "$m1"
if wait_until 10 tr_client_answered web n2 "$t0" 3; then
	ok "the client is served by n2 $(($(now_ms) - t0)) ms after n1's nginx stopped"
else
	fail "the client is served by n2 after n1's nginx stopped (last: $(tr_client_last web))"
fi
check "n2 holds the VIP alone" wait_until 3 only_holder n2 $VIP
t1=$(now_ms)
read -r out nfail nreq ff fn <<<"$(tr_outage web "$t0" "$t1" n2)"
diag "failover: outage $out ms, $nfail of $nreq requests failed (first failed $ff, first from n2 $fn)"
check "client-visible outage under 3 s ($out ms)" eval '[ "$out" -ge 0 ] && [ "$out" -lt 3000 ]'
tf=$(cl_log_ms n1 'web: check nginx failed' "$m1")
tm=$(cl_log_ms n2 'web: BACKUP -> MASTER' "$m2")
check "in order: n1's check failed ($tf), then n2 became master ($tm)" \
	eval '[ -n "$tf" ] && [ -n "$tm" ] && [ "$tf" -le "$tm" ]'
check "n1's status: the check failing, refused counted, never a timeout" \
	eval '[ "$(web_check n1 nginx .healthy)" = false ] && web_check_ge n1 nginx refused 2 &&
	      [ "$(web_check n1 nginx .outcomes.timeout)" = 0 ]'
check "n1's text status names the check and its failures" \
	eval 'nsx n1 "$CLUSTD" -f "$T/n1.conf" status | grep -Eq "check nginx \(http http://127.0.0.1/health\): failing, [0-9]+ runs; failed: refused [0-9]+"'
check "n1 is BACKUP at 50, not FAULT (a weighted check)" \
	eval 'tr_prio_is n1 web 50 && tr_inst_is n1 web state BACKUP'

# ---- 2. nginx restarted on n1: preempt back
m1=$(log_lines n1)
t0=$(now_ms)
check "n1's nginx answers again" web_nginx_start n1 $VIP
check "n1 logged 'check nginx OK'" wait_log 5 n1 'web: check nginx OK' "$m1"
if wait_until 10 tr_client_answered web n1 "$t0" 3; then
	ok "the client is served by n1 again $(($(now_ms) - t0)) ms after its nginx restart"
else
	fail "the client is served by n1 again (last: $(tr_client_last web))"
fi
check "n1 holds the VIP alone" wait_until 3 only_holder n1 $VIP
t1=$(now_ms)
read -r out nfail nreq ff fn <<<"$(tr_outage web "$t0" "$t1" n1)"
diag "preempt back: $nfail of $nreq requests failed (outage $out ms)"
check "the preemption costs at most 5 requests ($nfail failed)" test "$nfail" -le 5
sleep 0.3
tr_client_stop web
total=$(grep -c . "$T/web.client")
bad=$(grep -c ' FAIL' "$T/web.client")
diag "client: $total requests, $bad failed in all"
want=$((($(now_ms) - tclient) / 10 / 3))
check "the client asked all along ($total >= $want: a third of one per 10 ms)" test "$total" -ge "$want"

done_testing
