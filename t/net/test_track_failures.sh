#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The ways a track script can fail, each of which must count as a failure:
# it hangs (killed with its process group at its 300 ms timeout), it is not
# executable (chmod -x while the daemon runs: `clustd -t` would reject such
# a config), it is missing, it exits 127. n1 (150) tracks two scripts:
#   slow: weight -30 -> a failure makes the priority 120 (still master);
#   gate: no weight  -> a failure puts the instance in FAULT (VIP to n2).
# While slow hangs, n1's adverts must keep their 100 ms schedule (the loop
# never waits for a script) and carry priority 120.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_track.sh"
net_init track_failures
VIP=198.51.100.100
N1=198.51.100.11

net_bridge
net_host n1 $N1/24
net_host n2 198.51.100.12/24

# The scripts do what their mode file says. "hang" leaves a child behind
# in the script's process group: only a group kill gets rid of it.
for s in slow gate; do
	cat >"$T/$s.sh" <<'EOF'
#!/bin/bash
case $(cat "$1" 2>/dev/null) in
ok) exit 0 ;;
hang) sleep 30 & wait; exit 0 ;;
127) exit 127 ;;
esac
exit 1
EOF
	chmod 755 "$T/$s.sh"
	echo ok >"$T/$s.mode"
done
# set_mode <script> <mode>: replace the mode file at once (rename), so that
# a script run reading it meanwhile never sees it empty (CI once saw a run
# read a truncated file: "exit 1" where the hang was asked for).
set_mode() {
	echo "$2" >"$T/$1.mode.new" && mv -f "$T/$1.mode.new" "$T/$1.mode"
}
track='track = { scripts = (
  { name = "slow"; command = "'$T'/slow.sh"; args = [ "'$T'/slow.mode" ];
    interval = 100; timeout = 300; weight = -30; },
  { name = "gate"; command = "'$T'/gate.sh"; args = [ "'$T'/gate.mode" ];
    interval = 100; timeout = 300; } ); };'
web_conf n1 150 "$track"
web_conf n2 100
check "the config is valid while the scripts are executable (clustd -t)" \
	nsx n1 "$CLUSTD" -t -f "$T/n1.conf"
chmod 644 "$T/slow.sh"
check "clustd -t rejects a track script that is not executable" \
	eval '! nsx n1 "$CLUSTD" -t -f "$T/n1.conf" >"$T/t.out" 2>&1 && grep -q "slow.sh is not executable" "$T/t.out"'
chmod 755 "$T/slow.sh"

clustd_start n1
wait_until 10 only_holder n1 $VIP
clustd_start n2
sleep 1
check "n1 is the only VIP holder" only_holder n1 $VIP
check "n1: effective priority 150 with both scripts passing" wait_until 3 tr_prio_is n1 web 150

# sleeps_in <node>: number of `sleep` processes inside the node's namespace.
sleeps_in() {
	local p n=0
	for p in $(ip netns pids "${P}$1" 2>/dev/null); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sleep ] && n=$((n + 1))
	done
	echo $n
}

# weighted <what> <break cmd> <fix cmd> <reason ERE> [<during cmd>]: slow
# fails -> 150 -> 120, n1 stays master; fixed -> 150.
weighted() {
	local what=$1 brk=$2 fix=$3 why=$4 during=${5:-} m1 m2 t0 line
	m1=$(log_lines n1)
	m2=$(log_lines n2)
	t0=$(now_ms)
	eval "$brk"
	if wait_log 5 n1 'web: track script slow failed' "$m1"; then
		line=$(log_since n1 "$m1" | grep -m1 'track script slow failed' | sed 's/.*track script/track script/')
		ok "$what: '$line' $(($(now_ms) - t0)) ms later"
		check "$what: the failure reads '$why'" log_has n1 "web: track script slow failed \\($why" "$m1"
	else
		fail "$what: n1 logged 'track script slow failed'"
	fi
	check "$what: n1 logged 'effective priority 150 -> 120'" \
		wait_log 3 n1 'web: effective priority 150 -> 120' "$m1"
	if tr_status_answers n1 "$what: clustd status answers while the script is broken"; then
		check "$what: n1's status says priority 120" wait_until 3 tr_prio_is n1 web 120
	fi
	if [ -n "$during" ]; then
		eval "$during"
	else
		wire_prio "$what"
	fi
	check "$what: n1 stays MASTER (120 > 100), no transition on either node" \
		eval 'only_holder n1 $VIP && ! log_has n1 "web: (BACKUP|MASTER|FAULT) -> [A-Z]+" $m1 &&
		      ! log_has n2 "web: (BACKUP|MASTER|FAULT) -> [A-Z]+" $m2'
	m1=$(log_lines n1)
	eval "$fix"
	check "$what: fixed -> 'track script slow OK'" wait_log 5 n1 'web: track script slow OK' "$m1"
	check "$what: fixed -> 'effective priority 120 -> 150'" \
		wait_log 3 n1 'web: effective priority 120 -> 150' "$m1"
}

# faulted <what> <break cmd> <fix cmd> <reason ERE>: gate fails -> FAULT,
# VIP to n2; fixed -> BACKUP, then MASTER again (preempt).
faulted() {
	local what=$1 brk=$2 fix=$3 why=$4 m1 t0 faults
	m1=$(log_lines n1)
	t0=$(now_ms)
	eval "$brk"
	if wait_log 5 n1 'web: MASTER -> FAULT: track script gate failed' "$m1"; then
		ok "$what: n1 'MASTER -> FAULT: track script gate failed' $(($(now_ms) - t0)) ms later"
	else
		fail "$what: n1 logged 'MASTER -> FAULT: track script gate failed'"
	fi
	check "$what: the failure reads '$why'" log_has n1 "web: track script gate failed \\($why" "$m1"
	check "$what: n2 takes the VIP" wait_until 5 only_holder n2 $VIP
	if tr_status_answers n1 "$what: clustd status answers while the script is broken"; then
		check "$what: n1's status says FAULT" tr_inst_is n1 web state FAULT
		faults=$(tr_inst n1 web faults)
		check "$what: n1's status lists why it is in FAULT (faults: '$faults')" test -n "$faults"
		check "$what: n1's priority is not touched by a weightless check" tr_prio_is n1 web 150
	fi
	m1=$(log_lines n1)
	t0=$(now_ms)
	eval "$fix"
	check "$what: fixed -> n1 'FAULT -> BACKUP'" wait_log 5 n1 'web: FAULT -> BACKUP' "$m1"
	if wait_until 10 only_holder n1 $VIP; then
		ok "$what: n1 preempts back, sole holder $(($(now_ms) - t0)) ms after the fix"
	else
		fail "$what: n1 preempts back (holders '$(vip_holders $VIP)')"
	fi
}

# wire_prio <what>: n1's adverts over 0.5 s carry priority 120.
wire_prio() {
	local prios
	capture_start prio "ip proto 112 and src host $N1" || fail "$1: capture started"
	sleep 0.5
	capture_stop prio
	prios=$(pcap_fields prio vrrp vrrp.prio | sort -u | tr '\n' ' ')
	check "$1: n1's adverts carry priority 120 ($prios)" test "$prios" = "120 "
}

# While slow hangs: a 2 s capture of n1's adverts.
hang_capture() {
	capture_start hang "ip proto 112 and src host $N1" || fail "hang: capture started"
	sleep 2
	capture_stop hang
	local n gap prios
	n=$(pcap_count hang vrrp)
	gap=$(max_gap_ms hang vrrp)
	prios=$(pcap_fields hang vrrp vrrp.prio | sort -u | tr '\n' ' ')
	diag "hang: $n adverts from n1 in 2 s, largest gap $gap ms, priorities: $prios"
	check "hang: n1 kept advertising (>= 15 adverts in 2 s, got $n)" test "$n" -ge 15
	check "hang: no gap over 250 ms between n1's adverts ($gap ms)" test "$gap" -le 250
	check "hang: the adverts carry priority 120 ($prios)" test "$prios" = "120 "
	check "hang: runs due while one hangs are skipped, not stacked (logged)" \
		log_has n1 'web: track script slow still running after 100 ms, run skipped'
}

weighted "hang" 'set_mode slow hang' 'set_mode slow ok' \
	'timed out after 300 ms' hang_capture
check "hang: no 'sleep' left in n1's namespace 1 s after the fix (group killed)" \
	eval 'sleep 1; [ "$(sleeps_in n1)" = 0 ]'
weighted "not executable" 'chmod 644 "$T/slow.sh"' 'chmod 755 "$T/slow.sh"' \
	'could not be executed'
# A run that began as the file was moved away finds it gone inside the
# shell (exit 127) rather than at exec: either reads as the failure.
weighted "missing" 'mv "$T/slow.sh" "$T/slow.away"' 'mv "$T/slow.away" "$T/slow.sh"' \
	'(could not be executed|exit 127)'
weighted "exit 127" 'set_mode slow 127' 'set_mode slow ok' 'exit 127'

faulted "no weight, hang" 'set_mode gate hang' 'set_mode gate ok' \
	'timed out after 300 ms'
faulted "no weight, not executable" 'chmod 644 "$T/gate.sh"' 'chmod 755 "$T/gate.sh"' \
	'could not be executed'
faulted "no weight, exit 127" 'set_mode gate 127' 'set_mode gate ok' 'exit 127'
check "no 'sleep' left in n1's namespace" eval 'sleep 0.5; [ "$(sleeps_in n1)" = 0 ]'
check "n1 still running" clustd_alive n1

done_testing
