//! mirai-news end to end: the pipeline into the real embedded index with the local embedder,
//! the Polygon client against a local server replaying payloads written from Polygon's
//! documentation, and the service that schedules both. No test reaches the internet.

mod fake_polygon;
mod helpers;
mod pipeline;
mod polygon;
mod service;
