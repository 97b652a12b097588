//! `aida completions SHELL`: shell completion scripts (checked in under `completions/`).
use anyhow::Result;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::exit::Status;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Target shell
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The completion script for `shell`.
pub fn generate(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "aida", &mut out);
    out
}

/// File name under `completions/` for `shell`.
pub fn file_name(shell: Shell) -> String {
    match shell {
        Shell::Bash => "aida.bash".into(),
        Shell::Zsh => "_aida".into(),
        Shell::Fish => "aida.fish".into(),
        Shell::Elvish => "aida.elv".into(),
        Shell::PowerShell => "_aida.ps1".into(),
        other => format!("aida.{other}"),
    }
}

pub fn run(args: &CompletionsArgs) -> Result<Status> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(&generate(args.shell))?;
    out.flush()?;
    Ok(Status::Success)
}
