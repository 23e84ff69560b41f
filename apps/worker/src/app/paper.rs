//! The paper venue's start: the paper exchange holding what the ledger holds (its ids resumed
//! past the ledger's), the market it fills on (Binance's public data or the resumed replay), and
//! the trading task.

use std::sync::Arc;

use anyhow::Context as _;
use mirai_core::{Amount, CandleSource, Fill, MarketEvent, SymbolRules, Timestamp};
use mirai_live::candles::CandleLog;
use mirai_paper::{PaperConfig, PaperExchange, PaperExecutor};
use mirai_store_local::LocalStore;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::config::Settings;
use crate::feed::{BAR_INTERVAL, ReplayFeed, base_asset, quote_asset, replay_rules};
use crate::trader::{KV_FEED_LAST, Trader};
use crate::venue::PublicMarket;
use crate::venue::boot::TraderParts;

/// Bars replayed into the strategies (without acting) after a restart.
const WARM_UP_BARS: usize = 200;

/// The paper venue: the paper exchange holding what the ledger holds, the market (Binance's public
/// data when `market` is given, else the replay resumed after the last bar traded), and the
/// trading task. Returns the trading task, the feed task and the replay bar the feed resumes at
/// (0 on Binance's data). `blocked`: trading is refused for this reason; the trading task serves
/// commands and the status, but no market data reaches it, so it decides nothing.
#[allow(clippy::too_many_arguments)]
pub(super) async fn start_paper(
    settings: &Settings,
    parts: TraderParts,
    positions: &[mirai_core::Position],
    cash: Amount,
    fills: &[Fill],
    anchor: Timestamp,
    blocked: Option<String>,
    market: Option<PublicMarket>,
) -> anyhow::Result<(JoinHandle<()>, JoinHandle<()>, u64)> {
    let TraderParts {
        mut engine,
        clock,
        store,
        shared,
        mode,
        started_at,
        events,
        commands,
        stop,
        consultant,
        approval,
        news,
    } = parts;
    let (event_tx, event_rx) = events;
    // Each symbol's filters: the exchange's own on Binance's data, Binance-like ones on the replay.
    let rules: Vec<SymbolRules> = settings
        .trading
        .symbols
        .iter()
        .map(|s| market.as_ref().and_then(|m| m.rules(*s)).unwrap_or_else(|| replay_rules(*s)))
        .collect();
    // The ledger's cash is one asset.
    let quote = rules.first().map_or_else(quote_asset, |r| r.quote);
    if let Some(other) = rules.iter().find(|r| r.quote != quote) {
        anyhow::bail!(
            "the paper exchange holds its cash in one asset ({quote}), but {} is quoted in {}: trade symbols \
             quoted in one asset",
            other.symbol,
            other.quote
        );
    }
    // The paper exchange holds what the ledger says we hold.
    let mut balances = vec![(quote, cash.get())];
    for p in positions.iter().filter(|p| !p.is_flat()) {
        let base =
            rules.iter().find(|r| r.symbol == p.symbol).map_or_else(|| base_asset(p.symbol), |r| r.base);
        balances.push((base, p.qty.get()));
    }
    let mut paper = PaperExchange::new(PaperConfig {
        fee_rate: settings.paper.fee_rate,
        slippage_bps: settings.paper.slippage_bps,
        rules,
        balances,
    })
    .context("paper exchange settings")?;
    let (next_order_id, next_trade) = next_paper_ids(&store, fills)?;
    paper.resume_ids(next_order_id, next_trade);
    let executor = PaperExecutor::new(paper, clock.clone());
    // The trading task marks the paper exchange with every market event before the engine
    // decides on it: market orders fill at the last close (plus slippage) of the feed in use.
    let paper_handle = executor.shared();

    // The market, unless trading is blocked (then nothing reaches the trading task, and the
    // sender is kept so that it keeps serving operator commands). Binance's public data: the
    // strategies warmed on its last closed bars from REST, then the kline stream, caught up from
    // REST on every reconnect. The replay: resumed after the last bar traded, the bars before it
    // warming the strategies.
    let mut next_index = 0;
    let (feed_task, candle_log) = match (settings.paper_market_data(), market) {
        (Some(s), market) => {
            let log = CandleLog::new(CandleSource::Binance, s.kline_interval.as_str());
            let task = match (market, &blocked) {
                (Some(m), None) => m.start_feed(&mut engine, event_tx).await,
                _ => idle_feed(event_tx),
            };
            (task, log)
        }
        (None, _) => {
            let mut feed = ReplayFeed::new(&settings.trading.symbols, settings.replay.seed, anchor);
            for s in &settings.trading.symbols {
                if let Some(v) = store.get_kv(&format!("{KV_FEED_LAST}.{s}"))? {
                    let open = Timestamp::from_millis(v.parse().context("stored feed position")?);
                    next_index = next_index.max(ReplayFeed::index_of(anchor, open) + 1);
                }
            }
            for c in feed.skip_to(next_index, WARM_UP_BARS) {
                engine.warm_up(&c);
            }
            let task = match blocked {
                Some(_) => idle_feed(event_tx),
                None => tokio::spawn(feed.play(event_tx, settings.replay.bars_per_second)),
            };
            (task, CandleLog::new(CandleSource::Replay, BAR_INTERVAL))
        }
    };
    let mut trader = Trader::new(
        engine,
        clock,
        executor,
        Some(paper_handle),
        store,
        shared.clone(),
        mode,
        settings.dry_run,
        settings.testnet,
        started_at,
    );
    if let Some(c) = consultant {
        trader = trader.with_consultant(c);
    }
    trader = trader
        .with_approval(approval)
        .with_news(news)
        .with_candle_log(candle_log)
        .with_market_data(settings.market_source());
    if let Some(why) = blocked {
        trader = trader.with_blocked_reason(Arc::new(move || Some(why.clone())));
    }
    shared.publish(trader.snapshot());
    let trader_task = tokio::spawn(trader.run(event_rx, commands, stop));
    Ok((trader_task, feed_task, next_index))
}

/// A feed that sends nothing and keeps the channel open, so that the trading task still serves
/// operator commands while trading is blocked.
fn idle_feed(tx: mpsc::Sender<MarketEvent>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let _keep = tx;
        std::future::pending::<()>().await
    })
}

/// The paper exchange numbers orders and trades from 1; after a restart it must go on past the
/// ids already in the ledger, or new fills would collide with stored ones.
fn next_paper_ids(store: &LocalStore, fills: &[Fill]) -> anyhow::Result<(u64, u64)> {
    let max_trade = fills
        .iter()
        .filter_map(|f| f.trade_id.as_str().strip_prefix("paper-").and_then(|n| n.parse::<u64>().ok()))
        .max()
        .unwrap_or(0);
    let max_order =
        store.orders(i64::MAX as usize)?.iter().filter_map(|o| o.exchange_order_id).max().unwrap_or(0);
    Ok((max_order + 1, max_trade + 1))
}
