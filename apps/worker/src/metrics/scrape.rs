//! The trading metrics, read at scrape time from what the worker keeps anyway — the ledger's
//! counts, the published status (switches, equity, the model's day, the outbox), the stream
//! reconnection counters — so that no figure is kept twice and none can drift from its source.
//! Labels take only fixed, bounded values (sides, statuses, gate and cause names, destination
//! names): never an id, a user name, a reason in words or anything secret.

use mirai_live::venue::StreamReconnects;
use mirai_store_local::LedgerCounts;
use mirai_web::{OutboxView, StatusView};
use rust_decimal::Decimal;

use super::exposition::{Exposition, Kind};

/// The sides every ledger count shows, zero or not: a series that exists from the start makes
/// `rate()` and `increase()` exact from the first order on.
const SIDES: [&str; 2] = ["BUY", "SELL"];

/// Writes every trading metric.
pub fn render(out: &mut Exposition, counts: &LedgerCounts, status: &StatusView, streams: StreamReconnects) {
    ledger(out, counts);
    switches(out, status);
    model(out, status);
    outbox(out, status);
    out.family(
        "mirai_stream_reconnects_total",
        Kind::Counter,
        "Binance stream reconnections since the start, by stream.",
    );
    out.sample("mirai_stream_reconnects_total", &[("stream", "market")], streams.market_feed);
    out.sample("mirai_stream_reconnects_total", &[("stream", "user_data")], streams.user_data);
}

fn ledger(out: &mut Exposition, counts: &LedgerCounts) {
    const ORDERS_TOTAL: &str = "mirai_orders_total";
    out.family(ORDERS_TOTAL, Kind::Counter, "Orders placed (in the ledger), by side.");
    for side in SIDES {
        let n: u64 = counts.orders.iter().filter(|(s, _, _)| s == side).map(|(_, _, n)| n).sum();
        out.sample(ORDERS_TOTAL, &[("side", side)], n);
    }
    // Not a counter: an order moves from NEW to FILLED, so a status's count can fall.
    out.family("mirai_orders", Kind::Gauge, "Orders in the ledger by side and current status.");
    for (side, status, n) in &counts.orders {
        out.sample("mirai_orders", &[("side", side), ("status", status)], n);
    }
    out.family("mirai_fills_total", Kind::Counter, "Fills (executions) booked in the ledger, by side.");
    for side in SIDES {
        let n = counts.fills.iter().find(|(s, _)| s == side).map_or(0, |(_, n)| *n);
        out.sample("mirai_fills_total", &[("side", side)], n);
    }
    out.family("mirai_risk_refusals_total", Kind::Counter, "Orders refused by a risk gate, by gate.");
    for (gate, n) in &counts.refusals {
        out.sample("mirai_risk_refusals_total", &[("gate", gate)], n);
    }
}

fn switches(out: &mut Exposition, s: &StatusView) {
    out.flag(
        "mirai_trading_halted",
        "1 while the kill switch is on (no new orders until resumed).",
        s.halted,
    );
    out.flag("mirai_trading_paused", "1 while trading is paused.", s.paused);
    out.flag(
        "mirai_trading_blocked",
        "1 while the worker refuses to trade (see /api/status for why).",
        s.blocked_reason.is_some(),
    );
    out.family("mirai_equity", Kind::Gauge, "Cash plus holdings at the last price, in the quote currency.");
    out.sample("mirai_equity", &[], s.equity);
    out.family("mirai_realised_pnl", Kind::Gauge, "Realised profit and loss, in the quote currency.");
    out.sample("mirai_realised_pnl", &[], s.realised_pnl);
}

/// The model's figures are the UTC day's (kept across restarts, reset at midnight UTC): as
/// counters they reset then, which `rate()` and `increase()` take in their stride.
fn model(out: &mut Exposition, s: &StatusView) {
    let a = &s.advisor;
    out.family("mirai_model_calls_total", Kind::Counter, "Decisions the model was asked about today (UTC).");
    out.sample("mirai_model_calls_total", &[], a.calls);
    const FALLBACKS: &str = "mirai_model_fallbacks_total";
    out.family(
        FALLBACKS,
        Kind::Counter,
        "Decisions left to the rules because the model's answer could not be used, today (UTC), by cause.",
    );
    for (cause, n) in &a.fallbacks_by_cause {
        out.sample(FALLBACKS, &[("cause", cause)], n);
    }
    // An older worker's status has the total without the causes: the rest stays visible.
    let by_cause: u64 = a.fallbacks_by_cause.values().sum();
    if a.fallbacks > by_cause {
        out.sample(FALLBACKS, &[("cause", "other")], a.fallbacks - by_cause);
    }
    out.family(
        "mirai_model_tokens_total",
        Kind::Counter,
        "Tokens sent to and received from the model today (UTC).",
    );
    out.sample("mirai_model_tokens_total", &[("direction", "input")], a.tokens_in);
    out.sample("mirai_model_tokens_total", &[("direction", "output")], a.tokens_out);
    out.family(
        "mirai_model_cost_usd_total",
        Kind::Counter,
        "What the model cost today (UTC), in US dollars.",
    );
    out.sample("mirai_model_cost_usd_total", &[], a.cost_usd.normalize());
    if let Some(budget) = a.daily_budget_usd {
        out.family(
            "mirai_model_daily_budget_usd",
            Kind::Gauge,
            "The model's daily budget (LLM_DAILY_BUDGET_USD).",
        );
        out.sample("mirai_model_daily_budget_usd", &[], budget.normalize());
    }
}

fn outbox(out: &mut Exposition, s: &StatusView) {
    type Read = fn(&OutboxView) -> Decimal;
    let families: [(&str, Kind, &str, Read); 5] = [
        ("mirai_outbox_pending", Kind::Gauge, "Records committed locally and not yet shipped.", |o| {
            o.pending.into()
        }),
        ("mirai_outbox_parked", Kind::Gauge, "Records the destination refused, set aside.", |o| {
            o.parked.into()
        }),
        ("mirai_outbox_lag_seconds", Kind::Gauge, "How long the oldest waiting record has waited.", |o| {
            Decimal::new(o.lag_ms.max(0), 3).normalize()
        }),
        ("mirai_outbox_consecutive_failures", Kind::Gauge, "Failed shipping attempts in a row.", |o| {
            o.consecutive_failures.into()
        }),
        ("mirai_outbox_shipped_total", Kind::Counter, "Records shipped since the worker started.", |o| {
            o.shipped.into()
        }),
    ];
    for (name, kind, help, read) in families {
        out.family(name, kind, help);
        for o in &s.outbox {
            out.sample(name, &[("topic", &o.topic), ("destination", &o.destination)], read(o));
        }
    }
}

#[cfg(test)]
mod tests {
    use mirai_core::{AdvisorStats, Amount, Symbol, Timestamp};
    use mirai_web::Mode;

    use super::*;

    fn status() -> StatusView {
        let mut advisor = AdvisorStats {
            kind: "llm".into(),
            model: Some("model-name-x".into()),
            calls: 7,
            fallbacks: 3,
            last_fallback_reason: Some("no answer within 8000 ms".into()),
            tokens_in: 1200,
            tokens_out: 300,
            cost_usd: "0.00036".parse().expect("decimal"),
            ..AdvisorStats::default()
        };
        advisor.fallbacks_by_cause.insert("timeout".into(), 2);
        StatusView {
            mode: Mode::Paper,
            dry_run: true,
            testnet: true,
            market_data: Some(mirai_core::CandleSource::Replay),
            halted: true,
            paused: false,
            symbols: vec![Symbol::new("BTCUSDT")],
            equity: "10012.5".parse::<Amount>().expect("amount"),
            cash: Amount::ZERO,
            realised_pnl: "-3.25".parse::<Amount>().expect("amount"),
            unrealised_pnl: Amount::ZERO,
            started_at: Timestamp::from_millis(0),
            last_event_at: None,
            trades_today: 0,
            blocked_reason: Some("venue said: key abc123 rejected".into()),
            outbox: vec![OutboxView {
                topic: "analytics".into(),
                destination: "snowflake".into(),
                pending: 4,
                parked: 1,
                lag_ms: 1_250,
                oldest_queued_at: None,
                shipped: 9,
                last_shipped_at: None,
                consecutive_failures: 2,
                last_error: Some("https://acct.snowflakecomputing.com refused".into()),
            }],
            news: None,
            advisor,
        }
    }

    fn rendered() -> String {
        let counts = LedgerCounts {
            orders: vec![
                ("BUY".into(), "FILLED".into(), 5),
                ("BUY".into(), "NEW".into(), 1),
                ("SELL".into(), "FILLED".into(), 4),
            ],
            fills: vec![("BUY".into(), 6)],
            refusals: vec![("max_position".into(), 2)],
        };
        let mut out = Exposition::new();
        render(&mut out, &counts, &status(), StreamReconnects { market_feed: 2, user_data: 0 });
        out.finish()
    }

    #[test]
    fn each_figure_comes_from_its_source() {
        let text = rendered();
        let want = [
            r#"mirai_orders_total{side="BUY"} 6"#,
            r#"mirai_orders_total{side="SELL"} 4"#,
            r#"mirai_orders{side="BUY",status="NEW"} 1"#,
            r#"mirai_fills_total{side="BUY"} 6"#,
            r#"mirai_fills_total{side="SELL"} 0"#,
            r#"mirai_risk_refusals_total{gate="max_position"} 2"#,
            "mirai_trading_halted 1",
            "mirai_trading_paused 0",
            "mirai_trading_blocked 1",
            "mirai_equity 10012.5",
            "mirai_realised_pnl -3.25",
            "mirai_model_calls_total 7",
            r#"mirai_model_fallbacks_total{cause="timeout"} 2"#,
            r#"mirai_model_fallbacks_total{cause="other"} 1"#,
            r#"mirai_model_tokens_total{direction="input"} 1200"#,
            "mirai_model_cost_usd_total 0.00036",
            r#"mirai_outbox_pending{topic="analytics",destination="snowflake"} 4"#,
            r#"mirai_outbox_lag_seconds{topic="analytics",destination="snowflake"} 1.25"#,
            r#"mirai_outbox_shipped_total{topic="analytics",destination="snowflake"} 9"#,
            r#"mirai_stream_reconnects_total{stream="market"} 2"#,
            r#"mirai_stream_reconnects_total{stream="user_data"} 0"#,
        ];
        for line in want {
            assert!(text.lines().any(|l| l == line), "no line {line:?} in\n{text}");
        }
        assert!(!text.contains("mirai_model_daily_budget_usd"), "no budget set, no budget shown");
    }

    #[test]
    fn no_words_from_the_status_reach_a_label() {
        let text = rendered();
        for said in ["abc123", "snowflakecomputing", "8000 ms", "model-name-x"] {
            assert!(!text.contains(said), "{said:?} leaked into\n{text}");
        }
    }
}
