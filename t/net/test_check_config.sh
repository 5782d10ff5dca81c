#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# clustd -t: exit 0 on a good file; on a bad one exit 1 with every error as
# "FILE:LINE: reason" on stderr. No namespace needed.
. "$(dirname "$0")/lib.sh"
net_init check_config

# conf_with <file> <instance settings line 4> [<line 5 vips>] [<extra instances>]
# Line 1 node, 2 "instances = (", 3 name/interface/vrid, 4 settings, 5 vips.
conf_with() {
	local vips=${3:-'"198.51.100.100/24"'}
	cat >"$T/$1" <<CONF
node = { name = "n1"; state_dir = "$T/n1/state"; run_dir = "$T/n1/run"; };
instances = (
  { name = "web"; interface = "eth0"; vrid = 51;
    $2
    vips = [ $vips ]; }${4:-}
);
CONF
}

# run_t <file>: runs clustd -t, leaves status in $rc and stderr in $err.
SAN_OUT=""
run_t() {
	err=$("$CLUSTD" -t -f "$T/$1" 2>&1 >"$T/$1.out")
	rc=$?
	SAN_OUT="$SAN_OUT$err"
}

# expect_ok <desc> <file>
expect_ok() {
	run_t "$2"
	if [ "$rc" = 0 ] && [ -z "$err" ]; then
		ok "$1: exit 0, nothing on stderr"
	else
		fail "$1: exit 0, nothing on stderr (got $rc: $err)"
	fi
}

# expect_err <desc> <file> <line> <ERE for the reason>
expect_err() {
	run_t "$2"
	if [ "$rc" = 1 ] && echo "$err" | grep -Eq "^$T/$2:$3: .*$4"; then
		ok "$1: exit 1 and '$2:$3: ...$4...'"
	else
		fail "$1: exit 1 and '$2:$3: ...$4' (got $rc: $err)"
	fi
}

printf '#!/bin/sh\nexit 0\n' >"$T/good.sh"
chmod 755 "$T/good.sh"
cp "$T/good.sh" "$T/open.sh"
chmod 777 "$T/open.sh"

conf_with good.conf 'priority = 150; advert_interval = 100; preempt = true;'
expect_ok "a good config" good.conf
check "-t says the config is OK on stdout" grep -q 'OK' "$T/good.conf.out"
check "-t does not write a pid file" test ! -e "$T/n1/run/clustd.pid"

conf_with notify.conf "priority = 150; notify = { master = \"$T/good.sh\"; any = \"$T/good.sh\"; timeout = 500; };"
expect_ok "a config with notify scripts" notify.conf

conf_with v6.conf 'priority = 150;' '"2001:db8::100/64"'
expect_ok "an IPv6 instance" v6.conf

conf_with twoif.conf 'priority = 150;' '"198.51.100.100/24"' ',
  { name = "db"; interface = "eth1"; vrid = 51; vips = [ "203.0.113.100/24" ]; }'
expect_ok "the same VRID on two interfaces" twoif.conf

conf_with syntax.conf 'priority = = 150;'
expect_err "syntax error" syntax.conf 4 ''

conf_with prio.conf 'priority = 300;'
expect_err "priority out of range" prio.conf 4 'priority'

conf_with ai.conf 'advert_interval = 105;'
expect_err "advert_interval not a multiple of 10" ai.conf 4 'advert_interval'

conf_with unknown.conf 'priorty = 150;'
expect_err "unknown key" unknown.conf 4 'priorty'

conf_with mixed.conf 'priority = 150;' '"198.51.100.100/24", "2001:db8::100/64"'
expect_err "mixed address families" mixed.conf 5 'vips'

conf_with badip.conf 'priority = 150;' '"198.51.100.300/24"'
expect_err "a VIP that is not an address" badip.conf 5 '198\.51\.100\.300'

conf_with novip.conf 'priority = 150;' ' '
expect_err "no VIP" novip.conf 5 'vips'

conf_with ww.conf "notify = { master = \"$T/open.sh\"; };"
expect_err "a world-writable notify script" ww.conf 4 'open\.sh'

conf_with nx.conf "notify = { backup = \"$T/nonexistent.sh\"; };"
expect_err "a missing notify script" nx.conf 4 'nonexistent\.sh'

conf_with rel.conf 'notify = { master = "good.sh"; };'
expect_err "a relative notify path" rel.conf 4 'absolute'

conf_with dupvrid.conf 'priority = 150;' '"198.51.100.100/24"' ',
  { name = "api"; interface = "eth0"; vrid = 51; vips = [ "198.51.100.101/24" ]; }'
expect_err "a VRID used twice on one interface" dupvrid.conf 6 'vrid'

conf_with dupname.conf 'priority = 150;' '"198.51.100.100/24"' ',
  { name = "web"; interface = "eth0"; vrid = 52; vips = [ "198.51.100.101/24" ]; }'
expect_err "an instance name used twice" dupname.conf 6 'web'

# Two errors on two lines: both reported.
conf_with two.conf 'priority = 300;' '"198.51.100.300/24"'
run_t two.conf
check "two errors: exit 1" test "$rc" = 1
check "two errors: line 4 reported" eval 'echo "$err" | grep -q "^$T/two.conf:4: "'
check "two errors: line 5 reported" eval 'echo "$err" | grep -q "^$T/two.conf:5: "'

run_t missing.conf
if [ "$rc" = 1 ] && echo "$err" | grep -q "missing.conf"; then
	ok "a missing file: exit 1, file named on stderr"
else
	fail "a missing file: exit 1, file named on stderr (got $rc: $err)"
fi

# A relative @include is read next to the config file, whatever the
# working directory (the daemon runs from /): a bad decoy of the same name
# in the shell's directory must not be what -t checks.
mkdir -p "$T/etc" "$T/cwd"
conf_with etc/inc.conf 'priority = 150;'
conf_with cwd/inc.conf 'priority = 300;'
echo '@include "inc.conf"' >"$T/etc/main.conf"
cd "$T/cwd" && run_t etc/main.conf
cd / || exit 2
check "-t from a directory with a decoy reads the include next to the config (got $rc: $err)" \
	test "$rc" = 0
run_t etc/main.conf
check "-t from / reads the same include (got $rc: $err)" test "$rc" = 0

# A literal too wide for 32 bits in an included file is an error there.
conf_with etc/wide.conf 'priority = 150;'
sed -i 's/vrid = 51;/vrid = 4294967347;/' "$T/etc/wide.conf"
echo '@include "wide.conf"' >"$T/etc/wide-main.conf"
run_t etc/wide-main.conf
check "an included vrid = 4294967347 is rejected at its own line (got $rc: $err)" \
	eval '[ "$rc" = 1 ] && echo "$err" | grep -q "^wide.conf:3: integer 4294967347 does not fit in 32 bits"'

if echo "$SAN_OUT" | grep -Eq 'AddressSanitizer|runtime error|LeakSanitizer'; then
	fail "no sanitizer report from clustd -t: $(echo "$SAN_OUT" | grep -E 'Sanitizer|runtime error' | head -3)"
else
	ok "no sanitizer report from any clustd -t run"
fi

done_testing
