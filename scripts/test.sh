#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run). Installs what is missing, builds once into
# build/*, and runs: the C++ tests (GoogleTest), the node and browser tests (vitest driving real
# @codemirror/collab peers and Debian's Chromium against the real server), the trace replay, and
# the C++ tests again under AddressSanitizer+UndefinedBehaviorSanitizer and ThreadSanitizer, and a
# one-minute libFuzzer run of the message parser, ChangeSets and structure commands (fuzz/).
#   scripts/test.sh --quick   C++ tests and node/browser tests only (for quick iterations)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1
jobs=$(nproc)
started=$(date +%s)
step() { echo; echo "==> $* ($(( $(date +%s) - started ))s)"; }
# Runs a GoogleTest binary in several processes, two at a time (one per core; every test binds port 0
# and works in its own temporary directory): each test of the known long suites on its own, first,
# then every other suite in one process. Prints every output; fails if any process failed. Arguments:
# the binary, then its flags (a --gtest_filter given here chooses the tests).
gtest_parallel() {
  local bin=$1 filter='*' flags=() arg out part rc=0
  shift
  for arg in "$@"; do
    case "$arg" in --gtest_filter=*) filter=${arg#--gtest_filter=} ;; *) flags+=("$arg") ;; esac
  done
  out=$(mktemp -d /tmp/coplan-gtest.XXXXXX)
  # One line per test: "Suite.Name".
  "$bin" --gtest_list_tests --gtest_filter="$filter" |
    awk '/^[A-Za-z0-9_\/]+\.$/ {suite = $1; next} /^  [A-Za-z0-9_\/]+/ {print suite $1}' >"$out/tests"
  # The known long suites run one test per process, first; every other suite in one process.
  local long='^(ConcurrentTrace|ServerLimits|ServerWsConformance|UnitDoc|ServeCommand)\.'
  { grep -E "$long" "$out/tests" || true
    grep -vE "$long" "$out/tests" | sed 's/\..*/.*/' | uniq; } >"$out/order"
  # xargs runs: bash -c SCRIPT bin out filter flags...
  xargs -P 2 -I{} bash -c '"$1" --gtest_filter="$3" "${@:4}" >"$2/$3.log" 2>&1 || touch "$2/$3.failed"' \
    _ "$bin" "$out" {} "${flags[@]}" <"$out/order"
  while read -r part; do
    grep -v '^Running main()' "$out/$part.log"
    if [ -e "$out/$part.failed" ]; then echo "FAILED: $part" >&2; rc=1; fi
  done <"$out/order"
  echo "$(wc -l <"$out/order") processes, two at a time: $(cat "$out"/*.log | sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\?\./\1/p' |
    awk '{n += $1} END {print n + 0}') of $(wc -l <"$out/tests") tests passed$([ $rc = 0 ] || echo ", some FAILED")"
  rm -rf "$out"
  return $rc
}

scripts/setup.sh

step "Build (release)"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$jobs"

step "C++ tests (GoogleTest)"
gtest_parallel build/release/coplan_tests --gtest_brief=1

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

step "History of a 260,000-edit unit: open and jump; then a closed unit and its history opened after a million other ops (timed, not asserted)"
build/release/coplan-bench history --coplan build/release/coplan

step "Crash safety: the server killed with SIGKILL 20 times under load; every acknowledged edit and structure command checked"
build/release/coplan-bench crash --kills 20 --units 10 --rate 50

step "Benchmark suite at a tiny size: every workload and server, checked for correctness only"
bench/suite.sh --tiny --out "$(mktemp /tmp/coplan-bench-tiny.XXXXXX.jsonl)"

step "Build and run the C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DCOPLAN_SANITIZE=address,undefined >/dev/null
cmake --build build/asan -j "$jobs" --target coplan_tests
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 gtest_parallel build/asan/coplan_tests --gtest_brief=1

step "Build and run the server tests under ThreadSanitizer"
cmake -S . -B build/tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOPLAN_SANITIZE=thread >/dev/null
cmake --build build/tsan -j "$jobs" --target coplan_tests
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" gtest_parallel build/tsan/coplan_tests --gtest_brief=1 --gtest_filter='Server*:Store*:Access*:CollaborationLog*:ServeCommand*:Reflection*:Contributions*:StudentNoteStore*:Tls*'

step "Fuzz message parsing, ChangeSets and structure commands (libFuzzer + ASan/UBSan, 20 s each; docs/fuzzing.md)"
cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DCOPLAN_FUZZ=ON \
  -DCOPLAN_TESTS=OFF >/dev/null
cmake --build build/fuzz -j "$jobs" --target fuzzers
fuzz_work=$(mktemp -d /tmp/coplan-fuzz.XXXXXX)
for fuzzer in client_message_fuzz change_set_fuzz unit_commands_fuzz; do
  # On a copy of the seed corpus, so the repository's corpus does not grow.
  cp -r "fuzz/corpus/$fuzzer" "$fuzz_work/$fuzzer"
  dict=()
  if [ "$fuzzer" != unit_commands_fuzz ]; then dict=(-dict=fuzz/json.dict); fi
  if ! "build/fuzz/$fuzzer" "$fuzz_work/$fuzzer" "${dict[@]}" -max_total_time=20 -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$fuzz_work/$fuzzer-" >"$fuzz_work/$fuzzer.log" 2>&1; then
    tail -n 60 "$fuzz_work/$fuzzer.log"
    echo "$fuzzer found a crash: the input is $(ls "$fuzz_work/$fuzzer"-* 2>/dev/null | head -n 1);" \
         "docs/fuzzing.md says how it becomes a regression test" >&2
    exit 1
  fi
  echo "$fuzzer: $(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$fuzz_work/$fuzzer.log" | grep -o '[0-9]*$') runs," \
       "$(grep -o 'cov: [0-9]*' "$fuzz_work/$fuzzer.log" | tail -n 1), no crash"
done
rm -rf "$fuzz_work"

step "All tests passed"
