//! The decision model end to end (`mirai_llm::advisor::LlmAdvisor`) against the local simulator
//! on 127.0.0.1: recording and replay, every failure a counted fallback with its reason, the
//! deadline, the breaker and the budget, injected news against the engine's gates, point-in-time
//! retrieval, and arbitrary recorded answers. No test reaches the internet.

mod breaker;
mod budget;
mod failures;
mod injection;
mod lookahead;
mod persist;
mod replay;
mod robustness;
mod support;
mod time;
