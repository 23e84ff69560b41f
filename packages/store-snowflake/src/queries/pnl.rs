//! P&L per day: each UTC day's opening, closing, highest and lowest equity, and its change
//! from the previous day's close (from the day's opening for the first day on record).

use mirai_core::time::MS_PER_DAY;
use mirai_core::{Amount, Timestamp};

use super::cells::{millis, opt, parse};
use crate::client::Client;
use crate::literal::text;
use crate::{Result, SnowflakeError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DailyPnl {
    /// Midnight UTC at the start of the day.
    pub day: Timestamp,
    pub open_equity: Amount,
    pub close_equity: Amount,
    pub high_equity: Amount,
    pub low_equity: Amount,
    /// `close_equity` minus the previous day's close (or this day's open on the first day).
    pub pnl: Amount,
    /// The change of cumulative realised P&L over the day, on the same basis.
    pub realised: Amount,
}

/// Days from `since`'s UTC date to `until`'s, both included, oldest first.
pub(crate) async fn daily(client: &Client, since: Timestamp, until: Timestamp) -> Result<Vec<DailyPnl>> {
    if since > until {
        return Err(SnowflakeError::InvalidQuery(format!("since {since} is after until {until}")));
    }
    let date = |ts: Timestamp| -> Result<String> {
        let day = Timestamp::from_millis(ts.utc_day() * MS_PER_DAY);
        Ok(format!("CAST({} AS DATE)", text(&day.to_iso8601()[..10])?))
    };
    // The window runs over every day before the filter, so the first day in range still sees
    // the close before it.
    let sql = format!(
        "SELECT TO_VARCHAR(DATE_PART(EPOCH_MILLISECOND, OPEN_TS)), TO_VARCHAR(OPEN_EQUITY), \
         TO_VARCHAR(CLOSE_EQUITY), TO_VARCHAR(HIGH_EQUITY), TO_VARCHAR(LOW_EQUITY), \
         TO_VARCHAR(OPEN_REALISED), TO_VARCHAR(CLOSE_REALISED), TO_VARCHAR(PREV_EQUITY), \
         TO_VARCHAR(PREV_REALISED) \
         FROM (SELECT DAY, OPEN_TS, OPEN_EQUITY, CLOSE_EQUITY, HIGH_EQUITY, LOW_EQUITY, OPEN_REALISED, \
               CLOSE_REALISED, LAG(CLOSE_EQUITY) OVER (ORDER BY DAY) AS PREV_EQUITY, \
               LAG(CLOSE_REALISED) OVER (ORDER BY DAY) AS PREV_REALISED FROM PNL_DAILY) d \
         WHERE DAY >= {} AND DAY <= {} ORDER BY DAY",
        date(since)?,
        date(until)?,
    );
    client
        .exec(&sql)
        .await?
        .iter()
        .map(|row| {
            let open_ts = millis(row, 0, "OPEN_TS")?;
            let amount = |i, name| parse(row, i, name, Amount::parse);
            let (open_equity, close_equity) = (amount(1, "OPEN_EQUITY")?, amount(2, "CLOSE_EQUITY")?);
            let (open_realised, close_realised) = (amount(5, "OPEN_REALISED")?, amount(6, "CLOSE_REALISED")?);
            let prev_equity = opt(row, 7).map(|_| amount(7, "PREV_EQUITY")).transpose()?;
            let prev_realised = opt(row, 8).map(|_| amount(8, "PREV_REALISED")).transpose()?;
            Ok(DailyPnl {
                day: Timestamp::from_millis(open_ts.utc_day() * MS_PER_DAY),
                open_equity,
                close_equity,
                high_equity: amount(3, "HIGH_EQUITY")?,
                low_equity: amount(4, "LOW_EQUITY")?,
                pnl: close_equity - prev_equity.unwrap_or(open_equity),
                realised: close_realised - prev_realised.unwrap_or(open_realised),
            })
        })
        .collect()
}
