//! The analysts' reports: what each one's columns are, and each computed from the local ledger
//! with exactly the definitions of the Snowflake views of the same name (migration 4 in
//! `mirai-store-snowflake`), so `mirai analytics NAME` gives the same table from either source.
//!
//! Both sources end as a [`Table`] of canonical cells (decimals normalised, ratios rounded as the
//! view rounds them, times in ISO-8601 UTC), so the two can be compared byte for byte.
//!
//! The dashboard's reads take the same computations typed, never the cells: [`round_trips`],
//! [`decision_outcomes`] (whose values the report's rows are written from), [`performance`], and
//! the P&L series ([`downsample`], [`max_drawdown`]) from the ledger's snapshots.

mod cell;
mod decision_outcomes;
mod inputs;
mod model_usage;
mod output;
mod performance;
mod pnl_by_day_symbol;
mod pnl_series;
mod report;
mod risk_refusals;
mod round_trips;

pub use cell::{CellError, Kind};
pub use decision_outcomes::{Advisor, DecisionOutcome, Outcome, decision_outcomes};
pub use inputs::{Inputs, OrderLink, ProposalLink};
pub use performance::{RATIO_PLACES, SymbolPerformance, performance};
pub use pnl_series::{Drawdown, downsample, max_drawdown, step_of, steps_between};
pub use report::{Column, Filter, Report, Table, UnknownReport};
pub use round_trips::{RoundTrip, TRIP_PLACES, round_trips};

/// Computes `report` from the local ledger's records, filtered as the view would be.
pub fn compute(report: Report, inputs: &Inputs, filter: &Filter) -> Table {
    let rows = match report {
        Report::RoundTrips => round_trips::rows(inputs),
        Report::PnlByDaySymbol => pnl_by_day_symbol::rows(inputs),
        Report::DecisionOutcomes => decision_outcomes::rows(inputs),
        Report::ModelUsage => model_usage::rows(inputs),
        Report::RiskRefusalsByGate => risk_refusals::rows(inputs),
    };
    let mut table = Table::new(report);
    for row in rows {
        if filter.keeps(report, &row) {
            table.rows.push(row);
        }
    }
    table
}
