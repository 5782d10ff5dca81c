# SPDX-License-Identifier: GPL-2.0-or-later
# t/net/lib_migrate.sh - replacing a keepalived cluster by clustd, node by
# node, with `clustd import-keepalived`, while a client fetches from the VIP.
#
# Source it after lib.sh:
#     . "$(dirname "$0")/lib.sh"
#     . "$(dirname "$0")/lib_migrate.sh"
#
# Three nodes n1 n2 n3 (198.51.100.11..13, priorities 150 120 100) run
# Debian's keepalived from ONE keepalived.conf whose @n1/@n2/@n3 lines give
# each node its router_id and priority (keepalived -i <node>), with a track
# script; every node also runs a web service (t/tools/http_probe.py) that
# answers with its name. A client (198.51.100.200) fetches
# http://VIP:8080/ every 10 ms, each request on its own connection, 100 ms
# timeout. Then, one node at a time: import the node's configuration with
# `clustd import-keepalived -i <node>`, check it with clustd -t, stop
# keepalived (SIGTERM), start clustd with the imported file. The test
# records every moment a move of the VIP is intended (the master's
# keepalived stops; clustd on the former master preempts) and checks that
# (a) outside those moves exactly one node holds the VIP at every 20 ms
# sample, and inside them never two but for a bounded preemption overlap;
# (b) every client failure falls in an intended move, each outage at most
# the successor's Skew_Time + 20 ms; (c) the last cluster is all clustd,
# with n1, keepalived's choice, as master; (d) clustd dropped none of
# keepalived's adverts and keepalived logged no receive error.

MG_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../scripts/bench-lib.sh
. "$MG_HERE/../../scripts/bench-lib.sh"
MG_PROBE="$MG_HERE/../tools/http_probe.py"

MG_NODES="n1 n2 n3"
declare -A MG_IP=([n1]=198.51.100.11 [n2]=198.51.100.12 [n3]=198.51.100.13)
declare -A MG_PRIO=([n1]=150 [n2]=120 [n3]=100)
declare -A MG_IMPL=([n1]=keepalived [n2]=keepalived [n3]=keepalived)
MG_VIP=198.51.100.100
MG_CLIENT=198.51.100.200
MG_VER=3
MG_ADV=0.1     # keepalived's advert_int, seconds
MG_IVL=100     # the same in ms
MG_AUTH=""     # auth_pass, or empty

# mg_mode <v3|v2-pass>
mg_mode() {
	case $1 in
	v3) MG_VER=3 MG_ADV=0.1 MG_IVL=100 MG_AUTH="" ;;
	v2-pass) MG_VER=2 MG_ADV=1 MG_IVL=1000 MG_AUTH="s3cr3t9x" ;;
	*) echo "mg_mode: unknown mode $1" >&2; exit 2 ;;
	esac
}

# mg_skew_ms <prio>: Skew_Time as keepalived and clustd count it (v3:
# centiseconds, RFC 5798's integer formula; v2: (256 - prio) / 256 s).
mg_skew_ms() {
	if [ "$MG_VER" = 2 ]; then
		echo $(((256 - $1) * 1000 / 256))
	else
		# shellcheck disable=SC2017 # the RFC's integer formula, in centiseconds
		echo $(((256 - $1) * (MG_IVL / 10) / 256 * 10))
	fi
}

mg_mdi_ms() {
	echo $((3 * MG_IVL + $(mg_skew_ms "$1")))
}

mg_topology() {
	local n
	net_bridge
	for n in $MG_NODES; do
		net_host "$n" "${MG_IP[$n]}/24"
	done
	net_host client "$MG_CLIENT/24"
}

# mg_ka_conf: the one keepalived.conf of the whole cluster, $T/keepalived.conf.
mg_ka_conf() {
	local auth=""
	if [ -n "$MG_AUTH" ]; then
		auth="authentication {
        auth_type PASS
        auth_pass $MG_AUTH
    }"
	fi
	cat >"$T/keepalived.conf" <<-EOF
	! One file for the three nodes: keepalived -i n1|n2|n3.
	global_defs {
	    @n1 router_id n1
	    @n2 router_id n2
	    @n3 router_id n3
	    enable_script_security
	    script_user root
	}

	vrrp_script chk_web {
	    script "/usr/bin/test -d /"
	    interval 1
	    weight -60
	    fall 2
	}

	vrrp_instance VI_WEB {
	    state BACKUP
	    interface eth0
	    virtual_router_id 51
	    version $MG_VER
	    @n1 priority ${MG_PRIO[n1]}
	    @n2 priority ${MG_PRIO[n2]}
	    @n3 priority ${MG_PRIO[n3]}
	    advert_int $MG_ADV
	    $auth
	    virtual_ipaddress {
	        $MG_VIP/24
	    }
	    track_script {
	        chk_web
	    }
	}
	EOF
}

# mg_web_start: the web service on every node.
mg_web_start() {
	local n
	for n in $MG_NODES; do
		nsx "$n" "${NET_INSTRUMENT[@]}" python3 "$MG_PROBE" serve --name "$n" --port 8080 \
			>>"$T/$n.web.log" 2>&1 &
		NET_BG_PIDS="$NET_BG_PIDS $!"
	done
	for n in $MG_NODES; do
		wait_until 5 nsx "$n" python3 -c "import socket; socket.create_connection(('127.0.0.1', 8080), 1)" ||
			fail "web service on $n listens"
	done
}

# mg_ka_start <node>: keepalived with the shared file and -i <node>.
mg_ka_start() {
	cp "$T/keepalived.conf" "$T/$1.ka.conf"
	ka_start "$1" -i "$1"
	MG_IMPL[$1]=keepalived
}

# ------------------------------------------------------------ states

mg_ka_state() {
	local s
	s=$(awk '/=== .* ka_start /{ s = "none" } /Entering [A-Z]+ STATE/ {
		for (i = 1; i <= NF; i++) if ($i == "Entering") s = $(i + 1) }
		END { print s ? s : "none" }' "$T/$1.log" 2>/dev/null)
	echo "${s:-none}"
}

mg_cl_json() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" status --json 2>/dev/null
}

mg_cl_state() {
	mg_cl_json "$1" | jq -r '.instances[0].state' 2>/dev/null
}

# mg_state <node>: MASTER / BACKUP / FAULT of whatever runs there.
mg_state() {
	if [ "${MG_IMPL[$1]}" = clustd ]; then
		mg_cl_state "$1"
	else
		mg_ka_state "$1"
	fi
}

mg_only() {
	only_holder "$1" "$MG_VIP"
}

mg_master_is() {
	[ "$(mg_state "$1")" = MASTER ] && mg_only "$1"
}

# ------------------------------------------------------------ the switch

# mg_event <kind> <what>: "steady <node>" (exactly that node holds the VIP
# from here on), "move <desc>" (the VIP may leave its holder: never two
# holders), "preempt <desc>" (a higher priority takes over: two holders
# for a moment, bounded).
mg_event() {
	echo "$(now_ms) $1 $2" >>"$T/mg.events"
}

# mg_import <node>: the node's clustd.conf from the shared keepalived.conf,
# with the test's state and run directories; clustd -t must accept it.
mg_import() {
	local n=$1 rc
	"$CLUSTD" import-keepalived -i "$n" "$T/keepalived.conf" >"$T/$n.imported" 2>"$T/$n.import.err"
	rc=$?
	sed 's/^/#   import: /' "$T/$n.import.err"
	check "$n: import-keepalived imported everything (exit $rc)" test "$rc" = 0
	check "$n: the import names its source lines" grep -q "keepalived.conf:[0-9]* vrrp_instance VI_WEB" "$T/$n.imported"
	mkdir -p "$T/$n/state" "$T/$n/run"
	sed "s|^  name = \"$n\";.*|  name = \"$n\"; state_dir = \"$T/$n/state\"; run_dir = \"$T/$n/run\";|" \
		"$T/$n.imported" >"$T/$n.conf"
	check "$n: the imported file keeps its node name and gets the test's directories" \
		grep -q "state_dir = \"$T/$n/state\"" "$T/$n.conf"
	check "$n: clustd -t accepts the imported file" "$CLUSTD" -t -f "$T/$n.conf"
	if [ -n "$MG_AUTH" ]; then
		check "$n: auth_pass imported" grep -q "auth_pass = \"$MG_AUTH\";" "$T/$n.conf"
	fi
	check "$n: priority ${MG_PRIO[$n]} imported" grep -q "priority = ${MG_PRIO[$n]};" "$T/$n.conf"
}

# mg_switch <node>: keepalived stops, clustd starts with the import.
mg_switch() {
	local n=$1 was
	was=$(mg_state "$n")
	mg_import "$n"
	if [ "$was" = MASTER ]; then
		mg_event move "keepalived stops on the master $n"
	fi
	ka_signal "$n" TERM
	impl_wait_exit "$n" 10 || fail "keepalived on $n stopped"
	MG_IMPL[$n]=clustd
	clustd_start "$n" -l info || fail "clustd started on $n"
	disown "$(clustd_pid "$n")" 2>/dev/null
	wait_until 5 eval '[ -n "$(mg_cl_state '"$n"')" ]' || fail "clustd on $n answers status"
}

# mg_replace <node>: mg_switch, then wait for what must follow: a backup
# stays backup; the master's successor takes over, and clustd on the old
# master preempts it (priority 150 is keepalived's choice).
mg_replace() {
	local n=$1 was succ t0 dt
	was=$(mg_state "$n")
	diag "--- replacing $n (keepalived, $was) by clustd"
	if [ "$was" != MASTER ]; then
		mg_switch "$n"
		check "$n: clustd is BACKUP under the master" wait_until 3 eval '[ "$(mg_cl_state '"$n"')" = BACKUP ]'
		return
	fi
	succ=$(mg_successor "$n")
	t0=$(now_ms)
	mg_switch "$n"
	# The successor took over at its Skew_Time after the priority-0 advert;
	# clustd on n (priority 150) then preempts after its Master_Down_Interval.
	if wait_until 5 mg_only "$succ"; then
		dt=$(($(now_ms) - t0))
		diag "$succ (${MG_IMPL[$succ]}) held the VIP $dt ms after keepalived on $n was told to stop"
		mg_event preempt "clustd on $n preempts $succ"
	else
		fail "$succ took over from the stopping master $n (holders: $(vip_holders "$MG_VIP"))"
	fi
	check "clustd on $n preempted and is the only holder" wait_until $(($(mg_mdi_ms 150) / 1000 + 5)) mg_master_is "$n"
	mg_event steady "$n"
	check "$succ went back to BACKUP" wait_until 3 eval '[ "$(mg_state '"$succ"')" = BACKUP ]'
}

# mg_successor <master>: the node with the highest priority after it.
mg_successor() {
	local n best="" bp=0
	for n in $MG_NODES; do
		[ "$n" = "$1" ] && continue
		if [ "${MG_PRIO[$n]}" -gt "$bp" ]; then
			best=$n
			bp=${MG_PRIO[$n]}
		fi
	done
	echo "$best"
}

# ------------------------------------------------------------ checks

# A request fails after 250 ms: far under any move at these adverts, and
# over what a Python client and server on a loaded 2-core CI host stall for
# now and then (at 100 ms, CI saw 4 requests of a steady master fail in a
# row once).
mg_probe_start() {
	nsx client "${NET_INSTRUMENT[@]}" python3 "$MG_PROBE" probe --url "http://$MG_VIP:8080/" --out "$T/probe.out" \
		--period-ms 10 --timeout-ms 250 --max-s 280 --stop "$T/probe.stop" 2>"$T/probe.err" &
	MG_PROBE_PID=$!
	NET_BG_PIDS="$NET_BG_PIDS $MG_PROBE_PID"
	wait_until 5 test -s "$T/probe.out" || fail "client probe started ($(head -c 200 "$T/probe.err"))"
}

mg_probe_stop() {
	touch "$T/probe.stop"
	wait_until 5 eval "! net_pid_alive $MG_PROBE_PID"
}

mg_sampler_start() {
	local n hosts=""
	for n in $MG_NODES; do
		hosts="$hosts $n=${P}$n"
	done
	# shellcheck disable=SC2086 # one word per host
	net_sampler_bg "$T/mg.sampler.pid" "$T/mg.samples" --format span --period-ms 20 \
		--max-s 280 --vip "$MG_VIP" --dev eth0 $hosts
}

# mg_window_of <ms>: "kind desc from to" of the event window holding ms.
mg_windows() {
	awk '{ t[NR] = $1; k[NR] = $2; d = $0; sub(/^[^ ]+ [^ ]+ /, "", d); a[NR] = d; n = NR }
	     END { for (i = 1; i <= n; i++) printf "%s|%s|%s|%s\n", t[i], (i < n ? t[i + 1] : "9999999999999"), k[i], a[i] }' \
		"$T/mg.events"
}

# mg_check_samples <max_overlap_ms>: steady windows have exactly their
# node; move windows never two holders; preempt windows two holders at
# most max_overlap_ms (a sample straddling two windows belongs to none).
mg_check_samples() {
	local max=$1 from to kind desc bad
	while IFS='|' read -r from to kind desc; do
		bad=$(awk -v f="$from" -v t="$to" -v k="$kind" -v d="$desc" -v max="$max" '
			$1 >= f && $2 < t {
				n++; h = $3; for (i = 4; i <= NF; i++) h = h "," $i
				if (k == "steady" && h != d) b++
				if (k == "move" && NF >= 4) b++
				if (k == "preempt" && NF >= 4) { if (!run) s = $1; run = 1 }
				else if (run) { if ($1 - s > ov) ov = $1 - s; run = 0 }
			}
			END { if (run) ov = 99999; if (k == "preempt" && ov > max) b++
			      printf "%d %d %d\n", n, b, ov }' "$T/mg.samples")
		read -r cnt nbad ov <<<"$bad"
		case $kind in
		steady) check "samples: only $desc held the VIP ($cnt samples, $nbad not so)" test "$nbad" = 0 -a "$cnt" -ge 2 ;;
		move) check "samples: never two holders while '$desc' ($cnt samples)" test "$nbad" = 0 ;;
		preempt) check "samples: '$desc': two holders at most $max ms (longest run $ov ms, $cnt samples)" test "$nbad" = 0 ;;
		esac
	done < <(mg_windows)
}

# mg_check_client <bound_ms per kind as "move=N preempt=M">: every outage
# of the client lies in an intended move and lasts at most its bound.
mg_check_client() {
	local first after nfail before next why kind desc from to bound dur total=0 n=0
	python3 "$MG_PROBE" summary "$T/probe.out" | sed 's/^/# client: /'
	read -r reqs okc < <(python3 "$MG_PROBE" summary "$T/probe.out" |
		sed 's/requests=\([0-9]*\) ok=\([0-9]*\).*/\1 \2/')
	check "client: its requests were answered (${okc:-0} of ${reqs:-0})" test "${okc:-0}" -ge 100
	check "client: it kept its 10 ms pace" awk -v f="$(python3 "$MG_PROBE" summary "$T/probe.out")" \
		'BEGIN { match(f, /mean_period_ms=[0-9.]+/); m = substr(f, RSTART + 15, RLENGTH - 15) + 0; exit !(m >= 5 && m <= 20) }'
	while read -r first after nfail before next why; do
		n=$((n + 1))
		kind=none desc="no intended move"
		while IFS='|' read -r from to k d; do
			if [ "$first" -ge "$from" ] && [ "$first" -lt "$to" ]; then
				kind=$k desc=$d
			fi
		done < <(mg_windows)
		case $kind in
		move) bound=$1 ;;
		preempt) bound=$2 ;;
		*) bound=0 ;;
		esac
		if [ "$after" -lt 0 ]; then
			dur=999999
		else
			dur=$((after - first))
		fi
		total=$((total + nfail))
		diag "client outage: $nfail failed request(s) ($why) over $dur ms ($before -> $next) during '$desc'"
		check "client: outage during an intended move ($kind: $desc), $dur ms <= $bound ms" \
			test "$kind" != steady -a "$kind" != none -a "$dur" -le "$bound"
	done < <(python3 "$MG_PROBE" outages "$T/probe.out")
	diag "client: $n outage(s), $total failed request(s) in all"
}

# mg_check_no_drops <node>: clustd dropped no advert there.
mg_check_no_drops() {
	local drops
	drops=$(mg_cl_json "$1" | jq -r '[.instances[0].counters.drops | to_entries[] | select(.value > 0) | "\(.key)=\(.value)"] | join(" ")')
	check "$1: clustd dropped no advert (${drops:-none})" test -z "$drops"
}

# mg_ka_lines <node>: what keepalived logged there (the log goes on with
# clustd's lines after it).
mg_ka_lines() {
	awk '/=== .* ka_start /{ on = 1 } /=== .* clustd_start /{ on = 0 } on' "$T/$1.log"
}

# mg_check_ka_log <node>: keepalived logged no receive error.
mg_check_ka_log() {
	local re='[Ii]nvalid|checksum|passwd|auth|[Mm]ismatch|not present|[Dd]iscard' n
	n=$(mg_ka_lines "$1" | grep -cE "$re")
	check "$1: keepalived logged no receive error ($n lines)" test "$n" -eq 0
	[ "$n" -eq 0 ] || mg_ka_lines "$1" | grep -E "$re" | head -5 | sed 's/^/#   ka| /'
}

# mg_scenario <order...>: the whole migration, replacing the nodes in the
# order given.
mg_scenario() {
	local n
	mg_topology
	mg_ka_conf
	mg_web_start
	for n in $MG_NODES; do
		mg_ka_start "$n" || fail "keepalived started on $n"
	done
	check "keepalived elected n1 (priority 150)" wait_until $(($(mg_mdi_ms 100) / 1000 + 8)) mg_master_is n1
	diag "mode VRRPv$MG_VER, advert $MG_IVL ms${MG_AUTH:+, auth_type PASS}; replacing in the order: $*"
	mg_sampler_start
	mg_probe_start
	mg_event steady n1
	bench_sleep_ms $((3 * MG_IVL + 700))
	for n in "$@"; do
		mg_replace "$n"
		bench_sleep_ms $((3 * MG_IVL + 500))
	done
	bench_sleep_ms 1000
	mg_probe_stop
	net_sampler_stop "$T/mg.sampler.pid" "$T/mg.samples"
	for n in $MG_NODES; do
		check "$n runs clustd now" clustd_alive "$n"
	done
	check "n1 is MASTER, as keepalived chose, and the only holder" mg_master_is n1
	check "n2 and n3 are BACKUP" eval '[ "$(mg_cl_state n2)" = BACKUP ] && [ "$(mg_cl_state n3)" = BACKUP ]'
	for n in $MG_NODES; do
		mg_check_no_drops "$n"
		mg_check_ka_log "$n"
	done
	sampler_period_check "migration VIP sampler" "$T/mg.samples" 20
	mg_check_samples 20
	# The priority-0 hand-over lasts the successor's Skew_Time; preemption
	# needs no wait at all. Asserted as a timing class, not to the ms (a
	# loaded CI host): a hand-over outage closer to Skew_Time than to a
	# Master_Down_Interval, a preemption outage well under one advert
	# interval plus the client's pace. bench.sh measures the real figures.
	mg_check_client $((($(mg_skew_ms 120) + $(mg_mdi_ms 120)) / 2)) $((MG_IVL / 2 + 20))
}
