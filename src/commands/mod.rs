//! One module per command. Each exposes its clap arguments and a `run` function that gets the
//! shared [`Context`]; `cli` dispatches to them.
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use clap::Args;

use crate::config::{Config, LlmBackendKind, Loaded};
use crate::exit::input_error;
use crate::paths::Home;
use crate::pipeline::{ModelChoice, PipelineError};

pub mod bundle;
pub mod completions;
pub mod config;
pub mod eval;
pub mod feedback;
pub mod ingest;
pub mod investigate;
pub mod list;
pub mod model;
pub mod retry;
pub mod review;
pub mod search;
pub mod serve;
pub mod show;
pub mod sync;

/// The heading global options are listed under in every command's help, apart from the
/// command's own options.
const GLOBAL_OPTIONS: &str = "Global options";

/// Options every command accepts.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Configuration file [default: $AIDA_CONFIG, else $AIDA_HOME/aida.toml if present]
    #[arg(long, global = true, value_name = "FILE", help_heading = GLOBAL_OPTIONS)]
    pub config: Option<PathBuf>,
    /// Data directory: store, indexes, models [default: $AIDA_HOME, else ~/.local/share/aida]
    #[arg(long, global = true, value_name = "DIR", help_heading = GLOBAL_OPTIONS)]
    pub home: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug, -vvv trace); AIDA_LOG/RUST_LOG override
    #[arg(
        short,
        long,
        global = true,
        action = clap::ArgAction::Count,
        conflicts_with = "quiet",
        help_heading = GLOBAL_OPTIONS
    )]
    pub verbose: u8,
    /// Only errors on stderr
    #[arg(short, long, global = true, help_heading = GLOBAL_OPTIONS)]
    pub quiet: bool,
}

/// What every command gets: the home directory and the loaded configuration.
pub struct Context {
    pub home: Home,
    pub loaded: Loaded,
    pub global: GlobalArgs,
}

impl Context {
    /// Resolves the home and loads the configuration (defaults → file → env).
    pub fn load(global: &GlobalArgs) -> Result<Self> {
        let home = Home::resolve(global.home.as_deref());
        let loaded = Config::load(&home, global.config.as_deref())?;
        // SAFETY: commands load their context first, before starting a runtime, a thread pool
        // or a helper thread: the process is still single-threaded here.
        unsafe { crate::process::configure_cpu(loaded.config.llm.local.threads) };
        Ok(Self {
            home,
            loaded,
            global: global.clone(),
        })
    }

    pub fn config(&self) -> &Config {
        &self.loaded.config
    }
}

/// Which model writes the conclusion: shared by the commands that investigate.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Who writes the conclusion [default: config llm.backend]
    #[arg(long, value_enum)]
    pub llm: Option<LlmBackendKind>,
    /// LoRA adapter directory (PEFT layout) for the local model
    #[arg(long, value_name = "DIR")]
    pub adapter: Option<PathBuf>,
}

impl ModelArgs {
    pub fn choice(&self) -> ModelChoice {
        ModelChoice {
            llm: self.llm,
            adapter: self.adapter.clone(),
        }
    }
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM; gives the reason and the conventional exit status.
pub(crate) async fn shutdown_signal() -> (String, u8) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => ("interrupted by Ctrl-C (SIGINT)".to_string(), 130),
                _ = term.recv() => ("terminated by SIGTERM".to_string(), 143),
            };
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    ("interrupted by Ctrl-C (SIGINT)".to_string(), 130)
}

/// Opens the store of `$AIDA_HOME` (the commands that read or write investigations).
pub(crate) fn open_store(ctx: &Context) -> Result<crate::store::Store> {
    use anyhow::Context as _;
    let path = ctx.home.database();
    crate::store::Store::open(&path)
        .with_context(|| format!("opening the store {}", path.display()))
}

/// A pipeline error at the command edge: the user's to fix (exit 2) or not.
pub(crate) fn pipeline_error(e: PipelineError) -> anyhow::Error {
    if e.is_user_error() {
        input_error(e.to_string())
    } else {
        e.into()
    }
}

/// A spinner on stderr when it is a terminal (and not `--quiet`); log lines otherwise.
pub(crate) struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    pub fn spinner(quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Self { bar: None };
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(100));
        Self { bar: Some(bar) }
    }

    pub fn set(&self, what: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(what.to_string());
        }
        tracing::info!("{what}");
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
