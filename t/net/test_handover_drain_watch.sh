#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Drains as drivers see them (issues 10 and 11; clustd-drivers(7), the
# "drain" message), 3 nodes with votes: n1 200, n2 150, n3 100, and on n1
# `clustd watch` (text), `clustd watch --json` and `clustd watch --exec`.
#  1. `clustd drain` on the master n1: the watches print "DRAINED by node"
#     before the handover's MASTER -> BACKUP, numbered one after the other;
#     PROG runs for the transition, not for the drain.
#  2. n1 restarted while drained: the watch reconnects and its snapshot
#     says DRAINED.
#  3. `clustd undrain`: UNDRAINED, then n1 preempts (BACKUP -> MASTER).
#  4. On n3, by name then the node: `drain web` (DRAINED by name), `drain`
#     (now DRAINED by node), `undrain web` (nothing: still the node's),
#     `undrain` (UNDRAINED).
# Every number a watch saw over one connection is contiguous from its
# snapshot's on (events and drains share them).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
. "$(dirname "$0")/lib_drivers.sh"
. "$(dirname "$0")/lib_handover.sh"
net_init handover_drain_watch

cl_three_up
PROG=$(drv_prog "$T/prog.out")
drv_watch text1 n1 --id text1
drv_watch json1 n1 --id json1 --json
drv_watch exec1 n1 --id exec1 --exec "$PROG"
drv_watch json3 n3 --id json3 --json
for w in text1 json1 exec1 json3; do
	check "$w: connected" wait_log_file 10 "$T/$w.err" "connected to .* as $w"
done
check "exec1: PROG ran once for the state at connect" wait_until 5 eval '[ "$(wc -l <"$T/prog.out")" = 1 ]'

# json_lines <name> <type>: that watch's JSON lines of the type (the
# daemon's own lines: clustd watch --json prints them as they come).
json_lines() {
	grep -s "\"type\":\"$2\"" "$T/$1.out"
}

# contiguous <name> [<connection>]: the events and drains of the watch's
# n-th connection (default 1) run from its "synced" seq + 1 without a gap.
contiguous() {
	awk -v want="${2:-1}" '/"type":"synced"/ { c++ } c == want { print }' "$T/$1.out" |
		jq -rs '(map(select(.type == "synced")) | .[0].seq) as $b
			| [.[] | select(.type == "event" or .type == "drain") | .seq]
			| length > 0 and . == [range($b + 1; $b + 1 + length)]' | grep -qx true
}

# ---- 1. drain the master
ho_run n1 drain
check "drain n1: exit 0" test "$HO_RC" = 0
check "text1: prints the drain, then the handover's transition" \
	wait_until 5 eval 'grep -Eq "web: MASTER -> BACKUP, priority 200 \(seq [0-9]+\): handing over to n2" "$T/text1.out"'
drain_line=$(grep -E 'web: DRAINED by node, MASTER, priority 200 \(seq [0-9]+\): clustd drain$' "$T/text1.out")
check "text1: \"web: DRAINED by node, MASTER, ...: clustd drain\"" test -n "$drain_line"
dseq=$(json_lines json1 drain | head -n 1 | jq -r .seq)
eseq=$(json_lines json1 event | jq -r 'select(.from == "MASTER" and .to == "BACKUP") | .seq' | head -n 1)
diag "json1: drain seq $dseq, MASTER -> BACKUP seq $eseq"
check "json1: the drain comes first, the transition has the next number" test "$((dseq + 1))" = "${eseq:-0}"
check "json1: the drain line says drained by the node, in MASTER" \
	eval 'json_lines json1 drain | head -n 1 | jq -e ".drained == true and .drained_by == \"node\" and .state == \"MASTER\" and .instance == \"web\" and .reason == \"clustd drain\"" >/dev/null'
check "json1: the transition says drained too" \
	eval 'json_lines json1 event | jq -se "map(select(.seq == $eseq)) | .[0].drained == true" >/dev/null'
check "json3 (n3, not drained): no drain line (n1's drain is n1's)" test -z "$(json_lines json3 drain)"
check "exec1: PROG ran for BACKUP, not for the drain (2 runs in all)" \
	wait_until 5 eval '[ "$(wc -l <"$T/prog.out")" = 2 ] && tail -n 1 "$T/prog.out" | grep -q "state=BACKUP seq=$eseq "'
check "json1: contiguous numbers" contiguous json1
check "n2 is master" cl_stable_master n2 3

# ---- 2. restart while drained: the snapshot says it
clustd_signal n1 TERM
check "n1: clustd stopped" clustd_wait_exit n1 10
clustd_start n1
check "text1: reconnected" \
	wait_until 15 eval '[ "$(grep -c "connected to .* as text1" "$T/text1.err")" = 2 ]'
check "text1: the snapshot after the restart says DRAINED by node" \
	wait_until 5 eval 'grep -Eq "^web: (BACKUP|FAULT), DRAINED by node, priority 200, VIPs " "$T/text1.out"'
check "json1: the snapshot after the restart has drained: true, by the node" \
	wait_until 5 eval 'json_lines json1 snapshot | tail -n 1 | jq -e ".drained == true and .drained_by == \"node\"" >/dev/null'
check "json1: no drain line for a drain kept across the restart" test "$(json_lines json1 drain | wc -l)" = 1
check "n1 sees all three alive" wait_until 10 eval '[ "$(cl_view n1)" = "n1=true n2=true n3=true" ]'

# ---- 3. undrain: told, then preemption
ho_run n1 undrain
check "undrain n1: exit 0" test "$HO_RC" = 0
check "text1: \"web: UNDRAINED, BACKUP, ...: clustd undrain\"" \
	wait_until 5 eval 'grep -Eq "web: UNDRAINED, BACKUP, priority 200 \(seq [0-9]+\): clustd undrain$" "$T/text1.out"'
check "n1 preempts" cl_stable_master n1 5
check "text1: then BACKUP -> MASTER" \
	wait_until 5 eval 'grep -Eq "web: BACKUP -> MASTER, priority 200 \(seq [0-9]+\)" "$T/text1.out"'
check "json1: the undrain line says drained: false, drained_by: null" \
	eval 'json_lines json1 drain | tail -n 1 | jq -e ".drained == false and .drained_by == null and .reason == \"clustd undrain\"" >/dev/null'
check "json1: contiguous numbers after the reconnection" contiguous json1 2
check "exec1: PROG ran for MASTER after the undrain" \
	wait_until 5 eval 'tail -n 1 "$T/prog.out" | grep -q " state=MASTER "'
check "exec1: PROG never ran for a drain or an undrain" eval '! grep -q "reason=clustd \(un\)\?drain" "$T/prog.out"'

# ---- 4. by name, then the node, on a backup
ho_run n3 drain web
ho_run n3 drain
ho_run n3 undrain web
check "undrain web on a drained node: it says web is still drained" ho_says 'web: still drained'
ho_run n3 undrain
check "json3: three drain lines: by name, by the node, undrained" \
	wait_until 5 eval '[ "$(json_lines json3 drain | jq -r "\"\(.drained)/\(.drained_by)\"" | tr "\n" " ")" = "true/instance true/node false/null " ]'
check "json3: contiguous numbers" contiguous json3
check "n1 is still master" cl_stable_master n1 2

for w in text1 json1 exec1 json3; do
	drv_stop "$w"
done
done_testing
