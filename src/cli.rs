//! The command line, declared with clap's derive API.
//!
//! Each subcommand's arguments live beside its implementation in `commands/`; this file lists
//! them and dispatches, so adding a command is two lines here. (`commands` never imports `cli`.)
use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};

use crate::commands::{self, Context, GlobalArgs};
use crate::exit::Status;

/// AIDA, the Autonomous Incident Diagnostic Agent: investigates production alerts read-only
/// (Kubernetes, Prometheus, logs, runbooks) and writes root-cause reports that quote their evidence.
#[derive(Debug, Parser)]
#[command(
    name = "aida",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_help = EXAMPLES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "\
Examples:
  # Triage a recorded incident offline, then the same against your cluster
  aida investigate --bundle tests/fixtures/bundles/oom_image_resizer --llm none
  aida investigate alert.json

  # Every command explains itself, with examples
  aida help investigate
";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Investigate an alert and print the root-cause report
    #[command(after_help = commands::investigate::EXAMPLES)]
    Investigate(commands::investigate::InvestigateArgs),
    /// Run every incident bundle in a directory and score the reports against expected.json
    #[command(after_help = commands::eval::EXAMPLES)]
    Eval(commands::eval::EvalArgs),
    /// Receive Alertmanager webhooks: queue every firing alert durably and investigate it with a worker pool
    #[command(
        name = "serve-webhook",
        visible_alias = "serve",
        after_help = commands::serve::EXAMPLES
    )]
    Serve(commands::serve::ServeArgs),
    /// List stored incidents, newest first, with their status, category and review
    #[command(after_help = commands::list::EXAMPLES)]
    List(commands::list::ListArgs),
    /// Print the stored report of an incident (as `aida investigate` printed it)
    #[command(after_help = commands::show::EXAMPLES)]
    Show(commands::show::ShowArgs),
    /// Queue a failed webhook investigation again
    #[command(after_help = commands::retry::EXAMPLES)]
    Retry(commands::retry::RetryArgs),
    /// Push the runs, traces and reviews not yet in MLflow (and show what is pending)
    #[command(after_help = commands::sync::EXAMPLES)]
    Sync(commands::sync::SyncArgs),
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
    #[command(after_help = commands::ingest::EXAMPLES)]
    Ingest(commands::ingest::IngestArgs),
    /// Search the runbooks with text or an alert file
    #[command(after_help = commands::search::EXAMPLES)]
    Search(commands::search::SearchArgs),
    /// Review stored investigations in a terminal console: approve, correct or reject each
    #[command(after_help = commands::review::EXAMPLES)]
    Review(commands::review::ReviewArgs),
    /// Record a review without the console: approve, correct from a file, or reject
    #[command(after_help = commands::feedback::EXAMPLES)]
    Feedback(commands::feedback::FeedbackArgs),
    /// Print shell completions (bash, zsh, fish, elvish, powershell)
    #[command(after_help = commands::completions::EXAMPLES)]
    Completions(commands::completions::CompletionsArgs),
}

impl Cli {
    /// Where this command logs instead of stderr: the review console owns the terminal.
    pub fn log_file(&self) -> Option<std::path::PathBuf> {
        matches!(self.command, Command::Review(_))
            .then(|| crate::paths::Home::resolve(self.global.home.as_deref()).review_log())
    }
}

impl Command {
    /// Whether this command logs JSON lines (the long-running server) instead of terminal text.
    pub fn logs_json(&self) -> bool {
        matches!(self, Command::Serve(_))
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<Status> {
    match cli.command {
        // Completions need no configuration: they must work even with a broken config file.
        Command::Completions(args) => commands::completions::run(&args, &mut Cli::command()),
        Command::Bundle(cmd) => commands::bundle::run(&Context::load(&cli.global)?, &cmd),
        Command::Config(cmd) => commands::config::run(&Context::load(&cli.global)?, &cmd),
        Command::Model(cmd) => commands::model::run(&Context::load(&cli.global)?, &cmd),
        Command::Investigate(args) => {
            commands::investigate::run(&Context::load(&cli.global)?, &args)
        }
        Command::Eval(args) => commands::eval::run(&Context::load(&cli.global)?, &args),
        Command::Serve(args) => commands::serve::run(&Context::load(&cli.global)?, &args),
        Command::List(args) => commands::list::run(&Context::load(&cli.global)?, &args),
        Command::Show(args) => commands::show::run(&Context::load(&cli.global)?, &args),
        Command::Retry(args) => commands::retry::run(&Context::load(&cli.global)?, &args),
        Command::Sync(args) => commands::sync::run(&Context::load(&cli.global)?, &args),
        Command::Ingest(args) => commands::ingest::run(&Context::load(&cli.global)?, &args),
        Command::Search(args) => commands::search::run(&Context::load(&cli.global)?, &args),
        Command::Review(args) => commands::review::run(&Context::load(&cli.global)?, &args),
        Command::Feedback(args) => commands::feedback::run(&Context::load(&cli.global)?, &args),
    }
}

pub use crate::commands::completions::file_name as completion_file_name;

/// The completion script of this command line for `shell`.
pub fn completion_script(shell: clap_complete::Shell) -> Vec<u8> {
    commands::completions::generate(shell, &mut Cli::command())
}
