//! Work in progress: see the open issue that introduces this crate.
