#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Handover without a clustd successor (issue 11): the priority-0 advert of
# RFC 5798, said so, and still the VIP moves. clustd n1 (200) and
# keepalived ka (150) share VRID 51 at 500 ms adverts.
#  A. No cluster plane: `handover --to ka` is refused (a name needs the
#     plane); `handover` falls back to priority 0, says so, waits for ka's
#     first advert as master and reports it; n1 does not preempt back;
#     `undrain` lets it preempt again.
#  B. A mixed cluster: n1's cluster plane has a witness w as the only other
#     member (keepalived is no member): no member can take over, so the
#     same fallback, and the reason names w.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
. "$(dirname "$0")/lib_interop.sh"
. "$(dirname "$0")/lib_handover.sh"
net_init handover_fallback

if ! command -v keepalived >/dev/null; then
	skip "keepalived is not installed"
	done_testing
fi
cl_setup 1
net_host ka 198.51.100.12/24
ix_mode v3-ipv4
IX_IVL=$CL_ADVERT
ix_ka_conf ka 150
MDI1=$(cl_mdi_ms 200)

# ---- A. no cluster plane
{
	node_block n1
	cat <<-EOF
	instances = (
	  { name = "web"; interface = "eth0"; vrid = 51; priority = 200;
	    advert_interval = $CL_ADVERT; preempt = true; vips = [ "$CL_VIP/24" ]; } );
	EOF
} | clustd_conf n1
clustd_start n1
ka_start ka || fail "keepalived starts"
check "n1 (200) is master over keepalived (150)" wait_until 10 only_holder n1 "$CL_VIP"
sleep 1
ho_run n1 handover --to ka
check "--to without a cluster plane: exit 1" eval 'test "$HO_RC" = 1 && ho_says "^error: web: --to needs a cluster plane with votes \(no cluster section\)"'
t0=$(now_ms)
ho_run n1 handover
t1=$(now_ms)
check "handover without a plane: exit 0" test "$HO_RC" = 0
check "it says: no cluster plane, priority-0 advert" ho_says '^web: no cluster plane: falling back to a priority-0 advert'
check "it reports keepalived as the new master" ho_says '^web: 198\.51\.100\.12 is master \(priority 150\), [0-9.]+ ms after our priority-0 advert'
check "keepalived holds the VIP" wait_until 3 only_holder ka "$CL_VIP"
diag "the command took $((t1 - t0)) ms (keepalived's skew time is $(bench_skew_ms 150 "$CL_ADVERT") ms)"
sleep "$(((MDI1 + 1500) / 1000))"
check "n1 did not preempt back ($((MDI1 + 1500)) ms)" only_holder ka "$CL_VIP"
ho_run n1 undrain
check "undrain: n1 preempts again" wait_until $(((MDI1 + 3000) / 1000)) only_holder n1 "$CL_VIP"

# ---- B. a cluster plane whose only other member is a witness
clustd_signal n1 TERM
clustd_wait_exit n1 10
cl_witness_host w
cl_conf n1 200
cl_witness_conf w
clustd_start w
clustd_start n1
check "with its plane and the witness, n1 is master again" wait_until 15 only_holder n1 "$CL_VIP"
check "n1 holds the votes (2 of 2)" wait_until 5 eval '[ "$(cl_q n1 .instances[0].votes.held)" = 2 ]'
ho_run n1 handover
check "mixed cluster: exit 0" test "$HO_RC" = 0
check "it says no member can take over (w runs no instance) and falls back" \
	ho_says '^web: no cluster member can take over \(w: does not run the instance\): falling back to a priority-0 advert'
check "it reports keepalived as master" ho_says '^web: 198\.51\.100\.12 is master'
check "keepalived holds the VIP" wait_until 3 only_holder ka "$CL_VIP"
sleep "$(((MDI1 + 1500) / 1000))"
check "n1 did not preempt back" only_holder ka "$CL_VIP"
check "n1's status counts the fallback" test "$(cl_q n1 .instances[0].handover.results.fallback)" = 1

done_testing
