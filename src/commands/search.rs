//! `aida search`: query the knowledge base with text or an alert file.
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Args;
use serde_json::json;

use super::Context;
use super::ingest::user_facing;
use crate::alert;
use crate::exit::{Status, input_error};
use crate::knowledge::{KnowledgeBase, Mode, Query};
use crate::output::{Format, print_json, print_text};

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to look for (free text)
    #[arg(required_unless_present = "alert", conflicts_with = "alert")]
    pub query: Option<String>,
    /// Build the query from an alert: Alertmanager payload or single alert JSON (`-` = stdin)
    #[arg(long, value_name = "FILE")]
    pub alert: Option<PathBuf>,
    /// Number of runbooks to return [default: knowledge.top_k]
    #[arg(long, value_name = "N")]
    pub top_k: Option<usize>,
    /// How to rank the runbook sections
    #[arg(long, value_enum, default_value_t)]
    pub mode: Mode,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub const EXAMPLES: &str = "\
Examples:
  aida search \"pod killed for using too much memory\"

  # The query built from an alert (name, summary, component labels, PromQL metrics)
  aida search --alert alert.json --top-k 3

  aida search \"disk pressure eviction\" --mode bm25 --format json
";

fn alert_query(path: &PathBuf) -> Result<Query> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading the alert from stdin")?
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| input_error(format!("cannot read {}: {e}", path.display())))?
    };
    let parsed =
        alert::parse_str(&text).map_err(|e| input_error(format!("{}: {e}", path.display())))?;
    let Some(first) = parsed.firing.first().or(parsed.resolved.first()) else {
        return Err(input_error(format!(
            "{}: no alert in the payload",
            path.display()
        )));
    };
    if parsed.firing.len() > 1 {
        tracing::warn!(
            alerts = parsed.firing.len(),
            "payload holds several firing alerts; searching for the first"
        );
    }
    Ok(Query::from_alert(first))
}

pub fn run(ctx: &Context, args: &SearchArgs) -> Result<Status> {
    let top_k = args.top_k.unwrap_or(ctx.config().knowledge.top_k);
    if top_k == 0 {
        return Err(input_error("--top-k must be at least 1"));
    }
    let query = match (&args.query, &args.alert) {
        (_, Some(path)) => alert_query(path)?,
        (Some(text), None) if !text.trim().is_empty() => Query::text(text.clone()),
        _ => return Err(input_error("the search query is empty")),
    }
    .with_mode(args.mode)
    .with_top_k(top_k);

    let kb = KnowledgeBase::open(&ctx.home, ctx.config()).map_err(user_facing)?;
    let hits = kb
        .search(&query)
        .map_err(user_facing)
        .context("searching")?;

    match args.format {
        Format::Json => print_json(&json!({ "results": hits }))?,
        Format::Text => {
            let mut text = String::new();
            if hits.is_empty() {
                text.push_str("no matching runbooks\n");
            }
            for (i, h) in hits.iter().enumerate() {
                let rank = |r: Option<usize>| r.map_or("-".to_string(), |r| r.to_string());
                text.push_str(&format!(
                    "{}. {} — {}  (score {:.3}, bm25 #{}, vector #{})\n   {}\n",
                    i + 1,
                    h.path,
                    h.heading,
                    h.score,
                    rank(h.bm25_rank),
                    rank(h.vector_rank),
                    h.snippet
                ));
            }
            print_text(&text)?;
        }
    }
    Ok(Status::Success)
}
