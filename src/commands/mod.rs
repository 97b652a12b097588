//! One module per command. Each exposes its clap arguments and a `run` function; this module
//! loads the shared [`Context`] and dispatches.
use anyhow::Result;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::config::{Config, Loaded};
use crate::exit::Status;
use crate::paths::Home;

pub mod bundle;
pub mod completions;
pub mod config;
pub mod eval;
pub mod ingest;
pub mod investigate;
pub mod model;
pub mod search;

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

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<Status> {
    match cli.command {
        // Completions need no configuration: they must work even with a broken config file.
        Command::Completions(args) => completions::run(&args),
        Command::Bundle(cmd) => bundle::run(&Context::load(&cli.global)?, &cmd),
        Command::Config(cmd) => config::run(&Context::load(&cli.global)?, &cmd),
        Command::Model(cmd) => model::run(&Context::load(&cli.global)?, &cmd),
        Command::Investigate(args) => investigate::run(&Context::load(&cli.global)?, &args),
        Command::Eval(args) => eval::run(&Context::load(&cli.global)?, &args),
        Command::Ingest(args) => ingest::run(&Context::load(&cli.global)?, &args),
        Command::Search(args) => search::run(&Context::load(&cli.global)?, &args),
    }
}
