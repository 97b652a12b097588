//! `aida model ...`: manage and inspect local models.
use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use serde_json::json;

use super::Context;
use crate::exit::Status;
use crate::models::{self, InstalledModel, human_bytes};
use crate::output::{Format, print_json, print_text};

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// List installed models and where each came from
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(ctx: &Context, cmd: &ModelCommand) -> Result<Status> {
    match cmd {
        ModelCommand::List(args) => list(ctx, args),
    }
}

fn source_text(model: &InstalledModel) -> String {
    match &model.source {
        Some(src) if src.packages.is_empty() => src.origin.clone(),
        Some(src) if src.packages.len() == 1 => format!("{}: {}", src.origin, src.packages[0]),
        Some(src) => format!(
            "{}: {} (+{} more)",
            src.origin,
            src.packages[0],
            src.packages.len() - 1
        ),
        None => "manual (no SOURCE.json)".into(),
    }
}

fn list(ctx: &Context, args: &ListArgs) -> Result<Status> {
    let dir = ctx.config().models_dir(&ctx.home);
    let installed = models::list_installed(&dir)
        .with_context(|| format!("listing models in {}", dir.display()))?;
    let default_llm = ctx.config().llm.local.model.clone().unwrap_or_else(|| {
        dir.join(models::DEFAULT_LLM_DIR)
            .join(models::DEFAULT_LLM_FILE)
    });
    let default_embedding = ctx
        .config()
        .knowledge
        .embedding_model
        .clone()
        .unwrap_or_else(|| dir.join(models::DEFAULT_EMBEDDING_DIR));

    match args.format {
        Format::Json => print_json(&json!({
            "models_dir": dir,
            "models": installed,
            "llm": {"path": default_llm, "present": default_llm.exists()},
            "embedding": {"path": default_embedding, "present": default_embedding.exists()},
        }))?,
        Format::Text => {
            let mut text = format!("models directory: {}\n", dir.display());
            if installed.is_empty() {
                text.push_str("no models installed; run scripts/fetch-models.sh\n");
            } else {
                let rows: Vec<[String; 4]> = installed
                    .iter()
                    .map(|m| {
                        [
                            m.name.clone(),
                            serde_json::to_value(m.kind)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default(),
                            human_bytes(m.bytes),
                            source_text(m),
                        ]
                    })
                    .collect();
                let header = ["NAME", "KIND", "SIZE", "SOURCE"].map(String::from);
                let widths: Vec<usize> = (0..4)
                    .map(|i| {
                        rows.iter()
                            .chain(std::iter::once(&header))
                            .map(|r| r[i].len())
                            .max()
                            .unwrap_or(0)
                    })
                    .collect();
                for row in std::iter::once(&header).chain(rows.iter()) {
                    text.push_str(&format!(
                        "{:w0$}  {:w1$}  {:>w2$}  {}\n",
                        row[0],
                        row[1],
                        row[2],
                        row[3],
                        w0 = widths[0],
                        w1 = widths[1],
                        w2 = widths[2]
                    ));
                }
            }
            let state = |p: &std::path::Path| if p.exists() { "present" } else { "MISSING" };
            text.push_str(&format!(
                "\nlocal LLM:       {} ({})\nembedding model: {} ({})\n",
                default_llm.display(),
                state(&default_llm),
                default_embedding.display(),
                state(&default_embedding)
            ));
            print_text(&text)?;
        }
    }
    Ok(Status::Success)
}
