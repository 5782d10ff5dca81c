# SPDX-License-Identifier: GPL-2.0-or-later
# t/net/lib_votes.sh - helpers for the votes and witness tests (mastership
# by granted votes, issue 20).
#
# Source it after lib.sh and lib_cluster.sh:
#	. "$(dirname "$0")/lib.sh"
#	. "$(dirname "$0")/lib_cluster.sh"
#	. "$(dirname "$0")/lib_votes.sh"
#
# What lib_cluster.sh does not have: partial cuts with nft (one link between
# two nodes, everyone else still reaches both), routers that are not n1..nN
# (any name, any VIP, port and secret), a witness in its own namespace
# reached by routing, a sampler over a chosen set of nodes, and the count of
# two-holder episodes in a sample file. Timers come from lib_cluster.sh's
# CL_ADVERT, CL_HB, CL_DEAD, CL_LEASE.

VT_GW4=198.51.100.1	# the router's address on br0
VT_WGW4=203.0.113.1	# the router's address on the witness link
VT_WNET=203.0.113.0/24
VT_CUT_TABLE=clt_cut	# the nft table of a partial cut (not clustd's "inet clustd")

# ------------------------------------------------------------ topology

# vt_host_addr <node>: the address vt_router_host or vt_witness_net gave it,
# lib_cluster.sh's cl_addr for its n1..nN; "" if unknown.
vt_host_addr() {
	if [ -f "$T/$1.addr" ]; then
		cat "$T/$1.addr"
	else
		case $1 in
		n[0-9] | n[0-9][0-9]) cl_addr "$1" ;;
		esac
	fi
}

# vt_router_host <node> <ipv4>: a VRRP router on br0 with a route to the
# witness network through the router namespace gw (see vt_witness_net).
vt_router_host() {
	net_host "$1" "$2/24"
	echo "$2" >"$T/$1.addr"
	ip -n "${P}$1" route add "$VT_WNET" via "$VT_GW4" || exit 2
}

# vt_witness_net <wname> <w ipv4>: the router namespace gw (on br0, address
# VT_GW4, forwarding on) and the witness namespace <wname>, linked by a veth
# pair (gw eth1 VT_WGW4, witness eth0 <w ipv4>) and routed both ways. The
# witness is not on br0: it takes no VRRP traffic, only routed UDP.
vt_witness_net() {
	local w=$1 a=$2
	net_host gw "$VT_GW4/24"
	nsx gw sysctl -qw net.ipv4.ip_forward=1 >/dev/null || exit 2
	net_ns_add "${P}$w"
	ip -n "${P}$w" link set lo up || exit 2
	ip -n "${P}gw" link add eth1 type veth peer name eth0 netns "${P}$w" || exit 2
	ip -n "${P}gw" addr add "$VT_WGW4/24" dev eth1 || exit 2
	ip -n "${P}$w" addr add "$a/24" dev eth0 || exit 2
	ip -n "${P}gw" link set eth1 up || exit 2
	ip -n "${P}$w" link set eth0 up || exit 2
	ip -n "${P}$w" route add 198.51.100.0/24 via "$VT_WGW4" || exit 2
	echo "$a" >"$T/$w.addr"
}

# ---------------------------------------------------------------- config

# vt_members <node>...: a members list over those nodes (their vt_host_addr).
vt_members() {
	local n sep=""
	for n in "$@"; do
		printf '%s\n    { name = "%s"; address = "%s"; }' "$sep" "$n" "$(vt_host_addr "$n")"
		sep=","
	done
}

# vt_cluster_group <secret> <port> <members...> [-- <extra settings>]: one
# cluster group's body (without braces) over those members, with the CL_*
# timers.
vt_cluster_group() {
	local secret=$1 port=$2 extra="" m=()
	shift 2
	while [ $# -gt 0 ]; do
		[ "$1" = -- ] && { shift; extra="$*"; break; }
		m+=("$1")
		shift
	done
	printf 'secret_file = "%s"; port = %s; heartbeat_interval = %s; dead_interval = %s; %s\n  members = ( %s );' \
		"$secret" "$port" "$CL_HB" "$CL_DEAD" "$extra" "$(vt_members "${m[@]}")"
}

# vt_router_conf <node> <prio> <instance> <vrid> <vip> <secret> <port> <members...>:
# a router: one instance on eth0 (advert CL_ADVERT, preempt on, VIP /24) and
# one cluster plane over the members.
vt_router_conf() {
	local node=$1 prio=$2 inst=$3 vrid=$4 vip=$5 secret=$6 port=$7
	shift 7
	{
		node_block "$node" | sed "s/ };\$/ vip_lease = $CL_LEASE; };/"
		echo "instances = ("
		printf '  { name = "%s"; interface = "eth0"; vrid = %s; priority = %s;\n' "$inst" "$vrid" "$prio"
		printf '    advert_interval = %s; preempt = true; vips = [ "%s/24" ]; }\n' "$CL_ADVERT" "$vip"
		echo ");"
		echo "cluster = { $(vt_cluster_group "$secret" "$port" "$@") };"
	} | clustd_conf "$node"
}

# vt_witness_conf <node> <group>...: a witness: `cluster` and no instances.
# One group: `cluster = { ... };`; several: `cluster = ( {...}, {...} );`.
# Each <group> is a body from vt_cluster_group (with `name = ...;` in its
# extra settings when there are several).
vt_witness_conf() {
	local node=$1 g sep=""
	shift
	{
		node_block "$node"
		if [ $# -eq 1 ]; then
			echo "cluster = { $1 };"
		else
			echo "cluster = ("
			for g in "$@"; do
				printf '%s  { %s }\n' "$sep" "$g"
				sep=","
			done
			echo ");"
		fi
	} | clustd_conf "$node"
}

# ---------------------------------------------------------------- status

# vt_true <node> <jq filter>: the filter is true on the node's status. An
# empty answer (no daemon, a crash) is false: `jq -e` alone would take empty
# input for success.
vt_true() {
	local s
	s=$(cl_status "$1")
	[ -n "$s" ] && printf '%s\n' "$s" | jq -e "$2" >/dev/null 2>&1
}

# vt_wants <node> <jq filter> [<timeout_s>]: vt_true, once or polled until
# the timeout.
vt_wants() {
	if [ "${3:-0}" = 0 ]; then
		vt_true "$1" "$2"
	else
		wait_until "$3" vt_true "$1" "$2"
	fi
}

# vt_after <ms or -1> <t0>: "<ms - t0> ms" or "never" (for diag lines).
vt_after() {
	if [ "$1" -gt 0 ] 2>/dev/null; then
		echo "$(($1 - $2)) ms"
	else
		echo never
	fi
}

# vt_refused_by <node>: "member:with" for every refusal the node's first
# instance reports (status .instances[0].votes.refused_by), space separated.
vt_refused_by() {
	cl_q "$1" '[.instances[0].votes.refused_by[]? | "\(.member):\(.with)"] | join(" ")'
}

# vt_voter_refused <node> <reason>: the voter's refusal counter (status
# .cluster.voter.refused.<reason>), "null" when the daemon has none.
vt_voter_refused() {
	cl_q "$1" ".cluster.voter.refused.$2"
}

# vt_num <value>: the value if it is a whole number, else -1 (null, "",
# an error), so that a numeric test on a missing counter fails cleanly.
vt_num() {
	case $1 in
	'' | *[!0-9]*) echo -1 ;;
	*) echo "$1" ;;
	esac
}

# ------------------------------------------------------------ partial cuts

# vt_cut_pair <a> <b>: drop everything between a and b, both directions, in
# both namespaces (nft table inet clt_cut: input by source, output by
# destination, the peer's address; VRRP multicast, unicast heartbeats,
# everything). Nobody else is affected: the bridge still forwards.
vt_cut_pair() {
	local a=$1 b=$2
	vt_cut_one "$a" "$(vt_host_addr "$b")" && vt_cut_one "$b" "$(vt_host_addr "$a")"
}

# vt_cut_one <node> <peer address>
vt_cut_one() {
	[ -n "$2" ] || { fail "cut: no address for the peer of $1"; return 1; }
	nsx "$1" nft -f - <<-EOF || { fail "cut: nft in $1"; return 1; }
	table inet $VT_CUT_TABLE {
		chain in { type filter hook input priority -300; policy accept;
			ip saddr $2 counter drop; }
		chain out { type filter hook output priority -300; policy accept;
			ip daddr $2 counter drop; }
	}
	EOF
}

# vt_cut_dropped <node>: packets the node's cut dropped on input so far
# (-1 without a cut table).
vt_cut_dropped() {
	local n
	n=$(nsx "$1" nft list chain inet "$VT_CUT_TABLE" in 2>/dev/null |
		sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | head -n 1)
	vt_num "$n"
}

# vt_heal_pair <a> <b>: remove the cut tables.
vt_heal_pair() {
	local n rc=0
	for n in "$1" "$2"; do
		nsx "$n" nft delete table inet "$VT_CUT_TABLE" || { fail "heal: nft in $n"; rc=1; }
	done
	return $rc
}

# -------------------------------------------------------------- samplers

# vt_sampler_start <name> <max_s> <vip> <nodes...>: lib_cluster.sh's 10 ms
# sampler over those nodes and that VIP (cl_sampler_stop, cl_analyze,
# cl_first and vt_episodes read it).
vt_sampler_start() {
	CL_VIP=$3 CL_NODES="${*:4}" cl_sampler_start "$1" "$2"
}

# vt_dump <name> [<from_ms> [<to_ms>]]: the window's samples, "<wall ms>
# <holder>..." ("-none-" for none).
vt_dump() {
	local args=()
	[ -n "${2:-}" ] && args+=(--from "$2")
	[ -n "${3:-}" ] && args+=(--to "$3")
	python3 "$CL_SAMPLER" dump "$T/$1.samples" "${args[@]}"
}

# vt_episodes <name> <min_ms> [<from_ms> [<to_ms>]]: how many episodes of two
# or more holders lasted longer than min_ms. An episode is a run of
# consecutive samples with >= 2 holders; its length runs from its first
# sample to the first sample after it (an upper bound of the real overlap,
# as cl_analyze's overlap_ms), so one 10 ms sample is ~10 ms, never more
# than 20 ms unless the sampler itself stalled.
vt_episodes() {
	vt_dump "$1" "${3:-}" "${4:-}" |
		awk -v min="$2" '
			{ multi = (NF >= 3) }
			multi && !run { run = 1; start = $1 }
			!multi && run { run = 0; if ($1 - start > min) n++ }
			{ last = $1 }
			END { if (run && last - start > min) n++; print n + 0 }'
}

# vt_episode_list <name> [<from_ms> [<to_ms>]]: "+<start>ms/<length>ms(<holders>)"
# per two-holder episode, start relative to from_ms, for diag lines (at most
# 10).
vt_episode_list() {
	vt_dump "$@" |
		awk -v rel="${2:-0}" '
			{ multi = (NF >= 3) }
			multi && !run { run = 1; start = $1; who = $2 "+" $3 }
			!multi && run { run = 0; if (n++ < 10) printf "+%.0fms/%.0fms(%s) ", start - rel, $1 - start, who }' |
		sed 's/ $//'
}

# vt_absent <name> <node> [<from_ms> [<to_ms>]]: samples without the node.
vt_absent() {
	vt_dump "$1" "${3:-}" "${4:-}" |
		awk -v n="$2" '{ f = 0; for (i = 2; i <= NF; i++) if ($i == n) f = 1; if (!f) c++ } END { print c + 0 }'
}

# vt_failover_max_ms <prio>: the bound on a failover after a SIGKILL of the
# master, to a backup of that priority: its Master_Down_Interval, one
# heartbeat (its request, the voters' grants) and 300 ms of test slack.
vt_failover_max_ms() {
	echo $(($(cl_mdi_ms "$1") + CL_HB + 300))
}

# vt_sleep_until <wall ms>
vt_sleep_until() {
	local d=$(($1 - $(now_ms)))
	[ "$d" -gt 0 ] && sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
	return 0
}
