//! The download itself: what to fetch (checked before any request), where an earlier download of
//! the same file ended, and the paging loop. Bars are appended a page at a time and flushed, so
//! an interruption loses at most the page in flight; a torn last line is cut off on resume.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::PathBuf;

use mirai_binance::{BinanceHttpClient, HttpConfig, KlineInterval};
use mirai_core::{Candle, Symbol, Timestamp};

use super::DownloadArgs;
use crate::commands::Failure;

/// The file's first line; a file starting otherwise is not ours to append to.
pub const HEADER: &str = "open_time,open,high,low,close,volume,close_time";
/// Binance's largest page.
const PAGE: u16 = 1000;
const PUBLIC_MARKET_DATA: &str = "https://data-api.binance.vision";

/// A download, checked.
#[derive(Debug, Clone)]
pub struct DownloadPlan {
    pub symbol: Symbol,
    pub interval: KlineInterval,
    pub from: Timestamp,
    pub to: Timestamp,
    pub out: PathBuf,
    pub base_url: String,
}

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Downloaded {
    pub written: u64,
    pub kept: u64,
}

fn now() -> Timestamp {
    Timestamp::from_millis(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
    )
}

/// A day (`2026-01-01`) or an instant (`2026-01-01T12:00:00Z`, or epoch milliseconds).
fn instant(flag: &str, text: &str) -> Result<Timestamp, Failure> {
    mirai_core::time::parse_date(text)
        .or_else(|| {
            mirai_backtest::data::time::parse_timestamp(text.as_bytes()).ok().map(Timestamp::from_millis)
        })
        .ok_or_else(|| {
            Failure::Usage(format!(
                "--{flag} {text:?}: give a day like 2026-01-01 or a time like 2026-01-01T12:00:00Z"
            ))
        })
}

impl DownloadPlan {
    pub fn from_args(a: &DownloadArgs) -> Result<Self, Failure> {
        let symbol = Symbol::new_checked(&a.symbol.to_ascii_uppercase())
            .map_err(|e| Failure::Usage(format!("--symbol {:?}: {e}", a.symbol)))?;
        let interval: KlineInterval =
            a.interval.parse().map_err(|e| Failure::Usage(format!("--interval {:?}: {e}", a.interval)))?;
        if !interval.is_fixed() {
            return Err(Failure::Usage("--interval 1M: months vary in length; use 1w or shorter".into()));
        }
        let from = instant("from", &a.from)?;
        let to = match &a.to {
            Some(t) => instant("to", t)?,
            None => now(),
        };
        if from >= to {
            return Err(Failure::Usage(format!("--from {from} is not before --to {to}")));
        }
        let base_url = a
            .base_url
            .clone()
            .or_else(|| std::env::var("BINANCE_LOCAL_URL").ok().filter(|s| !s.is_empty()))
            .unwrap_or_else(|| PUBLIC_MARKET_DATA.to_owned());
        Ok(Self { symbol, interval, from, to, out: a.out.clone(), base_url })
    }

    /// The bar boundaries: `from` rounded up to the next bar's open.
    fn first_open(&self) -> Timestamp {
        let ms = self.interval.millis();
        let f = self.from.millis();
        Timestamp::from_millis(f + (ms - f.rem_euclid(ms)) % ms)
    }
}

/// Opens `out` for appending after its last complete bar, checking it is this series: returns
/// the file and the open time of the next bar wanted.
fn resume(plan: &DownloadPlan) -> Result<(File, Timestamp, u64), Failure> {
    let io = |e: std::io::Error| Failure::System(format!("{}: {e}", plan.out.display()));
    let mut file = OpenOptions::new().read(true).append(true).create(true).open(&plan.out).map_err(io)?;
    let mut keep_bytes = 0u64;
    let mut last_open: Option<i64> = None;
    let mut lines = 0u64;
    let mut reader = BufReader::new(&file);
    let mut line = String::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line).map_err(io)?;
        if n == 0 || !line.ends_with('\n') {
            break; // the end, or a line torn by an interruption: dropped
        }
        let text = line.trim_end();
        if lines == 0 {
            if text != HEADER {
                return Err(Failure::Usage(format!(
                    "{} exists and is not a download of this command (its first line is {text:?}); \
                     choose another --out",
                    plan.out.display()
                )));
            }
        } else {
            let open = text.split(',').next().and_then(|t| t.parse::<i64>().ok()).ok_or_else(|| {
                Failure::Usage(format!("{} line {}: {text:?} is not a bar", plan.out.display(), lines + 1))
            })?;
            if last_open.is_some_and(|l| open != l + plan.interval.millis()) {
                return Err(Failure::Usage(format!(
                    "{} line {}: not the next {} bar after the previous line; is it another series?",
                    plan.out.display(),
                    lines + 1,
                    plan.interval.as_str()
                )));
            }
            last_open = Some(open);
        }
        keep_bytes += n as u64;
        lines += 1;
    }
    drop(reader);
    file.set_len(keep_bytes).map_err(io)?;
    file.seek(SeekFrom::End(0)).map_err(io)?;
    if lines == 0 {
        writeln!(file, "{HEADER}").map_err(io)?;
    }
    let next = match last_open {
        Some(l) => {
            if l < plan.first_open().millis() {
                return Err(Failure::Usage(format!(
                    "{} starts before --from; it is another download: choose another --out",
                    plan.out.display()
                )));
            }
            Timestamp::from_millis(l + plan.interval.millis())
        }
        None => plan.first_open(),
    };
    Ok((file, next, lines.saturating_sub(1)))
}

fn row(c: &Candle) -> String {
    format!(
        "{},{},{},{},{},{},{}\n",
        c.open_time.millis(),
        c.open.get(),
        c.high.get(),
        c.low.get(),
        c.close.get(),
        c.volume.get(),
        c.close_time.millis()
    )
}

pub async fn download(plan: &DownloadPlan) -> Result<Downloaded, Failure> {
    let (mut file, mut next, kept) = resume(plan)?;
    let client = BinanceHttpClient::public(HttpConfig::new(&plan.base_url))
        .map_err(|e| Failure::Usage(format!("--base-url {}: {e}", plan.base_url)))?;
    let step = plan.interval.millis();
    let mut written = 0u64;
    while next < plan.to {
        let end = Timestamp::from_millis(plan.to.millis() - 1);
        let page =
            client.klines(plan.symbol, plan.interval, Some(next), Some(end), PAGE).await.map_err(|e| {
                Failure::System(format!("fetching {} klines from {}: {e}", plan.symbol, plan.base_url))
            })?;
        // Only closed bars that continue the file exactly: a gap (a halted market) is written
        // as Binance has it, but never a bar twice or out of order.
        let bars: Vec<&Candle> =
            page.iter().filter(|c| c.closed && c.open_time >= next && c.open_time < plan.to).collect();
        let Some(last) = bars.last() else { break };
        let mut text = String::with_capacity(bars.len() * 96);
        for c in &bars {
            text.push_str(&row(c));
        }
        file.write_all(text.as_bytes())
            .and_then(|()| file.flush())
            .map_err(|e| Failure::System(format!("{}: {e}", plan.out.display())))?;
        written += bars.len() as u64;
        next = Timestamp::from_millis(last.open_time.millis() + step);
        eprintln!(
            "{} {}: {} bars, up to {}",
            plan.symbol,
            plan.interval.as_str(),
            kept + written,
            last.open_time
        );
    }
    Ok(Downloaded { written, kept })
}
