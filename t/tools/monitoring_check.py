#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""monitoring_check.py RULES TESTS DASHBOARD METRICS - do the shipped
monitoring pieces speak of what a real daemon exports?

METRICS is `clustd metrics` output of a running daemon (with a cluster
plane, so that clustd_cluster_quorum is there). Checks, printing one line
per problem and exiting 1 if there is any:
  - every clustd_* name in the rules' and the dashboard's expressions is
    a metric of METRICS;
  - every label value they match on (state, from, to, reason, form) is
    one METRICS carries for that label;
  - every clustd_* input series of the promtool tests has the label set
    of a real series, as Prometheus stores it (clustd's `instance` label
    as `exported_instance`; the target labels job, instance and cluster
    added), with label values that occur in METRICS;
  - the dashboard's state-timeline expression is the one the tests check.
"""
import json
import re
import sys

import yaml

TARGET_LABELS = {"job", "instance", "cluster"}
VALUE_LABELS = ("state", "from", "to", "reason", "form")
SERIES_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=~?\s*"((?:[^"\\]|\\.)*)"')
NAME_RE = re.compile(r'\bclustd_[a-z_]+\b')


def parse_metrics(text):
    """{name: set of frozenset(label keys)}, {label: set of values}"""
    shapes, values = {}, {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series = line.rsplit(" ", 1)[0]
        m = SERIES_RE.match(series)
        if not m:
            raise SystemExit(f"monitoring_check: cannot read metrics line: {line}")
        labels = dict(LABEL_RE.findall(m.group(2) or ""))
        shapes.setdefault(m.group(1), set()).add(frozenset(labels))
        for k, v in labels.items():
            values.setdefault(k, set()).add(v)
    return shapes, values


def rule_exprs(rules):
    return [r["expr"] for g in rules["groups"] for r in g["rules"]]


def dashboard_exprs(dash):
    return [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]


def check_exprs(exprs, where, shapes, values, problems):
    for e in exprs:
        for name in NAME_RE.findall(e):
            if name not in shapes:
                problems.append(f"{where}: {name} is not a metric of clustd metrics: {e}")
        for k, v in LABEL_RE.findall(e):
            if k in VALUE_LABELS and not all(x in values.get(k, ()) for x in v.split("|")):
                problems.append(f"{where}: {k}=\"{v}\" matches no series of clustd metrics")


def check_test_series(tests, shapes, values, problems):
    for t in tests["tests"]:
        for s in t.get("input_series", []):
            m = SERIES_RE.match(s["series"].replace(" ", ""))
            name, labels = m.group(1), dict(LABEL_RE.findall(m.group(2) or ""))
            if not name.startswith("clustd_"):
                continue
            own = {k: v for k, v in labels.items() if k not in TARGET_LABELS}
            if "exported_instance" in own:
                own["instance"] = own.pop("exported_instance")
            if name not in shapes:
                problems.append(f"tests: {name} is not a metric of clustd metrics")
            elif frozenset(own) not in shapes[name]:
                problems.append(f"tests: {s['series']}: clustd exports {name} with labels "
                                f"{sorted(sorted(x) for x in shapes[name])}, not {sorted(own)}")
            for k in VALUE_LABELS:
                if k in own and own[k] not in values.get(k, ()):
                    problems.append(f"tests: {s['series']}: {k}=\"{own[k]}\" never occurs")


def squeeze(s):
    return " ".join(s.split())


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        rules = yaml.safe_load(f)
    with open(argv[2]) as f:
        tests = yaml.safe_load(f)
    with open(argv[3]) as f:
        dash = json.load(f)
    with open(argv[4]) as f:
        shapes, values = parse_metrics(f.read())
    problems = []
    check_exprs(rule_exprs(rules), "rules", shapes, values, problems)
    check_exprs(dashboard_exprs(dash), "dashboard", shapes, values, problems)
    check_test_series(tests, shapes, values, problems)
    tested = {squeeze(e.get("expr", "")) for t in tests["tests"] for e in t.get("promql_expr_test", [])}
    timelines = [squeeze(t["expr"]) for p in dash["panels"] if p["type"] == "state-timeline"
                 for t in p["targets"] if "clustd_instance_state" in t["expr"]]
    if not timelines or not all(e in tested for e in timelines):
        problems.append("dashboard: the state timeline's expression is not the one the tests check")
    for p in problems:
        print(p)
    print(f"monitoring_check: {len(rule_exprs(rules))} rules, {len(dashboard_exprs(dash))} "
          f"panel queries, {sum(len(t.get('input_series', [])) for t in tests['tests'])} test "
          f"series against {len(shapes)} metrics: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
