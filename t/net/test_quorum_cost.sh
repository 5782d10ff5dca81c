#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What an unauthenticated datagram costs (finding B6), unicast, 3 nodes.
# A client that is no member sends datagrams with a valid header and no
# valid MAC: oversize ones (40000 bytes, above the largest message the limits allow) are dropped as `oversize`, small
# ones as `unknown_source`, both before the MAC is computed (bad_auth and
# bad_magic do not move). The same from a member's (spoofed) address
# still reaches the MAC check (bad_auth: positive control), unless its
# header says version 2 (other_version, before the MAC). On the wire,
# a member's heartbeats carry no counters; the counters travel in pieces
# (kind 2) of at most 1200 bytes, no datagram is IP-fragmented, and n1
# holds n2's counters from them.
# CL_HB_VERSION=1 makes the injected header version 1 (to show the cost on
# a version 1 daemon, which HMACs it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init quorum_cost

cl_three_up
N1=$(cl_addr n1)
CAP_SNAPLEN=65535	# whole datagrams
N3=$(cl_addr n3)
VERSION=${CL_HB_VERSION:-3}
KINDS="short bad_magic bad_auth malformed replay unknown_member own oversize unknown_source other_version"

drops() {
	local k v out=""
	for k in $KINDS; do
		v=$(cl_drop n1 "$k")
		case $v in '' | null) v=none ;; esac
		out="$out $k=$v"
	done
	echo "${out# }"
}

# flood <kind> <count> <desc> <hb_inject args...>: only <kind> moves, by count.
flood() {
	local kind=$1 count=$2 desc=$3 before after k moved=""
	shift 3
	before=$(drops)
	cl_inject cl --to "$N1" --count "$count" "$@" >/dev/null || { fail "$desc: injector ran"; return; }
	wait_until 3 eval '[ "$(cl_drop n1 '"$kind"')" = "$(($(cl_kv "$before" "$kind" | sed s/none/-1000/) + count))" ]'
	sleep 0.2
	after=$(drops)
	diag "$desc: before: $before"
	diag "$desc: after:  $after"
	for k in $KINDS; do
		[ "$(cl_kv "$before" "$k")" = "$(cl_kv "$after" "$k")" ] || moved="$moved $k"
	done
	check "$desc: $kind moved by $count, nothing else (moved:$moved)" \
		test "$moved" = " $kind" -a "$(cl_kv "$before" "$kind")" != none
}

flood oversize 5 "40000-byte datagrams from a non-member" pad --len 40000 --version "$VERSION"
flood unknown_source 5 "1000-byte datagrams from a non-member" pad --len 1000 --version "$VERSION"
flood bad_auth 3 "control: from a member's address the MAC is checked" \
	--spoof-src "$N3" pad --len 1000 --version "$VERSION"
if [ "$VERSION" = 3 ]; then	# a daemon that knows other_version
	flood other_version 3 "a version-2 header from a member's address: before the MAC" \
		--spoof-src "$N3" pad --len 1000 --version 2
fi

# The wire: n2 -> n1 for 2 s (counters go out at least once a second).
cl_capture_hb wire n2 n1 || fail "capture n2 -> n1 started"
sleep 2.2
capture_stop wire
pcap_fields wire "udp.dstport == 5798" udp.length udp.payload | tr -d ':' >"$T/wire.hex"
frags=$(pcap_count wire "ip.flags.mf == 1 || ip.frag_offset > 0")
diag "captured $(grep -c . "$T/wire.hex") datagrams n2 -> n1, $frags IP fragments"
check "no IP fragments n2 -> n1" test "$frags" = 0
summary=$(python3 - "$T/wire.hex" <<'PY'
import sys
hb = pieces = big = counters_in_hb = bad = 0
for line in open(sys.argv[1]):  # UDP length, payload (cut at the snap length)
    udp_len, _, payload = line.strip().partition("\t")
    b = bytes.fromhex(payload)
    if len(b) < 8 or b[:4] != b"CLHB":
        bad += 1
        continue
    big += int(udp_len) - 8 > 1200
    if b[6] == 2:
        pieces += 1
        continue
    hb += 1
    off, end = 24, min(len(b), int(udp_len) - 8 - 32)
    while off + 3 <= end:
        t, n = b[off], int.from_bytes(b[off + 1:off + 3], "big")
        counters_in_hb += t in (3, 5)
        off += 3 + n
print("heartbeats=%d pieces=%d over_1200=%d counters_in_heartbeats=%d unparsed=%d"
      % (hb, pieces, big, counters_in_hb, bad))
PY
)
diag "$summary"
check "heartbeats captured" test "$(cl_kv "$summary" heartbeats)" -ge 10
check "no heartbeat carries counters (TLV 3 or 5)" test "$(cl_kv "$summary" counters_in_heartbeats)" = 0
check "counters went as pieces (kind 2)" test "$(cl_kv "$summary" pieces)" -ge 1
check "no datagram over 1200 bytes" test "$(cl_kv "$summary" over_1200)" = 0
check "n1 holds n2's counters (from the pieces)" \
	test "$(cl_q n1 '.cluster.members[] | select(.name == "n2") | .counters_copy.restarts')" -ge 1

done_testing
