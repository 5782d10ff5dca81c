#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A state_dir that cannot be written. n1 runs in a private mount namespace
# (inside its network namespace) where its state_dir is first a read-only
# bind mount, later a full 64 KiB tmpfs. Either way n1 keeps running and
# failing over (master, SIGKILLed, back), logs the problem, shows it in
# `clustd status` (text and JSON) and in its metrics, and once the
# directory is writable again (remounted read-write / space freed, from
# outside the daemon) the next retry saves the counters, with no restart.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_counters.sh"
net_init counters_readonly
VIP=198.51.100.100
S=$T/n1/state

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
web_conf n1 200
web_conf n2 100

# A wrapper in place of the daemon: private mount namespace, state_dir
# made read-only (ro) or a full tmpfs (full), then exec the real daemon.
cat >"$T/wrap.sh" <<WRAP
#!/bin/sh
exec unshare -m --propagation private sh -c '
	set -e
	case \$0 in
	ro) mount --bind "$S" "$S"; mount -o remount,bind,ro "$S" ;;
	full) mount -t tmpfs -o size=64k,mode=0755 tmpfs "$S"
	      dd if=/dev/zero of="$S/filler" bs=4k count=64 2>/dev/null || true ;;
	esac
	exec "\$@"' "\$MODE" "$CLUSTD" "\$@"
WRAP
chmod +x "$T/wrap.sh"

# start_n1 <ro|full>
start_n1() {
	MARK=$(log_lines n1)
	MODE=$1 CLUSTD="$T/wrap.sh" clustd_start n1
}

# in_n1_mounts <cmd...>: run a command in n1's mount namespace.
in_n1_mounts() {
	nsenter -t "$(clustd_pid n1)" -m "$@"
}

# unsaved <what> <error pattern>: n1 runs, fails over, reports.
unsaved() {
	local what=$1 pat=$2
	check "$what: n1 becomes master all the same" wait_until 15 only_holder n1 $VIP
	check "$what: status JSON: not ok, with the reason" \
		wait_until 5 eval '[ "$(ct_q n1 .persistence.ok)" = false ] && ct_q n1 .persistence.error | grep -q "$pat"'
	check "$what: write errors counted" test "$(ct_q n1 .persistence.write_errors)" -gt 0
	check "$what: status text says NOT SAVED" \
		eval 'nsx n1 "$CLUSTD" -f "$T/n1.conf" status | grep -q "counters: NOT SAVED: .*$pat"'
	check "$what: metrics say so" \
		eval 'nsx n1 "$CLUSTD" -f "$T/n1.conf" metrics | grep -qx "clustd_counters_persist_ok 0"'
	check "$what: the log says so" eval 'log_since n1 $MARK | grep -q "counters: cannot save"'
	clustd_kill n1
	check "$what: n2 takes over when n1 is killed" wait_until 10 only_holder n2 $VIP
	start_n1 "$3"
	check "$what: n1 restarted, takes the VIP back" wait_until 15 only_holder n1 $VIP
	check "$what: still running and counting (adverts $(ct_q n1 '.instances[0].counters.adverts_sent'))" \
		test "$(ct_q n1 '.instances[0].counters.adverts_sent')" -gt 0
}

# saved_again <what>: the retry saved the counters without a restart.
saved_again() {
	local pid
	pid=$(clustd_pid n1)
	check "$1: the next retry saves the counters" \
		wait_until 12 eval '[ "$(ct_q n1 .persistence.ok)" = true ] && [ "$(ct_q n1 .persistence.writes)" -gt 0 ]'
	check "$1: the file is valid (read in n1's mount namespace)" \
		eval 'in_n1_mounts "$CT_TOOL" newest "$S/counters" >/dev/null'
	check "$1: same daemon (no restart)" test "$(clustd_pid n1)" = "$pid"
}

clustd_start n2
check "n2 is master alone" wait_until 15 only_holder n2 $VIP

start_n1 ro
unsaved "read-only" "Read-only file system" ro
in_n1_mounts mount -o remount,bind,rw "$S"
saved_again "read-only"

clustd_signal n1 TERM
clustd_wait_exit n1 10
start_n1 full
unsaved "full" "No space left on device" full
in_n1_mounts rm -f "$S/filler"
saved_again "full"
done_testing
