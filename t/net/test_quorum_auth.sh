#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The cluster plane under attack from a 4th host without the secret (a
# client namespace on the same segment, t/tools/hb_inject.py): garbage,
# a truncated heartbeat, a well-formed heartbeat signed with a wrong key
# and a replayed genuine heartbeat (captured with tcpdump on the bridge,
# re-sent with n2's address spoofed). Sent from the client's own address
# (no member's) they are all dropped before the MAC as unknown_source, so
# the deeper checks are reached with a member's address spoofed. Each
# moves exactly its drop counter in n1's `status --json` (bad_magic,
# short, bad_auth, replay, unknown_source) by the number of datagrams
# sent, nothing else, and the membership (alive, incarnations) does not
# change. A replay of a stopped member's heartbeat does not bring it back
# to life. With the right key: a version-2 heartbeat is other_version and
# one with a vote request twice for one instance malformed. Positive
# control: the injector's own encoder, with the right key, a vote request
# and a vote, and an unknown node name, lands in unknown_member (so the
# bad_auth case failed on the key alone, and version 3 with TLVs 9 and 10
# parses).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init quorum_auth

cl_three_up
N1=$(cl_addr n1)
N2=$(cl_addr n2)
N3=$(cl_addr n3)
KINDS="short bad_magic bad_auth malformed replay unknown_member own wrong_source future_incarnation oversize unknown_source other_version"

# A genuine heartbeat from n2 to n1, straight off n2's bridge port.
cl_capture_hb hb n2 n1 || fail "capture of n2's heartbeats started"
sleep 0.5
capture_stop hb
HB=$(cl_hb_payloads hb | grep -E '^434c484203..01' | tail -1)	# a heartbeat (version 3, kind 1)
diag "captured $(cl_hb_payloads hb | grep -c .) heartbeats n2 -> n1; replaying one of ${#HB} hex digits"
check "captured a genuine heartbeat (starts with the magic CLHB)" eval '[ "${HB:0:8}" = 434c4842 ]'

drops() {
	local k out=""
	for k in $KINDS; do
		out="$out $k=$(cl_drop n1 "$k")"
	done
	echo "${out# }"
}

# membership: alive flags and incarnations as n1 sees them.
membership() {
	cl_q n1 '[.cluster.members[] | "\(.name)=\(.alive)/\(.incarnation)"] | join(" ")'
}

# inject <expected kind> <count> <desc> <hb_inject args...>: send, then check
# that only <kind> moved, by count, and that the membership did not change.
inject() {
	local kind=$1 count=$2 desc=$3 before after mb ma want k v
	shift 3
	before=$(drops)
	mb=$(membership)
	cl_inject cl --to "$N1" --count "$count" "$@" >/dev/null ||
		{ fail "$desc: injector ran"; return; }
	want=$(($(cl_kv "$before" "$kind") + count))
	wait_until 3 eval '[ "$(cl_drop n1 '"$kind"')" -ge '"$want"' ]'
	sleep 0.2	# a stray extra drop would show up by now
	after=$(drops)
	ma=$(membership)
	diag "$desc: before: $before"
	diag "$desc: after:  $after"
	check "$desc: $kind moved by $count ($(cl_kv "$before" "$kind") -> $(cl_kv "$after" "$kind"))" \
		test "$(cl_kv "$after" "$kind")" -eq "$want"
	local others_ok=0
	for k in $KINDS; do
		[ "$k" = "$kind" ] && continue
		v=$(cl_kv "$after" "$k")
		[ "$v" = "$(cl_kv "$before" "$k")" ] || others_ok=1
	done
	check "$desc: no other drop counter moved" test "$others_ok" = 0
	check "$desc: membership unchanged ($ma)" test "$ma" = "$mb"
}

m1=$(log_lines n1)
inject unknown_source 3 "garbage from a non-member address" garbage --len 120
inject bad_magic 3 "garbage" --spoof-src "$N3" garbage --len 120
inject short 3 "truncated heartbeat (40 bytes)" --spoof-src "$N3" short --len 40
inject short 2 "empty datagram" --spoof-src "$N3" short --len 0
INC2=$(cl_inc_of n1 n2)
inject bad_auth 3 "heartbeat as n2 signed with a wrong key" --spoof-src "$N2" \
	sign --secret "not-the-cluster-secret-0123456789" --node n2 --inc $((INC2 + 1000)) --seq 1
check "n2's incarnation in n1's view is still $INC2" test "$(cl_inc_of n1 n2)" = "$INC2"
inject unknown_source 2 "replayed genuine heartbeat of n2 (client's own source)" raw --hex "$HB"
capture_start spoof "udp dst port 5798" v-cl || fail "capture on the client's port started"
inject replay 2 "replayed genuine heartbeat of n2 (source spoofed as n2)" --spoof-src "$N2" raw --hex "$HB"
capture_stop spoof
check "the spoofed replays left the client with n2's source address" \
	test "$(pcap_count spoof "ip.src == $N2 && eth.src == $(host_mac cl)")" -eq 2
INC3=$(cl_inc_of n1 n3)
inject other_version 3 "version-2 heartbeat as n3, right key" --spoof-src "$N3" \
	sign --secret-file "$T/secret" --node n3 --inc $((INC3 + 1000)) --seq 1 --version 2
inject malformed 2 "vote request twice for one instance, right key" --spoof-src "$N3" \
	sign --secret-file "$T/secret" --node n3 --inc $((INC3 + 1000)) --seq 1 \
	--request web:100 --request web:90
check "n3's incarnation in n1's view is still $INC3" test "$(cl_inc_of n1 n3)" = "$INC3"
inject unknown_member 1 "control: right key, unknown node name" --spoof-src "$N3" \
	sign --secret-file "$T/secret" --node intruder --inc 1 --seq 1 \
	--request web:100 --vote web:n1:7:8:500
check "n1 logged a rate-limited drop warning" log_has n1 'cluster: dropped heartbeat from 198.51.100.200' "$m1"
check "n1 still MASTER with quorum after the attacks" \
	eval 'cl_state_is n1 MASTER && cl_quorum_is n1 true && only_holder n1 $CL_VIP'
check "n1 log shows no state change during the attacks" eval '! log_has n1 "web: MASTER -> " "$m1"'

# A stopped member's old heartbeat must not revive it.
clustd_signal n2 TERM
check "n2 exits 0 on SIGTERM" eval "clustd_wait_exit n2 10 && [ \"\$(clustd_exit_code n2)\" = 0 ]"
check "n1 sees n2 dead after it stopped" wait_until 3 cl_alive_is n1 n2 false
sleep 0.3
mb=$(membership)
before=$(cl_drop n1 replay)
cl_inject cl --to "$N1" --count 3 --spoof-src "$N2" raw --hex "$HB" >/dev/null
wait_until 3 eval '[ "$(cl_drop n1 replay)" -ge $((before + 3)) ]'
check "replays of the stopped n2's heartbeat counted ($before -> $(cl_drop n1 replay))" \
	test "$(cl_drop n1 replay)" -eq $((before + 3))
check "n2 stays dead in n1's view" cl_alive_is n1 n2 false
check "membership unchanged by the replay ($(membership))" test "$(membership)" = "$mb"
check "n1 keeps quorum with n3 (2 of 3)" \
	eval '[ "$(cl_q n1 "[.cluster.alive, .cluster.has_quorum] | join(\" \")")" = "2 true" ]'

done_testing
