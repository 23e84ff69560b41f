"""Shared by the peer scripts: the data loader and the reference strategy's signals.

The strategy everywhere: SMA(fast) and SMA(slow) of the close, long only; buy when flat and the
fast average crosses above the slow one (strictly below on the previous bar, strictly above on
this one), close when it crosses below. Cash 10,000, 0.1 % commission per side, whole units.
"""

import pandas as pd


def load(path):
    """A CSV in Mirai's layout (timestamp,open,high,low,close,volume) as backtesting.py wants it."""
    df = pd.read_csv(path, index_col=0, parse_dates=True)
    if df.index.tz is not None:
        df.index = df.index.tz_localize(None)
    df.columns = [c.capitalize() for c in df.columns]
    return df


def sma(values, n):
    return pd.Series(values).rolling(n).mean()
