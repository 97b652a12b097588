//! `aida investigate`: run one investigation from a shell and print the report.
use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};
use serde_json::json;

use super::Context;
use crate::agent::{Conclude, Investigator, Limits, Outcome};
use crate::alert::{self, Alert, ParsedAlerts};
use crate::config::LlmBackendKind;
use crate::evidence::{
    Bundle, Live, LiveOptions, PromAuth, PromClient, Recorder, Source, Toolbelt,
};
use crate::exit::{Status, input_error};
use crate::knowledge::KnowledgeBase;
use crate::output::{print_json, print_text};
use crate::report::render_markdown;
use crate::store::{
    Finished, IncidentSource, InvestigationStatus, NewIncident, NewInvestigation, Step, Store,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ReportFormat {
    #[default]
    Markdown,
    Json,
}

/// Options shared by `investigate` and `eval`: which model concludes.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Who writes the conclusion [default: config llm.backend]
    #[arg(long, value_enum)]
    pub llm: Option<LlmBackendKind>,
    /// LoRA adapter directory (PEFT layout) for the local model
    #[arg(long, value_name = "DIR")]
    pub adapter: Option<PathBuf>,
}

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
                duplicates: 0,
                truncated: 0,
            },
            "--alertname".into(),
        ));
    }
    let (text, origin) = match args.alert.as_deref() {
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading the alert from stdin")?;
            (text, "stdin".to_string())
        }
        Some(path) => (
            std::fs::read_to_string(path)
                .map_err(|e| input_error(format!("cannot read alert file {path}: {e}")))?,
            path.to_string(),
        ),
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

/// The evidence source: a bundle, or the live cluster (optionally recording).
pub(crate) async fn evidence_source(
    ctx: &Context,
    bundle: Option<&Path>,
    record: Option<&Path>,
) -> Result<Source> {
    if let Some(dir) = bundle {
        let bundle =
            Bundle::open(dir).map_err(|e| input_error(format!("bundle {}: {e}", dir.display())))?;
        return Ok(Source::Bundle(Arc::new(bundle)));
    }
    let cfg = ctx.config();
    let prometheus = match &cfg.prometheus.url {
        Some(url) => {
            let auth = match (&cfg.prometheus.bearer_token, &cfg.prometheus.username) {
                (Some(token), _) => PromAuth::Bearer(token.clone()),
                (None, Some(user)) => PromAuth::Basic {
                    username: user.clone(),
                    password: cfg.prometheus.password.clone(),
                },
                (None, None) => PromAuth::None,
            };
            Some(
                PromClient::new(url, auth, Duration::from_secs(cfg.prometheus.timeout_secs))
                    .map_err(|e| input_error(format!("prometheus.url: {e}")))?,
            )
        }
        None => None,
    };
    let recorder = match record {
        Some(dir) => Some(
            Recorder::new(dir).with_context(|| format!("creating the bundle {}", dir.display()))?,
        ),
        None => None,
    };
    let live = Live::connect(
        &LiveOptions {
            kubeconfig: cfg.kubernetes.kubeconfig.clone(),
            context: cfg.kubernetes.context.clone(),
            timeout: Duration::from_secs(cfg.kubernetes.timeout_secs),
        },
        prometheus,
        recorder,
    )
    .await
    .context(
        "connecting to the Kubernetes cluster (use --bundle DIR to replay a recorded incident)",
    )?;
    Ok(Source::Live(Arc::new(live)))
}

/// How the conclusion is written, from `--llm`/`--adapter` and the configuration.
pub(crate) fn conclude_from(ctx: &Context, model: &ModelArgs) -> Result<Conclude> {
    let cfg = ctx.config();
    let kind = model.llm.unwrap_or(cfg.llm.backend);
    if model.adapter.is_some() && kind != LlmBackendKind::Local {
        return Err(input_error(
            "--adapter applies to the local model only (--llm local)",
        ));
    }
    Ok(match kind {
        LlmBackendKind::None => Conclude::Analyzers,
        LlmBackendKind::Local => {
            let path = crate::llm::resolve_model_path(&ctx.home, cfg, None);
            if !path.exists() {
                return Err(input_error(format!(
                    "the local model {} is not installed: run scripts/fetch-models.sh, set llm.local.model, or use --llm none (analyzers only) or --llm openai",
                    path.display()
                )));
            }
            let adapter = model
                .adapter
                .clone()
                .or_else(|| cfg.llm.local.adapter.clone());
            let llm = crate::llm::LocalLlm::load(&path, adapter.as_deref(), &Default::default())
                .map_err(|e| {
                    if e.is_user_error() {
                        input_error(format!("local model: {e}"))
                    } else {
                        anyhow::anyhow!("loading the local model {}: {e}", path.display())
                    }
                })?;
            Conclude::FixedPrompt(Arc::new(crate::llm::local::LocalBackend::new(
                Arc::new(llm),
                cfg.llm.local.max_tokens,
            )))
        }
        LlmBackendKind::Openai => {
            let settings = crate::llm::openai::OpenAiSettings::from_config(&cfg.llm.openai);
            let backend = crate::llm::openai::OpenAiBackend::new(settings)
                .map_err(|e| input_error(format!("llm.openai: {e}")))?;
            Conclude::ToolLoop(Arc::new(backend))
        }
    })
}

/// The knowledge base, if one was ingested (investigations still run without it).
pub(crate) fn knowledge(ctx: &Context) -> Option<Arc<KnowledgeBase>> {
    match KnowledgeBase::open(&ctx.home, ctx.config()) {
        Ok(kb) if !kb.is_empty() => Some(Arc::new(kb)),
        Ok(_) => {
            tracing::warn!(
                "the runbook index is empty; run `aida ingest` for runbook-guided investigations"
            );
            None
        }
        Err(e) => {
            tracing::warn!(
                "no runbook index ({e}); run `aida ingest` for runbook-guided investigations"
            );
            None
        }
    }
}

/// A spinner on stderr when it is a terminal; nothing otherwise.
pub(crate) fn spinner(quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(100));
    Some(bar)
}

pub fn run(ctx: &Context, args: &InvestigateArgs) -> Result<Status> {
    let (parsed, origin) = read_alerts(args)?;
    for alert in &parsed.resolved {
        eprintln!(
            "skipping resolved alert {} ({}): resolved alerts are not investigated",
            alert.name(),
            alert.fingerprint
        );
    }
    if parsed.duplicates > 0 {
        eprintln!(
            "{} duplicate alert(s) (same fingerprint) skipped",
            parsed.duplicates
        );
    }
    if parsed.firing.is_empty() {
        eprintln!("{origin}: no firing alert to investigate");
        return Ok(Status::Success);
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let conclude = conclude_from(ctx, &args.model)?;
    let source = runtime.block_on(evidence_source(
        ctx,
        args.bundle.as_deref(),
        args.record.as_deref(),
    ))?;
    // A recording starts with the alert, so the bundle replays as `--bundle DIR` on its own.
    if let Source::Live(live) = &source
        && let Some(recorder) = live.recorder()
    {
        let alert = crate::redact::redacted(serde_json::to_value(&parsed.firing[0])?);
        recorder
            .write_alert(&alert)
            .with_context(|| format!("writing alert.json into {}", recorder.dir().display()))?;
    }
    let investigator = Investigator {
        belt: Toolbelt::new(source)
            .with_default_namespace(ctx.config().kubernetes.namespace.clone()),
        knowledge: knowledge(ctx),
        conclude,
        limits: Limits {
            runbooks: ctx.config().knowledge.top_k.clamp(1, 10),
            ..Limits::default()
        },
    };
    let mut store = Store::open(&ctx.home.database())
        .with_context(|| format!("opening the store {}", ctx.home.database().display()))?;
    let bar = spinner(ctx.global.quiet);
    let mut reports = Vec::new();
    for alert in &parsed.firing {
        let outcome = investigate_one(
            &runtime,
            &investigator,
            &mut store,
            alert,
            IncidentSource::Cli,
            bar.as_ref(),
        )?;
        if let Some(why) = &outcome.fallback {
            eprintln!("warning: {why}; the report falls back to the analyzer findings");
        }
        reports.push(outcome.report);
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match args.format {
        ReportFormat::Json if reports.len() == 1 => print_json(&reports[0])?,
        ReportFormat::Json => print_json(&json!({ "reports": reports }))?,
        ReportFormat::Markdown => {
            let text: Vec<String> = reports.iter().map(render_markdown).collect();
            print_text(&text.join("\n---\n\n"))?;
        }
    }
    Ok(Status::Success)
}

/// Runs one investigation and stores it (incident, trajectory, outcome).
pub(crate) fn investigate_one(
    runtime: &tokio::runtime::Runtime,
    investigator: &Investigator,
    store: &mut Store,
    alert: &Alert,
    source: IncidentSource,
    bar: Option<&indicatif::ProgressBar>,
) -> Result<Outcome> {
    let incident_id = uuid::Uuid::now_v7().to_string();
    let investigation_id = uuid::Uuid::now_v7().to_string();
    let alert_json = crate::redact::redacted(serde_json::to_value(alert)?);
    store.insert_incident(&NewIncident {
        id: incident_id.clone(),
        fingerprint: Some(alert.fingerprint.clone()),
        alert_name: alert.name().to_string(),
        alert: alert_json,
        source,
    })?;
    let (backend, model_name, adapter) = match &investigator.conclude {
        Conclude::Analyzers => ("none".to_string(), "analyzers".to_string(), None),
        Conclude::FixedPrompt(llm) | Conclude::ToolLoop(llm) => {
            (llm.backend().to_string(), llm.model_name(), llm.adapter())
        }
    };
    store.start_investigation(&NewInvestigation {
        id: investigation_id.clone(),
        incident_id: incident_id.clone(),
        backend,
        model_name,
        adapter,
    })?;
    let name = alert.name().to_string();
    let progress = |what: &str| {
        if let Some(bar) = bar {
            bar.set_message(format!("{name}: {what}"));
        }
        tracing::info!(alert = %name, "{what}");
    };
    let outcome = runtime.block_on(investigator.investigate(alert, &incident_id, &progress));
    let report = &outcome.report;
    let steps = report
        .trajectory
        .iter()
        .map(|s| Step {
            step: i64::from(s.step),
            tool: s.tool.clone(),
            input: s.input.clone(),
            output_excerpt: s.output_excerpt.clone(),
            duration_ms: s.duration_ms as i64,
        })
        .collect();
    store.finish_investigation(
        &investigation_id,
        &Finished {
            status: if outcome.fallback.is_some() {
                InvestigationStatus::Failure
            } else {
                InvestigationStatus::Success
            },
            category: Some(report.category),
            confidence: Some(report.confidence),
            report: Some(serde_json::to_value(report)?),
            error: outcome.fallback.clone(),
            timings: serde_json::to_value(&report.timings_ms)?,
            tokens: serde_json::to_value(&report.tokens)?,
            steps,
            prompt_input: Some(serde_json::to_value(&outcome.prompt_input)?),
        },
    )?;
    Ok(outcome)
}
