#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# clustd -t on vote_lease and on witness configs (no namespace needed):
#  - vote_lease breaking the renewal rule (L x 0.999 - slack < 3 heartbeats)
#    or the failover rule (L x 1.001 > 2 x the smallest advert_interval) is
#    refused at FILE:LINE of vote_lease with the bound, exit 1; on the bound
#    it is accepted;
#  - the default (dead_interval, else the least renewable lease) is accepted
#    where it fits, and "no vote_lease fits" is refused at the cluster group;
#  - a witness (cluster, no instances) of two clusters is accepted; two
#    clusters of one name or one port, a witness that is not a member of
#    one of them, and a list of two clusters with instances are refused;
#  - on a witness only the renewal rule applies;
#  - the sample etc/clustd-witness.conf passes -t once its secrets exist.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init witness_config

cl_secret "$T/secret"
cl_secret "$T/secret2"
mkdir -p "$T/n1/state" "$T/n1/run" "$T/w/state" "$T/w/run"

# router <file> <cluster line 7> [<advert_interval>]: a router node's config:
#   1 node, 2 "instances = (", 3-4 instance web, 5 ");",
#   6 "cluster = { secret_file", 7 the given settings, 8 members.
router() {
	cat >"$T/$1" <<-EOF
	node = { name = "n1"; state_dir = "$T/n1/state"; run_dir = "$T/n1/run"; };
	instances = (
	  { name = "web"; interface = "eth0"; vrid = 51; advert_interval = ${3:-500};
	    vips = [ "$CL_VIP/24" ]; }
	);
	cluster = { secret_file = "$T/secret"; heartbeat_interval = 100;
	  $2
	  members = ( { name = "n1"; address = "198.51.100.11"; }, { name = "n2"; address = "198.51.100.12"; }, { name = "w"; address = "203.0.113.9"; } ); };
	EOF
}

# ------------------------------------------------- vote_lease on a router
# heartbeat 100, slack 50, advert 500: renewal needs L >= 451 ms (450.45),
# failover allows L <= 999 ms (999.0).
router lease_451.conf 'vote_lease = 451;'
expect_ok "vote_lease 451 (the least the renewal rule allows)" lease_451.conf
router lease_450.conf 'vote_lease = 450;'
expect_err "vote_lease 450: 450 x 0.999 - 50 < 4 x 100" lease_450.conf 7 \
	'cluster.vote_lease: 450 ms is too short to be renewed: .*at least 4 heartbeat intervals \(at least 451 ms'
router lease_999.conf 'vote_lease = 999;'
expect_ok "vote_lease 999 (the most the failover rule allows)" lease_999.conf
router lease_1000.conf 'vote_lease = 1000;'
expect_err "vote_lease 1000: 1000 x 1.001 > 2 x 500" lease_1000.conf 7 \
	'cluster.vote_lease: 1000 ms outlasts the failover: .*2 x the smallest advert_interval \(at most 999 ms'
router lease_slack.conf 'slack = 100; vote_lease = 500;'
expect_err "the slack counts: 500 x 0.999 - 100 < 400" lease_slack.conf 7 \
	'vote_lease: 500 ms is too short.*\(at least 501 ms'

# ------------------------------------------------ the default vote_lease
router default.conf '# vote_lease left to the default (dead_interval)'
expect_ok "vote_lease omitted: dead_interval (950) fits" default.conf
router default_short.conf 'dead_interval = 300;'
expect_ok "vote_lease omitted, dead_interval 300 cannot be renewed: the least lease (451) fits" \
	default_short.conf
router nofit.conf 'slack = 60;' 180
expect_err "no lease fits (at least 461 ms to renew, at most 359 ms for a failover after 2 x 180)" \
	nofit.conf 6 'cluster: no vote_lease fits: it must be at least 461 ms .* at most 359 ms'
router nofit_q1.conf 'slack = 60; quorum = 1;' 180
expect_ok "... but quorum = 1 has no votes: accepted" nofit_q1.conf

# ------------------------------------------------------------- witness
# witness <file> <b name> <b settings> [<b members>]: lines
#   1 node, 2 "cluster = (", 3 cluster a, 4 cluster b, 5 ");".
BETA_MEMBERS='{ name = "n3"; address = "198.51.100.13"; }, { name = "w"; address = "203.0.113.9"; }'
witness() {
	local bm=${4:-$BETA_MEMBERS}
	cat >"$T/$1" <<-EOF
	node = { name = "w"; state_dir = "$T/w/state"; run_dir = "$T/w/run"; };
	cluster = (
	  { name = "alpha"; secret_file = "$T/secret"; members = ( { name = "n1"; address = "198.51.100.11"; }, { name = "n2"; address = "198.51.100.12"; }, { name = "w"; address = "203.0.113.9"; } ); },
	  { name = "$2"; secret_file = "$T/secret2"; $3 members = ( $bm ); }
	);
	EOF
}

witness two.conf beta 'port = 5800;'
expect_ok "a witness of two clusters" two.conf
check "-t says: a witness of 2 clusters" grep -q 'configuration OK (a witness of 2 cluster(s))' "$T/two.conf.out"
witness dup.conf alpha 'port = 5800;'
expect_err "two clusters named alpha" dup.conf 4 'cluster: the name "alpha" is used twice \(also at line 3\)'
witness port.conf beta 'port = 5798;'
expect_err "two clusters on port 5798" port.conf 4 \
	'cluster "beta": port 5798 is already used by cluster "alpha" \(line 3\)'
witness notmember.conf beta 'port = 5800;' '{ name = "n3"; address = "198.51.100.13"; }, { name = "n4"; address = "198.51.100.14"; }'
expect_err "the witness is not a member of beta" notmember.conf 4 \
	'cluster.members: this node \(w\) is not a member of cluster "beta"'
witness long.conf beta 'port = 5800; dead_interval = 5000; vote_lease = 60000;'
expect_ok "a witness has no advert_interval: a 60 s vote_lease is not refused" long.conf
witness short.conf beta 'port = 5800; vote_lease = 350;'
expect_err "... but the renewal rule holds on a witness too" short.conf 4 \
	'cluster.vote_lease: 350 ms is too short to be renewed'

# A router node serves one cluster: a list of two is refused (a list of
# one is that cluster).
cat >"$T/routerlist.conf" <<EOF
node = { name = "n1"; state_dir = "$T/n1/state"; run_dir = "$T/n1/run"; };
instances = ( { name = "web"; interface = "eth0"; vrid = 51; vips = [ "$CL_VIP/24" ]; } );
cluster = (
  { name = "alpha"; secret_file = "$T/secret"; members = ( { name = "n1"; address = "198.51.100.11"; } ); },
  { name = "beta"; secret_file = "$T/secret2"; port = 5800; members = ( { name = "n1"; address = "198.51.100.11"; } ); }
);
EOF
expect_err "a node with instances and a list of two clusters" routerlist.conf 3 \
	'cluster: a node with instances serves one cluster \(this list has 2\); only a witness'
{ head -3 "$T/routerlist.conf"; sed -n 4p "$T/routerlist.conf" | sed 's/},$/}/'; echo ');'; } >"$T/routerone.conf"
expect_ok "a node with instances and a list of one cluster" routerone.conf

# ------------------------------------------ lib_cluster's witness helpers
# (what cl_witness_host sets up, without the namespaces)
CL_NODES="n1 n2"
CL_WITNESSES=w
CL_WADDR_w=203.0.113.9
cl_witness_conf w
expect_ok "cl_witness_conf writes a witness config" w.conf
check "... a witness of 1 cluster" grep -q 'a witness of 1 cluster(s)' "$T/w.conf.out"
check "... with the nodes and itself as members" grep -q "{ name = \"w\"; address = \"203.0.113.9\"; }" "$T/w.conf"
cl_conf n1 200
expect_ok "cl_conf then lists the witness among the router's members" n1.conf
check "... at its address" grep -q "{ name = \"w\"; address = \"203.0.113.9\"; }" "$T/n1.conf"

# ------------------------------------------------------------ the sample
SAMPLE=$(dirname "$0")/../../etc/clustd-witness.conf
cp "$SAMPLE" "$T/sample.conf"
run_t sample.conf
check "the sample as shipped wants its secrets: exit 1" test "$rc" = 1
check "... and names both missing files" eval \
	'echo "$err" | grep -q "cannot open secret file /etc/clustd/web.secret" &&
	 echo "$err" | grep -q "cannot open secret file /etc/clustd/db.secret"'
sed -e "s|/etc/clustd/web.secret|$T/secret|; s|/etc/clustd/db.secret|$T/secret2|" \
	-e "s|/var/lib/clustd-witness|$T/w/state|; s|/run/clustd-witness|$T/w/run|" \
	"$SAMPLE" >"$T/sample_ok.conf"
expect_ok "the sample with its secrets in place" sample_ok.conf
check "... is a witness of 2 clusters" grep -q 'a witness of 2 cluster(s)' "$T/sample_ok.conf.out"

done_testing
