//! Scheduled news ingestion (issue 5).
