#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Receive rules of findings A3, A5 and A8, with one real daemon (n1) and
# adverts crafted by t/tools/vrrp_inject.py (scapy) from an injector
# namespace, everything captured on the bridge and read back with tshark.
# n1 runs four VRRPv3/IPv4 instances:
#   web   VRID 51, priority 200, 1 s interval, sends the pseudo-header form;
#   plain VRID 55, priority 200, checksum_pseudo_header = false;
#   many  VRID 56, priority 200;
#   owner VRID 54, priority 255.
# A5: each lower-priority (50) advert to the master of "web" is answered
#     by an advert within half an interval (RFC 9568 §6.4.3), and a burst
#     of five gets one answer, not five (one extra per interval).
# A8: another owner's adverts at "owner" are counted as owner_conflict and
#     logged; a priority-254 peer listing 100 addresses at "many" is
#     accepted (n1 goes BACKUP, no bad_length drop).
# A3: a priority-254 peer whose checksum has the other form than n1 sends
#     ("web": message only; "plain": with the pseudo-header) is accepted:
#     n1 goes BACKUP with no bad_checksum drop, and counts the form in
#     status (checksum_forms) and metrics; n1's own adverts keep the
#     configured form (tshark).
# The checks pass single-quoted code to eval on purpose (late expansion).
# shellcheck disable=SC2016
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
net_init rx_rules

INJ_IP=198.51.100.200
N1_IP=198.51.100.11
INJECT=(/usr/bin/python3 "$(cd "$(dirname "$0")/../tools" && pwd)/vrrp_inject.py")
VIP_WEB=198.51.100.100
VIP_OWNER=198.51.100.102
VIP_PLAIN=198.51.100.103
VIP_MANY=198.51.100.104
# shellcheck disable=SC2034 # used in eval
ALL_MASTER="web=MASTER plain=MASTER many=MASTER owner=MASTER"
WEB_INTERVAL_MS=1000

net_bridge
net_host n1 $N1_IP/24
net_host inj $INJ_IP/24
# shellcheck disable=SC2034
NET_HOSTS="n1"

{
	node_block n1
	echo "instances = ("
	instance_block web eth0 51 200 $VIP_WEB/24 "advert_interval = $WEB_INTERVAL_MS;" |
		sed 's/advert_interval = 100; //'
	echo ","
	instance_block plain eth0 55 200 $VIP_PLAIN/24 "checksum_pseudo_header = false;"
	echo ","
	instance_block many eth0 56 200 $VIP_MANY/24
	echo ","
	instance_block owner eth0 54 255 $VIP_OWNER/24
	echo
	echo ");"
} | clustd_conf n1

states() {
	nsx n1 timeout 5 "$CLUSTD" -f "$T/n1.conf" status --json 2>/dev/null |
		jq -r '[.instances[] | "\(.name)=\(.state)"] | join(" ")'
}

snap() {
	nsx n1 timeout 5 "$CLUSTD" -f "$T/n1.conf" status --json >"$1" 2>/dev/null
}

# field <file> <instance> <jq path under the instance>
field() {
	jq -r --arg n "$2" ".instances[] | select(.name == \$n) | $3 // 0" "$1" 2>/dev/null
}

state_of() {
	nsx n1 timeout 5 "$CLUSTD" -f "$T/n1.conf" status --json 2>/dev/null |
		jq -r --arg n "$1" '.instances[] | select(.name == $n) | .state'
}

inject() {
	nsx inj "${INJECT[@]}" --src $INJ_IP "$@" >>"$T/inject.log" 2>&1
}

capture_start all "ip proto 112" || fail "capture on the bridge"
clustd_start n1
check "n1 becomes master of all four instances" \
	wait_until 10 eval '[ "$(states n1)" = "$ALL_MASTER" ]'

# ------------------------------------------------------------------- A5
# Five single lower-priority adverts, 1.5 intervals apart, then a burst.
snap "$T/a5.before"
for i in 1 2 3 4 5; do
	inject --vrid 51 --prio 50 --interval 100 --addr $VIP_WEB
	sleep 1.5
done
inject --vrid 51 --prio 49 --interval 100 --addr $VIP_WEB --count 5 --gap-ms 20
sleep 1.2
snap "$T/a5.after"
check "A5: web stayed MASTER through the lower-priority adverts" \
	test "$(field "$T/a5.after" web .state)" = MASTER
check "A5: web made no transition" test \
	"$(field "$T/a5.before" web .counters.transitions | jq -c .)" = \
	"$(field "$T/a5.after" web .counters.transitions | jq -c .)"

# ------------------------------------------------------------------- A8 owners
snap "$T/own.before"
mark=$(log_lines n1)
inject --vrid 54 --prio 255 --interval 10 --addr $VIP_OWNER --count 5 --gap-ms 20
wait_until 2 eval 'snap "$T/own.after" &&
	[ "$(field "$T/own.after" owner .counters.drops.owner_conflict)" -ge 5 ]'
snap "$T/own.after"
d=$(($(field "$T/own.after" owner .counters.drops.owner_conflict) -
	$(field "$T/own.before" owner .counters.drops.owner_conflict)))
check "A8: another owner's 5 adverts counted as owner_conflict (+$d)" test "$d" -eq 5
d=$(($(field "$T/own.after" owner .counters.drops.we_are_owner) -
	$(field "$T/own.before" owner .counters.drops.we_are_owner)))
check "A8: ... and not as we_are_owner (+$d)" test "$d" -eq 0
check "A8: the conflict is logged" log_has n1 "owner: dropped advert from $INJ_IP: two owners" "$mark"
check "A8: the owner stays MASTER" test "$(state_of owner)" = MASTER

# ------------------------------------------------------------------- A3 + A8 many
# Priority-254 peers, 1 s Max Adver Int, 200 ms apart for 3 s: n1 must
# yield on each instance, so it has to accept their adverts.
addrs=()
for i in $(seq 1 100); do
	addrs+=(--addr "203.0.113.$i")
done
snap "$T/a3.before"
inject --vrid 51 --prio 254 --interval 100 --addr $VIP_WEB --no-pseudo-header \
	--count 15 --gap-ms 200 &
p1=$!
inject --vrid 55 --prio 254 --interval 100 --addr $VIP_PLAIN --count 15 --gap-ms 200 &
p2=$!
inject --vrid 56 --prio 254 --interval 100 "${addrs[@]}" --count 15 --gap-ms 200 &
p3=$!
NET_BG_PIDS="$NET_BG_PIDS $p1 $p2 $p3"
# shellcheck disable=SC2034 # used in eval
want="web=BACKUP plain=BACKUP many=BACKUP owner=MASTER"
# scapy starts slowly on a loaded machine: allow for it.
check "A3/A8: n1 yields to the priority-254 peers on web, plain and many" \
	wait_until 10 eval '[ "$(states n1)" = "$want" ]'
wait "$p1" "$p2" "$p3"
snap "$T/a3.after"
diag "after: $(jq -c '[.instances[] | {(.name): [.state, .master, .counters.checksum_forms, .counters.drops.bad_checksum, .counters.drops.bad_length]}]' "$T/a3.after")"
delta() { # delta <instance> <jq path>
	echo $(($(field "$T/a3.after" "$1" "$2") - $(field "$T/a3.before" "$1" "$2")))
}
d=$(delta web .counters.checksum_forms.no_pseudo_header)
check "A3: web (sends with the pseudo-header) counted $d message-only adverts (>= 10)" test "$d" -ge 10
check "A3: web dropped none as bad_checksum" test "$(delta web .counters.drops.bad_checksum)" -eq 0
check "A3: web followed the injector as master" \
	test "$(field "$T/a3.after" web .master)" = $INJ_IP
d=$(delta plain .counters.checksum_forms.pseudo_header)
check "A3: plain (sends message-only) counted $d pseudo-header adverts (>= 10)" test "$d" -ge 10
check "A3: plain dropped none as bad_checksum" test "$(delta plain .counters.drops.bad_checksum)" -eq 0
check "A3: plain counted no message-only advert (only the injector spoke)" \
	test "$(delta plain .counters.checksum_forms.no_pseudo_header)" -eq 0
nsx n1 timeout 5 "$CLUSTD" -f "$T/n1.conf" metrics >"$T/metrics.txt" 2>/dev/null
m=$(awk '/^clustd_adverts_received_by_checksum_total\{instance="web",form="no_pseudo_header"\}/ { print $2 }' "$T/metrics.txt")
check "A3: metrics carry the form (web no_pseudo_header = ${m:-missing})" test "${m:-0}" -ge 10
d=$(delta many .counters.adverts_received)
check "A8: many accepted the 100-address adverts ($d)" test "$d" -ge 10
check "A8: many dropped none as bad_length" test "$(delta many .counters.drops.bad_length)" -eq 0

# ------------------------------------------------------------------- the wire
capture_stop all
# A5: each single lower-priority advert and n1's next VRID-51 advert.
delays=$(pcap_fields all "vrrp.virt_rtr_id == 51 && (vrrp.prio == 50 || ip.src == $N1_IP)" \
	frame.time_epoch ip.src vrrp.prio |
	awk -v inj=$INJ_IP -v n1=$N1_IP '
		$2 == inj { t = $1; next }
		$2 == n1 && t { printf "%s%.1f", sep, ($1 - t) * 1000; sep = " "; t = 0 }')
diag "A5: lower-priority advert -> n1's next advert (ms): $delays (interval $WEB_INTERVAL_MS ms)"
check "A5: all five answered ($(echo "$delays" | wc -w))" test "$(echo "$delays" | wc -w)" -eq 5
check "A5: each answered within half an interval ($delays)" \
	awk -v d="$delays" -v lim=$((WEB_INTERVAL_MS / 2)) \
	'BEGIN { n = split(d, a, " "); for (i = 1; i <= n; i++) if (a[i] >= lim) exit 1; exit n == 0 }'
# The burst: n1's VRID-51 adverts in the 900 ms after its first frame.
burst=$(pcap_fields all "vrrp.virt_rtr_id == 51 && (vrrp.prio == 49 || ip.src == $N1_IP)" \
	frame.time_epoch ip.src vrrp.prio |
	awk -v inj=$INJ_IP -v n1=$N1_IP '
		$2 == inj && !t0 { t0 = $1 }
		$2 == n1 && t0 && $1 >= t0 && $1 < t0 + 0.9 { n++ }
		END { print n + 0 }')
check "A5: a burst of five lower-priority adverts got one answer in 900 ms, not five ($burst)" \
	test "$burst" -eq 1
# A3: n1 sends what it is configured to send.
# ck_count <as_in_v2 TRUE|FALSE> <display filter>: frames of the capture.
ck_count() {
	tshark -n -o "vrrp.v3_checksum_as_in_v2:$1" -r "$T/all.pcap" -Y "$2" 2>/dev/null | grep -c .
}
from_n1() { # from_n1 <as_in_v2> <vrid> <status test>
	ck_count "$1" "ip.src == $N1_IP && vrrp.virt_rtr_id == $2 && vrrp.checksum.status $3"
}
good=$(from_n1 FALSE 51 "== 1") bad=$(from_n1 FALSE 51 "!= 1")
check "A3: tshark: n1's web adverts carry the pseudo-header form ($good good, $bad not)" \
	test "$good" -ge 5 -a "$bad" -eq 0
good=$(from_n1 TRUE 55 "== 1") bad=$(from_n1 TRUE 55 "!= 1")
check "A3: tshark: n1's plain adverts carry the message-only form ($good good, $bad not)" \
	test "$good" -ge 5 -a "$bad" -eq 0
# The injector's cross-form adverts were what they claim, judged by tshark.
n=$(ck_count TRUE "ip.src == $INJ_IP && vrrp.virt_rtr_id == 51 && vrrp.prio == 254 && vrrp.checksum.status == 1")
check "A3: tshark: the injector's 15 web adverts were message-only ($n)" test "$n" -eq 15
n=$(ck_count FALSE "ip.src == $INJ_IP && vrrp.virt_rtr_id == 55 && vrrp.checksum.status == 1")
check "A3: tshark: the injector's 15 plain adverts had the pseudo-header ($n)" test "$n" -eq 15

done_testing
