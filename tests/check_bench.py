#!/usr/bin/env python3
"""check_bench.py — `dl2o bench` end to end on a small run: every method at
every budget is reported, no method spends more than its budget, the JSON
parses, the SVG is well-formed XML with one line per method, a rerun gives
the same figures (NLopt's stochastic methods are seeded), so does a budget
run alone, and a bad command line fails cleanly. Usage: check_bench.py DL2O MODEL.h5 TMPDIR"""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

DL2O, MODEL, TMP = sys.argv[1:4]
os.makedirs(TMP, exist_ok=True)
fails = []


def check(cond, what):
    if not cond:
        fails.append(what)
        print("FAIL:", what, file=sys.stderr)


js, svg, md = (os.path.join(TMP, f) for f in ("b.json", "b.svg", "b.md"))
p = subprocess.run([DL2O, "bench", "--weights", MODEL, "--instances", "3", "--budgets", "40,120",
                    "--json", js, "--plot", svg, "--markdown", md, "--quiet"],
                   capture_output=True, text=True)
check(p.returncode == 0, f"bench exited {p.returncode}: {p.stderr}")
check("### Budget 40 evaluations" in p.stdout and "### Budget 120 evaluations" in p.stdout,
      "markdown lacks a table per budget")
with open(js) as fp:
    doc = json.load(fp)
methods = sorted({r["method"] for r in doc["results"]})
check(len(methods) == 10, f"expected 10 methods, got {methods}")
check(len(doc["results"]) == 20, "expected one row per method and budget")
for r in doc["results"]:
    if r["mean_evals"] is not None:
        check(r["mean_evals"] <= r["budget"], f"{r['method']} spent {r['mean_evals']} > {r['budget']}")
    if r["mean_gap"] is not None:
        check(r["mean_gap"] >= -1e-12, f"{r['method']} beat the best-known f* (gap {r['mean_gap']})")
    check(r["instances_run"] in (0, 3), f"{r['method']}: ran {r['instances_run']} instances")
root = ET.parse(svg).getroot()
lines = [e for e in root.iter() if e.tag.endswith("polyline")]
check(len(lines) == 10, f"SVG has {len(lines)} polylines, expected 10")
with open(md) as fp:
    check(fp.read() == p.stdout, "the --markdown file differs from stdout")


def figures(budgets):
    """The results of a quiet 3-instance bench, all but the timings."""
    out = os.path.join(TMP, f"b-{budgets}.json")
    q = subprocess.run([DL2O, "bench", "--weights", MODEL, "--instances", "3", "--budgets", budgets,
                        "--json", out, "--quiet"], capture_output=True, text=True)
    check(q.returncode == 0, f"bench --budgets {budgets} exited {q.returncode}: {q.stderr}")
    with open(out) as fp:
        rows = json.load(fp)["results"]
    return [{k: v for k, v in r.items() if k != "seconds_per_instance"} for r in rows]


# a rerun reports the same figures, and a cell does not depend on the other
# budgets run beside it
first = [{k: v for k, v in r.items() if k != "seconds_per_instance"} for r in doc["results"]]
check(figures("40,120") == first, "a rerun of the same bench gave other figures")
check(figures("120") == [r for r in first if r["budget"] == 120],
      "budget 120 alone gave other figures than beside budget 40")
# bad input: a non-ascending budget list, and a missing file
for args in (["--budgets", "100,50"], ["--weights", os.path.join(TMP, "none.h5")]):
    q = subprocess.run([DL2O, "bench", "--weights", MODEL, *args], capture_output=True, text=True)
    check(0 < q.returncode < 128 and q.stderr, f"bench {args} should fail cleanly")
print(f"check_bench: {len(fails)} failure(s)")
sys.exit(1 if fails else 0)
