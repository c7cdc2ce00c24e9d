//! The `llm` service: judges whether a page change satisfies a user's condition
//! (`llm.v1.Judge/Evaluate`).
//!
//! - [`cache`] — the verdict cache in Redis: the same change is judged by the model once.
//! - [`config`] — typed settings read once from the environment.
//! - [`startup`] — binds the listener, builds the gRPC server, runs until shutdown.
//! - [`service`] — the gRPC edge: validates requests, converts to domain types, logs, maps errors.
//! - [`domain`] — `Evaluation`, `Verdict` and the [`domain::Judge`] trait every provider implements.
//! - [`evidence`] — the quote a verdict must carry and the checks that decide whether it holds.
//! - [`offline`] — the zero-config judge: rules read from the condition.
//! - [`openai`] — a judge backed by any OpenAI-compatible chat-completions endpoint.
//! - [`error`] — provider and service errors and their gRPC status.
//!
//! Architecture Invariant: page text is untrusted data. It never reaches a log at info level and,
//! for the model, is sent only inside per-request delimiters the model is told to treat as data.

pub mod cache;
pub mod config;
pub mod domain;
pub mod error;
pub mod evidence;
pub mod offline;
pub mod openai;
pub mod service;
pub mod startup;
