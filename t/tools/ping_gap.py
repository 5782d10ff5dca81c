#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ping_gap.py - the client's view of a VIP moving: an ICMP echo every
period (default 1 ms) to ADDR, as a raw socket, until SIGINT/SIGTERM or
--max-s; then one line:

    sent=N received=N lost=N lost_run=N gap_ms=X

lost_run is the longest run of consecutive echoes without an answer, and
gap_ms the longest time between two consecutive answers (arrival times):
what a client sending every period saw of the move. Unlike ping(8), it
never slows down while answers are missing (iputils backs off then, which
would stretch the gap it reports). Run as root, inside the client's
namespace.
"""
import argparse
import os
import select
import signal
import socket
import struct
import sys
import time


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def echo(ident, seq):
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq & 0xFFFF)
    payload = b"clustd-ping-gap.."
    return struct.pack("!BBHHH", 8, 0, checksum(hdr + payload), ident, seq & 0xFFFF) + payload


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("--period-ms", type=float, default=1.0)
    ap.add_argument("--max-s", type=float, default=60.0)
    a = ap.parse_args()
    stop = []
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.setblocking(False)
    ident = os.getpid() & 0xFFFF
    period = a.period_ms / 1000.0
    end = time.monotonic() + a.max_s
    nxt = time.monotonic()
    seq = 0
    answered = set()
    last_rx = None
    gap = 0.0
    while not stop and time.monotonic() < end:
        now = time.monotonic()
        if now >= nxt:
            try:
                s.sendto(echo(ident, seq), (a.addr, 0))
            except OSError:
                pass  # no route or neighbour yet: a lost echo
            seq += 1
            nxt += period
            if nxt < now:
                nxt = now + period
        try:
            r, _, _ = select.select([s], [], [], max(0.0, nxt - time.monotonic()))
        except InterruptedError:
            continue
        if not r:
            continue
        while True:
            try:
                pkt = s.recv(2048)
            except BlockingIOError:
                break
            ihl = (pkt[0] & 0x0F) * 4
            typ, _, _, pid, sq = struct.unpack("!BBHHH", pkt[ihl:ihl + 8])
            if typ != 0 or pid != ident:
                continue
            t = time.monotonic()
            if sq not in answered:
                answered.add(sq)
                if last_rx is not None:
                    gap = max(gap, t - last_rx)
                last_rx = t
    # The longest run of echoes never answered (the last few may still be
    # on their way: not counted).
    run = best = 0
    for q in range(max(0, seq - 20)):
        if (q & 0xFFFF) in answered:
            run = 0
        else:
            run += 1
            best = max(best, run)
    print("sent=%d received=%d lost=%d lost_run=%d gap_ms=%.1f"
          % (seq, len(answered), max(0, seq - len(answered)), best, gap * 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
