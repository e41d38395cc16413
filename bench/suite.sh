#!/usr/bin/env bash
# The benchmark suite (issue #8): every workload against Coplan, ShareDB 7 (ot-text-unicode over
# ws), Hocuspocus 3.4 (Yjs) and the bare Beast echo floor, each server pinned to core 0 and each
# generator to core 1, a fresh server process per run. Results go to a JSON-lines file, one line
# per run; bench/report.mjs turns them into the tables of docs/benchmarks.md.
#
#   bench/suite.sh                 the full suite (about 15 minutes)
#   bench/suite.sh --tiny          every workload once at a tiny size, checked for correctness only
#                                  (scripts/test.sh runs this; timing is never checked)
#   bench/suite.sh --out FILE      where to write the results (default bench/results/<date>.jsonl)
#
# Needs the release build (scripts/build.sh bench) and the peers (npm ci --prefix bench/peers).
set -euo pipefail
cd "$(dirname "$0")/.."

TINY=0
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tiny) TINY=1 ;;
    --out) OUT="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
BIN=build/release
[ -x "$BIN/coplan" ] && [ -x "$BIN/coplan-bench" ] || { echo "build first: scripts/build.sh bench" >&2; exit 2; }
[ bench/peers/node_modules/.package-lock.json -nt bench/peers/package-lock.json ] || npm ci --prefix bench/peers --no-audit --no-fund --loglevel=error
if [ -z "$OUT" ]; then
  mkdir -p bench/results
  OUT="bench/results/$(date -u +%Y-%m-%d)$([ $TINY = 1 ] && echo -tiny || true).jsonl"
fi
: > "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
WORK=$(mktemp -d /tmp/coplan-suite.XXXXXX)
SERVER_PID=""
SERVER_PORT=""
CHECK=$([ $TINY = 1 ] && echo --check || true)
# Load generators type far faster than people and share two accounts among thousands of clients,
# so the per-connection and per-account message limits (docs/operations.md) are lifted here.
LIFT_LIMITS="--messages-per-second 1e9 --message-burst 1e9 --user-messages-per-second 1e9 --user-message-burst 1e9 --max-sockets-per-user 1000000 --max-connections-per-address 0"

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT

# start_server KIND [DATA_DIR]: starts a server on core 0 and waits for its port.
start_server() {
  local kind=$1 dir=${2:-$WORK/coplan-data} log=$WORK/server.log pattern
  stop_server
  : > "$log"
  case "$kind" in
    coplan)
      taskset -c 0 "$BIN/coplan" serve --port 0 --data-dir "$dir" --web-root /nonexistent --templates templates --demo \
        --threads 1 $LIFT_LIMITS > "$log" 2>&1 &
      pattern='running at http://[^:]*:\([0-9]*\)/' ;;
    sharedb) taskset -c 0 node bench/peers/sharedb-server.mjs 0 > "$log" 2>&1 & pattern='listening on \([0-9]*\)' ;;
    hocuspocus) taskset -c 0 node bench/peers/hocuspocus-server.mjs 0 > "$log" 2>&1 & pattern='listening on \([0-9]*\)' ;;
    echo) taskset -c 0 "$BIN/coplan-bench" echo-server --port 0 > "$log" 2>&1 & pattern='listening on \([0-9]*\)' ;;
  esac
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    SERVER_PORT=$(sed -n "s|.*$pattern.*|\1|p" "$log" | head -1)
    [ -n "$SERVER_PORT" ] && return 0
    sleep 0.05
  done
  echo "the $kind server did not start:" >&2
  cat "$log" >&2
  exit 1
}

# gen ARGS...: the C++ generator on core 1; its JSON line goes to the results.
gen() {
  local line
  line=$(taskset -c 1 "$BIN/coplan-bench" load --port "$SERVER_PORT" --server-pid "$SERVER_PID" $CHECK "$@")
  echo "$line" >> "$OUT"
  echo "$line"
}
# node_gen SYSTEM WORKLOAD ARGS...: the Node generator (each system's own client library) on core 1.
node_gen() {
  local system=$1 line
  shift
  line=$(SERVER_PID=$SERVER_PID taskset -c 1 node bench/peers/loadgen.mjs "$system" "ws://127.0.0.1:$SERVER_PORT" "$@")
  echo "$line" >> "$OUT"
  echo "$line"
}
p99_of() { node -e 'const r=JSON.parse(process.argv[1]); console.log(r.latency_ms ? r.latency_ms.p99 : r.p99)' "$1"; }

TRACE=../shared/data/editing-traces/automerge-paper.json.gz
[ -f "$TRACE" ] || TRACE=/work/shared/data/editing-traces/automerge-paper.json.gz

if [ $TINY = 1 ]; then
  # Every workload and every generator once, small: the code stays alive and correct.
  for t in coplan sharedb echo; do
    rm -rf "$WORK/coplan-data"
    start_server "$t"
    gen --target "$t" --workload fleet --units 5 --seconds 1
    gen --target "$t" --workload contention --units 1 --editors 3 --seconds 1
    gen --target "$t" --workload idle --units 5 --connections 50
  done
  rm -rf "$WORK/coplan-data"
  start_server coplan
  gen --target coplan --workload fleet --units 5 --editors 1 --viewers 0 --rate 50 --seconds 1
  for s in coplan sharedb hocuspocus; do
    rm -rf "$WORK/coplan-data"
    start_server "$s"
    node_gen "$s" fleet 3 1
    node_gen "$s" contention 3 1
  done
  stop_server
  "$BIN/coplan-bench" replay --limit 5000 | tail -3
  echo "benchmark suite (tiny): every workload ran; results in $OUT"
  exit 0
fi

echo "== 1. trace replay (automerge-paper, 259,778 edits)"
"$BIN/coplan-bench" replay | tee "$WORK/replay.txt"
for s in coplan sharedb hocuspocus; do
  rm -rf "$WORK/coplan-data"
  start_server "$s"
  node_gen "$s" replay "$TRACE"
done

echo "== 2. classroom fleet: N units x (2 editors at 5 edits/s + 1 viewer), stepped up"
for t in coplan sharedb echo; do
  rm -rf "$WORK/coplan-data"
  # Steps of 250 to 1,000 units and of 500 above it: a peer's threshold lies between two steps, so a
  # coarse ladder would swing the ratio by up to 2x from one run to the next.
  for n in 250 500 750 1000 1500 2000 2500 3000; do
    start_server "$t"
    line=$(gen --target "$t" --workload fleet --units "$n" --seconds 10 --doc-prefix "f$n")
    p99=$(p99_of "$line")
    node -e 'process.exit(Number(process.argv[1]) > 25 ? 1 : 0)' "$p99" || break
  done
done
for s in coplan sharedb hocuspocus; do
  for n in 50 100 200; do
    rm -rf "$WORK/coplan-data"
    start_server "$s"
    node_gen "$s" fleet "$n" 10
  done
done

echo "== 3. contention: 10 editors in one field"
for t in coplan sharedb echo; do
  rm -rf "$WORK/coplan-data"
  start_server "$t"
  gen --target "$t" --workload contention --units 1 --editors 10 --viewers 1 --seconds 10
done
for s in coplan sharedb hocuspocus; do
  rm -rf "$WORK/coplan-data"
  start_server "$s"
  node_gen "$s" contention 10 10
done

echo "== 4. idle capacity: 10,000 subscribed connections over 1,000 units"
for t in coplan sharedb echo; do
  rm -rf "$WORK/coplan-data"
  start_server "$t"
  gen --target "$t" --workload idle --units 1000 --connections 10000
done
for s in coplan sharedb hocuspocus; do
  rm -rf "$WORK/coplan-data"
  start_server "$s"
  node_gen "$s" idle 200 2000
done

echo "== 5. durable throughput: 1,000 units, one editor each, synchronous=FULL, group commit"
# The echo floor on the same schedule: each edit comes straight back, nothing is stored. Its ack
# latency is what the machine and the protocol allow; Coplan's p99 minus the floor's is the
# latency that durability (and the rest of the server) adds.
for rate in 20 50 100; do
  for t in coplan echo; do
    rm -rf "$WORK/coplan-data"
    start_server "$t"
    gen --target "$t" --workload fleet --units 1000 --editors 1 --viewers 0 --rate "$rate" --seconds 10
  done
done

echo "== 6. cold open of a unit with 259,856 ops"
"$BIN/coplan-bench" history | tee "$WORK/history.txt"

echo "results: $OUT"
