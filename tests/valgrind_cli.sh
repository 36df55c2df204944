#!/bin/sh
# valgrind_cli.sh — the dl2o command's main paths under valgrind memcheck.
#
# Usage: valgrind_cli.sh DL2O TMPDIR SUPPRESSIONS   (registered in tests/valgrind.cmake)
#
# Runs train (a tiny rastrigin-2 config, then again reusing its data file),
# info, sample, solve (none, nlopt:LD_LBFGS, gsl:bfgs2) and failing paths
# (missing weights file, a data file given as weights) under
#   valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
# Any memcheck error (invalid read/write, use of uninitialised values, a
# definite leak) makes valgrind exit 99 and the test fail, whatever exit the
# command itself meant to give; so does a wrong exit status or a signal.
# Exits 77 (skipped) when valgrind is not installed.
#
# Everything runs with --device cpu and one OpenBLAS/OpenMP thread: memcheck
# serializes threads anyway, and the CUDA runtime is not something memcheck can
# judge (a CUDA-enabled build would otherwise probe the driver here).
set -u
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind not found: skipped (apt-get install valgrind)"
    exit 77
fi
if [ $# -ne 3 ]; then
    echo "usage: $0 DL2O TMPDIR SUPPRESSIONS" >&2
    exit 2
fi
DL2O=$1 TMP=$2 SUPP=$3
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
rm -rf "$TMP" && mkdir -p "$TMP" || exit 1
cd "$TMP" || exit 1

failures=0
n=0
# vg EXPECT ARGS...: EXPECT is ok (exit 0) or fail (exit 1..98, with a message).
vg() {
    expect=$1
    shift
    n=$((n + 1))
    log="vg.$n.log"
    start=$(date +%s)
    valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite --suppressions="$SUPP" --log-file="$log" \
        "$DL2O" "$@" >"out.$n" 2>"err.$n"
    rc=$?
    secs=$(($(date +%s) - start))
    bad=""
    if [ $rc -eq 99 ]; then
        bad="memcheck errors"
    elif [ $rc -gt 128 ]; then
        bad="killed by signal $((rc - 128))"
    elif [ "$expect" = ok ] && [ $rc -ne 0 ]; then
        bad="exit $rc, expected 0"
    elif [ "$expect" = fail ] && [ $rc -eq 0 ]; then
        bad="exit 0, expected an error"
    elif [ "$expect" = fail ] && [ ! -s "err.$n" ]; then
        bad="failed without a message"
    fi
    if [ -n "$bad" ]; then
        failures=$((failures + 1))
        echo "FAIL ($bad, ${secs}s): dl2o $*"
        echo "---- stderr"
        cat "err.$n"
        echo "---- valgrind ($log)"
        cat "$log"
    else
        echo "ok   (exit $rc, ${secs}s): dl2o $*"
    fi
}

# Five rastrigin-2 instances: A (2x2 row-major), b, c.
cat >theta.csv <<'EOF'
0.8,-0.3,0.1,1.2,0.5,-1.1,0.9,1.3
-0.4,0.7,1.1,0.2,-0.6,0.3,1.4,0.8
1.5,0.2,-0.9,0.6,0.1,0.4,0.7,1.1
0.3,0.3,0.3,0.3,1.0,-1.0,1.2,0.6
-1.2,0.5,0.8,-0.2,0.0,0.9,1.0,1.0
EOF

TRAIN="--family rastrigin-2 --instances 50 --steps 5 --width 8 --blocks 1 --oracle-width 8
       --oracle-blocks 0 --probes 2 --restarts 1 --local-maxeval 50 --quiet --threads 1
       --device cpu --seed 3"
# shellcheck disable=SC2086 # TRAIN is a word list on purpose
vg ok train $TRAIN --out m.h5
# The second run reads the data file the first one wrote (m.data.h5).
# shellcheck disable=SC2086
vg ok train $TRAIN --steps 3 --out m2.h5 --data m.data.h5
vg ok info m.h5
S="--theta theta.csv --count 8 --steps 5 --device cpu"
# shellcheck disable=SC2086
vg ok sample --weights m.h5 $S --out cand.csv
for solver in none nlopt:LD_LBFGS gsl:bfgs2; do
    # shellcheck disable=SC2086
    vg ok solve --weights m.h5 $S --solver "$solver" --maxeval 200 --out "sol.$solver.csv"
done
# Failing paths: an error exit with a message, and still nothing leaked.
# shellcheck disable=SC2086
vg fail solve --weights missing.h5 $S --out never.csv
vg fail info missing.h5
# shellcheck disable=SC2086
vg fail sample --weights m.data.h5 $S --out never.csv

if [ -e never.csv ]; then
    echo "FAIL: a failed command left never.csv behind"
    failures=$((failures + 1))
fi
if [ $failures -ne 0 ]; then
    echo "valgrind_cli: $failures of $n runs failed"
    exit 1
fi
echo "valgrind_cli: $n runs clean"
