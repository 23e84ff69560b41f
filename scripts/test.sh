#!/usr/bin/env bash
# Mirai's test command (README, CI): installs what the tests need, then runs every check:
# formatting, lints with warnings as errors, and the whole workspace's tests against real local
# services (fakesnow, milvus-lite, moto) started here on 127.0.0.1 and stopped by PID at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo not found; install Rust (https://rustup.rs), then run this again" >&2
  exit 1
fi
if command -v rustup >/dev/null 2>&1; then
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
fi

# --- Python stand-ins for the real services, from PyPI, into .venv ----------------------------
venv="$root/.venv"
stamp="$venv/.requirements.sha256"
want=$(sha256sum scripts/test-requirements.txt | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> installing test services into .venv (fakesnow, milvus-lite, moto, binance-sdk-spot)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/test-requirements.txt
  echo "$want" > "$stamp"
fi
export MIRAI_TEST_VENV="$venv"

# --- Debian's Chromium for the dashboard's browser test (apps/worker/tests/app/browser.rs) -----
# Playwright drives /usr/bin/chromium; a browser build of its own cannot be downloaded here.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's chromium package for the browser test"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || true
  fi
  if [ ! -x /usr/bin/chromium ]; then
    echo "error: /usr/bin/chromium not found; install Debian's chromium package (apt-get install -y chromium)" >&2
    exit 1
  fi
fi

# --- One shared instance of each service for the run ---------------------------------------------
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
start_service() { # name, port variable, command...
  local name=$1 var=$2; shift 2
  local port; port=$(free_port)
  local dir="$run_dir/$name"; mkdir -p "$dir"
  (cd "$dir" && exec "$@" "$port" >"$dir/log" 2>&1) &
  local pid=$!
  touch "$MIRAI_TEST_PIDS_DIR/$pid"
  for _ in $(seq 1 900); do
    if "$venv/bin/python" -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null; then
      export "$var=$port"; echo "    $name on 127.0.0.1:$port (pid $pid)"; return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "error: $name did not start:" >&2; cat "$dir/log" >&2; exit 1
}
echo "==> starting test services"
start_service fakesnow MIRAI_TEST_FAKESNOW_PORT "$venv/bin/fakesnow" -s --host 127.0.0.1 --db_path "$run_dir/fakesnow" -p
start_service milvus-lite MIRAI_TEST_MILVUS_PORT "$venv/bin/milvus-lite" server --data-dir "$run_dir/milvus-lite" --host 127.0.0.1 --port
start_service moto MIRAI_TEST_MOTO_PORT "$venv/bin/moto_server" -H 127.0.0.1 -p

# Incremental caches double what `target/` holds and a clean checkout (CI) never reuses them.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test"
cargo test --workspace --locked
echo "==> target/ holds $(du -sh target 2>/dev/null | cut -f1) after the run"
