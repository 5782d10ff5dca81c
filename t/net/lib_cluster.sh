# SPDX-License-Identifier: GPL-2.0-or-later
# t/net/lib_cluster.sh - helpers for the quorum tests (cluster plane).
#
# Source it after lib.sh:
#	. "$(dirname "$0")/lib.sh"
#	. "$(dirname "$0")/lib_cluster.sh"
#
# Nodes are n1..nN at 198.51.100.(10+K) on br0; a partition moves the bridge
# side of some nodes (v-nK) to a second bridge br1 in the same bridge
# namespace, so every carrier stays up and the only thing a node can notice
# is silence. Timers (ms) come from CL_ADVERT, CL_HB, CL_DEAD, CL_LEASE.

: "${CL_ADVERT:=500}"	# advert_interval of instance "web"
: "${CL_HB:=100}"	# cluster.heartbeat_interval
: "${CL_DEAD:=600}"	# cluster.dead_interval (dead + 50 <= 2 * advert)
: "${CL_SLACK:=50}"	# the daemon's default scheduling slack
: "${CL_LEASE:=3000}"	# node.vip_lease
CL_VIP=198.51.100.100
CL_NODES=""		# n1 .. nN, set by cl_setup
CL_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)
CL_SAMPLER="$CL_TOOLS/vip_sampler.py"
CL_INJECT="$CL_TOOLS/hb_inject.py"

# cl_addr <nK|witness>: the node's address (a witness's: cl_witness_host).
cl_addr() {
	local w="CL_WADDR_$1"
	if [ -n "${!w:-}" ]; then
		echo "${!w}"
	else
		echo "198.51.100.$((10 + ${1#n}))"
	fi
}

# cl_secret <path>: 48 hex characters of secret, mode 600.
cl_secret() {
	(umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$1")
}

# cl_setup <n>: bridges br0 and br1, nodes n1..n<n>, the secret $T/secret.
cl_setup() {
	local i
	net_bridge br0
	net_bridge br1
	for i in $(seq 1 "$1"); do
		net_host "n$i" "$(cl_addr "n$i")/24"
		CL_NODES="$CL_NODES n$i"
	done
	CL_NODES=${CL_NODES# }
	cl_secret "$T/secret"
}

# ---------------------------------------------------------- clustd -t
# (test_quorum_config, test_witness_config)

# run_t <file>: clustd -t -f $T/<file>: status in $rc, stderr in $err,
# stdout in $T/<file>.out.
run_t() {
	err=$("$CLUSTD" -t -f "$T/$1" 2>&1 >"$T/$1.out")
	rc=$?
}

# expect_ok <desc> <file>: exit 0, nothing on stderr.
expect_ok() {
	run_t "$2"
	if [ "$rc" = 0 ] && [ -z "$err" ]; then
		ok "$1: accepted (exit 0, nothing on stderr)"
	else
		fail "$1: accepted (got $rc: $err)"
	fi
}

# expect_err <desc> <file> <line> <ERE>
expect_err() {
	run_t "$2"
	if [ "$rc" = 1 ] && echo "$err" | grep -Eq "^$T/$2:$3: .*$4"; then
		ok "$1: exit 1 with '$2:$3: ...$4...'"
		diag "$(echo "$err" | head -1 | sed "s|$T/||")"
	else
		fail "$1: exit 1 with '$2:$3: ...$4...' (got $rc: $err)"
	fi
}

# ------------------------------------------------------------ witness
#
# A witness lives in its own namespace, routed, not on the bridge (what
# the witness is for: plain UDP from anywhere). cl_witness_host makes
#   ${P}wr  an IP router: eth0 on br0 at CL_WITNESS_GW/24, forwarding on,
#           203.0.113.1/32 on its side of each witness's veth (w-<name>);
#   ${P}<name>  the witness: eth0 = <addr>/24 (default 203.0.113.9),
#           default route via 203.0.113.1;
# and a route to 203.0.113.0/24 via CL_WITNESS_GW in every node of
# CL_NODES (so call it after cl_setup; cl_witness_route <node> for a node
# made later). The witness joins CL_WITNESSES, which cl_members lists after
# the nodes: every cl_conf written afterwards counts it as a member.
# cl_witness_conf writes its config; clustd_start <name> runs it.

CL_WITNESS_GW=198.51.100.254
CL_WITNESSES=""

# cl_witness_route <node>: the node reaches the witnesses' segment.
cl_witness_route() {
	ip -n "${P}$1" route add 203.0.113.0/24 via "$CL_WITNESS_GW" || { fail "route on $1"; return 1; }
}

# cl_witness_host <name> [<ipv4>]: see above. The name must be a shell word
# of letters and digits (w, w1...).
cl_witness_host() {
	local name=$1 addr=${2:-203.0.113.9} n
	if [ ! -e "/run/netns/${P}wr" ]; then
		net_ns_add "${P}wr"
		ip -n "${P}wr" link set lo up || exit 2
		net_attach wr br0 eth0 "$CL_WITNESS_GW/24"
		nsx wr sysctl -qw net.ipv4.ip_forward=1 >/dev/null || exit 2
		for n in $CL_NODES; do
			cl_witness_route "$n"
		done
	fi
	net_ns_add "${P}$name"
	ip -n "${P}$name" link set lo up || exit 2
	ip -n "${P}wr" link add "w-$name" type veth peer name eth0 netns "${P}$name" || exit 2
	ip -n "${P}wr" addr add 203.0.113.1/32 dev "w-$name" || exit 2
	ip -n "${P}wr" link set "w-$name" up || exit 2
	ip -n "${P}wr" route add "$addr/32" dev "w-$name" || exit 2
	ip -n "${P}$name" addr add "$addr/24" dev eth0 || exit 2
	ip -n "${P}$name" link set eth0 up || exit 2
	ip -n "${P}$name" route add default via 203.0.113.1 || exit 2
	printf -v "CL_WADDR_$name" %s "$addr"
	CL_WITNESSES="${CL_WITNESSES:+$CL_WITNESSES }$name"
}

# cl_witness_conf <name> [<extra cluster settings>]: the witness's config:
# one cluster of CL_NODES and CL_WITNESSES with the nodes' timers
# (heartbeat CL_HB, dead_interval CL_DEAD, so vote_lease too), secret
# $T/secret, no instances.
cl_witness_conf() {
	local name=$1 cextra=${2:-}
	mkdir -p "$T/$name/state" "$T/$name/run"
	cat >"$T/$name.conf" <<-EOF
	node = { name = "$name"; state_dir = "$T/$name/state"; run_dir = "$T/$name/run"; };
	cluster = { secret_file = "${CL_SECRET:-$T/secret}"; heartbeat_interval = $CL_HB;
	  dead_interval = $CL_DEAD; $cextra
	  members = ( $(cl_members) ); };
	EOF
}

# cl_three_up: nodes n1..n3 with priorities 200, 150, 100 and a client cl
# (198.51.100.200, no member, no secret); all started, n1 the only master
# and seeing all three alive. Ends the test when n1 does not become master.
cl_three_up() {
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
	check "n1 sees 3 alive" wait_until 5 eval '[ "$(cl_view n1)" = "n1=true n2=true n3=true" ]'
}

# cl_members: the members list of every node in CL_NODES, then of every
# witness in CL_WITNESSES.
cl_members() {
	local n sep=""
	for n in $CL_NODES $CL_WITNESSES; do
		printf '%s\n    { name = "%s"; address = "%s"; }' "$sep" "$n" "$(cl_addr "$n")"
		sep=","
	done
}

# cl_conf <node> <prio> [<extra cluster settings>] [<extra instance settings>]:
# one instance "web" on eth0 (VRID 51, VIP 198.51.100.100/24, advert
# CL_ADVERT, preempt on) and the cluster plane over all CL_NODES.
cl_conf() {
	local node=$1 prio=$2 cextra=${3:-} iextra=${4:-}
	mkdir -p "$T/$node/state" "$T/$node/run"
	cat >"$T/$node.conf" <<-EOF
	node = { name = "$node"; state_dir = "$T/$node/state"; run_dir = "$T/$node/run";
	  vip_lease = $CL_LEASE; };
	instances = (
	  { name = "web"; interface = "eth0"; vrid = 51; priority = $prio;
	    advert_interval = $CL_ADVERT; preempt = true; $iextra
	    vips = [ "$CL_VIP/24" ]; }
	);
	cluster = { secret_file = "${CL_SECRET:-$T/secret}"; heartbeat_interval = $CL_HB;
	  dead_interval = $CL_DEAD; $cextra
	  members = ( $(cl_members) ); };
	EOF
}

# cl_mdi_ms <prio>: Master_Down_Interval of a backup with that priority
# (3 x interval + skew, in whole centiseconds as the daemon computes it).
cl_mdi_ms() {
	local cs=$((CL_ADVERT / 10))
	echo $(((3 * cs + (256 - $1) * cs / 256) * 10))
}

# ------------------------------------------------------------ status

# cl_status <node>: `clustd status --json` inside the node.
cl_status() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" status --json 2>/dev/null
}

# cl_q <node> <jq filter>: one value out of the node's status.
cl_q() {
	cl_status "$1" | jq -r "$2" 2>/dev/null
}

# cl_drop <node> <kind>: a cluster.drops counter (short, bad_magic, ...).
cl_drop() {
	cl_q "$1" ".cluster.drops.$2"
}

# cl_view <node>: "n1=true n2=false ..." - who the node thinks is alive.
cl_view() {
	cl_q "$1" '[.cluster.members[] | "\(.name)=\(.alive)"] | join(" ")'
}

# cl_inc_of <node> <member>: the incarnation node knows for member.
cl_inc_of() {
	cl_q "$1" ".cluster.members[] | select(.name == \"$2\") | .incarnation // \"none\""
}

# cl_alive_of <node> <member>: true/false.
cl_alive_of() {
	cl_q "$1" ".cluster.members[] | select(.name == \"$2\") | .alive"
}

# cl_state <node>: the state of instance web.
cl_state() {
	cl_q "$1" '.instances[] | select(.name == "web") | .state'
}

cl_state_is() {
	[ "$(cl_state "$1")" = "$2" ]
}

cl_quorum_is() {
	[ "$(cl_q "$1" .cluster.has_quorum)" = "$2" ]
}

cl_alive_is() {
	[ "$(cl_alive_of "$1" "$2")" = "$3" ]
}

# ----------------------------------------------------------- daemons

# cl_start_all [<nodes>]: start them together (quorum needs company).
cl_start_all() {
	local n
	for n in ${1:-$CL_NODES}; do
		clustd_start "$n"
	done
}

# cl_holder [<nodes>]: the one node among them holding the VIP ("" if
# none, "a b" if several).
cl_holder() {
	local n out=""
	for n in ${1:-$CL_NODES}; do
		has_vip "$n" "$CL_VIP" && out="$out $n"
	done
	echo "${out# }"
}

# cl_one_holder_in "<nodes>": exactly one of them holds the VIP.
cl_one_holder_in() {
	local h
	h=$(cl_holder "$1")
	[ -n "$h" ] && [ "$h" = "${h%% *}" ]
}

# cl_stable_master <node> <s>: wait until node is the only holder and
# MASTER in its own status.
cl_stable_master() {
	wait_until "$2" only_holder "$1" "$CL_VIP" && wait_until 3 cl_state_is "$1" MASTER
}

# -------------------------------------------------------- partitions

# cl_cut <nodes...>: move those nodes' bridge ports to br1. Carrier stays up.
cl_cut() {
	local n
	for n in "$@"; do
		echo "link set v-$n master br1"
	done | ip -n "${P}br" -batch - || { fail "cut $*"; return 1; }
}

# cl_heal: every node's port back on br0.
cl_heal() {
	local n
	for n in $CL_NODES; do
		echo "link set v-$n master br0"
	done | ip -n "${P}br" -batch - || { fail "heal"; return 1; }
}

# ---------------------------------------------------------- sampling

# cl_sampler_start <name> [<max_s>]: 10 ms VIP sampler over every node, into
# $T/<name>.samples; stops at cl_sampler_stop or after max_s (default 120).
cl_sampler_start() {
	local name=$1 max_s=${2:-120} n args=() pid
	for n in $CL_NODES; do
		args+=("$n=${P}$n")
	done
	rm -f "$T/$name.stop"
	python3 "$CL_SAMPLER" sample --vip "$CL_VIP" --dev eth0 --period-ms 10 \
		--max-s "$max_s" --stop "$T/$name.stop" --out "$T/$name.samples" \
		"${args[@]}" 2>"$T/$name.sampler.err" &
	pid=$!
	echo "$pid" >"$T/$name.sampler.pid"
	NET_BG_PIDS="$NET_BG_PIDS $pid"
	# Ready once the header and a first sample are out.
	wait_until 10 cl_has_sample "$T/$name.samples" || {
		fail "sampler $name started"
		cat "$T/$name.sampler.err" >&2
		return 1
	}
}

cl_has_sample() {
	grep -vq '^#' "$1" 2>/dev/null
}

# cl_sampler_stop <name>
cl_sampler_stop() {
	local pid
	: >"$T/$1.stop"
	pid=$(cat "$T/$1.sampler.pid" 2>/dev/null)
	[ -n "$pid" ] || return 1
	wait_until 3 eval "! net_pid_alive $pid"
	net_stop_pid "$pid" 1000
	if [ -s "$T/$1.sampler.err" ]; then
		diag "sampler $1 stderr: $(head -c 300 "$T/$1.sampler.err")"
	fi
	# Asked for 10 ms (cl_sampler_start): the run's real mean period.
	sampler_period_check "VIP sampler $1" "$T/$1.samples" 10
}

# cl_analyze <name> [<from_ms> [<to_ms>]]: key=value figures of the window
# (wall-clock ms as now_ms); see t/tools/vip_sampler.py.
cl_analyze() {
	local args=()
	[ -n "${2:-}" ] && args+=(--from "$2")
	[ -n "${3:-}" ] && args+=(--to "$3")
	python3 "$CL_SAMPLER" analyze "$T/$1.samples" "${args[@]}"
}

# cl_kv "<key=value ...>" <key>
cl_kv() {
	local kv
	for kv in $1; do
		[ "${kv%%=*}" = "$2" ] && { echo "${kv#*=}"; return 0; }
	done
	echo ""
}

# cl_first <name> <from_ms> <to_ms|""> <--present N|--absent N|--only N|--any-of A,B|--multi>:
# wall ms of the first matching sample, -1 if none.
cl_first() {
	local name=$1 from=$2 to=$3 args=()
	shift 3
	args=(--from "$from")
	[ -n "$to" ] && args+=(--to "$to")
	python3 "$CL_SAMPLER" first "$T/$name.samples" "${args[@]}" "$@"
}

# ------------------------------------------------------------ wire

# cl_capture_hb <name> <from-node> <to-node>: start capturing the
# heartbeats from one node to another on the sender's bridge port.
cl_capture_hb() {
	capture_start "$1" "udp dst port 5798 and src host $(cl_addr "$2") and dst host $(cl_addr "$3")" "v-$2"
}

# cl_hb_payloads <name>: the captured UDP payloads, hex, one per line.
cl_hb_payloads() {
	pcap_fields "$1" "udp.dstport == 5798" udp.payload | tr -d ':'
}

# cl_inject <client> <args...>: t/tools/hb_inject.py inside the client.
cl_inject() {
	local c=$1
	shift
	nsx "$c" python3 "$CL_INJECT" "$@"
}

# ------------------------------------------------------------- logs

# cl_log_ms <node> <ERE> [<mark>]: wall-clock ms of the first log line
# after mark that matches (the daemon stamps lines to the ms), or "".
cl_log_ms() {
	local line
	line=$(log_since "$1" "${3:-0}" | grep -E -m1 -- "$2") || { echo ""; return 1; }
	date -d "${line%% *}" +%s%3N 2>/dev/null
}

# cl_ts <wall ms>: the daemon's log timestamp format for that instant.
cl_ts() {
	printf '%s.%03d' "$(date -d "@$(($1 / 1000))" +%Y-%m-%dT%H:%M:%S)" $(($1 % 1000))
}

# cl_log_window <from_ms> <to_ms> <ERE>: "<node>: <line>" for every daemon
# log line stamped within the window that matches (evidence for diag).
cl_log_window() {
	local from to n
	from=$(cl_ts "$1")
	to=$(cl_ts "$2")
	for n in $CL_NODES; do
		awk -v a="$from" -v b="$to" -v n="$n" '$1 >= a && $1 <= b { print n ": " $0 }' \
			"$T/$n.log" 2>/dev/null | grep -E -- "$3"
	done | sort -t' ' -k2,2
}

# ------------------------------------------------------ quorum sampling

CL_QSAMPLER="$CL_TOOLS/quorum_sampler.py"

# cl_qsampler_start <name> [<max_s>]: every node's has_quorum (its control
# socket, "status json") every 50 ms into $T/<name>.qsamples, until
# cl_qsampler_stop or max_s (default 120).
cl_qsampler_start() {
	local name=$1 max_s=${2:-120} n args=() pid
	for n in $CL_NODES; do
		args+=("$n=$T/$n/run/clustd.sock")
	done
	rm -f "$T/$name.qstop"
	python3 "$CL_QSAMPLER" sample --period-ms 50 --max-s "$max_s" --stop "$T/$name.qstop" \
		--out "$T/$name.qsamples" "${args[@]}" 2>"$T/$name.qsampler.err" &
	pid=$!
	echo "$pid" >"$T/$name.qsampler.pid"
	NET_BG_PIDS="$NET_BG_PIDS $pid"
	wait_until 10 grep -q . "$T/$name.qsamples" 2>/dev/null || {
		fail "quorum sampler $name started"
		cat "$T/$name.qsampler.err" >&2
		return 1
	}
}

# cl_qsampler_stop <name>: stop it and check that it kept its period.
cl_qsampler_stop() {
	local pid
	: >"$T/$1.qstop"
	pid=$(cat "$T/$1.qsampler.pid" 2>/dev/null)
	[ -n "$pid" ] || return 1
	wait_until 3 eval "! net_pid_alive $pid"
	net_stop_pid "$pid" 1000
	[ -s "$T/$1.qsampler.err" ] && diag "quorum sampler $1 stderr: $(head -c 300 "$T/$1.qsampler.err")"
	sampler_period_check "quorum sampler $1" "$T/$1.qsamples" 50
}

# cl_qanalyze <name>: "rounds=N ... lost=<node:rounds,...|none> first_lost=<ms|-1>".
cl_qanalyze() {
	python3 "$CL_QSAMPLER" analyze "$T/$1.qsamples"
}

# cl_check_only_holder "<cl_analyze output>" <node> <desc>: the node held
# the VIP alone in every sample (no gap, no second holder).
cl_check_only_holder() {
	check "$3" test "$(cl_kv "$1" holders)" = "$2" -a "$(cl_kv "$1" none)" = 0 -a "$(cl_kv "$1" multi)" = 0
}
