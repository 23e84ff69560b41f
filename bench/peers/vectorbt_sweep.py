"""vectorbt 1.2.0's parameter sweep of the SMA cross on a CSV:
`python vectorbt_sweep.py FILE next-open|close FAST SLOW [--batch N]`, FAST and SLOW as Mirai's
grid gives them (`5..50:5`, `1..100`, `10,20`); only pairs with fast < slow run, as in Mirai.

Sharing what it can: every distinct window's rolling mean is computed once (one column each),
then the pairs go through `Portfolio.from_signals` a batch of columns at a time (all 4,950 pairs
of a 100 × 100 grid at once would take some 40 GB a float array on 1 M bars; 10 columns a batch
keep the process near 1.2 GB, and per pair as fast as 50). Signals as in `vectorbt_py.py`: a
strict cross on the close, shifted to the next bar's open with next-open fills; all the cash in
whole units (size=inf, size_granularity=1), 0.1 % per side, cash 10,000. numba compiles on a
small slice first, so the timing is of the sweep, not the JIT. Prints one JSON object:
combinations, the time of the averages, of the signals and simulations, in all (loading
excluded), trades and final equity summed over the combinations and those of SMA(10/20) when it
is in the grid, and the peak memory.
"""

import gc
import json
import resource
import sys
import time

import numpy as np
import vectorbt as vbt

from common import load


def values(spec):
    if ".." in spec:
        lo, rest = spec.split("..")
        hi, step = (rest.split(":") + ["1"])[:2]
        return list(range(int(lo), int(hi) + 1, int(step)))
    return [int(v) for v in spec.split(",")]


def sweep(df, fill, pairs, batch):
    close, open_ = df.Close, df.Open
    t0 = time.perf_counter()
    windows = sorted({w for p in pairs for w in p})
    # One column per distinct window, pandas' rolling mean as in vectorbt_py.py (so each pair's
    # signals, and results, are that script's).
    ma = np.column_stack([close.rolling(w).mean().to_numpy() for w in windows])
    col = {w: i for i, w in enumerate(windows)}
    t1 = time.perf_counter()
    finals, trades = [], []
    for b in range(0, len(pairs), batch):
        chunk = pairs[b:b + batch]
        f = ma[:, [col[p[0]] for p in chunk]]
        s = ma[:, [col[p[1]] for p in chunk]]
        fp, sp = np.roll(f, 1, axis=0), np.roll(s, 1, axis=0)
        fp[0], sp[0] = np.nan, np.nan
        entries = (f > s) & (fp < sp)
        exits = (f < s) & (fp > sp)
        if fill == "next-open":
            entries = np.vstack([np.zeros((1, len(chunk)), bool), entries[:-1]])
            exits = np.vstack([np.zeros((1, len(chunk)), bool), exits[:-1]])
            price = open_.to_numpy()[:, None]
        else:
            price = close.to_numpy()[:, None]
        pf = vbt.Portfolio.from_signals(close.to_numpy()[:, None], entries, exits, price=price, size=np.inf,
                                        size_granularity=1, fees=0.001, init_cash=10_000, freq="1min")
        finals.extend(np.atleast_1d(pf.final_value()).tolist())
        status, cols = pf.trades.values["status"], pf.trades.values["col"]
        trades.extend(np.bincount(cols[status == 1], minlength=len(chunk)).tolist())
        del pf, entries, exits, f, s, fp, sp, status, cols
        gc.collect()
    t2 = time.perf_counter()
    return finals, trades, t1 - t0, t2 - t1


def main():
    path, fill, fast, slow = sys.argv[1:5]
    batch = int(sys.argv[sys.argv.index("--batch") + 1]) if "--batch" in sys.argv else 10
    pairs = [(f, s) for f in values(fast) for s in values(slow) if f < s]
    t_load = time.perf_counter()
    df = load(path)
    t_load = time.perf_counter() - t_load
    sweep(df.iloc[:2000], fill, pairs[:2], batch)  # compile on a slice
    finals, trades, ma_s, rest_s = sweep(df, fill, pairs, batch)
    out = {
        "combinations": len(pairs), "batch": batch, "load_s": t_load, "averages_s": ma_s,
        "signals_and_simulation_s": rest_s, "seconds": ma_s + rest_s,
        "trades": int(sum(trades)), "final_equity_sum": float(sum(finals)),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if (10, 20) in pairs:
        i = pairs.index((10, 20))
        out["sma_10_20"] = {"trades": trades[i], "final_equity": finals[i]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
