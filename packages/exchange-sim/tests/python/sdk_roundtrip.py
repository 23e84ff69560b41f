"""Binance's official Python SDK (binance-sdk-spot, from PyPI) against `mirai exchange-sim`.

Places a resting LIMIT order, queries it, cancels it, places a MARKET order and reads the account,
with nothing changed but the base URL. Run by the Rust test `python_sdk` in
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
    }))


if __name__ == "__main__":
    main()
