//! OpenAPI schemas (feature `openapi`) of the types whose JSON is not their Rust shape: decimals
//! travel as strings (exact), times as milliseconds since the epoch, ids and symbols as strings.
//! The enums and plain structs derive theirs beside their definitions; the web tier's
//! `GET /api/openapi.json` collects them.

use std::borrow::Cow;

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::{Amount, ClientOrderId, Confidence, DecisionId, Price, Qty, Symbol, Timestamp, TradeId};

fn decimal(description: &str, example: &str, non_negative: bool) -> RefOr<Schema> {
    let pattern = if non_negative { r"^\d+(\.\d+)?$" } else { r"^-?\d+(\.\d+)?$" };
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::Custom("decimal".to_owned())))
        .pattern(Some(pattern))
        .description(Some(description))
        .examples([example])
        .into()
}

fn text(description: &str, example: &str) -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).description(Some(description)).examples([example]).into()
}

macro_rules! schema {
    ($ty:ty, $name:literal, $schema:expr) => {
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                $schema
            }
        }
        impl ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

schema!(
    Amount,
    "Amount",
    decimal("An amount of the quote currency, as an exact decimal string.", "10012.5", false)
);
schema!(
    Price,
    "Price",
    decimal("A price in the quote currency, as an exact decimal string.", "62000.10", true)
);
schema!(Qty, "Qty", decimal("A quantity of the base asset, as an exact decimal string.", "0.00100000", true));
schema!(Confidence, "Confidence", decimal("A confidence from 0 to 1, as a decimal string.", "0.8", true));
schema!(
    Timestamp,
    "Timestamp",
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .description(Some("Milliseconds since the Unix epoch (UTC)."))
        .examples([1_700_000_000_000_i64])
        .into()
);
schema!(
    Symbol,
    "Symbol",
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("A trading pair as the exchange names it: 1 to 20 letters and digits."))
        .pattern(Some("^[A-Za-z0-9]{1,20}$"))
        .examples(["BTCUSDT"])
        .into()
);
schema!(
    DecisionId,
    "DecisionId",
    text("A decision's id: strategy, symbol and bar time.", "sma-cross:BTCUSDT:1700000000000")
);
schema!(TradeId, "TradeId", text("The exchange's id of a fill.", "12345"));
schema!(
    ClientOrderId,
    "ClientOrderId",
    text("Our id of an order, sent to the exchange.", "mi-1700000000000-b")
);
