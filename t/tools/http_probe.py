#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""http_probe.py - a web service on every node and a client that fetches
from the VIP every few ms, for the migration tests (t/net/lib_migrate.sh).

    http_probe.py serve --name NODE [--port 8080]
        answers every GET with "NODE\\n" (threads, HTTP/1.0, no keep-alive);
        run it in each node's namespace.

    http_probe.py probe --url http://VIP:PORT/ --out FILE [--period-ms 10]
                        [--timeout-ms 100] [--max-s 300] [--stop FILE]
        starts one request every period (deadline-paced, each in its own
        connection, several in flight when some hang), until the stop file
        exists, max-s passed, or SIGTERM. One line per finished request in
        FILE, in the order they finish:
            <start wall ms> <end wall ms> ok <node>
            <start wall ms> <end wall ms> fail <reason>
        A request that gets no full answer within the timeout fails.

    http_probe.py outages FILE [--gap-ms 0]
        the failed requests grouped in outages: a run of requests (by start
        time) that all failed; one line each,
            <first failed start ms> <first ok start ms after, or -1>
            <failed requests> <served before> <served after>
        where the duration is the second number minus the first.
    http_probe.py summary FILE
        requests=N ok=N fail=N mean_period_ms=X served=<node>:<count>,...
"""
import argparse
import asyncio
import http.server
import os
import signal
import socketserver
import sys
import time
import urllib.parse


def now_ms():
    return int(time.time() * 1000)


def serve(args):
    body = (args.name + "\n").encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 128

    srv = Server(("0.0.0.0", args.port), Handler)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    srv.serve_forever()


async def one(host, port, path, timeout, out):
    start = now_ms()
    try:
        async def fetch():
            r, w = await asyncio.open_connection(host, port)
            w.write(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, host)).encode())
            await w.drain()
            data = await r.read()
            w.close()
            return data
        data = await asyncio.wait_for(fetch(), timeout / 1000.0)
        text = data.decode(errors="replace")
        if not text.startswith("HTTP/1.0 200"):
            raise ValueError("status " + text.split("\r\n", 1)[0][:30].replace(" ", "_"))
        node = text.rsplit("\r\n\r\n", 1)[-1].strip() or "?"
        out.write("%d %d ok %s\n" % (start, now_ms(), node))
    except asyncio.TimeoutError:
        out.write("%d %d fail timeout\n" % (start, now_ms()))
    except Exception as e:  # refused, reset, unreachable...
        out.write("%d %d fail %s\n" % (start, now_ms(), type(e).__name__))


async def probe_loop(args):
    u = urllib.parse.urlsplit(args.url)
    host, port, path = u.hostname, u.port or 80, u.path or "/"
    stop = {"now": False}
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: stop.update(now=True))
    loop.add_signal_handler(signal.SIGINT, lambda: stop.update(now=True))
    end = time.monotonic() + args.max_s
    tasks = set()
    with open(args.out, "w", buffering=1) as out:
        nxt = time.monotonic()
        while not stop["now"] and time.monotonic() < end:
            if args.stop and os.path.exists(args.stop):
                break
            t = asyncio.create_task(one(host, port, path, args.timeout_ms, out))
            tasks.add(t)
            t.add_done_callback(tasks.discard)
            nxt += args.period_ms / 1000.0
            delay = nxt - time.monotonic()
            if delay < 0:  # fell behind: keep the cadence from now
                nxt = time.monotonic()
                delay = 0
            await asyncio.sleep(delay)
        if tasks:
            await asyncio.wait(tasks, timeout=(args.timeout_ms / 1000.0) + 1)


def read(path):
    rows = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) >= 4 and p[0].isdigit():
                rows.append((int(p[0]), int(p[1]), p[2], p[3]))
    rows.sort()
    return rows


def outages(args):
    rows = read(args.file)
    i = 0
    last_node = "-"
    while i < len(rows):
        if rows[i][2] == "ok":
            last_node = rows[i][3]
            i += 1
            continue
        first = rows[i][0]
        n = 0
        why = set()
        while i < len(rows) and rows[i][2] != "ok":
            why.add(rows[i][3])
            n += 1
            i += 1
        after = rows[i][0] if i < len(rows) else -1
        nxt = rows[i][3] if i < len(rows) else "-"
        print("%d %d %d %s %s %s" % (first, after, n, last_node, nxt, ",".join(sorted(why))))


def summary(args):
    rows = read(args.file)
    ok = [r for r in rows if r[2] == "ok"]
    served = {}
    for r in ok:
        served[r[3]] = served.get(r[3], 0) + 1
    mean = (rows[-1][0] - rows[0][0]) / (len(rows) - 1) if len(rows) > 1 else -1
    print("requests=%d ok=%d fail=%d mean_period_ms=%.1f served=%s" % (
        len(rows), len(ok), len(rows) - len(ok), mean,
        ",".join("%s:%d" % kv for kv in sorted(served.items())) or "-"))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--name", required=True)
    s.add_argument("--port", type=int, default=8080)
    p = sub.add_parser("probe")
    p.add_argument("--url", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--period-ms", type=float, default=10)
    p.add_argument("--timeout-ms", type=float, default=100)
    p.add_argument("--max-s", type=float, default=300)
    p.add_argument("--stop")
    o = sub.add_parser("outages")
    o.add_argument("file")
    m = sub.add_parser("summary")
    m.add_argument("file")
    args = ap.parse_args()
    if args.cmd == "serve":
        serve(args)
    elif args.cmd == "probe":
        asyncio.run(probe_loop(args))
    elif args.cmd == "outages":
        outages(args)
    else:
        summary(args)


if __name__ == "__main__":
    main()
