#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A witness in its own namespace, routed (cl_witness_host: not on the
# bridge), serving two clusters:
#  - it runs without any capability (setpriv, empty bounding set) and holds
#    no raw or packet socket, only its UDP ports;
#  - its heartbeats reach both clusters: the routers n1, n2 of "alpha"
#    (real daemons: they see it alive and it sees them) and the member stub
#    s3 of "beta" (a namespace with no daemon: the capture sees the UDP);
#  - status (text and --json) lists both clusters with their members,
#    quorum and split-brain protection; metrics label them; logs name them;
#  - SIGHUP: beta removed and gamma added (alpha's plane kept: same
#    incarnation, no restart), then alpha changed (restarted under a new
#    incarnation that n1 sees), then a config with instances (refused);
#  - quorum = 1 shows "no split-brain protection" (gamma on the witness,
#    and router n1 reloaded with quorum = 1).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
net_init witness_start

WADDR=203.0.113.9
cl_setup 2				# n1, n2 on br0; $T/secret
net_host s3 198.51.100.13/24		# beta's member, no daemon
cl_witness_host w "$WADDR"
cl_witness_route s3
cl_secret "$T/secret2"
cl_secret "$T/secret3"
cl_conf n1 200				# members n1, n2, w
cl_conf n2 150

# wcluster <name> <port> <secret> <members> [<extra>]: one group of the list.
wcluster() {
	printf '  { name = "%s"; port = %s; secret_file = "%s"; heartbeat_interval = %s;\n' \
		"$1" "$2" "$3" "$CL_HB"
	printf '    %s members = ( %s ); }' "${5:-dead_interval = $CL_DEAD;}" "$4"
}
ALPHA_M=$(cl_members | tr -d '\n')
STUB_M="{ name = \"s3\"; address = \"198.51.100.13\"; }, { name = \"w\"; address = \"$WADDR\"; }"

# wconf <cluster groups...>: the witness's config, no instances.
wconf() {
	local sep="" g
	{
		echo "node = { name = \"w\"; state_dir = \"$T/w/state\"; run_dir = \"$T/w/run\"; };"
		echo "cluster = ("
		for g in "$@"; do
			printf '%s%s' "$sep" "$g"
			sep=$',\n'
		done
		printf '\n);\n'
	} >"$T/w.conf"
}
wconf "$(wcluster alpha 5798 "$T/secret" "$ALPHA_M")" "$(wcluster beta 5800 "$T/secret2" "$STUB_M")"
mkdir -p "$T/w/state" "$T/w/run"

# w_q <jq filter>: one value out of the witness's status.
w_q() {
	cl_q w "$1"
}
w_cluster() {
	w_q ".clusters[] | select(.name == \"$1\") | $2"
}
w_view() {
	w_cluster "$1" '[.members[] | "\(.name)=\(.alive)"] | join(" ")'
}

# The witness runs with no capability at all: root's uid (the secret and
# state are root's), an empty bounding set, nothing inheritable.
cat >"$T/nocaps" <<EOF
#!/bin/sh
exec setpriv --bounding-set=-all --inh-caps=-all --ambient-caps=-all --no-new-privs -- "$CLUSTD" "\$@"
EOF
chmod 755 "$T/nocaps"

capture_start hb "udp and src host $WADDR"
CLUSTD="$T/nocaps" clustd_start w
cl_start_all
if ! wait_log 10 w 'running as a witness of 2 cluster\(s\)'; then
	fail "the witness starts without capabilities"
	done_testing
fi
ok "the witness starts without capabilities"
WPID=$(clustd_pid w)
check "its effective and bounding capability sets are empty" eval \
	'[ "$(awk "/^CapEff|^CapBnd/ {print \$2}" /proc/$WPID/status | sort -u)" = 0000000000000000 ]'
check "it logs each cluster's plane by name" eval \
	'log_has w "cluster alpha: node w incarnation [0-9]+, 3 members, quorum 2" &&
	 log_has w "cluster beta: node w incarnation [0-9]+, 2 members, quorum 2"'

# Sockets: the UDP ports of its two planes, no raw (ss -w) or packet (ss -0)
# one. The UDP line shows that ss does name the pid.
udp_ports() {
	nsx w ss -H -u -a -n -p | grep "pid=$WPID," | awk '{print $4}' | sed 's/.*://' | sort -n | tr '\n' ' '
}
check "it listens on UDP 5798 and 5800 (ss -u)" test "$(udp_ports)" = "5798 5800 "
check "it holds no raw socket (ss -w) and no packet socket (ss -0)" eval \
	'! nsx w ss -H -w -a -p | grep -q "pid=$WPID," && ! nsx w ss -H -0 -a -p | grep -q "pid=$WPID,"'

# ------------------------------------------------------- both clusters
check "alpha: the witness sees n1, n2 and itself alive" \
	wait_until 10 eval '[ "$(w_view alpha)" = "n1=true n2=true w=true" ]'
check "n1 and n2 see the witness alive (routed heartbeats both ways)" \
	wait_until 5 eval 'cl_alive_is n1 w true && cl_alive_is n2 w true'
check "n1 becomes the only master" cl_stable_master n1 15
sleep 1
capture_stop hb
to_n1=$(pcap_count hb "ip.dst == 198.51.100.11 && udp.dstport == 5798")
to_s3=$(pcap_count hb "ip.dst == 198.51.100.13 && udp.dstport == 5800")
other=$(pcap_count hb "!(udp.dstport == 5798 || udp.dstport == 5800)")
diag "from the witness: $to_n1 datagrams to n1:5798, $to_s3 to s3:5800, $other else"
check "its heartbeats reach alpha's router n1 (UDP 5798)" test "$to_n1" -gt 5
check "... and beta's member stub s3 (UDP 5800)" test "$to_s3" -gt 5
check "... and nothing else leaves it" test "$other" = 0

check "status: a witness, no instance, clusters alpha and beta" eval \
	'[ "$(w_q "[.witness, (.instances | length), ([.clusters[].name] | join(\",\"))] | join(\" \")")" = "true 0 alpha,beta" ]'
check "status: alpha has quorum (3 of 3, 2 needed), split-brain protection on" eval \
	'[ "$(w_cluster alpha "[.has_quorum, .alive, .needed, .split_brain_protection, .port] | join(\" \")")" = "true 3 2 true 5798" ]'
check "status: beta lacks quorum (only the witness of 2), protection on" eval \
	'[ "$(w_cluster beta "[.has_quorum, .alive, .needed, .split_brain_protection, .port] | join(\" \")")" = "false 1 2 true 5800" ]'
check "status: alpha's vote_lease is its dead_interval ($CL_DEAD ms)" eval \
	'[ "$(w_cluster alpha .vote_lease_ms)" = "$CL_DEAD" ]'
nsx w "$CLUSTD" -f "$T/w.conf" status >"$T/w.status" 2>&1
check "text status: one block per cluster" eval \
	'grep -q "^cluster alpha: quorum HELD (3 of 3 alive, 2 needed)" "$T/w.status" &&
	 grep -q "^cluster beta: quorum LOST (1 of 2 alive, 2 needed)" "$T/w.status"'
check "text status: no 'no split-brain protection' line" eval '! grep -q "no split-brain" "$T/w.status"'
nsx w "$CLUSTD" -f "$T/w.conf" metrics >"$T/w.prom" 2>&1
check "metrics: quorum per cluster label" eval \
	'grep -qx "clustd_cluster_quorum{cluster=\"alpha\"} 1" "$T/w.prom" &&
	 grep -qx "clustd_cluster_quorum{cluster=\"beta\"} 0" "$T/w.prom"'

# ------------------------------------------- reload: beta out, gamma in
INC0=$(cl_inc_of n1 w)
wconf "$(wcluster alpha 5798 "$T/secret" "$ALPHA_M")" \
	"$(wcluster gamma 5801 "$T/secret3" "$STUB_M" "dead_interval = $CL_DEAD; quorum = 1;")"
m=$(log_lines w)
clustd_signal w HUP
check "reload 1 applied" wait_log 5 w 'reload: config applied' "$m"
check "beta's plane closes, gamma's starts" eval \
	'log_has w "reload: cluster beta: removed from the config: closing its plane" "$m" &&
	 log_has w "cluster gamma: node w incarnation [0-9]+, 2 members, quorum 1" "$m"'
check "alpha's plane is kept (not restarted)" eval \
	'! log_has w "cluster alpha: (node w incarnation|settings changed)" "$m"'
check "n1 still sees the witness, under the same incarnation" eval \
	'[ "$(cl_inc_of n1 w)" = "$INC0" ] && cl_alive_is n1 w true'
check "it listens on UDP 5798 and 5801 now, not 5800" test "$(udp_ports)" = "5798 5801 "
check "status: clusters alpha and gamma" eval '[ "$(w_q "[.clusters[].name] | join(\",\")")" = "alpha,gamma" ]'
check "status: gamma (quorum = 1) has no split-brain protection" eval \
	'[ "$(w_cluster gamma "[.needed, .has_quorum, .split_brain_protection] | join(\" \")")" = "1 true false" ]'
nsx w "$CLUSTD" -f "$T/w.conf" status >"$T/w.status" 2>&1
check "text status: 'cluster gamma: no split-brain protection (quorum = 1: plain VRRP)'" \
	grep -qx 'cluster gamma: no split-brain protection (quorum = 1: plain VRRP)' "$T/w.status"
capture_start hb2 "udp and src host $WADDR"
sleep 1
capture_stop hb2
to_5801=$(pcap_count hb2 "ip.dst == 198.51.100.13 && udp.dstport == 5801")
to_5800=$(pcap_count hb2 "udp.dstport == 5800")
diag "after reload 1: $to_5801 datagrams to s3:5801, $to_5800 to port 5800"
check "heartbeats go to gamma's port 5801 and no more to beta's 5800" test "$to_5801" -gt 5 -a "$to_5800" = 0
nsx w "$CLUSTD" -f "$T/w.conf" metrics >"$T/w.prom" 2>&1
check "metrics: gamma labelled, beta gone" eval \
	'grep -qx "clustd_cluster_quorum{cluster=\"gamma\"} 1" "$T/w.prom" && ! grep -q "cluster=\"beta\"" "$T/w.prom"'

# --------------------------------------------- reload: alpha changed
wconf "$(wcluster alpha 5798 "$T/secret" "$ALPHA_M" "dead_interval = 550;")" \
	"$(wcluster gamma 5801 "$T/secret3" "$STUB_M" "dead_interval = $CL_DEAD; quorum = 1;")"
m=$(log_lines w)
clustd_signal w HUP
check "reload 2 applied" wait_log 5 w 'reload: config applied' "$m"
check "alpha's plane restarts, gamma's is kept" eval \
	'log_has w "reload: cluster alpha: settings changed: restarting its plane" "$m" &&
	 ! log_has w "cluster gamma: (node w incarnation|settings changed)" "$m"'
check "n1 sees the witness's new incarnation, alive" wait_until 5 eval \
	'inc=$(cl_inc_of n1 w); [ "$inc" != none ] && [ "$inc" -gt "$INC0" ] && cl_alive_is n1 w true'
check "status: alpha's dead_interval is 550 ms, the view intact" eval \
	'[ "$(w_cluster alpha .dead_interval_ms)" = 550 ] && [ "$(w_view alpha)" = "n1=true n2=true w=true" ]'

# ------------------------------------ reload: a router config is refused
cp "$T/w.conf" "$T/w.conf.keep"
wconf "$(wcluster alpha 5798 "$T/secret" "$ALPHA_M")"
cat >>"$T/w.conf" <<EOF
instances = ( { name = "web"; interface = "eth0"; vrid = 51; vips = [ "$CL_VIP/24" ]; } );
EOF
check "(that config is a valid router config)" eval '"$CLUSTD" -t -f "$T/w.conf" >/dev/null'
m=$(log_lines w)
clustd_signal w HUP
check "a reload that would make the witness a router is refused" \
	wait_log 5 w "reload failed: .* would make this witness a router node" "$m"
cp "$T/w.conf.keep" "$T/w.conf"
check "... and the witness runs on with its clusters" eval \
	'clustd_alive w && [ "$(w_q "[.witness, ([.clusters[].name] | join(\",\"))] | join(\" \")")" = "true alpha,gamma" ]'

# ------------------------------------------ a router with quorum = 1
check "n1 (quorum 2 of 3): split-brain protection" eval '[ "$(cl_q n1 .cluster.split_brain_protection)" = true ]'
cl_conf n1 200 "quorum = 1;"
m=$(log_lines n1)
clustd_signal n1 HUP
check "n1 reloads with quorum = 1" wait_log 5 n1 'reload: config applied' "$m"
check "n1 status --json: split_brain_protection false" eval \
	'[ "$(cl_q n1 "[.cluster.needed, .cluster.split_brain_protection] | join(\" \")")" = "1 false" ]'
nsx n1 "$CLUSTD" -f "$T/n1.conf" status >"$T/n1.status" 2>&1
check "n1 text status: 'cluster plane: no split-brain protection (quorum = 1: plain VRRP)'" \
	grep -qx 'cluster plane: no split-brain protection (quorum = 1: plain VRRP)' "$T/n1.status"

done_testing
