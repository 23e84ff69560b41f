#!/usr/bin/env bash
# The web tier's benchmarks (docs/benchmarks.md, "Web tier: /api/status and the functions' cold
# start"): GET /api/status with a valid token on the local server (release) under wrk, 64
# connections; then a Vercel function binary's cold start, exec to first answer, and the AWS
# Lambda binary's (bench/web/lambda_coldstart.py plays Lambda's Runtime API).
# Needs wrk, hyperfine and a C compiler (Debian: apt-get install -y wrk hyperfine). Not part of
# the tests.
#
#   bench/web/run.sh            # 15 s of wrk, 30 cold starts per function
#   DURATION=30s RUNS=50 bench/web/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${PORT:-18181}
DURATION=${DURATION:-15s}
RUNS=${RUNS:-30}
work=$(mktemp -d)

cargo build --release -q -p mirai-worker --bin mirai
cargo build --release -q --bin api-health --bin api-status --bin mirai-lambda

export JWT_SECRET="bench-jwt-secret-0123456789abcdef0123456789"
export WORKER_SERVICE_TOKEN="bench-service-token-0123456789abcdef012345"
export WORKER_URL="http://127.0.0.1:$PORT"
# The limits are raised so that one user at 64 connections measures the server, not the 429s;
# the limiter still runs on every request.
DATA_DIR="$work/data" PORT=$PORT WEB_PASS="bench-password-123456" RUST_LOG=warn \
  WEB_RATE_PER_USER_PER_MIN=10000000 WEB_RATE_PER_ADDR_PER_MIN=10000000 \
  target/release/mirai >"$work/worker.log" 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  sleep 0.1
done
TOKEN=$(curl -sf -H 'content-type: application/json' \
  -d '{"username":"admin","password":"bench-password-123456"}' \
  "http://127.0.0.1:$PORT/api/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
export TOKEN

echo "== $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== wrk -t2 -c64 -d$DURATION GET /api/status (local server, release)"
wrk -t2 -c64 -d"$DURATION" --latency -s bench/web/status.lua "http://127.0.0.1:$PORT/api/status" | tail -1

echo "== cold start, exec to first answer (vercel_runtime's local listener)"
cc -O2 -o "$work/coldstart" bench/web/coldstart.c
hyperfine -N --warmup 3 --runs "$RUNS" \
  "$work/coldstart target/release/api-health 18401 /api/health" \
  "$work/coldstart target/release/api-status 18402 /api/status $TOKEN"

echo "== cold start of the AWS Lambda binary, exec to first answer (a local Runtime API)"
python3 bench/web/lambda_coldstart.py target/release/mirai-lambda /api/health "$RUNS"
python3 bench/web/lambda_coldstart.py target/release/mirai-lambda /api/status "$RUNS" "$TOKEN"
