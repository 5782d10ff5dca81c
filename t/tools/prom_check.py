#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check a Prometheus text exposition with the reference parser
(python3-prometheus-client) and the naming rules clustd follows.

  prom_check.py FILE|-                  exit 0 if valid; prints "families=N samples=M"
  prom_check.py FILE|- NAME [k=v ...]   print the value of one sample (exit 1 if absent)
"""
import sys

from prometheus_client.parser import text_string_to_metric_families


def load(path):
    text = sys.stdin.read() if path == "-" else open(path).read()
    if not text.endswith("\n"):
        raise ValueError("does not end with a newline (partial file?)")
    fams = list(text_string_to_metric_families(text))
    seen = set()
    for f in fams:
        if not f.name.startswith("clustd_"):
            raise ValueError("%s: no clustd_ prefix" % f.name)
        if not f.documentation:
            raise ValueError("%s: no HELP" % f.name)
        if f.type not in ("counter", "gauge"):
            raise ValueError("%s: type %s" % (f.name, f.type))
        for s in f.samples:
            if f.type == "counter" and not s.name.endswith("_total"):
                raise ValueError("%s: counter sample without _total" % s.name)
            key = (s.name, tuple(sorted(s.labels.items())))
            if key in seen:
                raise ValueError("duplicate series %s" % (key,))
            seen.add(key)
            if s.value < 0:
                raise ValueError("%s: negative" % s.name)
    return fams, seen


def main(argv):
    try:
        fams, seen = load(argv[1])
    except Exception as e:  # any parse problem is a failure of the file
        print("invalid: %s" % e, file=sys.stderr)
        return 2
    if len(argv) == 2:
        print("families=%d samples=%d" % (len(fams), len(seen)))
        return 0
    want = dict(kv.split("=", 1) for kv in argv[3:])
    for f in fams:
        for s in f.samples:
            if s.name == argv[2] and s.labels == want:
                v = s.value
                print(int(v) if v == int(v) else v)
                return 0
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
