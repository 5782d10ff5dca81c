# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# t/net/lib_scale.sh - many instances on one node (test_scale.sh and
# scripts/bench-scale.sh). Source it after lib.sh.
#
# Instance i (1..N) is "i<i>", VRID i, VRRPv3, adverts every SC_IVL ms
# (100), one VIP 203.0.113.<i>/32, on interface eth<(i-1) % IFACES>. Every
# interface of a node is on a bridge of its own (br0..br3) and has an
# address of 198.51.100.0/24.

SC_IVL=${SC_IVL:-100}

# sc_topology <ifaces> <node...>: bridges br0.. and the nodes, each with
# eth0..eth<ifaces-1>; node number n (1, 2, ...) gets 198.51.100.<n*10+k+1>
# on eth<k>.
sc_topology() {
	local ifaces=$1 k n=0 node
	shift
	for ((k = 0; k < ifaces; k++)); do
		net_bridge "br$k"
	done
	for node in "$@"; do
		n=$((n + 1))
		net_host "$node" "198.51.100.$((n * 10 + 1))/24"
		for ((k = 1; k < ifaces; k++)); do
			net_attach "$node" "br$k" "eth$k" "198.51.100.$((n * 10 + k + 1))/24"
		done
	done
}

# sc_conf <node> <count> <ifaces> <prio> [<node extra>]: the node's config.
sc_conf() {
	local node=$1 count=$2 ifaces=$3 prio=$4 extra=${5:-} i sep=""
	{
		node_block "$node" | sed "s/};\$/$extra };/"
		echo "instances = ("
		for ((i = 1; i <= count; i++)); do
			printf '%s{ name = "i%d"; interface = "eth%d"; vrid = %d; priority = %d; advert_interval = %d;\n  vips = [ "203.0.113.%d/32" ]; }\n' \
				"$sep" "$i" $(((i - 1) % ifaces)) "$i" "$prio" "$SC_IVL" "$i"
			sep=","
		done
		echo ");"
	} | clustd_conf "$node"
}

# sc_vips <node>: how many of the 203.0.113.x VIPs the node holds.
sc_vips() {
	ip -n "${P}$1" -4 -o addr show 2>/dev/null | grep -c ' 203\.0\.113\.'
}

# sc_states <node>: "<MASTER count> <BACKUP count>" from clustd status.
sc_states() {
	nsx "$1" "$CLUSTD" -f "$T/$1.conf" status --json 2>/dev/null |
		jq -r '[.instances[].state] | "\(map(select(. == "MASTER")) | length) \(map(select(. == "BACKUP")) | length)"'
}

# ---- 64 VIPs on one instance (test_vips64.sh, bench-scale.sh) ----------
#
# Two instances on eth0: "v4" (VRID 41) with the 64 VIPs 203.0.113.1..64
# and "v6" (VRID 42) with 2001:db8:64::1..64 (an instance carries one
# family). Nodes need an IPv6 address on eth0 (net_host's third argument).

SC_VIPS=64

# sc_vips64_conf <node> <prio>
sc_vips64_conf() {
	local node=$1 prio=$2 i v4="" v6="" sep=""
	for ((i = 1; i <= SC_VIPS; i++)); do
		v4="$v4$sep\"203.0.113.$i/32\""
		v6="$v6$sep\"2001:db8:64::$(printf %x "$i")/128\""
		sep=", "
	done
	{
		node_block "$node"
		echo "instances = ("
		instance_block v4 eth0 41 "$prio" "X" | sed "s|\"X\"|$v4|"
		echo ","
		instance_block v6 eth0 42 "$prio" "X" | sed "s|\"X\"|$v6|"
		echo
		echo ");"
	} | clustd_conf "$node"
}

# sc_vips64_held <node>: how many of the 128 VIPs the node holds.
sc_vips64_held() {
	ip -n "${P}$1" -o addr show dev eth0 2>/dev/null |
		grep -cE ' (203\.0\.113\.[0-9]+|2001:db8:64::[0-9a-f]+)/'
}

# sc_announce_span <capture> <mac> <vrid> <v4|v6>: the first announcements
# by the instance's new master (source MAC <mac>) in the capture, against
# its first advert there (the transition: the advert leaves before the
# VIPs are added and announced). Prints
#   <VIPs announced> <ms from the advert to the last VIP's first
#   announcement> <announcements in all> <1 if every VIP's first
#   announcement came before any VIP's second, else 0>
# or "none" (status 1) without an advert; "tshark-failed" (status 1).
sc_announce_span() {
	local cap=$1 mac=$2 vrid=$3 fam=$4 t0 ann
	t0=$(pcap_fields "$cap" "vrrp && eth.src == $mac && vrrp.virt_rtr_id == $vrid" frame.time_epoch) ||
		{ echo tshark-failed; return 1; }
	t0=$(echo "$t0" | head -n 1)
	[ -n "$t0" ] || { echo none; return 1; }
	if [ "$fam" = v4 ]; then
		ann=$(pcap_fields "$cap" "arp && eth.src == $mac && arp.src.proto_ipv4 == arp.dst.proto_ipv4" \
			frame.time_epoch arp.dst.proto_ipv4)
	else
		ann=$(pcap_fields "$cap" "icmpv6.type == 136 && eth.src == $mac" \
			frame.time_epoch icmpv6.nd.na.target_address)
	fi || { echo tshark-failed; return 1; }
	printf '%s\n' "$ann" | awk -v t0="$t0" '
		NF == 2 { n++
			if (!($2 in first)) { first[$2] = $1; k++; if ($1 > last) last = $1 }
			else if (!($2 in second)) { second[$2] = $1; if (!s2 || $1 < s2) s2 = $1 } }
		END { printf "%d %d %d %d\n", k, k ? (last - t0) * 1000 + 0.5 : -1, n, (!s2 || last < s2) }'
}
