//! Polygon.io's news API (`GET /v2/reference/news`): the client, its JSON, and the conversion
//! to [`crate::NewsItem`].

mod client;
mod models;
mod parse;

pub use client::{DEFAULT_BASE_URL, Fetched, PolygonClient, PolygonSettings};
