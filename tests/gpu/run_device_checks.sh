#!/usr/bin/env bash
# run_device_checks.sh — the one script for the lent GPU machine (issue 5).
#
# That machine has the CUDA toolkit, CMake and a C compiler, but no NLopt,
# GSL, HDF5 or OpenBLAS and no package registry, so this builds the
# engine-only project (tests/gpu/CMakeLists.txt: core/ + cuda/, plain-C GEMM
# when no BLAS is found) there, for sm_90 plus PTX, then
#   1. runs the CUDA parity test (every op, sampling, 50 training steps
#      against the CPU reference) and the engine tests;
#   2. runs the benchmark (tests/bench/bench_cuda.c): training time per
#      standard family at the CPU default config, and DDIM-10 sampling
#      throughput for rastrigin-10 at batch 1 .. 1M, CPU figures beside;
#   3. if time is left, the parity test under compute-sanitizer memcheck,
#      and the sampling figures again with TF32 GEMMs.
# Everything goes to $OUT/device_checks.txt when OUT is set (else to
# $BUILD_DIR/device_checks.txt). Each step has a time limit; the whole run
# stays under 6 minutes.
#
# Usage, from the repository root:
#   tests/gpu/run_device_checks.sh            # on the GPU machine
#   DRY_RUN=1 tests/gpu/run_device_checks.sh  # anywhere: the CPU path
# Without nvidia-smi the script runs dry by itself: it builds (with the CUDA
# backend when nvcc is there), runs the tests (the parity test is skipped,
# exit 77) and a short CPU-only benchmark.
# Knobs: BUILD_DIR (default build-gpu), ENGINE_BLAS=0 (force the plain-C
# GEMM), SANITIZE=0 (skip compute-sanitizer), TRAIN_STEPS (GPU, 3000).
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build-gpu}
dest=${OUT:-$build}
mkdir -p "$build" "$dest"
log=$dest/device_checks.txt

dry=${DRY_RUN:-0}
if ! command -v nvidia-smi >/dev/null 2>&1; then dry=1; fi
start=$(date +%s)
elapsed() { echo $(($(date +%s) - start)); }
section() { printf '\n=== %s (t = %ss)\n' "$1" "$(elapsed)"; }

# step NAME LIMIT_S CMD...: runs CMD under a time limit, records its status.
declare -A status
step() {
    local name=$1 limit=$2 rc
    shift 2
    section "$name"
    echo "\$ $*"
    timeout --signal=INT --kill-after=10 "$limit" "$@"
    rc=$?
    [ $rc -eq 124 ] && echo "!!! $name: stopped at its ${limit}s limit"
    status[$name]=$rc
    return $rc
}

main() {
    section "machine"
    echo "mode: $([ "$dry" = 1 ] && echo 'DRY RUN (CPU path)' || echo GPU)"
    echo "host: $(uname -srm), $(nproc) cores"
    echo "tree: $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo 'no git') $(date -u +%FT%TZ)"
    if [ "$dry" != 1 ]; then
        nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
    fi
    command -v nvcc >/dev/null && nvcc --version | tail -2
    cmake --version | head -1
    cc --version | head -1

    local gen=() cuda=ON blas=ON
    command -v ninja >/dev/null && gen=(-G Ninja)
    [ "$dry" = 1 ] && cuda=AUTO
    [ "${ENGINE_BLAS:-1}" = 0 ] && blas=OFF
    step configure 60 cmake -S "$root/tests/gpu" -B "$build" "${gen[@]}" \
        -DCMAKE_BUILD_TYPE=Release -DDL2O_CUDA=$cuda -DDL2O_ENGINE_BLAS=$blas || return 1
    step build 120 cmake --build "$build" -j "$(nproc)" || return 1

    step parity 90 "$build/test_cuda_parity"
    local parity=${status[parity]}
    step engine-tests 60 ctest --test-dir "$build" --output-on-failure -E '^cuda_parity$'

    local bench=("$build/bench_cuda")
    if [ "$dry" = 1 ]; then
        step bench 120 "${bench[@]}" --train-steps=5 --cpu-train-steps=5 \
            --families=rastrigin-2,rastrigin-10 --max-batch=100 --cpu-max-batch=100
    else
        # The CPU side here is this machine's reference backend (plain-C GEMM
        # when no BLAS was found): a few steps, scaled; the 2-core OpenBLAS
        # figures come from tests/bench/bench_cuda on the CI machine.
        step bench 180 "${bench[@]}" --train-steps="${TRAIN_STEPS:-3000}" --cpu-train-steps=10 \
            --max-batch=1000000 --cpu-max-batch=1000
        if [ "${SANITIZE:-1}" = 1 ] && command -v compute-sanitizer >/dev/null && [ "$(elapsed)" -lt 220 ]; then
            step memcheck 60 compute-sanitizer --tool memcheck --report-api-errors no --error-exitcode 9 \
                "$build/test_cuda_parity"
        fi
        if [ "$(elapsed)" -lt 300 ]; then
            DL2O_CUDA_TF32=1 step bench-tf32 40 "${bench[@]}" --no-train --no-cpu --max-batch=1000000
        fi
    fi

    section "summary"
    local k
    for k in configure build parity engine-tests bench memcheck bench-tf32; do
        [ -n "${status[$k]+x}" ] && printf '%-13s exit %s\n' "$k" "${status[$k]}"
    done
    case $parity in
        0) echo "parity: PASSED on the GPU" ;;
        77) echo "parity: SKIPPED (no usable GPU or no CUDA backend in this build)" ;;
        *) echo "parity: FAILED (exit $parity)" ;;
    esac
    echo "total: $(elapsed) s"
    [ "$parity" = 0 ] || [ "$parity" = 77 ]
}

main 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
echo "(log: $log)"
exit "$rc"
