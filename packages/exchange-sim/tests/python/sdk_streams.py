"""Binance's official Python SDK (binance-sdk-spot) on `mirai exchange-sim`'s market streams.

Subscribes to BTCUSDT's 1m klines and trades through the SDK's WebSocket streams client (nothing
changed but its stream URL), reads the market time when the subscription is in place from the
SDK's REST client (`ticker/24hr`'s closeTime is the venue's time now), and watches for a while.
Run by the Rust test in packages/exchange-sim/tests/sim/python.rs, which checks the figures.

Usage: python sdk_streams.py REST_URL STREAM_URL SECONDS UPDATE_MS
  (UPDATE_MS: market time between two updates of the open candle, 2000 as on Binance)
Prints one JSON object; exits non-zero with the reason on any failure.
"""

import asyncio
import json
import statistics
import sys
import time

from binance_common.configuration import ConfigurationRestAPI, ConfigurationWebSocketStreams
from binance_sdk_spot.spot import Spot
from binance_sdk_spot.websocket_streams.models import KlineIntervalEnum


def check(condition, what):
    if not condition:
        raise SystemExit(f"check failed: {what}")


async def main():
    rest_url, stream_url, seconds, update_ms = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    rest = Spot(config_rest_api=ConfigurationRestAPI(base_path=rest_url, retries=0, timeout=5000)).rest_api
    client = Spot(config_ws_streams=ConfigurationWebSocketStreams(stream_url=stream_url)).websocket_streams
    connection = await client.create_connection()

    klines, trades = [], []

    def on_kline(msg):
        k = msg.k
        # The open candle's market time: the bar's open plus one update per trade so far.
        klines.append({"at": time.monotonic(), "x": k.x, "t": k.t, "n": k.n, "c": k.c, "L": k.L,
                       "market": k.t + k.n * update_ms if not k.x else k.T})

    def on_trade(msg):
        trades.append({"at": time.monotonic(), "t": msg.t, "p": msg.p})

    kline_stream = await connection.kline(symbol="btcusdt", interval=KlineIntervalEnum["INTERVAL_1m"].value)
    kline_stream.on("message", on_kline)
    # The SUBSCRIBE has been sent (not yet acknowledged); the venue's time is read just after it,
    # so the first open candle is one update later in market time, or two if the venue registers
    # the subscription only after its next update.
    subscribed = time.monotonic()
    market_at_subscribe = rest.ticker24hr(symbol="BTCUSDT").data().actual_instance.close_time
    trade_stream = await connection.trade(symbol="btcusdt")
    trade_stream.on("message", on_trade)
    await asyncio.sleep(seconds)
    await connection.close_connection(close_session=True)

    forming = [k for k in klines if not k["x"]]
    check(len(forming) >= 2, f"open candles seen: {len(forming)}")
    waits = [b["at"] - a["at"] for a, b in zip(forming, forming[1:])]
    steps = [b["market"] - a["market"] for a, b in zip(forming, forming[1:]) if a["t"] == b["t"]]
    ids = [t["t"] for t in trades]
    check(all(b > a for a, b in zip(ids, ids[1:])), "trade ids grow")
    print(json.dumps({
        "open_candles": len(forming),
        "closed_candles": len(klines) - len(forming),
        "trades": len(trades),
        "first_open_candle_market_ms_after_subscribing": forming[0]["market"] - market_at_subscribe,
        "first_open_candle_wall_ms_after_subscribing": round((forming[0]["at"] - subscribed) * 1000, 1),
        "market_ms_between_open_candles": sorted(set(steps)),
        "wall_ms_between_open_candles_p50": round(statistics.median(waits) * 1000, 1),
        "wall_ms_between_open_candles_max": round(max(waits) * 1000, 1),
    }))


if __name__ == "__main__":
    asyncio.run(main())
