//! `GET /api/performance?from=YYYY-MM-DD&to=YYYY-MM-DD`: trades, wins, P&L, fees, profit factor
//! and drawdown of the round trips that closed in `[from, to)`, per symbol and in total.
//!
//! `from` is the first UTC day included and `to` the first excluded, both optional, from 1970 on
//! (the searches' other forms, epoch milliseconds and `YYYY-MM-DDTHH:MM:SSZ`, are read too). A date that is not
//! one, or `from` not before `to`, is a 422 naming the field; a parameter given twice is a 400;
//! other parameters are ignored, as on every route.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use mirai_core::Timestamp;
use serde::Deserialize;

use crate::backend::Backend;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::plumbing::query::{QueryParams, parse_query};
use crate::plumbing::response::json;
use crate::plumbing::time::parse_time;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PerformanceQuery {
    /// A time: milliseconds since the epoch, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (UTC).
    #[param(pattern = r"^([0-9]{1,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?)$")]
    from: Option<String>,
    /// A time: milliseconds since the epoch, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (UTC).
    #[param(pattern = r"^([0-9]{1,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?)$")]
    to: Option<String>,
}

impl QueryParams for PerformanceQuery {
    fn expects(_: &str) -> &'static str {
        "cannot be read"
    }
}

/// The window of a performance query: `from` (included) and `to` (excluded), each optional.
pub(crate) fn parse_window(query: Option<&str>) -> ApiResult<(Option<Timestamp>, Option<Timestamp>)> {
    let q: PerformanceQuery = parse_query(query)?;
    let mut fields = Vec::new();
    let window = read_window(q.from, q.to, &mut fields);
    if !fields.is_empty() {
        fields.sort();
        return Err(ApiError::Validation(fields));
    }
    Ok(window)
}

/// A window's `from` (included) and `to` (excluded), each optional, as given in a query: a bad
/// time, or `from` not before `to`, is added to `fields`. Shared by every route with a window.
pub(crate) fn read_window(
    from: Option<String>,
    to: Option<String>,
    fields: &mut Vec<FieldError>,
) -> (Option<Timestamp>, Option<Timestamp>) {
    let mut read = |field: &str, value: Option<String>| {
        let value = value?;
        // Nothing traded before 1970, and the control API carries the bounds as epoch milliseconds,
        // which the query reads only from 0 on.
        let t = parse_time(value.trim()).filter(|t| t.millis() >= 0);
        if t.is_none() {
            fields.push(FieldError {
                field: field.to_owned(),
                code: "date".to_owned(),
                message:
                    "must be a day YYYY-MM-DD from 1970 on (or epoch milliseconds, or YYYY-MM-DDTHH:MM:SSZ)"
                        .to_owned(),
            });
        }
        t
    };
    let (from, to) = (read("from", from), read("to", to));
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        fields.push(FieldError {
            field: "from".to_owned(),
            code: "order".to_owned(),
            message: "must be before `to`".to_owned(),
        });
    }
    (from, to)
}

pub(crate) async fn performance(backend: &dyn Backend, req: &Request<Bytes>) -> ApiResult<Response<Bytes>> {
    let (from, to) = parse_window(req.uri().query())?;
    Ok(json(StatusCode::OK, &backend.performance(from, to).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bounds in epoch milliseconds, or the status and each field at fault as `field:code`.
    type Window = Result<(Option<i64>, Option<i64>), (u16, Vec<String>)>;

    fn window(q: &str) -> Window {
        parse_window(Some(q)).map(|(f, t)| (f.map(Timestamp::millis), t.map(Timestamp::millis))).map_err(
            |e| {
                let fields = match &e {
                    ApiError::Validation(f) => f.iter().map(|f| format!("{}:{}", f.field, f.code)).collect(),
                    _ => Vec::new(),
                };
                (e.status().as_u16(), fields)
            },
        )
    }

    fn field(name: &str, code: &str) -> String {
        format!("{name}:{code}")
    }

    #[test]
    fn days_and_the_other_time_forms_are_read() {
        assert_eq!(window(""), Ok((None, None)));
        assert_eq!(window("from=2025-10-01"), Ok((Some(1_759_276_800_000), None)));
        assert_eq!(
            window("to=2025-10-01&from=2025-09-30"),
            Ok((Some(1_759_190_400_000), Some(1_759_276_800_000)))
        );
        assert_eq!(window("from=5&to=6&other=x"), Ok((Some(5), Some(6))), "unknown parameters are ignored");
        assert_eq!(
            window("from=&to=2025-10-01T00:00:01Z"),
            Ok((None, Some(1_759_276_801_000))),
            "blank is not given"
        );
    }

    #[test]
    fn bad_dates_and_an_empty_window_are_422_by_field() {
        assert_eq!(window("from=yesterday"), Err((422, vec![field("from", "date")])));
        assert_eq!(window("from=1969-12-31"), Err((422, vec![field("from", "date")])), "before the epoch");
        assert_eq!(
            window("from=2025-02-29&to=2025-13-01"),
            Err((422, vec![field("from", "date"), field("to", "date")]))
        );
        assert_eq!(window("from=2025-10-02&to=2025-10-01"), Err((422, vec![field("from", "order")])));
        assert_eq!(window("from=2025-10-01&to=2025-10-01"), Err((422, vec![field("from", "order")])));
        assert_eq!(window("from=2025-10-01&from=2025-10-02"), Err((400, Vec::new())), "given twice");
        assert_eq!(window("to=%ff"), Err((400, Vec::new())));
    }
}
