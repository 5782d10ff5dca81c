#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Counters survive crashes: 50 SIGKILL/restart cycles at random moments,
# 25 while the node is MASTER and 25 while it is BACKUP. Before each kill
# the node's counters are read through `clustd status --json`; after the
# restart no counter (node or instance, time in state included) may be
# lower, `restarts` and `unclean_restarts` have grown by exactly one, and
# the incarnation has grown. The counters must also really move (adverts,
# transitions), so the test cannot pass on zeros.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_counters.sh"
net_init counters_kill
VIP=198.51.100.100
CYCLES=${COUNTER_CYCLES:-25}

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
web_conf n1 200
web_conf n2 100
clustd_start n1
clustd_start n2
check "n1 (priority 200) becomes master" wait_until 15 ct_state_is n1 MASTER
check "n2 is backup" wait_until 5 ct_state_is n2 BACKUP

# cycle <node> <state it must be in at the kill>: one read-kill-restart-read;
# prints nothing, counts into the globals.
regressions=0 bad_restarts=0 lost=0
cycle() {
	local node=$1 want=$2 before="$T/$1.before" after="$T/$1.after" r
	wait_until 15 ct_state_is "$node" "$want" || { lost=$((lost + 1)); return; }
	ct_snapshot "$node" "$before" || { lost=$((lost + 1)); return; }
	# a random moment within the next 300 ms
	sleep "0.$(printf '%03d' $((RANDOM % 300)))"
	clustd_kill "$node"
	clustd_start "$node"
	wait_until 10 ct_status_up "$node" || { lost=$((lost + 1)); return; }
	ct_snapshot "$node" "$after" || { lost=$((lost + 1)); return; }
	r=$(ct_regressions "$before" "$after")
	if [ -n "$r" ]; then
		regressions=$((regressions + 1))
		diag "$node ($want): lower after the restart: $(echo "$r" | head -3 | tr '\n' ';')"
	fi
	for k in node.restarts node.unclean_restarts; do
		if [ "$(ct_get "$after" $k)" != "$(($(ct_get "$before" $k) + 1))" ]; then
			bad_restarts=$((bad_restarts + 1))
			diag "$node: $k $(ct_get "$before" $k) -> $(ct_get "$after" $k)"
		fi
	done
	[ "$(ct_get "$after" node.incarnation)" -gt "$(ct_get "$before" node.incarnation)" ] ||
		bad_restarts=$((bad_restarts + 1))
}

ct_snapshot n1 "$T/n1.first"
ct_snapshot n2 "$T/n2.first"
for i in $(seq 1 "$CYCLES"); do
	cycle n1 MASTER
	cycle n2 BACKUP
done
check "every cycle read, killed, restarted and read again ($lost lost)" test "$lost" -eq 0
check "no counter went down in $((2 * CYCLES)) SIGKILL/restart cycles ($regressions cycles with a lower value)" \
	test "$regressions" -eq 0
check "restarts, unclean_restarts and incarnation grew by one per kill ($bad_restarts off)" \
	test "$bad_restarts" -eq 0

ct_snapshot n1 "$T/n1.last"
ct_snapshot n2 "$T/n2.last"
check "n1 counted $CYCLES unclean restarts since the first read" \
	test "$(($(ct_get "$T/n1.last" node.unclean_restarts) - $(ct_get "$T/n1.first" node.unclean_restarts)))" -eq "$CYCLES"
check "n1's adverts_sent kept growing across the kills ($(ct_get "$T/n1.first" inst.web.adverts_sent) -> $(ct_get "$T/n1.last" inst.web.adverts_sent))" \
	test "$(ct_get "$T/n1.last" inst.web.adverts_sent)" -gt $(($(ct_get "$T/n1.first" inst.web.adverts_sent) + CYCLES))
check "n1 counted its takeovers (failovers $(ct_get "$T/n1.last" inst.web.failovers) >= $CYCLES)" \
	test "$(ct_get "$T/n1.last" inst.web.failovers)" -ge "$CYCLES"
check "n2 counted every start as INIT -> BACKUP ($(ct_get "$T/n2.last" 'inst.web.transitions.INIT->BACKUP') > $CYCLES)" \
	test "$(ct_get "$T/n2.last" 'inst.web.transitions.INIT->BACKUP')" -gt "$CYCLES"
check "time in BACKUP accumulates on n2 across the kills" \
	test "$(ct_get "$T/n2.last" inst.web.state_ms.BACKUP)" -gt "$(ct_get "$T/n2.first" inst.web.state_ms.BACKUP)"
check "the file is valid after the last kill (independent reader)" \
	"$CT_TOOL" newest "$T/n1/state/counters"
done_testing
