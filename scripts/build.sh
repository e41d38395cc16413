#!/usr/bin/env bash
# Builds the server (build/release) and the web client (web/dist). `scripts/build.sh server|web`
# builds one of them; `scripts/build.sh bench` the benchmark and crash-harness tool, coplan-bench
# (scripts/test.sh builds everything itself). Incremental: reuses the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
jobs=$(nproc)
if [ "$what" = all ] || [ "$what" = server ]; then
  echo "==> Building the server (build/release)"
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build/release -j "$jobs" --target coplan
fi
if [ "$what" = bench ]; then
  echo "==> Building coplan-bench (build/release)"
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build/release -j "$jobs" --target coplan coplan-bench
fi
if [ "$what" = all ] || [ "$what" = web ]; then
  echo "==> Building the web client (web/dist)"
  npm run --silent build
fi
