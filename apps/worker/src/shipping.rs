//! The outbox shipper task (issue 5).
