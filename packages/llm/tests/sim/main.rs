//! The local chat-completions simulator (`mirai_llm::sim`) driven by the real async-openai
//! client and by raw HTTP: every scripted behaviour, the failures a caller's deadline must cut,
//! and shutdown. No test reaches the internet.

mod answers;
mod failures;
mod support;
