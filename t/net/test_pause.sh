#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A backup that could not run (issue #16, "no false failover under load").
# When a whole machine stops for a while (a VM paused or starved by its
# host, a stop signal), nothing in it runs and no packet reaches it; when it
# resumes, its Master_Down_Timer has long expired, though the master may
# be alive and simply not heard yet. RFC 5798 alone takes over at once: a
# false failover, two holders until the master's next advert preempts back.
# clustd listens one more advert interval plus Skew_Time first (once per
# expiry, when the timer fired more than a quarter interval late).
#
# The pause: n2's VRRP input is dropped (nftables) and n2 is SIGSTOPped for
# 3 x its Master_Down_Interval; then n2 resumes and the drop is lifted
# right after (through an `nft -i` already running, so within a few ms).
#  1. n2 stays BACKUP, logs the late timer, counts it; n1 never leaves
#     MASTER; the sampler never sees two holders or none.
#  2. A real failure after a pause is still taken over: n1 is SIGKILLed
#     while n2 is paused; n2 takes over after its grace (one advert interval
#     plus Skew_Time after it resumed, in the timing class of an MDI).
#  3. With `pause_grace = false` the RFC behaviour: n2 takes over on
#     resuming (the test's own control: the pause does cause the fault).
. "$(dirname "$0")/lib.sh"
net_init pause
VIP=198.51.100.100

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
web_conf n1 200
web_conf n2 100
MDI2=360 # 3 x 100 ms + Skew_Time (256 - 100) x 100 / 256 = 60 ms
GRACE=160 # one advert interval + Skew_Time
PAUSE_MS=$((3 * MDI2))

# An `nft -i` in n2 reading commands from a fifo held open here: lifting the
# drop is one write, not a process start.
# Both run real-time (NET_INSTRUMENT), so the drop is lifted within a few ms
# of the resume on a loaded host too, well inside the 160 ms grace.
mkfifo "$T/nft.fifo"
nsx n2 "${NET_INSTRUMENT[@]}" nft -i <"$T/nft.fifo" >"$T/nft-i.log" 2>&1 &
NET_BG_PIDS="$NET_BG_PIDS $!"
exec 3>"$T/nft.fifo"
drop_vrrp() {
	echo 'add table inet clt_pause; add chain inet clt_pause in { type filter hook input priority -300; }; add rule inet clt_pause in meta l4proto 112 drop' >&3
	wait_until 5 eval 'nsx n2 nft list table inet clt_pause >/dev/null 2>&1'
}
# resume_n2 <pid>: SIGCONT, then lift the drop at once, from one real-time
# shell (fd 3 is the fifo).
resume_n2() {
	"${NET_INSTRUMENT[@]}" bash -c 'kill -CONT "$1" && echo "delete table inet clt_pause" >&3' \
		resume "$1"
}

# pause_n2 <ms>: drop n2's VRRP input, SIGSTOP it, wait, SIGCONT, undrop.
pause_n2() {
	local pid
	pid=$(clustd_pid n2)
	drop_vrrp
	kill -STOP "$pid"
	sleep "$(awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }')"
	resume_n2 "$pid"
}

status_json() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" status --json 2>/dev/null
}

deferrals() {
	status_json n2 | jq -r '.instances[0].pause_deferrals // empty'
}

start_pair() {
	clustd_start n1
	check "$1: n1 becomes the only holder" wait_until 10 only_holder n1 $VIP
	clustd_start n2
	check "$1: n2 is BACKUP and hears n1" wait_until 10 backup_settled n2
}

# ---- 1. the master is alive: no takeover after the pause
start_pair "alive"
net_sampler_bg "$T/s.pid" "$T/s.samples" --format holders --period-ms 10 --max-s 60 \
	--vip $VIP --dev eth0 n1="${P}n1" n2="${P}n2" || done_testing
m1=$(log_lines n1)
m2=$(log_lines n2)
t0=$(now_ms)
pause_n2 $PAUSE_MS
sleep 1
t1=$(now_ms)
check "alive: n2 logged its late Master_Down_Timer" \
	log_has n2 'web: Master_Down_Timer fired [0-9]+ ms late: this node did not run; listening [0-9]+ ms more before taking over' "$m2"
check "alive: n2 did not take over" eval '! log_has n2 "web: BACKUP -> MASTER" "$m2"'
check "alive: n1 never left MASTER" eval '! log_has n1 "web: MASTER -> " "$m1"'
check "alive: n1 is the only holder" only_holder n1 $VIP
check "alive: status counts one pause deferral" test "$(deferrals)" = 1
net_sampler_stop "$T/s.pid" "$T/s.samples"
holders=$(awk -v a="$t0" -v b="$t1" '$1 >= a && $1 <= b { $1 = ""; print }' "$T/s.samples" | sort | uniq -c | tr '\n' ';')
diag "alive: holders over the pause and a second after: $holders"
check "alive: n1 alone held the VIP in every sample" \
	test "$(awk -v a="$t0" -v b="$t1" '$1 >= a && $1 <= b && $0 !~ / n1$/' "$T/s.samples" | wc -l)" = 0
sampler_period_check "alive sampler" "$T/s.samples" 10

# ---- 2. the master dies during the pause: n2 still takes over
m2=$(log_lines n2)
pid=$(clustd_pid n2)
drop_vrrp
kill -STOP "$pid"
clustd_signal n1 KILL
clustd_wait_exit n1 5
nsx n1 ip addr del $VIP/24 dev eth0 2>/dev/null # SIGKILL left it behind
sleep "$(awk -v m="$PAUSE_MS" 'BEGIN { printf "%.3f", m / 1000 }')"
tc=$(now_ms)
resume_n2 "$pid"
if wait_until 10 has_vip n2 $VIP; then
	dt=$(($(now_ms) - tc))
	diag "dead: n2 held the VIP $dt ms after it resumed (grace $GRACE ms)"
	check "dead: n2 took over after the grace, in the MDI class ($dt ms in [$((GRACE - 20)), $((MDI2 + 1000))])" \
		eval '[ "$dt" -ge $((GRACE - 20)) ] && [ "$dt" -le $((MDI2 + 1000)) ]'
else
	fail "dead: n2 took over after the pause"
fi
check "dead: n2 logged the late timer, then BACKUP -> MASTER" \
	eval 'log_since n2 "$m2" | grep -E "Master_Down_Timer fired|BACKUP -> MASTER" | head -2 | tr "\n" "|" |
		grep -Eq "Master_Down_Timer fired.*\|.*BACKUP -> MASTER"'
clustd_signal n2 TERM
clustd_wait_exit n2 5

# ---- 3. the control: pause_grace = false takes over on resuming
web_conf n2 100
sed -i 's/node = { name = "n2";/node = { name = "n2"; pause_grace = false;/' "$T/n2.conf"
check "control: the config with pause_grace = false is valid" "$CLUSTD" -t -f "$T/n2.conf"
start_pair "control"
m2=$(log_lines n2)
pause_n2 $PAUSE_MS
check "control: without the grace n2 takes over on resuming (the RFC's false failover)" \
	wait_log 5 n2 'web: BACKUP -> MASTER' "$m2"
check "control: ... and n1 takes the VIP back" wait_until 5 only_holder n1 $VIP

done_testing
