//! Per-symbol statistics: trades, volume, fees, realised P&L and win rate over a time range.
//!
//! Realised P&L is average-cost accounting, which depends on every earlier fill, so it is not a
//! SUM a query can do: the fills up to the end of the range are replayed through the core's own
//! `Position::apply`, the rule the worker's ledger uses, and only fills inside the range count.

use std::collections::BTreeMap;

use mirai_core::{Amount, Decimal, Position, Side, Symbol};

use super::range::TimeRange;
use super::trades::{FILL_COLUMNS, decode_fill};
use crate::Result;
use crate::client::Client;
use crate::literal::text;

/// Decimal places of a win rate (a ratio; rounding it loses no money).
const WIN_RATE_DP: u32 = 6;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SymbolStats {
    pub symbol: Symbol,
    /// Fills in the range.
    pub trades: u64,
    pub buys: u64,
    pub sells: u64,
    /// Sum of price × quantity.
    pub volume: Amount,
    pub fees: Amount,
    /// Net of every fee paid in the range (buys realise minus their fee).
    pub realised_pnl: Amount,
    /// Sells that realised a profit, and those that realised a loss.
    pub wins: u64,
    pub losses: u64,
    /// wins / (wins + losses); `None` before any winning or losing sell.
    pub win_rate: Option<Decimal>,
}

impl SymbolStats {
    fn new(symbol: Symbol) -> Self {
        Self {
            symbol,
            trades: 0,
            buys: 0,
            sells: 0,
            volume: Amount::ZERO,
            fees: Amount::ZERO,
            realised_pnl: Amount::ZERO,
            wins: 0,
            losses: 0,
            win_rate: None,
        }
    }
}

pub(crate) async fn per_symbol(
    client: &Client,
    symbol: Option<Symbol>,
    range: TimeRange,
) -> Result<Vec<SymbolStats>> {
    range.check()?;
    let mut sql = format!("SELECT {FILL_COLUMNS} FROM FILLS WHERE TRUE");
    if let Some(s) = symbol {
        sql.push_str(&format!(" AND SYMBOL = {}", text(s.as_str())?));
    }
    sql.push_str(&TimeRange { since: None, until: range.until }.sql("TS")?);
    // Replay order: by time, then trade id numerically for ids like "paper-9" < "paper-10".
    sql.push_str(" ORDER BY SYMBOL, TS, LENGTH(TRADE_ID), TRADE_ID");
    let fills = client.exec(&sql).await?.iter().map(decode_fill).collect::<Result<Vec<_>>>()?;

    let mut books: BTreeMap<Symbol, (Position, SymbolStats)> = BTreeMap::new();
    for f in &fills {
        let (pos, stats) =
            books.entry(f.symbol).or_insert_with(|| (Position::flat(f.symbol), SymbolStats::new(f.symbol)));
        let realised = match pos.apply(f) {
            Ok(r) => r,
            Err(e) => {
                // A sell larger than the holding means a buy is missing here (not shipped yet, or
                // held back by the outbox); it is left out rather than counted wrongly.
                tracing::warn!(symbol = %f.symbol, trade_id = %f.trade_id, error = %e, "fill skipped in statistics");
                continue;
            }
        };
        if !range.contains(f.ts) {
            continue;
        }
        stats.trades += 1;
        stats.volume += f.notional();
        stats.fees += f.fee;
        stats.realised_pnl += realised;
        match f.side {
            Side::Buy => stats.buys += 1,
            Side::Sell => {
                stats.sells += 1;
                if realised.is_negative() {
                    stats.losses += 1;
                } else if !realised.get().is_zero() {
                    stats.wins += 1;
                }
            }
        }
    }
    Ok(books
        .into_values()
        .map(|(_, mut s)| {
            let decided = s.wins + s.losses;
            s.win_rate =
                (decided > 0).then(|| (Decimal::from(s.wins) / Decimal::from(decided)).round_dp(WIN_RATE_DP));
            s
        })
        .filter(|s| s.trades > 0)
        .collect())
}
