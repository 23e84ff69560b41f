"""Binance's official Python SDK (binance-sdk-spot, from PyPI) against `mirai exchange-sim`.

Reads the market data endpoints (price and 24-hour tickers, the order book against the book
ticker), places a resting LIMIT order, queries it, cancels it, places a MARKET order and reads the
account, with nothing changed but the base URL. (The SDK's models check the types: integers where
Binance sends integers, decimal strings where it sends strings.) Run by the Rust test `python_sdk` in
packages/exchange-sim/tests/sim/python.rs.

Usage: python sdk_roundtrip.py BASE_URL API_KEY    (the secret comes from MIRAI_SIM_API_SECRET)
Prints one JSON object with what it saw; exits non-zero with the reason on any failure.
"""

import json
import os
import sys
from decimal import Decimal

from binance_common.configuration import ConfigurationRestAPI
from binance_sdk_spot.rest_api.models import (
    NewOrderSideEnum,
    NewOrderTimeInForceEnum,
    NewOrderTypeEnum,
)
from binance_sdk_spot.spot import Spot


def check(condition, what):
    if not condition:
        raise SystemExit(f"check failed: {what}")


def main():
    base_url, api_key = sys.argv[1], sys.argv[2]
    config = ConfigurationRestAPI(
        api_key=api_key,
        api_secret=os.environ["MIRAI_SIM_API_SECRET"],
        base_path=base_url,
        retries=0,
        timeout=5000,
    )
    api = Spot(config_rest_api=config).rest_api

    server_time = api.time().data().server_time
    check(server_time > 0, "server time")

    book = api.ticker_book_ticker(symbol="BTCUSDT").data().actual_instance
    bid = Decimal(book.bid_price)

    last = api.ticker_price(symbol="BTCUSDT").data().actual_instance
    check(last.symbol == "BTCUSDT" and Decimal(last.price) > 0, f"ticker/price {last}")
    all_prices = api.ticker_price().data().actual_instance
    check(sorted(p.symbol for p in all_prices) == ["BTCUSDT", "ETHUSDT"], f"ticker/price for all {all_prices}")

    day = api.ticker24hr(symbol="BTCUSDT").data().actual_instance
    check(day.close_time - day.open_time == 86_400_000, "24hr: a day's window")
    check(day.count == day.last_id - day.first_id + 1 and day.count > 0, "24hr: trade ids and count")
    check(Decimal(day.low_price) <= Decimal(day.last_price) <= Decimal(day.high_price), "24hr: last within the range")
    check(day.last_price == last.price, "24hr: the last price is ticker/price's")
    check(Decimal(day.price_change) == Decimal(day.last_price) - Decimal(day.open_price), "24hr: price change")
    check((day.bid_price, day.ask_price) == (book.bid_price, book.ask_price), "24hr: the book ticker's best prices")
    all_days = api.ticker24hr().data().actual_instance
    check(len(all_days) == 2, "24hr for all symbols")

    depth = api.depth(symbol="BTCUSDT", limit=5).data()
    check(len(depth.bids) == 5 and len(depth.asks) == 5, "depth: 5 levels a side")
    check(depth.bids[0] == [book.bid_price, book.bid_qty], f"depth: best bid {depth.bids[0]} is bookTicker's")
    check(depth.asks[0] == [book.ask_price, book.ask_qty], f"depth: best ask {depth.asks[0]} is bookTicker's")
    tick = Decimal("0.01")
    check(all(Decimal(a[0]) - Decimal(b[0]) == tick for a, b in zip(depth.bids, depth.bids[1:])), "depth: bids a tick apart")
    check(all(Decimal(b[0]) - Decimal(a[0]) == tick for a, b in zip(depth.asks, depth.asks[1:])), "depth: asks a tick apart")
    check(depth.last_update_id > 0, "depth: an update id")

    try:
        api.ticker24hr(symbol="NOPEUSDT")
        raise SystemExit("check failed: an unknown symbol was accepted")
    except SystemExit:
        raise
    except Exception as e:
        unknown_symbol = str(e)
    # Well below the market: rests on the book instead of filling.
    price = (bid * Decimal("0.9")).quantize(Decimal("0.01"))

    placed = api.new_order(
        symbol="BTCUSDT",
        side=NewOrderSideEnum.BUY,
        type=NewOrderTypeEnum.LIMIT,
        time_in_force=NewOrderTimeInForceEnum.GTC,
        quantity=0.001,
        price=float(price),
        new_client_order_id="py-sdk-limit-1",
    ).data()
    check(placed.status == "NEW", f"new order status {placed.status}")
    check(placed.client_order_id == "py-sdk-limit-1", "client order id echoed")

    queried = api.get_order(symbol="BTCUSDT", orig_client_order_id="py-sdk-limit-1").data()
    check(queried.order_id == placed.order_id, "query finds the order by client id")
    check(queried.status == "NEW", f"queried status {queried.status}")

    cancelled = api.delete_order(symbol="BTCUSDT", orig_client_order_id="py-sdk-limit-1").data()
    check(cancelled.status == "CANCELED", f"cancel status {cancelled.status}")

    market = api.new_order(
        symbol="BTCUSDT",
        side=NewOrderSideEnum.BUY,
        type=NewOrderTypeEnum.MARKET,
        quantity=0.001,
        new_client_order_id="py-sdk-market-1",
    ).data()
    check(market.status == "FILLED", f"market order status {market.status}")
    check(len(market.fills) >= 1, "market order has fills")

    account = api.get_account().data()
    balances = {b.asset: b.free for b in account.balances}
    check("USDT" in balances and "BTC" in balances, "account lists USDT and BTC")

    # A bad signature must be refused with -1022.
    bad = ConfigurationRestAPI(api_key=api_key, api_secret="wrong-secret", base_path=base_url, retries=0, timeout=5000)
    try:
        Spot(config_rest_api=bad).rest_api.get_account()
        raise SystemExit("check failed: a wrong secret was accepted")
    except SystemExit:
        raise
    except Exception as e:  # the SDK raises its own error types
        refused = str(e)

    print(json.dumps({
        "server_time": server_time,
        "limit_order_id": placed.order_id,
        "limit_status": queried.status,
        "cancel_status": cancelled.status,
        "market_status": market.status,
        "market_fills": len(market.fills),
        "btc_free": balances["BTC"],
        "usdt_free": balances["USDT"],
        "bad_signature_error": refused,
        "unknown_symbol_error": unknown_symbol,
        "last_price": last.price,
        "day_count": day.count,
        "depth_best": [depth.bids[0], depth.asks[0]],
    }))


if __name__ == "__main__":
    main()
