#!/usr/bin/env python3
"""check_weights.py DL2O WEIGHTS_DIR — every shipped weight file matches its
entry in WEIGHTS_DIR/MANIFEST.md, and every entry has its file.

Per file the manifest holds a `### NAME.h5` section with bullet lines
`- key: value`; the keys checked here are command, seed, size, sha256,
parameters and train seconds. Each is compared with the file itself: its
bytes, and the training record and header that `dl2o info` prints."""
import hashlib
import json
import os
import re
import sys

LIMIT = 5 * 1000 * 1000  # issue 6: each file stays under 5 MB
STANDARD = ["lasso-5x10", "lasso-25x50", "rastrigin-2", "rastrigin-10", "ackley-2", "ackley-10"]


def parse_manifest(path):
    entries, cur = {}, None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            m = re.match(r"^### (\S+\.h5)\s*$", line)
            if m:
                cur = entries.setdefault(m.group(1), {})
                continue
            m = re.match(r"^- ([a-z0-9 ]+): (.*)$", line.rstrip("\n"))
            if cur is not None and m:
                cur[m.group(1).strip()] = m.group(2).strip().strip("`")
            elif line.startswith("## "):
                cur = None
    return entries


def main():
    dl2o, wdir = sys.argv[1], sys.argv[2]
    sys.path.insert(0, wdir)
    from manifest import info  # the same reading of `dl2o info` that wrote the manifest
    failures = []

    def fail(msg):
        failures.append(msg)
        print("FAIL:", msg)

    manifest = parse_manifest(os.path.join(wdir, "MANIFEST.md"))
    files = sorted(f for f in os.listdir(wdir) if f.endswith(".h5"))
    for fam in STANDARD:
        if fam + ".h5" not in files:
            fail(f"{fam}.h5 is not shipped")
    for name in sorted(set(files) | set(manifest)):
        if name not in files:
            fail(f"MANIFEST.md lists {name}, which is not in {wdir}")
            continue
        if name not in manifest:
            fail(f"{name} has no MANIFEST.md entry")
            continue
        e, path = manifest[name], os.path.join(wdir, name)
        data = open(path, "rb").read()
        family = name[:-3].removesuffix(".theta")
        fields = info(dl2o, path)
        record = json.loads(fields["training"])
        checks = [
            ("size", str(len(data)), e.get("size", "").split()[0]),
            ("sha256", hashlib.sha256(data).hexdigest(), e.get("sha256")),
            ("command", record["command"], e.get("command")),
            ("seed", str(record["seed"]), e.get("seed")),
            ("parameters", fields["parameters"].split()[0], e.get("parameters")),
            ("train seconds", "%.1f" % (record["data_seconds"] + record["train_seconds"]),
             e.get("train seconds", "").split()[0]),
            ("family", family, fields["family"].split()[0]),
        ]
        for key, actual, listed in checks:
            if actual != listed:
                fail(f"{name}: {key} is {actual!r} in the file but {listed!r} in MANIFEST.md")
        if len(data) >= LIMIT:
            fail(f"{name}: {len(data)} bytes, over the 5 MB limit")
        want = "theta" if name.endswith(".theta.h5") else "probe"
        if not fields["guidance"].startswith(want):
            fail(f"{name}: guidance is {fields['guidance']!r}, expected {want}")
        if f"--out weights/{name}" not in record["command"]:
            fail(f"{name}: the recorded command does not write weights/{name}")
        print(f"ok {name}: {len(data)} bytes, seed {record['seed']}")
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
