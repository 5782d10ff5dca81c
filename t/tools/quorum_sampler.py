#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""quorum_sampler.py - every node's quorum verdict, sampled every 50 ms.

    quorum_sampler.py sample [--period-ms 50] [--max-s 120] [--stop FILE]
                             [--out FILE] n1=SOCKET n2=SOCKET ...

Asks each daemon's control socket (a Unix socket: reachable from any
network namespace) for "status json" once per period, deadline-paced, and
writes one line per round:

    <wall ms> n1=<q> n2=<q> ...

where <q> is "1" (has_quorum true), "0" (false), "-" (no cluster object in
the status) or "E" (no answer within 1 s). Stops when the stop file
exists, after max-s seconds, or on SIGTERM/SIGINT.

    quorum_sampler.py analyze FILE
        rounds=N  mean_period_ms=<(last - first) / (N - 1)>
        max_period_ms=<largest gap between rounds>
        lost=<node:rounds without quorum, comma separated, or "none">
        first_lost=<wall ms of the first round some node had no quorum, -1>
"""
import argparse
import json
import os
import signal
import socket
import sys
import time

STOP = False


def on_signal(_signo, _frame):
    global STOP
    STOP = True


def now_ms():
    return time.time_ns() // 1_000_000


def ask(path):
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1.0)
            s.connect(path)
            s.sendall(b"status json\n")
            chunks = []
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
        st = json.loads(b"".join(chunks))
        cl = st.get("cluster") or {}
        if not cl.get("enabled"):
            return "-"
        return "1" if cl.get("has_quorum") else "0"
    except (OSError, ValueError):
        return "E"


def sample(args):
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    nodes = [kv.split("=", 1) for kv in args.nodes]
    out = open(args.out, "w", buffering=1) if args.out else sys.stdout
    end = time.monotonic() + args.max_s
    period = args.period_ms / 1000.0
    nxt = time.monotonic()
    while not STOP and time.monotonic() < end:
        if args.stop and os.path.exists(args.stop):
            break
        t = now_ms()
        out.write("%d %s\n" % (t, " ".join("%s=%s" % (n, ask(p)) for n, p in nodes)))
        nxt += period
        wait = nxt - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        else:
            nxt = time.monotonic()
    return 0


def analyze(args):
    times, lost, first_lost = [], {}, -1
    with open(args.file) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2 or not parts[0].isdigit():
                continue
            t = int(parts[0])
            times.append(t)
            for kv in parts[1:]:
                n, q = kv.split("=", 1)
                lost.setdefault(n, 0)
                if q != "1":
                    lost[n] += 1
                    if first_lost < 0:
                        first_lost = t
    n = len(times)
    mean = (times[-1] - times[0]) / (n - 1) if n > 1 else -1
    gaps = [b - a for a, b in zip(times, times[1:])]
    bad = ",".join("%s:%d" % (k, v) for k, v in sorted(lost.items()) if v)
    print("rounds=%d mean_period_ms=%.1f max_period_ms=%d lost=%s first_lost=%d"
          % (n, mean, max(gaps) if gaps else -1, bad or "none", first_lost))
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--period-ms", type=int, default=50)
    s.add_argument("--max-s", type=int, default=120)
    s.add_argument("--stop")
    s.add_argument("--out")
    s.add_argument("nodes", nargs="+")
    a = sub.add_parser("analyze")
    a.add_argument("file")
    args = ap.parse_args()
    return sample(args) if args.cmd == "sample" else analyze(args)


if __name__ == "__main__":
    sys.exit(main())
