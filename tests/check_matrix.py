#!/usr/bin/env python3
"""check_matrix.py — the CLI rows of the bad-input matrix (docs/ERRORS.md).

  check_matrix.py DL2O TEST_MATRIX FIXTURE_DIR TMPDIR ROW
      runs one row (a `def row_NAME(t):` below; tests/matrix.cmake adds one
      CTest case per row). TEST_MATRIX is tests/test_matrix.c's executable,
      whose `prep DIR` mode writes the malformed HDF5 files.
  check_matrix.py --doc ERRORS.md API_ROW,API_ROW,...
      checks that docs/ERRORS.md names every API and CLI row as a test, and
      names no test that does not exist.

Every failing command of a row must: exit non-zero and below 128 (an exit,
never a signal; the expected code where one is given), print the expected
fragments on stderr, leave no output file and no "*.tmp*" file behind, and
leave every earlier file (an output from before, an input) byte-identical.
Exit 77: the row is skipped.
"""
import os
import re
import resource
import shutil
import signal
import subprocess
import sys

CSV_LINE_MAX = 1 << 20  # DL2O_CSV_LINE_MAX (core/csv.h)
K_MAX = 1 << 20         # the initializer's largest candidate count
SKIP = 77
# A damaged HDF5 file: HDF5 1.10 opens the signature and then fails; other
# versions may already reject it as not HDF5.
DAMAGED = "HDF5 cannot open it|not an HDF5 file"


class Row:
    def __init__(self, dl2o, test_matrix, fixtures, root, name):
        self.dl2o, self.test_matrix, self.name = dl2o, test_matrix, name
        self.probe = os.path.join(fixtures, "rastrigin-2.probe.h5")
        self.theta_model = os.path.join(fixtures, "rastrigin-2.theta.h5")
        self.dir = os.path.join(root, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.failures = []
        self.keep = {}  # path -> bytes that must survive every command
        self.prepped = False
        # five rastrigin-2 instances: A (2x2 row-major), b, c
        rows = [[0.3 * ((7 * i + 3 * j) % 11) - 1.5 for j in range(8)] for i in range(5)]
        self.theta = self.write("theta.csv", "".join(",".join(map(repr, r)) + "\n" for r in rows))

    # ---- files
    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data):
        p = self.path(name)
        with open(p, "wb") as fp:
            fp.write(data.encode() if isinstance(data, str) else data)
        return p

    def earlier(self, name, data=b"an earlier output, which must survive\n"):
        """A file that exists before the command and must be unchanged after."""
        p = self.write(name, data)
        self.keep[p] = open(p, "rb").read()
        return p

    def keep_as_is(self, p):
        self.keep[p] = open(p, "rb").read()
        return p

    def prep(self, name):
        """A malformed HDF5 file made by `test_matrix prep` (once per row)."""
        if not self.prepped:
            p = subprocess.run([self.test_matrix, "prep", self.dir], capture_output=True, text=True)
            if p.returncode != 0:
                raise SystemExit(f"test_matrix prep failed: {p.stderr}")
            self.prepped = True
        return self.keep_as_is(self.path(name))

    # ---- checks
    def check(self, cond, what):
        if not cond:
            self.failures.append(what)
            print("FAIL:", what, file=sys.stderr)

    def run(self, *args, expect=1, frags=(), absent=(), fsize=None, vmem=None, quiet=False):
        """Runs dl2o with args; expect: 0, an exit code, or None (any 1..127)."""
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   CUDA_VISIBLE_DEVICES="")

        def limits():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit get EFBIG
            if fsize is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
            if vmem is not None:
                resource.setrlimit(resource.RLIMIT_AS, (vmem, vmem))

        p = subprocess.run([self.dl2o, *args], cwd=self.dir, env=env, preexec_fn=limits,
                           capture_output=True, text=True, timeout=120)
        what = "dl2o " + " ".join(os.path.relpath(a, self.dir) if a.startswith(self.dir) else a
                                  for a in args)
        lines = [ln for ln in p.stderr.splitlines() if ln.strip() and "using cpu" not in ln]
        print(f"$ {what}\n  -> exit {p.returncode}: {lines[-1][:600] if lines else ''}")
        if quiet:
            return p
        if expect == 0:
            self.check(p.returncode == 0, f"{what}: exit {p.returncode}, expected success")
        else:
            self.check(p.returncode >= 0, f"{what}: killed by signal {-p.returncode}")
            self.check(0 < p.returncode < 128, f"{what}: exit {p.returncode}, expected 1..127")
            if expect is not None:
                self.check(p.returncode == expect, f"{what}: exit {p.returncode}, expected {expect}")
        for frag in frags:  # "a|b": either (HDF5 versions word some damage differently)
            self.check(any(f in p.stderr for f in frag.split("|")), f"{what}: stderr lacks {frag!r}")
        for a in absent:
            if a not in self.keep:
                self.check(not os.path.exists(a), f"{what}: left an output file {a}")
        self.check_kept(what)
        return p

    def check_kept(self, what):
        for kp, data in self.keep.items():
            now = open(kp, "rb").read() if os.path.exists(kp) else None
            self.check(now == data, f"{what}: the earlier file {os.path.basename(kp)} was changed")
        for d, _, files in os.walk(self.dir):
            for f in files:
                self.check(".tmp" not in f, f"{what}: temporary file left: {os.path.join(d, f)}")

    # ---- the commands, small settings
    def sample(self, weights, theta, out, *extra):
        return ("sample", "--weights", weights, "--theta", theta, "--count", "4", "--steps", "2",
                "--out", out, *extra)

    def solve(self, weights, theta, out, *extra):
        return ("solve", "--weights", weights, "--theta", theta, "--count", "4", "--steps", "2",
                "--out", out, *extra)

    def train(self, out, *extra):
        return ("train", "--family", "rastrigin-2", "--instances", "40", "--restarts", "1",
                "--local-maxeval", "20", "--steps", "3", "--width", "8", "--blocks", "1",
                "--oracle-width", "8", "--oracle-blocks", "1", "--probes", "2", "--T", "10",
                "--batch", "16", "--threads", "1", "--device", "cpu", "--quiet", "--out", out,
                *extra)

    def by_products(self, out):
        """The files `dl2o train --out out` writes besides out."""
        stem = out[:-3] if out.endswith(".h5") else out
        return [out, stem + ".data.h5", stem + ".loss.csv"]


def flip(data, offset, mask=0x40):
    b = bytearray(data)
    b[offset] ^= mask
    return bytes(b)


def sanitized(binary):
    """True for a build with ASan/TSan/MSan: address-space limits do not work there."""
    names = [binary, os.path.join(os.path.dirname(binary), "libdl2o.so")]
    for n in names:
        try:
            data = open(n, "rb").read()
        except OSError:
            continue
        if any(s in data for s in (b"__asan_init", b"__tsan_init", b"__msan_init")):
            return True
    return False


# =============================================================== weight files
# Each bad weight file goes to info, sample and solve.

def weights_row(t, w, frags, info=True):
    out, earlier = t.path("out.csv"), t.earlier("earlier.csv")
    if info:
        t.run("info", w, frags=("dl2o info: cannot load the weights",) + frags)
    t.run(*t.sample(w, t.theta, out), frags=("dl2o sample: cannot load the weights",) + frags,
          absent=[out])
    t.run(*t.solve(w, t.theta, earlier), frags=("dl2o solve: cannot load the weights",) + frags)


def row_weights_missing(t):
    weights_row(t, t.path("missing.h5"), ("cannot open: No such file or directory",))


def row_weights_directory(t):
    os.mkdir(t.path("dir.h5"))
    weights_row(t, t.path("dir.h5"), ("it is a directory",))


def row_weights_empty(t):
    weights_row(t, t.write("empty.h5", b""), ("not an HDF5 file",))


def row_weights_not_hdf5(t):
    weights_row(t, t.write("text.h5", "this is not HDF5\n"), ("not an HDF5 file",))


def row_weights_truncated(t):
    good = open(t.probe, "rb").read()
    w = t.keep_as_is(t.write("truncated.h5", good[: len(good) // 2]))
    weights_row(t, w, (DAMAGED,))


def row_weights_bitflip_signature(t):
    w = t.keep_as_is(t.write("flip0.h5", flip(open(t.probe, "rb").read(), 0)))
    weights_row(t, w, ("not an HDF5 file",))


def row_weights_bitflip_superblock(t):
    # byte 8: the superblock version
    w = t.keep_as_is(t.write("flip8.h5", flip(open(t.probe, "rb").read(), 8)))
    weights_row(t, w, (DAMAGED,))


def row_weights_version(t):
    weights_row(t, t.prep("weights-version4.h5"),
                ("format_version 4 is not supported", "upgrade dl2o"))


def row_weights_wrong_shape(t):
    weights_row(t, t.prep("weights-shape.h5"),
                ("dataset /denoiser/in/W has shape (3, 3), expected",))


def row_weights_data_file(t):
    weights_row(t, t.prep("data-good.h5"), ('expected "dl2o-weights"',))


def row_weights_family_dims(t):
    # the model is 2-dimensional, its family attribute says rastrigin-3
    w = t.prep("weights-family-dims.h5")
    out, earlier = t.path("out.csv"), t.earlier("earlier.csv")
    frag = "model dimensions do not match family 'rastrigin-3'"
    t.run(*t.sample(w, t.theta, out), frags=(frag,), absent=[out])
    t.run(*t.solve(w, t.theta, earlier), frags=(frag,))


def row_weights_family_custom(t):
    w = t.prep("weights-family-custom.h5")
    out, earlier = t.path("out.csv"), t.earlier("earlier.csv")
    frag = "the model's family 'my-own-family' is not a standard family"
    t.run(*t.sample(w, t.theta, out), frags=(frag,), absent=[out])
    t.run(*t.solve(w, t.theta, earlier), frags=(frag,))


# ================================================================= data files
# `dl2o train --data FILE` reads FILE before anything else.

def data_row(t, d, frags):
    w = t.earlier("w.h5", open(t.probe, "rb").read())
    t.run(*t.train(w, "--data", d), frags=("dl2o train: training failed",) + frags,
          absent=t.by_products(w))


def row_data_truncated(t):
    good = open(t.prep("data-good.h5"), "rb").read()
    data_row(t, t.keep_as_is(t.write("truncated.data.h5", good[: len(good) // 2])), (DAMAGED,))


def row_data_not_hdf5(t):
    data_row(t, t.keep_as_is(t.write("text.data.h5", "1,2,3\n")), ("not an HDF5 file",))


def row_data_bitflip_superblock(t):
    good = open(t.prep("data-good.h5"), "rb").read()
    data_row(t, t.keep_as_is(t.write("flip8.data.h5", flip(good, 8))), (DAMAGED,))


def row_data_version(t):
    data_row(t, t.prep("data-version3.h5"), ("dl2o-data format_version 3 is not supported",))


def row_data_wrong_shape(t):
    data_row(t, t.prep("data-shape.h5"), ("dataset /x has shape (7, 4), expected (7, 3)",))


def row_data_weights_file(t):
    data_row(t, t.keep_as_is(t.write("weights.data.h5", open(t.probe, "rb").read())),
             ('expected "dl2o-data"',))


# ================================================================= theta CSV
# The same bad file to sample, solve and `train --theta`.

def theta_row(t, theta, frags):
    out, earlier = t.path("out.csv"), t.earlier("earlier.csv")
    w = t.earlier("w.h5", open(t.probe, "rb").read())
    if os.path.exists(theta):
        t.keep_as_is(theta)
    pre = ("cannot read the theta file",)
    t.run(*t.sample(t.probe, theta, out), frags=pre + frags, absent=[out])
    t.run(*t.solve(t.probe, theta, earlier), frags=pre + frags)
    t.run(*t.train(w, "--theta", theta), frags=pre + frags, absent=t.by_products(w))


def good_line(i=0):
    return ",".join(repr(0.25 * (j + i) - 1) for j in range(8)) + "\n"


def row_theta_columns(t):
    theta_row(t, t.write("cols.csv", good_line() + "1,2,3,4,5,6,7\n"), (":2: 7 columns, expected 8",))


def row_theta_nonnumeric(t):
    theta_row(t, t.write("alpha.csv", "1,2,abc,4,5,6,7,8\n"), (":1: field 3 is not a number",))


def row_theta_overlong(t):
    line = "1,2,3,4,5,6,7,8" + " " * (CSV_LINE_MAX + 1 - 15) + "\n"
    theta_row(t, t.write("long.csv", good_line() + line),
              (f":2: line longer than {CSV_LINE_MAX} bytes",))


def row_theta_nan(t):
    theta_row(t, t.write("nan.csv", "1,nan,3,4,5,6,7,8\n"), (":1: field 2 is NaN or Inf",))


def row_theta_inf(t):
    theta_row(t, t.write("inf.csv", good_line() + "1,2,3,4,5,6,7,-inf\n"),
              (":2: field 8 is NaN or Inf",))


def row_theta_empty(t):
    theta_row(t, t.write("empty.csv", "# a comment, no rows\n"), ("no data rows",))


def row_theta_nul(t):
    theta_row(t, t.write("nul.csv", b"1,2,3,4\x00,5,6,7,8\n"), (":1: NUL byte in line",))


def row_theta_missing(t):
    theta_row(t, t.path("missing.csv"), ("cannot open", "No such file or directory"))


# ===================================================================== K

def row_count_zero(t):
    out, earlier = t.path("out.csv"), t.earlier("earlier.csv")
    frag = ("bad setting", "candidate count 0 is out of range 1..1048576")
    t.run(*t.sample(t.probe, t.theta, out, "--count", "0"), frags=frag, absent=[out])
    t.run(*t.solve(t.probe, t.theta, earlier, "--count", "0"), frags=frag)


def row_count_over_max(t):
    out = t.path("out.csv")
    t.run(*t.sample(t.probe, t.theta, out, "--count", str(K_MAX + 1)),
          frags=(f"candidate count {K_MAX + 1} is out of range",), absent=[out])


def row_count_negative(t):
    out = t.path("out.csv")
    t.run(*t.sample(t.probe, t.theta, out, "--count", "-1"), expect=2,
          frags=("bad value '-1' for --count",), absent=[out])
    t.run(*t.sample(t.probe, t.theta, out, "--count", "99999999999"), expect=2,
          frags=("bad value '99999999999' for --count",), absent=[out])


def row_count_absurd_oom(t):
    """K = 2^20 on the fixture needs several GiB: under a smaller address-space
    limit the allocation must fail with a message, never a signal."""
    if sanitized(t.dl2o):
        print("skipped: RLIMIT_AS does not work with a sanitizer's shadow memory")
        return SKIP
    out, earlier = t.path("out.csv"), t.earlier("earlier.csv")
    for args, o in ((t.sample(t.probe, t.theta, out, "--count", str(K_MAX)), out),
                    (t.solve(t.probe, t.theta, earlier, "--count", str(K_MAX)), earlier)):
        for gib in (1, 2, 3):
            p = t.run(*args, expect=None, absent=[o], vmem=gib << 30)
            if p.returncode == 127 and "error while loading shared libraries" in p.stderr:
                continue  # below what the dynamic loader needs: try a larger limit
            t.check(p.returncode == 1 and "out of memory" in p.stderr and "lower the" in p.stderr,
                    f"{args[0]} under {gib} GiB: exit {p.returncode}, no 'out of memory ...; "
                    "lower the ...' message")
            break
        else:
            t.check(False, f"{args[0]}: the dynamic loader failed under every limit")


# ================================================================== device

def row_device_cuda_missing(t):
    out, earlier = t.path("out.csv"), t.earlier("earlier.csv")
    w = t.earlier("w.h5", open(t.probe, "rb").read())
    frags = ("device not available", "no usable GPU", "use --device cpu or auto")
    t.run(*t.sample(t.probe, t.theta, out, "--device", "cuda"), frags=frags, absent=[out])
    t.run(*t.solve(t.probe, t.theta, earlier, "--device", "cuda"), frags=frags)
    t.run(*t.train(w, "--device", "cuda"), frags=("dl2o train: bad --device",) + frags,
          absent=t.by_products(w))


def row_device_unknown_name(t):
    out = t.path("out.csv")
    w = t.earlier("w.h5", open(t.probe, "rb").read())
    t.run(*t.sample(t.probe, t.theta, out, "--device", "gpu"),
          frags=("--device must be auto, cpu or cuda",), absent=[out])
    t.run(*t.train(w, "--device", "gpu"), expect=2, frags=("--device must be auto, cpu or cuda",),
          absent=t.by_products(w))


def row_device_auto_fallback(t):
    # not an error: auto without a usable GPU says so and runs on the CPU
    out = t.path("out.csv")
    t.run(*t.sample(t.probe, t.theta, out, "--device", "auto"), expect=0,
          frags=("using cpu (no usable GPU:",))
    t.check(os.path.exists(out) and open(out).readline().startswith("instance,candidate,f"),
            "auto on the CPU wrote no candidates")


# ========================================================= output location

def row_out_nodir(t):
    out = t.path("nodir/out.csv")
    frags = (f"cannot write {out}: No such file or directory",)
    t.run(*t.sample(t.probe, t.theta, out), frags=frags, absent=[out])
    t.run(*t.solve(t.probe, t.theta, out), frags=frags, absent=[out])
    w = t.path("nodir/w.h5")
    t.run(*t.train(w), frags=("cannot create a temporary file next to it",),
          absent=t.by_products(w))


def row_out_notdir(t):
    # a path under a file: ENOTDIR even for root, which ignores permissions
    out = "/dev/null/dl2o-out.csv"
    frags = (f"cannot write {out}: Not a directory",)
    t.run(*t.sample(t.probe, t.theta, out), frags=frags)
    t.run(*t.solve(t.probe, t.theta, out), frags=frags)
    t.run(*t.train("/dev/null/dl2o-w.h5"), frags=("cannot create a temporary file next to it",))


def row_out_is_directory(t):
    d = t.path("a-dir")
    os.mkdir(d)
    t.keep_as_is(t.write("a-dir/keep", "keep\n"))
    t.run(*t.sample(t.probe, t.theta, d), frags=(f"cannot write {d}: Is a directory",))
    t.run(*t.solve(t.probe, t.theta, d), frags=(f"cannot write {d}: Is a directory",))
    loss = t.path("loss.csv")
    t.run(*t.train(d, "--no-data-file", "--loss-csv", loss),
          frags=("cannot rename the temporary file over it",), absent=[loss])
    t.check(os.path.isdir(d), "the directory in the way was replaced")


def row_out_full_sample(t):
    earlier = t.earlier("out.csv")
    t.run(*t.sample(t.probe, t.theta, earlier, "--count", "64"), fsize=4096,
          frags=("cannot write", "File too large"))


def row_out_full_solve(t):
    theta = t.write("theta60.csv", "".join(good_line(i % 7) for i in range(60)))
    earlier = t.earlier("out.csv")
    t.run(*t.solve(t.probe, theta, earlier), fsize=1024, frags=("cannot write", "File too large"))


def row_out_full_weights(t):
    # weights ~ 35 KB; the loss curve of 3 steps ~ 200 bytes
    w = t.earlier("w.h5", open(t.probe, "rb").read())
    loss = t.earlier("w.loss.csv", "step,lr\n1,0.1\n")
    t.run(*t.train(w, "--no-data-file", "--width", "16", "--oracle-width", "16"), fsize=16384,
          frags=("training failed", "check free disk space"), absent=[loss])


def row_out_full_data(t):
    # an earlier data file made with other settings: train regenerates it
    d = t.prep("data-good.h5")
    w = t.earlier("w.h5", open(t.probe, "rb").read())
    t.run(*t.train(w, "--data", d, "--instances", "200"), fsize=4096,
          frags=("training failed", "check free disk space"), absent=t.by_products(w)[2:])


def row_out_full_loss(t):
    # weights ~ 22 KB and data ~ 13 KB fit under 64 KiB; the 3000-step loss
    # curve (~ 150 KB) does not
    w = t.earlier("w.h5", open(t.probe, "rb").read())
    loss = t.earlier("w.loss.csv", "step,lr\n1,0.1\n")
    t.run(*t.train(w, "--no-data-file", "--steps", "3000", "--batch", "8", "--width", "4",
                   "--blocks", "0", "--oracle-width", "4", "--oracle-blocks", "0"),
          fsize=65536, frags=("cannot write the loss curve",))


def row_out_nodir_loss(t):
    w = t.earlier("w.h5", open(t.probe, "rb").read())
    t.run(*t.train(w, "--no-data-file", "--loss-csv", t.path("nodir/loss.csv")),
          frags=("cannot write the loss curve",))


def row_out_nodir_data(t):
    w = t.earlier("w.h5", open(t.probe, "rb").read())
    t.run(*t.train(w, "--data", t.path("nodir/d.h5")),
          frags=("cannot create a temporary file next to it",), absent=t.by_products(w))


# ================================================================ settings

def row_train_config_nonfinite(t):
    w = t.earlier("w.h5", open(t.probe, "rb").read())
    for opt, val in (("--lr", "nan"), ("--lr", "inf"), ("--lambda-f", "-1"),
                     ("--lambda-oracle-f", "nan")):
        t.run(*t.train(w, opt, val), frags=("lr must be > 0 and the lambdas >= 0, all finite",),
              absent=t.by_products(w))
    t.run(*t.train(w, "--steps", "0"), frags=("steps must be >= 1",), absent=t.by_products(w))


def row_train_family_unknown(t):
    w = t.path("w.h5")
    t.run("train", "--family", "rastrigin-0", "--out", w, "--quiet",
          frags=("bad --family", "unknown family 'rastrigin-0'"), absent=t.by_products(w))


def row_solve_budget_too_small(t):
    earlier = t.earlier("out.csv")
    t.run(*t.solve(t.probe, t.theta, earlier, "--maxeval", "5"),
          frags=("--maxeval 5 leaves no evaluation for candidates after 8 probes",))


def row_solve_unknown_solver(t):
    earlier = t.earlier("out.csv")
    t.run(*t.solve(t.probe, t.theta, earlier, "--solver", "magic"), expect=2,
          frags=("unknown solver 'magic'",))
    t.run(*t.solve(t.probe, t.theta, earlier, "--solver", "nlopt:XX_NOPE"),
          frags=("unknown NLopt algorithm 'XX_NOPE'",))
    t.run(*t.solve(t.probe, t.theta, earlier, "--solver", "gsl:nope"),
          frags=("unknown GSL minimizer 'nope'",))


# ==================================================================== main

def rows():
    return {n[4:]: f for n, f in globals().items() if n.startswith("row_") and callable(f)}


def check_doc(doc, api_rows):
    text = open(doc).read()
    named = set(re.findall(r"`(matrix\.(?:api|cli)\.[a-z0-9_]+)`", text))
    want = {f"matrix.api.{r}" for r in api_rows if r} | {f"matrix.cli.{r}" for r in rows()}
    bad = 0
    for t in sorted(want - named):
        print(f"{doc}: row test {t} is not in the table")
        bad += 1
    for t in sorted(named - want):
        print(f"{doc}: names {t}, which does not exist")
        bad += 1
    print(f"check_matrix --doc: {len(want)} row tests, {len(named)} named in {doc}, {bad} problem(s)")
    return 1 if bad else 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--doc":
        return check_doc(sys.argv[2], sys.argv[3].split(","))
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    dl2o, tm, fixtures, root = (os.path.abspath(a) for a in sys.argv[1:5])
    name = sys.argv[5]
    table = rows()
    if name not in table:
        print(f"check_matrix: unknown row '{name}'", file=sys.stderr)
        return 2
    t = Row(dl2o, tm, fixtures, root, name)
    code = table[name](t)
    if code == SKIP and not t.failures:
        return SKIP
    print(f"check_matrix {name}: {len(t.failures)} failure(s)")
    return 1 if t.failures else 0


if __name__ == "__main__":
    sys.exit(main())
