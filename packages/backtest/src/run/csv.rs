//! `run_csv`: a backtest streamed from a CSV file, the parsing on a second thread a few thousand
//! bars ahead so the two halves of the work overlap.

use std::io::Read;

use mirai_core::MarketEvent;

use super::BacktestReport;
use super::runner::Backtest;
use crate::config::BacktestConfig;
use crate::data::{Bar, CsvReader, DataError};
use crate::error::{BacktestError, Result};

/// Streams a CSV file through a backtest without holding it in memory; `progress` is called now
/// and then with the bytes read so far. A bad line stops the test with its error.
///
/// Parsing runs on a second thread, a few thousand bars ahead of the backtest, so the two halves
/// of the work overlap; the channel between them is bounded, so memory stays flat.
pub fn run_csv(
    config: &BacktestConfig,
    src: impl Read + Send,
    mut progress: impl FnMut(u64),
) -> Result<BacktestReport> {
    let mut bt = Backtest::new(config)?;
    let symbol = config.symbol;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<(Vec<Bar>, u64), DataError>>(4);
    std::thread::scope(|scope| {
        scope.spawn(move || parse_ahead(src, &tx));
        for chunk in rx {
            let (bars, bytes) = chunk?;
            for bar in &bars {
                bt.on_bar(&MarketEvent::Candle(bar.candle(symbol)));
            }
            progress(bytes);
        }
        Ok::<(), BacktestError>(())
    })?;
    bt.finish().map_err(|e| match e {
        BacktestError::NoBars => DataError::File("no bars in the file".into()).into(),
        other => other,
    })
}

/// Bars per message from the parsing thread.
const CHUNK_BARS: usize = 8_192;

/// Reads bars in chunks and sends them on, then the error if a line is bad; stops early if the
/// backtest has gone (the receiver was dropped).
fn parse_ahead(src: impl Read, tx: &std::sync::mpsc::SyncSender<Result<(Vec<Bar>, u64), DataError>>) {
    let mut reader = match CsvReader::new(src) {
        Ok(r) => r,
        Err(e) => {
            let _ = tx.send(Err(e));
            return;
        }
    };
    let mut chunk = Vec::with_capacity(CHUNK_BARS);
    while let Some(bar) = reader.next() {
        match bar {
            Ok(bar) => chunk.push(bar),
            Err(e) => {
                if !chunk.is_empty()
                    && tx.send(Ok((std::mem::take(&mut chunk), reader.bytes_read()))).is_err()
                {
                    return;
                }
                let _ = tx.send(Err(e));
                return;
            }
        }
        if chunk.len() == CHUNK_BARS {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_BARS));
            if tx.send(Ok((full, reader.bytes_read()))).is_err() {
                return;
            }
        }
    }
    let _ = tx.send(Ok((chunk, reader.bytes_read())));
}
