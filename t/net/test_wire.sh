#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# On the wire, clustd and keepalived (Debian 2.2.7) say the same thing for
# the same virtual router. For each of VRRPv3/IPv4, VRRPv2/IPv4,
# VRRPv3/IPv6 and VRRPv3/IPv4 unicast, clustd then keepalived run alone as
# master with one config (VRID 51, priority 150, the mode's interval and
# VIP) and are stopped with SIGTERM; the capture is read back with tshark
# and every advert field is compared to the expected value on both sides:
#   vrrp.version/type/virt_rtr_id/prio/addr_count, the interval
#   (vrrp.short_adver_int in centiseconds for v3, vrrp.adver_int in
#   seconds and vrrp.auth_type 0 for v2), the address list, the v3
#   reserved nibble, the checksum status (Wireshark, RFC 5798 pseudo-header
#   for IPv4 too: vrrp.v3_checksum_as_in_v2 FALSE), the IP length;
#   IPv4: ip.src = the node's address, ip.dst 224.0.0.18 (unicast: the
#   peer), ip.ttl 255, ip.proto 112; IPv6: ipv6.src = the node's
#   link-local, ipv6.dst ff02::12, ipv6.hlim 255, ipv6.nxt 112;
#   Ethernet source = the interface MAC (no virtual MAC in either).
# Then the priority-0 advert on SIGTERM, the gratuitous ARPs on becoming
# master (request, sender IP = target IP = VIP, sender MAC = the node's)
# and, for IPv6, the unsolicited neighbour advertisements (RFC 5798 (130):
# R=1 S=0 O=1, target = VIP, to ff02::1, hop limit 255, TLLA = the MAC).
# Where the two implementations differ outside what the RFC fixes (DSCP,
# DF bit, GARP spacing, NA flags and source), the values are printed.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=lib_interop.sh
. "$(dirname "$0")/lib_interop.sh"
net_init wire

PRIO=150
ix_topology

# Each capture is read by tshark once per kind of packet (tshark starts
# slowly): wire_dump writes $T/<capture>.<kind>.tsv, a header line of
# field names then one packet a line, and wire_values queries it.
WIRE_VRRP_FIELDS="frame.number frame.time_epoch eth.src eth.dst ip.src ip.dst ip.ttl ip.proto ip.len
	ip.dsfield ip.flags.df ipv6.src ipv6.dst ipv6.hlim ipv6.nxt ipv6.plen ipv6.tclass
	vrrp.version vrrp.type vrrp.virt_rtr_id vrrp.prio vrrp.addr_count vrrp.reserved_mbz
	vrrp.short_adver_int vrrp.adver_int vrrp.auth_type vrrp.checksum vrrp.checksum.status
	vrrp.ip_addr vrrp.ipv6_addr"
WIRE_ARP_FIELDS="frame.number frame.time_epoch eth.src eth.dst arp.opcode arp.src.hw_mac arp.src.proto_ipv4
	arp.dst.hw_mac arp.dst.proto_ipv4"
WIRE_NA_FIELDS="frame.number frame.time_epoch eth.src eth.dst ipv6.src ipv6.dst ipv6.hlim
	icmpv6.nd.na.flag.r icmpv6.nd.na.flag.s icmpv6.nd.na.flag.o
	icmpv6.nd.na.target_address icmpv6.opt.linkaddr"

# wire_dump <capture> <kind> <display filter> <fields>: the RFC 5798
# checksum (pseudo-header) is used for VRRPv3 over IPv4.
wire_dump() {
	local cap=$1 kind=$2 df=$3 f args=()
	for f in $4; do
		args+=(-e "$f")
	done
	{
		printf '%s\n' "${args[@]}" | grep -v '^-e$' | paste -sd'\t'
		tshark -n -o vrrp.v3_checksum_as_in_v2:FALSE -r "$T/$cap.pcap" -Y "$df" \
			-T fields -E occurrence=a -E aggregator=, "${args[@]}" 2>/dev/null
	} >"$T/$cap.$kind.tsv"
}

# wire_values <capture> <kind> <awk condition> <field>: the distinct values
# of the field in the packets matching the condition, '|' separated. The
# condition names fields as f["ip.src"].
wire_values() {
	awk -F'\t' -v want="$4" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ for (k in col) f[k] = $col[k] }
		('"$3"') { print f[want] }' "$T/$1.$2.tsv" | sort -u | paste -sd'|'
}

# wire_count <capture> <kind> <awk condition>
wire_count() {
	wire_values "$1" "$2" "$3" frame.number | tr '|' '\n' | grep -c .
}

# wire_from <node> [<prio>]: awk condition for the node's adverts.
wire_from() {
	local c
	if [ "$IX_FAM" = 6 ]; then
		c="f[\"ipv6.src\"] == \"$(ix_lladdr "$1")\""
	else
		c="f[\"ip.src\"] == \"$(ix_addr "$1")\""
	fi
	[ -n "${2:-}" ] && c="$c && f[\"vrrp.prio\"] == $2"
	echo "$c"
}

# wire_same <capture> <field> <expected> [<prio>]: the field has exactly the
# expected value in every advert of both (of that priority if given).
wire_same() {
	local cap=$1 field=$2 want=$3 a b
	a=$(wire_values "$cap" vrrp "$(wire_from cl "${4:-}")" "$field")
	b=$(wire_values "$cap" vrrp "$(wire_from ka "${4:-}")" "$field")
	check "$IX_MODE: $field: clustd '$a', keepalived '$b', expected '$want'" \
		test "$a" = "$want" -a "$b" = "$want"
}

# wire_spacing <capture> <kind> <condition>: "<n> <mean ms> <max ms> <list>"
# of the gaps between consecutive matching packets.
wire_spacing() {
	wire_values "$1" "$2" "$3" frame.time_epoch | tr '|' '\n' | sort -g |
		awk 'NR > 1 { g = ($1 - p) * 1000; s += g; if (g > m) m = g
			      l = l sprintf("%s%.1f", NR > 2 ? "/" : "", g) }
		     { p = $1 }
		     END { if (NR > 1) printf "%d %.1f %.1f %s\n", NR, s / (NR - 1), m, l
			   else printf "%d 0 0 -\n", NR }'
}

# wire_run <impl> <node>: alone as master for a few adverts, then SIGTERM.
wire_run() {
	local impl=$1 node=$2 settle_s
	settle_s=$(((3 * IX_IVL + 1000) / 1000 + 8))
	if [ "$impl" = clustd ]; then
		ix_clustd_conf "$node" $PRIO
	else
		ix_ka_conf "$node" $PRIO
	fi
	ix_start "$impl" "$node" || fail "$IX_MODE: $impl started"
	check "$IX_MODE: $impl alone becomes master" ix_wait_master "$node" "$impl" "$settle_s"
	# At least 4 adverts after the first one.
	bench_sleep_ms $((4 * IX_IVL + 150))
	ix_signal "$impl" "$node" TERM
	impl_wait_exit "$node" 10 || fail "$IX_MODE: $impl exited on SIGTERM"
}

wire_adverts() {
	local cap=$1 v n mean max
	wire_dump "$cap" vrrp vrrp "$WIRE_VRRP_FIELDS"
	for n in cl ka; do
		v=$(wire_count "$cap" vrrp "$(wire_from $n $PRIO)")
		diag "$IX_MODE: $n sent $v master adverts"
		check "$IX_MODE: $n: at least 4 master adverts captured ($v)" test "$v" -ge 4
	done
	wire_same "$cap" vrrp.version "$IX_VER"
	wire_same "$cap" vrrp.type 1
	wire_same "$cap" vrrp.virt_rtr_id "$IX_VRID"
	wire_same "$cap" vrrp.prio $PRIO $PRIO
	wire_same "$cap" vrrp.addr_count 1
	wire_same "$cap" vrrp.checksum.status 1
	if [ "$IX_VER" = 3 ]; then
		wire_same "$cap" vrrp.short_adver_int $((IX_IVL / 10))
		wire_same "$cap" vrrp.reserved_mbz 0
	else
		wire_same "$cap" vrrp.adver_int $((IX_IVL / 1000))
		wire_same "$cap" vrrp.auth_type 0
		# No pseudo-header in v2: equal checksums mean byte-identical
		# messages, auth data included.
		wire_same "$cap" vrrp.checksum \
			"$(wire_values "$cap" vrrp "$(wire_from cl $PRIO)" vrrp.checksum)" $PRIO
	fi
	if [ "$IX_FAM" = 6 ]; then
		wire_same "$cap" vrrp.ipv6_addr "$IX_VIP"
		wire_same "$cap" ipv6.dst ff02::12
		wire_same "$cap" ipv6.hlim 255
		wire_same "$cap" ipv6.nxt 112
		wire_same "$cap" ipv6.plen 24
		wire_same "$cap" eth.dst 33:33:00:00:00:12
		for n in cl ka; do
			v=$(ix_lladdr $n)
			check "$IX_MODE: $n: ipv6.src is its link-local address ($v)" \
				test "${v#fe80:}" != "$v" -a "$(wire_count "$cap" vrrp "$(wire_from $n)")" -gt 0
		done
	else
		wire_same "$cap" vrrp.ip_addr "$IX_VIP"
		wire_same "$cap" ip.ttl 255
		wire_same "$cap" ip.proto 112
		if [ "$IX_VER" = 3 ]; then
			wire_same "$cap" ip.len 32
		else
			wire_same "$cap" ip.len 40
		fi
		if [ "$IX_UNICAST" = 0 ]; then
			wire_same "$cap" ip.dst 224.0.0.18
			wire_same "$cap" eth.dst 01:00:5e:00:00:12
		else
			for n in cl ka; do
				v=$(wire_values "$cap" vrrp "$(wire_from $n)" ip.dst)
				check "$IX_MODE: $n: unicast ip.dst is the peer ($v)" \
					test "$v" = "$(ix_addr "$(ix_peer $n)")"
			done
		fi
	fi
	for n in cl ka; do
		v=$(wire_values "$cap" vrrp "$(wire_from $n)" eth.src)
		check "$IX_MODE: $n: adverts from its interface MAC, no virtual MAC ($v)" \
			test "$v" = "$(host_mac $n)"
		v=$(wire_count "$cap" vrrp "$(wire_from $n 0)")
		check "$IX_MODE: $n: one priority-0 advert on SIGTERM ($v)" test "$v" -eq 1
	done
	# Not fixed by the RFC: printed for the record.
	if [ "$IX_FAM" = 6 ]; then
		v=ipv6.tclass
	else
		v=ip.dsfield
	fi
	diag "$IX_MODE: $v: clustd '$(wire_values "$cap" vrrp "$(wire_from cl)" $v)'," \
		"keepalived '$(wire_values "$cap" vrrp "$(wire_from ka)" $v)'"
	[ "$IX_FAM" = 4 ] &&
		diag "$IX_MODE: ip.flags.df: clustd '$(wire_values "$cap" vrrp "$(wire_from cl)" ip.flags.df)'," \
			"keepalived '$(wire_values "$cap" vrrp "$(wire_from ka)" ip.flags.df)'"
	for n in cl ka; do
		read -r _ mean max _ < <(wire_spacing "$cap" vrrp "$(wire_from $n $PRIO)")
		diag "$IX_MODE: $n advert spacing: mean $mean ms, max $max ms (configured $IX_IVL)"
		check "$IX_MODE: $n: adverts every $IX_IVL ms (mean $mean, max $max)" \
			awk -v m="$mean" -v x="$max" -v i="$IX_IVL" \
			'BEGIN { exit !(m > i * 0.9 && m < i * 1.1 && x < i + 60) }'
	done
}

# Gratuitous ARP on becoming master (IPv4). The unicast mode also has
# ordinary ARP for the peer: only packets about the VIP count.
wire_garp() {
	local cap=$1 n c v f tha_cl="" tha_ka=""
	wire_dump "$cap" arp arp "$WIRE_ARP_FIELDS"
	for n in cl ka; do
		f="f[\"eth.src\"] == \"$(host_mac $n)\" &&"
		f="$f (f[\"arp.src.proto_ipv4\"] == \"$IX_VIP\" || f[\"arp.dst.proto_ipv4\"] == \"$IX_VIP\")"
		c=$(wire_count "$cap" arp "$f")
		diag "$IX_MODE: $n: $c gratuitous ARPs, spaced $(wire_spacing "$cap" arp "$f" | cut -d' ' -f4) ms"
		check "$IX_MODE: $n: gratuitous ARPs sent on becoming master ($c)" test "$c" -ge 1
		v=$(wire_values "$cap" arp "$f" arp.opcode)
		check "$IX_MODE: $n: GARP is an ARP request (arp.opcode $v)" test "$v" = 1
		v=$(wire_values "$cap" arp "$f" arp.src.proto_ipv4)
		check "$IX_MODE: $n: GARP sender IP is the VIP ($v)" test "$v" = "$IX_VIP"
		v=$(wire_values "$cap" arp "$f" arp.dst.proto_ipv4)
		check "$IX_MODE: $n: GARP target IP is the VIP ($v)" test "$v" = "$IX_VIP"
		v=$(wire_values "$cap" arp "$f" arp.src.hw_mac)
		check "$IX_MODE: $n: GARP sender MAC is its interface MAC ($v)" test "$v" = "$(host_mac $n)"
		v=$(wire_values "$cap" arp "$f" eth.dst)
		check "$IX_MODE: $n: GARP is broadcast ($v)" test "$v" = ff:ff:ff:ff:ff:ff
		v=$(wire_values "$cap" arp "$f" arp.dst.hw_mac)
		if [ $n = cl ]; then tha_cl=$v; else tha_ka=$v; fi
	done
	check "$IX_MODE: GARP target MAC: clustd '$tha_cl', keepalived '$tha_ka' (same)" \
		test "$tha_cl" = "$tha_ka"
}

# Unsolicited neighbour advertisements on becoming master (IPv6).
wire_una() {
	local cap=$1 n c v f
	wire_dump "$cap" na "icmpv6.type == 136" "$WIRE_NA_FIELDS"
	for n in cl ka; do
		f="f[\"eth.src\"] == \"$(host_mac $n)\""
		c=$(wire_count "$cap" na "$f")
		check "$IX_MODE: $n: unsolicited NAs on becoming master ($c)" test "$c" -ge 1
		diag "$IX_MODE: $n: $c NAs: src $(wire_values "$cap" na "$f" ipv6.src)" \
			"dst $(wire_values "$cap" na "$f" ipv6.dst)" \
			"R=$(wire_values "$cap" na "$f" icmpv6.nd.na.flag.r)" \
			"S=$(wire_values "$cap" na "$f" icmpv6.nd.na.flag.s)" \
			"O=$(wire_values "$cap" na "$f" icmpv6.nd.na.flag.o)" \
			"target $(wire_values "$cap" na "$f" icmpv6.nd.na.target_address)" \
			"TLLA $(wire_values "$cap" na "$f" icmpv6.opt.linkaddr)" \
			"hlim $(wire_values "$cap" na "$f" ipv6.hlim)," \
			"spaced $(wire_spacing "$cap" na "$f" | cut -d' ' -f4) ms"
		v=$(wire_values "$cap" na "$f" icmpv6.nd.na.target_address)
		check "$IX_MODE: $n: NA target is the VIP ($v)" test "$v" = "$IX_VIP"
		v=$(wire_values "$cap" na "$f" icmpv6.opt.linkaddr)
		check "$IX_MODE: $n: NA target link-layer address is its MAC ($v)" test "$v" = "$(host_mac $n)"
		v=$(wire_values "$cap" na "$f" ipv6.dst)
		check "$IX_MODE: $n: NA goes to all-nodes ff02::1 ($v)" test "$v" = ff02::1
		v=$(wire_values "$cap" na "$f" ipv6.hlim)
		check "$IX_MODE: $n: NA hop limit 255 ($v)" test "$v" = 255
		v="S=$(wire_values "$cap" na "$f" icmpv6.nd.na.flag.s) O=$(wire_values "$cap" na "$f" icmpv6.nd.na.flag.o)"
		check "$IX_MODE: $n: NA flags S=0 O=1 ($v)" test "$v" = "S=0 O=1"
	done
	# RFC 5798 (130): the Router flag is set. Asserted for clustd only;
	# keepalived's value is printed above.
	v=$(wire_values "$cap" na "f[\"eth.src\"] == \"$(host_mac cl)\"" icmpv6.nd.na.flag.r)
	check "$IX_MODE: clustd NA has R=1 (RFC 5798 (130)) ($v)" test "$v" = 1
}

for mode in v3-ipv4 v2-ipv4 v3-ipv6 v3-unicast; do
	ix_mode $mode
	capture_start "$mode" "ip proto 112 or ip6 proto 112 or arp or icmp6" ||
		fail "$mode: capture started"
	wire_run clustd cl
	wire_run keepalived ka
	sleep 0.2
	capture_stop "$mode"
	wire_adverts "$mode"
	if [ "$IX_FAM" = 6 ]; then
		wire_una "$mode"
	else
		wire_garp "$mode"
	fi
done

done_testing
