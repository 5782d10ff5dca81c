# SPDX-License-Identifier: GPL-2.0-or-later
# t/net/lib_interop.sh - clustd <-> keepalived interoperability helpers.
#
# Source it after lib.sh:
#     . "$(dirname "$0")/lib.sh"
#     . "$(dirname "$0")/lib_interop.sh"
# It pulls in scripts/bench-lib.sh (keepalived start/stop: ka_start,
# ka_signal) and adds what the interop tests need on top of it: one "mode"
# per wire variant (v3/IPv4, v3/IPv6, v2/IPv4, v3/IPv4 unicast), a
# clustd and a keepalived config for that mode, state queries for both
# daemons, an event log for the 20 ms VIP sampler and its analysis, and
# ix_scenario: the whole election / failover / preemption story that each
# test_interop_*.sh runs for its mode.
#
# Nodes: "cl" runs clustd (198.51.100.11, 2001:db8::11), "ka" runs
# keepalived (198.51.100.12, 2001:db8::12), both on one bridge.

IX_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../scripts/bench-lib.sh
. "$IX_HERE/../../scripts/bench-lib.sh"

IX_VRID=51
declare -A IX_IP4=([cl]=198.51.100.11 [ka]=198.51.100.12)
declare -A IX_IP6=([cl]=2001:db8::11 [ka]=2001:db8::12)
IX_MODE=""
IX_VER=3
IX_FAM=4
IX_VIP=""
IX_PLEN=24
IX_IVL=100		# advert interval, ms
IX_UNICAST=0
IX_AUTH=""		# VRRPv2 auth_pass (keepalived's auth_type PASS), or none

# ix_mode <v3-ipv4|v3-ipv6|v2-ipv4|v2-pass|v3-unicast>: choose the wire variant.
ix_mode() {
	IX_MODE=$1
	IX_UNICAST=0
	IX_AUTH=""
	case $1 in
	v3-ipv4) IX_VER=3 IX_FAM=4 IX_VIP=198.51.100.100 IX_PLEN=24 IX_IVL=100 ;;
	v3-ipv6) IX_VER=3 IX_FAM=6 IX_VIP=2001:db8::100 IX_PLEN=64 IX_IVL=100 ;;
	v2-ipv4) IX_VER=2 IX_FAM=4 IX_VIP=198.51.100.100 IX_PLEN=24 IX_IVL=1000 ;;
	v2-pass) IX_VER=2 IX_FAM=4 IX_VIP=198.51.100.100 IX_PLEN=24 IX_IVL=1000 IX_AUTH=pa55word ;;
	v3-unicast) IX_VER=3 IX_FAM=4 IX_VIP=198.51.100.100 IX_PLEN=24 IX_IVL=100 IX_UNICAST=1 ;;
	*) echo "ix_mode: unknown mode $1" >&2; exit 2 ;;
	esac
}

# ix_topology: the bridge and the two nodes (both families on eth0).
ix_topology() {
	net_bridge
	net_host cl "${IX_IP4[cl]}/24" "${IX_IP6[cl]}/64"
	net_host ka "${IX_IP4[ka]}/24" "${IX_IP6[ka]}/64"
}

ix_peer() {
	case $1 in
	cl) echo ka ;;
	ka) echo cl ;;
	esac
}

# ix_addr <node>: the node's address in the mode's family.
ix_addr() {
	if [ "$IX_FAM" = 6 ]; then
		echo "${IX_IP6[$1]}"
	else
		echo "${IX_IP4[$1]}"
	fi
}

# ix_lladdr <node>: the node's IPv6 link-local address on eth0.
ix_lladdr() {
	ip -n "${P}$1" -6 -o addr show dev eth0 scope link 2>/dev/null |
		awk '{ split($4, a, "/"); print a[1]; exit }'
}

# ix_src <node>: the source address its adverts carry (IPv6: link-local).
ix_src() {
	if [ "$IX_FAM" = 6 ]; then
		ix_lladdr "$1"
	else
		ix_addr "$1"
	fi
}

# ------------------------------------------------------------- configs

# ix_clustd_conf <node> <prio>: the mode's instance for clustd.
ix_clustd_conf() {
	local node=$1 prio=$2 peer extra=""
	peer=$(ix_peer "$node")
	[ "$IX_FAM" = 4 ] && extra="version = $IX_VER;"
	[ -n "$IX_AUTH" ] && extra="$extra auth_pass = \"$IX_AUTH\";"
	if [ "$IX_UNICAST" = 1 ]; then
		extra="$extra unicast_source = \"$(ix_addr "$node")\";"
		extra="$extra unicast_peers = [ \"$(ix_addr "$peer")\" ];"
	fi
	{
		node_block "$node"
		cat <<-EOF
		instances = (
		  { name = "web"; interface = "eth0"; vrid = $IX_VRID; priority = $prio;
		    advert_interval = $IX_IVL; preempt = true; $extra
		    vips = [ "$IX_VIP/$IX_PLEN" ]; } );
		EOF
	} | clustd_conf "$node"
}

# ix_ka_conf <node> <prio>: the same virtual router for keepalived, in
# $T/<node>.ka.conf (the file bench-lib's ka_start reads).
ix_ka_conf() {
	local node=$1 prio=$2 peer ivl uni="" auth=""
	peer=$(ix_peer "$node")
	if [ -n "$IX_AUTH" ]; then
		auth="authentication {
			auth_type PASS
			auth_pass $IX_AUTH
		}"
	fi
	if [ "$IX_VER" = 2 ]; then
		ivl=$((IX_IVL / 1000))
	else
		ivl="$((IX_IVL / 1000)).$(printf '%03d' $((IX_IVL % 1000)))"
	fi
	if [ "$IX_UNICAST" = 1 ]; then
		uni="unicast_src_ip $(ix_addr "$node")
		unicast_peer {
			$(ix_addr "$peer")
		}"
	fi
	cat >"$T/$node.ka.conf" <<-EOF
	global_defs {
		router_id $node
	}
	vrrp_instance VI_1 {
		state BACKUP
		interface eth0
		version $IX_VER
		virtual_router_id $IX_VRID
		priority $prio
		advert_int $ivl
		$uni
		$auth
		virtual_ipaddress {
			$IX_VIP/$IX_PLEN
		}
	}
	EOF
}

# ------------------------------------------------------------- states

# ix_status <node>: clustd's `status --json` inside the node.
ix_status() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" status --json 2>/dev/null
}

# ix_cl_get <node> <jq filter on .instances[0]>
ix_cl_get() {
	ix_status "$1" | jq -r ".instances[0] | $2" 2>/dev/null
}

ix_cl_state() {
	ix_cl_get "$1" .state
}

# ix_ka_state <node>: keepalived's last "Entering X STATE" since its last
# start (MASTER, BACKUP, FAULT), or "none".
ix_ka_state() {
	local s
	s=$(awk '/=== .* ka_start /{ s = "none" } /Entering [A-Z]+ STATE/ {
		for (i = 1; i <= NF; i++) if ($i == "Entering") s = $(i + 1) }
		END { print s ? s : "none" }' "$T/$1.log" 2>/dev/null)
	echo "${s:-none}"
}

# ix_ka_count <node> <ERE>: matching keepalived log lines since its last start.
ix_ka_count() {
	awk '/=== .* ka_start /{ n = 0 } $0 ~ re { n++ } END { print n + 0 }' \
		re="$2" "$T/$1.log" 2>/dev/null
}

# ix_is <node> <impl> <STATE>
ix_is() {
	case $2 in
	clustd) [ "$(ix_cl_state "$1")" = "$3" ] ;;
	keepalived) [ "$(ix_ka_state "$1")" = "$3" ] ;;
	esac
}

ix_has() {
	has_vip "$1" "$IX_VIP"
}

ix_only() {
	only_holder "$1" "$IX_VIP"
}

# ix_start <impl> <node>: start it, not disowned (done_testing wants the
# exit status of what is still running at the end).
ix_start() {
	case $1 in
	clustd) clustd_start "$2" -l info ;;
	keepalived) ka_start "$2" ;;
	esac
}

ix_signal() {
	impl_signal "$@"
}

# ix_drop_stale <node>: a SIGKILLed daemon leaves its VIP behind (clustd
# until its lease runs out, keepalived until its next start). A dead node
# does not answer ARP: remove it at once, as a power-off would.
ix_drop_stale() {
	ip -n "${P}$1" addr del "$IX_VIP/$IX_PLEN" dev eth0 2>/dev/null
	return 0
}

# --------------------------------------------------------- timing bounds

# ix_skew_ms <prio>: RFC 5798 Skew_Time (v3, scaled by the interval) or
# RFC 3768's (256 - prio) / 256 s (v2), in ms.
ix_skew_ms() {
	if [ "$IX_VER" = 2 ]; then
		echo $(((256 - $1) * 1000 / 256))
	else
		bench_skew_ms "$1" "$IX_IVL"
	fi
}

ix_mdi_ms() {
	echo $((3 * IX_IVL + $(ix_skew_ms "$1")))
}

# ------------------------------------------------------- sampler events

# ix_sampler_start [<max_s>]: sample the VIP holders (cl, ka) every 20 ms
# into $T/ix.samples, "<start ms> <end ms> <holders or -none->" per line
# (the sample looked at the nodes between start and end), for at most
# max_s seconds: t/tools/vip_sampler.py --format span, one netlink socket
# per node, so that the period stays at 20 ms under load. Returns once the
# first sample is in.
ix_sampler_start() {
	local max_s=${1:-150}
	net_sampler_bg "$T/ix.sampler.pid" "$T/ix.samples" --format span --period-ms 20 \
		--max-s "$max_s" --vip "$IX_VIP" --dev eth0 "cl=${P}cl" "ka=${P}ka"
}

# ix_sampler_stop: stop it; prints "<count> <holders>" per holder set and
# the mean sampling period.
ix_sampler_stop() {
	net_sampler_stop "$T/ix.sampler.pid" "$T/ix.samples"
	cut -d' ' -f3- "$T/ix.samples" | sort | uniq -c | sed 's/^ */holders: /'
	awk 'NR == 1 { f = $1 } { l = $1; d = $2 - $1; if (d > m) m = d }
	     END { if (NR > 1) printf "sampler: %d samples, mean period %.1f ms, longest sample %d ms\n",
			NR, (l - f) / (NR - 1), m }' "$T/ix.samples"
}

# ix_monitor_start: `ip -ts monitor address` in both nodes, so that the
# moments a VIP is added and removed are known to the microsecond.
ix_monitor_start() {
	local n
	for n in cl ka; do
		ip -n "${P}$n" -ts monitor address >"$T/$n.addrmon" 2>&1 &
		NET_BG_PIDS="$NET_BG_PIDS $!"
	done
}

# ix_vip_events <node>: "<epoch us> add|del" for each VIP change seen.
ix_vip_events() {
	local ts what
	grep -F " $IX_VIP/" "$T/$1.addrmon" 2>/dev/null |
		sed -n 's/^\[\([0-9T:.-]*\)\] \(Deleted \)\{0,1\}.*/\1 \2/p' |
		while read -r ts what; do
			if [ -n "$what" ]; then what=del; else what=add; fi
			echo "$(date -d "$ts" +%s%6N) $what"
		done
}

# The scenario is cut in windows, written to $T/ix.events as
# "<ms> <kind> <description>":
#   steady <node>  from here on, exactly <node> holds the VIP;
#   change <desc>  a hand-over (kill, stop, start): never two holders;
#   preempt <desc> a preemption: two holders allowed for a moment (the
#                  old master lets go when the new one's advert reaches
#                  it); the overlap is measured and bounded.
ix_event() {
	echo "$(now_ms) $1 $2" >>"$T/ix.events"
}

# ix_windows: one line per window, '|' separated:
# "kind|samples|bad|two-holder samples|overlap_ms|holder sets|description|
# from|to" where bad counts the samples breaking the window's rule and
# overlap_ms spans the longest run of two-holder samples (first of them to
# the first sample after; -1 if the run never ended). A sample that
# straddles two windows (began before the event, ended after) belongs to
# neither, as it may have seen either side of the event.
ix_windows() {
	awk '
	FNR == NR {
		t[NR] = $1; k[NR] = $2; n = NR
		d = $0; sub(/^[^ ]+ [^ ]+ /, "", d); a[NR] = d
		next
	}
	{
		ts = $1; te = $2; h = $3
		for (i = 4; i <= NF; i++) h = h "," $i
		w = 0
		for (i = 1; i <= n; i++) if (t[i] <= ts) w = i
		if (!w || (w < n && te >= t[w + 1])) next
		cnt[w]++
		both = (NF >= 4)
		if (k[w] == "steady" && h != a[w]) bad[w]++
		if (k[w] == "change" && both) bad[w]++
		if (both) {
			nb[w]++
			if (!run[w]) start[w] = ts
			run[w] = 1
		} else if (run[w]) {
			if (ts - start[w] > ov[w]) ov[w] = ts - start[w]
			run[w] = 0
		}
		if (!((w, h) in seen)) { seen[w, h] = 1; sets[w] = sets[w] " " h }
	}
	END {
		for (i = 1; i <= n; i++) {
			if (run[i]) ov[i] = -1
			printf "%s|%d|%d|%d|%d|%s|%s|%.0f|%.0f\n", k[i], cnt[i], bad[i], nb[i], ov[i], \
				sets[i], a[i], t[i], (i < n ? t[i + 1] : 0)
		}
	}' "$T/ix.events" "$T/ix.samples"
}

# ix_overlap_us <from_ms> <to_ms> <new> <old>: from the address monitors,
# how long both held the VIP in the window, in microseconds: old's removal
# minus new's addition (0 if old let go first; ? if either is missing).
ix_overlap_us() {
	local from=$(($1 * 1000)) to=$(($2 * 1000)) add del
	[ "$to" -gt 0 ] || to=9999999999999999
	add=$(ix_vip_events "$3" | awk -v f="$from" -v t="$to" '$2 == "add" && $1 >= f && $1 < t { print $1; exit }')
	del=$(ix_vip_events "$4" | awk -v f="$from" -v t="$to" '$2 == "del" && $1 >= f && $1 < t { print $1; exit }')
	if [ -z "$add" ] || [ -z "$del" ]; then
		echo "?"
	elif [ "$del" -gt "$add" ]; then
		echo $((del - add))
	else
		echo 0
	fi
}

# ix_us_ms <us>: "12.345"
ix_us_ms() {
	case $1 in
	*[!0-9]*) echo "$1" ;;
	*) printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)) ;;
	esac
}

# ix_check_monitor <max_overlap_ms>: the address monitors give every VIP
# addition and removal on both nodes, so the intervals when both held it
# are known exactly, sampling gaps aside. Each such interval must lie in a
# preemption window and be no longer than the bound.
ix_check_monitor() {
	local max_us=$(($1 * 1000)) out n longest
	out=$({
		ix_vip_events cl | sed 's/$/ cl/'
		ix_vip_events ka | sed 's/$/ ka/'
	} | sort -n | awk -v max="$max_us" '
		FNR == NR { t[NR] = $1 * 1000; k[NR] = $2; n = NR; next }
		{
			if ($2 == "add") h[$3] = 1; else h[$3] = 0
			now = h["cl"] && h["ka"]
			if (now && !both) { s = $1; both = 1 }
			else if (!now && both) {
				both = 0; d = $1 - s; cnt++
				w = 0
				for (i = 1; i <= n; i++) if (t[i] <= s) w = i
				if (d > longest) longest = d
				if (!w || k[w] != "preempt" || d > max)
					bad = bad sprintf(" %.3f ms in a %s window;", d / 1000, w ? k[w] : "no")
			}
		}
		END {
			if (both) bad = bad " still both at the end;"
			printf "%d %.3f%s\n", cnt, longest / 1000, bad
		}' "$T/ix.events" -)
	read -r n longest _ <<<"$out"
	diag "ip monitor: $n intervals with the VIP on both nodes, longest $longest ms"
	check "ip monitor: the VIP was on both nodes only at preemption hand-overs, <= $1 ms ($out)" \
		test "$(echo "$out" | cut -d' ' -f3-)" = ""
}

# ix_check_samples <max_overlap_ms>: one assertion per window.
ix_check_samples() {
	local max_ov=$1 kind cnt bad both ov sets desc from to mon new old
	while IFS='|' read -r kind cnt bad both ov sets desc from to; do
		case $kind in
		steady)
			if [ "$cnt" -ge 3 ] && [ "$bad" -eq 0 ]; then
				ok "sampler: only $desc held the VIP while it was master ($cnt samples)"
			else
				fail "sampler: only $desc holds the VIP while master ($cnt samples, $bad not so:$sets)"
			fi
			;;
		change)
			check "sampler: never two holders during '$desc' ($cnt samples:$sets)" \
				test "$bad" -eq 0
			;;
		preempt)
			# "<impl> preempts <impl>": cl runs clustd, ka keepalived.
			new=ka old=cl
			[ "${desc%% *}" = clustd ] && new=cl old=ka
			mon=$(ix_overlap_us "$from" "$to" "$new" "$old")
			diag "'$desc': VIP on both nodes for $(ix_us_ms "$mon") ms (ip monitor: $old's removal - $new's addition); sampler: $both two-holder samples, run <= $ov ms"
			if [ "$mon" = "?" ]; then
				fail "'$desc': ip monitor saw $new add and $old remove the VIP"
			else
				check "'$desc': hand-over overlap $(ix_us_ms "$mon") ms <= $max_ov ms" \
					test "$mon" -le $((max_ov * 1000))
			fi
			check "sampler: '$desc' two-holder run ended and is <= $max_ov ms ($ov ms)" \
				test "$ov" -ge 0 -a "$ov" -le "$max_ov"
			;;
		esac
	done < <(ix_windows)
}

# ------------------------------------------------------------ scenario

# ix_wait_master <node> <impl> <timeout_s>: it is master and the only holder.
ix_wait_master() {
	wait_until "$3" eval "ix_is $1 $2 MASTER && ix_only $1"
}

# ix_settle <node> <impl>: a steady window of ~3 adverts (at least 600 ms)
# with <node> as master; checks the other side's state afterwards.
ix_settle() {
	local ms=$((3 * IX_IVL))
	[ "$ms" -lt 600 ] && ms=600
	ix_event steady "$1"
	bench_sleep_ms "$ms"
}

# ix_takeover <old> <old_impl> <new> <new_impl> <KILL|TERM>: the master
# <old> dies or stops; <new> must take over within the RFC bound (+ margin).
ix_takeover() {
	local old=$1 oimpl=$2 new=$3 nimpl=$4 sig=$5 prio bound t0 dt what mark
	prio=$6
	if [ "$sig" = KILL ]; then
		bound=$(ix_mdi_ms "$prio")
		what="SIGKILL of $oimpl master"
	else
		bound=$(ix_skew_ms "$prio")
		what="SIGTERM of $oimpl master"
	fi
	ix_event change "$what"
	if [ "$sig" = TERM ]; then
		# On old's bridge port: its priority-0 advert, and new's adverts
		# (multicast, or unicast to old).
		capture_start "term-$old" "ip proto 112 or ip6 proto 112" "v-$old" ||
			fail "$what: capture started"
		mark=$(log_lines "$new")
	fi
	t0=$(now_ms)
	ix_signal "$oimpl" "$old" "$sig"
	if [ "$sig" = KILL ]; then
		impl_wait_exit "$old" 5
		ix_has "$old" && diag "$oimpl left the VIP on eth0 when SIGKILLed: removed by the test (a dead node answers no ARP)"
		ix_drop_stale "$old"
	fi
	if wait_until $((bound / 1000 + 5)) ix_has "$new"; then
		dt=$(($(now_ms) - t0))
		diag "$what -> VIP on $nimpl after $dt ms (RFC bound $bound ms from the last advert)"
		check "$what: $nimpl took over within bound + 1 s ($dt <= $((bound + 1000)) ms)" \
			test "$dt" -le $((bound + 1000))
		if [ "$sig" = KILL ]; then
			# The last advert came at most one interval before the kill.
			check "$what: $nimpl waited its Master_Down_Interval ($dt >= $((bound - IX_IVL - 50)) ms)" \
				test "$dt" -ge $((bound - IX_IVL - 50))
		fi
	else
		fail "$what: $nimpl took over within $((bound / 1000 + 5)) s"
	fi
	if [ "$sig" = TERM ]; then
		if impl_wait_exit "$old" 10; then
			check "$oimpl exited 0 on SIGTERM (got $(clustd_exit_code "$old"))" \
				test "$(clustd_exit_code "$old")" = 0
		else
			fail "$oimpl exited within 10 s of SIGTERM"
		fi
		check "$oimpl removed its VIP on SIGTERM" eval "! ix_has $old"
		ix_check_prio0_takeover "$old" "$new" "$nimpl" "$prio" "$mark" "$what"
	fi
	check "$nimpl is MASTER and the only VIP holder after the $what" \
		ix_wait_master "$new" "$nimpl" 3
}

# ix_check_prio0_takeover <old> <new> <new_impl> <prio> <log mark> <what>:
# after a SIGTERM, the timing class on the wire (old's priority-0 advert to
# new's first advert: Skew_Time, below the Skew_Time/MDI midpoint) and the
# reason in new's log (clustd names the priority-0 advert and its age,
# keepalived says it received one).
ix_check_prio0_takeover() {
	local old=$1 new=$2 nimpl=$3 prio=$4 mark=$5 what=$6 skew mdi mid wire line ago
	skew=$(ix_skew_ms "$prio")
	mdi=$(ix_mdi_ms "$prio")
	mid=$(((skew + mdi) / 2))
	sleep 0.2
	capture_stop "term-$old"
	wire=$(prio0_takeover_ms "term-$old" "$(ix_src "$old")" "$(ix_src "$new")")
	diag "$what: on the wire, priority-0 advert -> $nimpl's first advert: $wire ms (skew $skew, MDI $mdi)"
	check "$what: wire: $nimpl took over after Skew_Time, not MDI ($wire ms in $((skew - 10))..$((mid - 1)))" \
		eval '[ "$wire" -ge $((skew - 10)) ] 2>/dev/null && [ "$wire" -lt $mid ]'
	if [ "$nimpl" = clustd ]; then
		line=$(log_since "$new" "$mark" | grep -E -m1 'web: BACKUP -> MASTER: ')
		ago=$(echo "$line" | sed -n "s/.*master $(ix_src "$old" | sed 's/\./\\./g') stopped (priority 0 advert \([0-9]*\) ms ago)\$/\1/p")
		diag "$what: clustd: ${line#* notice: }"
		# skew - 10: clustd counts Skew_Time in whole centiseconds (v2: 600 ms
		# for RFC 3768's 609.4 ms at priority 100).
		check "$what: clustd's reason is the priority-0 advert, Skew_Time old (${ago:-?} ms in $((skew - 10))..$((mid - 1)))" \
			eval '[ "${ago:-x}" -ge $((skew - 10)) ] 2>/dev/null && [ "$ago" -lt $mid ]'
	else
		check "$what: keepalived logged 'Backup received priority 0 advertisement'" \
			log_has "$new" 'Backup received priority 0 advertisement' "$mark"
	fi
}

# ix_preempt <new> <new_impl> <prio> <old> <old_impl>: start <new> with the
# higher priority while <old> is master; it must take over (preempt) and
# <old> must go back to BACKUP.
ix_preempt() {
	local new=$1 nimpl=$2 prio=$3 old=$4 oimpl=$5 t0 dt bound
	bound=$(ix_mdi_ms "$prio")
	if [ "$nimpl" = clustd ]; then
		ix_clustd_conf "$new" "$prio"
	else
		ix_ka_conf "$new" "$prio"
	fi
	ix_event preempt "$nimpl preempts $oimpl"
	t0=$(now_ms)
	ix_start "$nimpl" "$new" || fail "$nimpl started on $new"
	if wait_until $((bound / 1000 + 8)) ix_wait_master "$new" "$nimpl" 0; then
		dt=$(($(now_ms) - t0))
		diag "$nimpl (prio $prio) started -> sole VIP holder after $dt ms (its MDI $bound ms)"
		ok "$nimpl (prio $prio) preempted the $oimpl master"
	else
		fail "$nimpl (prio $prio) preempted the $oimpl master (VIP: $(vip_holders "$IX_VIP"))"
	fi
	check "$oimpl went back to BACKUP" wait_until 3 ix_is "$old" "$oimpl" BACKUP
}

# ix_stop_quiet <node> <impl>: SIGTERM and wait (used between phases).
ix_stop_quiet() {
	ix_signal "$2" "$1" TERM
	impl_wait_exit "$1" 10 || { ix_signal "$2" "$1" KILL; impl_wait_exit "$1" 5; }
	ix_drop_stale "$1"
}

# ix_no_rx_errors <node> <what>: clustd dropped nothing from keepalived.
ix_no_rx_errors() {
	local drops
	drops=$(ix_cl_get "$1" '[.counters.drops | to_entries[] | select(.value > 0) | "\(.key)=\(.value)"] | join(" ")')
	check "clustd dropped none of keepalived's adverts $2 (${drops:-none})" test -z "$drops"
}

# ix_ka_no_errors <node> <what>: keepalived logged no receive error.
ix_ka_no_errors() {
	local n
	n=$(ix_ka_count "$1" '[Ii]nvalid|checksum|bad |[Mm]ismatch|not present|error|[Dd]iscard')
	check "keepalived logged no receive error $2 ($n lines)" test "$n" -eq 0
	[ "$n" -eq 0 ] || awk '/=== .* ka_start /{ n = 0; delete l } { l[++n] = $0 }
		END { for (i = 1; i <= n; i++) print l[i] }' "$T/$1.log" |
		grep -E '[Ii]nvalid|checksum|bad |[Mm]ismatch|not present|error|[Dd]iscard' |
		head -5 | sed 's/^/#   ka| /'
}

# ix_scenario: the whole story for the chosen mode (see the test files).
ix_scenario() {
	local settle_s=$(((3 * IX_IVL + 1000) / 1000 + 5)) rx
	ix_topology
	ix_monitor_start
	ix_sampler_start 150
	diag "mode $IX_MODE: VRRPv$IX_VER, IPv$IX_FAM, $([ "$IX_UNICAST" = 1 ] && echo unicast || echo multicast), VIP $IX_VIP/$IX_PLEN, advert $IX_IVL ms"

	# (a) clustd 200 is master; keepalived 100 joins and stays BACKUP.
	ix_clustd_conf cl 200
	ix_start clustd cl
	check "(a) clustd (prio 200) becomes master alone" ix_wait_master cl clustd $settle_s
	ix_ka_conf ka 100
	ix_start keepalived ka || fail "keepalived started"
	ix_event steady cl
	# Longer than keepalived's Master_Down_Interval: had it dropped
	# clustd's adverts, it would have become master by then.
	bench_sleep_ms $((2 * $(ix_mdi_ms 100) + 200))
	check "(a) keepalived (prio 100) is BACKUP (state $(ix_ka_state ka))" ix_is ka keepalived BACKUP
	check "(a) keepalived never entered MASTER" test "$(ix_ka_count ka 'Entering MASTER STATE')" -eq 0
	check "(a) clustd is still MASTER and the only VIP holder" eval "ix_is cl clustd MASTER && ix_only cl"
	ix_ka_no_errors ka "from clustd"

	# (c) SIGKILL of the clustd master: keepalived takes over.
	ix_takeover cl clustd ka keepalived KILL 100
	ix_settle ka keepalived

	# A restarted clustd (prio 200) preempts keepalived again.
	ix_preempt cl clustd 200 ka keepalived
	ix_settle cl clustd

	# (c) SIGTERM of the clustd master: priority 0, keepalived within skew.
	ix_takeover cl clustd ka keepalived TERM 100
	ix_settle ka keepalived
	ix_ka_no_errors ka "from clustd (whole first half)"

	# (b) the reverse: keepalived 200 is master, clustd 100 stays BACKUP.
	ix_event change "keepalived restart with prio 200"
	ix_stop_quiet ka keepalived
	ix_ka_conf ka 200
	ix_start keepalived ka || fail "keepalived restarted"
	check "(b) keepalived (prio 200) becomes master alone" \
		ix_wait_master ka keepalived $settle_s
	ix_clustd_conf cl 100
	ix_start clustd cl
	# Counters survive restarts: count this run's takeovers from here.
	wait_until 5 eval '[ -n "$(ix_cl_get cl .state)" ]'
	b2m0=$(ix_cl_get cl '.counters.transitions["BACKUP->MASTER"] // 0')
	ix_event steady ka
	bench_sleep_ms $((2 * $(ix_mdi_ms 100) + 200))
	check "(b) clustd (prio 100) is BACKUP (state $(ix_cl_state cl))" ix_is cl clustd BACKUP
	check "(b) clustd follows keepalived as its master ($(ix_cl_get cl .master) = $(ix_src ka))" \
		test "$(ix_cl_get cl .master)" = "$(ix_src ka)"
	rx=$(ix_cl_get cl .counters.adverts_received)
	check "(b) clustd accepted keepalived's adverts ($rx)" test "${rx:-0}" -ge 2
	check "(b) clustd never became master" \
		test "$(ix_cl_get cl '.counters.transitions["BACKUP->MASTER"] // 0')" -eq "${b2m0:-0}"
	check "(b) keepalived is still MASTER and the only VIP holder" eval "ix_is ka keepalived MASTER && ix_only ka"
	ix_no_rx_errors cl "as BACKUP"

	# (c) SIGKILL of the keepalived master: clustd takes over.
	ix_takeover ka keepalived cl clustd KILL 100
	ix_settle cl clustd

	# A restarted keepalived (prio 200) preempts clustd.
	ix_preempt ka keepalived 200 cl clustd
	ix_settle ka keepalived
	ix_no_rx_errors cl "after the preemption"

	# (c) SIGTERM of the keepalived master: clustd takes over within skew.
	ix_takeover ka keepalived cl clustd TERM 100
	ix_settle cl clustd

	ix_sampler_stop | sed 's/^/# /'
	sampler_period_check "interop VIP sampler" "$T/ix.samples" 20
	ix_check_samples "${IX_MAX_OVERLAP_MS:-100}"
	ix_check_monitor "${IX_MAX_OVERLAP_MS:-100}"
}
