#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run). Installs what is missing, builds once into
# build/*, and runs: the C++ tests (GoogleTest), the node and browser tests (vitest driving real
# @codemirror/collab peers and Debian's Chromium against the real server), the trace replay, and
# the C++ tests again under AddressSanitizer+UndefinedBehaviorSanitizer and ThreadSanitizer.
#   scripts/test.sh --quick   C++ tests and node/browser tests only (for quick iterations)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1
jobs=$(nproc)
started=$(date +%s)
step() { echo; echo "==> $* ($(( $(date +%s) - started ))s)"; }

scripts/setup.sh

step "Build (release)"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$jobs"

step "C++ tests (GoogleTest)"
build/release/coplan_tests --gtest_brief=1

step "Web client build (tsc + vite)"
npm run --silent build

step "Node and browser tests (vitest, real server, @codemirror/collab peers, Chromium)"
COPLAN_BIN=build/release/coplan npx vitest run --config tests/web/vitest.config.ts

if [ "$quick" = 1 ]; then
  step "Quick run done"
  exit 0
fi

step "Trace replay over WebSocket (automerge-paper, then restart)"
build/release/coplan-bench replay --coplan build/release/coplan

step "History of a 260,000-edit unit: open and jump (timed, not asserted)"
build/release/coplan-bench history --coplan build/release/coplan

step "Benchmark suite at a tiny size: every workload and server, checked for correctness only"
bench/suite.sh --tiny --out "$(mktemp /tmp/coplan-bench-tiny.XXXXXX.jsonl)"

step "Build and run the C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DCOPLAN_SANITIZE=address,undefined >/dev/null
cmake --build build/asan -j "$jobs" --target coplan_tests
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build/asan/coplan_tests --gtest_brief=1

step "Build and run the server tests under ThreadSanitizer"
cmake -S . -B build/tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOPLAN_SANITIZE=thread >/dev/null
cmake --build build/tsan -j "$jobs" --target coplan_tests
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build/tsan/coplan_tests --gtest_brief=1 --gtest_filter='Server*:Store*'

step "All tests passed"
