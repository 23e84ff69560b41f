//! REST under `/api/v3`: one pipeline for every endpoint — charge its weight, authenticate signed
//! ones over the exact bytes received, run it, and answer with Binance's headers and bodies.

mod market;
pub(crate) mod trading;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::auth;
use crate::error::ApiError;
use crate::limits::OrderCounts;
use crate::params::{Params, rest_signed_payload};
use crate::server::{Shared, now_ms};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Ping,
    Time,
    ExchangeInfo,
    Klines,
    Depth,
    TickerPrice,
    Ticker24hr,
    BookTicker,
    Account,
    NewOrder,
    TestOrder,
    QueryOrder,
    CancelOrder,
    OpenOrders,
    MyTrades,
}

impl Endpoint {
    fn signed(self) -> bool {
        matches!(
            self,
            Endpoint::Account
                | Endpoint::NewOrder
                | Endpoint::TestOrder
                | Endpoint::QueryOrder
                | Endpoint::CancelOrder
                | Endpoint::OpenOrders
                | Endpoint::MyTrades
        )
    }

    /// Request weights from rest-api.md.
    fn weight(self, p: &Params) -> u32 {
        match self {
            Endpoint::Ping
            | Endpoint::Time
            | Endpoint::NewOrder
            | Endpoint::TestOrder
            | Endpoint::CancelOrder => 1,
            Endpoint::ExchangeInfo | Endpoint::Account => 20,
            Endpoint::Klines => 2,
            Endpoint::Depth => match market::depth_limit(p).unwrap_or(100) {
                0..=100 => 5,
                101..=500 => 25,
                501..=1_000 => 50,
                _ => 250,
            },
            Endpoint::BookTicker | Endpoint::TickerPrice => {
                if p.get("symbol").is_some() {
                    2
                } else {
                    4
                }
            }
            Endpoint::Ticker24hr => match (p.get("symbol"), market::symbols_named(p)) {
                (Some(_), _) => 2,
                (None, Some(0..=20)) => 2,
                (None, Some(21..=100)) => 40,
                _ => 80,
            },
            Endpoint::QueryOrder => 4,
            Endpoint::OpenOrders => {
                if p.get("symbol").is_some() {
                    6
                } else {
                    80
                }
            }
            Endpoint::MyTrades => {
                if p.get("orderId").is_some() {
                    5
                } else {
                    20
                }
            }
        }
    }
}

pub(crate) fn router() -> Router<Arc<Shared>> {
    let h = |ep: Endpoint| move |State(sim): State<Arc<Shared>>, req: Request| handle(sim, req, ep);
    Router::new()
        .route("/api/v3/ping", get(h(Endpoint::Ping)))
        .route("/api/v3/time", get(h(Endpoint::Time)))
        .route("/api/v3/exchangeInfo", get(h(Endpoint::ExchangeInfo)))
        .route("/api/v3/klines", get(h(Endpoint::Klines)))
        .route("/api/v3/depth", get(h(Endpoint::Depth)))
        .route("/api/v3/ticker/price", get(h(Endpoint::TickerPrice)))
        .route("/api/v3/ticker/24hr", get(h(Endpoint::Ticker24hr)))
        .route("/api/v3/ticker/bookTicker", get(h(Endpoint::BookTicker)))
        .route("/api/v3/account", get(h(Endpoint::Account)))
        .route(
            "/api/v3/order",
            get(h(Endpoint::QueryOrder)).post(h(Endpoint::NewOrder)).delete(h(Endpoint::CancelOrder)),
        )
        .route("/api/v3/order/test", axum::routing::post(h(Endpoint::TestOrder)))
        .route("/api/v3/openOrders", get(h(Endpoint::OpenOrders)))
        .route("/api/v3/myTrades", get(h(Endpoint::MyTrades)))
}

/// A successful body, plus the order counts to report when an order was placed.
pub(crate) struct Reply {
    pub body: Value,
    pub orders: Option<OrderCounts>,
}

impl From<Value> for Reply {
    fn from(body: Value) -> Self {
        Self { body, orders: None }
    }
}

async fn handle(sim: Arc<Shared>, req: Request, ep: Endpoint) -> Response {
    let (parts, body) = req.into_parts();
    let query = parts.uri.query().unwrap_or("").to_owned();
    let body = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(_) => {
            return error_response(&sim, ApiError::bad(-1100, "Illegal characters found in a parameter."));
        }
    };
    let params = Params::from_request(&query, &body);
    // Limits and orders keep the wall clock; only what a client compares its own clock with
    // (serverTime, the timestamp check) reads the venue's, which a test may skew.
    let now = now_ms();
    let result = async {
        sim.limits.charge(ep.weight(&params), now)?;
        if ep.signed() {
            let key = parts.headers.get("x-mbx-apikey").and_then(|v| v.to_str().ok());
            auth::check_api_key(&sim.config, key)?;
            let signature = params.require("signature")?;
            auth::check_signature(&sim.config, rest_signed_payload(&query, &body).as_bytes(), signature)?;
            auth::check_timestamp(&params, sim.now())?;
        }
        dispatch(&sim, ep, &params, now).await
    }
    .await;
    match result {
        Ok(reply) => {
            let mut resp = json_response(StatusCode::OK, &reply.body);
            weight_header(&sim, &mut resp);
            if let Some(c) = reply.orders {
                let h = resp.headers_mut();
                h.insert("x-mbx-order-count-10s", HeaderValue::from(c.ten_s));
                h.insert("x-mbx-order-count-1d", HeaderValue::from(c.day));
            }
            resp
        }
        Err(e) => error_response(&sim, e),
    }
}

async fn dispatch(sim: &Arc<Shared>, ep: Endpoint, p: &Params, now: i64) -> Result<Reply, ApiError> {
    Ok(match ep {
        Endpoint::Ping => json!({}).into(),
        Endpoint::Time => json!({ "serverTime": sim.now() }).into(),
        Endpoint::ExchangeInfo => market::exchange_info(sim, p, now)?.into(),
        Endpoint::Klines => market::klines(sim, p)?.into(),
        Endpoint::Depth => market::depth(sim, p)?.into(),
        Endpoint::TickerPrice => market::ticker_price(sim, p)?.into(),
        Endpoint::Ticker24hr => market::ticker_24hr(sim, p)?.into(),
        Endpoint::BookTicker => market::book_ticker(sim, p)?.into(),
        Endpoint::Account => trading::account(sim, p, now)?.into(),
        Endpoint::NewOrder => {
            // Run apart from the connection, as a venue would: a client that hangs up while the
            // order waits at the gateway does not stop the order reaching the engine.
            let (sim, p) = (Arc::clone(sim), p.clone());
            return tokio::spawn(async move { trading::new_order(&sim, &p, now).await })
                .await
                .unwrap_or_else(|_| {
                    Err(ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        -1000,
                        "An unknown error occurred while processing the request.",
                    ))
                });
        }
        Endpoint::TestOrder => trading::test_order(sim, p)?.into(),
        Endpoint::QueryOrder => trading::query_order(sim, p)?.into(),
        Endpoint::CancelOrder => trading::cancel_order(sim, p, now)?.into(),
        Endpoint::OpenOrders => trading::open_orders(sim, p)?.into(),
        Endpoint::MyTrades => trading::my_trades(sim, p)?.into(),
    })
}

/// Any path the venue does not serve (REST or WebSocket): 404. Binance's own answer is a bare
/// 404 page without a code; this one carries Binance's JSON error shape so clients that read
/// `{"code","msg"}` have something to show. (An unknown symbol on a served path is 400 -1121.)
pub(crate) async fn not_found(State(sim): State<Arc<Shared>>) -> Response {
    error_response(&sim, ApiError::new(StatusCode::NOT_FOUND, -1020, "This operation is not supported."))
}

/// A served path with a method it does not take: 405, in the same shape.
pub(crate) async fn method_not_allowed(State(sim): State<Arc<Shared>>) -> Response {
    error_response(
        &sim,
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, -1020, "This operation is not supported."),
    )
}

fn weight_header(sim: &Shared, resp: &mut Response) {
    let used = sim.limits.used_weight(now_ms());
    resp.headers_mut().insert("x-mbx-used-weight-1m", HeaderValue::from(used));
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json;charset=UTF-8")
        .body(Body::from(body.to_string()))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn error_response(sim: &Shared, e: ApiError) -> Response {
    sim.count_error(e.status.as_u16(), e.code);
    let mut resp = json_response(e.status, &json!({ "code": e.code, "msg": e.msg }));
    weight_header(sim, &mut resp);
    if let Some(s) = e.retry_after_s {
        resp.headers_mut().insert("retry-after", HeaderValue::from(s));
    }
    resp
}
