//! `aida eval SUITE_DIR`: run every incident bundle with an `expected.json` and score the reports.
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, Result};
use clap::Args;
use serde::Serialize;
use serde_json::json;

use super::Context;
use super::investigate::{
    ModelArgs, conclude_from, evidence_source, investigate_one, knowledge, spinner,
};
use crate::agent::{Investigator, Limits};
use crate::alert;
use crate::evidence::Toolbelt;
use crate::exit::{Status, input_error};
use crate::output::{Format, print_json, print_text};
use crate::report::{CaseScore, Expected, score};
use crate::store::{IncidentSource, Store};

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Directory of incident bundles (each with alert.json and expected.json), searched recursively
    #[arg(value_name = "SUITE_DIR")]
    pub suite: PathBuf,
    #[command(flatten)]
    pub model: ModelArgs,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Exit 1 when category accuracy is below this (0..1)
    #[arg(long, value_name = "X")]
    pub min_accuracy: Option<f64>,
}

#[derive(Debug, Serialize)]
struct CaseResult {
    case: String,
    #[serde(flatten)]
    score: CaseScore,
    /// Wall time of the whole case: loading the bundle (the replay's stand-in for the API
    /// calls), runbook retrieval, tools, analyzers and conclusion. Fractional: an offline
    /// `--llm none` case without a runbook index takes well under a millisecond.
    ms: f64,
    fallback: Option<String>,
}

#[derive(Debug, Serialize)]
struct Summary {
    cases: usize,
    category_accuracy: f64,
    fact_recall: f64,
    resource_recall: f64,
    p50_ms: f64,
    p95_ms: f64,
}

/// Bundle directories under `dir` (a directory holding expected.json is a case).
fn find_cases(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if dir.join("expected.json").is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    for entry in entries {
        find_cases(&entry, out)?;
    }
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Milliseconds for the table: whole above 100, else with the digits that matter.
fn ms_text(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 1.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.2}")
    }
}

pub fn run(ctx: &Context, args: &EvalArgs) -> Result<Status> {
    if let Some(x) = args.min_accuracy
        && !(0.0..=1.0).contains(&x)
    {
        return Err(input_error(format!(
            "--min-accuracy {x}: expected a number between 0 and 1"
        )));
    }
    let mut cases = Vec::new();
    find_cases(&args.suite, &mut cases)
        .map_err(|e| input_error(format!("cannot read suite {}: {e}", args.suite.display())))?;
    if cases.is_empty() {
        return Err(input_error(format!(
            "{}: no incident bundles with expected.json found",
            args.suite.display()
        )));
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let conclude = conclude_from(ctx, &args.model)?;
    let kb = knowledge(ctx);
    // Eval runs go to a private in-memory store: they are measurements, not incidents to review.
    let mut store = Store::open_in_memory()?;
    let bar = spinner(ctx.global.quiet);
    let mut results = Vec::new();
    for dir in &cases {
        let name = dir
            .strip_prefix(&args.suite)
            .unwrap_or(dir)
            .display()
            .to_string();
        let name = if name.is_empty() {
            dir.display().to_string()
        } else {
            name
        };
        let expected_path = dir.join("expected.json");
        let expected: Expected = serde_json::from_str(
            &std::fs::read_to_string(&expected_path)
                .map_err(|e| input_error(format!("{}: {e}", expected_path.display())))?,
        )
        .map_err(|e| input_error(format!("{}: {e}", expected_path.display())))?;
        let alert_path = dir.join("alert.json");
        let text = std::fs::read_to_string(&alert_path)
            .map_err(|e| input_error(format!("{}: {e}", alert_path.display())))?;
        let parsed = alert::parse_str(&text)
            .map_err(|e| input_error(format!("{}: {e}", alert_path.display())))?;
        let Some(alert) = parsed.firing.first() else {
            return Err(input_error(format!(
                "{}: no firing alert",
                alert_path.display()
            )));
        };
        let started = Instant::now();
        let source = runtime.block_on(evidence_source(ctx, Some(dir), None))?;
        let investigator = Investigator {
            belt: Toolbelt::new(source),
            knowledge: kb.clone(),
            conclude: conclude.clone(),
            limits: Limits::default(),
        };
        if let Some(bar) = &bar {
            bar.set_message(format!("eval {name}"));
        }
        let outcome = investigate_one(
            &runtime,
            &investigator,
            &mut store,
            alert,
            IncidentSource::Eval,
            None,
        )?;
        // Rounded to microseconds: whole milliseconds read 0 for every offline case.
        let ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
        results.push(CaseResult {
            case: name,
            score: score(&outcome.report, &expected),
            ms,
            fallback: outcome.fallback,
        });
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let n = results.len() as f64;
    let facts_total: usize = results.iter().map(|r| r.score.facts_total).sum();
    let facts_stated: usize = results.iter().map(|r| r.score.facts_stated).sum();
    let res_total: usize = results.iter().map(|r| r.score.resources_total).sum();
    let res_named: usize = results.iter().map(|r| r.score.resources_named).sum();
    let mut times: Vec<f64> = results.iter().map(|r| r.ms).collect();
    times.sort_by(f64::total_cmp);
    let summary = Summary {
        cases: results.len(),
        category_accuracy: results.iter().filter(|r| r.score.category_ok).count() as f64 / n,
        fact_recall: if facts_total == 0 {
            1.0
        } else {
            facts_stated as f64 / facts_total as f64
        },
        resource_recall: if res_total == 0 {
            1.0
        } else {
            res_named as f64 / res_total as f64
        },
        p50_ms: percentile(&times, 0.5),
        p95_ms: percentile(&times, 0.95),
    };
    match args.format {
        Format::Json => print_json(&json!({"summary": summary, "cases": results}))?,
        Format::Text => {
            let width = results
                .iter()
                .map(|r| r.case.len())
                .max()
                .unwrap_or(4)
                .max(4);
            let mut t = format!(
                "{:width$}  {:20} {:20} {:>7} {:>9} {:>7}\n",
                "CASE", "EXPECTED", "GOT", "FACTS", "RESOURCES", "MS"
            );
            for r in &results {
                t.push_str(&format!(
                    "{:width$}  {:20} {:20} {:>7} {:>9} {:>7}{}\n",
                    r.case,
                    r.score.expected_category.as_str(),
                    format!(
                        "{}{}",
                        r.score.got_category,
                        if r.score.category_ok { "" } else { " ✗" }
                    ),
                    format!("{}/{}", r.score.facts_stated, r.score.facts_total),
                    format!("{}/{}", r.score.resources_named, r.score.resources_total),
                    ms_text(r.ms),
                    if r.fallback.is_some() {
                        "  (fallback)"
                    } else {
                        ""
                    }
                ));
            }
            t.push_str(&format!(
                "\n{} cases · category accuracy {:.3} · fact recall {:.3} · resource recall {:.3} · p50 {} ms · p95 {} ms\n",
                summary.cases, summary.category_accuracy, summary.fact_recall, summary.resource_recall, ms_text(summary.p50_ms), ms_text(summary.p95_ms)
            ));
            print_text(&t)?;
        }
    }
    if let Some(min) = args.min_accuracy
        && summary.category_accuracy < min
    {
        eprintln!(
            "category accuracy {:.3} is below --min-accuracy {min}",
            summary.category_accuracy
        );
        return Ok(Status::Failure);
    }
    Ok(Status::Success)
}
