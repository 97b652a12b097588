//! `aida eval SUITE_DIR`: run every incident bundle with an `expected.json` and score the reports.
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, Result};
use clap::Args;
use serde::Serialize;
use serde_json::json;

use super::{Context, ModelArgs, Progress, pipeline_error};
use crate::alert;
use crate::exit::{Status, input_error};
use crate::output::{Format, print_json, print_text};
use crate::pipeline::{Request, Services};
use crate::report::{CaseScore, Category, Expected, Report, score};
use crate::store::{IncidentSource, Store};

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Directory of incident bundles (each with alert.json and expected.json), searched recursively
    #[arg(value_name = "SUITE_DIR")]
    pub suite: PathBuf,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output format: a table, or the summary and every case with its report
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Exit 1 when category accuracy is below this (0..1)
    #[arg(long, value_name = "X")]
    pub min_accuracy: Option<f64>,
}

pub const EXAMPLES: &str = "\
Examples:
  # The analyzers alone on the bundled cases (offline, a second or two)
  aida eval tests/fixtures/bundles --llm none

  # In CI: fail (exit 1) below 90% category accuracy
  aida eval tests/fixtures/bundles --llm none --min-accuracy 0.9

  # The local model; every case with its report, as JSON
  aida eval tests/fixtures/bundles --llm local --format json > eval.json
";

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
    /// The report, exactly as `aida investigate --format json` prints it for the same bundle.
    report: Report,
}

/// A case that could not be run (a broken bundle): reported, and the suite goes on.
#[derive(Debug, Serialize)]
struct CaseError {
    case: String,
    error: String,
}

#[derive(Debug, Serialize)]
struct Summary {
    cases: usize,
    /// Cases that could not be run (counted as misses in the accuracy).
    errors: usize,
    /// Accuracy of the final answer (the report's category).
    category_accuracy: f64,
    /// Accuracy of the analyzers alone (their best finding).
    analyzers_accuracy: f64,
    /// Accuracy of the model's own choice over the labels; None when no model scored them.
    model_accuracy: Option<f64>,
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
    // The same services `aida investigate` builds: eval measures what users run.
    let services =
        Services::build(&ctx.home, ctx.config(), &args.model.choice()).map_err(pipeline_error)?;
    // Eval runs go to a private in-memory store: they are measurements, not incidents to review.
    let mut store = Store::open_in_memory()?;
    let progress = Progress::spinner(ctx.global.quiet);
    let mut results = Vec::new();
    let mut errors = Vec::new();
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
        progress.set(&format!("eval {name}"));
        let started = Instant::now();
        match run_case(&runtime, &services, &mut store, dir) {
            Ok((report, expected, fallback)) => {
                // Rounded to microseconds: whole milliseconds read 0 for every offline case.
                let ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
                results.push(CaseResult {
                    case: name,
                    score: score(&report, &expected),
                    ms,
                    fallback,
                    report,
                });
            }
            Err(e) if crate::exit::is_input_error(&e) => {
                let error = crate::exit::render_chain(&e);
                eprintln!("{name}: {error}");
                errors.push(CaseError { case: name, error });
            }
            Err(e) => return Err(e),
        }
    }
    progress.finish();
    let n = (results.len() + errors.len()) as f64;
    let facts_total: usize = results.iter().map(|r| r.score.facts_total).sum();
    let facts_stated: usize = results.iter().map(|r| r.score.facts_stated).sum();
    let res_total: usize = results.iter().map(|r| r.score.resources_total).sum();
    let res_named: usize = results.iter().map(|r| r.score.resources_named).sum();
    let hits = |pick: &dyn Fn(&CaseResult) -> Option<Category>| {
        results
            .iter()
            .filter(|r| pick(r) == Some(r.score.expected_category))
            .count() as f64
            / n
    };
    let analyzers_of = |r: &CaseResult| r.report.decision.as_ref().map(|d| d.analyzers);
    let model_of = |r: &CaseResult| r.report.decision.as_ref().and_then(|d| d.model);
    let scored = results.iter().any(|r| model_of(r).is_some());
    let mut times: Vec<f64> = results.iter().map(|r| r.ms).collect();
    times.sort_by(f64::total_cmp);
    let summary = Summary {
        cases: results.len() + errors.len(),
        errors: errors.len(),
        category_accuracy: results.iter().filter(|r| r.score.category_ok).count() as f64 / n,
        analyzers_accuracy: hits(&analyzers_of),
        model_accuracy: scored.then(|| hits(&model_of)),
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
        Format::Json => {
            print_json(&json!({"summary": summary, "cases": results, "errors": errors}))?
        }
        Format::Text => {
            let width = results
                .iter()
                .map(|r| r.case.len())
                .max()
                .unwrap_or(4)
                .max(4);
            // Three answers per case: the analyzers alone, the model's own choice (scored over
            // the labels), and the final one the report carries (the policy's pick).
            let mark = |c: Option<Category>, want: Category| match c {
                None => "-".to_string(),
                Some(c) if c == want => c.to_string(),
                Some(c) => format!("{c} ✗"),
            };
            let mut t = format!(
                "{:width$}  {:20} {:21} {:21} {:21} {:>7} {:>9} {:>7}\n",
                "CASE", "EXPECTED", "ANALYZERS", "MODEL", "FINAL", "FACTS", "RESOURCES", "MS"
            );
            for r in &results {
                let want = r.score.expected_category;
                t.push_str(&format!(
                    "{:width$}  {:20} {:21} {:21} {:21} {:>7} {:>9} {:>7}{}\n",
                    r.case,
                    want.as_str(),
                    mark(analyzers_of(r), want),
                    mark(model_of(r), want),
                    mark(Some(r.score.got_category), want),
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
            for e in &errors {
                t.push_str(&format!("{:width$}  error: {}\n", e.case, e.error));
            }
            t.push_str(&format!(
                "\n{} cases · category accuracy {:.3} (analyzers {:.3} · model {} · final {:.3}) · fact recall {:.3} · resource recall {:.3} · p50 {} ms · p95 {} ms\n",
                summary.cases,
                summary.category_accuracy,
                summary.analyzers_accuracy,
                summary.model_accuracy.map_or_else(|| "-".to_string(), |a| format!("{a:.3}")),
                summary.category_accuracy,
                summary.fact_recall,
                summary.resource_recall,
                ms_text(summary.p50_ms),
                ms_text(summary.p95_ms)
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

/// One case: its expectation, its alert, and the investigation through the pipeline. Input
/// errors name the file.
fn run_case(
    runtime: &tokio::runtime::Runtime,
    services: &Services,
    store: &mut Store,
    dir: &Path,
) -> Result<(Report, Expected, Option<String>)> {
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
    let source = runtime
        .block_on(services.evidence(Some(dir), None))
        .map_err(pipeline_error)?;
    let request = Request {
        alert,
        source,
        origin: IncidentSource::Eval,
        incident_id: None,
    };
    let done = runtime
        .block_on(services.investigate(store, request, &|_: &str| {}))
        .map_err(pipeline_error)?;
    Ok((done.report, expected, done.fallback.map(|f| f.reason)))
}
