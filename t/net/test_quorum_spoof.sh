#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A holder of the cluster secret speaking for another member (finding B2),
# unicast mode, 3 nodes, heartbeats crafted by t/tools/hb_inject.py with
# the right key:
#  - under n2's name from n3's address while n2 is stopped: dropped as
#    wrong_source; n2 stays dead in n1's view (no false quorum member);
#  - n2 restarted, under its name with an incarnation of 2^64 - 1, from
#    n2's own address: dropped as future_incarnation; n1 keeps n2's real
#    incarnation and n2's real heartbeats are still accepted afterwards.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init quorum_spoof

cl_three_up
N1=$(cl_addr n1)
N2=$(cl_addr n2)
N3=$(cl_addr n3)
U64_MAX=18446744073709551615

# drop_of <kind>: n1's drop counter, "none" when n1 has no such counter.
drop_of() {
	local v
	v=$(cl_drop n1 "$1")
	case $v in
	'' | null) echo none ;;
	*) echo "$v" ;;
	esac
}

# drop_moved <kind> <before> <count>: the counter reached before + count.
drop_moved() {
	[ "$2" != none ] && [ "$(drop_of "$1")" = "$(($2 + $3))" ]
}

INC2=$(cl_inc_of n1 n2)
# 1. n2's name from n3's address while n2 is down.
clustd_signal n2 TERM
check "n2 exits on SIGTERM" clustd_wait_exit n2 10
check "n1 sees n2 dead" wait_until 3 cl_alive_is n1 n2 false
view=$(cl_view n1)
before=$(drop_of wrong_source)
cl_inject cl --to "$N1" --count 5 --spoof-src "$N3" \
	sign --secret-file "$T/secret" --node n2 --inc $((INC2 + 1)) --seq 1 >/dev/null ||
	fail "injector ran (n2 from n3's address)"
check "right after: n2 not alive in n1's view" cl_alive_is n1 n2 false
check "n2's name from n3's address counted as wrong_source ($before + 5)" \
	wait_until 3 drop_moved wrong_source "$before" 5
check "n2 stays dead in n1's view" cl_alive_is n1 n2 false
check "n1 logged the drop with its reason" log_has n1 'dropped heartbeat from 198.51.100.13: wrong_source'
check "n1's view unchanged ($view)" test "$(cl_view n1)" = "$view"
check "n2's incarnation in n1's view is still $INC2" test "$(cl_inc_of n1 n2)" = "$INC2"
check "n1 keeps quorum with n3, still MASTER" eval 'cl_quorum_is n1 true && cl_state_is n1 MASTER'

# 2. An incarnation far above the wall clock, from n2's own address.
clustd_start n2
check "n2 is back, alive in n1's view" wait_until 10 cl_alive_is n1 n2 true
INC2=$(cl_inc_of n1 n2)
before=$(drop_of future_incarnation)
cl_inject cl --to "$N1" --count 3 --spoof-src "$N2" \
	sign --secret-file "$T/secret" --node n2 --inc "$U64_MAX" --seq 1 >/dev/null ||
	fail "injector ran (incarnation 2^64-1)"
check "incarnation 2^64-1 counted as future_incarnation ($before + 3)" \
	wait_until 3 drop_moved future_incarnation "$before" 3
check "n1 still knows n2 at its real incarnation $INC2" test "$(cl_inc_of n1 n2)" = "$INC2"
sleep 1	# > dead interval: n2 is alive now only through heartbeats heard since
check "n2's real heartbeats are still accepted (alive, incarnation $INC2)" \
	eval 'cl_alive_is n1 n2 true && [ "$(cl_inc_of n1 n2)" = "$INC2" ]'

done_testing
