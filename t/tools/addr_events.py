#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""addr_events.py - when a VIP left one node and reached another, to the
microsecond, from `ip -ts -o monitor address` logs of both namespaces
(t/net/lib_handover.sh ho_monitor_start).

    addr_events.py gap --del FILE --add FILE --vip ADDR [--after WALL_MS]

prints "del_us=<wall µs> add_us=<wall µs> gap_us=<add - del>" for the first
deletion of ADDR in the --del log and the first addition of ADDR in the
--add log, both after WALL_MS (bash's now_ms). gap_us < 0 is an overlap:
the second node added the VIP before the first deleted it. A lease renewal also logs an addition:
give --after so that the --add node did not hold the VIP then. A missing
event prints -1 for its time and "none" for the gap.

Both logs carry the timestamps of one clock (the host's wall clock, read by
each `ip monitor` process as it receives the event), so the gap is exact
to within the two monitors' wake-up delays.
"""
import argparse
import datetime
import re
import sys

LINE = re.compile(r"^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6})\] (Deleted )?\d+: \S+\s+inet6? (\S+?)/\d+ ")


def events(path, vip):
    """(wall µs, deleted?) for every event of vip in the log, in order."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if not m or m.group(3) != vip:
                continue
            t = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f")
            out.append((int(round(t.timestamp() * 1e6)), m.group(2) is not None))
    return out


def first(evs, deleted, after_us):
    for t, d in evs:
        if d == deleted and t >= after_us:
            return t
    return -1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gap")
    g.add_argument("--del", dest="dele", required=True)
    g.add_argument("--add", required=True)
    g.add_argument("--vip", required=True)
    g.add_argument("--after", type=int, default=0, help="wall ms")
    a = ap.parse_args()
    after = a.after * 1000
    d = first(events(a.dele, a.vip), True, after)
    s = first(events(a.add, a.vip), False, after)
    gap = s - d if d >= 0 and s >= 0 else "none"
    print(f"del_us={d} add_us={s} gap_us={gap}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
