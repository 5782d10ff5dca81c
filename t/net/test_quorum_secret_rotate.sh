#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Rotating the cluster secret in place (same path, new content) takes
# effect on SIGHUP (finding B10d). Three nodes, each with its own copy of
# the secret. n1 and n2 get a new secret and SIGHUP: they restart their
# cluster planes with the new key, see each other and keep quorum (2 of 3),
# while n3, still on the old secret, is rejected (its heartbeats count as
# bad_auth on n1 and it is dead in n1's view). Then n3 gets the new secret
# and SIGHUP too: all three are alive again. A SIGHUP with the secret
# unchanged does not restart the plane.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init quorum_secret_rotate

cl_setup 3
for n in n1 n2 n3; do
	install -m 600 "$T/secret" "$T/$n.secret"
done
CL_SECRET=$T/n1.secret cl_conf n1 200
CL_SECRET=$T/n2.secret cl_conf n2 150
CL_SECRET=$T/n3.secret cl_conf n3 100
cl_start_all
if ! cl_stable_master n1 15; then
	fail "n1 (priority 200) becomes the only master"
	done_testing
fi
check "n1 sees 3 alive on the first secret" wait_until 5 eval '[ "$(cl_view n1)" = "n1=true n2=true n3=true" ]'

RESTART='cluster settings changed: restarting the cluster plane'

# Control: SIGHUP with nothing changed keeps the plane.
m1=$(log_lines n1)
clustd_signal n1 HUP
check "n1 applies an unchanged SIGHUP" wait_log 5 n1 'reload: config applied' "$m1"
sleep 0.5
check "an unchanged SIGHUP does not restart n1's cluster plane" eval '! log_has n1 "$RESTART" "$m1"'

# rotate <node>: the new secret, in place (same path, same mode), then SIGHUP.
cl_secret "$T/secret.new"
rotate() {
	install -m 600 "$T/secret.new" "$T/$1.secret"
	clustd_signal "$1" HUP
}

m1=$(log_lines n1)
m2=$(log_lines n2)
auth_before=$(cl_drop n1 bad_auth)
rotate n1
rotate n2
check "n1 restarts its cluster plane for the rotated secret" wait_log 5 n1 "$RESTART" "$m1"
check "n2 restarts its cluster plane for the rotated secret" wait_log 5 n2 "$RESTART" "$m2"
check "n1 sees n1 and n2 alive, n3 (old secret) dead" \
	wait_until 5 eval '[ "$(cl_view n1)" = "n1=true n2=true n3=false" ]'
check "n2 sees n3 (old secret) dead" wait_until 5 cl_alive_is n2 n3 false
check "n1 counts n3's heartbeats as bad_auth ($auth_before -> $(cl_drop n1 bad_auth))" \
	wait_until 3 eval '[ "$(cl_drop n1 bad_auth)" -gt $((auth_before + 5)) ]'
check "n1 has quorum with n2 on the new secret" wait_until 5 cl_quorum_is n1 true
check "n1 is MASTER and the only VIP holder" cl_stable_master n1 10
check "n3 (old secret) loses quorum" wait_until 5 cl_quorum_is n3 false

m3=$(log_lines n3)
rotate n3
check "n3 restarts its cluster plane for the rotated secret" wait_log 5 n3 "$RESTART" "$m3"
check "n1 sees all 3 alive on the new secret" \
	wait_until 5 eval '[ "$(cl_view n1)" = "n1=true n2=true n3=true" ]'
check "n3 has quorum again" wait_until 5 cl_quorum_is n3 true
auth_after=$(cl_drop n1 bad_auth)
sleep 0.5
check "no more bad_auth on n1 once all rotated ($auth_after -> $(cl_drop n1 bad_auth))" \
	test "$(cl_drop n1 bad_auth)" -eq "$auth_after"
check "n1 stays the only VIP holder" cl_stable_master n1 5

done_testing
