#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Damaged counters files, each met by a real daemon (no cluster plane, so
# nothing can come back from peers): the newest slot corrupt -> the older
# record is used and the log names the slot and the reason; a truncated,
# zero-length, wrong-version, foreign or garbage file -> detected, never
# loaded (restarts counts from 1 again), set aside as counters.bad, logged
# with its reason and shown in status. In every case the node still fails
# over and serves, and afterwards writes a file that loads cleanly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_counters.sh"
net_init counters_files
VIP=198.51.100.100
F=$T/n1/state/counters

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
web_conf n1 200
web_conf n2 100
web_conf other 100
clustd_start n2
clustd_start n1
check "n1 becomes master" wait_until 15 ct_state_is n1 MASTER

# stop_n1: clean stop; its last counters into $T/stop.
stop_n1() {
	ct_snapshot n1 "$T/stop"
	clustd_signal n1 TERM
	clustd_wait_exit n1 10
}

# start_n1 <what>: start and wait until it serves the VIP again.
start_n1() {
	MARK=$(log_lines n1)
	clustd_start n1
	check "$1: n1 starts and takes the VIP back" wait_until 15 only_holder n1 $VIP
}

# damaged <what> <log pattern>: the file was unusable: zeros, logged, set
# aside, in status, and the next file is good.
damaged() {
	local restarts
	check "$1: the reason is logged ($2)" wait_until 5 eval "log_since n1 \$MARK | grep -q -- \"$2\""
	check "$1: status shows it (loaded_from = unusable file)" \
		test "$(ct_q n1 .persistence.loaded_from)" = "unusable file"
	check "$1: status names the problem" eval "ct_q n1 .persistence.load_problem | grep -q -- \"$2\""
	restarts=$(ct_q n1 .counters.restarts)
	check "$1: nothing loaded: restarts counts from 1 again ($restarts)" test "$restarts" = 1
	check "$1: the bad file is kept as counters.bad" test -e "$F.bad"
	check "$1: a new valid file is written" eval '"$CT_TOOL" newest "$F" >/dev/null'
	rm -f "$F.bad"
}

# 1. The newest slot corrupt: fall back to the older one.
stop_n1
newest=$("$CT_TOOL" newest "$F")
check "clean stop leaves a valid file (newest slot $newest)" test -n "$newest"
"$CT_TOOL" flip "$F" "$newest"
start_n1 "newest slot corrupt"
check "newest slot corrupt: the log names the slot and the reason" \
	wait_until 5 eval "log_since n1 \$MARK | grep -q \"slot $newest checksum mismatch\""
check "newest slot corrupt: loaded from the older slot" \
	test "$(ct_q n1 .persistence.loaded_from)" = "file (older slot)"
ct_snapshot n1 "$T/now"
check "newest slot corrupt: the older record was used (restarts $(ct_get "$T/now" node.restarts) > 1)" \
	test "$(ct_get "$T/now" node.restarts)" -gt 1
check "newest slot corrupt: adverts sent kept (not from zero)" \
	test "$(ct_get "$T/now" inst.web.adverts_sent)" -ge "$(($(ct_get "$T/stop" inst.web.adverts_sent) / 2))"

# 2. Truncated to 100 bytes.
stop_n1
truncate -s 100 "$F"
start_n1 "truncated"
damaged "truncated" "truncated"

# 3. Zero length.
stop_n1
: >"$F"
start_n1 "zero-length"
damaged "zero-length" "is empty"

# 4. Written by a future format version (both slots).
stop_n1
"$CT_TOOL" version "$F" A 9
"$CT_TOOL" version "$F" B 9
start_n1 "wrong version"
damaged "wrong version" "format version 9"

# 5. Another node's file (both slots re-signed with another name).
stop_n1
"$CT_TOOL" node "$F" A n2
"$CT_TOOL" node "$F" B n2
start_n1 "foreign"
damaged "foreign" 'belongs to node .n2.'

# 6. Garbage.
stop_n1
head -c 65536 /dev/urandom >"$F"
start_n1 "garbage"
damaged "garbage" "bad magic"

# And a clean restart after all that loads the file as it is.
stop_n1
start_n1 "clean restart"
check "clean restart: loaded from the file, no problem" \
	test "$(ct_q n1 '.persistence.loaded_from + "|" + .persistence.load_problem')" = "file|"
check "clean restart: restarts = 2 since the garbage" test "$(ct_q n1 .counters.restarts)" = 2
done_testing
