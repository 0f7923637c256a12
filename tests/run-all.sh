#!/usr/bin/env bash
# The test command: installs everything, checks formatting, builds the release and the
# ASan+UBSan configurations, and runs every test (unit, fuzz replay, end-to-end with real clients).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
start=$SECONDS
step() { printf '\n==== %s (%ds)\n' "$*" $((SECONDS - start)); }

step "dependencies"
deploy/install-deps.sh --test

step "formatting (clang-format)"
tests/check-format.sh

step "release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"

step "release tests (unit, fuzz replay, end-to-end)"
ctest --test-dir build --output-on-failure -j "$jobs" -LE e2e
ctest --test-dir build --output-on-failure -L e2e

step "sanitizer build (ASan+UBSan)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSFU_SANITIZE=ON -DSFU_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$jobs"

step "sanitizer tests (unit, fuzz replay)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE e2e

step "done"
