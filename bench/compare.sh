#!/usr/bin/env bash
# Mirai against backtesting.py and vectorbt on the same generated bars (see bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bars=${1:-1000000}
work=${TMPDIR:-/tmp}/mirai-bench
venv=${TMPDIR:-/tmp}/mirai-bench-venv
mkdir -p "$work"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r bench/peers/requirements.txt
fi
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet -p mirai-worker
mirai=$CARGO_TARGET_DIR/release/mirai
data=$work/bars-$bars.csv
# The random walk every figure in docs/benchmarks.md was measured on (gen-bars' old default).
[ -f "$data" ] || "$mirai" gen-bars --bars "$bars" --seed 42 --model random-walk --out "$data"

peak() { grep "Maximum resident" "$1" | awk '{print $6/1024 " MB"}'; }
wall() { grep "Elapsed (wall" "$1" | awk '{print $8}'; }

echo "== $bars one-minute bars, SMA(10/20), next-open fills, whole units, 0.1 % per side"
for run in 1 2 3; do
  /usr/bin/time -v "$mirai" backtest --data "$data" --json > "$work/mirai.json" 2> "$work/mirai.time"
  echo "mirai backtest (whole process, CSV parsing included), run $run: $(wall "$work/mirai.time"), peak $(peak "$work/mirai.time")"
done
python3 -c "import json; d=json.load(open('$work/mirai.json')); print('  mirai: trades', d['trades'], 'open', d['open_trades'], 'final equity', d['final_equity'])"

# Parameter sweeps: the 100-combination grid (75 pairs with fast < slow) and the 10,000 one
# (4,950 pairs), Mirai's whole process against vectorbt's sweep of the same pairs on the same file.
# vectorbt's 10,000 grid takes about ten minutes on an idle machine: QUICK=1 leaves it out.
echo "== parameter sweeps, SMA cross, next-open fills (pairs with fast < slow)"
for grid in "5..50:5 10..100:10" "1..100 1..100"; do
  set -- $grid
  for run in 1 2 3; do
    /usr/bin/time -v "$mirai" sweep --data "$data" --grid "fast=$1" --grid "slow=$2" --json \
      > "$work/sweep.json" 2> "$work/sweep.time"
    echo "mirai sweep fast=$1 slow=$2 (whole process, CSV parsing included), run $run: $(wall "$work/sweep.time"), peak $(peak "$work/sweep.time")"
  done
  python3 -c "import json; d=json.load(open('$work/sweep.json')); r=d['rows']; print('  mirai: %d combinations run, %d trades in all' % (len(r), sum(x['stats']['trades'] for x in r)))"
  if [ "$1" = "1..100" ] && [ -n "${QUICK:-}" ]; then continue; fi
  (cd bench/peers && /usr/bin/time -v "$venv/bin/python" vectorbt_sweep.py "$data" next-open "$1" "$2" \
    > "$work/vbt-sweep.json" 2> "$work/vbt-sweep.time")
  python3 -c "import json; d=json.load(open('$work/vbt-sweep.json')); print('vectorbt sweep fast=$1 slow=$2: %d combinations, sweep %.1f s (averages %.1f, signals and simulation %.1f; loading %.1f s and the JIT not counted), %d trades in all' % (d['combinations'], d['seconds'], d['averages_s'], d['signals_and_simulation_s'], d['load_s'], d['trades']))"
  echo "  vectorbt process (loading and JIT included): $(wall "$work/vbt-sweep.time"), peak $(peak "$work/vbt-sweep.time")"
done

(cd bench/peers && /usr/bin/time -v "$venv/bin/python" backtesting_py.py "$data" next-open > "$work/bt.json" 2> "$work/bt.time")
python3 -c "import json; d=json.load(open('$work/bt.json')); print('backtesting.py: backtest %.2f s = %.0f k bars/s, trades %d open %d final equity %.5f' % (d['seconds'], $bars/d['seconds']/1e3, d['# Trades'], d['open_trades'], d['Equity Final [\$]']))"
echo "  process peak $(peak "$work/bt.time")"
(cd bench/peers && /usr/bin/time -v "$venv/bin/python" vectorbt_py.py "$data" next-open > "$work/vbt.json" 2> "$work/vbt.time")
python3 -c "import json; d=json.load(open('$work/vbt.json')); print('vectorbt: %.2f s (signals %.2f, simulation %.2f, stats %.2f) = %.1f M bars/s, trades %d open %d final equity %.5f' % (d['seconds'], d['signals_s'], d['simulation_s'], d['stats_s'], $bars/d['seconds']/1e6, d['trades'], d['open_trades'], d['final_equity']))"
echo "  process peak $(peak "$work/vbt.time")"

cargo bench --quiet -p mirai-backtest --bench backtest -- "$bars"
