#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# VIP leases (self-fencing of a dead daemon), 3 nodes with the cluster plane:
#  - vip_lease = 3000: the master's VIP carries a kernel lifetime of at most
#    3 s; after SIGKILL it stays until the lease runs out (not before two
#    thirds of it: renewed every third) and is gone within lease + 1 s, while
#    the new master (elected within MDI + 1 s) holds it;
#  - vip_lease = 0: the VIP is permanent ("forever"); a SIGKILLed master's
#    VIP stays (documented behaviour) until its next start removes it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init quorum_lease

# lft <node>: the VIP's valid_lft as ip shows it (e.g. "2sec", "forever").
lft() {
	ip -n "${P}$1" -o addr show dev eth0 2>/dev/null |
		awk -v v="$CL_VIP" '{ split($4, a, "/"); if (a[1] == v) for (i = 5; i < NF; i++) if ($i == "valid_lft") print $(i + 1) }'
}

cl_setup 3
start_cluster() {
	cl_conf n1 200
	cl_conf n2 150
	cl_conf n3 100
	cl_start_all
	cl_stable_master n1 15
}

# ------------------------------------------------------- vip_lease = 3000
CL_LEASE=3000
if ! start_cluster; then
	fail "n1 (priority 200) becomes the only master"
	done_testing
fi
l=$(lft n1)
diag "lease 3000: n1's VIP valid_lft $l"
check "the VIP carries a lifetime of at most 3 s ($l)" eval '[[ "$l" =~ ^[0-3]sec$ ]]'
sleep 1.5
l=$(lft n1)
check "the lease is renewed (1.5 s later: $l, at least 1 s left)" eval '[[ "$l" =~ ^[1-3]sec$ ]]'

MDI2=$(cl_mdi_ms 150)
cl_sampler_start s 60 || done_testing
sleep 0.3
t_kill=$(now_ms)
clustd_signal n1 KILL
clustd_wait_exit n1 5
check "the VIP is still on the SIGKILLed n1 at first (no cleanup ran)" has_vip n1 "$CL_VIP"
wait_until $(((CL_LEASE + 4000) / 1000)) eval '! has_vip n1 $CL_VIP'
wait_until 3 only_holder n2 "$CL_VIP"
sleep 0.3
cl_sampler_stop s
gone=$(cl_first s "$t_kill" "" --absent n1)
took=$(cl_first s "$t_kill" "" --present n2)
gone_ms=$((gone - t_kill))
took_ms=$((took - t_kill))
diag "lease 3000: VIP gone from dead n1 $gone_ms ms after SIGKILL; n2 took it after $took_ms ms (MDI $MDI2 ms)"
check "n1's VIP gone within lease + 1 s ($gone_ms <= $((CL_LEASE + 1000)) ms)" \
	test "$gone" -gt 0 -a "$gone_ms" -le $((CL_LEASE + 1000))
check "... and not before 2/3 of the lease ($gone_ms >= $((CL_LEASE * 2 / 3 - 100)) ms)" \
	test "$gone" -gt 0 -a "$gone_ms" -ge $((CL_LEASE * 2 / 3 - 100))
check "n2 took over within MDI + 1 s ($took_ms <= $((MDI2 + 1000)) ms)" \
	test "$took" -gt 0 -a "$took_ms" -le $((MDI2 + 1000))
a=$(cl_analyze s "$gone" "")
diag "lease 3000: from n1's expiry on: $a"
check "from the expiry on, n2 alone holds the VIP in every sample" \
	test "$(cl_kv "$a" holders)" = n2 -a "$(cl_kv "$a" none)" = 0 -a "$(cl_kv "$a" multi)" = 0
a=$(cl_analyze s "$t_kill" "$gone")
diag "lease 3000: kill to expiry (dead n1's stale VIP beside the new master): $a"
check "n2 holds quorum (2 of 3) after the crash" \
	eval '[ "$(cl_q n2 "[.cluster.alive, .cluster.has_quorum] | join(\" \")")" = "2 true" ]'
for n in n2 n3; do
	clustd_signal $n TERM
	check "$n exits 0 on SIGTERM between the two parts" \
		eval "clustd_wait_exit $n 10 && [ \"\$(clustd_exit_code $n)\" = 0 ]"
done

# ---------------------------------------------------------- vip_lease = 0
CL_LEASE=0
if ! start_cluster; then
	fail "lease 0: n1 (priority 200) becomes the only master"
	done_testing
fi
l=$(lft n1)
diag "lease 0: n1's VIP valid_lft $l"
check "without a lease the VIP is permanent (valid_lft $l)" test "$l" = forever
t_kill=$(now_ms)
clustd_signal n1 KILL
clustd_wait_exit n1 5
check "n2 takes over after the crash" wait_until $(((MDI2 + 2000) / 1000)) has_vip n2 "$CL_VIP"
sleep 4
diag "lease 0: $(($(now_ms) - t_kill)) ms after SIGKILL the holders are: $(vip_holders "$CL_VIP")"
check "the dead n1 still carries the VIP 4 s later (documented: no lease, no expiry)" \
	has_vip n1 "$CL_VIP"
check "... still permanent ($(lft n1))" test "$(lft n1)" = forever
m1=$(log_lines n1)
clustd_start n1
check "the next start of n1 removes the stale VIP (logged)" \
	wait_log 5 n1 'web: removed stale VIP 198\.51\.100\.100/24 from eth0' "$m1"
check "n1 preempts back and is the only holder" cl_stable_master n1 10

done_testing
