#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Virtual MAC interoperability with keepalived (Debian 2.2.7): both run
# `use_vmac` (device vrrp.51, MAC 00:00:5e:00:01:33), VRRPv3 over IPv4,
# 100 ms. keepalived's device is a private-mode macvlan that stays up; it
# receives on it, clustd on its interface. (1) keepalived 200 is master,
# clustd 100 stays BACKUP; (2) SIGKILL of keepalived: clustd takes over
# with the same MAC, the client's neighbour entry and ping survive;
# (3) a restarted keepalived preempts clustd; (4) SIGTERM of keepalived:
# clustd takes over within Skew_Time + 1 s; (5) a keepalived of lower
# priority stays BACKUP under the clustd master.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_interop.sh"
. "$(dirname "$0")/lib_vmac.sh"
net_init vmac_interop
ix_mode v3-ipv4
VMAC=00:00:5e:00:01:33
DEV=vrrp.51

ix_topology
net_host client 198.51.100.200/24
ix_clustd_conf cl 100
sed -i 's/vips = \[/use_vmac = true; vips = [/' "$T/cl.conf"
vm_ka_conf() {
	ix_ka_conf ka "$1"
	sed -i "s/^\(\s*\)advert_int .*/&\n\1use_vmac/" "$T/ka.ka.conf"
}
vm_ka_conf 200
grep -q use_vmac "$T/cl.conf" && grep -q use_vmac "$T/ka.ka.conf" ||
	{ echo "# could not write the use_vmac configs" >&2; exit 2; }
neigh() { nsx client ip neigh show "$IX_VIP" dev eth0; }
only_on() { [ "$(vip_holders "$IX_VIP" $DEV)" = "$1" ]; }

# ---- (1) keepalived master, clustd backup --------------------------------
capture_start wire "ip proto 112 or arp" || fail "capture started"
ka_start ka || fail "keepalived started"
check "(1) keepalived (prio 200) becomes master, VIP on its $DEV" \
	wait_until 10 eval 'ix_is ka keepalived MASTER && only_on ka'
ix_start clustd cl
bench_sleep_ms $((2 * $(ix_mdi_ms 100) + 200))
check "(1) clustd (prio 100) is BACKUP (state $(ix_cl_state cl))" ix_is cl clustd BACKUP
check "(1) clustd never became master" \
	test "$(ix_cl_get cl '.counters.transitions["BACKUP->MASTER"] // 0')" -eq 0
rx=$(ix_cl_get cl .counters.adverts_received)
check "(1) clustd heard keepalived's adverts from the shared MAC on its interface ($rx)" \
	test "${rx:-0}" -ge 5
check "(1) clustd: $DEV down, keepalived: $DEV up" eval 'vm_is_down cl $DEV && vm_is_up ka $DEV'
check "(1) keepalived still the only VIP holder" eval 'ix_is ka keepalived MASTER && only_on ka'
arp=$(nsx client arping -c 2 -w 3 -I eth0 "$IX_VIP" 2>&1)
check "(1) client: arping answered from $VMAC only" \
	eval 'echo "$arp" | grep -qi "from $VMAC" && [ -z "$(echo "$arp" | grep -i "bytes from" | grep -vi "$VMAC")" ]'
check "(1) client: ping the VIP" nsx client ping -c 2 -i 0.2 -W 2 "$IX_VIP"
capture_stop wire
check "(1) keepalived's adverts leave from $VMAC too" \
	test "$(pcap_count wire "vrrp && ip.src == ${IX_IP4[ka]} && eth.src == $VMAC")" -ge 5

# ---- (2) SIGKILL keepalived: clustd takes over ---------------------------
capture_start kill "ip proto 112 or arp" || fail "capture started"
ka_signal ka KILL
impl_wait_exit ka 5
# A dead node answers nothing: take its device away, as a power-off would
# (keepalived leaves it up with the VIP when killed).
ip -n "${P}ka" link del $DEV 2>/dev/null
if wait_until 5 eval 'ix_is cl clustd MASTER && only_on cl'; then
	ok "(2) clustd takes over after SIGKILL of keepalived, VIP on its $DEV"
else
	fail "(2) clustd takes over within 5 s (state $(ix_cl_state cl), holders '$(vip_holders "$IX_VIP" $DEV)')"
fi
sleep 0.3
check "(2) client: ping the VIP" nsx client ping -c 3 -i 0.2 -W 2 "$IX_VIP"
check "(2) client: neighbour entry still $VMAC ($(neigh))" eval 'neigh | grep -qi "lladdr $VMAC"'
capture_stop kill
check "(2) clustd's adverts leave from $VMAC" \
	test "$(pcap_count kill "vrrp && ip.src == ${IX_IP4[cl]} && eth.src == $VMAC")" -ge 3
check "(2) clustd announced the VIP from $VMAC" \
	test "$(pcap_count kill "arp.src.proto_ipv4 == $IX_VIP && arp.src.hw_mac == $VMAC && eth.src == $VMAC")" -ge 5

# ---- (3) keepalived restarts and preempts --------------------------------
ka_start ka || fail "keepalived restarted"
if wait_until 5 eval 'ix_is ka keepalived MASTER && only_on ka && ix_is cl clustd BACKUP'; then
	ok "(3) the restarted keepalived preempts clustd"
else
	fail "(3) keepalived preempts (ka $(ix_ka_state ka), cl $(ix_cl_state cl), holders '$(vip_holders "$IX_VIP" $DEV)')"
fi
check "(3) clustd: $DEV down again" wait_until 3 vm_is_down cl $DEV
sleep 0.3
check "(3) client: ping the VIP" nsx client ping -c 2 -i 0.2 -W 2 "$IX_VIP"

# ---- (4) SIGTERM keepalived: clustd within Skew_Time -----------------------
t0=$(now_ms)
ka_signal ka TERM
if wait_until 5 only_on cl; then
	dt=$(($(now_ms) - t0))
	bound=$(ix_skew_ms 100)
	diag "(4) SIGTERM of keepalived -> VIP on clustd after $dt ms (Skew_Time $bound ms)"
	check "(4) clustd took over within Skew_Time + 1 s" test "$dt" -le $((bound + 1000))
else
	fail "(4) clustd takes over within 5 s of SIGTERM of keepalived"
fi
impl_wait_exit ka 10
check "(4) client: ping the VIP" nsx client ping -c 2 -i 0.2 -W 2 "$IX_VIP"
check "(4) client: neighbour entry still $VMAC ($(neigh))" eval 'neigh | grep -qi "lladdr $VMAC"'
ix_no_rx_errors cl "from keepalived"

# ---- (5) clustd master, a lower keepalived stays BACKUP -------------------
vm_ka_conf 50
ka_start ka || fail "keepalived restarted with priority 50"
bench_sleep_ms $((2 * $(ix_mdi_ms 50) + 200))
check "(5) keepalived (prio 50) is BACKUP under the clustd master: it hears clustd's adverts from the shared MAC (state $(ix_ka_state ka))" \
	ix_is ka keepalived BACKUP
check "(5) keepalived never entered MASTER" test "$(ix_ka_count ka 'Entering MASTER STATE')" -eq 0
check "(5) clustd is still MASTER and the only VIP holder" eval 'ix_is cl clustd MASTER && only_on cl'
ix_ka_no_errors ka "from clustd"

done_testing
