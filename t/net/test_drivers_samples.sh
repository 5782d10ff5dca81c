#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The sample drivers of scripts/drivers/ on n2 (100, backup of n1 150),
# through a failover to n2 and back:
#   - singleton-unit.sh --echo under `clustd watch --exec`: "systemctl stop"
#     for the state at connect (BACKUP), "start" on MASTER, "stop" again;
#   - webhook.sh under `clustd watch --exec`: one JSON POST per
#     transition to a local HTTP server, with state, previous state, seq;
#   - clustd_driver.py (the Python reference): prints the snapshot and the
#     events, answers them, and after n2's daemon is SIGKILLed and started
#     again, reconnects by itself and prints the state anew.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_drivers.sh"
net_init drivers_samples
VIP=198.51.100.100
SAMPLES=$(cd "$(dirname "$0")/../../scripts/drivers" && pwd)

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
web_conf n1 150
web_conf n2 100
clustd_start n1
wait_until 10 only_holder n1 $VIP
clustd_start n2
wait_until 10 backup_settled n2

# A web hook receiver in n2's namespace: every POST body, one per line.
cat >"$T/hooks.py" <<'EOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(sys.argv[1], "ab") as f:
            f.write(body + b"\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", 8099), H).serve_forever()
EOF
ip netns exec "${P}n2" "$DRV_PY" "$T/hooks.py" "$T/hooks.out" >"$T/hooks.log" 2>&1 &
NET_BG_PIDS="$NET_BG_PIDS $!"
nsx n2 ip link set lo up
wait_until 5 nsx n2 "$DRV_PY" -c 'import socket; socket.create_connection(("127.0.0.1", 8099), 1)'

drv_watch single n2 --id single --exec "$SAMPLES/singleton-unit.sh" --echo cron.service
drv_watch hook n2 --id hook --exec "$SAMPLES/webhook.sh" http://127.0.0.1:8099/hook
ip netns exec "${P}n2" "$DRV_PY" "$SAMPLES/clustd_driver.py" --socket "$(drv_sock n2)" --id py \
	>"$T/py.out" 2>"$T/py.err" &
NET_BG_PIDS="$NET_BG_PIDS $!"
check "singleton-unit: stop for the state at connect (BACKUP)" \
	wait_until 10 grep -qx "systemctl stop cron.service" "$T/single.out"
check "clustd_driver.py: connected and printed the snapshot" \
	wait_until 10 grep -q "^snapshot web BACKUP seq=1 startup" "$T/py.out"
check "webhook: a POST for the state at connect" \
	wait_until 10 grep -qs '"instance":"web","state":"BACKUP","previous":"INIT"' "$T/hooks.out"

nsx n1 ip link set eth0 down
check "n2 takes over" wait_until 5 only_holder n2 $VIP
check "singleton-unit: start on MASTER" \
	wait_until 5 eval '[ "$(sed -n 2p "$T/single.out")" = "systemctl start cron.service" ]'
check "webhook: a POST for MASTER from BACKUP with its seq" \
	wait_until 5 grep -qs '"state":"MASTER","previous":"BACKUP","priority":"100","vips":"198.51.100.100/24",.*"seq":"2"' "$T/hooks.out"
check "clustd_driver.py: printed the event" wait_until 5 grep -q "^event web MASTER seq=2" "$T/py.out"
check "n2: the daemon has the Python driver's answer" \
	wait_until 5 eval '[ "$(drv_status n2 ".drivers.drivers[] | select(.id == \"py\") | .last_answer.message")" = printed ]'
check "n2: the daemon has the web hook's answer (curl exit status 0)" \
	wait_until 5 eval '[ "$(drv_status n2 ".drivers.drivers[] | select(.id == \"hook\") | .last_answer.message")" = "exit status 0" ]'
nsx n1 ip link set eth0 up
check "n1 takes the VIP back" wait_until 10 only_holder n1 $VIP
check "singleton-unit: stop again on BACKUP" \
	wait_until 5 eval '[ "$(sed -n 3p "$T/single.out")" = "systemctl stop cron.service" ]'
check "webhook: three POSTs, each valid JSON" \
	wait_until 5 eval '[ "$(jq -s length "$T/hooks.out")" = 3 ]'

clustd_kill n2
clustd_start n2
check "clustd_driver.py: reconnected after the restart" \
	wait_until 15 eval '[ "$(grep -c "connected to n2" "$T/py.err")" = 2 ]'
check "clustd_driver.py: printed the new run's snapshot" \
	wait_until 5 eval '[ "$(grep -c "^snapshot web" "$T/py.out")" = 2 ]'

done_testing
