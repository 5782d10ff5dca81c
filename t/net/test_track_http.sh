#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Health tracking end to end: each node runs a web server and a track
# script (weight -100, every 100 ms) that checks it. A client fetches
# http://VIP/ 20 times a second and records which node answered. The
# master's web server dies -> its priority drops 150 -> 50 -> the backup
# (100, preempt) takes the VIP and the client's answers come from it; the
# server comes back -> 150 again -> the VIP comes back. Failed requests
# during each move are counted and printed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_track.sh"
net_init track_http
VIP=198.51.100.100
N1=198.51.100.11
N2=198.51.100.12

net_bridge
net_host n1 $N1/24
net_host n2 $N2/24
net_host c 198.51.100.200/24

tr_http_check_script
# track_http <own address>: the instance's track group.
track_http() {
	printf 'track = { scripts = ( { name = "http"; command = "%s"; args = [ "%s" ];
	  interval = 100; timeout = 500; weight = -100; rise = 1; fall = 1; } ); };' \
		"$T/check_http.sh" "$1"
}
web_conf n1 150 "$(track_http $N1)"
web_conf n2 100 "$(track_http $N2)"
check "the config with a track script is valid (clustd -t)" \
	nsx n1 "$CLUSTD" -t -f "$T/n1.conf"

check "n1's web server answers" tr_web_start n1
check "n2's web server answers" tr_web_start n2
clustd_start n1
wait_until 10 only_holder n1 $VIP
clustd_start n2
sleep 1
check "n1 is the only VIP holder" only_holder n1 $VIP
check "n1: effective priority 150 (check passing)" wait_until 3 tr_prio_is n1 web 150
check "n2: effective priority 100 (check passing)" wait_until 3 tr_prio_is n2 web 100

capture_start adv "ip proto 112" || fail "capture started"
tr_client_start web c "http://$VIP/" 90
check "the client gets its answers from n1" wait_until 10 tr_client_answered web n1 0 5

# --- the master's web server dies
m1=$(log_lines n1)
m2=$(log_lines n2)
t0=$(now_ms)
tr_web_stop n1
if wait_log 5 n1 'web: track script http failed' "$m1"; then
	ok "n1 logged 'track script http failed' $(($(now_ms) - t0)) ms after its server died"
else
	fail "n1 logged 'track script http failed' after its server died"
fi
check "n1 logged 'effective priority 150 -> 50'" \
	wait_log 3 n1 'web: effective priority 150 -> 50' "$m1"
if wait_until 10 tr_client_answered web n2 "$t0" 3; then
	ok "the client gets its answers from n2 $(($(now_ms) - t0)) ms after n1's server died"
else
	fail "the client gets its answers from n2 after n1's server died (last: $(tr_client_last web))"
fi
t1=$(now_ms)
read -r out nfail nreq ff fn <<<"$(tr_outage web "$t0" "$t1" n2)"
diag "failover: outage $out ms (first failed request $ff, first answer from n2 $fn), $nfail of $nreq requests failed"
check "some requests failed while n1 held the VIP without a server ($nfail)" test "$nfail" -ge 1
check "client-visible outage under 3 s ($out ms)" eval '[ "$out" -ge 0 ] && [ "$out" -lt 3000 ]'
check "n2 holds the VIP alone" wait_until 3 only_holder n2 $VIP
check "n2 logged 'web: BACKUP -> MASTER'" log_has n2 'web: BACKUP -> MASTER' "$m2"
check "n1 logged 'web: MASTER -> BACKUP: higher priority advert'" \
	log_has n1 'web: MASTER -> BACKUP: higher priority advert' "$m1"
check "n1's status: priority 50, BACKUP" \
	eval 'tr_prio_is n1 web 50 && tr_inst_is n1 web state BACKUP'
check "n1's web instance is not in FAULT (a weighted check moves priority only)" \
	eval '! log_has n1 "web: [A-Z]+ -> FAULT" "$m1"'

# --- the server comes back
m1=$(log_lines n1)
m2=$(log_lines n2)
t0=$(now_ms)
check "n1's web server answers again" tr_web_start n1
check "n1 logged 'track script http OK'" wait_log 5 n1 'web: track script http OK' "$m1"
check "n1 logged 'effective priority 50 -> 150'" \
	wait_log 3 n1 'web: effective priority 50 -> 150' "$m1"
if wait_until 10 tr_client_answered web n1 "$t0" 3; then
	ok "the client gets its answers from n1 again $(($(now_ms) - t0)) ms after its server restart"
else
	fail "the client gets its answers from n1 again (last: $(tr_client_last web))"
fi
t1=$(now_ms)
read -r out nfail nreq ff fn <<<"$(tr_outage web "$t0" "$t1" n1)"
diag "failback: outage $out ms, $nfail of $nreq requests failed (first answer from n1 at $fn)"
check "failback costs at most 3 requests ($nfail failed)" test "$nfail" -le 3
check "n1 holds the VIP alone" wait_until 3 only_holder n1 $VIP
check "n1 logged 'web: BACKUP -> MASTER'" log_has n1 'web: BACKUP -> MASTER' "$m1"
check "n2 logged 'web: MASTER -> BACKUP'" wait_log 3 n2 'web: MASTER -> BACKUP' "$m2"
check "n1's status: priority 150, MASTER" \
	eval 'tr_prio_is n1 web 150 && tr_inst_is n1 web state MASTER'
sleep 0.3
tr_client_stop web
capture_stop adv
p1=$(tr_wire_prios adv $N1)
p2=$(tr_wire_prios adv $N2)
diag "priorities in n1's adverts: $p1; in n2's: $p2"
check "n1 advertised 150, then 50, then (master again) 150" test "$p1" = "150 50 150"
check "n2 advertised 100 while master" test "$p2" = "100"
total=$(grep -c . "$T/web.client")
bad=$(grep -c ' FAIL' "$T/web.client")
diag "client: $total requests, $bad failed in all"

done_testing
