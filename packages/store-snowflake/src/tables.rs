//! The tables rows are merged into: their columns and types (as the USING clause casts them),
//! their keys, and what a re-delivered row does to the stored one. The DDL that creates them is
//! in `schema.rs`; a test checks that the two agree.
//!
//! Every name here is a constant: the allow-list of identifiers that may appear in SQL.

pub(crate) const MONEY: &str = "NUMBER(38, 18)";
pub(crate) const TS: &str = "TIMESTAMP_NTZ(3)";
pub(crate) const TEXT: &str = "VARCHAR";
pub(crate) const INT: &str = "NUMBER(20, 0)";
pub(crate) const DATE: &str = "DATE";

#[derive(Debug)]
pub(crate) enum OnMatch {
    /// Insert-only: a stored row is never changed (facts: fills, decisions, audit entries).
    Keep,
    /// Replace every non-key column, if the condition holds (`t.` is the stored row, `s.` the new).
    Replace { when: Option<&'static str> },
    /// Column by column, for rows that accumulate (the daily P&L).
    Set(&'static [(&'static str, &'static str)]),
}

#[derive(Debug)]
pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, &'static str)],
    pub key: &'static [&'static str],
    pub on_match: OnMatch,
}

impl Table {
    pub fn column_names(&self) -> impl Iterator<Item = &'static str> {
        self.columns.iter().map(|(n, _)| *n)
    }
}

pub(crate) const FILLS: Table = Table {
    name: "FILLS",
    columns: &[
        ("SYMBOL", TEXT),
        ("TRADE_ID", TEXT),
        ("CLIENT_ORDER_ID", TEXT),
        ("SIDE", TEXT),
        ("QTY", MONEY),
        ("PRICE", MONEY),
        ("NOTIONAL", MONEY),
        ("FEE", MONEY),
        ("TS", TS),
        ("SEQ", INT),
        ("REALISED_PNL", MONEY),
        ("POSITION_QTY", MONEY),
        ("POSITION_COST", MONEY),
        ("TRIP", TEXT),
    ],
    key: &["SYMBOL", "TRADE_ID"],
    on_match: OnMatch::Keep,
};

/// A state never moves back: a later report wins, and between reports of the same millisecond
/// (the paper exchange acknowledges and fills at once) the further state, then the larger fill.
const ORDER_MOVED_ON: &str = "s.UPDATED_AT > t.UPDATED_AT OR (s.UPDATED_AT = t.UPDATED_AT AND \
     (CASE s.STATUS WHEN 'NEW' THEN 0 WHEN 'PARTIALLY_FILLED' THEN 1 ELSE 2 END > \
      CASE t.STATUS WHEN 'NEW' THEN 0 WHEN 'PARTIALLY_FILLED' THEN 1 ELSE 2 END \
      OR (s.STATUS = t.STATUS AND s.FILLED_QTY > t.FILLED_QTY)))";

pub(crate) const ORDERS: Table = Table {
    name: "ORDERS",
    columns: &[
        ("CLIENT_ORDER_ID", TEXT),
        ("DECISION_ID", TEXT),
        ("SYMBOL", TEXT),
        ("SIDE", TEXT),
        ("KIND", TEXT),
        ("LIMIT_PRICE", MONEY),
        ("TIME_IN_FORCE", TEXT),
        ("QTY", MONEY),
        ("REFERENCE_PRICE", MONEY),
        ("CREATED_AT", TS),
        ("STATUS", TEXT),
        ("EXCHANGE_ORDER_ID", INT),
        ("FILLED_QTY", MONEY),
        ("UPDATED_AT", TS),
    ],
    key: &["CLIENT_ORDER_ID"],
    on_match: OnMatch::Replace { when: Some(ORDER_MOVED_ON) },
};

pub(crate) const DECISIONS: Table = Table {
    name: "DECISIONS",
    columns: &[
        ("ID", TEXT),
        ("TS", TS),
        ("SYMBOL", TEXT),
        ("STRATEGY", TEXT),
        ("ACTION", TEXT),
        ("SIZE_FRACTION", MONEY),
        ("PRICE", MONEY),
        ("STOP_LOSS", MONEY),
        ("TAKE_PROFIT", MONEY),
        ("CONFIDENCE", MONEY),
        ("RATIONALE", TEXT),
        ("CITATIONS", TEXT),
        ("ADVISOR", TEXT),
        // ADVISOR's JSON as columns, and what the model's call used (NULL when none was made).
        ("ADVISOR_KIND", TEXT),
        ("MODEL", TEXT),
        ("FALLBACK_REASON", TEXT),
        ("TOKENS_IN", INT),
        ("TOKENS_OUT", INT),
        ("COST_USD", MONEY),
        ("LATENCY_MS", INT),
    ],
    key: &["ID"],
    on_match: OnMatch::Keep,
};

/// Snapshots are keyed by their instant; the last one recorded for an instant wins, as locally.
pub(crate) const PNL_INTRADAY: Table = Table {
    name: "PNL_INTRADAY",
    columns: &[("TS", TS), ("EQUITY", MONEY), ("CASH", MONEY), ("REALISED", MONEY), ("UNREALISED", MONEY)],
    key: &["TS"],
    on_match: OnMatch::Replace { when: None },
};

/// Each batch's snapshots for a day, merged with what is stored: the earliest opens the day, the
/// latest closes it, the extremes widen. Re-delivery changes nothing (min, max and "latest" are
/// idempotent).
pub(crate) const PNL_DAILY: Table = Table {
    name: "PNL_DAILY",
    columns: &[
        ("DAY", DATE),
        ("OPEN_TS", TS),
        ("OPEN_EQUITY", MONEY),
        ("OPEN_REALISED", MONEY),
        ("CLOSE_TS", TS),
        ("CLOSE_EQUITY", MONEY),
        ("CLOSE_CASH", MONEY),
        ("CLOSE_REALISED", MONEY),
        ("CLOSE_UNREALISED", MONEY),
        ("HIGH_EQUITY", MONEY),
        ("LOW_EQUITY", MONEY),
    ],
    key: &["DAY"],
    on_match: OnMatch::Set(&[
        ("OPEN_EQUITY", "CASE WHEN s.OPEN_TS < t.OPEN_TS THEN s.OPEN_EQUITY ELSE t.OPEN_EQUITY END"),
        ("OPEN_REALISED", "CASE WHEN s.OPEN_TS < t.OPEN_TS THEN s.OPEN_REALISED ELSE t.OPEN_REALISED END"),
        ("OPEN_TS", "LEAST(s.OPEN_TS, t.OPEN_TS)"),
        ("CLOSE_EQUITY", "CASE WHEN s.CLOSE_TS >= t.CLOSE_TS THEN s.CLOSE_EQUITY ELSE t.CLOSE_EQUITY END"),
        ("CLOSE_CASH", "CASE WHEN s.CLOSE_TS >= t.CLOSE_TS THEN s.CLOSE_CASH ELSE t.CLOSE_CASH END"),
        (
            "CLOSE_REALISED",
            "CASE WHEN s.CLOSE_TS >= t.CLOSE_TS THEN s.CLOSE_REALISED ELSE t.CLOSE_REALISED END",
        ),
        (
            "CLOSE_UNREALISED",
            "CASE WHEN s.CLOSE_TS >= t.CLOSE_TS THEN s.CLOSE_UNREALISED ELSE t.CLOSE_UNREALISED END",
        ),
        ("CLOSE_TS", "GREATEST(s.CLOSE_TS, t.CLOSE_TS)"),
        ("HIGH_EQUITY", "GREATEST(s.HIGH_EQUITY, t.HIGH_EQUITY)"),
        ("LOW_EQUITY", "LEAST(s.LOW_EQUITY, t.LOW_EQUITY)"),
    ]),
};

pub(crate) const RISK_EVENTS: Table = Table {
    name: "RISK_EVENTS",
    columns: &[
        ("ID", TEXT),
        ("TS", TS),
        ("DECISION_ID", TEXT),
        ("SYMBOL", TEXT),
        ("GATE", TEXT),
        ("REASON", TEXT),
    ],
    key: &["ID"],
    on_match: OnMatch::Keep,
};

pub(crate) const AUDIT_LOG: Table = Table {
    name: "AUDIT_LOG",
    columns: &[
        ("SEQ", INT),
        ("TS", TS),
        ("KIND", TEXT),
        ("ACTOR", TEXT),
        ("PAYLOAD", TEXT),
        ("PREV_HASH", TEXT),
        ("HASH", TEXT),
    ],
    key: &["SEQ"],
    on_match: OnMatch::Keep,
};

pub(crate) const BACKTEST_RUNS: Table = Table {
    name: "BACKTEST_RUNS",
    columns: &[
        ("ID", TEXT),
        ("CREATED_AT", TS),
        ("STRATEGY", TEXT),
        ("PARAMS", TEXT),
        ("DATA_SOURCE", TEXT),
        ("METRICS", TEXT),
    ],
    key: &["ID"],
    on_match: OnMatch::Keep,
};

/// One row per closed candle the worker traded on; the first version written is kept.
pub(crate) const CANDLES: Table = Table {
    name: "CANDLES",
    columns: &[
        ("SYMBOL", TEXT),
        ("INTERVAL", TEXT),
        ("OPEN_TIME", TS),
        ("CLOSE_TIME", TS),
        ("OPEN", MONEY),
        ("HIGH", MONEY),
        ("LOW", MONEY),
        ("CLOSE", MONEY),
        ("VOLUME", MONEY),
        ("SOURCE", TEXT),
    ],
    key: &["SYMBOL", "INTERVAL", "OPEN_TIME"],
    on_match: OnMatch::Keep,
};

/// A proposal's state never moves back: a status further along (PENDING, then APPROVED, then one
/// of the final ones) wins, and at the same stage a later DECIDED_AT. The status comes first
/// because DECIDED_AT is the wall clock's, which can step back.
const PROPOSAL_MOVED_ON: &str = "CASE s.STATUS WHEN 'PENDING' THEN 0 WHEN 'APPROVED' THEN 1 ELSE 2 END > \
      CASE t.STATUS WHEN 'PENDING' THEN 0 WHEN 'APPROVED' THEN 1 ELSE 2 END \
     OR (CASE s.STATUS WHEN 'PENDING' THEN 0 WHEN 'APPROVED' THEN 1 ELSE 2 END = \
      CASE t.STATUS WHEN 'PENDING' THEN 0 WHEN 'APPROVED' THEN 1 ELSE 2 END \
      AND s.DECIDED_AT > t.DECIDED_AT)";

/// One row per proposal (an order held for a person's approval), in its latest state.
pub(crate) const PROPOSALS: Table = Table {
    name: "PROPOSALS",
    columns: &[
        ("ID", TEXT),
        ("DECISION_ID", TEXT),
        ("SYMBOL", TEXT),
        ("SIDE", TEXT),
        ("QTY", MONEY),
        ("CONFIDENCE", MONEY),
        ("STATUS", TEXT),
        ("CREATED_AT", TS),
        ("EXPIRES_AT", TS),
        ("DECIDED_BY", TEXT),
        ("DECIDED_AT", TS),
        ("REASON", TEXT),
    ],
    key: &["ID"],
    on_match: OnMatch::Replace { when: Some(PROPOSAL_MOVED_ON) },
};

/// Every table a record can go to; the schema test checks each against the DDL.
#[cfg(test)]
pub(crate) const ALL: &[&Table] = &[
    &DECISIONS,
    &ORDERS,
    &FILLS,
    &PNL_INTRADAY,
    &PNL_DAILY,
    &RISK_EVENTS,
    &AUDIT_LOG,
    &BACKTEST_RUNS,
    &CANDLES,
    &PROPOSALS,
];
