#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A rolling upgrade to votes never has two masters (issue 20). The previous
# release (OLD_REV, the last commit before votes: heartbeat version 2) is
# built from git history by scripts/build-old-clustd.sh (cached under
# build/old/); 3 nodes n1 (200), n2 (150), n3 (100) start on it, n1 master.
# Then, backups first, each node in turn is stopped (SIGTERM) and started
# on the new daemon ($CLUSTD) with the same config and state directory:
# n3, n2, n1. A 10 ms VIP sampler runs throughout:
#  - never two holders for longer than 20 ms;
#  - a new node drops the old ones' heartbeats as other_version (status
#    .cluster.drops.other_version > 0) and counts no old node alive; an old
#    node does not count a new one alive either;
#  - at the end: all three new, one master (n1, by priority), everyone
#    sees 3 alive, split-brain protection on.
# Skipped (visibly) only when the tree has no git history to build from.
: "${CL_ADVERT:=200}" "${CL_HB:=50}" "${CL_DEAD:=350}"	# vote_lease = dead: see test_votes_partial_cut.sh
OLD_REV=${OLD_REV:-6903475}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if ! git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
	echo "1..0 # SKIP no git history in $root to build the previous release ($OLD_REV) from"
	exit 0
fi
. "$here/lib.sh"
. "$here/lib_cluster.sh"
. "$here/lib_votes.sh"
net_init votes_upgrade

NEW=$CLUSTD
OLD=$("$root/scripts/build-old-clustd.sh" "$OLD_REV" "$root/build/old" 2>"$T/build.err")
rc=$?
if [ "$rc" -ne 0 ] || [ ! -x "$OLD" ]; then
	fail "build the previous release $OLD_REV (exit $rc): $(tail -n 5 "$T/build.err" | tr '\n' ' ')"
	done_testing
fi
diag "old daemon: $OLD"
EP=20

# start_on <binary> <node>: start the node on that daemon; its status is
# read with the same binary from then on (q, as).
declare -A BIN=()
start_on() {
	BIN[$2]=$1
	CLUSTD=$1 clustd_start "$2"
}
q() {
	CLUSTD=${BIN[$1]} cl_q "$1" "$2"
}
# as <node> <cmd...>: a lib function with CLUSTD set to the node's binary.
as() {
	CLUSTD=${BIN[$1]} "${@:2}"
}
alive_count() {
	vt_num "$(q "$1" .cluster.alive)"
}

cl_setup 3
cl_conf n1 200
cl_conf n2 150
cl_conf n3 100
for n in n1 n2 n3; do
	start_on "$OLD" "$n"
done
if ! CLUSTD=$OLD cl_stable_master n1 15; then
	fail "old cluster: n1 (priority 200) becomes the only master"
	done_testing
fi
check "old cluster: every node sees 3 alive" wait_until 5 eval \
	'[ "$(alive_count n1)$(alive_count n2)$(alive_count n3)" = 333 ]'
cl_sampler_start s 120 || done_testing
sleep 0.3
t_start=$(now_ms)

# upgrade <node>: stop its old daemon, start the new one.
upgrade() {
	clustd_signal "$1" TERM
	clustd_wait_exit "$1" 10 || fail "old $1 stops on SIGTERM"
	start_on "$NEW" "$1"
}

# ------------------------------------------------------ n3: one new node
t=$(now_ms)
upgrade n3
check "new n3 counts the old heartbeats as other_version drops" \
	wait_until 5 eval '[ "$(vt_num "$(q n3 .cluster.drops.other_version)")" -gt 0 ]'
check "new n3 counts no old node alive (1 alive)" wait_until 3 eval '[ "$(alive_count n3)" = 1 ]'
check "old n1 does not count new n3 alive" wait_until 3 as n1 cl_alive_is n1 n3 false
sleep 1
a=$(cl_analyze s "$t" "$(now_ms)")
diag "after upgrading n3: $a"
cl_check_only_holder "$a" n1 "with n3 new: old n1 keeps the VIP alone in every sample"

# ------------------------------------------------- n2: two new, one old
t=$(now_ms)
upgrade n2
check "with n2 and n3 new: one of the new ones holds the VIP" \
	wait_until $(((CL_DEAD + $(cl_mdi_ms 150) + 3000) / 1000 + 1)) cl_one_holder_in "n2 n3"
sleep 1
a=$(cl_analyze s "$t" "$(now_ms)")
diag "after upgrading n2: $a; holders now: $(cl_holder)"
check "with n2 and n3 new: n2 (150) the only holder, old n1 released" only_holder n2 "$CL_VIP"
check "new n2 and n3 count each other alive (2 alive each)" eval \
	'[ "$(alive_count n2)$(alive_count n3)" = 22 ]'
check "new n2 counts other_version drops" eval '[ "$(vt_num "$(q n2 .cluster.drops.other_version)")" -gt 0 ]'

# ----------------------------------------------------------- n1: all new
t=$(now_ms)
upgrade n1
check "all new: n1 (200) takes the VIP back" wait_until 10 eval 'only_holder n1 $CL_VIP && cl_state_is n1 MASTER'
sleep 1
t_end=$(now_ms)
cl_sampler_stop s
a=$(cl_analyze s "$t" "$t_end")
diag "after upgrading n1: $a"

all=$(cl_analyze s "$t_start" "$t_end")
episodes=$(vt_episodes s "$EP" "$t_start" "$t_end")
diag "the whole upgrade: $all"
check "the whole upgrade: no two holders for longer than $EP ms ($episodes episodes $(vt_episode_list s "$t_start" "$t_end"))" \
	test "$episodes" -eq 0
check "at the end: one holder, one MASTER (n1), n2 and n3 BACKUP" eval \
	'only_holder n1 $CL_VIP && cl_state_is n1 MASTER && cl_state_is n2 BACKUP && cl_state_is n3 BACKUP'
check "at the end: every node runs the new daemon and sees 3 alive" eval \
	'[ "${BIN[n1]}${BIN[n2]}${BIN[n3]}" = "$NEW$NEW$NEW" ] &&
	 [ "$(alive_count n1)$(alive_count n2)$(alive_count n3)" = 333 ]'
check "at the end: split-brain protection on, n1 holds votes from a majority" \
	vt_true n1 '.cluster.split_brain_protection == true and .instances[0].votes.held >= .instances[0].votes.needed
		and .instances[0].votes.needed == 2'

done_testing
