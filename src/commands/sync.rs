//! `aida sync`: push the runs, traces and reviews not yet in MLflow (the outbox).
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::Args;
use serde::Serialize;

use super::{Context, open_store};
use crate::exit::{Status, input_error};
use crate::mlflow::{ItemOutcome, RetryPolicy, Syncer, client_from_config};
use crate::output::{Format, print_json, print_text};
use crate::store::{OutboxItem, OutboxSelect, Store};

pub const EXAMPLES: &str = "\
Examples:
  # Point AIDA at MLflow once, then push what is not there yet
  export MLFLOW_TRACKING_URI=http://127.0.0.1:5000
  aida sync

  # What is waiting, failing or parked, with the last error
  aida sync --status

  # What would be pushed, without sending anything
  aida sync --dry-run

  # Try the parked items again (after fixing what made them fail)
  aida sync --retry-parked
";

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// List what would be pushed; send nothing
    #[arg(long, conflicts_with = "status")]
    pub dry_run: bool,
    /// List the items not yet synced (pending, failing, parked) with their last error; send nothing
    #[arg(long)]
    pub status: bool,
    /// Give parked items (those that failed too often) their attempts back, then sync
    #[arg(long, conflicts_with_all = ["status", "dry_run"])]
    pub retry_parked: bool,
    /// Seconds each MLflow request may take
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
    /// Output format of --status and --dry-run
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Serialize)]
struct ItemView {
    id: i64,
    kind: String,
    entity_id: String,
    state: &'static str,
    attempts: i64,
    next_attempt_at: Option<String>,
    last_error: Option<String>,
    steps_done: Vec<String>,
}

fn view(item: &OutboxItem) -> ItemView {
    ItemView {
        id: item.id,
        kind: item.kind.to_string(),
        entity_id: item.entity_id.clone(),
        state: if item.parked_at.is_some() {
            "parked"
        } else if item.last_error.is_some() {
            "failing"
        } else {
            "pending"
        },
        attempts: item.attempts,
        next_attempt_at: item.next_attempt_at.clone(),
        last_error: item.last_error.clone(),
        steps_done: item.steps.clone(),
    }
}

const NOT_CONFIGURED: &str = "MLflow is not configured: set MLFLOW_TRACKING_URI (or mlflow.tracking_uri in aida.toml) to the tracking server, e.g. http://127.0.0.1:5000";

pub fn run(ctx: &Context, args: &SyncArgs) -> Result<Status> {
    let config = &ctx.config().mlflow;
    let store = open_store(ctx)?;
    if args.status || args.dry_run {
        return list(&store, args, config.tracking_uri.is_some());
    }
    let client = client_from_config(config, Duration::from_secs(args.timeout))
        .ok_or_else(|| input_error(NOT_CONFIGURED))?
        .map_err(|e| input_error(e.to_string()))?;
    if args.retry_parked {
        let n = store.outbox_unpark()?;
        eprintln!("{n} parked item(s) will be tried again");
    }
    let items = store.outbox_items(OutboxSelect::Unparked, usize::MAX)?;
    if items.is_empty() {
        eprintln!(
            "nothing to sync: MLflow at {} has everything",
            client.base()
        );
        return Ok(Status::Success);
    }
    let bar = progress_bar(items.len() as u64, ctx.global.quiet);
    let syncer = Syncer::new(client, &config.experiment, RetryPolicy::default());
    let store = Mutex::new(store);
    crate::tls::init();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let mut errors = Vec::new();
    let pass = runtime.block_on(
        syncer.pass(&store, OutboxSelect::Unparked, |item, outcome| {
            if let Some(bar) = &bar {
                bar.inc(1);
                bar.set_message(format!("{} {}", item.kind, item.entity_id));
            }
            match outcome {
                ItemOutcome::Failed { error, parked } => {
                    tracing::debug!(item = item.id, %error, parked, "sync failed");
                    errors.push(format!(
                        "{} {} ({}): {error}{}",
                        item.kind,
                        item.entity_id,
                        item.id,
                        if *parked { " [parked]" } else { "" }
                    ));
                }
                ItemOutcome::Waiting(why) => tracing::info!(item = item.id, "{why}"),
                _ => {}
            }
        }),
    );
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let pass = pass.context("syncing with MLflow")?;
    for e in &errors {
        eprintln!("failed: {e}");
    }
    eprintln!(
        "synced {}, failed {}, parked {}, waiting {}, busy elsewhere {} (MLflow at {})",
        pass.synced,
        pass.failed,
        pass.parked,
        pass.waiting,
        pass.busy,
        syncer.client().base()
    );
    Ok(if pass.failed + pass.parked > 0 {
        Status::Failure
    } else {
        Status::Success
    })
}

/// After `aida investigate`, with MLflow configured: push the new investigations' runs and
/// traces so they show up without a separate `aida sync`. Bounded (a 10 s timeout per request,
/// only these items); a failure warns and leaves them in the outbox for `aida sync`.
pub(super) fn push_investigations(
    ctx: &Context,
    store: Store,
    runtime: &tokio::runtime::Runtime,
    investigation_ids: &[String],
) {
    let config = &ctx.config().mlflow;
    let client = match client_from_config(config, Duration::from_secs(10)) {
        None => return,
        Some(Ok(client)) => client,
        Some(Err(e)) => {
            eprintln!("warning: MLflow: {e}; the investigation stays queued for `aida sync`");
            return;
        }
    };
    crate::tls::init();
    let syncer = Syncer::new(client, &config.experiment, RetryPolicy::default());
    let store = Mutex::new(store);
    let mut failed = Vec::new();
    for id in investigation_ids {
        let pass =
            runtime.block_on(
                syncer.pass(&store, OutboxSelect::Entity(id), |item, outcome| {
                    if let ItemOutcome::Failed { error, .. } = outcome {
                        failed.push(format!("{} {}: {error}", item.kind, item.entity_id));
                    }
                }),
            );
        if let Err(e) = pass {
            failed.push(format!("{id}: {e}"));
        }
    }
    if failed.is_empty() {
        tracing::info!(
            mlflow = syncer.client().base(),
            "investigation synced to MLflow"
        );
    } else {
        for f in &failed {
            eprintln!("warning: MLflow sync failed: {f}");
        }
        eprintln!(
            "warning: what did not reach MLflow stays queued: `aida sync` pushes it, `aida sync --status` shows it"
        );
    }
}

fn progress_bar(len: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

/// `--status` and `--dry-run`: what is not synced yet, from the store alone.
fn list(store: &Store, args: &SyncArgs, configured: bool) -> Result<Status> {
    let select = if args.dry_run {
        OutboxSelect::Unparked
    } else {
        OutboxSelect::All
    };
    let items: Vec<ItemView> = store
        .outbox_items(select, usize::MAX)?
        .iter()
        .map(view)
        .collect();
    let synced = store.outbox_synced_count()?;
    if !configured {
        eprintln!("note: {NOT_CONFIGURED}");
    }
    match args.format {
        Format::Json => print_json(&serde_json::json!({"synced": synced, "items": items}))?,
        Format::Text => {
            let mut out = String::new();
            let count = |s: &str| items.iter().filter(|i| i.state == s).count();
            out.push_str(&format!(
                "{} synced, {} pending, {} failing, {} parked\n",
                synced,
                count("pending"),
                count("failing"),
                count("parked")
            ));
            if args.dry_run && !items.is_empty() {
                out.push_str("would push:\n");
            }
            for i in &items {
                out.push_str(&format!(
                    "{:>6}  {:<8} {:<8} {}  attempts {}{}{}\n",
                    i.id,
                    i.kind,
                    i.state,
                    i.entity_id,
                    i.attempts,
                    i.next_attempt_at
                        .as_deref()
                        .map(|t| format!(", next {t}"))
                        .unwrap_or_default(),
                    i.last_error
                        .as_deref()
                        .map(|e| format!("\n        last error: {e}"))
                        .unwrap_or_default()
                ));
            }
            print_text(&out)?;
        }
    }
    Ok(Status::Success)
}
