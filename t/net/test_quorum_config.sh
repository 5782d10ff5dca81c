#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Cluster plane configuration:
#  - clustd -t enforces the safety bound dead_interval + slack <= 2 x the
#    smallest advert_interval (FILE:LINE of dead_interval, exit 1), at the
#    boundary too, and dead_interval >= 3 heartbeats; the default
#    dead_interval fits the bound or the file is refused;
#  - the daemon refuses to start with a secret file that group or others
#    can read (exit non-zero, message naming the file and chmod 600), or a
#    secret under 16 bytes; with a proper one it runs, and alone out of 3
#    members it stays FAULT "no quorum" without the VIP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init quorum_config

cl_secret "$T/secret"

# cfg <file> <cluster lines 7-8> [<extra instance>]: the layout is fixed so
# that messages can be checked by line:
#   1 node, 2 "instances = (", 3-4 instance web (advert 500), 5 ");",
#   6 "cluster = { secret_file", 7-8 the given settings, 9 members.
cfg() {
	local f=$T/$1
	mkdir -p "$T/n1/state" "$T/n1/run"
	cat >"$f" <<-EOF
	node = { name = "n1"; state_dir = "$T/n1/state"; run_dir = "$T/n1/run"; vip_lease = 3000; };
	instances = (
	  { name = "web"; interface = "eth0"; vrid = 51; priority = 150; advert_interval = 500;
	    vips = [ "$CL_VIP/24" ]; }${3:-}
	);
	cluster = { secret_file = "${SECRET:-$T/secret}";
	  $(printf '%s' "$2" | sed -n 1p)
	  $(printf '%s' "$2" | sed -n 2p)
	  members = ( { name = "n1"; address = "198.51.100.11"; }, { name = "n2"; address = "198.51.100.12"; }, { name = "n3"; address = "198.51.100.13"; } ); };
	EOF
}

cfg valid.conf $'heartbeat_interval = 100;\ndead_interval = 600;'
expect_ok "heartbeat 100, dead 600, advert 500" valid.conf
check "-t reports the config OK on stdout" grep -q 'configuration OK' "$T/valid.conf.out"

cfg bound.conf $'heartbeat_interval = 100;\ndead_interval = 1000;'
expect_err "dead 1000 + slack 50 > 2 x advert 500" bound.conf 8 \
	'dead_interval.*1000 ms.*exceeds 2 x the smallest advert_interval'

cfg edge_ok.conf $'heartbeat_interval = 100;\ndead_interval = 950;'
expect_ok "dead 950 + slack 50 = 2 x advert 500 (on the bound)" edge_ok.conf
cfg edge_bad.conf $'heartbeat_interval = 100;\ndead_interval = 960;'
expect_err "dead 960 + slack 50 > 1000 (just over)" edge_bad.conf 8 'dead_interval.*960 ms'

cfg slack.conf $'slack = 200; heartbeat_interval = 100;\ndead_interval = 900;'
expect_err "dead 900 + slack 200 > 1000" slack.conf 8 'dead_interval.*900 ms \+ slack 200 ms'

cfg few.conf $'heartbeat_interval = 100;\ndead_interval = 250;'
expect_err "dead 250 < 3 heartbeats of 100" few.conf 8 'dead_interval.*less than 3 heartbeats'

cfg minadv.conf $'heartbeat_interval = 100;\ndead_interval = 600;' \
	$',\n  { name = "api"; interface = "eth0"; vrid = 52; priority = 150; advert_interval = 300;\n    vips = [ "198.51.100.101/24" ]; }'
expect_err "the bound uses the smallest advert_interval (300: dead 600 + 50 > 600)" minadv.conf 10 \
	'dead_interval.*600 ms.*\(600 ms\)'

cfg default.conf $'heartbeat_interval = 100;\n# dead_interval left to the default'
expect_ok "dead_interval omitted: a default within the bound" default.conf

cfg nofit.conf $'heartbeat_interval = 400;\n# dead_interval left to the default'
expect_err "dead_interval omitted but 3 heartbeats (1200) exceed the bound (950)" nofit.conf 6 \
	'no dead_interval fits'

# --------------------------------------------------- the secret at start
net_bridge
net_host n1 198.51.100.11/24
cp "$T/valid.conf" "$T/n1.conf"

# start_refused <desc> <ERE>
start_refused() {
	local m
	m=$(log_lines n1)
	clustd_start n1
	clustd_mark_stopped n1 refused	# this start is meant to fail
	if clustd_wait_exit n1 10; then
		rc=$(clustd_exit_code n1)
		check "$1: the daemon exits non-zero (status $rc)" test "$rc" -ne 0
		check "$1: it says why ($2)" log_has n1 "$2" "$m"
		diag "$1: $(log_since n1 "$m" | grep -E -m1 "$2" | sed "s|$T/||g")"
	else
		fail "$1: the daemon exits within 10 s"
		clustd_kill n1
	fi
	check "$1: no VIP was added" eval '! has_vip n1 $CL_VIP'
}

chmod 644 "$T/secret"
run_t n1.conf
diag "clustd -t with a world-readable secret file: exit $rc${err:+: $err}"
start_refused "world-readable secret" "secret file $T/secret must be .*chmod 600"
chmod 640 "$T/secret"
start_refused "group-readable secret" "secret file $T/secret must be .*chmod 600"
(umask 077 && printf 'only15bytes....' >"$T/short-secret")
SECRET=$T/short-secret cfg n1.conf $'heartbeat_interval = 100;\ndead_interval = 600;'
start_refused "a 15-byte secret" "secret file $T/short-secret: need at least 16 bytes"
SECRET=$T/missing cfg n1.conf $'heartbeat_interval = 100;\ndead_interval = 600;'
start_refused "a missing secret file" "cannot open secret file $T/missing"

chmod 600 "$T/secret"
cp "$T/valid.conf" "$T/n1.conf"
m=$(log_lines n1)
clustd_start n1
check "with a mode 600 secret the daemon starts" wait_log 10 n1 'cluster: node n1 incarnation [0-9]+, 3 members, quorum 2' "$m"
sleep 2
check "... and keeps running" clustd_alive n1
check "alone out of 3 members: no quorum, 1 alive, 2 needed" eval \
	'[ "$(cl_q n1 "[.cluster.has_quorum, .cluster.alive, .cluster.needed] | join(\" \")")" = "false 1 2" ]'
check "web stays FAULT for lack of quorum" eval \
	'[ "$(cl_q n1 "[.instances[0].state, (.instances[0].faults | join(\",\"))] | join(\" \")")" = "FAULT quorum" ]'
check "it logged 'web: INIT -> FAULT: no quorum'" log_has n1 'web: INIT -> FAULT: no quorum' "$m"
check "and never took the VIP" eval '! has_vip n1 $CL_VIP && ! log_has n1 "-> MASTER" "$m"'

done_testing
