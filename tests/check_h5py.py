#!/usr/bin/python3
"""Reads the files `test_model_io write` made, with h5py only, as a user would.

Checks weights/FORMAT.md from the outside: every root attribute exists with
its type and value, strings come back as str, and every dataset has the
dtype and the shape the attributes imply.

Usage: check_h5py.py DIR   (DIR holds probe.h5, theta.h5, anchor.h5, data.h5, data0.h5)
Exit 0: all good; 1: a check failed; 77: h5py is not installed (skipped).
"""
import json
import os
import re
import sys

try:
    import h5py
    import numpy as np
except ImportError as e:  # CTest: SKIP_RETURN_CODE 77
    print(f"skipped: {e}")
    sys.exit(77)

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


INT32 = ["format_version", "family_version", "dim_x", "dim_theta", "n_probes", "schedule_T",
         "denoiser_width", "denoiser_blocks", "oracle_width", "oracle_blocks", "time_embed"]
FLOAT64 = ["schedule_beta_start", "schedule_beta_end", "f_scale"]
STRINGS = ["format", "library_version", "family", "guidance_mode", "schedule_kind", "dtype",
           "created", "training"]


def mlp_layers(n_in, width, blocks, n_out):
    """(name, W shape) of every layer, as the format names them."""
    layers = [("in", (width, n_in))]
    for k in range(blocks):
        layers += [(f"block{k}_fc1", (width, width)), (f"block{k}_fc2", (width, width))]
    return layers + [("out", (n_out, width))]


def check_dataset(f, path, dtype, shape, where):
    check(path in f, f"{where}: {path} missing")
    if path not in f:
        return None
    ds = f[path]
    check(isinstance(ds, h5py.Dataset), f"{where}: {path} is not a dataset")
    check(ds.dtype == np.dtype(dtype), f"{where}: {path} dtype {ds.dtype}, expected {dtype}")
    check(ds.shape == tuple(shape), f"{where}: {path} shape {ds.shape}, expected {tuple(shape)}")
    a = ds[()]
    check(np.all(np.isfinite(a)), f"{where}: {path} has non-finite values")
    return a


def check_weights(path, expect):
    where = os.path.basename(path)
    with h5py.File(path, "r") as f:
        a = f.attrs
        for k in INT32 + FLOAT64 + STRINGS:
            check(k in a, f"{where}: attribute {k} missing")
        for k in INT32:
            if k in a:
                check(a[k].dtype == np.int32 and np.ndim(a[k]) == 0,
                      f"{where}: {k} is {a[k].dtype}, expected a scalar int32")
        for k in FLOAT64:
            if k in a:
                check(a[k].dtype == np.float64 and np.ndim(a[k]) == 0,
                      f"{where}: {k} is {a[k].dtype}, expected a scalar float64")
        for k in STRINGS:
            if k in a:
                check(isinstance(a[k], str), f"{where}: {k} is {type(a[k]).__name__}, expected str")
        for k, v in expect.items():
            check(a.get(k) == v, f"{where}: {k} = {a.get(k)!r}, expected {v!r}")
        version = a["format_version"]
        anchored = "anchor_maxeval" in a
        check(a["format"] == "dl2o-weights" and version in (1, 2, 3), f"{where}: format")
        check(version == 3 or anchored == (version == 2), f"{where}: anchor_maxeval iff version 2")
        check(("guidance_values" in a) == (version == 3), f"{where}: guidance_values iff version 3")
        if version == 3:
            check(isinstance(a["guidance_values"], str) and a["guidance_values"] == "linear",
                  f"{where}: guidance_values")
        if anchored:
            check(a["anchor_maxeval"].dtype == np.int32 and a["anchor_maxeval"] >= 1,
                  f"{where}: anchor_maxeval {a['anchor_maxeval']!r}")
        check(a["dtype"] == "float32", f"{where}: dtype")
        check(a["guidance_mode"] in ("theta", "probe"), f"{where}: guidance_mode")
        check(a["schedule_kind"] in ("cosine", "linear"), f"{where}: schedule_kind")
        check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", a["created"]) is not None,
              f"{where}: created {a['created']!r} is not ISO 8601 UTC")
        json.loads(a["training"])  # raises on bad JSON
        check(0 < a["schedule_beta_start"] <= a["schedule_beta_end"] < 1, f"{where}: beta range")
        check(a["f_scale"] > 0, f"{where}: f_scale")

        n, P = int(a["dim_x"]), int(a["n_probes"])
        probe = a["guidance_mode"] == "probe"
        check((P > 0) == probe, f"{where}: n_probes {P} vs guidance_mode")
        G = (P * (1 + n) if probe else int(a["dim_theta"])) + (n + 1 if anchored else 0)
        nets = {
            "denoiser": mlp_layers(n + int(a["time_embed"]) + G, int(a["denoiser_width"]),
                                   int(a["denoiser_blocks"]), n),
            "oracle": mlp_layers(G, int(a["oracle_width"]), int(a["oracle_blocks"]), n),
        }
        for net, layers in nets.items():
            check(sorted(f[net].keys()) == sorted(name for name, _ in layers),
                  f"{where}: /{net} holds {sorted(f[net].keys())}")
            for name, wshape in layers:
                check_dataset(f, f"/{net}/{name}/W", "<f4", wshape, where)
                check_dataset(f, f"/{net}/{name}/b", "<f4", wshape[:1], where)
        for name, size in [("x_mean", n), ("x_std", n), ("g_mean", G), ("g_std", G)]:
            v = check_dataset(f, f"/normalization/{name}", "<f8", (size,), where)
            if v is not None and name.endswith("std"):
                check(np.all(v > 0), f"{where}: {name} not positive")
        lo = check_dataset(f, "/box/lower", "<f8", (n,), where)
        hi = check_dataset(f, "/box/upper", "<f8", (n,), where)
        if lo is not None and hi is not None:
            check(np.all(lo < hi), f"{where}: lower >= upper")
        if probe:
            check_dataset(f, "/probe/points", "<f8", (P, n), where)
        else:
            check("probe" not in f, f"{where}: /probe in theta mode")


def check_data(path, expect):
    where = os.path.basename(path)
    with h5py.File(path, "r") as f:
        a = f.attrs
        types = {"format": str, "family": str}
        for k in ["format_version", "dim_x", "dim_theta", "n", "restarts", "local_maxeval"]:
            types[k] = np.int32
        types["seed"] = np.uint64
        types["seconds"] = np.float64
        for k, t in types.items():
            check(k in a, f"{where}: attribute {k} missing")
            if k not in a:
                continue
            if t is str:
                check(isinstance(a[k], str), f"{where}: {k} is not str")
            else:
                check(a[k].dtype == t and np.ndim(a[k]) == 0, f"{where}: {k} is {a[k].dtype}")
        for k, v in expect.items():
            check(a.get(k) == v, f"{where}: {k} = {a.get(k)!r}, expected {v!r}")
        n, dx, dt = int(a["n"]), int(a["dim_x"]), int(a["dim_theta"])
        check_dataset(f, "/theta", "<f8", (n, dt), where)
        check_dataset(f, "/x", "<f8", (n, dx), where)
        check_dataset(f, "/f", "<f8", (n,), where)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    d = sys.argv[1]
    common = {"format_version": 1, "library_version": "0.1.0", "family_version": 3, "dim_x": 3,
              "dim_theta": 5, "denoiser_width": 8, "denoiser_blocks": 2, "oracle_width": 6,
              "oracle_blocks": 1, "time_embed": 4}
    training = json.loads('{"command": "dl2o train --steps 10", "seed": 7, "note": "θ ≥ 0"}')
    check_weights(os.path.join(d, "probe.h5"),
                  dict(common, family="ackley-3", guidance_mode="probe", n_probes=4,
                       schedule_kind="linear", schedule_T=50))
    with h5py.File(os.path.join(d, "probe.h5"), "r") as f:
        check(json.loads(f.attrs["training"]) == training, "probe.h5: training record")
        # Linear default at T = 50: 1e-4 .. 0.02 scaled by 1000 / T.
        check(abs(f.attrs["schedule_beta_start"] - 2e-3) < 1e-15, "probe.h5: beta_start")
        check(abs(f.attrs["schedule_beta_end"] - 0.4) < 1e-15, "probe.h5: beta_end")
    check_weights(os.path.join(d, "theta.h5"),
                  dict(common, family="lasso-test", guidance_mode="theta", n_probes=0,
                       schedule_kind="cosine", schedule_T=100, training="{}", format_version=3))
    check_weights(os.path.join(d, "anchor.h5"),
                  dict(common, family="ackley-3", guidance_mode="probe", n_probes=4,
                       schedule_kind="cosine", schedule_T=100, format_version=2,
                       anchor_maxeval=40))
    check_weights(os.path.join(d, "anchor_v3.h5"),
                  dict(common, family="ackley-3", guidance_mode="probe", n_probes=4,
                       schedule_kind="cosine", schedule_T=100, format_version=3,
                       anchor_maxeval=40, guidance_values="linear"))
    data = {"format": "dl2o-data", "format_version": 1, "family": "rastrigin-3", "dim_x": 3,
            "seed": 0xFEDCBA9876543210, "restarts": 8, "local_maxeval": 300, "seconds": 1.25}
    check_data(os.path.join(d, "data.h5"), dict(data, n=7, dim_theta=5))
    check_data(os.path.join(d, "data0.h5"), dict(data, n=4, dim_theta=0))
    if failures:
        print(f"check_h5py: {len(failures)} check(s) failed")
        return 1
    print("check_h5py: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
