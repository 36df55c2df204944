#!/usr/bin/python3
"""hostile_cli.py DL2O CORPUS_DIR WORK_DIR — hostile weight files on the CLI.

Makes damaged weight files from valid ones (the fuzz seed corpus): truncated
at many lengths, with random bits flipped (fixed seed), with byte runs
overwritten, other kinds of file (a data file, text, empty, a directory);
and, when /usr/bin/python3 has h5py, files rewritten with absurd sizes, wrong
attribute types, datasets of the wrong type or declared without data,
values stored outside the file, link loops. Each is passed to
`dl2o info`, `dl2o sample` and `dl2o solve`. A command passes when it exits
0 (damage in unused bytes) or exits 1..127 with a message on stderr. It
fails on a signal (exit >= 128 or killed), a hang (20 s), a silent non-zero
exit, or sanitizer output. Deterministic: the same files every run.
"""
import concurrent.futures
import os
import random
import shutil
import subprocess
import sys

DL2O, CORPUS, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20240607
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")


def hostile_sanitizer_options(env):
    """For a sanitizer build of the CLI (make check-asan), which reads the
    options the suite exports: on hostile files libhdf5 asks for sizes read
    from the file (checked for NULL, which a production malloc returns, so
    ASan must return NULL too rather than abort) and leaks small blocks on
    its own error paths (tests/fuzz/lsan.supp, added to the suite's own
    suppressions). Any other report fails this test. A plain build ignores
    these variables."""
    # Reports come to stderr, where this script looks for them (a suite's
    # log_path would also collect ASan's harmless "failed to allocate"
    # warnings for those NULL returns).
    for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        opts = [o for o in env.get(var, "").split(":")
                if o and not o.startswith(("log_path=", "log_exe_name="))]
        if var == "ASAN_OPTIONS":
            opts.append("allocator_may_return_null=1")
        env[var] = ":".join(opts)
    text = open(os.path.join(HERE, "lsan.supp")).read()
    opts = [o for o in env.get("LSAN_OPTIONS", "").split(":") if o]
    for o in opts:
        if o.startswith("suppressions=") and os.path.isfile(o[13:]):
            text = open(o[13:]).read() + "\n" + text
    supp = os.path.join(WORK, "lsan.supp")
    with open(supp, "w") as fp:
        fp.write(text)
    opts = [o for o in opts if not o.startswith("suppressions=")]
    env["LSAN_OPTIONS"] = ":".join(opts + ["suppressions=" + supp])


hostile_sanitizer_options(env)
BASES = [os.path.join(CORPUS, "weights", n) for n in ("probe_cosine.h5", "theta_linear.h5")]
DATA = os.path.join(CORPUS, "data", "theta.data.h5")
cases = []  # (name, path, base)


def add(name, data, base):
    path = os.path.join(WORK, name)
    with open(path, "wb") as fp:
        fp.write(data)
    cases.append((name, path, base))


rng = random.Random(SEED)
for base in BASES:
    tag = os.path.basename(base).split(".")[0]
    raw = open(base, "rb").read()
    n = len(raw)
    # Truncated: inside the superblock, the root header, the heap, the data.
    for cut in sorted({0, 1, 8, 40, 96, 512, 800, 1024, 2048, 2100, 4096, 6000, n // 4,
                       n // 2, 3 * n // 4, n - 100, n - 8, n - 1}):
        add(f"{tag}.trunc{cut}.h5", raw[:cut], base)
    # Random bit flips: 1, 2, 8 or 64 bits anywhere in the file.
    for i in range(48):
        b = bytearray(raw)
        for _ in range((1, 2, 8, 64)[i % 4]):
            k = rng.randrange(n)
            b[k] ^= 1 << rng.randrange(8)
        add(f"{tag}.flip{i}.h5", bytes(b), base)
    # Runs of 16 bytes overwritten with 0xff, 0x00 or noise.
    for i in range(16):
        b = bytearray(raw)
        k = rng.randrange(n - 16)
        fill = (b"\xff" * 16, b"\x00" * 16, bytes(rng.randrange(256) for _ in range(16)))[i % 3]
        b[k:k + 16] = fill
        add(f"{tag}.run{i}.h5", bytes(b), base)
    # Flips confined to the first 4 KiB (superblock, root header, string heap).
    for i in range(16):
        b = bytearray(raw)
        for _ in range(1 + i % 3):
            k = rng.randrange(min(n, 4096))
            b[k] ^= 1 << rng.randrange(8)
        add(f"{tag}.headflip{i}.h5", bytes(b), base)

probe = BASES[0]
add("empty.h5", b"", probe)
add("text.h5", b"this is not an HDF5 file\n" * 40, probe)
add("hdf5_signature_only.h5", b"\x89HDF\r\n\x1a\n" + b"\0" * 100, probe)
shutil.copy(DATA, os.path.join(WORK, "data_file.h5"))
cases.append(("data_file.h5", os.path.join(WORK, "data_file.h5"), probe))
os.makedirs(os.path.join(WORK, "a_directory.h5"))
cases.append(("a_directory.h5", os.path.join(WORK, "a_directory.h5"), probe))
cases.append(("missing.h5", os.path.join(WORK, "no-such-file.h5"), probe))

# ---- h5py rows: wrong types, absurd sizes -----------------------------------
h5py_rows = 0
try:
    import h5py
    import numpy as np
except ImportError:
    print("h5py not available: skipping the rewritten-attribute rows")
    h5py = None

if h5py is not None:
    def edit(name, base, fn):
        global h5py_rows
        path = os.path.join(WORK, name)
        shutil.copy(base, path)
        with h5py.File(path, "r+") as f:
            fn(f)
        cases.append((name, path, base))
        h5py_rows += 1

    def setattr_(key, value):
        def fn(f):
            del f.attrs[key]
            f.attrs[key] = value
        return fn

    def replace(name, data):
        def fn(f):
            del f[name]
            f[name] = data
        return fn

    theta = BASES[1]
    for key, value in [
        ("dim_x", np.int64(2**31 - 1)), ("dim_x", np.int64(-1)), ("dim_x", np.int64(2**40)),
        ("dim_x", np.uint64(2**64 - 1)), ("dim_x", np.int32(100000)),
        ("dim_theta", np.int32(100000)), ("denoiser_width", np.int32(8192)),
        ("denoiser_blocks", np.int32(10**6)), ("schedule_T", np.int32(2**31 - 1)),
        ("time_embed", np.int32(3)), ("n_probes", np.int32(1024)),
        ("dim_x", "three"), ("dim_x", 3.0), ("dim_x", np.array([3, 3], np.int32)),
        ("format", np.int32(1)), ("format", "dl2o-data"), ("format_version", np.int32(999)),
        ("format", np.array(["dl2o-weights", "x"], dtype=h5py.string_dtype())),
        ("family", "x" * 100000), ("family", b"\xff\xfe invalid utf-8"),
        ("f_scale", np.float64("nan")), ("f_scale", np.float64(-1)),
        ("schedule_beta_start", np.float64("inf")), ("schedule_kind", "exponential"),
        ("guidance_mode", "oracle"), ("dtype", "float16"),
        ("training", "x" * (2 << 20)),
    ]:
        tag = f"{key}_{type(value).__name__}_{str(value)[:12]}".replace("/", "_").replace(" ", "_")
        edit(f"attr.{tag}.h5", theta, setattr_(key, value))

    edit("W_int32.h5", theta, replace("denoiser/in/W", np.zeros((4, 19), np.int32)))
    edit("W_float16.h5", theta, replace("denoiser/in/W", np.zeros((4, 19), np.float16)))
    edit("W_nan.h5", theta, replace("oracle/out/b", np.full(3, np.nan, np.float32)))
    edit("W_3d.h5", theta, replace("oracle/out/b", np.zeros((3, 1, 1), np.float32)))
    edit("W_scalar.h5", theta, replace("oracle/out/b", np.float32(1)))
    edit("W_missing.h5", theta, lambda f: f.__delitem__("denoiser"))
    edit("W_is_group.h5", theta, lambda f: (f.__delitem__("oracle/out/b"),
                                            f.create_group("oracle/out/b")))
    edit("std_zero.h5", theta, replace("normalization/x_std", np.zeros(3)))
    edit("box_inverted.h5", theta, replace("box/lower", np.full(3, 100.0)))

    def huge_declared(f):
        # Sizes that match 100000-wide datasets, declared with no data written.
        n = 100000
        f.attrs["dim_x"] = np.int32(n)
        for k in list(f.keys()):
            del f[k]
        for k in ("x_mean", "x_std"):
            f.create_dataset("normalization/" + k, shape=(n,), dtype=np.float64)
    edit("huge_declared.h5", theta, huge_declared)

    def external(f):
        # Values "stored" in /dev/zero (a hostile file naming any path).
        del f["box/lower"]
        f.create_dataset("box/lower", shape=(3,), dtype=np.float64,
                         external=[("/dev/zero", 0, h5py.h5f.UNLIMITED)])
    edit("external_devzero.h5", theta, external)

    def soft_loop(f):
        del f["oracle"]
        f["oracle"] = h5py.SoftLink("/oracle")
    edit("soft_link_loop.h5", theta, soft_loop)

    def ext_link(f):
        del f["oracle"]
        f["oracle"] = h5py.ExternalLink("/etc/passwd", "/")
    edit("external_link.h5", theta, ext_link)

    def chunked(f):
        # A compressed, chunked dataset (h5py's option, not dl2o's): refused.
        del f["normalization/x_mean"]
        f.create_dataset("normalization/x_mean", data=np.zeros(3), chunks=(1,),
                         compression="gzip")
    edit("chunked_gzip.h5", theta, chunked)

    # Attributes in dense storage (v2 headers): strings that cannot be checked.
    path = os.path.join(WORK, "libver_latest.h5")
    with h5py.File(theta, "r") as a, h5py.File(path, "w", libver="latest") as b:
        for k, v in a.attrs.items():
            b.attrs[k] = v
        for k in a:
            a.copy(k, b)
    cases.append(("libver_latest.h5", path, theta))
    h5py_rows += 1

# ---- the fuzzers' reproducers, so a build without clang replays them too -----
REGRESSIONS = os.path.join(HERE, "regressions")


def regressions(target):
    d = os.path.join(REGRESSIONS, target)
    return [os.path.join(d, n) for n in sorted(os.listdir(d))] if os.path.isdir(d) else []


for path in regressions("weights"):
    cases.append(("regression." + os.path.basename(path), path, BASES[1]))
bad_thetas = regressions("csv")

# ---- run every file through info, sample and solve ---------------------------
def theta_csv(base):
    out = subprocess.run([DL2O, "info", base], capture_output=True, text=True, env=env)
    dim = next(int(l.split()[1]) for l in out.stdout.splitlines() if l.startswith("dim_theta"))
    path = os.path.join(WORK, os.path.basename(base) + ".theta.csv")
    with open(path, "w") as fp:
        fp.write(",".join(["0.5"] * dim) + "\n")
    return path


thetas = {b: theta_csv(b) for b in BASES}
SAN = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "UndefinedBehaviorSanitizer",
       "runtime error:")


def run(case, cmd):
    name, path, base = case[:3]
    theta = case[3] if len(case) > 3 else thetas[base]
    args = {"info": [DL2O, "info", path],
            "sample": [DL2O, "sample", "--weights", path, "--theta", theta,
                       "--count", "4", "--steps", "2", "--out", os.devnull],
            "solve": [DL2O, "solve", "--weights", path, "--theta", theta,
                      "--count", "4", "--steps", "2", "--out", os.devnull]}[cmd]
    try:
        p = subprocess.run(args, capture_output=True, text=True, errors="replace", env=env,
                           timeout=20)
    except subprocess.TimeoutExpired:
        return f"{cmd} {name}: hang (no exit within 20 s)"
    err = p.stderr.strip()
    if cmd == "info" and p.returncode != 0:
        rejected.add(name)
    if p.returncode < 0 or p.returncode >= 128:
        return f"{cmd} {name}: killed by a signal (status {p.returncode}): {err[-400:]}"
    if p.returncode != 0 and not err:
        return f"{cmd} {name}: exit {p.returncode} without a message"
    if any(s in err for s in SAN):
        return f"{cmd} {name}: sanitizer report: {err[-400:]}"
    return None


rejected = set()
jobs = [(c, cmd) for c in cases for cmd in ("info", "sample", "solve")]
# Hostile theta CSVs (the CSV fuzzer's reproducers) with a valid model.
jobs += [(("theta." + os.path.basename(t), BASES[0], BASES[0], t), cmd)
         for t in bad_thetas for cmd in ("sample", "solve")]
with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
    results = list(ex.map(lambda j: run(*j), jobs))
fails = [r for r in results if r]
print(f"{len(cases)} hostile files ({h5py_rows} rewritten with h5py), {len(jobs)} commands, "
      f"{len(rejected)} files rejected by info, {len(fails)} failures")
for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
