//! `GET /api/pnl?from=&to=&step=`: equity, cash, realised and unrealised P&L from the ledger's
//! snapshots in `[from, to)`, one point per step (the last snapshot of each), and the equity's
//! max drawdown.
//!
//! `from` and `to` read as on `/api/performance` (each optional, from 1970 on); `step` is `N` and
//! a unit `s`, `m`, `h` or `d` (`1m`, `5m`, `1h`, `1d`), from 1 s to 365 d, and when not given the
//! smallest of the worker's ladder that fits. A bad value is a 422 naming its field; a step that
//! would give more than 5,000 points over the window's snapshots is a 422 on `step` naming the
//! smallest step allowed (only the worker knows where the snapshots start and end, so it is the
//! one that says so); a parameter given twice is a 400; other parameters are ignored.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde::Deserialize;

use super::paging::finish;
use super::performance::read_window;
use crate::backend::{Backend, BackendError};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::plumbing::query::{QueryParams, parse_query};
use crate::plumbing::response::json;
use crate::views::{PnlQuery, PnlStep};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PnlParams {
    /// A time: milliseconds since the epoch, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (UTC).
    #[param(pattern = r"^([0-9]{1,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?)$")]
    from: Option<String>,
    /// A time: milliseconds since the epoch, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (UTC).
    #[param(pattern = r"^([0-9]{1,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?)$")]
    to: Option<String>,
    /// One point per step: `1m`, `5m`, `1h`, `1d`, … (the worker's snapshot step when not given).
    #[param(pattern = r"^[1-9][0-9]{0,8}[smhd]$")]
    step: Option<String>,
}

impl QueryParams for PnlParams {
    fn expects(_: &str) -> &'static str {
        "cannot be read"
    }
}

/// Reads and checks `GET /api/pnl`'s query string.
pub(crate) fn parse_pnl(query: Option<&str>) -> ApiResult<PnlQuery> {
    let q: PnlParams = parse_query(query)?;
    let mut fields = Vec::new();
    let (from, to) = read_window(q.from, q.to, &mut fields);
    let step = q.step.and_then(|s| {
        let step = PnlStep::parse(s.trim());
        if step.is_none() {
            fields.push(FieldError {
                field: "step".to_owned(),
                code: "step".to_owned(),
                message: "must be a whole number and a unit, s, m, h or d (1m, 5m, 1h, 1d), from 1s to 365d"
                    .to_owned(),
            });
        }
        step
    });
    finish(fields)?;
    Ok(PnlQuery { from, to, step })
}

/// The worker's refusal of a step too fine for the window, as the web tier's own checks answer:
/// a 422 `validation_failed` on `step` (code `too_fine`), over the control API as in-process.
fn step_refused(e: BackendError) -> ApiError {
    match e {
        BackendError::InvalidField { field, message } if field == "step" => {
            ApiError::Validation(vec![FieldError { field, code: "too_fine".to_owned(), message }])
        }
        other => other.into(),
    }
}

pub(crate) async fn pnl(backend: &dyn Backend, req: &Request<Bytes>) -> ApiResult<Response<Bytes>> {
    let query = parse_pnl(req.uri().query())?;
    let view = backend.pnl(query).await.map_err(step_refused)?;
    Ok(json(StatusCode::OK, &view))
}

#[cfg(test)]
mod tests {
    use mirai_core::Timestamp;

    use super::*;

    fn fields(q: &str) -> Result<PnlQuery, (u16, Vec<String>)> {
        parse_pnl(Some(q)).map_err(|e| {
            let fields = match &e {
                ApiError::Validation(f) => f.iter().map(|f| format!("{}:{}", f.field, f.code)).collect(),
                _ => Vec::new(),
            };
            (e.status().as_u16(), fields)
        })
    }

    #[test]
    fn windows_and_steps_are_read() {
        assert_eq!(fields(""), Ok(PnlQuery::default()));
        assert_eq!(
            fields("from=2025-10-01&to=1759363200000&step=1h&x=1"),
            Ok(PnlQuery {
                from: Some(Timestamp::from_millis(1_759_276_800_000)),
                to: Some(Timestamp::from_millis(1_759_363_200_000)),
                step: PnlStep::parse("1h"),
            })
        );
        let q = PnlQuery { from: Some(Timestamp::from_millis(0)), to: None, step: PnlStep::parse("90m") };
        assert_eq!(fields(&q.to_query_string()), Ok(q), "the control API reads what the client writes");
    }

    #[test]
    fn bad_values_are_422_by_field_and_repeats_400() {
        assert_eq!(fields("step=1w"), Err((422, vec!["step:step".into()])));
        assert_eq!(fields("step=0m&from=x"), Err((422, vec!["from:date".into(), "step:step".into()])));
        assert_eq!(fields("from=2025-10-02&to=2025-10-01"), Err((422, vec!["from:order".into()])));
        assert_eq!(fields("step=1m&step=1h"), Err((400, Vec::new())));
    }

    #[test]
    fn the_workers_refusal_names_step_as_a_validation_failure() {
        let too_fine = crate::views::pnl_step_too_fine(PnlStep::LADDER[0], 86_401, PnlStep::parse("1m"));
        let e = step_refused(too_fine);
        assert_eq!(e.status().as_u16(), 422);
        let ApiError::Validation(f) = e else { panic!("a validation failure") };
        assert_eq!((f[0].field.as_str(), f[0].code.as_str()), ("step", "too_fine"));
        assert_eq!(
            f[0].message,
            "1s is too fine for the window: 86401 points, at most 5000; the smallest step allowed is 1m"
        );
        let other = step_refused(BackendError::Internal("x".into()));
        assert_eq!(other.status().as_u16(), 500);
    }
}
