//! `GET /api/decisions?kind=&symbol=&limit=&cursor=`: every decision with its outcome, as the
//! `DECISION_OUTCOMES` view defines it, newest first, a page at a time: the dashboard's "why
//! not?" feed, each refused decision with its gate and reason.
//!
//! `kind` one of `executed`, `refused`, `rejected_by_exchange`, `proposal`, `not_filled`, `hold`,
//! `no_order`, `fallback` (the model's answer was not used); `symbol` in any case; `limit` 1 to
//! 500 (100 when not given); `cursor` the `next` of the previous page. A bad value is a 422
//! naming its field; a parameter given twice is a 400; other parameters are ignored.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde::Deserialize;

use super::paging::{finish, read_cursor, read_limit, read_symbol};
use crate::backend::Backend;
use crate::error::{ApiResult, FieldError};
use crate::plumbing::query::{QueryParams, parse_query};
use crate::plumbing::response::json;
use crate::views::{DecisionKind, DecisionsQuery};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct DecisionsParams {
    /// Only decisions of this kind.
    #[param(value_type = Option<crate::views::DecisionKind>)]
    kind: Option<String>,
    /// Only this symbol's decisions (`BTCUSDT`).
    #[param(pattern = r"^[A-Za-z0-9]{1,20}$")]
    symbol: Option<String>,
    /// How many items at most (1 to 500; 100 when not given).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// The `next` of the previous page: the page after it.
    #[param(pattern = r"^-?[0-9]+\.([0-9a-f]{2})*$")]
    cursor: Option<String>,
}

impl QueryParams for DecisionsParams {
    fn expects(_: &str) -> &'static str {
        "cannot be read"
    }
}

/// Reads and checks `GET /api/decisions`' query string.
pub(crate) fn parse_decisions(query: Option<&str>) -> ApiResult<DecisionsQuery> {
    let q: DecisionsParams = parse_query(query)?;
    let mut fields = Vec::new();
    let kind = q.kind.and_then(|k| {
        let kind = DecisionKind::parse(k.trim());
        if kind.is_none() {
            let names: Vec<&str> = DecisionKind::ALL.iter().map(|k| k.as_str()).collect();
            fields.push(FieldError {
                field: "kind".to_owned(),
                code: "kind".to_owned(),
                message: format!("must be one of {}", names.join(", ")),
            });
        }
        kind
    });
    let symbol = read_symbol(q.symbol, &mut fields);
    let limit = read_limit(q.limit, &mut fields);
    let cursor = read_cursor(q.cursor, &mut fields);
    finish(fields)?;
    Ok(DecisionsQuery { kind, symbol, limit, cursor })
}

pub(crate) async fn decisions(backend: &dyn Backend, req: &Request<Bytes>) -> ApiResult<Response<Bytes>> {
    let query = parse_decisions(req.uri().query())?;
    Ok(json(StatusCode::OK, &backend.decisions(query).await?))
}

#[cfg(test)]
mod tests {
    use mirai_core::{DecisionId, Symbol, Timestamp};

    use super::*;

    fn read(q: &str) -> Result<DecisionsQuery, (u16, Vec<String>)> {
        parse_decisions(Some(q)).map_err(|e| e.status_and_fields())
    }

    #[test]
    fn every_parameter_is_read_and_the_client_writes_what_the_server_reads() {
        assert_eq!(read(""), Ok(DecisionsQuery::default()));
        let id = DecisionId::new("sma-cross", Symbol::new("BTCUSDT"), Timestamp::from_millis(9));
        for kind in DecisionKind::ALL {
            let q = DecisionsQuery {
                kind: Some(kind),
                symbol: Some(Symbol::new("BTCUSDT")),
                limit: 1,
                cursor: Some(DecisionsQuery::key(Timestamp::from_millis(9), &id)),
            };
            assert_eq!(read(&q.to_query_string()), Ok(q));
        }
        assert_eq!(read("kind=Refused").map(|q| q.kind), Ok(Some(DecisionKind::Refused)));
    }

    #[test]
    fn each_bad_value_is_named() {
        assert_eq!(read("kind=why"), Err((422, vec!["kind".into()])));
        assert_eq!(read("kind=proposal_pending"), Err((422, vec!["kind".into()])));
        assert_eq!(
            read("kind=x&symbol=%2F&limit=0&cursor=z"),
            Err((422, vec!["cursor".into(), "kind".into(), "limit".into(), "symbol".into()]))
        );
        assert_eq!(read("kind=hold&kind=hold"), Err((400, Vec::new())));
    }
}
