//! Writing command results to stdout.
//!
//! Results go to stdout, everything else (logs, progress) to stderr. Writes return errors instead
//! of panicking so that a closed pipe ends the command quietly (see `exit::is_broken_pipe`).
use std::io::Write;

use serde::Serialize;

/// `--format` for commands that print a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Human-readable text.
    #[default]
    Text,
    /// One JSON document.
    Json,
}

/// Prints one JSON document (pretty, trailing newline) to stdout.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Prints text to stdout as is.
pub fn print_text(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}
