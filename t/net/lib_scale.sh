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
