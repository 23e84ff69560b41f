//! The embedded vector index for news and rationales (issue 5).
