# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# scripts/bench-lib.sh - what demo.sh and bench.sh add on top of t/net/lib.sh:
# RFC 5798 timing bounds, one interface to start/stop either clustd or
# keepalived on a node, and the on-the-wire failover measurement.
#
# Source it after t/net/lib.sh (bash). It relies on lib.sh's conventions:
# $T/<node>.pid holds the daemon's main PID, $T/<node>.log its log, nodes
# listed in NET_DAEMONS are stopped by the lib's EXIT/INT/TERM trap, and
# anything left in our namespaces is killed by PID before they go.

# Every bench's bridge namespace keeps bridged frames out of iptables
# (t/net/lib.sh, net_bridge): br_netfilter's hooks are the host's (a docker
# host loads it), not a VRRP deployment's, and their cost lands on the
# sender (doc/bench.md, "Performance").
NET_BRIDGE_NF=0
BENCH_VIP=198.51.100.100
BENCH_VRID=51
# The failover topology of bench.sh, bench-cluster.sh and bench-votes.sh:
# n3 is the master, n2 takes over when it goes (bench_run), n1 stays a
# backup; the addresses are 198.51.100.1<K>.
OLD=n3 OLD_IP=198.51.100.13
NEW=n2 NEW_IP=198.51.100.12
# shellcheck disable=SC2034 # for the scripts that source this file
NEW_PRIO=150 NODES="n1:100 n2:150 n3:200"

# ------------------------------------------------------------ RFC timing

# bench_skew_ms <prio> <interval_ms>: Skew_Time of RFC 5798 section 6.1,
# ((256 - prio) * interval_cs) / 256 in integer centiseconds, as ms.
bench_skew_ms() {
	# shellcheck disable=SC2017 # the RFC truncates to whole centiseconds
	echo $(((256 - $1) * ($2 / 10) / 256 * 10))
}

# bench_mdi_ms <prio> <interval_ms>: Master_Down_Interval = 3 * I + skew.
bench_mdi_ms() {
	echo $((3 * $2 + $(bench_skew_ms "$1" "$2")))
}

# bench_bound_ms <kill|term> <prio> <interval_ms>: how long the backup of
# priority <prio> waits after the master's last advert: the whole
# Master_Down_Interval after a crash, only the skew after a priority-0
# advert (graceful stop).
bench_bound_ms() {
	case $1 in
	kill) bench_mdi_ms "$2" "$3" ;;
	term) bench_skew_ms "$2" "$3" ;;
	*) echo "bench_bound_ms: unknown scenario $1" >&2; return 1 ;;
	esac
}

# bench_sleep_ms <ms>
bench_sleep_ms() {
	sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"
}

# ------------------------------------------------------------ keepalived

# ka_conf <node> <prio> <interval_ms>: $T/<node>.ka.conf, the same VRRP
# instance as clustd's (v3, VRID 51, preempt, one VIP), nothing else.
ka_conf() {
	local node=$1 prio=$2 ivl=$3
	cat >"$T/$node.ka.conf" <<-EOF
	global_defs {
		router_id $node
		vrrp_version 3
	}
	vrrp_instance VI_1 {
		state BACKUP
		interface eth0
		virtual_router_id $BENCH_VRID
		priority $prio
		advert_int $((ivl / 1000)).$(printf '%03d' $((ivl % 1000)))
		virtual_ipaddress {
			$BENCH_VIP/24
		}
	}
	EOF
}

# ka_start <node> [args...]: keepalived (VRRP subsystem only) in the node's
# namespace, in the foreground, logging to $T/<node>.log, with the extra
# arguments (e.g. -i <config id>). -R: a killed VRRP child is
# not respawned, so SIGKILL means a dead node as for clustd. Every pid file
# is under $T so several instances run side by side.
ka_start() {
	local node=$1 pid
	shift
	rm -f "$T/$node.ka.pid" "$T/$node.vrrp.pid" "$T/$node.rc" "$T/$node.stopped"
	echo "=== $(date +%T.%3N) ka_start $node" >>"$T/$node.log"
	ip netns exec "${P}$node" keepalived -n -l -D -G -P -R \
		-f "$T/$node.ka.conf" -p "$T/$node.ka.pid" -r "$T/$node.vrrp.pid" "$@" \
		>>"$T/$node.log" 2>&1 &
	pid=$!
	echo "$pid" >"$T/$node.pid"
	case " $NET_DAEMONS " in
	*" $node "*) ;;
	*) NET_DAEMONS="$NET_DAEMONS $node" ;;
	esac
	# The VRRP child is the one that sends adverts: wait for it.
	if ! wait_until 5 ka_child_up "$node"; then
		echo "# keepalived on $node did not start its VRRP process" >&2
		return 1
	fi
}

ka_child_up() {
	net_pid_alive "$(cat "$T/$1.vrrp.pid" 2>/dev/null)"
}

# ka_signal <node> <SIG>: KILL takes the VRRP child down first (it is the
# process holding the VRRP state), then the parent; anything else goes to
# the parent, which forwards it to the child.
ka_signal() {
	local node=$1 sig=$2 child parent
	parent=$(cat "$T/$node.pid" 2>/dev/null)
	[ -n "$parent" ] || return 1
	# Stopped on purpose: t/net/lib.sh's teardown must not call it a crash.
	case $sig in
	HUP | USR1 | USR2 | 0) ;;
	*) echo "$sig" >"$T/$node.stopped" ;;
	esac
	if [ "$sig" = KILL ] || [ "$sig" = 9 ]; then
		child=$(cat "$T/$node.vrrp.pid" 2>/dev/null)
		if net_pid_alive "$child"; then
			kill -KILL "$child" 2>/dev/null
		fi
	fi
	kill -"$sig" "$parent"
}

# ------------------------------------------------ one interface for both

# impl_conf <impl> <node> <prio> <interval_ms>
impl_conf() {
	local impl=$1 node=$2 prio=$3 ivl=$4
	case $impl in
	keepalived) ka_conf "$node" "$prio" "$ivl" ;;
	clustd)
		{
			node_block "$node"
			cat <<-EOF
			instances = (
			  { name = "web"; interface = "eth0"; vrid = $BENCH_VRID; priority = $prio;
			    advert_interval = $ivl; preempt = true;
			    vips = [ "$BENCH_VIP/24" ]; } );
			EOF
		} | clustd_conf "$node"
		;;
	*) echo "impl_conf: unknown implementation $impl" >&2; return 1 ;;
	esac
}

# impl_start <impl> <node>. The daemon is disowned: bash then reaps it
# silently instead of reporting "Killed" after every SIGKILL run (its exit
# status is not wanted here; the lib's trap still stops it by PID).
impl_start() {
	local rc=0
	case $1 in
	keepalived) ka_start "$2" || rc=1 ;;
	clustd) clustd_start "$2" -l info || rc=1 ;;
	esac
	disown "$(clustd_pid "$2")" 2>/dev/null
	return $rc
}

# impl_signal <impl> <node> <SIG>
impl_signal() {
	case $1 in
	keepalived) ka_signal "$2" "$3" ;;
	clustd) clustd_signal "$2" "$3" ;;
	esac
}

# impl_wait_exit <node> <timeout_s>: the main process is gone (and reaped).
# bash's "Killed" job report after a SIGKILL is expected here: silence it.
impl_wait_exit() {
	clustd_wait_exit "$1" "$2" 2>/dev/null
}

# impl_master_re <impl>: ERE of the log line saying the node became master.
impl_master_re() {
	case $1 in
	keepalived) echo 'Entering MASTER STATE' ;;
	clustd) echo ': [A-Z]+ -> MASTER: ' ;;
	esac
}

# bench_stop_pair: stop n1 and n2 (whatever runs there: clustd, keepalived,
# a tool), forget their pids and their state directories.
bench_stop_pair() {
	local node p
	for node in n1 n2; do
		p=$(cat "$T/$node.pid" 2>/dev/null)
		[ -n "$p" ] && net_stop_pid "$p" 5000
		rm -f "$T/$node.pid"
	done
	rm -rf "$T/n1/state" "$T/n2/state"
}

# ---------------------------------------------------------- measurement

# bench_cpu_ns <node>: on-CPU ns of the node's daemon, every thread of it
# and of its children (keepalived's VRRP process), from schedstat.
bench_cpu_ns() {
	local main p t sum=0
	main=$(cat "$T/$1.pid" 2>/dev/null) || { echo 0; return; }
	for p in $main $(pgrep -P "$main" 2>/dev/null); do
		for t in /proc/"$p"/task/*/schedstat; do
			[ -r "$t" ] && sum=$((sum + $(cut -d' ' -f1 "$t")))
		done
	done
	echo "$sum"
}

# bench_adverts <capture> <out>: every VRRP advert of the capture as
# "<epoch seconds> <source> <priority>", in capture order.
bench_adverts() {
	pcap_fields "$1" "vrrp.type == 1 && vrrp.virt_rtr_id == $BENCH_VRID" \
		frame.time_epoch ip.src vrrp.prio >"$2"
}

# bench_failover <adverts> <kill|term> <old_ip> <new_ip> <t_event_ms> <t_end_ms> <interval_ms>
# Prints "<failover_ms> <event_to_takeover_ms>" for one run, from the adverts
# seen between the event and t_end:
#   new   = first advert of <new_ip> after the event;
#   kill: failover = new - last advert of <old_ip> (priority > 0) before new;
#   term: failover = new - the priority-0 advert of <old_ip>.
# Prints "FAIL <reason>" when the wire does not show that story: the old
# master was not advertising right before the event, a third node
# advertised in between, or the old master sent no priority 0.
bench_failover() {
	awk -v sc="$2" -v old="$3" -v new="$4" -v tev="$5" -v tend="$6" -v ivl="$7" '
	{
		t = $1 * 1000
		if (t > tend)
			exit
		if (t < tev) {
			if ($2 == old && $3 > 0)
				last = t
			next
		}
		if (!newt && $2 == new && $3 > 0) {
			newt = t
			exit
		}
		if ($2 == old && $3 > 0)
			last = t
		else if ($2 == old && $3 == 0 && !zero)
			zero = t
		else if ($2 != old)
			other = other " " $2 "/" $3
	}
	END {
		if (!newt) { print "FAIL no advert from " new " after the event"; exit }
		if (other != "") { print "FAIL other adverts before the takeover:" other; exit }
		# 50 ms of slack for a loaded host.
		if (!last || last < tev - ivl - 50) {
			print "FAIL " old " was not advertising when the event came"; exit
		}
		if (sc == "kill") {
			if (zero) { print "FAIL priority 0 seen after SIGKILL"; exit }
			ref = last
		} else {
			if (!zero) { print "FAIL no priority-0 advert from " old; exit }
			ref = zero
		}
		printf "%.1f %.1f\n", newt - ref, newt - tev
	}' "$1"
}

# bench_garp_delay <capture> <mac> <t_event_ms> <t_end_ms> <event_to_advert_ms>:
# ms from the new master's first advert to its first gratuitous ARP for
# BENCH_VIP (sent from <mac>) in the capture, "-" if none in the window.
bench_garp_delay() {
	pcap_fields "$1" "arp && arp.src.proto_ipv4 == $BENCH_VIP && eth.src == $2" \
		frame.time_epoch |
		awk -v tev="$3" -v tend="$4" -v s2n="$5" '
		{ t = $1 * 1000 }
		t >= tev && t <= tend { printf "%.1f\n", t - (tev + s2n); found = 1; exit }
		END { if (!found) print "-" }'
}

# bench_run <impl> <interval_ms> <kill|term> [<new_mac>]: one failover of
# the caller's topology. OLD (the master, address OLD_IP) is stopped by
# SIGKILL or SIGTERM at a random point of its advert cycle, NEW (NEW_IP)
# must take BENCH_VIP, then OLD is started again and must preempt back.
# Measured on the running capture "vrrp" (bench_adverts, bench_failover).
# With <new_mac>, that capture holds ARP too, and the run also needs NEW's
# gratuitous ARP for the VIP (bench_garp_delay).
# Sets BR_RES ("<failover_ms> <signal_to_new_ms>" or "FAIL <why>"), BR_TEV
# and BR_TEND (the window, wall-clock ms) and BR_GARP (ms, or "-"); returns
# 1 on FAIL. Globals rather than output: the daemon it starts again must
# stay a child of the calling shell, not of a command substitution.
bench_run() {
	local impl=$1 ivl=$2 sc=$3 mac=${4:-} sig s2n
	local takeover_s=$((2 * $(bench_mdi_ms 1 "$ivl") / 1000 + 2))
	BR_RES="" BR_GARP=-
	[ "$sc" = kill ] && sig=KILL || sig=TERM
	# Let the master settle, then hit it anywhere in its advert cycle.
	bench_sleep_ms $((2 * ivl + RANDOM % ivl))
	BR_TEV=$(now_ms)
	impl_signal "$impl" "$OLD" "$sig"
	if ! wait_until "$takeover_s" has_vip "$NEW" "$BENCH_VIP"; then
		BR_RES="FAIL $NEW did not take the VIP within $takeover_s s"
	fi
	impl_wait_exit "$OLD" 10 || impl_signal "$impl" "$OLD" KILL
	impl_wait_exit "$OLD" 5
	impl_start "$impl" "$OLD"
	if ! wait_until "$takeover_s" only_holder "$OLD" "$BENCH_VIP"; then
		BR_RES="${BR_RES:-FAIL} ($OLD did not preempt back within $takeover_s s)"
	fi
	# The window ends once OLD is back: NEW's first advert is in it for
	# sure (the VIP may be up a moment before that advert is sent).
	BR_TEND=$(now_ms)
	if [ -z "$BR_RES" ]; then
		bench_adverts vrrp "$T/adverts.txt"
		BR_RES=$(bench_failover "$T/adverts.txt" "$sc" "$OLD_IP" "$NEW_IP" \
			"$BR_TEV" "$BR_TEND" "$ivl")
	fi
	case $BR_RES in
	FAIL*) return 1 ;;
	esac
	[ -n "$mac" ] || return 0
	read -r _ s2n <<<"$BR_RES"
	BR_GARP=$(bench_garp_delay vrrp "$mac" "$BR_TEV" "$BR_TEND" "$s2n")
	if [ "$BR_GARP" = - ]; then
		BR_RES="FAIL no gratuitous ARP for $BENCH_VIP from $NEW"
		return 1
	fi
}

# bench_recover <impl> <interval_ms>: after a failed run, which may leave
# the nodes in any state, OLD running again and the only VIP holder; 1 if
# it does not get there in time (the caller then gives the series up).
bench_recover() {
	clustd_alive "$OLD" || impl_start "$1" "$OLD"
	wait_until $((2 * $(bench_mdi_ms 1 "$2") / 1000 + 5)) only_holder "$OLD" "$BENCH_VIP"
}

# bench_stop <node...>: SIGTERM each running daemon, bounded; SIGKILL what
# is left.
bench_stop() {
	local n pid
	for n in "$@"; do
		pid=$(clustd_pid "$n")
		net_pid_alive "$pid" || continue
		kill -TERM "$pid" 2>/dev/null
		clustd_wait_exit "$n" 10 || { kill -KILL "$pid"; clustd_wait_exit "$n" 5; }
	done
}

# bench_cpu_sample <pid>: "<utime+stime ms> <on-CPU ns> <stime ms>" of the
# process (/proc/<pid>/stat in clock ticks, /proc/<pid>/schedstat in ns);
# 1 if it is gone.
bench_cpu_sample() {
	local pid=$1 all sys tck
	net_pid_alive "$pid" || return 1
	tck=$(getconf CLK_TCK)
	# Fields after the ")" of comm: state is 3, utime 14, stime 15.
	read -r all sys < <(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null |
		awk '{ print $12 + $13, $13 }')
	[ -n "${sys:-}" ] || return 1
	echo "$((all * 1000 / tck)) $(awk '{ print $1 }' "/proc/$pid/schedstat" 2>/dev/null || echo 0) $((sys * 1000 / tck))"
}

# bench_out <results> [<title> <file>]...: with BENCH_OUT set, write the
# results file there, then each raw data file under "# <title>".
bench_out() {
	[ -n "${BENCH_OUT:-}" ] || return 0
	{
		cat "$1"
		echo
		shift
		while [ $# -ge 2 ]; do
			echo "# $1"
			cat "$2"
			shift 2
		done
	} >"$BENCH_OUT"
}

# bench_stats <file of numbers>: "<n> <min> <median> <max>" (ms, 0.1).
bench_stats() {
	sort -g "$1" | awk '
	{ v[NR] = $1 }
	END {
		if (NR == 0) { print "0 - - -"; exit }
		if (NR % 2) med = v[(NR + 1) / 2]
		else med = (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%d %.1f %.1f %.1f\n", NR, v[1], med, v[NR]
	}'
}
