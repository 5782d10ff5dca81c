#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/bench-votes.sh <clustd-binary>: what mastership by granted votes
# (doc/quorum.md) does to a failover, next to the previous release, and
# what a witness costs. See "Votes and the witness" in doc/bench.md.
#
# Part 1, failover: bench.sh's topology (n1 198.51.100.11 prio 100, n2 .12
# prio 150, n3 .13 prio 200, VRID 51, VIP 198.51.100.100, n3 master) with
# a cluster plane over n1..n3. Each run SIGKILLs n3 and measures n2's
# takeover on the wire (bench-lib's bench_run: last advert of n3 to first
# advert of n2, and to n2's first gratuitous ARP for the VIP), once with
# <clustd-binary> ("votes") and once with the previous release ("today",
# built from BV_OLD_REV by scripts/build-old-clustd.sh). The cluster timers
# of each advert interval I are valid for both: dead + slack <= 2 I (the
# liveness bound of both), and vote_lease L (votes only) with
# L (1 - 1e-3) - slack >= 4 heartbeats and L (1 + 1e-3) <= 2 I.
#
# Part 2, witness: a witness (a config with `cluster` and no instances)
# serving 1, then 10 clusters of two routers each. The routers are real
# clustd nodes (the release build), 2 per cluster, heartbeats every 100 ms:
# t/tools/hb_inject.py sends one heartbeat per call and reads none, so it
# cannot echo the witness's current nonce: the witness would count it dead
# and grant it nothing. Over BV_WITNESS_S seconds of steady state: the witness's VmRSS
# and VmHWM (/proc/<pid>/status), its CPU (utime + stime from
# /proc/<pid>/stat, and on-CPU time from /proc/<pid>/schedstat), the
# cluster datagrams to and from it on its bridge port, and the votes it
# holds (`clustd status --json`, outside the window).
#
# Environment:
#   BV_RUNS=5             SIGKILL runs per advert interval and version
#   BV_SERIES="100:20:150:150 1000:200:1500:1500"
#                         advert interval : heartbeat : dead_interval : vote_lease (ms)
#   BV_OLD_REV=6903475    the release "today" is built from
#   BV_OLD=PATH           use this binary as "today" instead of building it
#   BV_CLUSTERS="1 10"    clusters the witness serves, one measurement each
#   BV_WITNESS_S=30       steady-state window (s) of each witness measurement
#   BV_PARTS="failover witness"
#   BENCH_OUT=FILE        also write the tables and raw data there
#   KEEP=1                keep the work dir $T (logs, captures)
#
# Exits 1 when a figure is missing, also when <clustd-binary> has no votes
# (its master's status shows no votes.needed: its series run under a
# WARNING) or no witness (the witness config is rejected). A build that
# has votes but not the cluster.vote_lease key runs with its default
# lease, dead_interval, which is what BV_SERIES sets by default.
# shellcheck source-path=SCRIPTDIR
set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 <clustd-binary>" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
top=${here%/scripts}
RUNS_EACH=${BV_RUNS:-5}
SERIES=${BV_SERIES:-100:20:150:150 1000:200:1500:1500}
OLD_REV=${BV_OLD_REV:-6903475}
CLUSTERS=${BV_CLUSTERS:-1 10}
WITNESS_S=${BV_WITNESS_S:-30}
PARTS=${BV_PARTS:-failover witness}
SLACK=50		# cluster.slack, the daemons' default, set explicitly
W_HB=100		# witness part: heartbeat_interval of every cluster
W_DEAD=1000		# its dead_interval (10 heartbeats); vote_lease defaults to it
W_ADVERT=1000		# the routers' advert interval (dead + slack <= 2 x advert)
W_ADDR=198.51.100.250	# the witness
MAX_CLUSTERS=10

die() {
	echo "bench-votes: $*" >&2
	exit 2
}

say() {
	echo "bench-votes: $*"
}

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
[ -x "$1" ] || die "$1 is not an executable clustd binary"
command -v jq tshark tcpdump | grep -c / | grep -qx 3 || die "needs jq, tshark and tcpdump (make deps)"
for v in "$RUNS_EACH" "$WITNESS_S" $CLUSTERS; do
	case $v in
	'' | *[!0-9]* | 0*) die "'$v' is not a positive integer (BV_* settings)" ;;
	esac
done
for k in $CLUSTERS; do
	[ "$k" -le $MAX_CLUSTERS ] || die "BV_CLUSTERS: at most $MAX_CLUSTERS clusters"
done

# timers_valid <ivl> <hb> <dead> <lease>: the settings both versions accept
# (the message says which rule fails). Integer forms of the rules above,
# with rho = 1/1000.
timers_valid() {
	local ivl=$1 hb=$2 dead=$3 lease=$4
	[ $((ivl % 10)) -eq 0 ] || { echo "advert interval $ivl is not a multiple of 10 ms"; return 1; }
	[ $((3 * hb)) -le "$dead" ] || { echo "dead_interval $dead < 3 heartbeats of $hb"; return 1; }
	[ $((dead + SLACK)) -le $((2 * ivl)) ] ||
		{ echo "dead_interval $dead + slack $SLACK > 2 x $ivl"; return 1; }
	[ $((lease * 999 - 1000 * SLACK)) -ge $((4000 * hb)) ] ||
		{ echo "vote_lease $lease x 0.999 - slack $SLACK < 4 heartbeats of $hb"; return 1; }
	[ $((lease * 1001)) -le $((2000 * ivl)) ] ||
		{ echo "vote_lease $lease x 1.001 > 2 x $ivl"; return 1; }
}

for s in $SERIES; do
	case $s in
	[1-9]*:[1-9]*:[1-9]*:[1-9]*) ;;
	*) die "BV_SERIES entry '$s' is not <advert>:<heartbeat>:<dead>:<lease>" ;;
	esac
	IFS=: read -r ivl hb dead lease <<<"$s"
	why=$(timers_valid "$ivl" "$hb" "$dead" "$lease") || die "BV_SERIES $s: $why"
done
why=$(timers_valid "$W_ADVERT" "$W_HB" "$W_DEAD" "$W_DEAD") || die "witness timers: $why"

NEW_BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
if [ -n "${BV_OLD:-}" ]; then
	OLD_BIN=$BV_OLD
	OLD_LABEL=$BV_OLD
else
	case " $PARTS " in
	*" failover "*)
		OLD_BIN=$("$here/build-old-clustd.sh" "$OLD_REV" "$top/build/old") ||
			die "cannot build clustd $OLD_REV (scripts/build-old-clustd.sh)"
		OLD_BIN=${OLD_BIN##*$'\n'}	# the path is its last line
		;;
	*) OLD_BIN=$NEW_BIN ;;
	esac
	OLD_LABEL=$OLD_REV
fi
[ -x "$OLD_BIN" ] || die "'$OLD_BIN' (today's clustd) is not executable"
CLUSTD=$NEW_BIN
export CLUSTD

# shellcheck source=../t/net/lib.sh
. "$top/t/net/lib.sh"
# shellcheck source=../t/net/lib_cluster.sh
. "$top/t/net/lib_cluster.sh"
# shellcheck source=bench-lib.sh
. "$here/bench-lib.sh"

failures=0

net_init bench-votes
# Private copies: a rebuild in the middle of the run must not mix two
# versions in one set of figures.
cp "$NEW_BIN" "$T/clustd-votes" && cp "$OLD_BIN" "$T/clustd-today" || exit 2
declare -A BIN=([votes]=$T/clustd-votes [today]=$T/clustd-today)
CLUSTD=${BIN[votes]}
net_bridge
RUNS=$T/runs.tsv	# version ivl run "failover_ms sig_to_new_ms"|FAIL... t_event t_end adv_to_garp_ms
WIT=$T/witness.tsv	# see witness_phase
: >"$RUNS"
: >"$WIT"

# members <name=address>...: a cluster's members list.
members() {
	local m sep=""
	for m in "$@"; do
		printf '%s { name = "%s"; address = "%s"; }' "$sep" "${m%=*}" "${m#*=}"
		sep=","
	done
}

# conf_ok <node>: the binary in CLUSTD accepts the node's config (clustd -t).
conf_ok() {
	"$CLUSTD" -t -f "$T/$1.conf" >>"$T/$1.log" 2>&1
}

# ------------------------------------------------------------ failover

# fo_conf <version> <node> <prio> <ivl> <hb> <dead> <lease>: bench.sh's
# instance and the cluster plane over n1..n3; vote_lease for votes only
# (the release before it rejects the key), and only if the build has them.
fo_conf() {
	local ver=$1 node=$2 lease_kv=""
	[ "$ver" = votes ] && [ "$LEASE_KEY" = 1 ] && lease_kv="vote_lease = $7;"
	impl_conf clustd "$node" "$3" "$4" || return 1
	cat >>"$T/$node.conf" <<-EOF
	cluster = { secret_file = "$T/secret"; heartbeat_interval = $5;
	  dead_interval = $6; slack = $SLACK; $lease_kv
	  members = ( $(members n1=198.51.100.11 n2=198.51.100.12 n3=198.51.100.13) ); };
	EOF
	conf_ok "$node" || { say "$ver: $node's configuration rejected (see $T/$node.log)"; return 1; }
}

# probe_lease_key <ivl> <hb> <dead> <lease>: sets LEASE_KEY to 0 when the
# votes binary rejects cluster.vote_lease but takes the same config
# without it. Its series then run without the key: the daemon's default
# lease (dead_interval) applies, and the results say so.
probe_lease_key() {
	LEASE_KEY=1
	CLUSTD=${BIN[votes]}
	fo_conf votes n1 100 "$@" >/dev/null && return 0
	LEASE_KEY=0
	fo_conf votes n1 100 "$@" >/dev/null && return 0
	LEASE_KEY=1
}

# votes_check <ivl>: after a votes series started, does its master hold
# votes (status: the instance's votes.needed)? A build without votes
# shows none: the series is measured, under a WARNING, and counted
# as a missing figure.
votes_check() {
	local needed
	needed=$(cl_q "$OLD" '[.instances[]? | .votes.needed? // empty][0] // "none"')
	case $needed in
	[1-9]*) VOTES_SEEN="$VOTES_SEEN $1:$needed" ;;
	*)
		say "WARNING: ${BIN[votes]} shows no votes (status has no votes.needed): a build from before the feature?"
		VOTES_MISSING="$VOTES_MISSING $1"
		failures=$((failures + 1))
		;;
	esac
}

# all_alive <node>: the node sees the three members alive.
# shellcheck disable=SC2317 # called through wait_until
all_alive() {
	[ "$(cl_q "$1" '.cluster.alive // ([.cluster.members[]? | select(.alive)] | length)')" = 3 ]
}

# fo_start <version> <ivl> <hb> <dead> <lease>: n1..n3 up, n3 the only VIP
# holder, every node seeing all three members.
fo_start() {
	local ver=$1 ivl=$2 n
	for n in $NODES; do
		fo_conf "$ver" "${n%:*}" "${n#*:}" "$2" "$3" "$4" "${5:-}" || return 1
		impl_start clustd "${n%:*}" || return 1
	done
	wait_until $((2 * $(bench_mdi_ms 1 "$ivl") / 1000 + 5)) only_holder "$OLD" "$BENCH_VIP" ||
		return 1
	for n in n1 n2 n3; do
		wait_until 5 all_alive "$n" || return 1
	done
}

# fo_series <version> <ivl> <hb> <dead> <lease>: RUNS_EACH SIGKILLs of n3.
fo_series() {
	local ver=$1 ivl=$2 i fo s2n
	CLUSTD=${BIN[$ver]}
	say "--- $ver, advert interval $ivl ms, heartbeat $3 ms, dead $4 ms${5:+, vote_lease $5 ms}, $RUNS_EACH SIGKILLs"
	if ! fo_start "$@"; then
		say "$ver ${ivl}ms: n3 never became the only master with all members alive; series skipped"
		failures=$((failures + RUNS_EACH))
		bench_stop n1 n2 n3
		return
	fi
	[ "$ver" = votes ] && votes_check "$ivl"
	for i in $(seq 1 "$RUNS_EACH"); do
		bench_run clustd "$ivl" kill "$NEW_MAC"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ver" "$ivl" "$i" "$BR_RES" "$BR_TEV" "$BR_TEND" \
			"$BR_GARP" >>"$RUNS"
		case $BR_RES in
		FAIL*)
			say "$ver ${ivl}ms #$i: $BR_RES"
			failures=$((failures + 1))
			if ! bench_recover clustd "$ivl"; then
				say "$ver ${ivl}ms: cannot get back to n3 as master; series aborted"
				break
			fi
			continue
			;;
		esac
		read -r fo s2n <<<"$BR_RES"
		say "$ver ${ivl}ms #$i: failover $fo ms (bound $(bench_mdi_ms "$NEW_PRIO" "$ivl")), signal to takeover $s2n ms, VIP announced $BR_GARP ms after the advert"
	done
	bench_stop n1 n2 n3
}

# run_field <version> <ivl> <field>: one figure of the good runs, one a
# line (2 failover, 3 signal to takeover, 4 advert to GARP).
run_field() {
	awk -F'\t' -v v="$1" -v i="$2" -v f="$3" \
		'$1 == v && $2 == i && $4 !~ /^FAIL/ { split($4 " " $7, a, " "); print a[f - 1] }' "$RUNS"
}

failover_table() {
	local s ivl ver bound n min med max sig garp
	printf '%-8s %8s %6s %8s %8s %8s %9s %8s %11s %17s\n' \
		version interval runs "min ms" "med ms" "max ms" "bound ms" "med-bnd" \
		"sig->new ms" "adv->garp med/max"
	for s in $SERIES; do
		ivl=${s%%:*}
		bound=$(bench_mdi_ms "$NEW_PRIO" "$ivl")
		for ver in today votes; do
			run_field "$ver" "$ivl" 3 >"$T/vals"
			sig=$(bench_stats "$T/vals" | awk '{ print $3 }')
			run_field "$ver" "$ivl" 4 >"$T/vals"
			garp=$(bench_stats "$T/vals" | awk '{ print $3 "/" $4 }')
			run_field "$ver" "$ivl" 2 >"$T/vals"
			read -r n min med max < <(bench_stats "$T/vals")
			printf '%-8s %5s ms %6s %8s %8s %8s %9s %8s %11s %17s\n' \
				"$ver" "$ivl" "$n/$RUNS_EACH" "$min" "$med" "$max" "$bound" \
				"$(awk -v m="$med" -v b="$bound" 'BEGIN { if (m == "-") print "-"; else printf "%+.1f", m - b }')" \
				"$sig" "$garp"
		done
	done
}

# ratios: votes / today of the median and of the max, per interval, from
# failover_table's output on stdin.
ratios() {
	awk '$1 == "today" || $1 == "votes" { med[$1 " " $2] = $6; max[$1 " " $2] = $7; if (!seen[$2]++) order[++n] = $2 }
	END {
		for (i = 1; i <= n; i++) {
			k = order[i]
			if (med["today " k] + 0 > 0 && med["votes " k] ~ /^[0-9]/)
				printf "votes/today at %s ms: median x%.3f, max x%.3f\n", k,
					med["votes " k] / med["today " k], max["votes " k] / max["today " k]
			else
				printf "votes/today at %s ms: -\n", k
		}
	}'
}

# ------------------------------------------------------------- witness

# Cluster K (1..10): routers cKa (priority 200, 198.51.100.(19 + 2K)) and
# cKb (100, the next address), VRID 60 + K, VIP 198.51.100.(100 + K),
# cluster port 5797 + K, its own secret; the witness w is its third member.
router_addr() {
	local k=${1#c} b=0
	[ "${k: -1}" = b ] && b=1
	k=${k%?}
	echo "198.51.100.$((19 + 2 * k + b))"
}

# cluster_members <k>: cluster K's members list.
cluster_members() {
	members "c$1a=$(router_addr "c$1a")" "c$1b=$(router_addr "c$1b")" "w=$W_ADDR"
}

# router_conf <k> <a|b>: one router of cluster K.
router_conf() {
	local k=$1 r=c$1$2 prio=200
	[ "$2" = b ] && prio=100
	BENCH_VRID=$((60 + k)) BENCH_VIP=198.51.100.$((100 + k)) \
		impl_conf clustd "$r" "$prio" "$W_ADVERT" || return 1
	cat >>"$T/$r.conf" <<-EOF
	cluster = { secret_file = "$T/secret-c$k"; port = $((5797 + k));
	  heartbeat_interval = $W_HB; dead_interval = $W_DEAD; slack = $SLACK;
	  members = ( $(cluster_members "$k") ); };
	EOF
	conf_ok "$r"
}

# witness_conf <clusters>: the witness of clusters 1..N, no instances.
witness_conf() {
	local k sep=""
	{
		node_block w
		echo "cluster = ("
		for k in $(seq 1 "$1"); do
			printf '%s\n  { name = "c%s"; secret_file = "%s"; port = %s;\n    heartbeat_interval = %s; dead_interval = %s; slack = %s;\n    members = ( %s ); }' \
				"$sep" "$k" "$T/secret-c$k" $((5797 + k)) "$W_HB" "$W_DEAD" "$SLACK" \
				"$(cluster_members "$k")"
			sep=","
		done
		echo
		echo ");"
	} | clustd_conf w
	conf_ok w
}

# hosts_up <clusters>: the witness's and the routers' namespaces (made once).
hosts_up() {
	local k r
	[ -e "/run/netns/${P}w" ] || net_host w "$W_ADDR/24"
	for k in $(seq 1 "$1"); do
		for r in "c${k}a" "c${k}b"; do
			[ -e "/run/netns/${P}$r" ] || net_host "$r" "$(router_addr "$r")/24"
		done
		[ -f "$T/secret-c$k" ] || cl_secret "$T/secret-c$k"
	done
}

# pair_ok <k>: cKa, and only cKa, holds cluster K's VIP.
pair_ok() {
	has_vip "c$1a" "198.51.100.$((100 + $1))" && ! has_vip "c$1b" "198.51.100.$((100 + $1))"
}

# pairs_ok <clusters>
pairs_ok() {
	local k
	for k in $(seq 1 "$1"); do
		pair_ok "$k" || return 1
	done
}

# status_rss <pid>: "<VmRSS kB> <VmHWM kB>".
status_rss() {
	awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { print r + 0, h + 0 }' "/proc/$1/status" 2>/dev/null
}

# witness_votes: the votes the witness holds, over every cluster it serves
# ("-" if its status has no voter section).
witness_votes() {
	cl_q w '[.. | objects | .voter? // empty | (.votes // []) | length] | if length == 0 then "-" else add end'
}

# witness_phase <clusters>: the routers of clusters 1..N and the witness,
# steady state for WITNESS_S seconds. One row into $WIT:
# clusters routers rss_kB hwm_kB cpu_ms sched_ns secs rx tx heard votes
# routers_cpu_ms routers_sched_ns routers_rss_kB
witness_phase() {
	local nc=$1 k r nodes="" ok=1 t0 t1 wp0 wp1 votes rss rpid heard
	local rcpu=0 rsched=0 rrss=0 c0 c1 s0 s1 m
	declare -A p0
	say "--- witness serving $nc cluster(s), $((2 * nc)) real routers, heartbeat $W_HB ms, ${WITNESS_S} s window"
	hosts_up "$nc"
	for k in $(seq 1 "$nc"); do
		for r in "c${k}a" "c${k}b"; do
			router_conf "$k" "${r: -1}" || ok=0
			nodes="$nodes $r"
		done
	done
	witness_conf "$nc" || { say "the witness configuration was rejected (see $T/w.log)"; ok=0; }
	if [ "$ok" = 0 ]; then
		say "witness $nc: configuration rejected: is this build without the witness?"
		failures=$((failures + 1))
		return
	fi
	impl_start clustd w
	for r in $nodes; do
		impl_start clustd "$r"
	done
	if ! wait_until $((2 * $(bench_mdi_ms 1 "$W_ADVERT") / 1000 + 10)) pairs_ok "$nc"; then
		say "witness $nc: not every cluster got its priority-200 router as the only master; skipped"
		failures=$((failures + 1))
		# shellcheck disable=SC2086 # one word per node
		bench_stop w $nodes
		return
	fi
	sleep 2
	if ! capture_start "wit$nc" "udp and host $W_ADDR" v-w 2>"$T/cap-wit$nc.log"; then
		cat "$T/cap-wit$nc.log" >&2
		failures=$((failures + 1))
		# shellcheck disable=SC2086 # one word per node
		bench_stop w $nodes
		return
	fi
	t0=$(now_ms)
	wp0=$(bench_cpu_sample "$(clustd_pid w)") || ok=0
	for r in $nodes; do
		p0[$r]=$(bench_cpu_sample "$(clustd_pid "$r")") || ok=0
	done
	sleep "$WITNESS_S"
	wp1=$(bench_cpu_sample "$(clustd_pid w)") || ok=0
	for r in $nodes; do
		rpid=$(clustd_pid "$r")
		read -r c1 s1 _ < <(bench_cpu_sample "$rpid") || { ok=0; continue; }
		read -r c0 s0 _ <<<"${p0[$r]}"
		rcpu=$((rcpu + c1 - c0))
		rsched=$((rsched + s1 - s0))
		read -r m _ < <(status_rss "$rpid")
		rrss=$((rrss + m))
	done
	t1=$(now_ms)
	rss=$(status_rss "$(clustd_pid w)")
	capture_stop "wit$nc"
	pairs_ok "$nc" || { say "witness $nc: a cluster's master moved during the window"; ok=0; }
	votes=$(witness_votes)
	if [ "$ok" = 0 ]; then
		say "witness $nc: a daemon died or a master moved during the window; no figures"
		failures=$((failures + 1))
		# shellcheck disable=SC2086 # one word per node
		bench_stop w $nodes
		return
	fi
	pcap_fields "wit$nc" "udp" frame.time_epoch ip.src ip.dst >"$T/wit$nc.txt"
	# heard: routers that sent to the witness and got from it in the window.
	awk -v nc="$nc" -v t0="$t0" -v t1="$t1" -v w="$W_ADDR" -v rss="$rss" -v wp0="$wp0" -v wp1="$wp1" \
		-v votes="${votes:--}" -v rcpu="$rcpu" -v rsched="$rsched" -v rrss="$rrss" '
	{
		t = $1 * 1000
		if (t < t0 || t > t1)
			next
		if ($3 == w) { rx++; from[$2] = 1 }
		if ($2 == w) { tx++; to[$3] = 1 }
	}
	END {
		for (r in from)
			if (r in to)
				heard++
		split(wp0, a, " "); split(wp1, b, " "); split(rss, m, " ")
		printf "%d\t%d\t%d\t%d\t%d\t%d\t%.3f\t%d\t%d\t%d\t%s\t%d\t%d\t%d\n",
			nc, 2 * nc, m[1], m[2], b[1] - a[1], b[2] - a[2], (t1 - t0) / 1000,
			rx, tx, heard, votes, rcpu, rsched, rrss
	}' "$T/wit$nc.txt" >>"$WIT"
	# A witness that does not exchange heartbeats with every router is not
	# serving them all: its figures are printed but do not count.
	heard=$(tail -n 1 "$WIT" | cut -f10)
	if [ "$heard" != $((2 * nc)) ]; then
		say "witness $nc: only $heard of $((2 * nc)) routers exchanged heartbeats with it"
		failures=$((failures + 1))
	fi
	# shellcheck disable=SC2086 # one word per node
	bench_stop w $nodes
}

witness_table() {
	printf '%-8s %-7s %9s %9s %9s %7s %11s %7s %7s %7s %6s %13s %11s\n' \
		clusters routers "VmRSS kB" "VmHWM kB" "CPU ms/s" "% core" "sched ms/s" \
		"rx/s" "tx/s" heard votes "router ms/s" "router kB"
	awk -F'\t' '{
		printf "%-8d %-7s %9d %9d %9.2f %7.3f %11.3f %7.1f %7.1f %7s %6s %13.3f %11d\n",
			$1, $2 " real", $3, $4, $5 / $7, $5 / $7 / 10, $6 / 1e6 / $7, $8 / $7,
			$9 / $7, $10 "/" $2, $11, $13 / 1e6 / $7 / $2, $14 / $2
	}' "$WIT"
	awk -F'\t' 'NR == 1 { c = $1; r = $3; s = $6 / $7 } NR > 1 && $1 > c {
		printf "each cluster beyond the first: %+.0f kB VmRSS, %+.3f sched ms/s\n",
			($3 - r) / ($1 - c), ($6 / $7 - s) / 1e6 / ($1 - c)
	}' "$WIT"
}

# ---------------------------------------------------------------- main

started=$(now_ms)
load=$(cut -d' ' -f1 /proc/loadavg)
cl_secret "$T/secret"
fo_done=0 w_done=0 LEASE_KEY=1 VOTES_SEEN="" VOTES_MISSING=""

case " $PARTS " in
*" failover "*)
	for n in n1 n2 n3; do
		net_host "$n" "$(cl_addr "$n")/24"
	done
	IFS=: read -r ivl hb dead lease <<<"${SERIES%% *}"
	probe_lease_key "$ivl" "$hb" "$dead" "$lease"
	[ "$LEASE_KEY" = 1 ] ||
		say "$NEW_BIN rejects cluster.vote_lease: its series run with the default lease (dead_interval)"
	capture_start vrrp "ip proto 112 or arp" || exit 1
	NEW_MAC=$(host_mac "$NEW")
	for s in $SERIES; do
		IFS=: read -r ivl hb dead lease <<<"$s"
		fo_series today "$ivl" "$hb" "$dead"
		fo_series votes "$ivl" "$hb" "$dead" "$lease"
	done
	capture_stop vrrp
	fo_done=1
	;;
esac
case " $PARTS " in
*" witness "*)
	CLUSTD=${BIN[votes]}
	for k in $CLUSTERS; do
		witness_phase "$k"
	done
	w_done=1
	;;
esac

{
	if [ "$fo_done" = 1 ]; then
		echo
		echo "Failover after SIGKILL of the master, on the wire (ms): 3 nodes with a cluster plane, backup"
		echo "priority $NEW_PRIO taking over from priority 200; bound = Master_Down_Interval = 3 x interval + skew."
		echo "today = clustd $OLD_LABEL (quorum by liveness); votes = $NEW_BIN (mastership by granted votes)."
		echo "Cluster timers (advert:heartbeat:dead:vote_lease ms): $SERIES; slack $SLACK ms."
		echo "adv->garp: from n2's first advert to its first gratuitous ARP for the VIP."
		echo "kernel $(uname -r), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ), $(( ($(now_ms) - started) / 1000 )) s, load $load at start"
		echo
		[ "$LEASE_KEY" = 1 ] ||
			echo "vote_lease is not a key of this build: its default, dead_interval, applied."
		[ -z "$VOTES_SEEN" ] ||
			echo "Votes needed by the votes master (status), per interval:$VOTES_SEEN."
		[ -z "$VOTES_MISSING" ] ||
			echo "WARNING: the votes binary showed no votes at:$VOTES_MISSING ms; those rows are not the feature."
		failover_table | tee "$T/failover.txt"
		ratios <"$T/failover.txt"
	fi
	if [ "$w_done" = 1 ] && [ -s "$WIT" ]; then
		echo
		echo "Witness cost (release build $NEW_BIN): a config with \`cluster\` and no instances serving N"
		echo "clusters of 2 real clustd routers each (heartbeat $W_HB ms, dead $W_DEAD ms, advert $W_ADVERT ms;"
		echo "hb_inject.py cannot stand in: one heartbeat per call, none read, so no echo of the witness's nonce)."
		echo "${WITNESS_S} s window. VmRSS/VmHWM: /proc/<pid>/status at the end; CPU ms/s: utime + stime"
		echo "(/proc/<pid>/stat, $((1000 / $(getconf CLK_TCK))) ms ticks); sched: on-CPU time (/proc/<pid>/schedstat);"
		echo "rx/tx: cluster datagrams to / from the witness on its bridge port; heard: routers exchanging"
		echo "heartbeats with it both ways; votes: votes the witness holds (status, after the window);"
		echo "router ms/s, kB: mean sched ms/s and VmRSS of one router."
		echo
		witness_table
	fi
} | tee "$T/results.txt"
bench_out "$T/results.txt" "raw failover runs" "$RUNS" "raw witness rows" "$WIT"
if [ "$failures" -gt 0 ]; then
	echo "bench-votes: $failures measurement(s) missing; KEEP=1 keeps the logs and captures" >&2
	exit 1
fi
exit 0
