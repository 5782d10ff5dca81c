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
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_interop.sh"
net_init wire

PRIO=150
ix_topology

# wire_fields <capture> <display filter> <field...>: tshark field dump with
# the RFC 5798 checksum (pseudo-header) for VRRPv3 over IPv4.
wire_fields() {
	local name=$1 df=$2 f args=()
	shift 2
	for f in "$@"; do
		args+=(-e "$f")
	done
	tshark -n -o vrrp.v3_checksum_as_in_v2:FALSE -r "$T/$name.pcap" -Y "$df" \
		-T fields -E occurrence=a -E aggregator=, "${args[@]}" 2>/dev/null
}

# wire_values <capture> <display filter> <field>: the distinct values seen,
# comma separated ("" if none).
wire_values() {
	wire_fields "$1" "$2" "$3" | sort -u | paste -sd'|'
}

# wire_same <capture> <field> <expected> [<extra filter>]: the field has
# exactly the expected value in every master advert of both.
wire_same() {
	local cap=$1 field=$2 want=$3 extra=${4:+ && $4} a b
	a=$(wire_values "$cap" "$(wire_from cl)$extra" "$field")
	b=$(wire_values "$cap" "$(wire_from ka)$extra" "$field")
	check "$IX_MODE: $field: clustd '$a', keepalived '$b', expected '$want'" \
		test "$a" = "$want" -a "$b" = "$want"
}

# wire_from <node>: display filter for the node's adverts.
wire_from() {
	if [ "$IX_FAM" = 6 ]; then
		echo "vrrp && ipv6.src == $(ix_lladdr "$1")"
	else
		echo "vrrp && ip.src == $(ix_addr "$1")"
	fi
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
	local cap=$1 dst v n
	if [ "$IX_UNICAST" = 1 ]; then
		dst=""	# per node, below
	elif [ "$IX_FAM" = 6 ]; then
		dst=ff02::12
	else
		dst=224.0.0.18
	fi
	for n in cl ka; do
		v=$(pcap_count_o "$cap" "$(wire_from $n) && vrrp.prio == $PRIO")
		diag "$IX_MODE: $n sent $v master adverts"
		check "$IX_MODE: $n: at least 4 master adverts captured ($v)" test "$v" -ge 4
	done
	wire_same "$cap" vrrp.version "$IX_VER" "vrrp.prio == $PRIO"
	wire_same "$cap" vrrp.type 1 "vrrp.prio == $PRIO"
	wire_same "$cap" vrrp.virt_rtr_id $IX_VRID "vrrp.prio == $PRIO"
	wire_same "$cap" vrrp.addr_count 1 "vrrp.prio == $PRIO"
	wire_same "$cap" vrrp.checksum.status 1 ""
	if [ "$IX_VER" = 3 ]; then
		wire_same "$cap" vrrp.short_adver_int $((IX_IVL / 10)) ""
		wire_same "$cap" vrrp.reserved_mbz 0 ""
	else
		wire_same "$cap" vrrp.adver_int $((IX_IVL / 1000)) ""
		wire_same "$cap" vrrp.auth_type 0 ""
		# Same bytes in, same v2 checksum out (no pseudo-header in v2):
		# the two messages are identical, auth data included.
		wire_same "$cap" vrrp.checksum "$(wire_values "$cap" "$(wire_from cl) && vrrp.prio == $PRIO" vrrp.checksum)" \
			"vrrp.prio == $PRIO"
	fi
	if [ "$IX_FAM" = 6 ]; then
		wire_same "$cap" vrrp.ipv6_addr "$IX_VIP" ""
		wire_same "$cap" ipv6.dst ff02::12 ""
		wire_same "$cap" ipv6.hlim 255 ""
		wire_same "$cap" ipv6.nxt 112 ""
		wire_same "$cap" ipv6.plen 24 ""
		wire_same "$cap" eth.dst 33:33:00:00:00:12 ""
		for n in cl ka; do
			v=$(ix_lladdr $n)
			check "$IX_MODE: $n: ipv6.src is its link-local address ($v)" \
				test "${v#fe80:}" != "$v" -a "$(pcap_count_o "$cap" "$(wire_from $n)")" -gt 0
		done
	else
		wire_same "$cap" vrrp.ip_addr "$IX_VIP" ""
		wire_same "$cap" ip.ttl 255 ""
		wire_same "$cap" ip.proto 112 ""
		if [ "$IX_VER" = 3 ]; then
			wire_same "$cap" ip.len 32 ""
		else
			wire_same "$cap" ip.len 40 ""
		fi
		if [ -n "$dst" ]; then
			wire_same "$cap" ip.dst "$dst" ""
			wire_same "$cap" eth.dst 01:00:5e:00:00:12 ""
		else
			for n in cl ka; do
				v=$(wire_values "$cap" "$(wire_from $n)" ip.dst)
				check "$IX_MODE: $n: unicast ip.dst is the peer ($v)" \
					test "$v" = "$(ix_addr "$(ix_peer $n)")"
			done
		fi
	fi
	for n in cl ka; do
		v=$(wire_values "$cap" "$(wire_from $n)" eth.src)
		check "$IX_MODE: $n: adverts from its interface MAC, no virtual MAC ($v)" \
			test "$v" = "$(host_mac $n)"
		v=$(pcap_count_o "$cap" "$(wire_from $n) && vrrp.prio == 0")
		check "$IX_MODE: $n: one priority-0 advert on SIGTERM ($v)" test "$v" -eq 1
	done
	# Not fixed by the RFC: printed for the record.
	if [ "$IX_FAM" = 6 ]; then
		v=ipv6.tclass
	else
		v=ip.dsfield
	fi
	diag "$IX_MODE: $v: clustd '$(wire_values "$cap" "$(wire_from cl)" $v)', keepalived '$(wire_values "$cap" "$(wire_from ka)" $v)'"
	[ "$IX_FAM" = 4 ] &&
		diag "$IX_MODE: ip.flags.df: clustd '$(wire_values "$cap" "$(wire_from cl)" ip.flags.df)', keepalived '$(wire_values "$cap" "$(wire_from ka)" ip.flags.df)'"
	for n in cl ka; do
		v=$(wire_fields "$cap" "$(wire_from $n) && vrrp.prio == $PRIO" frame.time_epoch |
			awk 'NR > 1 { g = ($1 - p) * 1000; s += g; if (g > m) m = g } { p = $1 }
			     END { if (NR > 1) printf "%.1f %.1f", s / (NR - 1), m; else print "0 0" }')
		diag "$IX_MODE: $n advert spacing: mean ${v% *} ms, max ${v#* } ms (configured $IX_IVL)"
		check "$IX_MODE: $n: adverts every $IX_IVL ms (mean ${v% *}, max ${v#* })" \
			awk -v m="${v% *}" -v x="${v#* }" -v i="$IX_IVL" \
			'BEGIN { exit !(m > i * 0.9 && m < i * 1.1 && x < i + 60) }'
	done
}

pcap_count_o() {
	wire_fields "$1" "$2" frame.number | grep -c .
}

# Gratuitous ARP on becoming master (IPv4).
wire_garp() {
	local cap=$1 n f c v
	for n in cl ka; do
		f="arp && eth.src == $(host_mac $n)"
		c=$(pcap_count_o "$cap" "$f")
		diag "$IX_MODE: $n: $c gratuitous ARPs, spaced $(wire_fields "$cap" "$f" frame.time_delta_displayed |
			tail -n +2 | awk '{ printf "%s%.1f", NR > 1 ? "/" : "", $1 * 1000 }') ms"
		check "$IX_MODE: $n: gratuitous ARPs sent on becoming master ($c)" test "$c" -ge 1
		v=$(wire_values "$cap" "$f" arp.opcode)
		check "$IX_MODE: $n: GARP is an ARP request (arp.opcode $v)" test "$v" = 1
		v=$(wire_values "$cap" "$f" arp.src.proto_ipv4)
		check "$IX_MODE: $n: GARP sender IP is the VIP ($v)" test "$v" = "$IX_VIP"
		v=$(wire_values "$cap" "$f" arp.dst.proto_ipv4)
		check "$IX_MODE: $n: GARP target IP is the VIP ($v)" test "$v" = "$IX_VIP"
		v=$(wire_values "$cap" "$f" arp.src.hw_mac)
		check "$IX_MODE: $n: GARP sender MAC is its interface MAC ($v)" test "$v" = "$(host_mac $n)"
		v=$(wire_values "$cap" "$f" eth.dst)
		check "$IX_MODE: $n: GARP is broadcast ($v)" test "$v" = ff:ff:ff:ff:ff:ff
		eval "garp_tha_$n=\$(wire_values \"\$cap\" \"\$f\" arp.dst.hw_mac)"
	done
	# shellcheck disable=SC2154 # set by the eval above
	check "$IX_MODE: GARP target MAC: clustd '$garp_tha_cl', keepalived '$garp_tha_ka' (same)" \
		test "$garp_tha_cl" = "$garp_tha_ka"
}

# Unsolicited neighbour advertisements on becoming master (IPv6).
wire_una() {
	local cap=$1 n f c v
	for n in cl ka; do
		f="icmpv6.type == 136 && eth.src == $(host_mac $n)"
		c=$(pcap_count_o "$cap" "$f")
		check "$IX_MODE: $n: unsolicited NAs on becoming master ($c)" test "$c" -ge 1
		diag "$IX_MODE: $n NA: src $(wire_values "$cap" "$f" ipv6.src) dst $(wire_values "$cap" "$f" ipv6.dst)" \
			"R=$(wire_values "$cap" "$f" icmpv6.nd.na.flag.r) S=$(wire_values "$cap" "$f" icmpv6.nd.na.flag.s)" \
			"O=$(wire_values "$cap" "$f" icmpv6.nd.na.flag.o) target $(wire_values "$cap" "$f" icmpv6.nd.na.target_address)" \
			"TLLA $(wire_values "$cap" "$f" icmpv6.opt.linkaddr) hlim $(wire_values "$cap" "$f" ipv6.hlim)"
		v=$(wire_values "$cap" "$f" icmpv6.nd.na.target_address)
		check "$IX_MODE: $n: NA target is the VIP ($v)" test "$v" = "$IX_VIP"
		v=$(wire_values "$cap" "$f" icmpv6.opt.linkaddr)
		check "$IX_MODE: $n: NA target link-layer address is its MAC ($v)" test "$v" = "$(host_mac $n)"
		v=$(wire_values "$cap" "$f" ipv6.dst)
		check "$IX_MODE: $n: NA goes to all-nodes ff02::1 ($v)" test "$v" = ff02::1
		v=$(wire_values "$cap" "$f" ipv6.hlim)
		check "$IX_MODE: $n: NA hop limit 255 ($v)" test "$v" = 255
		v="$(wire_values "$cap" "$f" icmpv6.nd.na.flag.s)$(wire_values "$cap" "$f" icmpv6.nd.na.flag.o)"
		check "$IX_MODE: $n: NA flags S=0 O=1 ($v)" test "$v" = 01
	done
	# RFC 5798 (130): the Router flag is set. Asserted for clustd only;
	# keepalived's value is printed above.
	v=$(wire_values "$cap" "icmpv6.type == 136 && eth.src == $(host_mac cl)" icmpv6.nd.na.flag.r)
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
