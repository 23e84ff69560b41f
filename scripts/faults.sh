#!/usr/bin/env bash
# The fault suite's long form (docs/reliability.md): the worker binary on the exchange simulator
# killed with SIGKILL 20 times at random points, Snowflake and Milvus down 60 s while it trades,
# the market and user-data sockets cut, 5xx/429/418 storms and a skewed clock; then every parser
# (the backtester's CSV reader, Binance payloads, the web tier's bodies, query strings and tokens)
# fuzzed with 1,000,000 generated inputs per property. The short form of the same tests runs in
# ./scripts/test.sh.
#
# Needs the test services ./scripts/test.sh installs into .venv (run it once first). Starts its
# own fakesnow and milvus-lite on 127.0.0.1, stopped by PID at the end. Runs nice'd; the figures
# go to target/faults/summary.txt. Takes about 1.5 hours on 2 cores.
#
#   MIRAI_FUZZ_CASES=N   cases per fuzz property (default 1000000)
#   MIRAI_FAULTS_SEED=N  replay a run's random choices (each test prints its seed)
#   FAULTS_ONLY=1        the fault suite without the fuzzing; FUZZ_ONLY=1 the other way round
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

venv="$root/.venv"
if [ ! -x "$venv/bin/fakesnow" ] || [ ! -x "$venv/bin/milvus-lite" ]; then
  echo "error: the test services are not installed; run ./scripts/test.sh once (it installs them into .venv)" >&2
  exit 1
fi
export MIRAI_TEST_VENV="$venv"
cases=${MIRAI_FUZZ_CASES:-1000000}
out="$root/target/faults"
mkdir -p "$out"
summary="$out/summary.txt"
: > "$summary"

run_dir=$(mktemp -d)
export MIRAI_TEST_PIDS_DIR="$run_dir/pids"
mkdir -p "$MIRAI_TEST_PIDS_DIR"
cleanup() {
  for f in "$MIRAI_TEST_PIDS_DIR"/*; do
    [ -e "$f" ] || continue
    kill "$(basename "$f")" 2>/dev/null || true
  done
  rm -rf "$run_dir"
}
trap cleanup EXIT

free_port() { "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start_service() { # name, port variable, command... (the port is appended)
  local name=$1 var=$2; shift 2
  local port; port=$(free_port)
  local dir="$run_dir/$name"; mkdir -p "$dir"
  (cd "$dir" && exec "$@" "$port" >"$dir/log" 2>&1) &
  local pid=$!
  touch "$MIRAI_TEST_PIDS_DIR/$pid"
  for _ in $(seq 1 900); do
    if "$venv/bin/python" -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null; then
      export "$var=$port"; echo "    $name on 127.0.0.1:$port (pid $pid)"; return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "error: $name did not start:" >&2; cat "$dir/log" >&2; exit 1
}

{
  echo "Mirai fault suite, long form: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB, $(uname -sr)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
} | tee -a "$summary"

seconds() { date +%s; }
failed=0

if [ "${FUZZ_ONLY:-}" != 1 ]; then
  echo "==> starting test services"
  start_service fakesnow MIRAI_TEST_FAKESNOW_PORT "$venv/bin/fakesnow" -s --host 127.0.0.1 --db_path "$run_dir/fakesnow" -p
  start_service milvus-lite MIRAI_TEST_MILVUS_PORT "$venv/bin/milvus-lite" server --data-dir "$run_dir/milvus-lite" --host 127.0.0.1 --port
  echo "==> building the worker's tests (and the mirai binary they run)"
  cargo test --locked -p mirai-worker --test app --no-run
  echo "==> fault suite, long form (one test at a time)"
  started=$(seconds)
  if ! MIRAI_FAULTS_LONG=1 nice cargo test --locked -p mirai-worker --test app faults:: -- --nocapture \
    --test-threads 1 2>&1 | tee "$out/faults.log"; then
    echo "FAILED: the fault suite (see $out/faults.log)" | tee -a "$summary"
    failed=1
  fi
  echo "fault suite: $(( $(seconds) - started )) s; command: MIRAI_FAULTS_LONG=1 cargo test -p mirai-worker --test app faults:: -- --nocapture --test-threads 1" \
    | tee -a "$summary"
  # `--nocapture` may print a figure on the same line as the test's name.
  grep -ho 'FAULTS .*' "$out/faults.log" | tee -a "$summary"
fi

if [ "${FAULTS_ONLY:-}" != 1 ]; then
  echo "==> fuzzing: $cases cases per property"
  export PROPTEST_CASES=$cases
  fuzz() { # label, cargo test arguments...
    local label=$1; shift
    local started; started=$(seconds)
    if ! nice cargo test --locked "$@" -- --nocapture --test-threads 1 2>&1 | tee "$out/fuzz-$label.log"; then
      echo "FAILED: fuzz $label (see $out/fuzz-$label.log)" | tee -a "$summary"
      failed=1
    fi
    echo "fuzz $label: $cases cases per property, $(( $(seconds) - started )) s; command: PROPTEST_CASES=$cases cargo test $*" \
      | tee -a "$summary"
    grep -ho 'FUZZ .*' "$out/fuzz-$label.log" | tee -a "$summary" || true
  }
  # The backtester's CSV reader: its damaged-line property and its number parser's.
  fuzz csv -p mirai-backtest --lib data::
  fuzz binance -p mirai-binance --test binance fuzz
  fuzz web -p mirai-web --test api fuzz
fi
echo "==> figures in $summary"
exit "$failed"
