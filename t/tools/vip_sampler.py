#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vip_sampler.py - who holds a VIP, sampled every 10 ms, and what it means.

Sampling (run as root, from the root namespace):

    vip_sampler.py sample --vip 198.51.100.100 [--dev eth0] [--period-ms 10]
                          [--max-s 120] [--stop FILE] [--out FILE]
                          n1=clt-x-1-n1 n2=clt-x-1-n2 ...

enters every named namespace once (setns on /run/netns/<ns>) to open one
NETLINK_ROUTE socket there, goes back to its own namespace, and then every
period sends an RTM_GETADDR dump on each socket and looks for the VIP
(IFA_LOCAL / IFA_ADDRESS) on the device's ifindex. Nothing is configured:
the dumps only read. It stops when the stop file exists, after max-s
seconds, or on SIGTERM/SIGINT. Output, one line per sample:

    <monotonic ms> <holder> <holder> ...      (or "-none-")

preceded by a header line "# vip_sampler ... wall_minus_mono_ms=<x>" so
that wall-clock times (bash's EPOCHREALTIME) can be related to samples.

Analysis (times given and printed in wall-clock ms, as bash's now_ms):

    vip_sampler.py analyze FILE [--from MS] [--to MS]
        samples=N  multi=<samples with >= 2 holders>
        overlap_run=<longest run of consecutive samples with >= 2 holders>
        overlap_ms=<that run's span: its first sample to the first sample
                    after it, an upper bound of the real overlap; 0 if none>
        consecutive_multi=<1 if any two consecutive samples had >= 2 holders>
        none=<samples without holder>  none_run=<longest such run>
        none_ms=<span of that run, as overlap_ms>
        max_period_ms=<largest gap between consecutive samples>
        mean_period_ms=<(last - first sample) / (samples - 1); -1 if < 2>
        holders=<every holder seen, comma separated>
    vip_sampler.py first FILE --from MS [--to MS] (--present N | --absent N |
                   --only N | --any-of N,M,... | --multi)
        wall-clock ms of the first sample in the window that matches, or -1.
    vip_sampler.py dump FILE [--from MS] [--to MS] [--multi] [--rel MS] [--limit N]
        the samples of the window ("<wall ms> <holders>"), only those with
        >= 2 holders with --multi, times relative to --rel if given.
"""
import argparse
import ctypes
import os
import signal
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
RTM_NEWADDR = 20
RTM_GETADDR = 22
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_DUMP = 0x300
IFA_ADDRESS = 1
IFA_LOCAL = 2
NLMSG_HDR = struct.Struct("=IHHII")
IFADDRMSG = struct.Struct("=BBBBI")
RTATTR = struct.Struct("=HH")
MAX_DURATION_S = 3600


def align4(n):
    return (n + 3) & ~3


class Netns:
    """One NETLINK_ROUTE socket opened inside a named namespace."""

    def __init__(self, label, nsname, dev, family, libc, home_fd):
        self.label = label
        fd = os.open("/run/netns/" + nsname, os.O_RDONLY | os.O_CLOEXEC)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                err = ctypes.get_errno()
                raise OSError(err, "setns %s: %s" % (nsname, os.strerror(err)))
            try:
                # Both resolve in the namespace we are in now.
                self.ifindex = socket.if_nametoindex(dev)
                self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC,
                              socket.NETLINK_ROUTE)
            finally:
                if libc.setns(home_fd, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, "setns back home: %s" % os.strerror(err))
        finally:
            os.close(fd)
        self.sock.bind((0, 0))
        self.sock.settimeout(1.0)
        self.family = family
        self.seq = 0

    def holds(self, vip_bytes):
        """One RTM_GETADDR dump: does the device carry the address?"""
        self.seq += 1
        req = NLMSG_HDR.pack(NLMSG_HDR.size + IFADDRMSG.size, RTM_GETADDR,
                     NLM_F_REQUEST | NLM_F_DUMP, self.seq, 0)
        req += IFADDRMSG.pack(self.family, 0, 0, 0, 0)
        self.sock.send(req)
        found = False
        while True:
            data = self.sock.recv(65536)
            off = 0
            while off + NLMSG_HDR.size <= len(data):
                mlen, mtype, _flags, mseq, _pid = NLMSG_HDR.unpack_from(data, off)
                if mlen < NLMSG_HDR.size or off + mlen > len(data):
                    raise RuntimeError("netlink: bad message length %d" % mlen)
                if mseq == self.seq:
                    if mtype == NLMSG_DONE:
                        return found
                    if mtype == NLMSG_ERROR:
                        err = struct.unpack_from("=i", data, off + NLMSG_HDR.size)[0]
                        raise OSError(-err, "RTM_GETADDR: %s" % os.strerror(-err))
                    if mtype == RTM_NEWADDR and self._match(data, off + NLMSG_HDR.size,
                                        off + mlen, vip_bytes):
                        found = True
                off += align4(mlen)

    def _match(self, data, off, end, vip_bytes):
        _fam, _plen, _flags, _scope, index = IFADDRMSG.unpack_from(data, off)
        if index != self.ifindex:
            return False
        off += IFADDRMSG.size
        while off + RTATTR.size <= end:
            alen, atype = RTATTR.unpack_from(data, off)
            if alen < RTATTR.size:
                break
            if atype in (IFA_ADDRESS, IFA_LOCAL) and data[off + RTATTR.size:off + alen] == vip_bytes:
                return True
            off += align4(alen)
        return False


def cmd_sample(a):
    family = socket.AF_INET6 if ":" in a.vip else socket.AF_INET
    vip_bytes = socket.inet_pton(family, a.vip)
    libc = ctypes.CDLL(None, use_errno=True)
    home_fd = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    nss = []
    for spec in a.netns:
        label, _, nsname = spec.partition("=")
        if not nsname:
            sys.exit("vip_sampler: expected LABEL=NETNS, got %r" % spec)
        nss.append(Netns(label, nsname, a.dev, family, libc, home_fd))
    os.close(home_fd)

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
    out = open(a.out, "w", buffering=1) if a.out else sys.stdout
    period = a.period_ms / 1000.0
    max_s = min(a.max_s, MAX_DURATION_S)
    start = time.monotonic()
    offset = time.time() * 1000.0 - start * 1000.0
    out.write("# vip_sampler vip=%s dev=%s period_ms=%g nodes=%s wall_minus_mono_ms=%.1f\n" %
          (a.vip, a.dev, a.period_ms, ",".join(n.label for n in nss), offset))
    next_at = start
    while not stopping:
        now = time.monotonic()
        if now - start > max_s or (a.stop and os.path.exists(a.stop)):
            break
        holders = [n.label for n in nss if n.holds(vip_bytes)]
        out.write("%.1f %s\n" % (now * 1000.0, " ".join(holders) if holders else "-none-"))
        next_at += period
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            next_at = time.monotonic()  # late: do not try to catch up
    out.flush()
    return 0


def load(path):
    """[(wall ms, [holders])...] from a sample file."""
    offset = None
    samples = []
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                for word in line.split():
                    if word.startswith("wall_minus_mono_ms="):
                        offset = float(word.split("=", 1)[1])
                continue
            parts = line.split()
            if not parts:
                continue
            try:
                t = float(parts[0])
            except ValueError:
                continue  # a line cut short at the end of the file
            holders = [h for h in parts[1:] if h != "-none-"]
            samples.append((t, holders))
    if offset is None:
        sys.exit("vip_sampler: %s has no header line" % path)
    return [(t + offset, h) for t, h in samples]


def window(samples, frm, to):
    return [s for s in samples if (frm is None or s[0] >= frm) and (to is None or s[0] <= to)]


def longest_run(samples, pred):
    """(count, span ms) of the longest run of consecutive samples matching."""
    best = (0, 0.0)
    i = 0
    while i < len(samples):
        if not pred(samples[i][1]):
            i += 1
            continue
        j = i
        while j < len(samples) and pred(samples[j][1]):
            j += 1
        end = samples[j][0] if j < len(samples) else samples[j - 1][0]
        run = (j - i, end - samples[i][0])
        if run[0] > best[0]:
            best = run
        i = j
    return best


def cmd_analyze(a):
    s = window(load(a.file), a.frm, a.to)
    multi = lambda h: len(h) >= 2
    none = lambda h: len(h) == 0
    orun, oms = longest_run(s, multi)
    nrun, nms = longest_run(s, none)
    gaps = [s[i + 1][0] - s[i][0] for i in range(len(s) - 1)]
    seen = sorted({h for _, hs in s for h in hs})
    print("samples=%d multi=%d overlap_run=%d overlap_ms=%d consecutive_multi=%d "
          "none=%d none_run=%d none_ms=%d max_period_ms=%d mean_period_ms=%.1f holders=%s" %
          (len(s), sum(1 for _, h in s if multi(h)), orun, round(oms), int(orun >= 2),
           sum(1 for _, h in s if none(h)), nrun, round(nms), round(max(gaps, default=0)),
           (s[-1][0] - s[0][0]) / (len(s) - 1) if len(s) > 1 else -1,
           ",".join(seen) or "-none-"))
    return 0


def cmd_first(a):
    if a.present:
        pred = lambda h: a.present in h
    elif a.absent:
        pred = lambda h: a.absent not in h
    elif a.only:
        pred = lambda h: h == [a.only]
    elif a.any_of:
        names = set(a.any_of.split(","))
        pred = lambda h: bool(names & set(h))
    else:
        pred = lambda h: len(h) >= 2
    for t, h in window(load(a.file), a.frm, a.to):
        if pred(h):
            print("%d" % round(t))
            return 0
    print("-1")
    return 0


def cmd_dump(a):
    shown = 0
    for t, h in window(load(a.file), a.frm, a.to):
        if a.multi and len(h) < 2:
            continue
        if a.limit is not None and shown >= a.limit:
            break
        shown += 1
        t = t - a.rel if a.rel is not None else t
        print("%d %s" % (round(t), " ".join(h) if h else "-none-"))
    return 0


def main():
    p = argparse.ArgumentParser(description="VIP holder sampler (see the module docstring)")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--vip", required=True)
    s.add_argument("--dev", default="eth0")
    s.add_argument("--period-ms", type=float, default=10.0)
    s.add_argument("--max-s", type=float, default=120.0)
    s.add_argument("--stop")
    s.add_argument("--out")
    s.add_argument("netns", nargs="+", help="LABEL=NETNS")
    an = sub.add_parser("analyze")
    an.add_argument("file")
    an.add_argument("--from", dest="frm", type=float)
    an.add_argument("--to", type=float)
    fi = sub.add_parser("first")
    fi.add_argument("file")
    fi.add_argument("--from", dest="frm", type=float)
    fi.add_argument("--to", type=float)
    g = fi.add_mutually_exclusive_group(required=True)
    g.add_argument("--present")
    g.add_argument("--absent")
    g.add_argument("--only")
    g.add_argument("--any-of")
    g.add_argument("--multi", action="store_true")
    d = sub.add_parser("dump")
    d.add_argument("file")
    d.add_argument("--from", dest="frm", type=float)
    d.add_argument("--to", type=float)
    d.add_argument("--multi", action="store_true")
    d.add_argument("--rel", type=float)
    d.add_argument("--limit", type=int)
    a = p.parse_args()
    return {"sample": cmd_sample, "analyze": cmd_analyze, "first": cmd_first,
            "dump": cmd_dump}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
