//! The trades page: fills, newest first, filtered by symbol, side and time, paged by a cursor
//! (keyset pagination, so a page never skips or repeats a fill while new ones arrive).

use mirai_core::{Amount, ClientOrderId, Fill, Price, Qty, Side, Symbol, Timestamp, TradeId};

use super::cells::{millis, parse, req};
use super::range::TimeRange;
use crate::client::Client;
use crate::literal::{text, timestamp};
use crate::rows::Row;
use crate::{Result, SnowflakeError};

/// The most fills one page may hold.
pub const MAX_PAGE: usize = 1000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TradeQuery {
    pub symbol: Option<Symbol>,
    pub side: Option<Side>,
    pub range: TimeRange,
    /// 1 to [`MAX_PAGE`].
    pub limit: usize,
    /// Where the previous page ended; `None` for the first page.
    pub cursor: Option<TradeCursor>,
}

impl Default for TradeQuery {
    fn default() -> Self {
        Self { symbol: None, side: None, range: TimeRange::all(), limit: 100, cursor: None }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TradesPage {
    pub trades: Vec<Fill>,
    /// Present when more fills match: pass it back for the next page.
    pub next: Option<TradeCursor>,
}

/// The position of the last fill of a page: (time, symbol, trade id), the page's sort order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TradeCursor {
    ts: Timestamp,
    symbol: Symbol,
    trade_id: String,
}

impl TradeCursor {
    fn after(f: &Fill) -> Self {
        Self { ts: f.ts, symbol: f.symbol, trade_id: f.trade_id.as_str().to_owned() }
    }

    /// An opaque token for URLs: `ms.SYMBOL.hex(trade id)`.
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.ts.millis(), self.symbol, hex::encode(&self.trade_id))
    }

    /// Parses a token from a client; anything malformed is refused.
    pub fn decode(token: &str) -> Result<Self> {
        let bad = || SnowflakeError::InvalidQuery("malformed trades cursor".into());
        let mut parts = token.splitn(3, '.');
        let (Some(ms), Some(sym), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let ts = Timestamp::from_millis(ms.parse().map_err(|_| bad())?);
        let symbol = Symbol::new_checked(sym).map_err(|_| bad())?;
        let trade_id = String::from_utf8(hex::decode(id).map_err(|_| bad())?).map_err(|_| bad())?;
        Ok(Self { ts, symbol, trade_id })
    }
}

/// The columns [`decode_fill`] reads, in its order.
pub(crate) const FILL_COLUMNS: &str = "TO_VARCHAR(DATE_PART(EPOCH_MILLISECOND, TS)), SYMBOL, TRADE_ID, \
     CLIENT_ORDER_ID, SIDE, TO_VARCHAR(QTY), TO_VARCHAR(PRICE), TO_VARCHAR(FEE)";

pub(crate) fn decode_fill(row: &Row) -> Result<Fill> {
    Ok(Fill {
        ts: millis(row, 0, "TS")?,
        symbol: parse(row, 1, "SYMBOL", Symbol::new_checked)?,
        trade_id: TradeId::new(req(row, 2, "TRADE_ID")?),
        client_order_id: parse(row, 3, "CLIENT_ORDER_ID", ClientOrderId::new_checked)?,
        side: parse(row, 4, "SIDE", |s| match s {
            "BUY" => Ok(Side::Buy),
            "SELL" => Ok(Side::Sell),
            _ => Err("not BUY or SELL"),
        })?,
        qty: parse(row, 5, "QTY", Qty::parse)?,
        price: parse(row, 6, "PRICE", Price::parse)?,
        fee: parse(row, 7, "FEE", Amount::parse)?,
    })
}

pub(crate) async fn page(client: &Client, q: &TradeQuery) -> Result<TradesPage> {
    if q.limit == 0 || q.limit > MAX_PAGE {
        return Err(SnowflakeError::InvalidQuery(format!("limit must be 1 to {MAX_PAGE}, not {}", q.limit)));
    }
    q.range.check()?;
    let mut sql = format!("SELECT {FILL_COLUMNS} FROM FILLS WHERE TRUE");
    if let Some(s) = q.symbol {
        sql.push_str(&format!(" AND SYMBOL = {}", text(s.as_str())?));
    }
    if let Some(side) = q.side {
        sql.push_str(&format!(" AND SIDE = {}", text(side.as_str())?));
    }
    sql.push_str(&q.range.sql("TS")?);
    if let Some(c) = &q.cursor {
        let (ts, sym, id) = (timestamp(c.ts)?, text(c.symbol.as_str())?, text(&c.trade_id)?);
        let ts = format!("CAST({ts} AS TIMESTAMP_NTZ(3))");
        sql.push_str(&format!(
            " AND (TS < {ts} OR (TS = {ts} AND (SYMBOL < {sym} OR (SYMBOL = {sym} AND TRADE_ID < {id}))))"
        ));
    }
    // One more than asked: its presence says whether there is a next page.
    sql.push_str(&format!(" ORDER BY TS DESC, SYMBOL DESC, TRADE_ID DESC LIMIT {}", q.limit + 1));
    let mut trades = client.exec(&sql).await?.iter().map(decode_fill).collect::<Result<Vec<_>>>()?;
    let next = if trades.len() > q.limit {
        trades.truncate(q.limit);
        trades.last().map(TradeCursor::after)
    } else {
        None
    };
    Ok(TradesPage { trades, next })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_refused() {
        let c = TradeCursor {
            ts: Timestamp::from_millis(1_700_000_000_123),
            symbol: Symbol::new("BTCUSDT"),
            trade_id: "paper-7.x'y".into(),
        };
        let token = c.encode();
        assert_eq!(TradeCursor::decode(&token).unwrap(), c);
        for bad in ["", "1.BTCUSDT", "x.BTCUSDT.00", "1.BTC-USDT.00", "1.BTCUSDT.zz", "1.BTCUSDT.ff"] {
            assert!(TradeCursor::decode(bad).is_err(), "{bad}");
        }
    }
}
