#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What systemd and the package rely on, without booting a systemd:
#  - the unit: `systemd-analyze verify` is clean; a broken config is not
#    restarted in a loop (the daemon exits EX_CONFIG, 78, which the unit's
#    RestartPreventExitStatus= names; `clustd -t` exits 1); `systemd-analyze security`
#    rates it <= 4.0 ("OK") with what the real-time loop needs
#    (CAP_SYS_NICE, CAP_IPC_LOCK, LimitRTPRIO, LimitMEMLOCK), and it has a
#    watchdog and no RestrictRealtime=yes;
#  - the shipped /etc/clustd.conf: `clustd -t` accepts it, and a daemon on
#    it runs no instance and says so in STATUS=;
#  - the watchdog: with a fake NOTIFY_SOCKET (a listener the test reads)
#    and WATCHDOG_USEC set, the loop sends WATCHDOG=1 every second; SIGSTOP
#    stops the pings (as systemd would see it), SIGCONT resumes them;
#  - STATUS= is kept current: "web MASTER prio 150, quorum 2/2"; after
#    `clustd drain web` "web BACKUP prio 150 drained, quorum 2/2", after
#    `clustd drain` "node drained, ..." too, after `undrain` MASTER again;
#    then "NO QUORUM 1/2" once the other member stops;
#  - a daemon without CAP_NET_ADMIN says at start that VIP changes will
#    fail (EPERM) and how a container grants it;
#  - monitoring: `promtool check rules` and `promtool test rules` pass, and
#    every metric, label and test series the rules, their tests and the
#    Grafana dashboard use exists in the running daemon's `clustd metrics`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init systemd
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS=$ROOT/t/tools
MON=$ROOT/doc/monitoring
LISTENERS=""

# ------------------------------------------------------------- the unit
sed "s|/usr/local/sbin/clustd|$CLUSTD|g" "$ROOT/systemd/clustd.service" >"$T/clustd.service"
verify_out=$(systemd-analyze verify --man=no "$T/clustd.service" 2>&1)
check "systemd-analyze verify: clean (${verify_out:-no output})" test -z "$verify_out"

# exposure <unit file>: the number of "Overall exposure level ...: N.N OK".
exposure() {
	systemd-analyze security --offline=true "$1" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p'
}
le4() { awk -v v="$1" 'BEGIN { exit !(v != "" && v <= 4.0) }'; }
score=$(exposure "$T/clustd.service")
check "systemd-analyze security: exposure ${score:-?} <= 4.0" le4 "$score"
check "the unit grants the real-time loop CAP_SYS_NICE, CAP_IPC_LOCK, LimitRTPRIO, LimitMEMLOCK" \
	eval 'grep -q "^CapabilityBoundingSet=.*CAP_SYS_NICE" "$T/clustd.service" &&
		grep -q "^CapabilityBoundingSet=.*CAP_IPC_LOCK" "$T/clustd.service" &&
		grep -q "^LimitRTPRIO=99$" "$T/clustd.service" && grep -q "^LimitMEMLOCK=infinity$" "$T/clustd.service"'
check "the unit has a watchdog" grep -q '^WatchdogSec=[1-9]' "$ROOT/systemd/clustd.service"
# A bad config is not retried: five quick restarts would end in "start
# request repeated too quickly", a new invocation that `systemctl status`
# shows without the FILE:LINE of the failed ones. The daemon refuses it
# with EX_CONFIG (78), which the unit does not restart; `clustd -t` keeps 1.
for unit in clustd.service clustd-witness.service; do
	check "$unit does not restart on EX_CONFIG (RestartPreventExitStatus=78)" \
		grep -q '^RestartPreventExitStatus=78$' "$ROOT/systemd/$unit"
	check "$unit has no ExecStartPre= (a failed one would be restarted in a loop)" \
		eval '! grep -q "^ExecStartPre=" "$ROOT/systemd/$unit"'
done
printf 'instances = ( { name = "web"; } );\n' >"$T/bad.conf"
timeout 10 "$CLUSTD" -n -f "$T/bad.conf" >"$T/bad.out" 2>&1
rc=$?
check "a daemon started on a broken file exits 78 with FILE:LINE (got $rc)" \
	eval '[ "$rc" = 78 ] && grep -q "error: $T/bad.conf:1: " "$T/bad.out"'
timeout 10 "$CLUSTD" -t -f "$T/bad.conf" >/dev/null 2>&1
rc=$?
check "clustd -t on it still exits 1 (got $rc)" test "$rc" = 1
check "the unit leaves real-time scheduling allowed" \
	eval '! grep -q "^RestrictRealtime=yes" "$ROOT/systemd/clustd.service"'

# --------------------------------------------------------- monitoring
PROMTOOL=$("$ROOT/scripts/promtool.sh") || PROMTOOL=""
if [ -n "$PROMTOOL" ]; then
	check "promtool check rules" "$PROMTOOL" check rules "$MON/clustd-alerts.yml"
	check "promtool test rules" eval '(cd "$MON" && "$PROMTOOL" test rules clustd-alerts.test.yml) >"$T/promtool.out" 2>&1'
	[ -s "$T/promtool.out" ] && grep -v SUCCESS "$T/promtool.out" | head -20 | sed 's/^/# /'
else
	skip "promtool check/test rules: no promtool (scripts/promtool.sh could not fetch one)"
fi

# ---------------------------------------------- the shipped conffile
sed -e "s|\"/var/lib/clustd\"|\"$T/n3/state\"|" -e "s|\"/run/clustd\"|\"$T/n3/run\"|" \
	"$ROOT/etc/clustd.conf" >"$T/n3.conf"
check "the sample moved to test dirs still differs only in them" \
	test "$(diff "$ROOT/etc/clustd.conf" "$T/n3.conf" | grep -c '^>')" = 2
tout=$("$CLUSTD" -t -f "$ROOT/etc/clustd.conf" 2>&1)
check "clustd -t accepts the shipped /etc/clustd.conf, 0 instances ($tout)" \
	test "$tout" = "$ROOT/etc/clustd.conf: configuration OK (0 instance(s))"
for ex in "$ROOT"/etc/clustd/*.example; do
	check "$(basename "$ex"): not executable, valid sh" eval '[ ! -x "$ex" ] && sh -n "$ex"'
done

# ----------------------------------------------------------- daemons
# listen <name> <seconds>: a fake NOTIFY_SOCKET at $T/<name>.sock.
listen() {
	/usr/bin/python3 "$TOOLS/notify_listener.py" "$T/$1.sock" "$T/$1.notify" "$2" &
	LISTENERS="$LISTENERS $!"
	wait_until 5 test -S "$T/$1.sock"
}
# last_status <name>: the latest STATUS= line.
last_status() {
	sed -n 's/^[0-9]* STATUS=//p' "$T/$1.notify" 2>/dev/null | tail -n 1
}
status_is() { [ "$(last_status "$1")" = "$2" ]; }
# pings <name> <from_ms> <to_ms>: WATCHDOG=1 messages in [from, to).
pings() {
	awk -v a="$2" -v b="$3" '$2 == "WATCHDOG=1" && $1 >= a && $1 < b' "$T/$1.notify" | wc -l
}
# max_ping_gap <name> <from_ms> <to_ms>: the longest wait between pings.
max_ping_gap() {
	awk -v a="$2" -v b="$3" '$2 == "WATCHDOG=1" && $1 >= a && $1 < b {
		if (p) { g = $1 - p; if (g > m) m = g } p = $1 } END { print m + 0 }' "$T/$1.notify"
}
# start_notified <node> <listener>: the node's daemon under the listener.
start_notified() {
	NOTIFY_SOCKET=$T/$2.sock WATCHDOG_USEC=3000000 clustd_start "$1"
}

CL_ADVERT=1000
CL_DEAD=1500
cl_setup 2
net_host n3 198.51.100.13/24
listen n1 90
listen n3 30
cl_conf n1 150
cl_conf n2 100
start_notified n1 n1
clustd_start n2
start_notified n3 n3

check "no instance: READY=1 and STATUS='no instance configured'" \
	wait_until 10 eval 'grep -q " READY=1$" "$T/n3.notify" && status_is n3 "no instance configured"'
check "STATUS 'web MASTER prio 150, quorum 2/2'" \
	wait_until 20 status_is n1 "web MASTER prio 150, quorum 2/2"
diag "n1 statuses: $(sed -n 's/^[0-9]* STATUS=//p' "$T/n1.notify" | paste -sd '|')"

t0=$(now_ms)
sleep 3.2
t1=$(now_ms)
n=$(pings n1 "$t0" "$t1")
gap=$(max_ping_gap n1 "$t0" "$t1")
check "watchdog: $n pings in 3.2 s (>= 2), longest gap $gap ms (< 1600)" \
	test "$n" -ge 2 -a "$gap" -lt 1600

# A driver connected, so that the per-driver series exist in the output.
nsx n1 "$CLUSTD" -f "$T/n1.conf" watch --id mon >"$T/watch.out" 2>&1 &
WATCH_PID=$!
check "a driver (clustd watch --id mon) is connected" \
	wait_until 10 eval 'nsx n1 "$CLUSTD" -f "$T/n1.conf" metrics | grep -q "^clustd_driver_queue_bytes{driver=\"mon\"}"'
metrics_out=$(nsx n1 "$CLUSTD" -f "$T/n1.conf" metrics)
printf '%s\n' "$metrics_out" >"$T/metrics.txt"
check "monitoring pieces use only what clustd metrics exports ($(/usr/bin/python3 "$TOOLS/monitoring_check.py" \
	"$MON/clustd-alerts.yml" "$MON/clustd-alerts.test.yml" "$MON/clustd-dashboard.json" "$T/metrics.txt" | tail -n 1))" \
	/usr/bin/python3 "$TOOLS/monitoring_check.py" "$MON/clustd-alerts.yml" \
	"$MON/clustd-alerts.test.yml" "$MON/clustd-dashboard.json" "$T/metrics.txt"

kill "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null

# A stalled loop: SIGSTOP the daemon. systemd (WatchdogSec=3s here) would
# kill it; the pings must stop for as long as the loop is stopped.
pid=$(clustd_pid n1)
kill -STOP "$pid"
stop_at=$(now_ms)
sleep 3.5
cont_at=$(now_ms)
kill -CONT "$pid"
n=$(pings n1 $((stop_at + 100)) "$cont_at")
check "watchdog: no ping while the loop is stopped 3.5 s (got $n)" test "$n" = 0
check "watchdog: pings resume within 2 s of SIGCONT" \
	wait_until 2 eval '[ "$(pings n1 "$cont_at" 99999999999999)" -ge 1 ]'

check "n1 back to MASTER with quorum after the stall" \
	wait_until 20 status_is n1 "web MASTER prio 150, quorum 2/2"

# Drained: the instance, then the whole node, then neither.
drain_cmd() { nsx n1 timeout 70 "$CLUSTD" -f "$T/n1.conf" "$@" >"$T/drain.out" 2>&1; }
check "clustd drain web: exit 0" drain_cmd drain web
check "STATUS 'web BACKUP prio 150 drained, quorum 2/2'" \
	wait_until 10 status_is n1 "web BACKUP prio 150 drained, quorum 2/2"
check "clustd drain (the node): exit 0" drain_cmd drain
check "STATUS 'node drained, web BACKUP prio 150 drained, quorum 2/2'" \
	wait_until 10 status_is n1 "node drained, web BACKUP prio 150 drained, quorum 2/2"
check "clustd undrain: exit 0" drain_cmd undrain
check "STATUS after undrain: 'web MASTER prio 150, quorum 2/2' (preempts back)" \
	wait_until 20 status_is n1 "web MASTER prio 150, quorum 2/2"
clustd_signal n2 TERM
check "n2 exits on SIGTERM" clustd_wait_exit n2 10
check "STATUS follows the lost quorum: 'web FAULT prio 150 (...), NO QUORUM 1/2'" \
	wait_until 10 eval '[[ "$(last_status n1)" == "web FAULT prio 150 ("*"), NO QUORUM 1/2" ]]'
diag "n1 status now: $(last_status n1)"
check "n3 (no instance) is still running" clustd_alive n3

# Without CAP_NET_ADMIN (a container that withholds it, as systemd-nspawn
# does with --network-namespace-path) every VIP change fails with EPERM:
# the daemon says so once at start, naming the capability.
net_host n4 198.51.100.14/24
mkdir -p "$T/n4/state" "$T/n4/run"
cat >"$T/n4.conf" <<EOF
node = { name = "n4"; state_dir = "$T/n4/state"; run_dir = "$T/n4/run"; };
instances = ( { name = "lone"; interface = "eth0"; vrid = 52; priority = 100;
  advert_interval = 100; vips = [ "198.51.100.150/24" ]; } );
EOF
printf '#!/bin/sh\nexec setpriv --bounding-set=-net_admin --inh-caps=-net_admin "%s" "$@"\n' "$CLUSTD" >"$T/nocap.sh"
chmod 755 "$T/nocap.sh"
CLUSTD_REAL=$CLUSTD
CLUSTD=$T/nocap.sh clustd_start n4
CLUSTD=$CLUSTD_REAL
check "without CAP_NET_ADMIN: the start says VIP changes will fail and why" \
	wait_until 10 log_has n4 "warning: no CAP_NET_ADMIN: "
diag "n4: $(grep -m1 "no CAP_NET_ADMIN" "$T/n4.log")"
check "... and the VIP add fails with EPERM" \
	wait_until 10 log_has n4 "cannot add VIP 198.51.100.150/24 to eth0: Operation not permitted"
check "the daemons with CAP_NET_ADMIN do not say so" eval '! log_has n1 "no CAP_NET_ADMIN"'

for l in $LISTENERS; do
	kill "$l" 2>/dev/null
	wait "$l" 2>/dev/null
done
done_testing
