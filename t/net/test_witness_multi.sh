#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One witness process serving two clusters at once (issue 20): router pairs
# a1 (200) / a2 (150) and b1 (200) / b2 (150) on the bridge, each pair its
# own cluster (alpha: secret A, port 5798, VRID 51, VIP .100; beta: secret
# B, port 5799, VRID 52, VIP .101; both instances are called "web", so the
# witness must keep the two clusters' votes apart). The witness w, in its
# own namespace behind the router namespace gw, has `cluster` as a list of
# two groups named alpha and beta, and no instances.
#  - the witness's status lists both clusters, each with its routers alive;
#  - SIGKILL of a1: a2 holds .100 within its Master_Down_Interval + one
#    heartbeat + 300 ms, with the witness's vote (a pair alone is 1 of 3);
#    b1 keeps .101 in every sample meanwhile;
#  - then SIGKILL of b1: b2 holds .101 within the same bound, with the
#    witness's vote; a2 keeps .100 in every sample meanwhile;
#  - the witness's votes: alpha's web to a2, beta's web to b2.
: "${CL_ADVERT:=200}" "${CL_HB:=50}" "${CL_DEAD:=350}"	# vote_lease = dead: see test_votes_partial_cut.sh
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
. "$(dirname "$0")/lib_votes.sh"
net_init witness_multi

VIPA=198.51.100.100
VIPB=198.51.100.101
FAILOVER_MAX=$(vt_failover_max_ms 150)

net_bridge br0
vt_router_host a1 198.51.100.11
vt_router_host a2 198.51.100.12
vt_router_host b1 198.51.100.13
vt_router_host b2 198.51.100.14
net_host cl 198.51.100.200/24
vt_witness_net w 203.0.113.10
cl_secret "$T/secret_a"
cl_secret "$T/secret_b"
vt_router_conf a1 200 web 51 "$VIPA" "$T/secret_a" 5798 a1 a2 w
vt_router_conf a2 150 web 51 "$VIPA" "$T/secret_a" 5798 a1 a2 w
vt_router_conf b1 200 web 52 "$VIPB" "$T/secret_b" 5799 b1 b2 w
vt_router_conf b2 150 web 52 "$VIPB" "$T/secret_b" 5799 b1 b2 w
vt_witness_conf w \
	"$(vt_cluster_group "$T/secret_a" 5798 a1 a2 w -- 'name = "alpha";')" \
	"$(vt_cluster_group "$T/secret_b" 5799 b1 b2 w -- 'name = "beta";')"

check "the witness's config (two clusters) passes clustd -t" nsx w "$CLUSTD" -t -f "$T/w.conf"
for n in w a1 a2 b1 b2; do
	clustd_start "$n"
done
if ! wait_until 15 eval 'only_holder a1 $VIPA && only_holder b1 $VIPB'; then
	fail "a1 holds .100 and b1 holds .101, alone (holders: $(vip_holders $VIPA) / $(vip_holders $VIPB))"
	done_testing
fi
check "the witness runs" clustd_alive w

# group_has <cluster> <jq condition on that group's object>: in the
# witness's status, the object of the cluster plane named <cluster> (one of
# the objects with "name" and "members", wherever the status puts them).
group_has() {
	vt_true w "[.. | objects | select(.name? == \"$1\" and has(\"members\"))] |
		length == 1 and (.[0] | $2)"
}
check "the witness's status lists both clusters (alpha, beta)" vt_wants w \
	'[.. | objects | select(has("members")) | .name?] | index("alpha") != null and index("beta") != null' 5
check "the witness sees alpha's a1 and a2 alive" wait_until 5 group_has alpha \
	'[.members[] | select(.name == "a1" or .name == "a2") | .alive] == [true, true]'
check "the witness sees beta's b1 and b2 alive" wait_until 5 group_has beta \
	'[.members[] | select(.name == "b1" or .name == "b2") | .alive] == [true, true]'
check "the witness runs no instance" vt_true w '(.instances // []) | length == 0'
check "a1 and b1 MASTER with votes from 2 of 3" eval \
	'vt_wants a1 ".instances[0].state == \"MASTER\" and .instances[0].votes.held >= 2" 3 &&
	 vt_wants b1 ".instances[0].state == \"MASTER\" and .instances[0].votes.held >= 2" 3'
wait_until 5 eval 'backup_settled a2 && backup_settled b2'
vt_sampler_start sa 120 "$VIPA" a1 a2 || done_testing
vt_sampler_start sb 120 "$VIPB" b1 b2 || done_testing
sleep 0.3

# kill_master <old> <new> <vip> <sampler> <other sampler> <other master>
kill_master() {
	local old=$1 new=$2 vip=$3 s=$4 os=$5 om=$6 t_kill tak a
	t_kill=$(now_ms)
	clustd_kill "$old"
	wait_until $((FAILOVER_MAX / 1000 + 3)) has_vip "$new" "$vip"
	sleep 0.3
	tak=$(cl_first "$s" "$t_kill" "" --present "$new")
	diag "$new holds $vip $(vt_after "$tak" "$t_kill") after $old's SIGKILL (bound $FAILOVER_MAX ms)"
	check "$old killed: $new holds $vip within $FAILOVER_MAX ms" \
		test "$tak" -gt 0 -a $((tak - t_kill)) -le "$FAILOVER_MAX"
	check "$new MASTER with the witness's vote" vt_wants "$new" \
		'.instances[0].state == "MASTER" and ([.instances[0].votes.from[]?.member] | index("w") != null)' 3
	a=$(cl_analyze "$os" "$t_kill" "$(now_ms)")
	diag "the other pair meanwhile: $a"
	cl_check_only_holder "$a" "$om" "$old killed: $om kept the other VIP alone in every sample"
}

kill_master a1 a2 "$VIPA" sa sb b1
# The killed a1's VIP stays on its interface until its kernel lease runs
# out (node.vip_lease): wait for that, or the sampler of alpha would count
# the dead node as a second holder while beta's master is killed.
check "a1's VIP gone with its lease after the kill" \
	wait_until $((CL_LEASE / 1000 + 3)) eval "! has_vip a1 $VIPA"
wait_until 5 backup_settled b2
kill_master b1 b2 "$VIPB" sb sa a2
cl_sampler_stop sa
cl_sampler_stop sb

vote_to() {
	group_has "$1" "[.. | objects | select(.instance? == \"web\" and has(\"grantee\")) | .grantee] == [\"$2\"]"
}
check "the witness's vote in alpha went to a2, in beta to b2" eval 'vote_to alpha a2 && vote_to beta b2'
check "the witness still lists both clusters" eval 'group_has alpha true && group_has beta true'

done_testing
