#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vip_sampler.py - who holds a VIP, sampled every few ms, and what it means.

Sampling (run as root, from the root namespace):

    vip_sampler.py sample --vip 198.51.100.100 [--dev eth0] [--period-ms 10]
                          [--max-s 120] [--stop FILE] [--out FILE]
                          [--format native|holders|span|pairs]
                          [--until-ms WALL_MS] [--for-ms MS]
                          n1=clt-x-1-n1 n2=clt-x-1-n2 ...

enters every named namespace once (setns on /run/netns/<ns>) to open one
NETLINK_ROUTE socket there, goes back to its own namespace, and then every
period sends one RTM_GETADDR dump on each socket and looks for the VIP
(IFA_LOCAL / IFA_ADDRESS) on the device's ifindex. The ifindex is looked
up by name at the start and again (RTM_GETLINK) whenever the VIP shows up
on another index, so a device created or re-created later is followed; a
missing device holds nothing. Nothing is configured: the requests only
read. It stops when the stop file exists, after max-s seconds, when the
wall clock reaches --until-ms, once --for-ms have passed since its first
sample, or on SIGTERM/SIGINT (the sample under way is finished). Output,
one line per sample, by --format:

    native (default):
        <monotonic ms> <holder> <holder> ...      (or "-none-")
      preceded by a header line "# vip_sampler ... wall_minus_mono_ms=<x>"
      so that wall-clock times (bash's EPOCHREALTIME) can be related to
      samples; the analysis commands below read this format.
    holders:  <wall ms> <holder> ...   (or "-none-"), no header
      (lib.sh's sample_holders_every)
    span:     <wall ms before> <wall ms after> <holder> ... (or "-none-"):
      the sample looked at the nodes between the two times, no header
      (lib_interop.sh's ix_sampler_start)
    pairs:    <wall ms> <node>=<bits> ...  every node, one bit per --vip in
      order (1 = holds it), no header (lib_track.sh's tr_pair_sampler_start)

--vip may be given several times with --format pairs; --dev once for all
of them or once per --vip. Wall ms are truncated like bash's now_ms and
taken when the sample starts (span: also when it ends).

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
import errno
import os
import signal
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
RTM_NEWLINK = 16
RTM_GETLINK = 18
RTM_NEWADDR = 20
RTM_GETADDR = 22
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_DUMP = 0x300
IFA_ADDRESS = 1
IFA_LOCAL = 2
IFLA_IFNAME = 3
NLMSG_HDR = struct.Struct("=IHHII")
IFADDRMSG = struct.Struct("=BBBBI")
IFINFOMSG = struct.Struct("=BBHiII")
RTATTR = struct.Struct("=HH")
MAX_DURATION_S = 3600


def align4(n):
    return (n + 3) & ~3


class Netns:
    """One NETLINK_ROUTE socket opened inside a named namespace."""

    def __init__(self, label, nsname, devs, libc, home_fd):
        self.label = label
        fd = os.open("/run/netns/" + nsname, os.O_RDONLY | os.O_CLOEXEC)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                err = ctypes.get_errno()
                raise OSError(err, "setns %s: %s" % (nsname, os.strerror(err)))
            try:
                # The socket belongs to the namespace it is created in.
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
        self.seq = 0
        # A device may be missing (not created yet) or be re-created under
        # another index: see ifindex_of.
        self.ifindex = {dev: self._link_index(dev) for dev in set(devs)}

    def _request(self, mtype, flags, body):
        """Send one request; yield (type, payload offset, end, data) per answer."""
        self.seq += 1
        self.sock.send(NLMSG_HDR.pack(NLMSG_HDR.size + len(body), mtype,
                          NLM_F_REQUEST | flags, self.seq, 0) + body)
        while True:
            data = self.sock.recv(65536)
            off = 0
            while off + NLMSG_HDR.size <= len(data):
                mlen, rtype, _flags, mseq, _pid = NLMSG_HDR.unpack_from(data, off)
                if mlen < NLMSG_HDR.size or off + mlen > len(data):
                    raise RuntimeError("netlink: bad message length %d" % mlen)
                if mseq == self.seq:
                    if rtype == NLMSG_DONE:
                        return
                    if rtype == NLMSG_ERROR:
                        err = struct.unpack_from("=i", data, off + NLMSG_HDR.size)[0]
                        if err:
                            raise OSError(-err, os.strerror(-err))
                        return  # the ack of a non-dump request
                    yield rtype, off + NLMSG_HDR.size, off + mlen, data
                    if not flags & NLM_F_DUMP:
                        return
                off += align4(mlen)

    def _link_index(self, dev):
        """The device's ifindex now (RTM_GETLINK by name), None if it is absent."""
        name = dev.encode() + b"\0"
        attr = RTATTR.pack(RTATTR.size + len(name), IFLA_IFNAME) + name
        attr += b"\0" * (align4(len(attr)) - len(attr))
        body = IFINFOMSG.pack(socket.AF_UNSPEC, 0, 0, 0, 0, 0) + attr
        try:
            for rtype, off, _end, data in self._request(RTM_GETLINK, 0, body):
                if rtype == RTM_NEWLINK:
                    return IFINFOMSG.unpack_from(data, off)[3]
        except OSError as e:
            if e.errno in (errno.ENODEV, errno.ENOENT):
                return None
            raise
        return None

    def addresses(self, family):
        """One RTM_GETADDR dump: {(ifindex, address bytes)} of every address."""
        found = set()
        body = IFADDRMSG.pack(family, 0, 0, 0, 0)
        for rtype, off, end, data in self._request(RTM_GETADDR, NLM_F_DUMP, body):
            if rtype != RTM_NEWADDR:
                continue
            index = IFADDRMSG.unpack_from(data, off)[4]
            off += IFADDRMSG.size
            while off + RTATTR.size <= end:
                alen, atype = RTATTR.unpack_from(data, off)
                if alen < RTATTR.size:
                    break
                if atype in (IFA_ADDRESS, IFA_LOCAL):
                    found.add((index, bytes(data[off + RTATTR.size:off + alen])))
                off += align4(alen)
        return found

    def holds(self, addrs, vip_bytes, dev):
        """Does dev carry the address, given one dump's addresses?"""
        if (self.ifindex[dev], vip_bytes) in addrs:
            return True
        # The address is on another index: dev may have been created or
        # re-created since the index was looked up. Rare, so only then ask.
        if any(a == vip_bytes for _i, a in addrs):
            self.ifindex[dev] = self._link_index(dev)
            return (self.ifindex[dev], vip_bytes) in addrs
        return False


def wall_ms():
    """Wall-clock ms, truncated like bash's now_ms."""
    return int(time.time() * 1000.0)


class Output:
    """Writes one line per sample in the chosen format (see the docstring)."""

    def __init__(self, a, nss, vips):
        self.fmt = a.format
        self.nss = nss
        self.vips = vips
        self.out = open(a.out, "w", buffering=1) if a.out else sys.stdout

    def header(self, a, start):
        if self.fmt == "native":
            offset = time.time() * 1000.0 - start * 1000.0
            self.out.write("# vip_sampler vip=%s dev=%s period_ms=%g nodes=%s wall_minus_mono_ms=%.1f\n" %
                   (a.vip[0], a.dev[0], a.period_ms, ",".join(n.label for n in self.nss), offset))

    def sample(self, mono, wall_start, wall_end, held):
        """held[i][j]: node i holds VIP j."""
        holders = [n.label for n, h in zip(self.nss, held) if h[0]]
        names = " ".join(holders) if holders else "-none-"
        if self.fmt == "native":
            line = "%.1f %s" % (mono * 1000.0, names)
        elif self.fmt == "holders":
            line = "%d %s" % (wall_start, names)
        elif self.fmt == "span":
            line = "%d %d %s" % (wall_start, wall_end, names)
        else:
            line = "%d %s" % (wall_start, " ".join(
                "%s=%s" % (n.label, "".join("1" if x else "0" for x in h))
                for n, h in zip(self.nss, held)))
        self.out.write(line + "\n")

    def close(self):
        self.out.flush()


def cmd_sample(a):
    if len(a.dev) not in (1, len(a.vip)):
        sys.exit("vip_sampler: give one --dev, or one per --vip")
    if a.format != "pairs" and len(a.vip) != 1:
        sys.exit("vip_sampler: several --vip need --format pairs")
    devs = a.dev * len(a.vip) if len(a.dev) == 1 else a.dev
    vips = []
    for vip, dev in zip(a.vip, devs):
        family = socket.AF_INET6 if ":" in vip else socket.AF_INET
        vips.append((socket.inet_pton(family, vip), dev, family))
    families = {f for _v, _d, f in vips}
    dump_family = families.pop() if len(families) == 1 else socket.AF_UNSPEC
    libc = ctypes.CDLL(None, use_errno=True)
    home_fd = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    nss = []
    for spec in a.netns:
        label, _, nsname = spec.partition("=")
        if not nsname:
            sys.exit("vip_sampler: expected LABEL=NETNS, got %r" % spec)
        nss.append(Netns(label, nsname, devs, libc, home_fd))
    os.close(home_fd)

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
    out = Output(a, nss, vips)
    period = a.period_ms / 1000.0
    max_s = min(a.max_s, MAX_DURATION_S)
    start = time.monotonic()
    out.header(a, start)
    first_wall = None
    next_at = start
    while not stopping:
        now = time.monotonic()
        wall = wall_ms()
        if now - start > max_s or (a.stop and os.path.exists(a.stop)):
            break
        if a.until_ms is not None and wall >= a.until_ms:
            break
        first_wall = wall if first_wall is None else first_wall
        if a.for_ms is not None and wall - first_wall >= a.for_ms:
            break
        held = []
        for n in nss:
            addrs = n.addresses(dump_family)
            held.append([n.holds(addrs, v, d) for v, d, _f in vips])
        out.sample(now, wall, wall_ms(), held)
        next_at += period
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            next_at = time.monotonic()  # late: do not try to catch up
    out.close()
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
    s.add_argument("--vip", action="append", required=True)
    s.add_argument("--dev", action="append")
    s.add_argument("--format", choices=("native", "holders", "span", "pairs"), default="native")
    s.add_argument("--until-ms", type=int)
    s.add_argument("--for-ms", type=int)
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
    if a.cmd == "sample" and not a.dev:
        a.dev = ["eth0"]
    return {"sample": cmd_sample, "analyze": cmd_analyze, "first": cmd_first,
            "dump": cmd_dump}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
