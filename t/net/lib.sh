# SPDX-License-Identifier: GPL-2.0-or-later
# t/net/lib.sh - helpers for the clustd namespace integration tests.
#
# Source it from a bash test:   . "$(dirname "$0")/lib.sh"
# It sets -u (not -e). See t/net/README.md for the full API.
#
# Safety rules this file enforces for every test:
#  - all traffic stays inside namespaces named "clt-<id>-<pid>-<name>";
#    nothing is ever configured in the root namespace;
#  - everything started is recorded and torn down by PID or by name
#    on EXIT/INT/TERM (never pkill/killall);
#  - every wait is bounded in time.

set -u

: "${CLUSTD:=}"
NET_ID=""
P=""
T=""
NET_HOSTS=""		# host names created by net_host, in creation order
NET_NAMESPACES=""	# every namespace we created (full names)
NET_BG_PIDS=""		# background helpers (captures, clients)
NET_DAEMONS=""		# node names started with clustd_start (dedup'd)
NET_CLEANED=0
# NET_BRIDGE_NF=0: the bridge namespace does not pass bridged frames to
# iptables/ip6tables/arptables (br_netfilter's per-namespace sysctls, 1 by
# default in every new namespace wherever br_netfilter is loaded, as on a
# docker host). The benches set it (doc/bench.md, "Performance"); the tests
# leave the host's default.
: "${NET_BRIDGE_NF:=}"
# The prefix for a measuring instrument (a client that counts failed
# requests, the web server it asks): real-time above the daemons' loops
# (SCHED_FIFO 20 against clustd's SCHED_RR 10) where the machine allows it,
# so that what it measures is the network and the daemons, not its own
# starvation while other tests' real-time daemons keep both cores busy.
NET_INSTRUMENT=()
chrt -f 20 true 2>/dev/null && NET_INSTRUMENT=(chrt -f 20)
TAP_N=0
TAP_PASS=0
TAP_FAIL=0
TAP_SKIP=0
TAP_FAILED_DESCS=()

# ---------------------------------------------------------------- time

now_ms() {
	# EPOCHREALTIME (bash >= 5) avoids a fork per sample.
	if [ -n "${EPOCHREALTIME:-}" ]; then
		local t=${EPOCHREALTIME/[.,]/}
		echo $((t / 1000))
	else
		date +%s%3N
	fi
}

# wait_until <timeout_s> <cmd...>: poll every 20 ms; 1 on timeout.
wait_until() {
	local timeout_s=$1
	shift
	local deadline=$(($(now_ms) + ${timeout_s%.*} * 1000))
	# Accept fractional seconds such as 0.5 too.
	case $timeout_s in
	*.*)
		local frac=${timeout_s#*.}
		frac=${frac}000
		deadline=$((deadline + 10#${frac:0:3}))
		;;
	esac
	while :; do
		"$@" && return 0
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.02
	done
}

# --------------------------------------------------------------- TAP

ok() {
	TAP_N=$((TAP_N + 1))
	TAP_PASS=$((TAP_PASS + 1))
	echo "ok $TAP_N - $*"
}

fail() {
	TAP_N=$((TAP_N + 1))
	TAP_FAIL=$((TAP_FAIL + 1))
	TAP_FAILED_DESCS+=("$*")
	echo "not ok $TAP_N - $*"
}

# skip <reason>: a check this machine cannot run. TAP "ok N # SKIP": run.sh
# counts it as skipped (not passed), and `make check` fails on skips
# unless CLUSTD_ALLOW_SKIP=1.
skip() {
	TAP_N=$((TAP_N + 1))
	TAP_SKIP=$((TAP_SKIP + 1))
	echo "ok $TAP_N # SKIP $*"
}

# check <desc> <cmd...>: ok if the command succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		fail "$desc"
	fi
}

# diag <text>: a TAP comment line (measured times and the like).
diag() {
	echo "# $*"
}

# ------------------------------------------------------ life cycle

net_init() {
	if [ $# -ne 1 ]; then
		echo "net_init: usage: net_init <id>" >&2
		exit 2
	fi
	NET_ID=$1
	P="clt-$1-$$-"
	T=$(mktemp -d "/tmp/clt-$1.XXXX") || exit 2
	trap net_cleanup EXIT
	trap 'net_cleanup; trap - INT; kill -INT $$' INT
	trap 'net_cleanup; trap - TERM; kill -TERM $$' TERM
	# Sanitizer reports must land in the daemon log, and a UBSan error
	# must be fatal so a test cannot pass over it.
	export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "# $1: needs root (network namespaces)" >&2
		exit 2
	fi
}

# Is pid alive (and not a zombie)?
net_pid_alive() {
	local pid=$1 st
	[ -n "$pid" ] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ "$st" != Z ] && [ -n "$st" ]
}

# Stop a pid: SIGTERM, wait up to grace_ms, then SIGKILL. Reaps it if it is
# our child.
net_stop_pid() {
	local pid=$1 grace_ms=${2:-3000} deadline
	net_pid_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	deadline=$(($(now_ms) + grace_ms))
	while net_pid_alive "$pid" && [ "$(now_ms)" -lt "$deadline" ]; do
		sleep 0.02
	done
	if net_pid_alive "$pid"; then
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

net_cleanup() {
	[ "$NET_CLEANED" = 1 ] && return 0
	NET_CLEANED=1
	local node pid ns p
	for node in $NET_DAEMONS; do
		pid=$(cat "$T/$node.pid" 2>/dev/null)
		[ -n "$pid" ] && net_stop_pid "$pid" 3000
	done
	for pid in $NET_BG_PIDS; do
		net_stop_pid "$pid" 1000
	done
	# Anything still running inside our namespaces was started by us
	# (for instance a notify script the daemon left behind): kill it by
	# PID before the namespace goes.
	for ns in $NET_NAMESPACES; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
	done
	for ns in $NET_NAMESPACES; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$T" ] && [ -d "$T" ]; then
		if [ "${KEEP:-0}" = 1 ]; then
			echo "# kept $T" >&2
		else
			rm -rf -- "$T"
		fi
	fi
	return 0
}

# ---------------------------------------------------------- topology

net_ns_add() {
	ip netns add "$1" || { echo "# cannot create namespace $1" >&2; exit 2; }
	NET_NAMESPACES="$NET_NAMESPACES $1"
}

# net_bridge [<bridge>]: namespace ${P}br holding the bridge (default br0).
# Several bridges can live in the one bridge namespace (br0, br1...).
net_bridge() {
	local br=${1:-br0}
	if [ ! -e "/run/netns/${P}br" ]; then
		net_ns_add "${P}br"
		# The bridge namespace itself takes no part in IPv6: it keeps
		# router solicitations and MLD reports out of the captures.
		ip netns exec "${P}br" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null
		ip -n "${P}br" link set lo up
		[ "$NET_BRIDGE_NF" = 0 ] && net_bridge_nf_off
	fi
	# No STP, no forwarding delay and no multicast snooping: VRRP
	# multicast (224.0.0.18, ff02::12) must flood to every port at once.
	ip -n "${P}br" link add "$br" type bridge stp_state 0 forward_delay 0 \
		mcast_snooping 0 || exit 2
	ip -n "${P}br" link set "$br" up || exit 2
}

# net_bridge_nf_off: bridged frames skip br_netfilter's iptables hooks in
# the bridge namespace. Without br_netfilter the sysctls do not exist and
# there is nothing to turn off.
net_bridge_nf_off() {
	local f
	for f in iptables ip6tables arptables; do
		[ -e /proc/sys/net/bridge/bridge-nf-call-$f ] || continue
		ip netns exec "${P}br" sysctl -qw "net.bridge.bridge-nf-call-$f=0" >/dev/null || exit 2
	done
}

# net_attach <name> <bridge> <ifname> <ipv4/24> [<ipv6/64>]: give host
# <name> another interface on <bridge>. The bridge side is called
# v-<name> for eth0 on br0, <ifname>-<name> otherwise (15 chars max).
net_attach() {
	local name=$1 br=$2 ifn=$3 a4=$4 a6=${5:-} peer
	if [ "$br" = br0 ] && [ "$ifn" = eth0 ]; then
		peer="v-$name"
	else
		peer="$ifn-$name"
	fi
	if [ ${#peer} -gt 15 ]; then
		echo "# interface name $peer too long (host name $name)" >&2
		exit 2
	fi
	ip -n "${P}br" link add "$peer" type veth peer name "$ifn" netns "${P}$name" || exit 2
	ip -n "${P}br" link set "$peer" master "$br" up || exit 2
	ip -n "${P}$name" addr add "$a4" dev "$ifn" || exit 2
	if [ -n "$a6" ]; then
		ip -n "${P}$name" addr add "$a6" dev "$ifn" nodad || exit 2
	fi
	ip -n "${P}$name" link set "$ifn" up || exit 2
}

# net_host <name> <ipv4/24> [<ipv6/64>]: namespace ${P}<name> with eth0
# on br0 (bridge side v-<name>).
net_host() {
	local name=$1
	net_ns_add "${P}$name"
	ip netns exec "${P}$name" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 >/dev/null || exit 2
	ip -n "${P}$name" link set lo up || exit 2
	net_attach "$name" br0 eth0 "$2" "${3:-}"
	NET_HOSTS="$NET_HOSTS $name"
}

# nsx <name> <cmd...>: run a command inside host <name>'s namespace.
nsx() {
	local name=$1
	shift
	ip netns exec "${P}$name" "$@"
}

# host_mac <name> [<dev>]: MAC address of the host's interface.
host_mac() {
	ip -n "${P}$1" -o link show dev "${2:-eth0}" 2>/dev/null |
		sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

# ------------------------------------------------------------ VIPs

# has_vip <node> <vip> [<dev>]: 0 if the node's interface carries the address.
has_vip() {
	local node=$1 vip=$2 dev=${3:-eth0}
	ip -n "${P}$node" -o addr show dev "$dev" 2>/dev/null |
		awk -v v="$vip" '{ split($4, a, "/"); if (a[1] == v) f = 1 } END { exit !f }'
}

# vip_holders <vip> [<dev>]: space-separated hosts holding it (one `ip`
# per host). For a one-off look; the samplers below use vip_sampler.py.
vip_holders() {
	local vip=$1 dev=${2:-eth0} h o out=""
	for h in $NET_HOSTS; do
		o=$(ip -n "${P}$h" -o addr show dev "$dev" 2>/dev/null)
		[[ $o == *" $vip/"* ]] && out="$out $h"
	done
	echo "${out# }"
}

# The samplers run t/tools/vip_sampler.py: it enters each namespace once,
# keeps one netlink socket per namespace and dumps the addresses every
# period, where an `ip` per host per sample falls behind on loaded CI.
NET_VIP_SAMPLER=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)/vip_sampler.py

# net_sampler_hosts: "<host>=<namespace>" for every host, in NET_HOSTS order
# (the order vip_holders lists holders in).
net_sampler_hosts() {
	local h
	for h in $NET_HOSTS; do
		echo "$h=${P}$h"
	done
}

# net_sampler_bg <pidfile> <out> <sample args...>: `vip_sampler.py sample
# <args> --out <out>` in the background (stderr to <out>.err, pid to
# <pidfile>); waits (at most 10 s) for its first sample, so that what the
# caller does next is sampled. 1 and a failed check if it did not start.
net_sampler_bg() {
	local pidfile=$1 out=$2 pid
	shift 2
	: >"$out"
	python3 "$NET_VIP_SAMPLER" sample --out "$out" "$@" 2>"$out.err" &
	pid=$!
	echo "$pid" >"$pidfile"
	NET_BG_PIDS="$NET_BG_PIDS $pid"
	wait_until 10 test -s "$out" && return 0
	fail "VIP sampler into ${out##*/} started ($(head -c 300 "$out.err" 2>/dev/null))"
	return 1
}

# net_sampler_stop <pidfile> <out>: stop it (SIGTERM: it finishes the sample
# under way); its stderr, if any, as a diag line.
net_sampler_stop() {
	local pid
	pid=$(cat "$1" 2>/dev/null)
	[ -n "$pid" ] && net_stop_pid "$pid" 1000
	if [ -s "$2.err" ]; then
		diag "sampler ${2##*/} stderr: $(head -c 300 "$2.err" | tr '\n' ' ')"
	fi
	return 0
}

# sample_holders_every <period_ms> <end_ms> <vip> <dev> [<tool args>]: until
# the wall clock reaches end_ms, one "<ms> <holders or -none->" line per
# period on stdout (deadline-paced: the wait is what is left of the period
# after the look-ups). Extra args go to vip_sampler.py (e.g. --for-ms).
sample_holders_every() {
	local period=$1 end=$2 vip=$3 dev=$4 max_s
	shift 4
	max_s=$(((end - $(now_ms)) / 1000 + 2))
	# shellcheck disable=SC2046 # one word per host
	python3 "$NET_VIP_SAMPLER" sample --format holders --period-ms "$period" \
		--until-ms "$end" --max-s "$max_s" --vip "$vip" --dev "$dev" "$@" \
		$(net_sampler_hosts)
}

# sampler_period_check <what> <file> <asked_ms> [<column>]: assert that a
# sampler really sampled at about the period it was asked for: at least 3
# samples, mean period (first to last sample, times in ms in <column>,
# default 1) within 2x of asked. A sampler that falls behind would hide
# short overlaps, so a slow one fails the test instead.
sampler_period_check() {
	local what=$1 file=$2 asked=$3 col=${4:-1} n mean
	read -r n mean < <(awk -v c="$col" '!/^#/ && $c ~ /^[0-9.]+$/ { if (!n++) f = $c; l = $c }
		END { if (n > 1) printf "%d %.1f\n", n, (l - f) / (n - 1); else printf "%d -1\n", n + 0 }' "$file" 2>/dev/null)
	check "$what: the sampler kept its period (${n:-0} samples, mean ${mean:-?} ms, asked $asked ms, limit x2)" \
		awk -v n="${n:-0}" -v m="${mean:--1}" -v a="$asked" 'BEGIN { exit !(n >= 3 && m >= a / 2 && m <= 2 * a) }'
}

# vip_sample <duration_ms> <vip> [<dev>]: sample the holders every 20 ms
# for the duration (counted from the first sample, so that the sampler's
# start-up does not shorten it); prints each distinct holder set seen, one
# per line, "<count> <holders or -none->". The samples stay in
# $T/vip_sample.samples: follow with vip_sample_period_check.
vip_sample() {
	local dur=$1 vip=$2 dev=${3:-eth0}
	# The deadline only bounds a sampler that would not start.
	sample_holders_every 20 $(($(now_ms) + dur + 10000)) "$vip" "$dev" --for-ms "$dur" \
		>"$T/vip_sample.samples"
	cut -d' ' -f2- "$T/vip_sample.samples" | sort | uniq -c | sed 's/^ *//'
}

# vip_sample_period_check: the last vip_sample kept its 20 ms period.
vip_sample_period_check() {
	sampler_period_check "vip_sample" "$T/vip_sample.samples" 20
}

# only_holder <node> <vip> [<dev>]: exactly that node holds the VIP.
only_holder() {
	[ "$(vip_holders "$2" "${3:-eth0}")" = "$1" ]
}

# ---------------------------------------------------------- daemons

# node_block <node>: the config's `node = {...};` line, dirs under $T.
node_block() {
	mkdir -p "$T/$1/state" "$T/$1/run"
	printf 'node = { name = "%s"; state_dir = "%s/%s/state"; run_dir = "%s/%s/run"; };\n' \
		"$1" "$T" "$1" "$T" "$1"
}

# instance_block <name> <iface> <vrid> <prio> <vip/prefix> [<extra settings>]
# prints one instance group (without the separating comma), advert every
# 100 ms, preempt on unless extra says otherwise. Extra is inserted
# verbatim, e.g. 'preempt = false; notify = { ... };'.
instance_block() {
	local extra=${6:-}
	case $extra in
	*preempt*) ;;
	*) extra="preempt = true; $extra" ;;
	esac
	printf '{ name = "%s"; interface = "%s"; vrid = %s; priority = %s;\n  advert_interval = 100; %s\n  vips = [ "%s" ]; }' \
		"$1" "$2" "$3" "$4" "$extra" "$5"
}

# clustd_conf <node>: config body from stdin into $T/<node>.conf.
clustd_conf() {
	mkdir -p "$T/$1/state" "$T/$1/run"
	cat >"$T/$1.conf"
}

# clustd_start <node> [args...]: run the daemon in the node's namespace.
clustd_start() {
	local node=$1 pid
	shift
	if [ -z "$CLUSTD" ] || [ ! -x "$CLUSTD" ]; then
		echo "# CLUSTD is not set to an executable (got '$CLUSTD')" >&2
		return 1
	fi
	mkdir -p "$T/$node/state" "$T/$node/run"
	echo "=== $(date +%T.%3N) clustd_start $node $*" >>"$T/$node.log"
	ip netns exec "${P}$node" "$CLUSTD" -n -f "$T/$node.conf" -l debug "$@" \
		>>"$T/$node.log" 2>&1 &
	pid=$!
	echo "$pid" >"$T/$node.pid"
	rm -f "$T/$node.rc" "$T/$node.stopped"
	case " $NET_DAEMONS " in
	*" $node "*) ;;
	*) NET_DAEMONS="$NET_DAEMONS $node" ;;
	esac
	return 0
}

clustd_pid() {
	cat "$T/$1.pid" 2>/dev/null
}

clustd_alive() {
	net_pid_alive "$(clustd_pid "$1")"
}

# clustd_signal <node> <SIG>. A signal that ends the daemon (anything but
# HUP, USR1, USR2, CONT, 0) marks it as stopped by the test (see
# clustd_mark_stopped); the next clustd_start clears the mark.
clustd_signal() {
	local pid
	pid=$(clustd_pid "$1")
	[ -n "$pid" ] || return 1
	case $2 in
	HUP | USR1 | USR2 | CONT | 0) ;;
	*) clustd_mark_stopped "$1" "$2" ;;
	esac
	kill -"$2" "$pid"
}

# clustd_mark_stopped <node> <why>: the test ended this daemon on purpose
# (a signal, or a start it expects to fail). Without the mark, a daemon
# found dead at done_testing fails the test: it crashed or quit by itself.
# <why> TERM or INT also makes done_testing require exit status 0.
clustd_mark_stopped() {
	echo "$2" >"$T/$1.stopped"
}

# clustd_wait_exit <node> <timeout_s>: 0 once the daemon is gone; its exit
# status is then in $T/<node>.rc (see clustd_exit_code).
clustd_wait_exit() {
	local node=$1 pid rc
	pid=$(clustd_pid "$node")
	[ -n "$pid" ] || return 1
	wait_until "$2" eval "! net_pid_alive $pid" || return 1
	wait "$pid" 2>/dev/null
	rc=$?
	# A second wait on an already reaped pid returns 127: keep the first.
	[ -f "$T/$node.rc" ] || echo "$rc" >"$T/$node.rc"
	return 0
}

clustd_exit_code() {
	cat "$T/$1.rc" 2>/dev/null
}

# clustd_kill <node>: SIGKILL and reap (bounded).
clustd_kill() {
	clustd_signal "$1" KILL && clustd_wait_exit "$1" 5
}

# web_conf <node> <prio> [<extra settings>]: the usual one-instance config:
# instance "web", eth0, VRID 51, VIP 198.51.100.100/24, advert 100 ms.
web_conf() {
	{
		node_block "$1"
		echo "instances = ("
		instance_block web eth0 51 "$2" 198.51.100.100/24 "${3:-}"
		echo
		echo ");"
	} | clustd_conf "$1"
}

# ----------------------------------------------------------- notify

# notify_scripts <node>: one script per kind (master backup fault stop any)
# as $T/<node>-<kind>.sh, each appending one line to $T/<node>.notify:
#   <kind> <argv...> | state=<S> prev=<P> vips=<V> reason=<R> inst=<I>
# (an unset variable shows as UNSET).
notify_scripts() {
	local node=$1 kind
	for kind in master backup fault stop any; do
		{
			echo '#!/bin/sh'
			printf '%s\n' "printf '%s %s | state=%s prev=%s vips=%s reason=%s inst=%s\\n' $kind \"\$*\" \\"
			printf '%s\n' "	\"\${CLUSTD_STATE-UNSET}\" \"\${CLUSTD_PREV_STATE-UNSET}\" \"\${CLUSTD_VIPS-UNSET}\" \\"
			printf '%s\n' "	\"\${CLUSTD_REASON-UNSET}\" \"\${CLUSTD_INSTANCE-UNSET}\" >>\"$T/$node.notify\""
		} >"$T/$node-$kind.sh"
		chmod 755 "$T/$node-$kind.sh"
	done
	: >"$T/$node.notify"
}

# notify_block <node> [<timeout_ms>] [<kind>=<path>...]: the instance's
# notify = {...}; setting using notify_scripts' scripts, with overrides.
notify_block() {
	local node=$1 timeout=${2:-2000} kind path kv out=""
	shift
	[ $# -gt 0 ] && shift
	for kind in master backup fault stop any; do
		path="$T/$node-$kind.sh"
		for kv in "$@"; do
			[ "${kv%%=*}" = "$kind" ] && path=${kv#*=}
		done
		out="$out $kind = \"$path\";"
	done
	echo "notify = {$out timeout = $timeout; };"
}

# notify_lines <node>: what the scripts recorded.
notify_lines() {
	cat "$T/$1.notify" 2>/dev/null
}

# --------------------------------------------------------- samplers

# vip_sampler_start <name> <vip> [<max_s>] [<dev>]: sample the holders every
# 20 ms in the background (bounded by max_s, default 60) into
# $T/<name>.samples, one "<ms> <holders or -none->" line each. Returns once
# the first sample is in.
vip_sampler_start() {
	local name=$1 vip=$2 max_s=${3:-60} dev=${4:-eth0}
	# shellcheck disable=SC2046 # one word per host
	net_sampler_bg "$T/$name.sampler.pid" "$T/$name.samples" --format holders \
		--period-ms 20 --max-s "$max_s" --vip "$vip" --dev "$dev" $(net_sampler_hosts)
}

# vip_sampler_stop <name>: stop it and print "<count> <holders>" per
# distinct holder set seen. Follow with vip_sampler_period_check <name>.
vip_sampler_stop() {
	net_sampler_stop "$T/$1.sampler.pid" "$T/$1.samples" >&2
	cut -d' ' -f2- "$T/$1.samples" | sort | uniq -c | sed 's/^ *//'
}

# vip_sampled_after <name> <from_ms>: the distinct holder sets a sampler
# (stopped) saw from then on, one word each, holders joined by "+", e.g.
# "n2" for n2 alone, "n1+n2 n2" when both held it for a while.
vip_sampled_after() {
	awk -v t="$2" '$1 >= t { $1 = ""; sub(/^ /, ""); gsub(/ /, "+"); print }' \
		"$T/$1.samples" | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# vip_sampler_period_check <name>: it kept its 20 ms period.
vip_sampler_period_check() {
	sampler_period_check "sampler $1" "$T/$1.samples" 20
}

# ------------------------------------------------------------- logs

# log_lines <node>: number of lines in the node's log (a mark for log_since).
log_lines() {
	if [ -f "$T/$1.log" ]; then
		wc -l <"$T/$1.log"
	else
		echo 0
	fi
}

# log_since <node> <mark>: log lines after the mark.
log_since() {
	tail -n +"$(($2 + 1))" "$T/$1.log" 2>/dev/null
}

# log_has <node> <ERE> [<mark>]: the log (after mark) matches.
log_has() {
	log_since "$1" "${3:-0}" | grep -Eq -- "$2"
}

# wait_log <timeout_s> <node> <ERE> [<mark>]
wait_log() {
	local t=$1
	shift
	wait_until "$t" log_has "$@"
}

# log_count <node> <ERE> [<mark>]
log_count() {
	log_since "$1" "${3:-0}" | grep -Ec -- "$2"
}

# -------------------------------------------------------- captures

# capture_start <name> <filter> [<iface>] [in|out]: tcpdump in the bridge
# namespace on br0 (default) or on a bridge port such as v-n1, pcap to
# $T/<name>.pcap. On a port, "in" keeps only what the host sends. Returns
# once the capture is really listening. CAP_SNAPLEN: bytes kept per packet
# (default 256).
capture_start() {
	local name=$1 filter=$2 ifc=${3:-br0} dir=${4:-inout} pid
	rm -f "$T/$name.pcap" "$T/$name.cap.err"
	ip netns exec "${P}br" tcpdump -U --immediate-mode -n -s "${CAP_SNAPLEN:-256}" -Z root -i "$ifc" -Q "$dir" \
		-w "$T/$name.pcap" "$filter" 2>"$T/$name.cap.err" &
	pid=$!
	echo "$pid" >"$T/$name.cap.pid"
	NET_BG_PIDS="$NET_BG_PIDS $pid"
	if ! wait_until 10 grep -qs "listening on" "$T/$name.cap.err"; then
		echo "# capture $name did not start:" >&2
		cat "$T/$name.cap.err" >&2
		return 1
	fi
	return 0
}

# capture_stop <name>: SIGINT, wait (bounded) so the pcap is complete.
capture_stop() {
	local pid
	pid=$(cat "$T/$1.cap.pid" 2>/dev/null)
	[ -n "$pid" ] || return 1
	kill -INT "$pid" 2>/dev/null
	wait_until 5 eval "! net_pid_alive $pid"
	net_pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# pcap_fields <name> <display filter> <field...>: tshark field dump, one
# packet a line, tab separated (frame.time_epoch is handy for timing).
# Fails (status 1, the reason on stderr and in $T/<name>.tshark.err) when
# tshark does: a missing or broken pcap or a bad filter is not "no packets".
pcap_fields() {
	local name=$1 df=$2 f args=() out rc
	shift 2
	for f in "$@"; do
		args+=(-e "$f")
	done
	out=$(tshark -n -r "$T/$name.pcap" -Y "$df" -T fields "${args[@]}" 2>"$T/$name.tshark.err")
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "# tshark failed (exit $rc) on $name.pcap with '$df': $(grep -v 'Running as user' "$T/$name.tshark.err" | head -c 300)" >&2
		return 1
	fi
	[ -n "$out" ] && printf '%s\n' "$out"
	return 0
}

# pcap_count <name> <display filter>: the number of matching packets, or
# "tshark-failed" (status 1) when tshark fails, so that neither a numeric
# test nor a comparison with "0" can pass on a broken capture.
pcap_count() {
	local out
	if ! out=$(pcap_fields "$1" "$2" frame.number); then
		echo tshark-failed
		return 1
	fi
	printf '%s\n' "$out" | grep -c .
}

# max_gap_ms <name> <display filter>: biggest gap between consecutive
# matching packets, in ms (0 with fewer than two packets; "tshark-failed"
# and status 1 when tshark fails).
max_gap_ms() {
	local out
	if ! out=$(pcap_fields "$1" "$2" frame.time_epoch); then
		echo tshark-failed
		return 1
	fi
	printf '%s\n' "$out" |
		awk 'NR > 1 { g = ($1 - p) * 1000; if (g > m) m = g } { p = $1 }
		     END { printf "%d\n", m }'
}

# prio0_takeover_ms <capture> <old src> <new src>: on the wire, from the
# old master's first priority-0 advert to the new master's first advert
# after it, in ms (IPv4 or IPv6 sources); "none" (status 1) if either is
# missing, "tshark-failed" if tshark failed.
prio0_takeover_ms() {
	local cap=$1 old=$2 new=$3 fam=ip t0 t1
	case $old in *:*) fam=ipv6 ;; esac
	t0=$(pcap_fields "$cap" "vrrp && $fam.src == $old && vrrp.prio == 0" frame.time_epoch) ||
		{ echo tshark-failed; return 1; }
	t0=$(echo "$t0" | head -n 1)
	[ -n "$t0" ] || { echo none; return 1; }
	t1=$(pcap_fields "$cap" "vrrp && $fam.src == $new && vrrp.prio > 0 && frame.time_epoch > $t0" frame.time_epoch) ||
		{ echo tshark-failed; return 1; }
	t1=$(echo "$t1" | head -n 1)
	[ -n "$t1" ] || { echo none; return 1; }
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d\n", (b - a) * 1000 + 0.5 }'
}

# backup_settled <node> [<instance>]: the instance (default the first) is
# BACKUP and has received adverts (it has heard its master): the readiness
# wait before killing or stopping that master.
backup_settled() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" status --json 2>/dev/null |
		jq -e --arg n "${2:-}" '[.instances[] | select($n == "" or .name == $n)][0] |
			.state == "BACKUP" and .counters.adverts_received > 0' >/dev/null 2>&1
}

# ------------------------------------------------------------ ending

# Sanitizer reports in any daemon log fail the test.
check_sanitizers() {
	local node bad
	for node in $NET_DAEMONS; do
		bad=$(grep -E 'AddressSanitizer|runtime error|LeakSanitizer' "$T/$node.log" 2>/dev/null | head -3)
		if [ -z "$bad" ]; then
			ok "$node: no sanitizer report in the log"
		else
			fail "$node: sanitizer report in the log: $bad"
		fi
	done
}

# exit_desc <status>: "status N" plus what it means (signal, sanitizer).
exit_desc() {
	local rc=$1 log=$2 what=""
	case $rc in
	'' ) echo "status unknown"; return ;;
	esac
	if [ "$rc" -gt 128 ] 2>/dev/null; then
		what=" = SIG$(kill -l $((rc - 128)) 2>/dev/null)"
	fi
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error' "$log" 2>/dev/null; then
		what="$what, sanitizer report in the log"
	fi
	echo "status $rc$what"
}

# daemon_died <node> <pid>: the daemon is gone and the test did not stop
# it: that fails the test, with its exit status and its log's tail.
daemon_died() {
	local node=$1 pid=$2 rc
	[ -f "$T/$node.rc" ] || clustd_wait_exit "$node" 1 2>/dev/null
	rc=$(clustd_exit_code "$node")
	fail "$node: died during the test without being stopped by it ($(exit_desc "$rc" "$T/$node.log"))"
	echo "# ---- tail of $node.log (it died)"
	tail -n 30 "$T/$node.log" 2>/dev/null | sed 's/^/#   /'
}

# stopped_ok <node>: a daemon the test stopped with SIGTERM/SIGINT must
# have exited 0 (it was reaped by clustd_wait_exit, or is reaped now).
stopped_ok() {
	local node=$1 why rc
	why=$(cat "$T/$node.stopped" 2>/dev/null)
	case $why in
	TERM | INT) ;;
	*) return 0 ;;
	esac
	[ -f "$T/$node.rc" ] || clustd_wait_exit "$node" 1 2>/dev/null
	rc=$(clustd_exit_code "$node")
	[ "$rc" = 0 ] && return 0
	fail "$node: stopped by the test with SIG$why, $(exit_desc "$rc" "$T/$node.log") instead of 0"
}

# Stop every daemon still running with SIGTERM (their exit flushes leak
# reports into the logs) and say whether each exited cleanly. A daemon
# that is no longer running fails the test unless the test stopped it
# (clustd_signal / clustd_kill / clustd_mark_stopped).
stop_all_daemons() {
	local node pid rc
	for node in $NET_DAEMONS; do
		pid=$(clustd_pid "$node")
		if ! net_pid_alive "$pid"; then
			if [ -f "$T/$node.stopped" ]; then
				stopped_ok "$node"
			else
				daemon_died "$node" "$pid"
			fi
			continue
		fi
		kill -TERM "$pid" 2>/dev/null
		if clustd_wait_exit "$node" 10; then
			rc=$(clustd_exit_code "$node")
			if [ "$rc" = 0 ]; then
				ok "$node: exits 0 on SIGTERM at the end"
			else
				fail "$node: exit status $rc on SIGTERM at the end ($(exit_desc "$rc" "$T/$node.log"))"
			fi
		else
			fail "$node: still running 10 s after SIGTERM"
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
		fi
	done
}

# done_testing: stop the daemons, check the sanitizers, print the summary;
# dumps the tail of every daemon log when something failed.
done_testing() {
	local node
	stop_all_daemons
	check_sanitizers
	echo "# $NET_ID: $TAP_PASS passed, $TAP_FAIL failed, $TAP_SKIP skipped"
	if [ "$TAP_FAIL" -gt 0 ]; then
		for node in $NET_DAEMONS; do
			echo "# ---- tail of $node.log"
			tail -n 40 "$T/$node.log" 2>/dev/null | sed 's/^/#   /'
		done
	fi
	[ "$TAP_FAIL" -eq 0 ] && exit 0
	exit 1
}
