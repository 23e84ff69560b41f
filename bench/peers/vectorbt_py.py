"""vectorbt 1.2.0 on a CSV: `python vectorbt_py.py FILE next-open|close [FAST SLOW]`.

Signals on the close; with next-open fills they are shifted one bar and filled at that bar's
open, sized to all the cash in whole units (size=inf, size_granularity=1), fees 0.1 % per side.
Prints one JSON object with the trades, the final equity, the maximum drawdown, the time of the
signals, the simulation and the statistics (loading excluded), and the peak memory.
"""

import json
import resource
import sys
import time

import numpy as np
import vectorbt as vbt

from common import load


def run(df, fill, fast, slow):
    t0 = time.perf_counter()
    f = df.Close.rolling(fast).mean()
    s = df.Close.rolling(slow).mean()
    entries = (f > s) & (f.shift(1) < s.shift(1))
    exits = (f < s) & (f.shift(1) > s.shift(1))
    if fill == "next-open":
        entries, exits, price = entries.shift(1, fill_value=False), exits.shift(1, fill_value=False), df.Open
    else:
        price = df.Close
    t1 = time.perf_counter()
    pf = vbt.Portfolio.from_signals(df.Close, entries, exits, price=price, size=np.inf, size_granularity=1,
                                    fees=0.001, init_cash=10_000, freq="1min")
    final = float(pf.final_value())
    t2 = time.perf_counter()
    status = pf.trades.values["status"]  # vectorbt's TradeStatus: 0 open, 1 closed
    closed = int((status == 1).sum())
    open_ = int((status == 0).sum())
    max_dd = float(pf.max_drawdown()) * 100
    t3 = time.perf_counter()
    return {
        "trades": closed, "open_trades": open_, "final_equity": final, "max_drawdown_pct": -abs(max_dd),
        "signals_s": t1 - t0, "simulation_s": t2 - t1, "stats_s": t3 - t2, "seconds": t3 - t0,
    }


def main():
    path, fill = sys.argv[1], sys.argv[2]
    fast, slow = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (10, 20)
    df = load(path)
    # numba compiles on first use; compile on a slice so the timing is of the run, not the JIT.
    run(df.iloc[:1000], fill, fast, slow)
    out = run(df, fill, fast, slow)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
