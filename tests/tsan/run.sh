#!/bin/sh
# run.sh SRC_DIR OUT_DIR WEIGHTS "BLAS_LIBS" "HDF5_INCLUDES" "HDF5_LIBS"
#
# Builds the library's C sources (core/, plugin/) and test_tsan_propose.c
# with -fsanitize=thread into OUT_DIR, then runs the test on WEIGHTS. The
# objects are kept: a later run recompiles only sources newer than their
# object (all of them when a header changed). The list arguments are CMake
# lists (';'-separated). Exit status: the test's; 77 (skipped) when this
# compiler or system cannot run ThreadSanitizer.
set -u
src=$1 out=$2 weights=$3
blas=$(echo "${4:-openblas}" | tr ';' ' ')
h5inc=$(echo "${5:-}" | tr ';' ' ')
h5lib=$(echo "${6:-}" | tr ';' ' ')
cc=${CC:-cc}
mkdir -p "$out/obj" || exit 1

# 1. Can this compiler and system run TSan at all?
cat > "$out/probe.c" <<'PROBE'
#include <pthread.h>
static int x;
static void *f(void *a) { (void)a; x = 1; return 0; }
int main(void) { pthread_t t; pthread_create(&t, 0, f, 0); pthread_join(t, 0); return x - 1; }
PROBE
if ! $cc -fsanitize=thread -pthread "$out/probe.c" -o "$out/probe" >"$out/probe.log" 2>&1; then
    echo "skipped: $cc -fsanitize=thread does not build:"; cat "$out/probe.log"; exit 77
fi
wrap=""
if ! "$out/probe" >"$out/probe.log" 2>&1; then
    # TSan's runtime rejects some address-space layouts; without ASLR it may run.
    if command -v setarch >/dev/null 2>&1 && setarch "$(uname -m)" -R "$out/probe" >/dev/null 2>&1; then
        wrap="setarch $(uname -m) -R"
    else
        echo "skipped: ThreadSanitizer cannot run on this system:"; cat "$out/probe.log"; exit 77
    fi
fi

# 2. Build what changed.
inc="-I$src/core -I$src/plugin -I$src/plugin/include"
for d in $h5inc; do inc="$inc -I$d"; done
cflags="-std=c11 -D_POSIX_C_SOURCE=200809L -fsanitize=thread -O1 -g -pthread $inc"
cflags="$cflags $(pkg-config --cflags nlopt gsl)"
newest_h=$(ls -t "$src"/core/*.h "$src"/plugin/*.h "$src"/plugin/include/*.h | head -n 1)
objs="" stale=""
for c in "$src"/core/*.c "$src"/plugin/*.c "$src"/tests/tsan/test_tsan_propose.c; do
    o="$out/obj/$(basename "$c" .c).o"
    objs="$objs $o"
    if [ ! -f "$o" ] || [ "$c" -nt "$o" ] || [ "$newest_h" -nt "$o" ]; then stale="$stale $c"; fi
done
if [ -n "$stale" ]; then
    export cc cflags out
    # shellcheck disable=SC2016,SC2086
    printf '%s\n' $stale | xargs -P "$(nproc 2>/dev/null || echo 2)" -n 1 \
        sh -c '$cc $cflags -c "$1" -o "$out/obj/$(basename "$1" .c).o" || { echo "FAILED to compile $1"; exit 1; }' sh \
        || exit 1
fi
libs=""
for l in $blas $h5lib; do
    case $l in -*|/*) libs="$libs $l" ;; *) libs="$libs -l$l" ;; esac
done
# shellcheck disable=SC2086
$cc -fsanitize=thread -pthread $objs -o "$out/test_tsan_propose" $libs \
    $(pkg-config --libs nlopt gsl) -lm || { echo "FAILED to link"; exit 1; }

# 3. Run: one OpenBLAS thread, so the only threads are the test's own.
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
OPENBLAS_NUM_THREADS=1 $wrap "$out/test_tsan_propose" "$weights"
