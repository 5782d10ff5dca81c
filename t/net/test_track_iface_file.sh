#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Interface and file tracking. n1 (150) and n2 (100) both have eth1 on a
# second bridge. On n1:
#   web  (VRID 51, .100): tracks eth1 with weight -60, and a file with
#        weight -20 (the file's integer x -20);
#   gate (VRID 52, .101): tracks eth1 without a weight (down = FAULT).
# eth1 down (admin, then carrier only) -> web 150 -> 90, n2 takes .100;
# gate FAULT, n2 takes .101. Up -> both come back (preempt). The file:
# 5 -> 50 (takeover), 0 -> 150 (back), garbage -> counts 0, -3 -> 210,
# 99 -> clamped to 1, an atomic rename is seen too, a removed file counts 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_track.sh"
net_init track_iface_file
WEB=198.51.100.100
GATE=198.51.100.101
N1=198.51.100.11

net_bridge br0
net_bridge br1
net_host n1 $N1/24
net_host n2 198.51.100.12/24
net_attach n1 br1 eth1 203.0.113.11/24
net_attach n2 br1 eth1 203.0.113.12/24

mkdir -p "$T/trk"
PRIO=$T/trk/prio
echo 0 >"$PRIO"

# conf <node> <prio> <web track> <gate track>
conf() {
	{
		node_block "$1"
		echo "instances = ("
		instance_block web eth0 51 "$2" $WEB/24 "$3"
		echo ","
		instance_block gate eth0 52 "$2" $GATE/24 "$4"
		echo
		echo ");"
	} | clustd_conf "$1"
}
conf n1 150 \
	'track = { interfaces = ( { name = "eth1"; weight = -60; } );
	  files = ( { path = "'"$PRIO"'"; weight = -20; } ); };' \
	'track = { interfaces = ( { name = "eth1"; } ); };'
conf n2 100 "" ""
check "the config is valid (clustd -t)" nsx n1 "$CLUSTD" -t -f "$T/n1.conf"

settled() {
	only_holder n1 $WEB && only_holder n1 $GATE
}
clustd_start n1
wait_until 10 settled
clustd_start n2
sleep 1
check "n1 holds both VIPs" settled
check "n1: web at priority 150 (eth1 up, file 0)" wait_until 3 tr_prio_is n1 web 150

# link_cycle <how> <down cmd> <up cmd>
link_cycle() {
	local how=$1 m1 m2 t0 faults
	m1=$(log_lines n1)
	m2=$(log_lines n2)
	t0=$(now_ms)
	eval "$2"
	check "$how: n1 logged 'web: interface eth1 down'" wait_log 5 n1 'web: interface eth1 down' "$m1"
	check "$how: n1 logged 'web: effective priority 150 -> 90'" \
		wait_log 3 n1 'web: effective priority 150 -> 90' "$m1"
	if wait_until 5 eval 'only_holder n2 $WEB && only_holder n2 $GATE'; then
		ok "$how: n2 holds both VIPs $(($(now_ms) - t0)) ms after eth1 down"
	else
		fail "$how: n2 holds both VIPs (web: '$(vip_holders $WEB)', gate: '$(vip_holders $GATE)')"
	fi
	check "$how: web left MASTER for BACKUP (higher priority advert), not FAULT" \
		eval 'log_has n1 "web: MASTER -> BACKUP: higher priority advert" $m1 &&
		      ! log_has n1 "web: [A-Z]+ -> FAULT" $m1'
	check "$how: gate 'MASTER -> FAULT: interface eth1 down'" \
		log_has n1 'gate: MASTER -> FAULT: interface eth1 down' "$m1"
	check "$how: n2 took over both" \
		eval 'log_has n2 "web: BACKUP -> MASTER" $m2 && log_has n2 "gate: BACKUP -> MASTER" $m2'
	if tr_status_answers n1 "$how: clustd status answers"; then
		check "$how: status: web priority 90, BACKUP" \
			eval 'tr_prio_is n1 web 90 && tr_inst_is n1 web state BACKUP'
		check "$how: status: gate FAULT" tr_inst_is n1 gate state FAULT
		faults=$(tr_inst n1 gate faults)
		check "$how: status: gate lists why it is in FAULT (faults: '$faults')" test -n "$faults"
	fi
	m1=$(log_lines n1)
	m2=$(log_lines n2)
	t0=$(now_ms)
	eval "$3"
	check "$how: n1 logged 'web: interface eth1 up'" wait_log 5 n1 'web: interface eth1 up' "$m1"
	check "$how: n1 logged 'web: effective priority 90 -> 150'" \
		wait_log 3 n1 'web: effective priority 90 -> 150' "$m1"
	check "$how: gate 'FAULT -> BACKUP'" wait_log 3 n1 'gate: FAULT -> BACKUP' "$m1"
	if wait_until 10 settled; then
		ok "$how: n1 holds both VIPs again $(($(now_ms) - t0)) ms after eth1 up"
	else
		fail "$how: n1 holds both VIPs again (web: '$(vip_holders $WEB)', gate: '$(vip_holders $GATE)')"
	fi
	check "$how: n2 gave both back" wait_until 3 eval \
		'log_has n2 "web: MASTER -> BACKUP" $m2 && log_has n2 "gate: MASTER -> BACKUP" $m2'
}

link_cycle "admin down" 'nsx n1 ip link set eth1 down' 'nsx n1 ip link set eth1 up'
link_cycle "carrier lost" "ip -n ${P}br link set eth1-n1 down" "ip -n ${P}br link set eth1-n1 up"

# --- the file
# file_step <desc> <content> <expected priority> <expected web holder>
#           [atomic]: write the file, wait for priority and holder.
file_step() {
	local desc=$1 content=$2 prio=$3 holder=$4 how=${5:-} m1 t0
	m1=$(log_lines n1)
	t0=$(now_ms)
	if [ "$how" = atomic ]; then
		printf '%s\n' "$content" >"$PRIO.tmp" && mv "$PRIO.tmp" "$PRIO"
	else
		printf '%s\n' "$content" >"$PRIO"
	fi
	if wait_until 5 tr_prio_is n1 web "$prio"; then
		ok "file $desc: n1's web priority $prio $(($(now_ms) - t0)) ms after the write"
	else
		fail "file $desc: n1's web priority $prio (status: '$(tr_inst n1 web priority)')"
	fi
	if wait_until 5 only_holder "$holder" $WEB; then
		ok "file $desc: $holder holds the web VIP"
	else
		fail "file $desc: $holder holds the web VIP (holders: '$(vip_holders $WEB)')"
	fi
	FILE_MARK=$m1
}
FILE_MARK=0
m2=$(log_lines n2)
file_step "5 (x -20 = -100)" 5 50 n2
check "file 5: logged the new value" log_has n1 "web: file $PRIO now 5 \\(x -20 = -100\\)" "$FILE_MARK"
check "file 5: n2 took over (BACKUP -> MASTER)" log_has n2 'web: BACKUP -> MASTER' "$m2"
check "file 5: gate did not move" only_holder n1 $GATE
file_step "0" 0 150 n1
file_step "5 again" 5 50 n2
file_step "garbage (counts 0)" 'five!' 150 n1
check "file garbage: logged 'not an integer, counting 0'" \
	log_has n1 "web: track file $PRIO: not an integer, counting 0" "$FILE_MARK"
file_step "-3 (x -20 = +60)" -3 210 n1
file_step "99 (x -20 = -1980, clamped)" 99 1 n2
file_step "0 by atomic rename" 0 150 n1 atomic
file_step "5 before removal" 5 50 n2
m1=$(log_lines n1)
t0=$(now_ms)
rm -f "$PRIO"
if wait_until 5 tr_prio_is n1 web 150; then
	ok "file removed (counts 0): n1's web priority 150 $(($(now_ms) - t0)) ms later"
else
	fail "file removed (counts 0): n1's web priority 150 (status: '$(tr_inst n1 web priority)')"
fi
check "file removed: logged 'file ... missing (0)'" log_has n1 "web: file $PRIO missing \\(0\\)" "$m1"
check "file removed: n1 holds both VIPs again" wait_until 5 settled
m1=$(log_lines n1)
echo 0 >"$PRIO"
sleep 0.5
check "file created again with 0: no priority change, no transition" \
	eval 'tr_prio_is n1 web 150 && ! log_has n1 "(web|gate): [A-Z]+ -> [A-Z]+" $m1 && settled'

done_testing
