# SPDX-License-Identifier: GPL-2.0-or-later
# t/net/lib_web.sh - helpers for the web-service tests (issue 17): a real
# nginx per node bound to the VIP (net.ipv4.ip_nonlocal_bind=1 in the
# node's namespace, as doc/web-services.md says) and to 127.0.0.1 for the
# local health check; a small python3 server that misbehaves on demand;
# the in-daemon checks as the status shows them.
#
# Source it after lib.sh and lib_track.sh. nginx answers "/" with the
# node's name (so the client of lib_track.sh can tell who answered) and
# "/health" with "ok". Everything started is recorded by PID; every wait
# is bounded.

WEB_NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)

# web_need_nginx: print the TAP skip line and exit when there is no nginx.
web_need_nginx() {
	if [ ! -x "$WEB_NGINX" ]; then
		echo "1..0 # SKIP no nginx (scripts/deps.sh installs the Debian package)"
		exit 0
	fi
}

# web_nginx_start <node> <vip>: nginx in the node, listening on <vip>:80
# (not local until the node is master: nonlocal bind) and 127.0.0.1:80.
# Returns once it answers on 127.0.0.1 (10 s at most).
web_nginx_start() {
	local node=$1 vip=$2 dir=$T/$1-nginx pid
	mkdir -p "$dir/tmp"
	nsx "$node" sysctl -qw net.ipv4.ip_nonlocal_bind=1
	cat >"$dir/nginx.conf" <<-EOF
	daemon off;
	master_process on;
	worker_processes 1;
	user root;
	pid $dir/nginx.pid;
	error_log $dir/error.log notice;
	events { worker_connections 512; }
	http {
	  access_log off;
	  client_body_temp_path $dir/tmp/body;
	  proxy_temp_path $dir/tmp/proxy;
	  fastcgi_temp_path $dir/tmp/fastcgi;
	  uwsgi_temp_path $dir/tmp/uwsgi;
	  scgi_temp_path $dir/tmp/scgi;
	  default_type text/plain;
	  server {
	    listen $vip:80;
	    listen 127.0.0.1:80;
	    location = /health { return 200 "ok\n"; }
	    location / { return 200 "$node\n"; }
	  }
	}
	EOF
	ip netns exec "${P}$node" "$WEB_NGINX" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" \
		>>"$dir/out.log" 2>&1 &
	pid=$!
	echo "$pid" >"$T/$node.nginx.pid"
	NET_BG_PIDS="$NET_BG_PIDS $pid"
	wait_until 10 nsx "$node" "$T/check_http.sh" 127.0.0.1
}

# web_nginx_stop <node>: stop it (SIGTERM: nginx's fast shutdown, workers
# included) and wait until it is gone (5 s at most).
web_nginx_stop() {
	local pid
	pid=$(cat "$T/$1.nginx.pid" 2>/dev/null)
	[ -n "$pid" ] || return 1
	net_stop_pid "$pid" 5000
	NET_BG_PIDS=$(echo " $NET_BG_PIDS " | sed "s/ $pid / /")
	rm -f "$T/$1.nginx.pid"
	! nsx "$1" "$T/check_http.sh" 127.0.0.1
}

# web_bad_server_start <node> <port>: the python3 server of $T/bad.py on
# 127.0.0.1:<port> in the node; what it does is read from $T/<node>.mode
# at every connection (ok | silent | 500 | trickle | flood; see web_mode).
web_bad_server_start() {
	local node=$1 port=$2 pid
	cat >"$T/bad.py" <<'EOF'
# bad.py PORT MODEFILE: an HTTP server that misbehaves on demand. Modes:
#   ok      200 "ok"
#   silent  accepts, reads nothing, never answers (holds 30 s at most)
#   500     500 "err"
#   trickle 200, then an endless body of "x" (512 bytes every 2 ms, 30 s at most)
#   flood   200, then an endless body of "x" as fast as it goes (16 KiB a ms)
import socket, sys, threading, time
port, modefile = int(sys.argv[1]), sys.argv[2]

def mode():
    try:
        with open(modefile) as f:
            return f.read().strip()
    except OSError:
        return "ok"

def serve(c):
    m = mode()
    c.settimeout(30)
    try:
        if m == "silent":
            time.sleep(30)
            return
        c.recv(4096)
        if m == "500":
            c.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nerr\n")
        elif m in ("trickle", "flood"):
            c.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
            end = time.time() + 30
            piece, pause = (512, 0.002) if m == "trickle" else (16384, 0.001)
            while time.time() < end:
                c.sendall(b"x" * piece)
                time.sleep(pause)
        else:
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
    except OSError:
        pass
    finally:
        c.close()

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(128)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
	echo ok >"$T/$node.mode"
	ip netns exec "${P}$node" "$TR_PY" "$T/bad.py" "$port" "$T/$node.mode" \
		>>"$T/$node-bad.log" 2>&1 &
	pid=$!
	NET_BG_PIDS="$NET_BG_PIDS $pid"
	wait_until 10 nsx "$node" bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
}

# web_mode <node> <mode>: what the node's bad server does from now on.
web_mode() {
	echo "$2" >"$T/$1.mode"
}

# web_check <node> <check> <jq path under the check>: e.g. .outcomes.timeout,
# .healthy, .last (instance "web").
web_check() {
	cl_q "$1" ".instances[] | select(.name == \"web\") | .checks[] | select(.name == \"$2\") | $3"
}

# web_check_ge <node> <check> <outcome> <n>: that outcome counted >= n times.
web_check_ge() {
	local v
	v=$(web_check "$1" "$2" ".outcomes.$3")
	[ -n "$v" ] && [ "$v" -ge "$4" ] 2>/dev/null
}
