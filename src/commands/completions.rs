//! `aida completions SHELL`: shell completion scripts (checked in under `completions/`).
use anyhow::Result;
use clap::Args;
use clap_complete::Shell;

use crate::exit::Status;

pub const EXAMPLES: &str = "\
Examples:
  aida completions bash > ~/.local/share/bash-completion/completions/aida
  aida completions zsh > ~/.zfunc/_aida    # with fpath+=(~/.zfunc) in ~/.zshrc
  aida completions fish > ~/.config/fish/completions/aida.fish
";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Target shell
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The completion script of `cli` for `shell`.
pub fn generate(shell: Shell, cli: &mut clap::Command) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, cli, "aida", &mut out);
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

pub fn run(args: &CompletionsArgs, cli: &mut clap::Command) -> Result<Status> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(&generate(args.shell, cli))?;
    out.flush()?;
    Ok(Status::Success)
}
