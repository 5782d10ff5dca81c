#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The driver socket (clustd-drivers(7)) with real daemons: a driver gets
# the state at once, then every transition of a failover on its node, in
# order, with contiguous sequence numbers; a second driver under a taken
# id and every kind of bad line are refused with an error and a
# disconnect while the daemon runs on; `clustd watch --exec` runs its
# program for each event and, after the daemon was SIGKILLed and started
# again, for the state that changed while it was away; status and metrics
# list the drivers.
#   n1 (150) master, n2 (100) backup, instance web (VIP .100).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_drivers.sh"
net_init drivers
VIP=198.51.100.100

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
web_conf n1 150
web_conf n2 100
clustd_start n1
wait_until 10 only_holder n1 $VIP
clustd_start n2
wait_until 10 backup_settled n2

# ---- snapshot on connect
check "n1: a recording driver connects" drv_record rec1 n1 rec
check "n2: a recording driver connects" drv_record rec2 n2 rec
check "n1: the daemon's hello first (protocol 1, node n1)" \
	eval 'head -n 1 "$T/rec1.lines" | jq -e ".type == \"hello\" and .protocol == 1 and .node == \"n1\" and .incarnation > 0" >/dev/null'
check "n1: the snapshot says web is MASTER at priority 150 with its VIP" \
	eval 'drv_lines rec1 snapshot | jq -se "any(.[]; .instance == \"web\" and .state == \"MASTER\" and .priority == 150 and .vips == [\"198.51.100.100/24\"] and .quorum == null)" >/dev/null'
check "n2: the snapshot says web is BACKUP" \
	eval 'drv_lines rec2 snapshot | jq -se "any(.[]; .instance == \"web\" and .state == \"BACKUP\")" >/dev/null'
PROG_OUT=$T/prog.out
PROG=$(drv_prog "$PROG_OUT")
drv_watch watch2 n2 --id exec2 --exec "$PROG" first-arg
drv_watch print2 n2 --id print2
check "n2: clustd watch --exec connects" wait_log_file 10 "$T/watch2.err" 'connected to .* as exec2'
check "n2: clustd watch connects" wait_log_file 10 "$T/print2.err" 'connected to .* as print2'
check "n2: watch --exec ran PROG once for the state at connect (BACKUP)" \
	wait_until 5 grep -qs 'first-arg INSTANCE web BACKUP 100 | prev=INIT state=BACKUP .*id=exec2 reason=state at connect: ' "$PROG_OUT"
check "n2: clustd watch printed the state at connect" \
	wait_until 5 grep -qs '^web: BACKUP, priority 100, VIPs 198.51.100.100/24' "$T/print2.out"

# ---- a failover and back, by n1's link
m1=$(log_lines n1)
nsx n1 ip link set eth0 down
wait_until 5 only_holder n2 $VIP
check "n2 took over" only_holder n2 $VIP
nsx n1 ip link set eth0 up
check "n1 took the VIP back" wait_until 10 only_holder n1 $VIP
check "n1: its driver saw MASTER>FAULT FAULT>BACKUP BACKUP>MASTER" \
	wait_until 5 eval '[ "$(drv_transitions rec1 web)" = "MASTER>FAULT FAULT>BACKUP BACKUP>MASTER" ]'
check "n2: its driver saw BACKUP>MASTER MASTER>BACKUP" \
	wait_until 5 eval '[ "$(drv_transitions rec2 web)" = "BACKUP>MASTER MASTER>BACKUP" ]'
diag "n1 events: $(drv_events rec1 | tr '\n' ';')"
check "n1: sequence numbers contiguous from the snapshot's" drv_contiguous rec1
check "n2: sequence numbers contiguous from the snapshot's" drv_contiguous rec2
fault_event_ok() {
	drv_lines rec1 event | jq -se 'any(.[]; .to == "FAULT" and .reason == "interface eth0 down or missing"
		and (.time | test("^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{6}Z$")))' >/dev/null
}
check "n1: each event has a wall-clock time and the reason the log gave" fault_event_ok
check "n2: watch --exec ran PROG for MASTER then BACKUP, serially, with the notify arguments" \
	wait_until 5 eval '[ "$(grep -c "INSTANCE web" "$PROG_OUT")" -ge 3 ] &&
		grep "INSTANCE web" "$PROG_OUT" | sed -n 2p | grep -q "^first-arg INSTANCE web MASTER 100 | prev=BACKUP state=MASTER seq=[0-9]" &&
		grep "INSTANCE web" "$PROG_OUT" | sed -n 3p | grep -q "^first-arg INSTANCE web BACKUP 100 | prev=MASTER state=BACKUP"'
check "n2: the daemon recorded watch's answers (ok, exit status 0)" \
	wait_until 5 eval '[ "$(drv_status n2 ".drivers.drivers[] | select(.id == \"exec2\") | .last_answer.message")" = "exit status 0" ]'
check "n2: clustd watch printed both transitions" \
	eval 'grep -q "web: BACKUP -> MASTER, priority 100" "$T/print2.out" && grep -q "web: MASTER -> BACKUP" "$T/print2.out"'

# ---- a second driver under a taken id
out=$(drv_client n2 send "$(drv_sock n2)" '{"type":"hello","protocol":1,"id":"rec"}')
check "n2: a second driver with id rec is refused (duplicate_id) and disconnected" \
	eval 'echo "$out" | jq -se "any(.[]; .type == \"error\" and .error == \"duplicate_id\")" >/dev/null'
check "n2: the first rec is still connected" \
	eval '[ "$(drv_status n2 "[.drivers.drivers[] | select(.id == \"rec\")] | length")" = 1 ] && ! drv_ended rec2'

# ---- bad lines: an error, a disconnect, the daemon runs on
bad_line() { # <what> <error> <line...>
	local what=$1 err=$2 out
	shift 2
	if out=$(drv_client n1 send "$(drv_sock n1)" "$@"); then
		check "n1: $what: error $err, then the daemon closes" \
			eval 'echo "$out" | tail -n 1 | jq -e ".type == \"error\" and .error == \"$err\"" >/dev/null'
	else
		fail "n1: $what: the daemon did not close the connection ($out)"
	fi
}
bad_line "not JSON" bad_json 'GET / HTTP/1.0'
bad_line "an unknown message type" unknown_type '{"type":"hello","protocol":1,"id":"x"}' '{"type":"promote"}'
bad_line "an answer before the hello" hello_first '{"type":"ack","seq":1,"ok":true}'
bad_line "protocol 2" protocol '{"type":"hello","protocol":2,"id":"x"}'
bad_line "an answer to an event never sent" unknown_seq '{"type":"hello","protocol":1,"id":"x"}' '{"type":"ack","seq":999999,"ok":true}'
bad_line "an oversized line" too_long "$(head -c 5000 /dev/zero | tr '\0' 'x')"
check "n1 is still running and master" eval 'clustd_alive n1 && only_holder n1 $VIP'
check "n1: status counts the protocol errors (6)" \
	eval '[ "$(drv_status n1 ".drivers.disconnects.protocol_error")" = 6 ]'
check "n1: the log names the bad driver's pid and uid" \
	log_has n1 'drivers: .* \(pid [0-9]+, uid 0\) disconnected: protocol_error: bad_json'

# ---- status and metrics
check "n2: status lists the drivers with pid, uid and queue" \
	eval '[ "$(drv_status n2 "[.drivers.drivers[] | select(.uid == 0 and .pid > 0 and .queue_bytes == 0)] | length")" = 3 ]'
check "n2: status text has a drivers section" \
	eval 'nsx n2 "$CLUSTD" -f "$T/n2.conf" status | grep -q "^  exec2 .*connected since"'
check "n2: metrics: clustd_drivers_connected 3" \
	eval 'nsx n2 "$CLUSTD" -f "$T/n2.conf" metrics | grep -qx "clustd_drivers_connected 3"'

# ---- SIGKILL and restart: the watch comes back, and its program runs
# for the state that changed while it was away. The watch is stopped
# (SIGSTOP) over the restart, so the change surely happens meanwhile.
wpid=$(drv_pid watch2)
ppid=$(drv_pid print2)
kill -STOP "$wpid" "$ppid"
clustd_kill n2
clustd_signal n1 TERM
clustd_wait_exit n1 10
clustd_start n2
check "n2 becomes MASTER alone" wait_until 10 only_holder n2 $VIP
nruns=$(grep -c "INSTANCE web" "$PROG_OUT")
kill -CONT "$wpid" "$ppid"
check "n2: clustd watch --exec reconnected" \
	wait_until 10 eval '[ "$(grep -c "connected to .* as exec2" "$T/watch2.err")" = 2 ]'
check "n2: it said the daemon went away" grep -q 'the daemon closed the connection; reconnecting' "$T/watch2.err"
check "n2: PROG ran for MASTER, the state reached while the watch was away" \
	wait_until 5 eval 'sed -n "$((nruns + 1))p" "$PROG_OUT" | grep -q "INSTANCE web MASTER 100 | prev=BACKUP state=MASTER seq=[0-9]* id=exec2 reason=state at connect: "'
check "n2: clustd watch reconnected and printed the current state" \
	wait_until 10 eval 'grep "^web: " "$T/print2.out" | tail -n 1 | grep -q "^web: MASTER, priority 100"'
check "n2: the recorder saw the end of its connection" wait_until 5 drv_ended rec2

done_testing
