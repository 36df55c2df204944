#!/usr/bin/python3
"""make_variants.py CORPUS — near-valid seed files next to the valid ones.

Reads the valid files make_corpus.sh put in CORPUS/weights and CORPUS/data
and writes variants that h5py users or damaged files produce: other integer
and string types, chunked + compressed datasets, a wrong version, a wrong
shape, a wrong element type, a non-finite value, absurd sizes with no data
behind them. Also writes the CSV seeds. Deterministic (no timestamps).
"""
import os
import shutil
import sys

import h5py
import numpy as np

corpus = sys.argv[1]
W, D, C = (os.path.join(corpus, k) for k in ("weights", "data", "csv"))


def rewrite(src, dst, int_type=np.int64, fixed_str=True, chunked=True):
    """Copies src as h5py would write it: other attribute types, filters."""
    with h5py.File(src, "r") as a, h5py.File(dst, "w", track_order=False) as b:
        for k, v in a.attrs.items():
            if isinstance(v, str):
                b.attrs[k] = np.bytes_(v.encode()) if fixed_str else v
            elif isinstance(v, (int, np.integer)):
                b.attrs[k] = int_type(v)
            else:
                b.attrs[k] = v

        def copy(name, obj):
            if isinstance(obj, h5py.Dataset):
                data = obj[()]
                if chunked and data.size > 0:
                    b.create_dataset(name, data=data, chunks=True, compression="gzip",
                                     shuffle=True, fletcher32=True)
                else:
                    b.create_dataset(name, data=data)
        a.visititems(copy)


def edit(src, dst, fn):
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        fn(f)


def replace(f, name, data):
    del f[name]
    f.create_dataset(name, data=data)


w = os.path.join(W, "theta_linear.h5")
rewrite(w, os.path.join(W, "h5py_chunked_gzip.h5"))  # refused: chunked, compressed
rewrite(w, os.path.join(W, "h5py_int64_fixed_strings.h5"), chunked=False)  # valid
edit(w, os.path.join(W, "version2.h5"), lambda f: f.attrs.modify("format_version", np.int32(2)))
edit(w, os.path.join(W, "bad_shape.h5"),
     lambda f: replace(f, "denoiser/in/W", np.zeros((4, 3), np.float32)))
edit(w, os.path.join(W, "f64_weights.h5"),
     lambda f: replace(f, "oracle/out/W", f["oracle/out/W"][()].astype(np.float64)))
edit(w, os.path.join(W, "nan_std.h5"),
     lambda f: f["normalization/x_std"].__setitem__(0, np.nan))


def huge(f):
    # Absurd but in-range sizes; the datasets keep their small shapes.
    f.attrs.modify("dim_x", np.int32(100000))
    f.attrs.modify("denoiser_width", np.int32(8192))
    f.attrs.modify("denoiser_blocks", np.int32(32))


edit(w, os.path.join(W, "huge_dims.h5"), huge)


def declared_only(f):
    # Shapes that match huge attributes, but with no data written (HDF5
    # allocates contiguous storage late, so the file stays small).
    n = 50000
    f.attrs.modify("dim_x", np.int32(n))
    for k in list(f.keys()):
        del f[k]
    f.create_dataset("normalization/x_mean", shape=(n,), dtype=np.float64)


edit(w, os.path.join(W, "declared_only.h5"), declared_only)

d = os.path.join(D, "theta.data.h5")
rewrite(d, os.path.join(D, "h5py_chunked_gzip.data.h5"))
rewrite(d, os.path.join(D, "h5py_int64_fixed_strings.data.h5"), chunked=False)
edit(d, os.path.join(D, "version2.data.h5"),
     lambda f: f.attrs.modify("format_version", np.int32(2)))


def theta0(f):
    n = int(f.attrs["n"])
    f.attrs.modify("dim_theta", np.int32(0))
    replace(f, "theta", np.zeros((n, 0)))


edit(d, os.path.join(D, "theta0.data.h5"), theta0)


def huge_n(f):
    n = 2**31 - 1
    f.attrs.modify("n", np.int32(n))
    dx, dt = int(f.attrs["dim_x"]), int(f.attrs["dim_theta"])
    for k, shape in (("theta", (n, dt)), ("x", (n, dx)), ("f", (n,))):
        del f[k]
        f.create_dataset(k, shape=shape, dtype=np.float64)


edit(d, os.path.join(D, "huge_n.data.h5"), huge_n)

# Version 2 object headers (libver="latest"): more than 8 attributes go to
# dense storage, whose strings the loader refuses; a small file keeps them
# compact in an "OHDR" header with timestamps.
for src, dst in ((os.path.join(W, "lasso.h5"), os.path.join(W, "libver_latest_v2_headers.h5")),
                 (os.path.join(D, "lasso.data.h5"),
                  os.path.join(D, "libver_latest_v2_headers.data.h5"))):
    with h5py.File(src, "r") as a, h5py.File(dst, "w", libver="latest") as b:
        for k, v in a.attrs.items():
            b.attrs[k] = v
        for k in a:
            a.copy(k, b)
with h5py.File(os.path.join(W, "v2_header_compact_strings.h5"), "w", libver="latest") as f:
    f.attrs["format"] = "dl2o-weights"
    f.attrs["format_version"] = 1

os.makedirs(C, exist_ok=True)
csv = {
    "simple.csv": "1,2,3\n4,5,6\n",
    "comments.csv": "# theta rows\n\n  1.5e-3 , -2\t,3\r\n# more\n4,5,6",
    "ragged.csv": "1,2,3\n4,5\n",
    "nan.csv": "1,nan,3\n",
    "hex_inf.csv": "0x1p-3,1e308,-1e-320\n1e309,2,3\n",
    "text.csv": "a,b,c\n1,2,3\n",
    "nul.csv": "1,2\x00,3\n",
}
for name, text in csv.items():
    with open(os.path.join(C, name), "w", newline="") as fp:
        fp.write(text)
