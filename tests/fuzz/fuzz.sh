#!/bin/sh
# fuzz.sh — builds and runs the libFuzzer targets (tests/fuzz/README.md).
#
#   fuzz.sh check                      exit 0 when clang can link -fsanitize=fuzzer
#   fuzz.sh build   DIR                configure + build the targets in DIR (clang)
#   fuzz.sh smoke   DIR TARGET SECS    replay regressions/ and corpus/, then fuzz SECS
#                                      (a CTest smoke run; nothing written to the tree)
#   fuzz.sh campaign DIR SECS [TARGET...]  fuzz each TARGET (default: all) for SECS,
#                                      growing DIR/corpus/TARGET, crashes to DIR/crashes/TARGET
#
# TARGET is weights, data or csv. Exit status: 0 clean, 1 a finding (its
# reproducer is named in the output), 2 usage or build error, 77 no libFuzzer.
set -u
here=$(cd "$(dirname "$0")" && pwd)
CC_FUZZ=${CC_FUZZ:-clang}
targets_all="weights data csv"

die() { echo "fuzz.sh: $*" >&2; exit 2; }

check() {
    command -v "$CC_FUZZ" >/dev/null 2>&1 || { echo "fuzz.sh: $CC_FUZZ not found"; return 77; }
    t=$(mktemp -d) || return 2
    printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' > "$t/t.c"
    if ! "$CC_FUZZ" -fsanitize=fuzzer,address,undefined "$t/t.c" -o "$t/t" > "$t/log" 2>&1; then
        echo "fuzz.sh: $CC_FUZZ cannot link -fsanitize=fuzzer (install libclang-rt-14-dev):"
        cat "$t/log"; rm -rf "$t"; return 77
    fi
    rm -rf "$t"
    return 0
}

build() {
    dir=$1
    check || exit $?
    cmake -S "$here" -B "$dir" -DCMAKE_C_COMPILER="$CC_FUZZ" > "$dir.configure.log" 2>&1 ||
        { cat "$dir.configure.log"; die "configure failed"; }
    cmake --build "$dir" -j "${JOBS:-2}" || die "build failed"
}

# Options shared by every run: 10 s per input is a hang; 2 GB of resident
# memory is the limit. A single huge malloc is not by itself a finding:
# libhdf5 asks for sizes read from the file and checks for NULL, as a
# production malloc would return; so ASan returns NULL too
# (allocator_may_return_null, and for anything over 4 GiB, whose shadow
# memory alone would pass the RSS limit) and libFuzzer's per-malloc limit
# is lifted (1 TiB), leaving the RSS limit to catch memory really used. Leaks inside
# libhdf5's own error paths are suppressed (lsan.supp, with the reason);
# dl2o's own leaks are not. One thread for OpenBLAS.
common="-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1048576 -print_final_stats=1"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
# Set here, not inherited: a sanitizer suite (make check-asan) exports its own
# options to every test, and the targets need these. FUZZ_*_OPTIONS override.
export ASAN_OPTIONS="${FUZZ_ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:max_allocation_size_mb=4096:abort_on_error=0}"
export LSAN_OPTIONS="${FUZZ_LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${FUZZ_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

dict_opt() {
    case $1 in csv) echo "-dict=$here/csv.dict" ;; *) echo "-dict=$here/h5.dict" ;; esac
}

exe() {
    x="$1/fuzz_$2"
    [ -x "$x" ] || die "$x not built (fuzz.sh build $1)"
    echo "$x"
}

smoke() {
    dir=$1 target=$2 secs=$3
    x=$(exe "$dir" "$target") || exit 2
    art="$dir/crashes/$target"
    mkdir -p "$art"
    # 1. Every reproducer found so far, then every seed, once each.
    files=$(find "$here/regressions/$target" "$here/corpus/$target" -type f 2>/dev/null | sort)
    n=$(echo "$files" | grep -c . || true)
    echo "replaying $n files (regressions first) through fuzz_$target"
    # shellcheck disable=SC2086
    if [ "$n" -gt 0 ] && ! "$x" $common -artifact_prefix="$art/" $files > "$art/replay.log" 2>&1; then
        tail -n 60 "$art/replay.log"
        echo "FAIL: a regression or seed file crashes fuzz_$target (log: $art/replay.log)"
        exit 1
    fi
    # 2. A short fuzzing run from the seeds, in a scratch corpus. Fixed seed
    #    and a fixed cap on inputs: a slower machine runs a prefix of the
    #    same input sequence, so the smoke test does not change with speed.
    work=$(mktemp -d) || exit 2
    trap 'rm -rf "$work"' EXIT
    "$x" $common $(dict_opt "$target") -seed=1 -runs="${FUZZ_SMOKE_RUNS:-20000}" \
        -max_total_time="$secs" -artifact_prefix="$art/" \
        "$work" "$here/corpus/$target" > "$art/smoke.log" 2>&1
    rc=$?
    grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|Done )" "$art/smoke.log" | tail -n 3
    if [ $rc -ne 0 ]; then
        tail -n 60 "$art/smoke.log"
        echo "FAIL: fuzz_$target found a problem; reproducer in $art/ (log: $art/smoke.log)"
        exit 1
    fi
    echo "fuzz_$target: clean for ${secs}s"
}

campaign() {
    dir=$1 secs=$2
    shift 2
    [ $# -gt 0 ] || set -- $targets_all
    status=0
    for target in "$@"; do
        x=$(exe "$dir" "$target") || exit 2
        corpus="$dir/corpus/$target" art="$dir/crashes/$target"
        mkdir -p "$corpus" "$art"
        marker="$art/.campaign-start"
        : > "$marker"
        echo "== fuzz_$target for ${secs}s: corpus $corpus, crashes $art/"
        # -fork=1: a crash, leak or hang is saved and the campaign continues.
        "$x" $common $(dict_opt "$target") -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
            -ignore_ooms=1 -max_total_time="$secs" -artifact_prefix="$art/" \
            "$corpus" "$here/corpus/$target" 2>&1 | tee "$dir/campaign-$target.log" |
            grep -E "^#[0-9]+: |ERROR|DONE" | tail -n 5
        found=$(find "$art" -type f -newer "$marker" \( -name 'crash-*' -o -name 'leak-*' \
                -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
        echo "fuzz_$target: $found new reproducer(s) in $art/"
        [ "$found" -eq 0 ] || status=1
    done
    exit $status
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
check) check; exit $? ;;
build) [ $# -eq 1 ] || die "usage: fuzz.sh build DIR"; build "$1" ;;
smoke) [ $# -eq 3 ] || die "usage: fuzz.sh smoke DIR TARGET SECS"; smoke "$@" ;;
campaign) [ $# -ge 2 ] || die "usage: fuzz.sh campaign DIR SECS [TARGET...]"; campaign "$@" ;;
*) die "usage: fuzz.sh check | build DIR | smoke DIR TARGET SECS | campaign DIR SECS [TARGET...]" ;;
esac
