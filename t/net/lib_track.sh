# SPDX-License-Identifier: GPL-2.0-or-later
# t/net/lib_track.sh - helpers for the health-tracking and sync-group tests
# (and scripts/bench-track.sh).
#
# Source it after lib.sh:
#	. "$(dirname "$0")/lib.sh"
#	. "$(dirname "$0")/lib_track.sh"
#
# Web servers: `python3 -m http.server 80` inside a node's namespace, serving
# an index.html that holds the node's name, so a client can tell who answered
# through the VIP. Everything started here is recorded by PID (and stopped by
# the lib.sh cleanup); every loop is bounded in time.

# The real interpreter, not a version-manager shim: it is started many
# times (client, checks), and the daemon runs the check scripts with
# whatever PATH it inherited.
TR_PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
[ -x "$TR_PY" ] || TR_PY=$(command -v python3)

# ------------------------------------------------------------ web

# tr_web_start <node>: the node's web server on port 80 (all addresses, so
# the VIP too); returns once it answers on 127.0.0.1 (10 s at most).
tr_web_start() {
	local node=$1 dir=$T/$1-www pid
	mkdir -p "$dir"
	echo "$node" >"$dir/index.html"
	# ip netns exec execs the program: $! is the server itself.
	ip netns exec "${P}$node" "${NET_INSTRUMENT[@]}" "$TR_PY" -m http.server 80 --bind 0.0.0.0 --directory "$dir" \
		>>"$T/$node-web.log" 2>&1 &
	pid=$!
	echo "$pid" >"$T/$node.web.pid"
	NET_BG_PIDS="$NET_BG_PIDS $pid"
	wait_until 10 nsx "$node" "$T/check_http.sh" 127.0.0.1
}

# tr_web_stop <node>: stop it (SIGKILL: the service dies, no goodbye).
tr_web_stop() {
	local pid
	pid=$(cat "$T/$1.web.pid" 2>/dev/null)
	[ -n "$pid" ] || return 1
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	NET_BG_PIDS=$(echo " $NET_BG_PIDS " | sed "s/ $pid / /")
	rm -f "$T/$1.web.pid"
	return 0
}

# tr_http_check_script: $T/check_http.sh <ip>, the track script: exit 0 if
# http://<ip>/ answers "200" within 0.3 s. Plain bash (/dev/tcp): a check
# every 100 ms on every node must cost next to nothing.
tr_http_check_script() {
	cat >"$T/check_http.sh" <<'EOF'
#!/bin/bash
# check_http.sh <ip>: 0 if http://<ip>/ answers 200 within 0.3 s.
exec 2>/dev/null
exec 3<>"/dev/tcp/$1/80" || exit 1
printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$1" >&3 || exit 1
IFS= read -r -t 0.3 line <&3 || exit 1
case $line in
"HTTP/1."?" 200"*) exit 0 ;;
esac
exit 1
EOF
	chmod 755 "$T/check_http.sh"
}

# ---------------------------------------------------------- client

# tr_client_start <name> <client node> <url> [<max_s> [<period_ms> [<timeout_s>]]]:
# fetch the URL every period (default 50 ms; a new connection each time,
# timeout default 0.3 s, no proxy) for at most max_s (default 60) seconds.
# One line per request into $T/<name>.client:
#	<start ms> <end ms> <body, i.e. the node's name | FAIL:<error>>
tr_client_start() {
	local name=$1 node=$2 url=$3 max_s=${4:-60} period=${5:-50} tmo=${6:-0.3} pid
	cat >"$T/client.py" <<'EOF'
import sys, time, urllib.request
url, out, max_s = sys.argv[1], sys.argv[2], float(sys.argv[3])
period, tmo = float(sys.argv[4]) / 1000, float(sys.argv[5])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
end = time.time() + max_s
due = time.time()
with open(out, "a", buffering=1) as f:
    while time.time() < end:
        t0 = time.time()
        try:
            with opener.open(url, timeout=tmo) as r:
                res = r.read(64).decode(errors="replace").split()[0]
        except Exception as e:  # any failure is an outage sample
            res = "FAIL:" + type(e).__name__
        t1 = time.time()
        f.write("%d %d %s\n" % (t0 * 1000, t1 * 1000, res))
        due += period
        delay = due - time.time()
        if delay > 0:
            time.sleep(delay)
        else:
            due = time.time()
EOF
	: >"$T/$name.client"
	ip netns exec "${P}$node" "${NET_INSTRUMENT[@]}" "$TR_PY" "$T/client.py" "$url" "$T/$name.client" "$max_s" \
		"$period" "$tmo" 2>>"$T/$name.client.err" &
	pid=$!
	echo "$pid" >"$T/$name.client.pid"
	NET_BG_PIDS="$NET_BG_PIDS $pid"
}

tr_client_stop() {
	local pid
	pid=$(cat "$T/$1.client.pid" 2>/dev/null)
	[ -n "$pid" ] && net_stop_pid "$pid" 1000
	return 0
}

# tr_client_last <name>: body of the latest request (or FAIL:...).
tr_client_last() {
	tail -n 1 "$T/$1.client" 2>/dev/null | awk '{print $3}'
}

# tr_client_answered <name> <node> <since_ms> [<n>]: n (default 3) requests
# in a row started after since_ms were answered by node, the latest ones.
tr_client_answered() {
	awk -v s="$3" -v n="$2" -v want="${4:-3}" '
		$1 >= s { if ($3 == n) run++; else run = 0 }
		END { exit !(run >= want) }' "$T/$1.client" 2>/dev/null
}

# tr_outage <name> <from_ms> <to_ms> <new node>: the move of the service
# as the client saw it, for requests started in [from, to]:
#	<outage_ms> <failed> <requests> <first_fail_ms> <first_new_ms>
# outage = start of the first request answered by <new node> after the
# first failure - start of that first failed request (0 and the
# first-fail field "-" when nothing failed). failed = requests that did
# not get an answer, between from and the first answer from <new node>.
tr_outage() {
	awk -v from="$2" -v to="$3" -v newn="$4" '
		$1 < from || $1 > to { next }
		{ n++ }
		done { next }
		$3 ~ /^FAIL/ { failed++; if (ff == "") ff = $1; next }
		$3 == newn { fn = $1; done = 1 }
		END {
			if (fn == "") { print "-1", failed + 0, n + 0, (ff == "" ? "-" : ff), "-"; exit }
			if (ff == "") print 0, 0, n + 0, "-", fn
			else print fn - ff, failed, n + 0, ff, fn
		}' "$T/$1.client"
}

# ---------------------------------------------------------- status

# tr_status <node>: `clustd status --json` inside the node (5 s at most);
# its stderr goes to $T/status.err.
tr_status() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" status --json 2>"$T/status.err"
}

# tr_status_answers <node> <desc>: a TAP check that the status command
# works, quoting its error if not.
tr_status_answers() {
	if tr_status "$1" >/dev/null; then
		ok "$2"
		return 0
	fi
	fail "$2 (it said: $(head -c 300 "$T/status.err" | tr '\n' ' '))"
	return 1
}

# tr_inst <node> <instance> <field>: one field of an instance's status
# (priority, state; faults as a comma-separated list).
tr_inst() {
	tr_status "$1" | "$TR_PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit(1)
for i in d.get("instances", []):
    if i.get("name") == sys.argv[1]:
        v = i.get(sys.argv[2])
        print(",".join(map(str, v)) if isinstance(v, list) else v)
        sys.exit(0)
sys.exit(1)' "$2" "$3"
}

# tr_inst_is <node> <instance> <field> <value>
tr_inst_is() {
	[ "$(tr_inst "$1" "$2" "$3")" = "$4" ]
}

# tr_prio_is <node> <instance> <priority>
tr_prio_is() {
	tr_inst_is "$1" "$2" priority "$3"
}

# ----------------------------------------------------------- wire

# tr_wire_prios <capture> <src ip> [<vrid>]: priorities in the adverts from
# src, in order, duplicates squeezed ("150 50 150").
tr_wire_prios() {
	pcap_fields "$1" "vrrp && ip.src == $2 && vrrp.virt_rtr_id == ${3:-51}" vrrp.prio |
		uniq | tr '\n' ' ' | sed 's/ $//'
}

# -------------------------------------------------- VIP pair sampler

# tr_pair_sampler_start <name> <max_s> <vipA> <devA> <vipB> <devB>: every
# 20 ms (deadline-paced), in the background, bounded by max_s, one line
# into $T/<name>.pairs:
#	<ms> <node>=<A><B> ...	(1 = holds that VIP, 0 = not), every host.
# t/tools/vip_sampler.py --format pairs: one netlink dump per host and
# sample gives both VIPs. Returns once the first sample is in.
tr_pair_sampler_start() {
	local name=$1 max_s=$2 va=$3 da=$4 vb=$5 db=$6
	# shellcheck disable=SC2046 # one word per host
	net_sampler_bg "$T/$name.pairs.pid" "$T/$name.pairs" --format pairs --period-ms 20 \
		--max-s "$max_s" --vip "$va" --dev "$da" --vip "$vb" --dev "$db" $(net_sampler_hosts)
}

tr_pair_sampler_stop() {
	net_sampler_stop "$T/$1.pairs.pid" "$T/$1.pairs"
}

# tr_pair_split <name>: the longest time a host held exactly one of the two
# VIPs (first split sample to the first sample after it), as
#	<ms> <host> <start ms> <samples>
# ("0 - - <samples>" if never).
tr_pair_split() {
	awk '
		{
			n++
			for (i = 2; i <= NF; i++) {
				split($i, kv, "=")
				h = kv[1]
				if (kv[2] == "10" || kv[2] == "01") {
					if (!(h in since)) since[h] = $1
				} else if (h in since) {
					d = $1 - since[h]
					if (d > best) { best = d; bh = h; bs = since[h] }
					delete since[h]
				}
			}
			last = $1
		}
		END {
			for (h in since) {
				d = last - since[h]
				if (d > best) { best = d; bh = h; bs = since[h] }
			}
			if (best == "") print 0, "-", "-", n + 0
			else print best, bh, bs, n + 0
		}' "$T/$1.pairs"
}
