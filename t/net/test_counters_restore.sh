#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Counters and incarnation come back from the peers, 3 nodes with the
# cluster plane. Every node heartbeats its counters; every peer keeps the
# latest copy (visible in its status). n2's state_dir is emptied (a new
# disk) after a clean stop, then after a SIGKILL, and finally its file is
# replaced by garbage: each time n2 starts, asks the members for their
# copy, logs what came back, and resumes with no counter below what it had
# (clean stop) or below the copy its peers held (kill), restarts + 1, an
# incarnation above every one the peers saw (they accept it at once), and
# the VIP never has two holders.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
. "$(dirname "$0")/lib_counters.sh"
net_init counters_restore

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
# Some history for n2: it takes over while n1 is away, then yields.
clustd_kill n1
check "n2 takes over while n1 is down" wait_until 10 cl_state_is n2 MASTER
clustd_start n1
check "n1 is master again" cl_stable_master n1 15
cl_sampler_start s 180 || done_testing

# copy_of <holder> <member> <file>: the copy of member's counters that
# holder keeps, flattened like ct_flat.
copy_of() {
	ct_status "$1" | jq -r --arg m "$2" '.cluster.members[] | select(.name == $m) | .counters_copy
		| {node: del(.instances, .age_ms, .bytes), inst: .instances}
		| paths(numbers) as $p | "\($p | map(tostring) | join(".")) \(getpath($p))"' >"$3" 2>/dev/null &&
		[ -s "$3" ]
}

# restored <what> <reference snapshot> <incarnation before>: n2 came back
# from its peers to at least the reference.
restored() {
	local what=$1 ref=$2 inc0=$3 r inc
	check "$what: n2 says the restore finished" \
		wait_until 15 eval 'log_since n2 $MARK | grep -q "counters: restore finished"'
	check "$what: n2 logs a copy from a peer" \
		eval 'log_since n2 $MARK | grep -Eq "counters: member n[13] held a copy"'
	ct_snapshot n2 "$T/after" || fail "$what: n2 status"
	r=$(ct_regressions "$ref" "$T/after" | grep -v '^node.incarnation ')
	check "$what: no counter below the reference ($(echo "$r" | head -2 | tr '\n' ';'))" test -z "$r"
	check "$what: restarts = reference + 1 ($(ct_get "$ref" node.restarts) -> $(ct_get "$T/after" node.restarts))" \
		test "$(ct_get "$T/after" node.restarts)" = "$(($(ct_get "$ref" node.restarts) + 1))"
	inc=$(ct_get "$T/after" node.incarnation)
	check "$what: incarnation above the old one ($inc0 -> $inc)" test "$inc" -gt "$inc0"
	check "$what: n1 and n3 see n2 alive with incarnation $inc" wait_until 5 eval \
		'[ "$(cl_inc_of n1 n2)" = "$inc" ] && [ "$(cl_inc_of n3 n2)" = "$inc" ] && [ "$(cl_alive_of n1 n2)" = true ]'
	check "$what: status says where the counters came from" \
		test -n "$(ct_q n2 .persistence.restore)"
}

# 1. Clean stop, new disk.
ct_snapshot n2 "$T/before"
inc0=$(ct_get "$T/before" node.incarnation)
clustd_signal n2 TERM
clustd_wait_exit n2 10
check "clean stop: n1 holds n2's final counters" wait_until 5 copy_of n1 n2 "$T/held"
r=$(ct_regressions "$T/before" "$T/held" | grep -v '^node.incarnation ')
check "clean stop: n1's copy is not below what n2 showed last ($(echo "$r" | head -2 | tr '\n' ';'))" test -z "$r"
rm -rf "$T/n2/state"
mkdir -p "$T/n2/state"
MARK=$(log_lines n2)
clustd_start n2
restored "new disk after a clean stop" "$T/before" "$inc0"

# 2. SIGKILL, new disk: back to at least the copy the peers held.
sleep 1
copy_of n3 n2 "$T/held3" || fail "n3 holds a copy of n2"
inc0=$(cl_inc_of n1 n2)
clustd_kill n2
copy_of n1 n2 "$T/held1" || fail "n1 holds a copy of n2"
rm -rf "$T/n2/state"
mkdir -p "$T/n2/state"
MARK=$(log_lines n2)
clustd_start n2
restored "new disk after SIGKILL" "$T/held1" "$inc0"
r=$(ct_regressions "$T/held3" "$T/after" | grep -v '^node.incarnation ')
check "new disk after SIGKILL: not below n3's copy either" test -z "$r"

# 3. Garbage file (incarnation file kept): restored too, the bad file kept.
sleep 1
ct_snapshot n2 "$T/before"
inc0=$(ct_get "$T/before" node.incarnation)
clustd_signal n2 TERM
clustd_wait_exit n2 10
head -c 65536 /dev/urandom >"$T/n2/state/counters"
MARK=$(log_lines n2)
clustd_start n2
restored "garbage file" "$T/before" "$inc0"
check "garbage file: set aside as counters.bad" test -e "$T/n2/state/counters.bad"

cl_sampler_stop s
a=$(cl_analyze s)
diag "VIP samples over the three restores: $a"
check "n1 held the VIP alone in every sample" \
	test "$(cl_kv "$a" holders)" = n1 -a "$(cl_kv "$a" none)" = 0 -a "$(cl_kv "$a" multi)" = 0
done_testing
