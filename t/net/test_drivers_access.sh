#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Who may connect to the driver socket (clustd-drivers(7)): it is mode
# 0660 and belongs to node.driver_group ("nogroup" here). An
# unprivileged user (nobody) whose group, or one of whose supplementary
# groups, is nogroup connects, and the daemon logs its uid and gid; the
# same user outside the group is refused by the kernel (EACCES). A reload
# that drops driver_group gives the socket back to root's group: then
# nobody is refused; the control socket stays root's (0600) throughout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_drivers.sh"
net_init drivers_access

if ! getent group nogroup >/dev/null || ! getent passwd nobody >/dev/null; then
	echo "1..0 # SKIP no user nobody or group nogroup on this system"
	exit 0
fi
GID=$(getent group nogroup | cut -d: -f3)
UID_NOBODY=$(id -u nobody)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$DRV_PY

net_bridge
net_host n1 198.51.100.11/24
# nobody must reach the socket: the test directory is searchable, and the
# client lives in it (the checkout may not be readable by nobody).
chmod 711 "$T"
cp "$DRV_CLIENT_SRC" "$T/drv_client.py"
chmod 644 "$T/drv_client.py"
n1_conf() {
	{
		node_block n1 | sed "s/ };\$/ $1 };/"
		echo "instances = ("
		instance_block web eth0 51 150 198.51.100.100/24
		echo
		echo ");"
	} | clustd_conf n1
}
n1_conf 'driver_group = "nogroup";'
clustd_start n1
wait_until 10 only_holder n1 198.51.100.100
SOCK=$(drv_sock n1)

# as_nobody <setpriv group options...>: drv_client.py connect as nobody.
as_nobody() {
	nsx n1 setpriv --reuid="$UID_NOBODY" "$@" "$PY" "$T/drv_client.py" connect "$SOCK" 2>&1
}

check "the socket is 0660, group nogroup" \
	eval '[ "$(stat -c "%a %G" "$SOCK")" = "660 nogroup" ]'
check "the control socket stays 0600, root's" \
	eval '[ "$(stat -c "%a %U" "$T/n1/run/clustd.sock")" = "600 root" ]'
m1=$(log_lines n1)
out=$(as_nobody --regid="$GID" --clear-groups)
check "nobody with group nogroup connects ($out)" test "$out" = ok
check "the daemon logged its uid and gid" \
	wait_log 5 n1 "drivers: connection from pid [0-9]+, uid $UID_NOBODY, gid $GID" "$m1"
out=$(as_nobody --regid=12345 --groups="$GID")
check "nobody with nogroup as a supplementary group connects ($out)" test "$out" = ok
out=$(as_nobody --regid=12345 --clear-groups)
check "nobody outside the group is refused ($out)" test "$out" = EACCES

n1_conf ''
m1=$(log_lines n1)
clustd_signal n1 HUP
check "reload applied" wait_log 5 n1 'reload: config applied' "$m1"
check "the reload logged the socket's new group" \
	log_has n1 'reload: driver socket .* now for group root' "$m1"
check "the socket is 0660, group root" eval '[ "$(stat -c "%a %G" "$SOCK")" = "660 root" ]'
out=$(as_nobody --regid="$GID" --clear-groups)
check "nobody with group nogroup is refused now ($out)" test "$out" = EACCES
check "root still connects" eval '[ "$(drv_client n1 connect "$SOCK")" = ok ]'

done_testing
