#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Notify scripts: argv, CLUSTD_* environment, order (state script before
# "any", transitions in order), a hanging script that gets killed at
# its timeout without disturbing the advert schedule, and a flapper's
# transitions coalesced while a slow script runs.
. "$(dirname "$0")/lib.sh"
net_init notify
VIP=198.51.100.100

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24

# nth_line <node> <n>: the n-th recorded notify line
nth_line() {
	sed -n "${2}p" "$T/$1.notify"
}

# expect_line <node> <n> <kind> <STATE> <prio> <prev>
expect_line() {
	local l
	l=$(nth_line "$1" "$2")
	case $l in
	"$3 INSTANCE web $4 $5 | state=$4 prev=$6 vips=$VIP/24 reason="*" inst=web")
		case $l in
		*"reason= inst="* | *"reason=UNSET"*) return 1 ;;
		esac
		return 0
		;;
	esac
	return 1
}

# --- part 1: sequences
notify_scripts n1
notify_scripts n2
web_conf n1 200 "$(notify_block n1 2000)"
web_conf n2 100 "$(notify_block n2 2000)"
clustd_start n1
wait_until 10 only_holder n1 $VIP
clustd_start n2
wait_until 5 eval '[ "$(grep -c . "$T/n2.notify")" -ge 2 ]'
sleep 0.5
clustd_kill n1
wait_until 10 has_vip n2 $VIP
wait_until 5 eval '[ "$(grep -c . "$T/n2.notify")" -ge 4 ]'
clustd_signal n2 TERM
clustd_wait_exit n2 10
diag "n1 notify lines:"
notify_lines n1 | sed 's/^/#   /'
diag "n2 notify lines:"
notify_lines n2 | sed 's/^/#   /'

check "n1 #1: backup script, INIT -> BACKUP, env set" expect_line n1 1 backup BACKUP 200 INIT
check "n1 #2: any script after it, same transition" expect_line n1 2 any BACKUP 200 INIT
check "n1 #3: master script, BACKUP -> MASTER" expect_line n1 3 master MASTER 200 BACKUP
check "n1 #4: any script after it" expect_line n1 4 any MASTER 200 BACKUP
check "n1: nothing else ran (it was SIGKILLed)" test "$(grep -c . "$T/n1.notify")" = 4
check "n2 #1: backup script, INIT -> BACKUP" expect_line n2 1 backup BACKUP 100 INIT
check "n2 #2: any script after it" expect_line n2 2 any BACKUP 100 INIT
check "n2 #3: master script after n1 died, BACKUP -> MASTER" expect_line n2 3 master MASTER 100 BACKUP
check "n2 #4: any script after it" expect_line n2 4 any MASTER 100 BACKUP
check "n2 #5: stop script on SIGTERM, MASTER -> STOP" expect_line n2 5 stop STOP 100 MASTER
check "n2 #6: any script after it" expect_line n2 6 any STOP 100 MASTER
check "n2: six lines in all" test "$(grep -c . "$T/n2.notify")" = 6
check "n2 master reason mentions the down timer: $(nth_line n2 3 | sed 's/.*reason=//')" \
	eval 'nth_line n2 3 | grep -q "reason=.*master down"'
check "n2 exited 0 after running its stop scripts" test "$(clustd_exit_code n2)" = 0

# --- part 2: a master script that hangs
cat >"$T/hang.sh" <<HANG
#!/bin/sh
echo "hang \$*" >>"$T/n2.notify"
sleep 60 &
echo \$! >"$T/hang.sleep.pid"
echo \$\$ >"$T/hang.sh.pid"
wait
echo "hang not killed" >>"$T/n2.notify"
HANG
chmod 755 "$T/hang.sh"
notify_scripts n2
web_conf n1 100
web_conf n2 200 "$(notify_block n2 500 master="$T/hang.sh")"
m1=$(log_lines n1)
clustd_start n1
# (its stale VIP from part 1 does not count: wait for the transition)
check "restarted n1 becomes MASTER again" wait_log 10 n1 'web: BACKUP -> MASTER' "$m1"
wait_until 10 only_holder n1 $VIP
capture_start adv "ip proto 112" || fail "capture started"
m2=$(log_lines n2)
clustd_start n2
if wait_until 10 only_holder n2 $VIP; then
	ok "n2 (priority 200) preempts n1"
else
	fail "n2 (priority 200) preempts n1 (holders: '$(vip_holders $VIP)')"
fi
t_master=$(now_ms)
if wait_log 5 n2 'killed after timeout' "$m2"; then
	ok "n2 logged the hanging script 'killed after timeout' $(($(now_ms) - t_master)) ms after takeover"
else
	fail "n2 logged 'killed after timeout' for the hanging script"
fi
log_since n2 "$m2" | grep -E 'hang.sh' | sed 's/^/#   /'
wait_until 3 eval '[ "$(grep -c "^any INSTANCE web MASTER" "$T/n2.notify")" -ge 1 ]'
sleep 0.6
capture_stop adv
sp=$(cat "$T/hang.sleep.pid" 2>/dev/null)
hp=$(cat "$T/hang.sh.pid" 2>/dev/null)
check "the script's child (sleep, pid $sp) was killed with its group" \
	eval '[ -n "$sp" ] && ! net_pid_alive $sp'
check "the script itself (pid $hp) was killed" eval '[ -n "$hp" ] && ! net_pid_alive $hp'
check "the script did not run to its end" eval '! grep -q "hang not killed" "$T/n2.notify"'
seq=$(cut -d' ' -f1-4 "$T/n2.notify" | tr '\n' ',')
diag "n2 sequence: $seq"
check "n2: backup, any, hang (master), any in that order" \
	test "$seq" = "backup INSTANCE web BACKUP,any INSTANCE web BACKUP,hang INSTANCE web MASTER,any INSTANCE web MASTER,"
nadv=$(pcap_count adv "ip.src == 198.51.100.12 && vrrp.virt_rtr_id == 51")
gap=$(max_gap_ms adv "ip.src == 198.51.100.12 && vrrp.virt_rtr_id == 51")
diag "n2 sent $nadv adverts during and after the hang; largest gap $gap ms"
check "n2 sent adverts while its script hung ($nadv >= 8)" test "$nadv" -ge 8
check "no gap > 250 ms between n2's adverts during the hang ($gap ms)" test "$gap" -le 250
check "n1 went back to BACKUP" log_has n1 'web: MASTER -> BACKUP' "$m1"

# --- part 3: a flapping link while a slow backup script runs (n2 stays
# master): the queued transitions are coalesced (skipped and counted), the
# newest runs, told the state last notified (BACKUP), not FAULT.
clustd_kill n1
cat >"$T/slow.sh" <<SLOW
#!/bin/sh
echo "slow \$* prev=\$CLUSTD_PREV_STATE" >>"$T/n1.notify"
sleep 3
SLOW
chmod 755 "$T/slow.sh"
notify_scripts n1
web_conf n1 100 "$(notify_block n1 5000 backup="$T/slow.sh")"
m1=$(log_lines n1)
clustd_start n1
wait_until 5 grep -q '^slow INSTANCE web BACKUP' "$T/n1.notify"
for i in 1 2; do
	nsx n1 ip link set eth0 down
	wait_until 3 eval '[ "$(log_count n1 "web: BACKUP -> FAULT" "$m1")" -ge $i ]'
	nsx n1 ip link set eth0 up
	wait_until 3 eval '[ "$(log_count n1 "web: FAULT -> BACKUP" "$m1")" -ge $i ]'
done
check "n1 flapped twice while its backup script ran" \
	test "$(log_count n1 'web: FAULT -> BACKUP' "$m1")" = 2
wait_until 10 eval '[ "$(grep -c "^any INSTANCE web BACKUP" "$T/n1.notify")" -ge 2 ]'
sleep 0.3
seq=$(sed 's/ | state=\([A-Z]*\) prev=\([A-Z]*\).*/ prev=\2/' "$T/n1.notify" | cut -d' ' -f1,4,6 | tr '\n' ',')
diag "n1 sequence: $seq"
check "coalesced: the first transition, then the newest one only (prev = last notified)" \
	test "$seq" = "slow BACKUP prev=INIT,any BACKUP prev=INIT,slow BACKUP prev=BACKUP,any BACKUP prev=BACKUP,"
check "no fault script ran (both FAULT transitions were superseded)" \
	eval '! grep -q "^fault" "$T/n1.notify"'
skipped=$(nsx n1 "$CLUSTD" -f "$T/n1.conf" metrics | grep '^clustd_notify_skipped_total{instance="web"}' | awk '{print $2}')
check "notify_skipped_total{instance=web} = 6: 3 transitions, 2 scripts each (got '$skipped')" \
	test "$skipped" = 6
check "n1 logged the 6 skips" eval '[ "$(log_count n1 "skipped: superseded" "$m1")" = 6 ]'
check "n2 stayed master" only_holder n2 $VIP

done_testing
