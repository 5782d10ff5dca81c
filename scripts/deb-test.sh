#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# deb-test.sh DEB_DIR - the package in a fresh Debian 12 root (root only).
#
# A minimal Debian 12 tree is made with debootstrap (from the mirror the
# host's apt uses; kept in build/deb-test/base.tar for the next run) and
# unpacked afresh. In it, inside a private mount namespace (nothing is
# mounted or installed on the host): `apt-get install ./clustd_*.deb`
# from nothing, `clustd -t` on the shipped config, `man clustd`, a real
# failover between two network namespaces (clt-dt-*, 198.51.100.0/24)
# running the installed binary on the installed config layout, an upgrade
# to a rebuilt package (a higher version) that keeps the edited
# /etc/clustd.conf, and `apt-get purge`, after which the tree holds nothing
# of clustd's (compared file by file with the tree before the install).
# Prints TAP-like lines and "deb-test: N passed, M failed"; exits 1 on any
# failure, 77 (a skip, said so) when no Debian tree can be made here. Then the tree boots with systemd-nspawn (in a network namespace
# of the test's) and the installed unit is tested under a real systemd:
# active, its sandbox's capabilities, STATUS=, VIP, notify script in the
# sandbox, bad reload, watchdog restart after SIGSTOP, a broken file at
# start. DEB_TEST_SYSTEMD=0 skips that stage (it is also skipped, and
# said so, where systemd-nspawn cannot be installed).
# t/net/test_systemd.sh tests verify, security, watchdog via NOTIFY_SOCKET.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
debs=$(cd "${1:-$top/build/deb}" && pwd)
work=$top/build/deb-test
root=$work/root
NS_A=clt-dt-a-$$
NS_B=clt-dt-b-$$
pass=0
failed=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "not ok - $*"; }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; return 1; fi
}
finish() {
	echo "deb-test: $pass passed, $failed failed in ${SECONDS} s"
	[ "$failed" -eq 0 ]
	exit $?
}

if [ "$(id -u)" -ne 0 ]; then
	echo "deb-test: needs root (debootstrap, chroot, network namespaces)" >&2
	exit 2
fi
# Everything below runs in a mount namespace of its own: the chroot's
# /proc and /dev mounts vanish with it, whatever happens.
if [ -z "${DEB_TEST_UNSHARED:-}" ]; then
	DEB_TEST_UNSHARED=1 exec unshare --mount --propagation private "$0" "$debs"
fi

# --------------------------------------------------------- the tree
mirror() {
	sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v security | head -n 1
	awk '$1 == "deb" && $2 !~ /^\[/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null
}
base_tree() {
	local m
	[ -s "$work/base.tar" ] && return 0
	command -v debootstrap >/dev/null ||
		apt-get install -y -qq debootstrap </dev/null >"$work/debootstrap.log" 2>&1 || return 1
	m=$(mirror | head -n 1)
	[ -n "$m" ] || { echo "deb-test: no Debian mirror in the host's apt sources" >&2; return 1; }
	rm -rf "$work/base"
	debootstrap --variant=minbase bookworm "$work/base" "$m" >"$work/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$work/debootstrap.log" >&2; return 1; }
	tar -C "$work/base" -cf "$work/base.tar.tmp" . && mv "$work/base.tar.tmp" "$work/base.tar"
	rm -rf "$work/base"
}
mkdir -p "$work"
# Without a tree nothing here can run: that is a skip (exit 77, which
# .ci/run reports as such), not a failure of the package.
if ! base_tree; then
	echo "deb-test: SKIP: no Debian 12 tree could be made (debootstrap, or the mirror of the host's apt" \
		"sources, is not available: $work/debootstrap.log); the package itself was built and passed lintian"
	exit 77
fi
ok "a Debian 12 tree (debootstrap, cached in build/deb-test/base.tar)"
rm -rf "$root"
mkdir -p "$root"
tar -C "$root" -xf "$work/base.tar"
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
	DEBIAN_FRONTEND=noninteractive "$@"; }
# No daemon starts in the tree on its own (there is no systemd either).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
check "apt-get update, man-db and systemd in the tree" \
	eval 'in_root apt-get update -qq >/dev/null 2>&1 && in_root apt-get install -y -qq man-db systemd systemd-sysv dbus </dev/null >"$work/tools.log" 2>&1'

# every file and link of the tree but apt's, dpkg's and the logs: what
# purge must bring back.
tree_list() {
	(cd "$root" && find . -xdev \( -path ./proc -o -path ./dev -o -path ./tmp -o -path ./run \
		-o -path ./var/lib/apt -o -path ./var/lib/dpkg -o -path ./var/cache -o -path ./var/log \
		-o -path ./var/lib/systemd/timers -o -path ./var/lib/systemd/linger \
		-o -path ./var/lib/systemd/random-seed -o -path ./var/lib/systemd/catalog \
		-o -path ./var/lib/dbus -o -path ./etc/machine-id \) \
		-prune -o -print | sort)
}
tree_list >"$work/before.list"

# ----------------------------------------------------------- install
deb1=$(ls "$debs"/clustd_*.deb | head -n 1)
cp "$deb1" "$root/tmp/"
check "apt-get install ./$(basename "$deb1") from nothing (dependencies resolved)" \
	eval 'in_root apt-get install -y -qq "/tmp/$(basename "$deb1")" </dev/null >"$work/install.log" 2>&1'
check "/usr/sbin/clustd and the unit installed" test -x "$root/usr/sbin/clustd" -a -f "$root/lib/systemd/system/clustd.service"
out=$(in_root clustd -t 2>&1)
check "clustd -t on the shipped /etc/clustd.conf: '$out'" test "$out" = "/etc/clustd.conf: configuration OK (0 instance(s))"
check "man clustd" eval 'in_root man -P cat clustd 2>/dev/null | grep -q "VRRP"'
check "man clustd.conf" eval 'in_root man -P cat 5 clustd.conf 2>/dev/null | grep -q "instances"'
check "example scripts in /etc/clustd, not executable" \
	eval '[ -f "$root/etc/clustd/notify.sh.example" ] && [ ! -x "$root/etc/clustd/notify.sh.example" ]'
check "monitoring in /usr/share/clustd" test -s "$root/usr/share/clustd/prometheus/clustd-alerts.yml"

# A broken config: FILE:LINE and the reason, exit 1.
cp "$root/etc/clustd.conf" "$work/shipped.conf"
printf 'node = { name = "x"; };\ninstances = ( { name = "web"; } );\n' >"$root/etc/clustd.conf"
out=$(in_root clustd -t 2>&1)
check "clustd -t on a broken file: '/etc/clustd.conf:2: ...' and exit 1" \
	eval 'in_root clustd -t >/dev/null 2>&1; [ $? = 1 ] && printf "%s\n" "$out" | grep -q "^/etc/clustd.conf:2: "'
cp "$work/shipped.conf" "$root/etc/clustd.conf"

# ---------------------------------------------- a failover, installed
# Node A: the shipped file with its example enabled the way the file says,
# on the test's addresses. Node B: the same at a lower priority, its own
# run and state dirs (under /var/lib/clustd, so purge covers them).
in_root sed -i -e '/^instances = ( );$/d' -e 's/^#| \{0,1\}//' /etc/clustd.conf
sed -i -e 's/^\t# name = "web1";/\tname = "a";/' -e 's/advert_interval = 1000;/advert_interval = 200;/' \
	"$root/etc/clustd.conf"
sed -e 's/name = "a";/name = "b";/' -e 's/priority = 150;/priority = 100;/g' \
	-e 's|"/var/lib/clustd"|"/var/lib/clustd/b"|' -e 's|"/run/clustd"|"/run/clustd-b"|' \
	"$root/etc/clustd.conf" >"$root/etc/clustd-b.conf"
check "the enabled example passes clustd -t" eval 'in_root clustd -t >/dev/null && in_root clustd -t -f /etc/clustd-b.conf >/dev/null'
cp "$root/etc/clustd.conf" "$work/edited.conf"

cleanup_net() {
	[ -n "${PID_A:-}" ] && kill "$PID_A" 2>/dev/null
	[ -n "${PID_B:-}" ] && kill "$PID_B" 2>/dev/null
	sleep 0.5
	[ -n "${PID_A:-}" ] && kill -9 "$PID_A" 2>/dev/null
	[ -n "${PID_B:-}" ] && kill -9 "$PID_B" 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
}
trap cleanup_net EXIT
ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add dt-a-$$ netns "$NS_A" type veth peer name dt-b-$$ netns "$NS_B"
ip -n "$NS_A" link set dt-a-$$ name eth0
ip -n "$NS_B" link set dt-b-$$ name eth0
ip -n "$NS_A" addr add 198.51.100.11/24 dev eth0
ip -n "$NS_B" addr add 198.51.100.12/24 dev eth0
for ns in "$NS_A" "$NS_B"; do
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
done
has_vip() { ip -n "$1" -4 addr show dev eth0 2>/dev/null | grep -q ' 198\.51\.100\.100/'; }
wait_for() { # wait_for <seconds> <cmd...>
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}
ip netns exec "$NS_A" chroot "$root" /usr/sbin/clustd -n -f /etc/clustd.conf >"$work/a.log" 2>&1 &
PID_A=$!
ip netns exec "$NS_B" chroot "$root" /usr/sbin/clustd -n -f /etc/clustd-b.conf >"$work/b.log" 2>&1 &
PID_B=$!
check "A (priority 150) takes the VIP" wait_for 15 has_vip "$NS_A"
check "B (priority 100) stays backup" eval '! has_vip "$NS_B"'
kill -TERM "$PID_A"
check "A stopped: B takes the VIP" wait_for 10 has_vip "$NS_B"
check "A released it" eval 'wait_for 5 eval "! has_vip $NS_A"'
wait "$PID_A" 2>/dev/null
PID_A=""
check "the installed daemon kept its state in /var/lib/clustd" test -s "$root/var/lib/clustd/incarnation"
cleanup_net
PID_B=""
trap - EXIT

# ------------------------------------------------------------ upgrade
rm -rf "$work/deb2"
DEB_VERSION_SUFFIX=+t1 DEB_OUT="$work/deb2" "$top/scripts/deb.sh" >"$work/deb2.log" 2>&1
deb2=$(ls "$work"/deb2/clustd_*+t1_*.deb 2>/dev/null | head -n 1)
check "a rebuilt package with a higher version" test -n "$deb2"
if [ -n "$deb2" ]; then
	cp "$deb2" "$root/tmp/"
	check "apt-get install of the upgrade" \
		eval 'in_root apt-get install -y -qq "/tmp/$(basename "$deb2")" </dev/null >"$work/upgrade.log" 2>&1'
	check "the upgraded binary runs: $(in_root clustd -V)" eval 'in_root clustd -V | grep -q "+t1"'
	check "the edited /etc/clustd.conf is kept" cmp -s "$work/edited.conf" "$root/etc/clustd.conf"
fi

# ------------------------------------------------------- real systemd
# The tree boots with systemd-nspawn in a network namespace of the test's
# (eth0 at 198.51.100.11, one end of a veth pair inside it): the installed unit, sandbox and all.
SD_NS=clt-dt-sd-$$
NSPAWN_PID=""
stop_boot() {
	if [ -n "$NSPAWN_PID" ]; then
		kill "$NSPAWN_PID" 2>/dev/null
		wait_for 20 eval '! kill -0 "$NSPAWN_PID" 2>/dev/null' || kill -9 "$NSPAWN_PID" 2>/dev/null
		wait "$NSPAWN_PID" 2>/dev/null
		NSPAWN_PID=""
	fi
	ip netns del "$SD_NS" 2>/dev/null
}
# in_boot <cmd...>: a command inside the booted tree (all its namespaces).
# Refused unless the process entered is in the test's network namespace:
# a command meant for the container must never run on the host.
in_boot() {
	local leader
	leader=$(ps -o pid= --ppid "$NSPAWN_PID" | head -n 1 | tr -d ' ')
	[ -n "$leader" ] || return 1
	[ "$(stat -L -c %i "/proc/$leader/ns/net" 2>/dev/null)" = "$(stat -L -c %i "/run/netns/$SD_NS")" ] || {
		echo "deb-test: process $leader is not in $SD_NS: not entering it" >&2
		return 1
	}
	nsenter -t "$leader" -m -u -i -n -p -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
main_pid() { in_boot systemctl show -p MainPID --value clustd.service 2>/dev/null; }
status_text() { in_boot systemctl show -p StatusText --value clustd.service 2>/dev/null; }
boot_tree() {
	command -v systemd-nspawn >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd-container </dev/null >/dev/null 2>&1
	command -v systemd-nspawn >/dev/null || return 1
	ip netns add "$SD_NS" &&
		ip -n "$SD_NS" link add eth0 type veth peer name eth1 &&
		ip -n "$SD_NS" link set eth1 up &&
		ip -n "$SD_NS" addr add 198.51.100.11/24 dev eth0 &&
		ip -n "$SD_NS" link set eth0 up || return 1
	umount -R "$root/dev" "$root/proc" 2>/dev/null
	# nspawn keeps CAP_NET_ADMIN in the container's bounding set only for
	# a network it made itself (--private-network, --network-veth, ...):
	# with --network-namespace-path the container, and so every service
	# in it, gets EPERM on each address change. A host's systemd has it.
	# CAP_IPC_LOCK: nspawn withholds it too, and where the container's
	# systemd cannot raise LimitMEMLOCK (no CAP_SYS_RESOURCE on the host)
	# the real-time loop's mlockall needs it.
	systemd-nspawn -q -D "$root" -b --register=no --keep-unit --capability=CAP_NET_ADMIN,CAP_IPC_LOCK \
		--network-namespace-path="/run/netns/$SD_NS" >"$work/boot.log" 2>&1 </dev/null &
	NSPAWN_PID=$!
	wait_for 60 eval '[ "$(in_boot systemctl is-system-running 2>/dev/null)" = running ] ||
		[ "$(in_boot systemctl is-system-running 2>/dev/null)" = degraded ]'
}
# A notify script that records each call and whether it could write /etc.
cat >"$root/etc/clustd/record.sh" <<'SCRIPT'
#!/bin/sh
echo "$3" >>/run/clustd/notify.out
if touch /etc/clustd/forbidden 2>/dev/null; then echo WROTE_ETC >>/run/clustd/notify.out; fi
SCRIPT
chmod 755 "$root/etc/clustd/record.sh"
sed -i 's|^\t\t\t# any = "/etc/clustd/notify.sh";   # every transition|\t\t\tany = "/etc/clustd/record.sh";|' \
	"$root/etc/clustd.conf"
cp "$root/etc/clustd.conf" "$work/edited.conf"
# cap_names <pid>: the bounding set of a process in the booted tree.
cap_names() { capsh --decode="$(awk '/^CapBnd/ { print $2 }' "/proc/$1/status")" | sed 's/^0x[0-9a-f]*=//'; }
# The capabilities the unit file grants, as capsh names them.
unit_caps() {
	sed -n 's/^CapabilityBoundingSet=//p' "$root/lib/systemd/system/clustd.service" | tr ' ' '\n' |
		tr 'A-Z' 'a-z' | sort | paste -sd,
}
# unit_sec <Key>: a "Ns" setting of the installed unit, in seconds.
unit_sec() { sed -n "s/^$1=\([0-9]*\)s$/\1/p" "$root/lib/systemd/system/clustd.service"; }
# daemon_host_pid: the host's pid of the clustd in the test's netns.
daemon_host_pid() {
	local ns p
	ns=$(stat -L -c %i "/run/netns/$SD_NS")
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = clustd ] &&
			[ "$(stat -L -c %i "$p/ns/net" 2>/dev/null)" = "$ns" ] && { echo "${p#/proc/}"; return; }
	done
}
command -v capsh >/dev/null || apt-get install -y -qq libcap2-bin </dev/null >/dev/null 2>&1
if [ "${DEB_TEST_SYSTEMD:-1}" = 0 ]; then
	echo "# real systemd stage skipped (DEB_TEST_SYSTEMD=0)"
elif ! command -v systemd-nspawn >/dev/null &&
	! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd-container </dev/null >/dev/null 2>&1; then
	echo "# real systemd stage skipped: no systemd-nspawn and it cannot be installed"
elif check "the tree boots with systemd (systemd-nspawn)" boot_tree; then
	leader=$(ps -o pid= --ppid "$NSPAWN_PID" | head -n 1 | tr -d ' ')
	check "the container may change addresses (cap_net_admin in its bounding set)" \
		eval 'cap_names "$leader" | tr , "\n" | grep -qx cap_net_admin'
	check "clustd.service is active" wait_for 20 eval '[ "$(in_boot systemctl is-active clustd.service)" = active ]'
	host_pid=$(daemon_host_pid)
	# The unit's set, as far as the container has them.
	want_caps=$(comm -12 <(unit_caps | tr , '\n') <(cap_names "$leader" | tr , '\n' | sort) | paste -sd,)
	check "the daemon runs with the unit's capabilities only ($want_caps)" \
		eval '[ -n "$host_pid" ] && [ "$(cap_names "$host_pid" | tr , "\n" | sort | paste -sd,)" = "$want_caps" ]'
	check "real-time under the sandbox: loop thread SCHED_RR, memory locked" \
		wait_for 10 eval 'in_boot journalctl -u clustd.service --no-pager | grep -q "realtime: loop thread SCHED_RR, memory locked"'
	echo "# the daemon's limits: $(grep -E 'realtime priority|locked memory' "/proc/$host_pid/limits" 2>/dev/null |
		tr -s ' ' | paste -sd ';')"
	check "STATUS= names web MASTER prio 150" wait_for 15 eval 'status_text | grep -q "^web MASTER prio 150"'
	echo "# systemctl show -p StatusText: $(status_text)"
	check "the VIP is on eth0 (netlink works in the sandbox)" \
		wait_for 10 eval 'ip -n "$SD_NS" -4 addr show dev eth0 | grep -q " 198\.51\.100\.100/"'
	check "the notify script ran under the sandbox" \
		wait_for 10 eval 'in_boot grep -qx MASTER /run/clustd/notify.out'
	check "... and could not write /etc (ProtectSystem=strict)" \
		eval '! in_boot grep -q WROTE_ETC /run/clustd/notify.out && [ ! -e "$root/etc/clustd/forbidden" ]'
	pid0=$(main_pid)
	cp "$root/etc/clustd.conf" "$work/good.conf"
	printf 'instances = ( { name = "web"; } );\n' >"$root/etc/clustd.conf"
	in_boot systemctl reload clustd.service
	check "reload of a bad file: same process, still active, still MASTER" \
		eval 'sleep 1; [ "$(main_pid)" = "$pid0" ] && [ "$(in_boot systemctl is-active clustd.service)" = active ] &&
			status_text | grep -q "^web MASTER"'
	check "reload of a bad file: FILE:LINE in the journal" \
		wait_for 5 eval 'in_boot journalctl -u clustd.service --no-pager | grep -q "reload failed: /etc/clustd.conf:1: "'
	cp "$work/good.conf" "$root/etc/clustd.conf"
	stop_at=$SECONDS
	stopped=$(daemon_host_pid)
	[ -n "$stopped" ] && kill -STOP "$stopped"
	# systemd kills it WatchdogSec after its last ping and starts it again
	# RestartSec later (3 s of slack). (TimeoutAbortSec only bounds a core
	# dump, which no container here writes.)
	bound=$(($(unit_sec WatchdogSec) + $(unit_sec RestartSec) + 3))
	check "watchdog: the stopped daemon is replaced by a new one within $bound s" \
		wait_for "$bound" eval 'p=$(main_pid); [ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$pid0" ] &&
			[ "$(in_boot systemctl is-active clustd.service)" = active ]'
	echo "# replaced after $((SECONDS - stop_at)) s"
	check "watchdog: the journal says why" \
		eval 'in_boot journalctl -u clustd.service --no-pager | grep -q "Watchdog timeout"'
	printf 'instances = ( { name = "web"; } );\n' >"$root/etc/clustd.conf"
	in_boot systemctl restart clustd.service 2>/dev/null
	# Restart=on-failure retries it (and gives up after StartLimitBurst);
	# the journal may lag the job's end a little.
	check "a start with a broken file fails with FILE:LINE in systemctl status" \
		wait_for 10 eval '[ "$(in_boot systemctl is-active clustd.service)" != active ] &&
			in_boot systemctl status clustd.service --no-pager -n 20 | grep -q "/etc/clustd.conf:1: "'
	check "... and nothing half-applied: no VIP on eth0" \
		eval '! ip -n "$SD_NS" -4 addr show dev eth0 | grep -q " 198\.51\.100\.10[01]/"'
	cp "$work/good.conf" "$root/etc/clustd.conf"
fi
[ -n "$NSPAWN_PID" ] && in_boot journalctl --no-pager -o short-monotonic >"$work/journal.log" 2>&1
stop_boot
rm -f "$root/etc/clustd/record.sh"
mount -t proc proc "$root/proc" 2>/dev/null
mount --rbind /dev "$root/dev" 2>/dev/null

# -------------------------------------------------------------- purge
check "apt-get purge clustd" eval 'in_root apt-get purge -y -qq clustd </dev/null >"$work/purge.log" 2>&1'
check "purge removed /var/lib/clustd" test ! -e "$root/var/lib/clustd"
check "purge removed /etc/clustd.conf, /etc/clustd, /etc/default/clustd" \
	test ! -e "$root/etc/clustd.conf" -a ! -e "$root/etc/clustd" -a ! -e "$root/etc/default/clustd"
# The test's own file and the dependencies apt installed may stay.
in_root apt-get autoremove --purge -y -qq </dev/null >/dev/null 2>&1
rm -f "$root/etc/clustd-b.conf"
tree_list >"$work/after.list"
diff "$work/before.list" "$work/after.list" >"$work/tree.diff"
left=$(grep '^[<>]' "$work/tree.diff")
check "nothing of clustd left in the tree${left:+: $(echo "$left" | head -n 5 | tr '\n' ' ')}" test -z "$left"
finish
