//! AIDA — the Autonomous Incident Diagnostic Agent.
//!
//! The binary in `main.rs` is a thin shell over this library: `cli` declares the command line
//! and dispatches to `commands` (one module per command), which build their services through
//! `pipeline` and the domain modules below. See docs/ARCHITECTURE.md for how they fit together.
//! The public modules are what the binary, the integration tests and the benchmarks use; the
//! rest is internal.

pub mod alert;
pub mod analyzers;
pub mod cli;
pub mod config;
pub mod engine;
pub mod evidence;
pub mod exit;
pub mod knowledge;
pub mod llm;
pub mod logging;
pub mod mlflow;
pub mod paths;
pub mod pipeline;
pub mod process;
pub mod redact;
pub mod report;
pub mod review;
pub mod server;
pub mod store;

pub(crate) mod agent;
pub(crate) mod commands;
pub(crate) mod hub;
pub(crate) mod models;
pub(crate) mod numeric;
pub(crate) mod output;
pub(crate) mod tls;
