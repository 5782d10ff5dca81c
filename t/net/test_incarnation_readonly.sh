#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Restarts with a read-only state_dir (B4), 3 nodes with the cluster plane:
# n2 is SIGKILLed and started again twice, each time in a private mount
# namespace where its state_dir is a read-only bind mount, so the new
# incarnation cannot be stored. Each start must still get an incarnation
# above the last one its peers saw (max(stored + 1, wall clock)): n1 and n3
# take it at once, n2 is alive for them, and no heartbeat of it is dropped
# as a replay. (Before, both starts read the same stored value and sent
# under the same incarnation: the second run's heartbeats were replays.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init incarnation_readonly

cl_three_up
S=$T/n2/state
# The daemon in a private mount namespace with its state_dir read-only
# (the pid stays the daemon's: every step execs).
cat >"$T/ro.sh" <<WRAP
#!/bin/sh
exec unshare -m --propagation private sh -c '
	set -e
	mount --bind "$S" "$S"
	mount -o remount,bind,ro "$S"
	exec "\$@"' ro "$CLUSTD" "\$@"
WRAP
chmod +x "$T/ro.sh"
STORED=$(cl_inc_of n1 n2)
check "n2's incarnation is stored ($STORED)" grep -q "^CLINC 1 $STORED " "$S/incarnation"

prev=$STORED
for k in 1 2; do
	r1=$(cl_drop n1 replay)
	r3=$(cl_drop n3 replay)
	m=$(log_lines n2)
	clustd_kill n2
	check "start $k: n1 sees n2 dead" wait_until 3 cl_alive_is n1 n2 false
	sleep 1.1 # the next wall-clock second at least
	CLUSTD="$T/ro.sh" clustd_start n2
	check "start $k: n2 could not store its incarnation (logged)" \
		wait_log 10 n2 "incarnation [0-9]+ could not be stored" "$m"
	check "start $k: n1 sees n2 alive again" wait_until 5 cl_alive_is n1 n2 true
	check "start $k: n3 sees n2 alive again" wait_until 3 cl_alive_is n3 n2 true
	inc=$(cl_inc_of n1 n2)
	check "start $k: a higher incarnation than the last run's ($prev -> $inc)" test "$inc" -gt "$prev"
	check "start $k: n3 agrees ($inc)" test "$(cl_inc_of n3 n2)" = "$inc"
	sleep 0.5
	check "start $k: no heartbeat of n2 dropped as a replay (n1 $r1 -> $(cl_drop n1 replay), n3 $r3 -> $(cl_drop n3 replay))" \
		test "$(cl_drop n1 replay)" = "$r1" -a "$(cl_drop n3 replay)" = "$r3"
	prev=$inc
done
check "the file still holds the stored value ($STORED)" grep -q "^CLINC 1 $STORED " "$S/incarnation"
check "n1 stays the only holder" only_holder n1 "$CL_VIP"

done_testing
