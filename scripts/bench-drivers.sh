#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/bench-drivers.sh <clustd-binary>: the driver socket's costs
# (clustd-drivers(7)), run by `sudo make bench`.
#
# 1. Event latency, transition -> driver, with 1, 10 and 100 drivers
#    connected to n1 (one process, t/tools/drv_latency.c, reads them all
#    with epoll). n1 runs web alone at 20 ms adverts; host c injects an
#    advert of priority 200 every 100 ms (t/tools/vrrp_inject.py): n1 goes
#    MASTER -> BACKUP on it and BACKUP -> MASTER 68 ms later (its
#    Master_Down_Interval), BD_EVENTS transitions a series. A sample is the
#    time from the event's "time" (taken by the daemon at the transition,
#    CLOCK_REALTIME) to the moment the driver could read it. Goal: p99
#    <= 1 ms at 100 drivers. Also the longest the daemon's loop spent
#    queueing one event and sending the queues (status "event_max_us",
#    "flush_max_us").
# 2. A required driver's death on the master -> the VIP on the backup, at
#    100 ms adverts, no cluster plane: n1 (150) requires "webapp" (no
#    weight: FAULT), n2 (100); `clustd watch --id webapp` on n1 is
#    SIGKILLed at a random point of n1's advert cycle; from the wire
#    (tcpdump on the bridge): kill -> n1's priority-0 advert, kill -> n2's
#    first advert, kill -> n2's first gratuitous ARP for the VIP.
#    Goal: kill -> n2 <= n2's skew (60 ms) + 10 ms.
#
# Environment:
#   BD_EVENTS=200   transitions per latency series
#   BD_RUNS=5       deaths in part 2
#   BD_OUT=FILE     also write the table there
#   KEEP=1          keep the work dir $T
# shellcheck source-path=SCRIPTDIR
set -u

usage() {
	echo "usage: $0 <clustd-binary>" >&2
	exit 2
}
[ $# -eq 1 ] || usage
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
events=${BD_EVENTS:-200}
runs=${BD_RUNS:-5}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench-drivers: needs root (network namespaces): sudo make bench" >&2
	exit 2
fi
[ -x "$1" ] || { echo "bench-drivers: $1 is not an executable clustd binary" >&2; exit 2; }
case $events:$runs in
[1-9]*:[1-9] | [1-9]*:[1-9][0-9]) ;;
*) echo "bench-drivers: BD_EVENTS must be >= 1, BD_RUNS 1..99" >&2; exit 2 ;;
esac
CLUSTD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export CLUSTD

# shellcheck source=../t/net/lib.sh
. "$top/t/net/lib.sh"
# Bridged frames skip iptables, as in every bench (scripts/bench-lib.sh).
NET_BRIDGE_NF=0
# shellcheck source=../t/net/lib_drivers.sh
. "$top/t/net/lib_drivers.sh"

VIP=198.51.100.100
say() {
	echo "bench-drivers: $*"
}

net_init bench-drivers
LAT=$T/drv_latency
cc -std=c11 -O2 -Wall -Wextra -Werror -o "$LAT" "$top/t/tools/drv_latency.c" || exit 1
net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
net_host c 198.51.100.200/24
INJECT=(/usr/bin/python3 "$top/t/tools/vrrp_inject.py")
"${INJECT[@]}" --src 198.51.100.200 --vrid 51 --addr $VIP --hex >/dev/null 2>&1 ||
	{ say "needs /usr/bin/python3 with scapy (scripts/deps.sh)"; exit 1; }
results=$T/results
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs" >"$results"
echo >>"$results"

# ---- 1. latency
{
	node_block n1
	echo "instances = ("
	instance_block web eth0 51 150 $VIP/24 | sed 's/advert_interval = 100;/advert_interval = 20;/'
	echo
	echo ");"
} | clustd_conf n1
clustd_start n1
wait_until 10 only_holder n1 $VIP || { say "n1 did not start"; exit 1; }
echo "| drivers | reader | events x drivers | p50 (us) | p99 (us) | max (us) | queueing max (us) | sending max (us) |" >>"$results"
echo "|---:|---|---:|---:|---:|---:|---:|---:|" >>"$results"
# A series is run twice: with the reader at normal priority (what a driver
# gets on a busy host, its own wait for a CPU included), and with the reader
# real-time (SCHED_FIFO 1, below the daemon's loop), which leaves mostly the
# daemon's own delivery.
for series in "1 normal" "10 normal" "100 normal" "100 fifo"; do
	read -r n prio <<<"$series"
	run=("$LAT")
	[ "$prio" = fifo ] && run=(chrt -f 1 "$LAT")
	ip netns exec "${P}n1" "${run[@]}" "$(drv_sock n1)" "$n" "$events" 120 >"$T/lat-$n.out" 2>&1 &
	lpid=$!
	if ! wait_until 20 grep -qx ready "$T/lat-$n.out"; then
		say "$n drivers: no snapshot: $(cat "$T/lat-$n.out")"
		exit 1
	fi
	# 2 transitions per injected advert: as many as the series needs, and 20 more
	nsx c "${INJECT[@]}" --src 198.51.100.200 --vrid 51 --prio 200 --interval 2 --addr $VIP \
		--count $((events / 2 + 20)) --gap-ms 100 >"$T/inject.log" 2>&1
	wait "$lpid"
	read -r samples p50 p99 max least < <(tail -n 1 "$T/lat-$n.out")
	# The longest the daemon's loop spent telling one event (the running
	# maximum: the series go from few drivers to many).
	qmax=$(drv_status n1 .drivers.event_max_us)
	fmax=$(drv_status n1 .drivers.flush_max_us)
	say "$n driver(s), $prio reader: $samples samples (>= $least events each), p50 $p50 us, p99 $p99 us, max $max us; loop: queueing <= $qmax us, sending <= $fmax us"
	echo "| $n | $prio | $samples | $p50 | $p99 | $max | $qmax | $fmax |" >>"$results"
done
clustd_signal n1 TERM
clustd_wait_exit n1 10

# ---- 2. a required driver dies on the master
{
	node_block n1 | sed 's/ };$/ driver_grace = 0; };/'
	echo "instances = ("
	instance_block web eth0 51 150 $VIP/24 'drivers = ( { id = "webapp"; } );'
	echo
	echo ");"
} | clustd_conf n1
web_conf n2 100
clustd_start n2
wait_until 10 only_holder n2 $VIP
clustd_start n1
capture_start wire "ip proto 112 or arp"
mac2=$(host_mac n2)
echo >>"$results"
echo "| run | kill -> n1 priority 0 (ms) | kill -> n2 advert (ms) | kill -> n2 GARP (ms) |" >>"$results"
echo "|---:|---:|---:|---:|" >>"$results"
: >"$T/takeover.txt"
for r in $(seq "$runs"); do
	drv_watch webapp n1 --id webapp
	if ! wait_until 10 only_holder n1 $VIP || ! wait_until 5 backup_settled n2; then
		say "run $r: n1 did not take the VIP with its driver"
		break
	fi
	sleep "0.$((300 + RANDOM % 100))"
	t0=$(now_ms)
	kill -KILL "$(drv_pid webapp)"
	wait "$(drv_pid webapp)" 2>/dev/null
	wait_until 5 only_holder n2 $VIP || { say "run $r: n2 did not take the VIP"; break; }
	sleep 0.3
	# the first frame of each kind after the kill, from the wire
	first_after() { # <display filter>
		pcap_fields wire "$1" frame.time_epoch | awk -v t="$t0" '$1 * 1000 > t { print; exit }'
	}
	p0=$(first_after "vrrp && ip.src == 198.51.100.11 && vrrp.prio == 0")
	a2=$(first_after "vrrp && ip.src == 198.51.100.12 && vrrp.prio > 0")
	g2=$(first_after "arp && arp.src.proto_ipv4 == $VIP && eth.src == $mac2")
	line=$(awk -v t0="$t0" -v p="$p0" -v a="$a2" -v g="$g2" 'BEGIN {
		f = "%.1f"
		printf "%s %s %s\n", p ? sprintf(f, p * 1000 - t0) : "-", a ? sprintf(f, a * 1000 - t0) : "-",
		       g ? sprintf(f, g * 1000 - t0) : "-" }')
	read -r dp da dg <<<"$line"
	say "run $r: kill -> n1 priority 0 $dp ms, -> n2 advert $da ms, -> n2 GARP $dg ms"
	echo "| $r | $dp | $da | $dg |" >>"$results"
	[ "$da" != - ] && echo "$da" >>"$T/takeover.txt"
done
capture_stop wire
if [ -s "$T/takeover.txt" ]; then
	sort -g "$T/takeover.txt" | awk '{ v[NR] = $1 } END {
		printf "kill -> n2 advert over %d runs: min %.1f, median %.1f, max %.1f ms (goal <= 70)\n",
		       NR, v[1], v[int((NR + 1) / 2)], v[NR] }' | tee -a "$results" | sed 's/^/bench-drivers: /'
fi
echo
cat "$results"
[ -n "${BD_OUT:-}" ] && cp "$results" "$BD_OUT"
stop_all_daemons >/dev/null
exit 0
