//! `aida investigate`: run one investigation from a shell and print the report.
use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{Context, ModelArgs, Progress, pipeline_error, shutdown_signal};
use crate::alert::{self, Alert, ParsedAlerts};
use crate::evidence::Source;
use crate::exit::{Status, input_error};
use crate::output::{print_json, print_text};
use crate::pipeline::{PipelineError, Request, Services};
use crate::report::{Report, render_markdown};
use crate::store::{IncidentSource, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ReportFormat {
    /// The report as markdown, warnings first.
    #[default]
    Markdown,
    /// One JSON document (investigate: the {"reports": [...], "skipped": [...]} envelope; show:
    /// the report).
    Json,
}

pub const EXAMPLES: &str = "\
Examples:
  # Replay a recorded incident with the analyzers alone: offline, under a second
  aida investigate --bundle tests/fixtures/bundles/oom_image_resizer --llm none

  # An Alertmanager payload against the live cluster (kubeconfig, prometheus.url), as JSON
  aida investigate alert.json --format json

  # No payload at hand: name the alert and its labels
  aida investigate --alertname KubePodCrashLooping --label namespace=shop --label pod=api-0
";

#[derive(Debug, Args)]
pub struct InvestigateArgs {
    /// Alertmanager payload or single alert (JSON file, or - for stdin)
    #[arg(value_name = "ALERT.json|-")]
    pub alert: Option<String>,
    /// Build the alert from a name instead of a file
    #[arg(long, value_name = "NAME", conflicts_with = "alert")]
    pub alertname: Option<String>,
    /// Alert label (repeatable), with --alertname
    #[arg(long = "label", value_name = "KEY=VALUE", requires = "alertname")]
    pub labels: Vec<String>,
    /// Replay a recorded incident bundle instead of the live cluster (its alert.json is used when no alert is given)
    #[arg(long, value_name = "DIR")]
    pub bundle: Option<PathBuf>,
    /// Record everything the tools see into a new bundle directory (live runs)
    #[arg(long, value_name = "DIR", conflicts_with = "bundle")]
    pub record: Option<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
}

fn parse_label(raw: &str) -> Result<(String, String)> {
    let (k, v) = raw
        .split_once('=')
        .ok_or_else(|| input_error(format!("--label {raw:?}: expected KEY=VALUE")))?;
    if k.trim().is_empty() {
        return Err(input_error(format!("--label {raw:?}: the key is empty")));
    }
    Ok((k.trim().to_string(), v.to_string()))
}

/// Reads and parses the alert input; errors name the source and the JSON field.
fn read_alerts(args: &InvestigateArgs) -> Result<(ParsedAlerts, String)> {
    if let Some(name) = &args.alertname {
        if name.trim().is_empty() {
            return Err(input_error("--alertname is empty: give the alert's name"));
        }
        let labels: BTreeMap<String, String> = args
            .labels
            .iter()
            .map(|l| parse_label(l))
            .collect::<Result<_>>()?;
        let alert = Alert::from_labels(name, labels);
        return Ok((
            ParsedAlerts {
                firing: vec![alert],
                resolved: Vec::new(),
                duplicates: Vec::new(),
                truncated: 0,
            },
            "--alertname".into(),
        ));
    }
    let (text, origin) = match args.alert.as_deref() {
        Some("-") => {
            let mut text = String::new();
            // One byte over the limit is enough to refuse it (alert::parse_str names the limit).
            std::io::stdin()
                .take(alert::MAX_PAYLOAD_BYTES as u64 + 1)
                .read_to_string(&mut text)
                .context("reading the alert from stdin")?;
            if text.trim().is_empty() {
                return Err(input_error(
                    "stdin is empty: pipe an Alertmanager payload or a single alert into `aida investigate -`",
                ));
            }
            (text, "stdin".to_string())
        }
        Some(path) => {
            let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            if size > alert::MAX_PAYLOAD_BYTES as u64 {
                return Err(input_error(format!(
                    "{path}: the payload is {size} bytes; the limit is {}",
                    alert::MAX_PAYLOAD_BYTES
                )));
            }
            let text = std::fs::read_to_string(path)
                .map_err(|e| input_error(format!("cannot read alert file {path}: {e}")))?;
            (text, path.to_string())
        }
        None => match &args.bundle {
            Some(dir) => {
                let path = dir.join("alert.json");
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| input_error(format!("cannot read {}: {e}", path.display())))?;
                (text, path.display().to_string())
            }
            None => {
                return Err(input_error(
                    "no alert: give ALERT.json (or - for stdin), --alertname NAME, or --bundle DIR",
                ));
            }
        },
    };
    let parsed = alert::parse_str(&text).map_err(|e| input_error(format!("{origin}: {e}")))?;
    Ok((parsed, origin))
}

/// An alert that was not investigated, and why.
#[derive(Debug, Serialize)]
struct Skipped {
    fingerprint: String,
    alert_name: String,
    reason: &'static str,
}

/// What `--format json` prints: always this envelope, whatever the payload held.
#[derive(Debug, Serialize)]
struct Envelope {
    reports: Vec<Report>,
    skipped: Vec<Skipped>,
}

pub fn run(ctx: &Context, args: &InvestigateArgs) -> Result<Status> {
    let (parsed, origin) = read_alerts(args)?;
    let skip = |a: &Alert, reason| Skipped {
        fingerprint: a.fingerprint.clone(),
        alert_name: a.name().to_string(),
        reason,
    };
    let skipped: Vec<Skipped> = (parsed.resolved.iter())
        .map(|a| skip(a, "resolved alerts are not investigated"))
        .chain(
            (parsed.duplicates.iter())
                .map(|a| skip(a, "duplicate of an earlier alert with the same fingerprint")),
        )
        .collect();
    for s in &skipped {
        eprintln!(
            "skipping alert {} ({}): {}",
            s.alert_name, s.fingerprint, s.reason
        );
    }
    if parsed.firing.is_empty() {
        eprintln!("{origin}: no firing alert to investigate");
    }
    let mut reports = Vec::new();
    let mut stored = Vec::new();
    let mut all_sound = true;
    let mut to_push = None;
    if !parsed.firing.is_empty() {
        let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        let services = Services::build(&ctx.home, ctx.config(), &args.model.choice())
            .map_err(pipeline_error)?;
        let source = runtime
            .block_on(services.evidence(args.bundle.as_deref(), args.record.as_deref()))
            .map_err(pipeline_error)?;
        // A recording starts with the alert, so the bundle replays as `--bundle DIR` on its own.
        if let Source::Live(live) = &source
            && let Some(recorder) = live.recorder()
        {
            recorder
                .write_alert(&serde_json::to_value(&parsed.firing[0])?)
                .with_context(|| format!("writing alert.json into {}", recorder.dir().display()))?;
        }
        let mut store = Store::open(&ctx.home.database())
            .with_context(|| format!("opening the store {}", ctx.home.database().display()))?;
        let progress = Progress::spinner(ctx.global.quiet);
        for alert in &parsed.firing {
            let name = alert.name().to_string();
            let report_progress = |what: &str| progress.set(&format!("{name}: {what}"));
            let request = Request {
                alert,
                source: source.clone(),
                origin: IncidentSource::Cli,
                incident_id: None,
            };
            // The signal handler is installed before the work starts, so a Ctrl-C during the
            // investigation is recorded (`interrupted`) instead of leaving a `running` row.
            let signal = shutdown_signal();
            let stopped = std::sync::Mutex::new(None);
            let interrupt = async {
                let (reason, code) = signal.await;
                *stopped.lock().unwrap_or_else(|p| p.into_inner()) = Some(code);
                reason
            };
            let done = match runtime.block_on(services.investigate_until(
                &mut store,
                request,
                &report_progress,
                interrupt,
            )) {
                Ok(done) => done,
                Err(PipelineError::Interrupted(reason)) => {
                    progress.finish();
                    eprintln!("{name}: {reason}; the investigation is stored as interrupted");
                    let code = stopped
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .unwrap_or(130);
                    return Ok(Status::Interrupted(code));
                }
                Err(e) => return Err(pipeline_error(e)),
            };
            for warning in &done.report.warnings {
                eprintln!("warning: {name}: {warning}");
            }
            all_sound &= done.is_sound();
            stored.push(done.investigation_id);
            reports.push(done.report);
        }
        progress.finish();
        to_push = Some((runtime, store));
    }
    match args.format {
        ReportFormat::Json => print_json(&Envelope { reports, skipped })?,
        ReportFormat::Markdown => {
            let text: Vec<String> = reports.iter().map(render_markdown).collect();
            print_text(&text.join("\n---\n\n"))?;
        }
    }
    // Printed first: MLflow is the slow, optional part.
    if let Some((runtime, store)) = to_push {
        super::sync::push_investigations(ctx, store, &runtime, &stored);
    }
    // A report that could not see its evidence (or whose model could not be reached) is
    // printed and stored, but the exit status says so.
    Ok(if all_sound {
        Status::Success
    } else {
        Status::Failure
    })
}
