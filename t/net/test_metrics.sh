#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Exposure of the counters: `clustd metrics` is valid Prometheus text (the
# reference parser of python3-prometheus-client reads it; HELP/TYPE on
# every family, counters end in _total, no duplicate series) and carries
# every kind of counter with instance/reason/from/to/state labels;
# `clustd status --json` carries the same counters; `metrics_file` is kept
# current once a second and replaced atomically (a reader polling it never
# sees a partial file). Notify runs, failures and timeouts, and track runs
# are counted from real scripts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_counters.sh"
net_init metrics
VIP=198.51.100.100
PROM="$(cd "$(dirname "$0")/../tools" && pwd)/prom_check.py"
MF=$T/n1/metrics/clustd.prom

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
mkdir -p "$T/n1/metrics"
printf '#!/bin/sh\nsleep 5\n' >"$T/hang.sh"
chmod 755 "$T/hang.sh"
{
	printf 'node = { name = "n1"; state_dir = "%s/n1/state"; run_dir = "%s/n1/run"; metrics_file = "%s"; };\n' "$T" "$T" "$MF"
	echo "instances = ("
	instance_block web eth0 51 200 $VIP/24 "notify = { backup = \"/bin/false\"; master = \"$T/hang.sh\"; timeout = 300; };
	  track = { scripts = ( { name = \"ok\"; command = \"/bin/true\"; interval = 200; timeout = 1000; weight = 10; } ); };"
	echo ");"
} | clustd_conf n1
web_conf n2 100
clustd_start n2
clustd_start n1
check "n1 becomes master" wait_until 15 ct_state_is n1 MASTER
sleep 1.5

metrics() {
	nsx n1 "$CLUSTD" -f "$T/n1.conf" metrics
}
# value <name> [k=v ...]: one sample of `clustd metrics`.
value() {
	metrics | /usr/bin/python3 "$PROM" - "$@"
}

metrics >"$T/m1"
check "clustd metrics parses ($(/usr/bin/python3 "$PROM" "$T/m1" 2>&1))" eval '/usr/bin/python3 "$PROM" "$T/m1" >/dev/null'
check "adverts_sent_total{instance=web} > 0" test "$(value clustd_adverts_sent_total instance=web)" -gt 0
check "transitions_total INIT -> BACKUP = 1" \
	test "$(value clustd_transitions_total instance=web from=INIT to=BACKUP)" = 1
check "transitions_total BACKUP -> MASTER = 1" \
	test "$(value clustd_transitions_total instance=web from=BACKUP to=MASTER)" = 1
check "failovers_total = 1" test "$(value clustd_failovers_total instance=web)" = 1
check "adverts_dropped_total has a reason label (bad_ttl = 0)" \
	test "$(value clustd_adverts_dropped_total instance=web reason=bad_ttl)" = 0
check "state_seconds_total{state=BACKUP} > 0" \
	awk -v v="$(value clustd_state_seconds_total instance=web state=BACKUP)" 'BEGIN { exit !(v > 0) }'
check "notify_runs_total counts the backup and master scripts" \
	wait_until 5 eval '[ "$(value clustd_notify_runs_total instance=web)" -ge 2 ]'
check "notify_failures_total: /bin/false and the hung script" \
	test "$(value clustd_notify_failures_total instance=web)" -ge 2
check "notify_timeouts_total: the hung script was killed at 300 ms" \
	test "$(value clustd_notify_timeouts_total instance=web)" = 1
check "track_runs_total grows (every 200 ms)" test "$(value clustd_track_runs_total instance=web)" -ge 3
check "restarts_total = 1, incarnation set" \
	test "$(value clustd_restarts_total)" = 1 -a "$(value clustd_incarnation)" -gt 0
check "instance_state{state=MASTER} = 1" test "$(value clustd_instance_state instance=web state=MASTER)" = 1
check "counters_persist_ok = 1" test "$(value clustd_counters_persist_ok)" = 1

# The same counters in `status --json`, field by field. Track runs and
# MASTER time keep growing: the status value must lie between a metrics
# sample taken just before and one taken just after it.
counters_sample() {
	printf '%s %s %s %s\n' "$(value clustd_failovers_total instance=web)" \
		"$(value clustd_notify_runs_total instance=web)" \
		"$(value clustd_track_runs_total instance=web)" \
		"$(value clustd_state_seconds_total instance=web state=MASTER)"
}
read -r fo0 nr0 tr0 ms0 <<<"$(counters_sample)"
ct_status n1 >"$T/s1"
read -r fo1 nr1 tr1 ms1 <<<"$(counters_sample)"
read -r fo nr tr msj <<<"$(jq -r '.instances[0].counters | [.failovers, .notify_runs, .track_runs, .state_ms.MASTER] | map(tostring) | join(" ")' "$T/s1")"
# between <lo> <v> <hi>: lo <= v <= hi as numbers (any empty fails).
between() {
	awk -v lo="$1" -v v="$2" -v hi="$3" 'BEGIN { exit !(lo != "" && v != "" && hi != "" && lo + 0 <= v + 0 && v + 0 <= hi + 0) }'
}
diag "status: failovers $fo, notify_runs $nr, track_runs $tr, state_ms.MASTER $msj; metrics before/after: $fo0/$fo1 $nr0/$nr1 $tr0/$tr1 $ms0/$ms1 s"
check "status --json failovers = metrics failovers_total ($fo in $fo0..$fo1)" between "$fo0" "$fo" "$fo1"
check "status --json notify_runs = metrics notify_runs_total ($nr in $nr0..$nr1)" between "$nr0" "$nr" "$nr1"
check "status --json track_runs = metrics track_runs_total ($tr in $tr0..$tr1)" between "$tr0" "$tr" "$tr1"
check "status --json state_ms.MASTER = metrics state_seconds_total{MASTER} ($msj ms in ${ms0}..${ms1} s)" \
	eval 'between "$(awk -v v="$ms0" "BEGIN { print v * 1000 - 1 }")" "$msj" "$(awk -v v="$ms1" "BEGIN { print v * 1000 + 1 }")" && [ "${msj:-0}" -gt 0 ]'
check "status --json restarts = 1, persistence ok" \
	test "$(jq -r '.counters.restarts' "$T/s1")" = 1 -a "$(jq -r '.persistence.ok' "$T/s1")" = true

check "metrics_file exists and parses" eval '/usr/bin/python3 "$PROM" "$MF" >/dev/null'
a1=$(/usr/bin/python3 "$PROM" "$MF" clustd_adverts_sent_total instance=web)
sleep 2.2
a2=$(/usr/bin/python3 "$PROM" "$MF" clustd_adverts_sent_total instance=web)
check "metrics_file is refreshed every second (adverts $a1 -> $a2)" test "$a2" -gt "$a1"
bad=0
for i in $(seq 1 150); do
	/usr/bin/python3 "$PROM" "$MF" >/dev/null 2>&1 || bad=$((bad + 1))
done
check "150 reads of metrics_file while it is being replaced: all complete ($bad bad)" test "$bad" = 0
check "no temporary files left beside it" test "$(ls "$T/n1/metrics" | wc -l)" = 1
done_testing
