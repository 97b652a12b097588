//! `aida ingest`: parse, chunk, index and embed runbooks into `$AIDA_HOME/index`.
use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Args;

use super::Context;
use crate::exit::{Status, input_error};
use crate::knowledge::{self, IngestOptions, KnowledgeError, Progress, Source};
use crate::output::{Format, print_json, print_text};

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Runbook directory (repeatable), ingested beside the runbooks built into this binary
    /// [default: knowledge.runbook_dirs]
    #[arg(long = "runbooks", value_name = "DIR")]
    pub runbooks: Vec<PathBuf>,
    /// Leave out the runbooks built into this binary (knowledge.builtin_runbooks = false does it
    /// always)
    #[arg(long)]
    pub no_builtin: bool,
    /// Embed everything again instead of reusing unchanged files (searches keep using the
    /// current index until the new one is complete)
    #[arg(long)]
    pub rebuild: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub const EXAMPLES: &str = "\
Examples:
  # The runbooks built into this binary (works from any directory)
  aida ingest

  # Your own runbooks; only files whose content changed are embedded again
  aida ingest --runbooks ./runbooks --runbooks /srv/wiki/runbooks

  aida ingest --rebuild --format json
";

/// Maps knowledge errors the user can fix to exit 2.
pub(crate) fn user_facing(err: KnowledgeError) -> anyhow::Error {
    if err.is_user_error() {
        input_error(err.to_string())
    } else {
        err.into()
    }
}

pub fn run(ctx: &Context, args: &IngestArgs) -> Result<Status> {
    let sources = Source::resolve(&args.runbooks, ctx.config(), args.no_builtin);
    let index_dir = ctx.home.index();
    let bar = std::io::stderr().is_terminal() && !ctx.global.quiet;
    let mut progress_bar: Option<indicatif::ProgressBar> = None;
    let mut on_progress = |p: Progress| match p {
        Progress::EmbedStart(total) if bar => {
            let pb = indicatif::ProgressBar::new(total as u64);
            pb.set_style(
                indicatif::ProgressStyle::with_template(
                    "embedding {bar:30} {pos}/{len} chunks [{elapsed_precise}, eta {eta}]",
                )
                .expect("static template"),
            );
            progress_bar = Some(pb);
        }
        Progress::Embedded(n) => {
            if let Some(pb) = &progress_bar {
                pb.inc(n as u64);
            }
        }
        Progress::EmbedStart(_) => {}
    };
    let summary = knowledge::ingest(
        &index_dir,
        IngestOptions {
            sources,
            rebuild: args.rebuild,
            model_dir: knowledge::model_dir(&ctx.home, ctx.config()),
            progress: &mut on_progress,
        },
    )
    .map_err(user_facing)
    .with_context(|| format!("ingesting runbooks into {}", index_dir.display()))?;

    // Each broken file is reported once, in the result (the JSON's `broken`, or a line here).
    match args.format {
        Format::Json => print_json(&summary)?,
        Format::Text => {
            let mut text = format!(
                "{} runbook files: {} indexed, {} unchanged, {} removed, {} broken; {} chunks ({} embedded) in {:.1}s\n",
                summary.files,
                summary.indexed,
                summary.unchanged,
                summary.removed,
                summary.broken.len(),
                summary.chunks,
                summary.embedded,
                summary.seconds
            );
            for b in &summary.broken {
                text.push_str(&format!("broken: {}: {}\n", b.path, b.error));
            }
            print_text(&text)?;
        }
    }
    Ok(Status::Success)
}
