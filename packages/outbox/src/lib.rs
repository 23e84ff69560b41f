//! The outbox shipper: takes what the local store queued (see `mirai_store_local::outbox`) and
//! delivers it to the analytics store (Snowflake) and the vector store (decision rationales),
//! using only the core ports. Failures are retried with exponential backoff; a record a
//! destination refuses is set aside only once the rest of its batch has shipped without it, so
//! an outage or a schema problem never discards anything. Lag and backlog are in `status()`.

mod analytics_sink;
mod error;
mod rationale_sink;
mod shipper;
mod sink;
mod status;

pub use analytics_sink::AnalyticsSink;
pub use error::OutboxError;
pub use mirai_core::Backoff;
pub use mirai_store_local::outbox::OutboxTopic;
pub use rationale_sink::{RationaleSink, rationale_doc_title};
pub use shipper::{Shipper, ShipperConfig, Step};
pub use sink::{Sink, SinkError};
pub use status::{StatusSource, TopicStatus};
