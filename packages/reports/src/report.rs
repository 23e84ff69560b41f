//! `Report`: the five reports by name, their columns, the rows' order and the filter on them.

use mirai_core::{Symbol, Timestamp};

use crate::cell::Kind;

/// One of the analysts' reports; each is a Snowflake view of the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    RoundTrips,
    PnlByDaySymbol,
    DecisionOutcomes,
    ModelUsage,
    RiskRefusalsByGate,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "no report named {0:?}; the reports are: round-trips, pnl-by-day-symbol, decision-outcomes, model-usage, risk-refusals-by-gate"
)]
pub struct UnknownReport(pub String);

/// A column: its name (the view's) and how its cells are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
}

const fn col(name: &'static str, kind: Kind) -> Column {
    Column { name, kind }
}

const ROUND_TRIPS: &[Column] = &[
    col("SYMBOL", Kind::Text),
    col("TRIP_NO", Kind::Int),
    col("ENTRY_TIME", Kind::Time),
    col("EXIT_TIME", Kind::Time),
    col("QTY", Kind::Number),
    col("ENTRY_PRICE", Kind::Rounded(8)),
    col("EXIT_PRICE", Kind::Rounded(8)),
    col("ENTRY_NOTIONAL", Kind::Number),
    col("EXIT_NOTIONAL", Kind::Number),
    col("FEES", Kind::Number),
    col("PNL", Kind::Number),
    col("RETURN", Kind::Rounded(8)),
    col("DURATION_S", Kind::Number),
    col("OPENING_DECISION_ID", Kind::Text),
    col("CLOSING_DECISION_ID", Kind::Text),
];

const PNL_BY_DAY_SYMBOL: &[Column] = &[
    col("DAY", Kind::Day),
    col("SYMBOL", Kind::Text),
    col("REALISED_PNL", Kind::Number),
    col("UNREALISED_PNL", Kind::Rounded(8)),
    col("FEES", Kind::Number),
    col("FILLS", Kind::Int),
    col("TRADES", Kind::Int),
    col("WINS", Kind::Int),
    col("WIN_RATE", Kind::Rounded(4)),
    col("POSITION_QTY", Kind::Number),
    col("CLOSE_PRICE", Kind::Number),
];

const DECISION_OUTCOMES: &[Column] = &[
    col("DECISION_ID", Kind::Text),
    col("TS", Kind::Time),
    col("SYMBOL", Kind::Text),
    col("STRATEGY", Kind::Text),
    col("ACTION", Kind::Text),
    col("CONFIDENCE", Kind::Number),
    col("ADVISOR_KIND", Kind::Text),
    col("MODEL", Kind::Text),
    col("FALLBACK_REASON", Kind::Text),
    col("OUTCOME", Kind::Text),
    col("REFUSED_BY", Kind::Text),
    col("REFUSAL_REASON", Kind::Text),
    col("PROPOSAL_STATUS", Kind::Text),
    col("DECIDED_BY", Kind::Text),
    col("ORDERS", Kind::Int),
    col("FILLS", Kind::Int),
    col("FILLED_QTY", Kind::Number),
    col("NOTIONAL", Kind::Number),
    col("FEES", Kind::Number),
    col("TRIP_PNL", Kind::Number),
];

const MODEL_USAGE: &[Column] = &[
    col("DAY", Kind::Day),
    col("MODEL", Kind::Text),
    col("DECISIONS", Kind::Int),
    col("CALLS", Kind::Int),
    col("FALLBACKS", Kind::Int),
    col("TOKENS_IN", Kind::Int),
    col("TOKENS_OUT", Kind::Int),
    col("COST_USD", Kind::Number),
    col("AVG_LATENCY_MS", Kind::Rounded(0)),
    col("MAX_LATENCY_MS", Kind::Int),
];

const RISK_REFUSALS_BY_GATE: &[Column] = &[
    col("DAY", Kind::Day),
    col("SYMBOL", Kind::Text),
    col("GATE", Kind::Text),
    col("REFUSALS", Kind::Int),
    col("EXAMPLE_REASON", Kind::Text),
];

impl Report {
    pub const ALL: [Report; 5] = [
        Report::RoundTrips,
        Report::PnlByDaySymbol,
        Report::DecisionOutcomes,
        Report::ModelUsage,
        Report::RiskRefusalsByGate,
    ];

    /// The name on the command line: the view's, in kebab case.
    pub fn name(self) -> &'static str {
        match self {
            Report::RoundTrips => "round-trips",
            Report::PnlByDaySymbol => "pnl-by-day-symbol",
            Report::DecisionOutcomes => "decision-outcomes",
            Report::ModelUsage => "model-usage",
            Report::RiskRefusalsByGate => "risk-refusals-by-gate",
        }
    }

    pub fn parse(name: &str) -> Result<Self, UnknownReport> {
        Self::ALL.into_iter().find(|r| r.name() == name).ok_or_else(|| UnknownReport(name.to_owned()))
    }

    /// The Snowflake view.
    pub fn view(self) -> &'static str {
        match self {
            Report::RoundTrips => "ROUND_TRIPS",
            Report::PnlByDaySymbol => "PNL_BY_DAY_SYMBOL",
            Report::DecisionOutcomes => "DECISION_OUTCOMES",
            Report::ModelUsage => "MODEL_USAGE",
            Report::RiskRefusalsByGate => "RISK_REFUSALS_BY_GATE",
        }
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            Report::RoundTrips => ROUND_TRIPS,
            Report::PnlByDaySymbol => PNL_BY_DAY_SYMBOL,
            Report::DecisionOutcomes => DECISION_OUTCOMES,
            Report::ModelUsage => MODEL_USAGE,
            Report::RiskRefusalsByGate => RISK_REFUSALS_BY_GATE,
        }
    }

    /// The column `--from` and `--to` bound: a round trip counts when it closed.
    pub fn time_column(self) -> &'static str {
        match self {
            Report::RoundTrips => "EXIT_TIME",
            Report::DecisionOutcomes => "TS",
            Report::PnlByDaySymbol | Report::ModelUsage | Report::RiskRefusalsByGate => "DAY",
        }
    }

    /// Whether `--symbol` applies (model usage is per model, not per symbol).
    pub fn has_symbol(self) -> bool {
        self != Report::ModelUsage
    }

    /// The rows' order, the same from both sources (`ORDER BY` of the Snowflake query).
    pub fn order_by(self) -> &'static [&'static str] {
        match self {
            Report::RoundTrips => &["EXIT_TIME", "SYMBOL", "TRIP_NO"],
            Report::PnlByDaySymbol => &["DAY", "SYMBOL"],
            Report::DecisionOutcomes => &["TS", "DECISION_ID"],
            Report::ModelUsage => &["DAY", "MODEL"],
            Report::RiskRefusalsByGate => &["DAY", "SYMBOL", "GATE"],
        }
    }

    pub(crate) fn index(self, column: &str) -> Option<usize> {
        self.columns().iter().position(|c| c.name == column)
    }
}

/// Which rows: `from` inclusive and `to` exclusive on the report's time column (a day counts
/// from its midnight, UTC), and one symbol.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub symbol: Option<Symbol>,
}

impl Filter {
    pub(crate) fn keeps(&self, report: Report, row: &[Option<String>]) -> bool {
        let cell = |name: &str| report.index(name).and_then(|i| row.get(i)).and_then(|c| c.as_deref());
        if let Some(symbol) = self.symbol
            && report.has_symbol()
            && cell("SYMBOL") != Some(symbol.as_str())
        {
            return false;
        }
        if self.from.is_none() && self.to.is_none() {
            return true;
        }
        let Some(at) = cell(report.time_column()) else { return false };
        // Canonical cells are ISO-8601 (a day: its date), so they order as text.
        let at = if at.len() == 10 { format!("{at}T00:00:00.000Z") } else { at.to_owned() };
        self.from.is_none_or(|f| at >= f.to_iso8601()) && self.to.is_none_or(|t| at < t.to_iso8601())
    }
}

/// A report's rows as canonical cells (`None` is SQL's NULL), in [`Report::order_by`] order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub report: Report,
    pub rows: Vec<Vec<Option<String>>>,
}

impl Table {
    pub fn new(report: Report) -> Self {
        Self { report, rows: Vec::new() }
    }
}
