#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Real-time loop, locked memory, scripts at normal priority (realtime.h,
# spawner.h): by default the loop thread runs SCHED_RR (priority 10, reset
# on fork) under an RLIMIT_RTTIME bound and the daemon's memory is locked;
# every other thread runs SCHED_OTHER; notify and track scripts (and
# `clustd watch --exec` PROGs, even of a real-time watch) run
# SCHED_OTHER with nothing locked, and are created by a thread other than
# the loop's; the counters file is written and synced by a thread other
# than the loop's (the loop commits into a memory-mapped crash copy). `realtime = false; lock_memory = false;` turns both off, and
# a reload turns them on again.
. "$(dirname "$0")/lib.sh"
net_init realtime
VIP=198.51.100.100

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24

# A script that records how it runs: "<kind> policy=<P> prio=<p> lck=<kB>".
probe_script() {
	cat >"$T/$1.sh" <<EOF
#!/bin/sh
pol=\$(awk '/^policy/ { print \$3 }' /proc/\$\$/sched)
pri=\$(awk '/^prio / { print \$3 }' /proc/\$\$/sched)
lck=\$(awk '/^VmLck/ { print \$2 }' /proc/\$\$/status)
echo "$1 policy=\$pol prio=\$pri lck=\$lck" >>"$T/$2.probe"
exit 0
EOF
	chmod 755 "$T/$1.sh"
}

# thread_policy <pid> <tid>: the policy number of one thread.
thread_policy() {
	awk '/^policy/ { print $3 }' "/proc/$1/task/$2/sched" 2>/dev/null
}

# other_threads_normal <pid>: every thread but the main one is SCHED_OTHER.
other_threads_normal() {
	local t pol
	for t in /proc/"$1"/task/*; do
		t=${t##*/}
		[ "$t" = "$1" ] && continue
		pol=$(thread_policy "$1" "$t")
		[ "$pol" = 0 ] || { diag "thread $t has policy $pol"; return 1; }
	done
	return 0
}

probe_script notify_n1 n1
probe_script track_n1 n1
{
	node_block n1
	echo "instances = ("
	instance_block web eth0 51 200 $VIP/24 "notify = { master = \"$T/notify_n1.sh\"; backup = \"$T/notify_n1.sh\"; timeout = 2000; };
  track = { scripts = ( { name = \"probe\"; command = \"$T/track_n1.sh\"; interval = 200; timeout = 1000; weight = -10; } ); };"
	echo
	echo ");"
} | clustd_conf n1
# n2: both off.
{
	node_block n2 | sed 's/};$/realtime = false; lock_memory = false; };/'
	echo "instances = ("
	instance_block web eth0 51 100 $VIP/24
	echo
	echo ");"
} | clustd_conf n2

clustd_start n1
clustd_start n2
wait_until 15 only_holder n1 $VIP
wait_until 5 eval 'grep -q "^notify_n1 " "$T/n1.probe" 2>/dev/null && grep -q "^track_n1 " "$T/n1.probe"'
p1=$(clustd_pid n1)
p2=$(clustd_pid n2)

# --- n1: the defaults
check "n1 logged the policy in force" log_has n1 'realtime: loop thread SCHED_RR, memory locked'
check "n1's loop thread runs SCHED_RR" test "$(thread_policy "$p1" "$p1")" = 2
chrt_out=$(chrt -p "$p1" 2>&1)
diag "chrt -p: $(echo "$chrt_out" | tr '\n' ';')"
check "n1's loop thread has priority 10 and SCHED_RESET_ON_FORK" \
	eval 'echo "$chrt_out" | grep -q "SCHED_RR|SCHED_RESET_ON_FORK" && echo "$chrt_out" | grep -q "priority: 10"'
check "n1 has helper threads, all SCHED_OTHER" \
	eval '[ "$(ls /proc/$p1/task | wc -l)" -ge 2 ] && other_threads_normal $p1'
lck=$(awk '/^VmLck/ { print $2 }' "/proc/$p1/status")
check "n1's memory is locked (VmLck $lck kB)" test "${lck:-0}" -gt 0
rtt=$(awk '/^Max realtime timeout/ { print $4, $5 }' "/proc/$p1/limits")
check "n1's RLIMIT_RTTIME is 1 s soft, 3 s hard ($rtt)" test "$rtt" = "1000000 3000000"
diag "probes: $(tr '\n' ';' <"$T/n1.probe")"
check "the notify script ran SCHED_OTHER, nice 0, nothing locked" \
	eval '[ "$(grep "^notify_n1 " "$T/n1.probe" | sort -u)" = "notify_n1 policy=0 prio=120 lck=0" ]'
check "the track script ran SCHED_OTHER, nice 0, nothing locked" \
	eval '[ "$(grep "^track_n1 " "$T/n1.probe" | sort -u)" = "track_n1 policy=0 prio=120 lck=0" ]'

# `clustd watch --exec` started real-time itself (as a unit with
# CPUSchedulingPolicy=rr would): its PROG still runs SCHED_OTHER.
probe_script watch_n1 n1
ip netns exec "${P}n1" chrt -r 10 "$CLUSTD" -f "$T/n1.conf" watch --id rtprobe \
	--exec "$T/watch_n1.sh" >"$T/watch.out" 2>"$T/watch.err" &
NET_BG_PIDS="$NET_BG_PIDS $!"
check "watch --exec, itself started SCHED_RR, ran PROG SCHED_OTHER, nice 0" \
	eval 'wait_until 10 grep -q "^watch_n1 " "$T/n1.probe" &&
		[ "$(grep "^watch_n1 " "$T/n1.probe" | sort -u | cut -d" " -f1-3)" = "watch_n1 policy=0 prio=120" ]'

# Who creates the script processes: never the loop thread (tid = pid).
if command -v strace >/dev/null 2>&1; then
	timeout 2 strace -f -qq -e trace=clone,clone3,fork,vfork -o "$T/strace.out" -p "$p1" 2>/dev/null
	tids=" $(ls "/proc/$p1/task" | tr '\n' ' ')"
	creators=""
	# Processes only: a clone with CLONE_THREAD makes a thread.
	for t in $(grep -v CLONE_THREAD "$T/strace.out" | sed -n 's/^\([0-9]*\) *clone.*/\1/p' | sort -u); do
		case $tids in *" $t "*) creators="$creators $t" ;; esac
	done
	diag "daemon threads ($tids) that created processes in 2 s:$creators"
	check "a daemon thread created the track scripts (every 200 ms)" test -n "$creators"
	check "that thread is not the loop thread ($p1)" eval '! echo "$creators " | grep -q " $p1 "'
else
	skip "strace not installed: who creates the scripts is not checked"
fi

# Counters: the loop commits into the crash copy (memory), the file is
# written and synced by another thread. Over 3 s of adverts and status
# queries (each commits first), no pwrite or fdatasync on the loop thread.
if command -v strace >/dev/null 2>&1; then
	check "n1 keeps its crash copy in run_dir" test -s "$T/n1/run/counters.live"
	timeout 3 strace -f -qq -e trace=pwrite64,pwritev,pwritev2,fdatasync,fsync \
		-o "$T/strace-io.out" -p "$p1" 2>/dev/null &
	st_pid=$!
	for _ in 1 2 3 4 5; do
		sleep 0.5
		nsx n1 "$CLUSTD" -f "$T/n1.conf" status >/dev/null 2>&1
	done
	wait $st_pid
	io_loop=$(grep -c "^$p1 " "$T/strace-io.out")
	io_other=$(grep -Ec '^[0-9]+ +(pwrite64|fdatasync)' "$T/strace-io.out")
	diag "file writes and syncs in 3 s: $io_other, of which on the loop thread: $io_loop"
	check "the counters file was written and synced meanwhile (by a helper thread)" \
		test "$io_other" -ge 2
	check "no file write or sync on the loop thread" test "$io_loop" = 0
	check "status still shows the counters moving" \
		test "$(nsx n1 "$CLUSTD" -f "$T/n1.conf" status --json | jq '.instances[0].counters.adverts_sent')" -gt 20
fi

# --- n2: both off
check "n2 logged normal scheduling, memory not locked" \
	log_has n2 'realtime: loop thread normal scheduling, memory not locked'
check "n2's loop thread runs SCHED_OTHER" test "$(thread_policy "$p2" "$p2")" = 0
check "n2 has nothing locked" test "$(awk '/^VmLck/ { print $2 }' "/proc/$p2/status")" = 0

# --- n2: a reload turns both on
mark=$(log_lines n2)
sed -i 's/realtime = false; lock_memory = false; //' "$T/n2.conf"
clustd_signal n2 HUP
wait_log 5 n2 'realtime: loop thread SCHED_RR, memory locked' "$mark"
check "after the reload n2's loop thread runs SCHED_RR" test "$(thread_policy "$p2" "$p2")" = 2
check "after the reload n2's memory is locked" \
	test "$(awk '/^VmLck/ { print $2 }' "/proc/$p2/status")" -gt 0
check "n1 is still the only VIP holder" only_holder n1 $VIP

done_testing
