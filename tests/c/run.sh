#!/usr/bin/env bash
# Builds and runs the C tests (and the C example) against libnextbest, under AddressSanitizer
# and UndefinedBehaviorSanitizer, twice: linked to the shared library and to the static one.
#
# Usage (from the repository root, after `cargo build --release -p nextbest-c`):
#   bash tests/c/run.sh target/release
# The tests read the shared fixtures in tests/fixtures (test_features: pipeline_small*,
# test_model: logistic_small*, scoring_small* and boosting_small*; see tests/fixtures/README.md).
# Ends with a line "N passed, N failed"; exits non-zero when anything failed.
set -uo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 <cargo profile dir holding libnextbest.so and libnextbest.a, e.g. target/release>" >&2
    exit 2
fi
LIB_DIR=$(cd "$1" && pwd)
cd "$(dirname "$0")/../.."
for lib in libnextbest.so libnextbest.a; do
    if [ ! -f "$LIB_DIR/$lib" ]; then
        echo "$LIB_DIR/$lib is missing: run cargo build --release -p nextbest-c" >&2
        exit 2
    fi
done

CC=${CC:-cc}
CXX=${CXX:-g++}
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer"
CFLAGS="-std=c11 -Wall -Wextra -Wpedantic -Werror $SAN -I bindings-c/include"
CXXFLAGS="-std=c++17 -Wall -Wextra -Wpedantic -Werror $SAN -I bindings-c/include"
SHARED_LIBS="-L$LIB_DIR -lnextbest -Wl,-rpath,$LIB_DIR -lm"
# The static library needs what the Rust standard library links (`--print native-static-libs`;
# on glibc >= 2.34 libdl, librt, libutil and libpthread are part of libc).
STATIC_LIBS="$LIB_DIR/libnextbest.a -lpthread -ldl -lm"
# UBSan only prints by default: make it fail the test. LeakSanitizer stays on: the library
# frees everything it hands out, and its per-thread error message lives in thread-local storage,
# which LeakSanitizer scans, so no suppression is needed.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
# test_bandit provokes one caught internal panic; keep its report short.
export RUST_BACKTRACE=0

OUT="$LIB_DIR/c-tests"
mkdir -p "$OUT"
passed=0
failed=0

# run_one NAME COMPILER FLAGS SOURCE LIBS [ARGS...]
run_one() {
    local name=$1 compiler=$2 flags=$3 source=$4 libs=$5
    shift 5
    # shellcheck disable=SC2086 # flags and libs are word lists
    if ! $compiler $flags "$source" $libs -o "$OUT/$name"; then
        echo "FAIL $name (build)"
        failed=$((failed + 1))
        return
    fi
    if "$OUT/$name" "$@" >"$OUT/$name.log" 2>&1; then
        echo "ok   $name"
        passed=$((passed + 1))
    else
        echo "FAIL $name:"
        sed 's/^/    /' "$OUT/$name.log"
        failed=$((failed + 1))
    fi
}

for link in shared static; do
    if [ $link = shared ]; then libs=$SHARED_LIBS; else libs=$STATIC_LIBS; fi
    run_one "test_bandit_$link" "$CC" "$CFLAGS" tests/c/test_bandit.c "$libs"
    run_one "test_golden_$link" "$CC" "$CFLAGS" tests/c/test_golden.c "$libs" tests/golden/thompson.txt
    run_one "test_threads_$link" "$CC" "$CFLAGS -pthread" tests/c/test_threads.c "$libs"
    run_one "test_features_$link" "$CC" "$CFLAGS -pthread" tests/c/test_features.c "$libs" \
        tests/fixtures/pipeline_small.json tests/fixtures/pipeline_small_expected.txt
    run_one "test_model_$link" "$CC" "$CFLAGS -pthread" tests/c/test_model.c "$libs" \
        tests/fixtures/logistic_small.json tests/fixtures/logistic_small_expected.txt \
        tests/fixtures/scoring_small.json tests/fixtures/scoring_small_expected.txt \
        tests/fixtures/boosting_small.json tests/fixtures/boosting_small_expected.txt
    run_one "test_cpp_$link" "$CXX" "$CXXFLAGS" tests/c/test_cpp.cpp "$libs"
    run_one "campaign_$link" "$CC" "$CFLAGS" examples/c/campaign.c "$libs"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
