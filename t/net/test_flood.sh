#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Flood resistance (issue #16 item 5): n1 (priority 200) is master and n2
# (100) backup of "web" (VRRPv3/IPv4, VRID 51, 100 ms). An on-link sender
# (t/tools/vrrp_flood.c, AF_PACKET, as fast as it can for 3 s) floods the
# group with adverts for other VRIDs, priority-254 adverts for VRID 51
# with a wrong checksum and priority-254 adverts for VRID 51 with TTL 64:
# any of them accepted would make n1 yield or n2 take over.
#
# With the kernel filter (the default): neither node changes state (the
# transition counters stay put), n1's adverts keep their interval on the
# wire (longest gap from a capture of what n1 sends), the drop counters
# grow by reason (node unknown_vrid, web bad_checksum and bad_ttl), the
# filter is attached and what it cut is exactly what the cut reasons
# counted (unknown_vrid + bad_ttl: each cut datagram counted once, bad
# checksums reach user space whole). Then node rx_filter = false by
# reload: the filter is detached, the same flood is counted alike by user
# space, and still no state changes.
# The checks pass single-quoted code to eval on purpose (late expansion).
# shellcheck disable=SC2016
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
net_init flood

for tool in cc tcpdump tshark jq; do
	command -v $tool >/dev/null || skip "$tool is not installed"
done
top=$(cd "$(dirname "$0")/../.." && pwd)
PROM=$top/t/tools/prom_check.py
FLOOD=$T/vrrp_flood
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$FLOOD" "$top/t/tools/vrrp_flood.c" ||
	skip "cannot build vrrp_flood"
INJ_IP=198.51.100.200
SECONDS_FLOOD=3
declare -A CPU0 CPU VR TT

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
net_host inj $INJ_IP/24
# shellcheck disable=SC2034
NET_HOSTS="n1 n2"

state() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" status --json 2>/dev/null | jq -r '.instances[0].state'
}
transitions() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" status --json 2>/dev/null |
		jq -c '.instances[0].counters.transitions'
}
metrics() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" metrics >"$2"
}
# mval <file> <name> [k=v...]: one sample (0 when absent).
mval() {
	/usr/bin/python3 "$PROM" "$@" 2>/dev/null || echo 0
}
delta() {
	echo $(($(mval "$T/$1.after" "${@:2}") - $(mval "$T/$1.before" "${@:2}")))
}
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$(clustd_pid "$1")/stat"
}

web_conf n1 200
web_conf n2 100
clustd_start n1
clustd_start n2
check "n1 becomes master" wait_until 15 eval '[ "$(state n1)" = MASTER ]'
check "n2 settles as backup" wait_until 10 backup_settled n2

# flood_round <tag>: snapshots, capture, flood, snapshots; sets FLOOD_OUT.
flood_round() {
	local n
	for n in n1 n2; do
		metrics $n "$T/$n.before"
		transitions $n >"$T/$n.tr.before"
		CPU0[$n]=$(cpu_ticks $n)
	done
	capture_start "adv-$1" "ip proto 112 and src host 198.51.100.11" v-n1 in ||
		fail "capture started"
	FLOOD_OUT=$(nsx inj "$FLOOD" --ifname eth0 --src $INJ_IP --vrid 51 --seconds $SECONDS_FLOOD)
	sleep 0.5
	capture_stop "adv-$1"
	for n in n1 n2; do
		metrics $n "$T/$n.after"
		transitions $n >"$T/$n.tr.after"
		CPU[$n]=$(($(cpu_ticks $n) - CPU0[$n]))
	done
	diag "$1: $FLOOD_OUT; CPU ticks (1/100 s) during it: n1 ${CPU[n1]}, n2 ${CPU[n2]}"
}

# assert_round <tag>: no state change, the interval held, counted by reason.
assert_round() {
	local n gap sent
	sent=$(echo "$FLOOD_OUT" | awk '{ print $2 }')
	check "$1: the flood sent packets ($FLOOD_OUT)" test "${sent:-0}" -gt 1000
	for n in n1 n2; do
		check "$1: $n changed no state ($(cat "$T/$n.tr.after"))" \
			cmp -s "$T/$n.tr.before" "$T/$n.tr.after"
	done
	check "$1: n1 is still master, n2 backup" eval '[ "$(state n1)" = MASTER ] && [ "$(state n2)" = BACKUP ]'
	gap=$(max_gap_ms "adv-$1" "vrrp && ip.src == 198.51.100.11")
	n=$(pcap_count "adv-$1" "vrrp && ip.src == 198.51.100.11")
	diag "$1: n1 sent $n adverts during the capture, longest gap $gap ms"
	check "$1: n1 kept advertising ($n adverts in ~$((SECONDS_FLOOD + 1)) s)" test "$n" -ge $((SECONDS_FLOOD * 8))
	check "$1: n1's longest advert gap under 200 ms ($gap)" test "$gap" -lt 200
	for n in n1 n2; do
		local vr ck tt ov
		vr=$(delta $n clustd_adverts_dropped_no_instance_total reason=unknown_vrid)
		ck=$(delta $n clustd_adverts_dropped_total instance=web reason=bad_checksum)
		tt=$(delta $n clustd_adverts_dropped_total instance=web reason=bad_ttl)
		ov=$(mval "$T/$n.after" clustd_rx_queue_overflows_total interface=eth0 family=ipv4)
		diag "$1: $n counted unknown_vrid +$vr, bad_checksum +$ck, bad_ttl +$tt; queue overflows $ov"
		check "$1: $n counted foreign VRIDs, bad checksums and bad TTLs (+$vr +$ck +$tt)" \
			test "$vr" -gt 100 -a "$ck" -gt 100 -a "$tt" -gt 100
		VR[$n]=$vr
		TT[$n]=$tt
	done
}

# ---- with the filter (default) ----
flood_round filter
assert_round filter
for n in n1 n2; do
	check "filter: attached on $n" \
		test "$(mval "$T/$n.after" clustd_rx_filter_active interface=eth0 family=ipv4)" = 1
	cut=$(delta $n clustd_adverts_cut_by_filter_total interface=eth0 family=ipv4)
	vr=${VR[$n]} tt=${TT[$n]}
	# Each cut datagram is counted once, under its reason; nothing else
	# is cut (the bad checksums pass whole, for user space).
	check "filter: $n: what the filter cut ($cut) = unknown_vrid + bad_ttl ($vr + $tt)" \
		test "$cut" -eq $((vr + tt))
done

# ---- without: node rx_filter = false, by reload ----
for n in n1 n2; do
	sed -i 's/^node = { /node = { rx_filter = false; /' "$T/$n.conf"
	clustd_signal $n HUP
done
check "reload: the filters are detached" wait_until 5 eval '
	metrics n1 "$T/n1.m" && metrics n2 "$T/n2.m" &&
	[ "$(mval "$T/n1.m" clustd_rx_filter_active interface=eth0 family=ipv4)" = 0 ] &&
	[ "$(mval "$T/n2.m" clustd_rx_filter_active interface=eth0 family=ipv4)" = 0 ]'
flood_round nofilter
assert_round nofilter
for n in n1 n2; do
	check "nofilter: $n cut nothing" \
		test "$(delta $n clustd_adverts_cut_by_filter_total interface=eth0 family=ipv4)" -eq 0
done
done_testing
