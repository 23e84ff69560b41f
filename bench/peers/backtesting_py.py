"""backtesting.py 0.6.6 on a CSV: `python backtesting_py.py FILE next-open|close [FAST SLOW] [--exact]`.

Prints one JSON object: the stats backtesting.py computes (finalize_trades=False, so the open
trade stays open as in Mirai), the count of open trades, the backtest's own time (data loading
excluded) and the process's peak memory.

`--exact` compares the averages exactly, as Mirai does, instead of with pandas' float means:
each average becomes an integer sum of prices in their smallest unit (cents for two decimals),
cross-multiplied by the other window's length, so equal averages compare equal. With it, the
two engines take the same signals and any remaining difference is in execution.
"""

import json
import resource
import sys
import time
import warnings

import numpy as np
import pandas as pd
from backtesting import Backtest, Strategy
from backtesting.lib import crossover

from common import load, sma

warnings.filterwarnings("ignore")


def scaled_sum(values, n, other_n, unit):
    """The window's sum in integer units times the other window's length: exact in a float below 2**53."""
    ints = pd.Series(np.rint(np.asarray(values) * unit)).astype("int64")
    return (ints.rolling(n).sum() * other_n).astype("float64")


class SmaCross(Strategy):
    fast = 10
    slow = 20
    unit = 0

    def init(self):
        if self.unit:
            self.ma1 = self.I(scaled_sum, self.data.Close, self.fast, self.slow, self.unit)
            self.ma2 = self.I(scaled_sum, self.data.Close, self.slow, self.fast, self.unit)
        else:
            self.ma1 = self.I(sma, self.data.Close, self.fast)
            self.ma2 = self.I(sma, self.data.Close, self.slow)

    def next(self):
        if crossover(self.ma1, self.ma2):
            if not self.position:
                self.buy()
        elif crossover(self.ma2, self.ma1):
            if self.position:
                self.position.close()


def decimals(path):
    """The most decimals any close in the file is written with."""
    with open(path) as f:
        next(f)
        return max((len(line.split(",")[4].strip().partition(".")[2]) for line in f), default=0)


def main():
    args = [a for a in sys.argv[1:] if a != "--exact"]
    path, fill = args[0], args[1]
    fast, slow = (int(args[2]), int(args[3])) if len(args) > 3 else (10, 20)
    unit = 10 ** decimals(path) if "--exact" in sys.argv else 0
    df = load(path)
    bt = Backtest(df, SmaCross, cash=10_000, commission=0.001, trade_on_close=(fill == "close"),
                  finalize_trades=False)
    t0 = time.perf_counter()
    s = bt.run(fast=fast, slow=slow, unit=unit)
    secs = time.perf_counter() - t0
    out = {k: (float(v) if isinstance(v, (int, float, np.integer, np.floating)) else str(v))
           for k, v in s.items() if not k.startswith("_")}
    out["open_trades"] = len(s._strategy.trades)
    out["seconds"] = secs
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
