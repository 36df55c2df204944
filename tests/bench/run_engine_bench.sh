#!/usr/bin/env bash
# Engine figures for the closing notes and docs/BENCHMARKS.md: training time
# of rastrigin-10 at the default config, and propose() latency (K = 64,
# DDIM 10 steps) on one core. Usage: tests/bench/run_engine_bench.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
out=$build/bench-engine
mkdir -p "$out"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
start=$(date +%s.%N)
"$build/dl2o" train --family rastrigin-10 --out "$out/rastrigin-10.h5" --quiet --no-data-file
end=$(date +%s.%N)
echo "train rastrigin-10, default config: $(echo "$end - $start" | bc) s wall"
"$build/dl2o" info "$out/rastrigin-10.h5" | grep training
OPENBLAS_NUM_THREADS=1 "$build/tests/bench_propose" "$out/rastrigin-10.h5" 64 10 200
