#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile adverts (RFC 5798 §7.1, RFC 3768 §7.1): a master (n1, priority
# 200) and a backup (n2, 100) run three instances each: "web" (VRRPv3/IPv4,
# VRID 51, 100 ms), "legacy" (VRRPv2, VRID 52, 1 s) and "web6"
# (VRRPv3/IPv6, VRID 53, 100 ms), plus "owner" (VRID 54) where n1 has
# priority 255 (the address owner: master at once on startup, and it
# discards every advert) and "nopseudo" (VRID 55, VRRPv3/IPv4 with
# checksum_pseudo_header = false: it sends checksums over the message only;
# either form is accepted on receive). An injector namespace sends each kind of
# malformed advert 5 times (t/tools/vrrp_inject.py, scapy, raw IP proto 112
# to the group, TTL 255 unless the TTL is the fault): on both nodes the
# matching drop counter must move by >= 5 and no instance may change state
# (the transition counters stay put). A higher-priority advert with a bad
# checksum must not make the master yield. An advert with a wrong VRID is
# only counted by the daemon (status: drops_no_instance), logged, and
# changes no state. Positive controls show the injector's packets do
# reach the daemons: a v3 advert with another address list is accepted
# (counted, "misconfiguration" logged), and valid priority-254 adverts
# (correct checksums) make the master of each instance go BACKUP, after
# which it preempts back, while the owner stays MASTER and discards them.
# A priority-0 advert makes the master advertise at once (§6.4.3), and the
# master hears none of its own adverts (multicast loop off, §7.2). A capture of the injector's frames read by
# tshark confirms which checksums are good and which are bad,
# independently of clustd.
# The checks pass single-quoted code to eval on purpose (late expansion).
# shellcheck disable=SC2016
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
net_init hostile

INJ_IP=198.51.100.200
# The system python: python3-scapy is installed for it.
INJECT=(/usr/bin/python3 "$(cd "$(dirname "$0")/../tools" && pwd)/vrrp_inject.py")
VIP=198.51.100.100
VIP2=198.51.100.101
VIP6=2001:db8::100
VIP_OWNER=198.51.100.102
VIP_NP=198.51.100.103
N1_ALL="web=MASTER legacy=MASTER web6=MASTER owner=MASTER nopseudo=MASTER"
N2_ALL="web=BACKUP legacy=BACKUP web6=BACKUP owner=BACKUP nopseudo=BACKUP"

net_bridge
net_host n1 198.51.100.11/24 2001:db8::11/64
net_host n2 198.51.100.12/24 2001:db8::12/64
net_host inj $INJ_IP/24 2001:db8::200/64
# The injector is no VRRP node: keep it out of lib.sh's VIP holder lists.
# shellcheck disable=SC2034
NET_HOSTS="n1 n2"

hostile_conf() {
	{
		node_block "$1"
		echo "instances = ("
		instance_block web eth0 51 "$2" $VIP/24
		echo ","
		instance_block legacy eth0 52 "$2" $VIP2/24 "version = 2; advert_interval = 1000;" |
			sed 's/advert_interval = 100; //'
		echo ","
		instance_block web6 eth0 53 "$2" $VIP6/64
		echo ","
		instance_block owner eth0 54 "$3" $VIP_OWNER/24
		echo ","
		instance_block nopseudo eth0 55 "$2" $VIP_NP/24 "checksum_pseudo_header = false;"
		echo
		echo ");"
	} | clustd_conf "$1"
}

# states <node>: "name=STATE ..." for every instance.
states() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" status --json 2>/dev/null |
		jq -r '[.instances[] | "\(.name)=\(.state)"] | join(" ")'
}

# snap <node> <file>: the status JSON.
snap() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" status --json >"$2" 2>/dev/null
}

# field <file> <instance> <jq path under .counters>
field() {
	jq -r --arg n "$2" ".instances[] | select(.name == \$n) | .counters$3 // 0" "$1" 2>/dev/null
}

# transitions <file>: every instance's transition counters, one string.
transitions() {
	jq -c '[.instances[] | {(.name): .counters.transitions}]' "$1" 2>/dev/null
}

all_as_expected() {
	[ "$(states n1)" = "$N1_ALL" ] && [ "$(states n2)" = "$N2_ALL" ]
}

INJ_LL=""
# inject <args...>: run the injector in its namespace (IPv4 source unless
# the args say --src).
inject() {
	local src=$INJ_IP
	case " $* " in
	*" --src "*) src="" ;;
	esac
	nsx inj "${INJECT[@]}" ${src:+--src "$src"} "$@" >>"$T/inject.log" 2>&1
}

# hostile <desc> <instance> <counter> <injector args...>: inject 5 times;
# the counter must grow by >= 5 on both nodes, states and transitions must
# not move.
hostile() {
	local desc=$1 inst=$2 ctr=$3 n d b a
	shift 3
	for n in n1 n2; do
		snap $n "$T/$n.before"
	done
	inject --count 5 --gap-ms 20 "$@" || fail "$desc: injector ran ($*)"
	# Bounded wait for the daemons to read them; then a last look.
	for n in n1 n2; do
		wait_until 2 eval "snap $n '$T/$n.after' &&
			[ \$((\$(field '$T/$n.after' $inst .drops.$ctr) - \$(field '$T/$n.before' $inst .drops.$ctr))) -ge 5 ]"
	done
	sleep 0.1
	for n in n1 n2; do
		snap $n "$T/$n.after"
		b=$(field "$T/$n.before" "$inst" ".drops.$ctr")
		a=$(field "$T/$n.after" "$inst" ".drops.$ctr")
		d=$((a - b))
		check "$desc: $n $inst drops.$ctr +$d (>= 5)" test "$d" -ge 5
		check "$desc: $n made no transition" \
			test "$(transitions "$T/$n.before")" = "$(transitions "$T/$n.after")"
	done
	check "$desc: states unchanged ($(states n1) / $(states n2))" all_as_expected
}

hostile_conf n1 200 255
hostile_conf n2 100 100
capture_start inj "ip proto 112 or ip6 proto 112" v-inj || fail "capture on the injector port"
clustd_start n1
# The VRRPv2 instance waits 3 s + skew before it takes over.
check "n1 (200, owner 255) becomes master of all five instances" \
	wait_until 10 eval '[ "$(states n1)" = "$N1_ALL" ]'
# §6.4.1 (110): the owner goes INIT -> MASTER at startup, before the
# others' Master_Down_Interval runs out, never through BACKUP.
first=$(grep -E -m1 ': (INIT|BACKUP) -> MASTER' "$T/n1.log")
check "the owner was master first, straight from INIT ($first)" \
	eval 'echo "$first" | grep -q "owner: INIT -> MASTER"'
check "the owner never was BACKUP" eval '! log_has n1 "owner: INIT -> BACKUP"'
clustd_start n2
check "n2 (100) is backup of all five, n1 still master" wait_until 10 all_as_expected
sleep 0.5
check "n1 holds the five VIPs" \
	eval "only_holder n1 $VIP && only_holder n1 $VIP2 && only_holder n1 $VIP6 && only_holder n1 $VIP_OWNER && only_holder n1 $VIP_NP"
# §7.2 / checklist 21: with the multicast loop off, the master hears
# nothing at all (the backup is silent), not even its own adverts.
snap n1 "$T/n1.start"
check "n1 (master) received no advert, its own included ($(jq -c '[.instances[].counters | .adverts_received, .drops.own_advert]' "$T/n1.start"))" \
	test "$(jq '[.instances[].counters | .adverts_received + .drops.own_advert] | add' "$T/n1.start")" -eq 0
INJ_LL=$(ip -n "${P}inj" -6 -o addr show dev eth0 scope link | awk '{ split($4, a, "/"); print a[1]; exit }')

# -------------------------------------------------------------- hostile
hostile "TTL 64" web bad_ttl --vrid 51 --ttl 64
hostile "IPv6 hop limit 64" web6 bad_ttl --src "$INJ_LL" --vrid 53 --ttl 64 --addr $VIP6
hostile "bad checksum" web bad_checksum --vrid 51 --checksum bad
hostile "v3 message-only checksum, wrong" web bad_checksum --vrid 51 --no-pseudo-header --checksum bad
hostile "version 4" web bad_version --vrid 51 --version 4
hostile "VRRPv2 advert at a v3 instance" web bad_version --vrid 51 --version 2
hostile "type 2" web bad_type --vrid 51 --type 2
hostile "truncated to 6 bytes" web bad_length --vrid 51 --truncate 6
hostile "truncated to 11 bytes (8 + 3)" web bad_length --vrid 51 --truncate 11
hostile "Max Adver Int 0" web zero_interval --vrid 51 --interval 0
hostile "address count 0" web zero_addresses --vrid 51 --count-field 0 --addr $VIP
hostile "count 2 with one address" web bad_length --vrid 51 --count-field 2
hostile "v2 auth type 1 at a v2 instance" legacy bad_auth --vrid 52 --version 2 --auth-type 1 --addr $VIP2
hostile "v2 interval 2 s against 1 s" legacy interval_mismatch --vrid 52 --version 2 --interval 2 --addr $VIP2
hostile "v2 other address list, not owner" legacy address_mismatch --vrid 52 --version 2 --addr 198.51.100.199
hostile "priority 254 with a bad checksum" web bad_checksum --vrid 51 --prio 254 --checksum bad
hostile "wrong pseudo-header checksum at a checksum_pseudo_header = false instance" nopseudo bad_checksum \
	--vrid 55 --prio 254 --addr $VIP_NP --checksum bad
check "n1 is still the only holder of $VIP after the priority-254 bad-checksum adverts" only_holder n1 $VIP

# Wrong VRID: counted by the daemon, not per instance
# (status --json: drops_no_instance).
mark1=$(log_lines n1)
mark2=$(log_lines n2)
for n in n1 n2; do
	snap $n "$T/$n.before"
done
inject --count 5 --gap-ms 20 --vrid 99
sleep 0.3
for n in n1 n2; do
	snap $n "$T/$n.after"
	check "VRID 99: $n made no transition" \
		test "$(transitions "$T/$n.before")" = "$(transitions "$T/$n.after")"
	d=$(($(jq '.drops_no_instance.unknown_vrid' "$T/$n.after") - $(jq '.drops_no_instance.unknown_vrid' "$T/$n.before")))
	check "VRID 99: $n drops_no_instance.unknown_vrid +$d (>= 5)" test "$d" -ge 5
done
check "VRID 99: states unchanged" all_as_expected
check "VRID 99: n1 logged the drop" log_has n1 "dropped advert from $INJ_IP: no instance with this VRID" "$mark1"
check "VRID 99: n2 logged the drop" log_has n2 "dropped advert from $INJ_IP: no instance with this VRID" "$mark2"

# ------------------------------------------------------ positive controls
# v3, other address list, lower priority: accepted (RFC 5798 §7.1 MAY
# log), counted as received, ignored by the state machines.
mark1=$(log_lines n1)
for n in n1 n2; do
	snap $n "$T/$n.before"
done
inject --count 5 --gap-ms 20 --vrid 51 --prio 50 --addr 198.51.100.199
sleep 0.3
for n in n1 n2; do
	snap $n "$T/$n.after"
	d=$(($(field "$T/$n.after" web .adverts_received) - $(field "$T/$n.before" web .adverts_received)))
	check "v3 other address list: $n accepted it (adverts_received +$d >= 5)" test "$d" -ge 5
done
check "v3 other address list: states unchanged" all_as_expected
check "v3 other address list: n1 logged the misconfiguration" \
	log_has n1 "advert from $INJ_IP lists other addresses than ours" "$mark1"

# §6.4.3 (700-715): a priority-0 advert makes the master send one at once
# (the VRRPv2 instance, 1 s interval, so that chance cannot explain it).
for n in n1 n2; do
	snap $n "$T/$n.before"
done
for i in 1 2 3; do
	inject --count 1 --vrid 52 --version 2 --prio 0 --addr $VIP2
	sleep 0.3
done
sleep 0.3
for n in n1 n2; do
	snap $n "$T/$n.after"
	check "priority 0: $n made no transition" \
		test "$(transitions "$T/$n.before")" = "$(transitions "$T/$n.after")"
done
check "priority 0: states unchanged" all_as_expected

# Valid priority-254 adverts for each instance: the master must yield,
# except the owner.
snap n1 "$T/n1.before"
inject --count 30 --gap-ms 100 --vrid 51 --prio 254 &
p1=$!
inject --src "$INJ_LL" --count 30 --gap-ms 100 --vrid 53 --prio 254 --addr $VIP6 &
p2=$!
inject --count 4 --gap-ms 1000 --vrid 52 --version 2 --prio 254 --addr $VIP2 &
p3=$!
inject --count 30 --gap-ms 100 --vrid 54 --prio 254 --addr $VIP_OWNER &
p4=$!
inject --count 30 --gap-ms 100 --vrid 55 --prio 254 --addr $VIP_NP --no-pseudo-header &
p5=$!
NET_BG_PIDS="$NET_BG_PIDS $p1 $p2 $p3 $p4 $p5"
if wait_until 5 eval '[ "$(states n1)" = "web=BACKUP legacy=BACKUP web6=BACKUP owner=MASTER nopseudo=BACKUP" ]'; then
	ok "valid priority-254 adverts: n1 went BACKUP on four instances, the owner stayed MASTER"
else
	fail "valid priority-254 adverts: n1 went BACKUP on four, owner MASTER ($(states n1))"
fi
snap n1 "$T/n1.yield"
for i in web legacy web6 nopseudo; do
	m=$(jq -r --arg n $i '.instances[] | select(.name == $n) | .master' "$T/n1.yield")
	want=$INJ_IP
	[ $i = web6 ] && want=$INJ_LL
	check "valid priority-254 adverts: n1 $i follows the injector as master ($m)" test "$m" = "$want"
done
check "valid priority-254 adverts: n1 released $VIP" eval "! has_vip n1 $VIP"
check "n2 stays BACKUP meanwhile" eval '[ "$(states n2)" = "$N2_ALL" ]'
wait "$p1" "$p2" "$p3" "$p4" "$p5"
snap n1 "$T/n1.end"
d=$(($(field "$T/n1.end" owner .drops.we_are_owner) - $(field "$T/n1.before" owner .drops.we_are_owner)))
check "the owner discarded the 30 priority-254 adverts (drops.we_are_owner +$d)" test "$d" -ge 30
check "the owner made no transition" \
	test "$(jq -c '.instances[] | select(.name == "owner") | .counters.transitions' "$T/n1.before")" = \
	"$(jq -c '.instances[] | select(.name == "owner") | .counters.transitions' "$T/n1.end")"
check "n1 kept the owner's VIP" has_vip n1 $VIP_OWNER
# Once the injector is silent, n1 (200) takes over again after its MDI.
check "n1 is master of all five again once the injector stops" wait_until 10 all_as_expected
d=$(($(jq '[.instances[].counters.transitions["MASTER->BACKUP"] // 0] | add' "$T/n1.yield") -
	$(jq '[.instances[].counters.transitions["MASTER->BACKUP"] // 0] | add' "$T/n1.before")))
check "n1 made exactly 4 MASTER -> BACKUP transitions, one per instance but the owner ($d)" test "$d" -eq 4

# ------------------------------------------ the injector, seen by tshark
capture_stop inj
good=$(tshark -n -o vrrp.v3_checksum_as_in_v2:FALSE -r "$T/inj.pcap" \
	-Y "vrrp.virt_rtr_id == 51 && vrrp.checksum.status == 1 && vrrp.prio == 254" 2>/dev/null | grep -c .)
bad=$(tshark -n -o vrrp.v3_checksum_as_in_v2:FALSE -r "$T/inj.pcap" \
	-Y "vrrp.virt_rtr_id == 51 && vrrp.checksum.status == 0 && vrrp.prio == 254" 2>/dev/null | grep -c .)
diag "tshark: injector VRID 51 priority-254 adverts with a good checksum: $good, bad: $bad"
check "tshark agrees: the control adverts had good checksums (>= 3)" test "$good" -ge 3
check "tshark agrees: the 5 priority-254 hostile adverts had bad checksums ($bad)" test "$bad" -eq 5
n=$(tshark -n -r "$T/inj.pcap" -Y "ip.src == $INJ_IP && ip.ttl == 64" 2>/dev/null | grep -c .)
check "tshark: 5 TTL-64 adverts left the injector ($n)" test "$n" -eq 5
n=$(tshark -n -r "$T/inj.pcap" -Y "ipv6.src == $INJ_LL && ipv6.hlim == 64" 2>/dev/null | grep -c .)
check "tshark: 5 hop-limit-64 adverts left the injector ($n)" test "$n" -eq 5
# n1's checksum_pseudo_header = false adverts: wrong by RFC 5798, right
# when computed as in v2 (message only); n2 accepted them all along.
n=$(tshark -n -o vrrp.v3_checksum_as_in_v2:FALSE -r "$T/inj.pcap" \
	-Y "ip.src == 198.51.100.11 && vrrp.virt_rtr_id == 55 && vrrp.checksum.status == 0" 2>/dev/null | grep -c .)
m=$(tshark -n -o vrrp.v3_checksum_as_in_v2:TRUE -r "$T/inj.pcap" \
	-Y "ip.src == 198.51.100.11 && vrrp.virt_rtr_id == 55 && vrrp.checksum.status == 1" 2>/dev/null | grep -c .)
check "tshark: n1's nopseudo adverts fail the RFC checksum ($n) and pass the message-only one ($m)" \
	test "$n" -ge 10 -a "$n" = "$m"
snap n2 "$T/n2.end"
check "n2 accepted n1's message-only checksums (nopseudo: $(field "$T/n2.end" nopseudo .adverts_received) received, $(field "$T/n2.end" nopseudo .drops.bad_checksum) bad checksums, all injected)" \
	test "$(field "$T/n2.end" nopseudo .adverts_received)" -ge 10 -a "$(field "$T/n2.end" nopseudo .drops.bad_checksum)" -eq 5
# Each injected priority 0 (VRID 52) and n1's next VRID-52 advert.
delays=$(tshark -n -r "$T/inj.pcap" -Y "vrrp.virt_rtr_id == 52" -T fields \
	-e frame.time_epoch -e ip.src -e vrrp.prio 2>/dev/null |
	awk -v inj=$INJ_IP -v n1=198.51.100.11 '
		$2 == inj && $3 == 0 { t = $1; next }
		$2 == n1 && t { printf "%s%.1f", sep, ($1 - t) * 1000; sep = " "; t = 0 }')
diag "priority 0 -> n1's next VRRPv2 advert after (ms): $delays (interval 1000 ms)"
n=$(echo "$delays" | wc -w)
check "priority 0: three answered by n1 ($n)" test "$n" -eq 3
check "priority 0: each answered within 50 ms, not on the 1 s schedule ($delays)" \
	awk -v d="$delays" 'BEGIN { n = split(d, a, " "); for (i = 1; i <= n; i++) if (a[i] >= 50) exit 1; exit n == 0 }'

done_testing
