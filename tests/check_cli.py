#!/usr/bin/env python3
"""check_cli.py — the dl2o command as an outside user sees it.

Writes a theta CSV of rastrigin-2 instances, runs train/sample/solve/info,
and re-computes every f column from the DESIGN.md definition (independently
of the library) to 1e-9 relative. Also checks --help, error exits and that
failed commands leave no output file. Usage: check_cli.py DL2O MODEL.h5 TMPDIR
"""
import csv
import math
import os
import random
import subprocess
import sys

DL2O, MODEL, TMP = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(TMP, exist_ok=True)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def rastrigin(theta, x):
    """f(x; theta) = 1/2 |Ax - b|^2 - 10 sum c_i cos(2 pi x_i) + 10 n, theta = A (row-major), b, c."""
    n = len(x)
    A = [theta[i * n:(i + 1) * n] for i in range(n)]
    b = theta[n * n:n * n + n]
    c = theta[n * n + n:n * n + 2 * n]
    r = [sum(A[i][j] * x[j] for j in range(n)) - b[i] for i in range(n)]
    return 0.5 * sum(v * v for v in r) - 10 * sum(c[i] * math.cos(2 * math.pi * x[i]) for i in range(n)) + 10 * n


def run(*args, expect=0):
    p = subprocess.run([DL2O, *args], capture_output=True, text=True)
    if expect == 0:
        check(p.returncode == 0, f"{args[0]} exited {p.returncode}: {p.stderr.strip()}")
    else:
        check(p.returncode != 0, f"{args} should fail but exited 0")
        check(p.returncode > 0, f"{args} died from a signal ({p.returncode})")
        check(p.stderr.strip() != "", f"{args} failed without a message")
    return p


def read_csv(path):
    with open(path) as fp:
        rows = list(csv.reader(fp))
    return rows[0], rows[1:]


rng = random.Random(20261203)
thetas = [[rng.gauss(0, 1) for _ in range(8)] for _ in range(5)]
theta_csv = os.path.join(TMP, "theta.csv")
with open(theta_csv, "w") as fp:
    fp.write("# five rastrigin-2 instances: A (2x2 row-major), b, c\n")
    for t in thetas:
        fp.write(",".join(repr(v) for v in t) + "\n")

# ---- sample ----
out = os.path.join(TMP, "cand.csv")
run("sample", "--weights", MODEL, "--theta", theta_csv, "--count", "8", "--steps", "5", "--out", out)
header, rows = read_csv(out)
check(header == ["instance", "candidate", "f", "x1", "x2"], f"sample header {header}")
check(len(rows) == 5 * 8, f"sample wrote {len(rows)} rows, expected 40")
for r in rows:
    i, k, f, x = int(r[0]), int(r[1]), float(r[2]), [float(v) for v in r[3:]]
    ref = rastrigin(thetas[i], x)
    check(abs(f - ref) <= 1e-9 * max(1.0, abs(ref)), f"sample f {f} vs recomputed {ref}")
    check(all(-8 <= v <= 8 for v in x), f"sample x {x} outside the box")
for i in range(5):
    fs = [float(r[2]) for r in rows if int(r[0]) == i]
    ks = [int(r[1]) for r in rows if int(r[0]) == i]
    check(ks == list(range(len(ks))), f"candidates of instance {i} not numbered from 0")
    check(fs == sorted(fs), f"candidates of instance {i} not best first")

# ---- solve ----
out = os.path.join(TMP, "sol.csv")
run("solve", "--weights", MODEL, "--theta", theta_csv, "--out", out)
header, rows = read_csv(out)
check(header == ["instance", "f", "evals", "x1", "x2"], f"solve header {header}")
check([int(r[0]) for r in rows] == list(range(5)), "solve rows are not instances 0..4")
best_cand = {}
for r in rows:
    i, f, ev, x = int(r[0]), float(r[1]), int(r[2]), [float(v) for v in r[3:]]
    ref = rastrigin(thetas[i], x)
    check(abs(f - ref) <= 1e-9 * max(1.0, abs(ref)), f"solve f {f} vs recomputed {ref}")
    check(ev >= 64, f"solve evals {ev} < 64 candidates")
    best_cand[i] = f
# A budget below probes + K shrinks K; evals never exceed it.
out2 = os.path.join(TMP, "sol20.csv")
run("solve", "--weights", MODEL, "--theta", theta_csv, "--maxeval", "20", "--out", out2)
_, rows = read_csv(out2)
check(all(int(r[2]) <= 20 for r in rows), "solve --maxeval 20 exceeded its budget")
# stdout works too
p = run("solve", "--weights", MODEL, "--theta", theta_csv)
check(p.stdout.startswith("instance,f,evals,x1,x2\n"), "solve to stdout lacks the header")

# ---- info, help ----
p = run("info", MODEL)
check("rastrigin-2" in p.stdout and "guidance" in p.stdout, "info lacks family/guidance")
for cmd in ["train", "info", "sample", "solve", "demo"]:
    p = run(cmd, "--help")
    check(p.stdout.startswith("usage: dl2o " + cmd), f"{cmd} --help lacks a usage line")
p = run("--help")
check("commands:" in p.stdout, "dl2o --help lists no commands")

# ---- train on the user's own theta rows ----
own = os.path.join(TMP, "own.csv")
with open(own, "w") as fp:
    for _ in range(300):
        fp.write(",".join(repr(rng.gauss(0, 1)) for _ in range(8)) + "\n")
w = os.path.join(TMP, "own.h5")
run("train", "--family", "rastrigin-2", "--theta", own, "--steps", "30", "--width", "16",
    "--blocks", "1", "--restarts", "2", "--quiet", "--out", w)
check(os.path.exists(w) and os.path.exists(os.path.join(TMP, "own.loss.csv")), "train wrote no weights/loss curve")
p = run("info", w)
check('"instances": 300' in p.stdout, "train --theta did not train on the file's 300 rows")

# ---- failures: non-zero exit, a message, and no output file ----
bad = os.path.join(TMP, "bad.csv")
with open(bad, "w") as fp:
    fp.write("1,2,3\n")
gone = os.path.join(TMP, "never.csv")
run("sample", "--weights", MODEL, "--theta", bad, "--out", gone, expect=1)
run("solve", "--weights", os.path.join(TMP, "missing.h5"), "--theta", theta_csv, "--out", gone, expect=1)
run("solve", "--weights", theta_csv, "--theta", theta_csv, "--out", gone, expect=1)
run("solve", "--weights", MODEL, "--theta", theta_csv, "--solver", "magic", "--out", gone, expect=1)
run("sample", "--weights", MODEL, "--theta", theta_csv, "--count", "0", "--out", gone, expect=1)
run("info", theta_csv, expect=1)
run("train", "--family", "rastrigin-0", "--out", os.path.join(TMP, "x.h5"), expect=1)
run("frobnicate", expect=1)
run("solve", "--bogus", expect=1)
check(not os.path.exists(gone), "a failed command left an output file")
check(not [f for f in os.listdir(TMP) if ".tmp" in f], "temporary files were left behind")

print(f"check_cli: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
