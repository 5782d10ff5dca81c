#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Required drivers (clustd-drivers(7), clustd.conf(5) drivers): n1 (150)
# requires the driver "webapp" without a weight (FAULT while it fails),
# with node.driver_grace = 1500 ms; n2 (100) requires nothing.
#   - at start the grace lets n1 become master without the driver; when it
#     ends, n1 enters FAULT with the reason and n2 takes the VIP;
#   - the driver connects: n1 serves again (preempt);
#   - the driver says it is not ready: FAULT, VIP to n2; ready: back;
#   - the driver is SIGKILLed on the master: FAULT at once, VIP to n2
#     within the priority-0 takeover (timed);
#   - with weight = -100 instead (a reload), the driver's death makes n1's
#     priority 50 at once and n2 preempts, without a FAULT;
# and the VIP has two holders only for the moment of a preemption (RFC 5798
# 6.4.3: the preempted master leaves when it hears the new one, one packet
# later): never in two samples in a row of the 20 ms sampler.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_drivers.sh"
net_init drivers_required
VIP=198.51.100.100

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24

# n1_conf <drivers setting>
n1_conf() {
	{
		node_block n1 | sed 's/ };$/ driver_grace = 1500; };/'
		echo "instances = ("
		instance_block web eth0 51 150 198.51.100.100/24 "$1"
		echo
		echo ");"
	} | clustd_conf n1
}
n1_conf 'drivers = ( { id = "webapp"; } );'
web_conf n2 100
check "n1: the config with a required driver is valid" nsx n1 "$CLUSTD" -t -f "$T/n1.conf"

clustd_start n2
wait_until 10 only_holder n2 $VIP
vip_sampler_start all $VIP 120
m1=$(log_lines n1)
clustd_start n1

# ---- the grace time at start
check "n1: within the grace time it becomes MASTER without the driver" \
	wait_log 5 n1 'web: BACKUP -> MASTER' "$m1"
check "n1: when the grace ends: FAULT, required driver webapp is not connected" \
	wait_log 5 n1 'web: MASTER -> FAULT: required driver webapp is not connected' "$m1"
t_master=$(log_since n1 "$m1" | grep -m1 'web: BACKUP -> MASTER' | sed -E 's/^[^T]*T([0-9:.]+) .*/\1/')
t_fault=$(log_since n1 "$m1" | grep -m1 'MASTER -> FAULT' | sed -E 's/^[^T]*T([0-9:.]+) .*/\1/')
diag "n1 master at $t_master, FAULT at $t_fault (grace 1500 ms from the start)"
check "n2 takes the VIP" wait_until 5 only_holder n2 $VIP
check "n1: status: fault driver, the reason, the driver missing" \
	eval '[ "$(drv_status n1 ".instances[0] | [.faults[0], .fault_reason, .drivers[0].state] | join(\"|\")")" = \
	       "driver|required driver webapp is not connected|missing" ]'

# ---- the driver comes
touch "$T/ready"
m1=$(log_lines n1)
check "n1: the driver webapp connects" drv_record webapp n1 webapp --ready-file "$T/ready"
check "n1: FAULT -> BACKUP: required drivers connected and ready" \
	wait_log 5 n1 'web: FAULT -> BACKUP: required drivers connected and ready' "$m1"
check "n1 takes the VIP back" wait_until 5 only_holder n1 $VIP
check "n1: the log names the driver's pid, uid and gid" \
	log_has n1 "drivers: webapp connected \\(pid $(drv_pid webapp), uid 0, gid 0\\)" "$m1"

# ---- not ready, ready
m1=$(log_lines n1)
rm -f "$T/ready"
check "n1: MASTER -> FAULT: required driver webapp is not ready: no ready file" \
	wait_log 5 n1 'web: MASTER -> FAULT: required driver webapp is not ready: no ready file' "$m1"
check "n2 takes the VIP" wait_until 5 only_holder n2 $VIP
check "n1: status: the driver not_ready" \
	eval '[ "$(drv_status n1 ".instances[0].drivers[0].state")" = not_ready ]'
touch "$T/ready"
check "n1: ready again: n1 takes the VIP back" wait_until 5 only_holder n1 $VIP

# ---- the driver dies on the master
wait_until 5 backup_settled n2
m1=$(log_lines n1)
t0=$(now_ms)
drv_stop webapp KILL
if wait_until 5 only_holder n2 $VIP; then
	dt=$(($(now_ms) - t0))
	check "n1: FAULT at once: required driver webapp is not connected" \
		log_has n1 'web: MASTER -> FAULT: required driver webapp is not connected' "$m1"
	check "the VIP is on n2 within 500 ms of the driver's death (took $dt ms)" test "$dt" -lt 500
else
	fail "n2 took the VIP after the driver's death"
fi

# ---- with a weight instead: the priority falls, no FAULT
n1_conf 'drivers = ( { id = "webapp"; weight = -100; } );'
m1=$(log_lines n1)
clustd_signal n1 HUP
check "n1: reload applied" wait_log 5 n1 'reload: config applied' "$m1"
check "n1: the driver webapp connects again" drv_record webapp n1 webapp
check "n1 takes the VIP back at priority 150" wait_until 5 only_holder n1 $VIP
wait_until 5 backup_settled n2
m1=$(log_lines n1)
t0=$(now_ms)
drv_stop webapp KILL
check "n1: effective priority 150 -> 50 at once" wait_log 2 n1 'web: effective priority 150 -> 50' "$m1"
if wait_until 5 only_holder n2 $VIP; then
	diag "weight -100: VIP on n2 $(($(now_ms) - t0)) ms after the driver's death"
	ok "n2 (100) preempts n1 (50)"
else
	fail "n2 (100) preempts n1 (50)"
fi
check "n1: BACKUP, not FAULT" eval '! log_has n1 "web: [A-Z]+ -> FAULT" "$m1"'
check "n1: status: priority 50, driver missing, no fault" \
	eval '[ "$(drv_status n1 ".instances[0] | [.priority, .drivers[0].state, (.faults | length)] | join(\"|\")")" = "50|missing|0" ]'

vip_sampler_stop all >"$T/holders"
diag "holders: $(tr '\n' ';' <"$T/holders")"
run2=$(awk 'NF > 2 { run++; if (run > max) max = run; next } { run = 0 } END { print max + 0 }' "$T/all.samples")
check "two holders only for a moment (longest run: $run2 sample(s) of 20 ms)" \
	eval '[ -s "$T/holders" ] && [ "$run2" -le 1 ]'
vip_sampler_period_check all

done_testing
