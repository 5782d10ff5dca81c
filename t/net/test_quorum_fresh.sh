#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Replay to a freshly started node (finding B5), unicast, 3 nodes. A
# genuine capture of n2's heartbeats to n1 is taken; n2 is stopped and n1
# restarted (it has no history of n2). The capture replayed from n2's own
# (spoofed) address, one heartbeat every 100 ms in order, must never make
# n2 alive in n1's view: liveness needs a heartbeat that echoes n1's nonce
# of this run, which no recording does. Positive control: the real n2,
# started again, is alive in n1's view within seconds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init quorum_fresh

cl_three_up
N1=$(cl_addr n1)
CAP_SNAPLEN=65535	# whole datagrams
N2=$(cl_addr n2)

cl_capture_hb rec n2 n1 || fail "capture of n2's heartbeats started"
sleep 1.5
capture_stop rec
# Heartbeats only (version 3, kind 1), in order.
cl_hb_payloads rec | grep -E '^434c484203..01' | head -12 >"$T/rec.hex"
diag "recorded $(grep -c . "$T/rec.hex") heartbeats n2 -> n1"
check "recorded at least 10 heartbeats" test "$(grep -c . "$T/rec.hex")" -ge 10

clustd_signal n2 TERM
check "n2 exits on SIGTERM" clustd_wait_exit n2 10
clustd_signal n1 TERM
check "n1 exits on SIGTERM" clustd_wait_exit n1 10
clustd_start n1
check "restarted n1 sees n3 (quorum)" wait_until 10 cl_quorum_is n1 true
check "restarted n1 sees n2 dead" cl_alive_is n1 n2 false

alive_seen=""
while read -r hex; do
	cl_inject cl --to "$N1" --spoof-src "$N2" raw --hex "$hex" >/dev/null ||
		{ fail "injector ran"; break; }
	sleep 0.1
	[ "$(cl_alive_of n1 n2)" = true ] && alive_seen="$alive_seen $(date +%s%3N)"
done <"$T/rec.hex"
diag "n1's view of n2 after the replay: $(cl_q n1 '.cluster.members[] | select(.name == "n2")
	| "alive=\(.alive) incarnation=\(.incarnation // "none")"')"
check "the replayed recording never made n2 alive in n1's view (alive at:$alive_seen)" \
	test -z "$alive_seen"
check "n1 still counts 2 alive" test "$(cl_q n1 .cluster.alive)" = 2

clustd_start n2
check "control: the real n2 is alive in n1's view again" wait_until 10 cl_alive_is n1 n2 true

done_testing
