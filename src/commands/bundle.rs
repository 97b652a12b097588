//! `aida bundle check DIR`: load an incident bundle the way replay does, report what it holds,
//! and print the analyzers' findings (a quick offline triage, and a check before `aida eval`).
use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::json;

use super::Context;
use crate::analyzers::{self, Snapshot};
use crate::evidence::{Bundle, Session, Source};
use crate::exit::{Status, input_error};
use crate::output::{Format, print_json, print_text};

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Validate an incident bundle and print the rule-based findings
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Bundle directory (alert.json + cluster/ + optional prometheus/queries.jsonl)
    pub dir: std::path::PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

const CHECK_EXAMPLES: &str = "\
Examples:
  # What a recorded incident holds and what the analyzers find in it
  aida bundle check tests/fixtures/bundles/oom_image_resizer

  # Check a bundle recorded with `aida investigate --record DIR` before adding it to a suite
  aida bundle check ./incident-2026-11-24 --format json
";

pub fn run(_ctx: &Context, cmd: &BundleCommand) -> Result<Status> {
    match cmd {
        BundleCommand::Check(args) => check(args),
    }
}

fn check(args: &CheckArgs) -> Result<Status> {
    let bundle = Bundle::open(&args.dir).map_err(|e| input_error(e.to_string()))?;
    // Replay accepts a bare cluster dump (the alert can come from elsewhere), but an incident
    // bundle needs its alert (docs/CONTRACTS.md): without one, there is nothing to check against.
    let Some(alert_path) = bundle.alert_path() else {
        return Err(input_error(format!(
            "{}: not an incident bundle: alert.json is missing (required; cluster/ and \
             prometheus/queries.jsonl are optional, see docs/CONTRACTS.md \"Incident bundle\")",
            args.dir.join("alert.json").display()
        )));
    };
    let text = std::fs::read_to_string(&alert_path)
        .map_err(|e| input_error(format!("{}: {e}", alert_path.display())))?;
    let alert = crate::alert::parse_str(&text)
        .map_err(|e| input_error(format!("{}: {e}", alert_path.display())))?
        .firing
        .into_iter()
        .next();
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for (ns, plural, _) in bundle.all_objects() {
        let key = if ns.is_empty() {
            plural.to_string()
        } else {
            format!("{ns}/{plural}")
        };
        *counts.entry(key).or_default() += 1;
    }
    let namespaces = analyzers::alert_namespaces(alert.as_ref());
    let source = Source::Bundle(std::sync::Arc::new(bundle));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let snap = rt.block_on(Snapshot::gather(
        &Session::new(source),
        &namespaces,
        alert.as_ref(),
    ));
    let findings = analyzers::analyze(&snap, alert.as_ref());
    let category = analyzers::top_category(&findings);
    match args.format {
        Format::Json => print_json(&json!({
            "dir": args.dir, "alert": alert.as_ref().map(|a| a.name()), "namespaces": namespaces,
            "objects": counts, "category": category, "findings": findings,
        }))?,
        Format::Text => {
            let mut out = format!("bundle {}: ok\n", args.dir.display());
            out.push_str(&format!(
                "alert: {}\n",
                alert
                    .as_ref()
                    .map(|a| a.name())
                    .unwrap_or("(no firing alert)")
            ));
            for (k, n) in &counts {
                out.push_str(&format!("  {k}: {n}\n"));
            }
            out.push_str(&format!("category: {category}\n"));
            for f in &findings {
                out.push_str(&format!(
                    "- [{}] {:.2} {}: {}\n",
                    f.category, f.confidence, f.resource, f.summary
                ));
                for q in &f.quotes {
                    out.push_str(&format!("    > {}  ({} {})\n", q.text, q.tool, q.args));
                }
            }
            print_text(&out)?;
        }
    }
    Ok(Status::Success)
}
