#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A request in flight on the master when it hands over (issue 11: "0
# failed client requests"; src/settle.h). The flake of
# test_handover_rolling made certain: n1's web server, on a request for
# /handover, starts `clustd handover` itself and answers 40 ms later, so
# the handover always comes while the request is accepted, acknowledged
# and not yet answered. Before settle.c, n1 deleted the VIP at once: the
# answer could not leave (the kernel sends from no address it does not
# have) and the client waited for its 2 s timeout. Now n1 releases once
# the connection is done (within 50 ms): the client gets n1's answer, the
# handover still completes, and the next request is n2's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cluster.sh"
. "$(dirname "$0")/lib_track.sh"
. "$(dirname "$0")/lib_handover.sh"
net_init handover_inflight

cat >"$T/slow_web.py" <<'EOF'
# slow_web.py <node> <clustd> <conf> <delay_s> <handover log>: a web server
# on port 80 answering the node's name; GET /handover first starts
# `clustd -f <conf> handover` and answers <delay_s> later.
import http.server, subprocess, sys, time
node, clustd, conf, delay, log = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/handover":
            with open(log, "ab") as out:
                subprocess.Popen([clustd, "-f", conf, "handover"], stdout=out, stderr=out)
            time.sleep(delay)
        body = (node + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("0.0.0.0", 80), Handler).serve_forever()
EOF
cat >"$T/get.py" <<'EOF'
# get.py <url>: "<body|FAIL:error> <ms>", a new connection, 2 s timeout.
import sys, time, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
t0 = time.time()
try:
    with opener.open(sys.argv[1], timeout=2) as r:
        res = r.read(64).decode(errors="replace").split()[0]
except Exception as e:
    res = "FAIL:" + type(e).__name__
print(res, int((time.time() - t0) * 1000))
EOF

cl_setup 3
net_host c 198.51.100.200/24
tr_http_check_script
for n in n1 n2 n3; do
	ip netns exec "${P}$n" "$TR_PY" "$T/slow_web.py" "$n" "$CLUSTD" "$T/$n.conf" 0.04 \
		"$T/$n.handover.out" >>"$T/$n-web.log" 2>&1 &
	NET_BG_PIDS="$NET_BG_PIDS $!"
	check "$n: web server up" wait_until 10 nsx "$n" "$T/check_http.sh" 127.0.0.1
done
cl_conf n1 200
cl_conf n2 150
cl_conf n3 100
cl_start_all
if ! cl_stable_master n1 15; then
	fail "n1 becomes the only master"
	done_testing
fi
check "everyone alive on n1" wait_until 5 eval '[ "$(cl_view n1)" = "n1=true n2=true n3=true" ]'
check "a request through the VIP: n1 answers" eval '[ "$(nsx c "$TR_PY" "$T/get.py" "http://$CL_VIP/" | cut -d" " -f1)" = n1 ]'

mark=$(log_lines n1)
r=$(nsx c "$TR_PY" "$T/get.py" "http://$CL_VIP/handover")
diag "the request in flight during the handover: $r"
check "the request in flight during the handover got n1's answer" test "${r%% *}" = n1
check "... at once, not after a retransmission (< 1000 ms)" test "${r##* }" -lt 1000
check "n1 handed over to n2" wait_until 5 log_has n1 'web: handed over to n2 in [0-9.]+ ms' "$mark"
check "n1 waited for the connection before it let go" \
	log_has n1 'web: 1 connection\(s\) to the VIPs wait for an answer: releasing when they are done' "$mark"
check "n1 released once it was done, within the bound" \
	log_has n1 'web: the connections to the VIPs were done after [0-9.]+ ms: releasing' "$mark"
diag "$(log_since n1 "$mark" | grep -E 'connections? to the VIPs|handed over' | sed 's/^.*notice: //; s/^.*info: //')"
check "n2 is the only master" cl_stable_master n2 3
check "the next request: n2 answers" eval '[ "$(nsx c "$TR_PY" "$T/get.py" "http://$CL_VIP/" | cut -d" " -f1)" = n2 ]'

done_testing
