//! AIDA — the Autonomous Incident Diagnostic Agent.
//!
//! The binary in `main.rs` is a thin shell over this library: `cli` declares the command line,
//! `commands` holds one module per command, and the domain modules below do the work.
//! See docs/ARCHITECTURE.md for how they fit together.

pub mod agent;
pub mod alert;
pub mod analyzers;
pub mod cli;
pub mod commands;
pub mod config;
pub mod engine;
pub mod evidence;
pub mod exit;
pub(crate) mod hub;
pub mod knowledge;
pub mod llm;
pub mod logging;
pub mod models;
pub mod numeric;
pub mod output;
pub mod paths;
pub mod process;
pub mod redact;
pub mod report;
pub mod store;
pub mod tls;
