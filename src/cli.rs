//! The command line, declared with clap's derive API.
//!
//! Each subcommand's arguments live beside its implementation in `commands/`; this file only
//! lists them, so adding a command is one line here and one in `commands::run`.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands;

/// AIDA, the Autonomous Incident Diagnostic Agent: investigates production alerts read-only
/// (Kubernetes, Prometheus, logs, runbooks) and writes root-cause reports that quote their evidence.
#[derive(Debug, Parser)]
#[command(name = "aida", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only errors on stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Investigate an alert and print the root-cause report
    Investigate(commands::investigate::InvestigateArgs),
    /// Run every incident bundle in a directory and score the reports against expected.json
    Eval(commands::eval::EvalArgs),
    /// Inspect incident bundles (validate one and print the analyzers' findings)
    #[command(subcommand)]
    Bundle(commands::bundle::BundleCommand),
    /// Show the effective configuration and where each value came from
    #[command(subcommand)]
    Config(commands::config::ConfigCommand),
    /// Manage and inspect local models
    #[command(subcommand)]
    Model(commands::model::ModelCommand),
    /// Parse, chunk, index and embed runbooks into the knowledge base
    Ingest(commands::ingest::IngestArgs),
    /// Search the runbooks with text or an alert file
    Search(commands::search::SearchArgs),
    /// Print shell completions (bash, zsh, fish, elvish, powershell)
    Completions(commands::completions::CompletionsArgs),
}
