#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# doc/web-services.md cannot rot (issue 17): every config block marked
# "<!-- sample: NAME -->" there is read from the file, its /etc/clustd/
# paths pointed into the test's directory, and checked with clustd -t in a
# node; the 3-node one (web2 and web3 made from web1 as its comment says)
# then runs for real behind nginx on each node, with a client fetching the
# VIP every 10 ms: web1's nginx stops -> web1 hands over to web2 at once
# (the fast path the doc promises); nginx back -> web1 preempts.
# The example notify scripts of etc/clustd/ run as clustd runs them (argv
# and CLUSTD_* environment, nothing else), with stand-ins for logger,
# nginx and systemctl, and curl posting to a small server in a node.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
. "$(dirname "$0")/lib_track.sh"
. "$(dirname "$0")/lib_web.sh"
web_need_nginx
net_init web_samples
TOP=$(cd "$(dirname "$0")/../.." && pwd)
DOC=$TOP/doc/web-services.md
VIP=198.51.100.100
CL_VIP=$VIP

# sample <name>: the block after "<!-- sample: name -->" in the doc.
sample() {
	awk -v want="<!-- sample: $1 -->" '
		$0 == want { found = 1; next }
		found == 1 && /^```/ { found = 2; next }
		found == 2 && /^```/ { exit }
		found == 2 { print }' "$DOC"
}

# localize <node>: stdin's config with its paths under $T, to stdout.
localize() {
	sed -e "s|/etc/clustd/|$T/etc/clustd/|g" \
		-e "s|^node = { name = \"$1\";|node = { name = \"$1\"; state_dir = \"$T/$1/state\"; run_dir = \"$T/$1/run\";|"
}

mkdir -p "$T/etc/clustd"
for f in "$TOP"/etc/clustd/*.sh; do
	install -m 0755 "$f" "$T/etc/clustd/"
done
cl_secret "$T/etc/clustd/secret"

net_bridge
net_host web1 198.51.100.11/24
net_host web2 198.51.100.12/24
net_host web3 198.51.100.13/24
net_host c 198.51.100.200/24
tr_http_check_script

# ---- every sample passes clustd -t
names=$(sed -n 's/^<!-- sample: \([a-z0-9-]*\) -->$/\1/p' "$DOC")
check "the doc has the 2- and 3-node samples ($(echo $names))" \
	test "$(echo $names)" = "two-web1 two-web2 three-web1"
for s in $names; do
	node=${s#*-}
	mkdir -p "$T/$node/state" "$T/$node/run"
	sample "$s" | localize "$node" >"$T/$s.conf"
	if out=$(nsx "$node" "$CLUSTD" -t -f "$T/$s.conf" 2>&1); then
		ok "sample $s: clustd -t: $out"
	else
		fail "sample $s: clustd -t: $out"
	fi
done
# web2 and web3 of the 3-node sample, as its comment says.
cp "$T/three-web1.conf" "$T/web1.conf"
sed -e 's/name = "web1"; state_dir/name = "web2"; state_dir/' -e "s|$T/web1/|$T/web2/|g" \
	-e 's/priority = 200;/priority = 150;/' "$T/three-web1.conf" >"$T/web2.conf"
sed -e 's/name = "web1"; state_dir/name = "web3"; state_dir/' -e "s|$T/web1/|$T/web3/|g" \
	-e 's/priority = 200;/priority = 100;/' "$T/three-web1.conf" >"$T/web3.conf"
for n in web2 web3; do
	check "sample three-$n (made from web1): clustd -t" nsx "$n" "$CLUSTD" -t -f "$T/$n.conf"
done

# ---- the 3-node sample, for real
for n in web1 web2 web3; do
	web_nginx_start "$n" $VIP || fail "nginx on $n"
done
CL_NODES="web1 web2 web3"
for n in $CL_NODES; do
	clustd_start "$n"
done
check "web1 is master (priority 200)" cl_stable_master web1 15
check "the checks pass: web1 at 200" wait_until 5 tr_prio_is web1 web 200
tr_client_start web c "http://$VIP/" 60 10 1
check "the client is served by web1" wait_until 10 tr_client_answered web web1 0 5
m1=$(log_lines web1)
t0=$(now_ms)
check "web1's nginx stopped" web_nginx_stop web1
check "web1 hands over at once: 'effective priority fell to 50 (configured 200): web2 (priority 150) takes over'" \
	wait_log 5 web1 'web: effective priority fell to 50 \(configured 200\): web2 \(priority 150\) takes over' "$m1"
check "the client is served by web2" wait_until 10 tr_client_answered web web2 "$t0" 3
check "web2 holds the VIP alone" wait_until 3 only_holder web2 $VIP
read -r out nfail nreq ff fn <<<"$(tr_outage web "$t0" "$(now_ms)" web2)"
diag "web1's nginx stopped: outage $out ms, $nfail of $nreq requests failed"
check "client-visible outage under 3 s ($out ms)" eval '[ "$out" -ge 0 ] && [ "$out" -lt 3000 ]'
check "web1's status: check nginx failing, refused counted" \
	eval '[ "$(web_check web1 nginx .healthy)" = false ] && web_check_ge web1 nginx refused 2'
m1=$(log_lines web1)
t0=$(now_ms)
check "web1's nginx back" web_nginx_start web1 $VIP
check "web1 preempts: the client is served by web1" wait_until 10 tr_client_answered web web1 "$t0" 3
read -r out nfail nreq ff fn <<<"$(tr_outage web "$t0" "$(now_ms)" web1)"
diag "web1's nginx back: $nfail of $nreq requests failed in the preemption"
check "web1's notify-log.sh ran on each transition and exited 0" \
	eval 'log_has web1 "notify-log.sh exited 0" && ! log_has web1 "notify-log.sh (exited [1-9]|killed|could not)"'
tr_client_stop web

# ---- the example scripts, as clustd runs them
mkdir -p "$T/fakebin"
for prog in logger nginx systemctl; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/fake.calls"\nexit 0\n' "$prog" "$T" >"$T/fakebin/$prog"
	chmod 755 "$T/fakebin/$prog"
done
# run_notify <script> <state> [<PATH>]: argv and environment as clustd gives them.
run_notify() {
	env -i PATH="${3:-$T/fakebin:/usr/sbin:/usr/bin:/sbin:/bin}" LANG=C.UTF-8 HOME=/root USER=root \
		LOGNAME=root CLUSTD_INSTANCE=web CLUSTD_STATE="$2" CLUSTD_PREV_STATE=BACKUP \
		CLUSTD_VIPS="$VIP/24" CLUSTD_REASON='higher "priority" advert' \
		"$T/etc/clustd/$1" INSTANCE web "$2" 150
}
: >"$T/fake.calls"
check "notify-log.sh exits 0" run_notify notify-log.sh MASTER
check "notify-log.sh: one journal line with the instance, states, reason and VIPs" \
	grep -q "^logger -t clustd-notify -p daemon.notice -- instance web: BACKUP -> MASTER (priority 150): higher \"priority\" advert \[VIPs: $VIP/24\]" "$T/fake.calls"
: >"$T/fake.calls"
check "notify-nginx.sh exits 0" run_notify notify-nginx.sh MASTER
check "notify-nginx.sh: nginx -t, then a reload" \
	eval '[ "$(grep -c "^nginx -t -q" "$T/fake.calls")" = 1 ] && grep -q "^nginx -s reload" "$T/fake.calls"'
: >"$T/fake.calls"
check "notify-nginx.sh: STOP leaves nginx alone" \
	eval 'run_notify notify-nginx.sh STOP && ! grep -q nginx "$T/fake.calls"'

# The webhook: curl for real, to a server in node c that keeps the body.
cat >"$T/hook.py" <<'EOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(sys.argv[1], "wb") as f:
            f.write(body)
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", 8099), H).serve_forever()
EOF
ip netns exec "${P}c" "$TR_PY" "$T/hook.py" "$T/hook.body" >>"$T/hook.log" 2>&1 &
NET_BG_PIDS="$NET_BG_PIDS $!"
sed -i 's|^URL=.*|URL="http://127.0.0.1:8099/hook"|' "$T/etc/clustd/notify-webhook.sh"
check "the hook server is up" wait_until 10 nsx c bash -c 'exec 3<>/dev/tcp/127.0.0.1/8099' 2>/dev/null
check "notify-webhook.sh posts (exit 0)" \
	nsx c env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CLUSTD_INSTANCE=web CLUSTD_STATE=FAULT \
	CLUSTD_PREV_STATE=MASTER CLUSTD_VIPS="$VIP/24" CLUSTD_REASON='track "check nginx" failed' \
	"$T/etc/clustd/notify-webhook.sh" INSTANCE web FAULT 50
check "the webhook body is JSON with the transition" \
	eval 'jq -e ".instance == \"web\" and .state == \"FAULT\" and .prev_state == \"MASTER\" and
	      .priority == 50 and .vips == \"$VIP/24\" and .reason == \"track \\\"check nginx\\\" failed\"" \
	      "$T/hook.body" >/dev/null'

done_testing
