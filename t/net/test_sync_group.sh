#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Sync groups: web (eth0, VRID 51, 198.51.100.100) and db (eth1, VRID 52,
# 203.0.113.100) form group g on both nodes (n1 150, n2 100).
#  - eth1 down on n1: db goes FAULT on its own interface, web follows it
#    into FAULT (group), both VIPs move to n2; up: both come back (preempt);
#  - a tracked file on n1's db only (weight -1, value 100): the delta is
#    shared, so web drops to 50 too and both move to n2 without a FAULT;
#    value 0: both come back.
# Group notify scripts record `GROUP g <STATE> 0` and the CLUSTD_* env; no
# node holds only one of the two VIPs for more than 1 s at any time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_track.sh"
net_init sync_group
WEB=198.51.100.100
DB=203.0.113.100

net_bridge br0
net_bridge br1
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
net_attach n1 br1 eth1 203.0.113.11/24
net_attach n2 br1 eth1 203.0.113.12/24

# gnotify_scripts <node>: one recording script per kind, appending
#   <kind> <argv> | state= prev= group= insts= reason=
# to $T/<node>.gnotify.
gnotify_scripts() {
	local node=$1 kind
	for kind in master backup fault any; do
		cat >"$T/$node-g-$kind.sh" <<EOF
#!/bin/sh
printf '%s %s | state=%s prev=%s group=%s insts=%s reason=%s\\n' $kind "\$*" \\
	"\${CLUSTD_STATE-UNSET}" "\${CLUSTD_PREV_STATE-UNSET}" "\${CLUSTD_GROUP-UNSET}" \\
	"\${CLUSTD_INSTANCES-UNSET}" "\${CLUSTD_REASON-UNSET}" >>"$T/$node.gnotify"
EOF
		chmod 755 "$T/$node-g-$kind.sh"
	done
	: >"$T/$node.gnotify"
}

mkdir -p "$T/trk"
LOAD=$T/trk/load
echo 0 >"$LOAD"

# conf <node> <prio> [<db extra>]
conf() {
	local n=$1
	gnotify_scripts "$n"
	{
		node_block "$n"
		echo "instances = ("
		instance_block web eth0 51 "$2" $WEB/24
		echo ","
		instance_block db eth1 52 "$2" $DB/24 "${3:-}"
		echo
		echo ");"
		printf 'sync_groups = ( { name = "g"; instances = [ "web", "db" ];\n'
		printf '  notify = { master = "%s"; backup = "%s"; fault = "%s"; any = "%s"; timeout = 2000; }; } );\n' \
			"$T/$n-g-master.sh" "$T/$n-g-backup.sh" "$T/$n-g-fault.sh" "$T/$n-g-any.sh"
	} | clustd_conf "$n"
}
conf n1 150 'track = { files = ( { path = "'"$LOAD"'"; weight = -1; } ); };'
conf n2 100
check "the config with a sync group is valid (clustd -t)" nsx n1 "$CLUSTD" -t -f "$T/n1.conf"

on() {	# on <node>: the node alone holds both VIPs
	only_holder "$1" $WEB && only_holder "$1" $DB eth1
}
clustd_start n1
wait_until 10 on n1
clustd_start n2
sleep 1
check "n1 holds both VIPs, n2 none" on n1

# gn_has <node> <ERE>: a recorded group notify line matches.
gn_has() {
	grep -Eq -- "$2" "$T/$1.gnotify"
}
check "n1's group script: 'master GROUP g MASTER 0' with its env" wait_until 3 gn_has n1 \
	'^master GROUP g MASTER 0 \| state=MASTER prev=[A-Z]+ group=g insts=web db reason=.'
check "n1: the 'any' script ran after it with the same argv" wait_until 3 gn_has n1 \
	'^any GROUP g MASTER 0 \| state=MASTER'
check "n2's group script: 'backup GROUP g BACKUP 0' with its env" wait_until 3 gn_has n2 \
	'^backup GROUP g BACKUP 0 \| state=BACKUP prev=INIT group=g insts=web db reason=.'
check "n1 logged 'sync group g: ... -> MASTER'" log_has n1 'sync group g: [A-Z]+ -> MASTER'
diag "n1 group notify at start: $(tr '\n' ';' <"$T/n1.gnotify")"

tr_pair_sampler_start pair 60 $WEB eth0 $DB eth1

# --- eth1 down on n1: db FAULT, web follows
m1=$(log_lines n1)
m2=$(log_lines n2)
: >"$T/n1.gnotify"
: >"$T/n2.gnotify"
t0=$(now_ms)
nsx n1 ip link set eth1 down
check "n1: 'db: MASTER -> FAULT' (its interface)" wait_log 5 n1 'db: MASTER -> FAULT: interface eth1' "$m1"
check "n1: 'web: MASTER -> FAULT: sync group g: a member is in FAULT'" \
	wait_log 3 n1 'web: MASTER -> FAULT: sync group g: a member is in FAULT' "$m1"
if wait_until 10 on n2; then
	ok "n2 holds both VIPs $(($(now_ms) - t0)) ms after n1's eth1 down"
else
	fail "n2 holds both VIPs (web: '$(vip_holders $WEB)', db: '$(vip_holders $DB eth1)')"
fi
check "n1 holds neither VIP" eval '! has_vip n1 $WEB && ! has_vip n1 $DB eth1'
check "n1: 'sync group g: MASTER -> FAULT'" log_has n1 'sync group g: MASTER -> FAULT' "$m1"
check "n2: 'sync group g: BACKUP -> MASTER'" wait_log 3 n2 'sync group g: BACKUP -> MASTER' "$m2"
check "n1's group script: 'fault GROUP g FAULT 0', prev MASTER" wait_until 3 gn_has n1 \
	'^fault GROUP g FAULT 0 \| state=FAULT prev=MASTER group=g insts=web db reason=.'
check "n2's group script: 'master GROUP g MASTER 0', prev BACKUP" wait_until 3 gn_has n2 \
	'^master GROUP g MASTER 0 \| state=MASTER prev=BACKUP group=g insts=web db reason=.'
check "n1: exactly one group fault notify (+ any)" \
	test "$(grep -c . "$T/n1.gnotify")" = 2
if tr_status_answers n1 "clustd status answers on n1"; then
	check "n1's status: web FAULT, db FAULT" \
		eval 'tr_inst_is n1 web state FAULT && tr_inst_is n1 db state FAULT'
	faults=$(tr_inst n1 web faults)
	check "n1's status: web lists why it is in FAULT (faults: '$faults')" test -n "$faults"
fi
sleep 0.5
check "n1's web stays in FAULT while eth1 is down" eval '! log_has n1 "web: FAULT -> " $m1'

# --- eth1 up: both come back
m1=$(log_lines n1)
m2=$(log_lines n2)
: >"$T/n1.gnotify"
: >"$T/n2.gnotify"
t0=$(now_ms)
nsx n1 ip link set eth1 up
check "n1: 'db: FAULT -> BACKUP'" wait_log 5 n1 'db: FAULT -> BACKUP' "$m1"
check "n1: 'web: FAULT -> BACKUP'" wait_log 3 n1 'web: FAULT -> BACKUP' "$m1"
if wait_until 10 on n1; then
	ok "n1 holds both VIPs again $(($(now_ms) - t0)) ms after eth1 up"
else
	fail "n1 holds both VIPs again (web: '$(vip_holders $WEB)', db: '$(vip_holders $DB eth1)')"
fi
check "n1's group script: 'backup GROUP g BACKUP 0' prev FAULT, then 'master ... prev BACKUP'" \
	wait_until 3 eval "gn_has n1 '^backup GROUP g BACKUP 0 \| state=BACKUP prev=FAULT' &&
		gn_has n1 '^master GROUP g MASTER 0 \| state=MASTER prev=BACKUP'"
check "n2's group script: 'backup GROUP g BACKUP 0', prev MASTER" wait_until 3 gn_has n2 \
	'^backup GROUP g BACKUP 0 \| state=BACKUP prev=MASTER group=g'
diag "n1 group notify after link up: $(tr '\n' ';' <"$T/n1.gnotify")"

# --- shared tracking: only db tracks the file, web moves with it
m1=$(log_lines n1)
m2=$(log_lines n2)
: >"$T/n1.gnotify"
t0=$(now_ms)
echo 100 >"$LOAD"
check "n1: 'db: effective priority 150 -> 50'" wait_log 5 n1 'db: effective priority 150 -> 50' "$m1"
check "n1: 'web: effective priority 150 -> 50' (the delta is shared)" \
	wait_log 3 n1 'web: effective priority 150 -> 50' "$m1"
if wait_until 10 on n2; then
	ok "n2 holds both VIPs $(($(now_ms) - t0)) ms after db's tracked file said 100"
else
	fail "n2 holds both VIPs after the file (web: '$(vip_holders $WEB)', db: '$(vip_holders $DB eth1)')"
fi
check "n1: both MASTER -> BACKUP, no FAULT" \
	eval 'log_has n1 "web: MASTER -> BACKUP" $m1 && log_has n1 "db: MASTER -> BACKUP" $m1 &&
	      ! log_has n1 "-> FAULT" $m1'
check "n1's group script: 'backup GROUP g BACKUP 0', prev MASTER" wait_until 3 gn_has n1 \
	'^backup GROUP g BACKUP 0 \| state=BACKUP prev=MASTER group=g'
if tr_status_answers n1 "clustd status answers on n1"; then
	check "n1's status: web and db at priority 50" \
		eval 'tr_prio_is n1 web 50 && tr_prio_is n1 db 50'
fi
m1=$(log_lines n1)
t0=$(now_ms)
echo 0 >"$LOAD"
if wait_until 10 on n1; then
	ok "n1 holds both VIPs again $(($(now_ms) - t0)) ms after the file said 0"
else
	fail "n1 holds both VIPs again (web: '$(vip_holders $WEB)', db: '$(vip_holders $DB eth1)')"
fi
check "n1: both back to priority 150" \
	eval 'log_has n1 "web: effective priority 50 -> 150" $m1 && log_has n1 "db: effective priority 50 -> 150" $m1'

sleep 0.5
tr_pair_sampler_stop pair
sampler_period_check "VIP pair sampler" "$T/pair.pairs" 20
read -r split who since nsamples <<<"$(tr_pair_split pair)"
diag "VIP pair samples: $nsamples; longest time a node held only one of the two: $split ms ($who from $since)"
check "the sampler saw enough ($nsamples samples)" test "$nsamples" -ge 20
check "no node held only one of the two VIPs for more than 1 s ($split ms)" test "$split" -le 1000

done_testing
