//! `aida config show|path`: the effective configuration, with the source of every value.
use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::json;

use super::Context;
use crate::config::flatten_for_display;
use crate::exit::Status;
use crate::output::{Format, print_json, print_text};

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every key, its value (secrets masked) and where it came from
    #[command(after_help = SHOW_EXAMPLES)]
    Show(ShowArgs),
    /// Print the path of the configuration file in use
    #[command(after_help = PATH_EXAMPLES)]
    Path,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

const SHOW_EXAMPLES: &str = "\
Examples:
  aida config show

  # An environment variable wins over the file; the source column says so
  AIDA_LLM_BACKEND=none aida config show

  aida --config ./aida.toml config show --format json
";

const PATH_EXAMPLES: &str = "\
Examples:
  aida config path
  AIDA_HOME=/srv/aida aida config path
  aida --config ./aida.toml config path
";

pub fn run(ctx: &Context, cmd: &ConfigCommand) -> Result<Status> {
    match cmd {
        ConfigCommand::Path => {
            match &ctx.loaded.file {
                Some(path) => print_text(&format!("{}\n", path.display()))?,
                None => print_text(&format!(
                    "{} (not present; defaults and environment only)\n",
                    ctx.home.config_file().display()
                ))?,
            }
            Ok(Status::Success)
        }
        ConfigCommand::Show(args) => {
            let rows = flatten_for_display(ctx.config());
            match args.format {
                Format::Json => {
                    let keys: Vec<_> = rows
                        .iter()
                        .map(|(key, value)| {
                            json!({
                                "key": key.path,
                                "env": key.env_name(),
                                "value": value,
                                "source": ctx.loaded.origin(key.path),
                            })
                        })
                        .collect();
                    print_json(&json!({
                        "home": ctx.home.root(),
                        "file": ctx.loaded.file,
                        "keys": keys,
                    }))?;
                }
                Format::Text => {
                    let mut text = format!("# home: {}\n", ctx.home.root().display());
                    match &ctx.loaded.file {
                        Some(file) => text.push_str(&format!("# file: {}\n", file.display())),
                        None => text.push_str("# file: none\n"),
                    }
                    let width = rows.iter().map(|(k, _)| k.path.len()).max().unwrap_or(0);
                    for (key, value) in &rows {
                        let value = value.as_deref().unwrap_or("(unset)");
                        text.push_str(&format!(
                            "{:width$} = {value}  # {}\n",
                            key.path,
                            ctx.loaded.origin(key.path)
                        ));
                    }
                    print_text(&text)?;
                }
            }
            Ok(Status::Success)
        }
    }
}
