//! The investigation report (docs/CONTRACTS.md, "Report"): what `aida investigate --format json` prints,
//! what the store keeps, and what reviewers correct. Also its markdown rendering, the
//! evidence-integrity check, and scoring against an evaluation case's `expected.json`.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

mod markdown;
mod score;

pub use markdown::render_markdown;
pub use score::{CaseScore, Expected, ExpectedFact, conclusion_text, score};

/// Root-cause categories (docs/CONTRACTS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    OomKilled,
    CrashAppError,
    ImagePull,
    ProbeFailure,
    Unschedulable,
    Storage,
    ConfigMissing,
    NodeFailure,
    ResourceSaturation,
    DependencyFailure,
    NetworkDns,
    JobFailure,
    RolloutStuck,
    QuotaExceeded,
    CertificateExpiry,
    ControlPlane,
    Unknown,
}

impl Category {
    pub const ALL: [Category; 17] = [
        Category::OomKilled,
        Category::CrashAppError,
        Category::ImagePull,
        Category::ProbeFailure,
        Category::Unschedulable,
        Category::Storage,
        Category::ConfigMissing,
        Category::NodeFailure,
        Category::ResourceSaturation,
        Category::DependencyFailure,
        Category::NetworkDns,
        Category::JobFailure,
        Category::RolloutStuck,
        Category::QuotaExceeded,
        Category::CertificateExpiry,
        Category::ControlPlane,
        Category::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::OomKilled => "oom_killed",
            Category::CrashAppError => "crash_app_error",
            Category::ImagePull => "image_pull",
            Category::ProbeFailure => "probe_failure",
            Category::Unschedulable => "unschedulable",
            Category::Storage => "storage",
            Category::ConfigMissing => "config_missing",
            Category::NodeFailure => "node_failure",
            Category::ResourceSaturation => "resource_saturation",
            Category::DependencyFailure => "dependency_failure",
            Category::NetworkDns => "network_dns",
            Category::JobFailure => "job_failure",
            Category::RolloutStuck => "rollout_stuck",
            Category::QuotaExceeded => "quota_exceeded",
            Category::CertificateExpiry => "certificate_expiry",
            Category::ControlPlane => "control_plane",
            Category::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Category {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == wanted)
            .ok_or_else(|| format!("unknown category {s:?}"))
    }
}

/// One quoted piece of tool output. `source` is the id of the trajectory step that produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceQuote {
    pub source: String,
    pub quote: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hypothesis {
    pub statement: String,
    pub confidence: f64,
    /// Indices (as strings, `"e1"`...) into `evidence`, or step ids.
    #[serde(default)]
    pub supporting: Vec<String>,
    #[serde(default)]
    pub contradicting: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunbookRef {
    pub path: String,
    pub heading: String,
    pub score: f64,
}

/// One tool call or LLM call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryStep {
    pub step: u32,
    pub tool: String,
    pub input: Value,
    pub output_excerpt: String,
    pub duration_ms: u64,
}

impl TrajectoryStep {
    /// The id evidence quotes use to cite this step.
    pub fn id(&self) -> String {
        step_id(self.step)
    }
}

/// `step-N`: how evidence cites trajectory step N.
pub fn step_id(step: u32) -> String {
    format!("step-{step}")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// `local`, `openai` or `none`.
    pub backend: String,
    pub name: String,
    pub adapter: Option<String>,
}

/// The report of one investigated alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub incident_id: String,
    pub alert: Value,
    pub category: Category,
    pub root_cause: String,
    pub confidence: f64,
    pub summary: String,
    pub evidence: Vec<EvidenceQuote>,
    pub hypotheses: Vec<Hypothesis>,
    pub next_steps: Vec<String>,
    pub runbooks: Vec<RunbookRef>,
    pub trajectory: Vec<TrajectoryStep>,
    pub model: ModelInfo,
    pub timings_ms: BTreeMap<String, u64>,
    pub tokens: BTreeMap<String, u64>,
    /// What the reader must know before trusting the conclusion: evidence that could not be
    /// read, a model that could not be used. Shown first; absent when there is nothing to say.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// How the category was decided: the analyzers' choice, the model's own (scored over the
    /// labels), and the policy that picked between them. Absent in reports stored before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

/// Who chose the report's category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// The best finding's category (`unknown` with no finding).
    pub analyzers: Category,
    /// The model's choice by log-likelihood over the category labels; None when no model
    /// scored them (`--llm none`, or an API backend).
    pub model: Option<Category>,
    /// The configured policy (`analyzers`, `supported`, `model`).
    pub policy: String,
    /// The model's best labels with their log-likelihoods, best first (at most three).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub model_scores: Vec<LabelScore>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelScore {
    pub category: Category,
    pub log_likelihood: f64,
}

impl Report {
    /// The report as the store keeps it: without the alert and the trajectory, which the store
    /// holds once in their own places (the incident row, the trajectory_steps table).
    pub fn stored_form(&self) -> Result<Value, serde_json::Error> {
        let mut value = serde_json::to_value(self)?;
        if let Some(map) = value.as_object_mut() {
            map.remove("alert");
            map.remove("trajectory");
        }
        Ok(value)
    }

    /// The report again from its stored form, the incident's alert and the stored trajectory.
    pub fn from_stored(
        stored: Value,
        alert: Value,
        trajectory: Vec<TrajectoryStep>,
    ) -> Result<Self, serde_json::Error> {
        let mut value = stored;
        if let Some(map) = value.as_object_mut() {
            map.insert("alert".into(), alert);
            map.insert("trajectory".into(), serde_json::to_value(trajectory)?);
        }
        serde_json::from_value(value)
    }
}

/// Why a report is not internally consistent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IntegrityError {
    #[error("evidence[{index}] cites {cited:?}, which is not a step of the trajectory")]
    UnknownSource { index: usize, cited: String },
    #[error("evidence[{index}] quote is not in the output of {cited}: {quote:?}")]
    QuoteNotFound {
        index: usize,
        cited: String,
        quote: String,
    },
    #[error("evidence[{index}] cites {cited}, a model call rather than tool output")]
    ModelStep { index: usize, cited: String },
    #[error("evidence[{index}] has an empty quote")]
    EmptyQuote { index: usize },
    #[error("{field} is {value}, outside 0..=1")]
    ConfidenceOutOfRange { field: String, value: f64 },
}

impl Report {
    /// Checks that every evidence quote exists verbatim in the output of the step it cites and
    /// that confidences are probabilities. Reports that fail this are never shown as-is.
    pub fn check_integrity(&self) -> Result<(), Vec<IntegrityError>> {
        let mut errors = Vec::new();
        let steps: BTreeMap<String, &TrajectoryStep> =
            self.trajectory.iter().map(|s| (s.id(), s)).collect();
        for (index, quote) in self.evidence.iter().enumerate() {
            if quote.quote.trim().is_empty() {
                errors.push(IntegrityError::EmptyQuote { index });
                continue;
            }
            match steps.get(&quote.source) {
                None => errors.push(IntegrityError::UnknownSource {
                    index,
                    cited: quote.source.clone(),
                }),
                // A model's own words are not evidence, even when quoted back.
                Some(step) if step.tool == "llm" => errors.push(IntegrityError::ModelStep {
                    index,
                    cited: quote.source.clone(),
                }),
                Some(step) if !step.output_excerpt.contains(quote.quote.as_str()) => {
                    errors.push(IntegrityError::QuoteNotFound {
                        index,
                        cited: quote.source.clone(),
                        quote: quote.quote.clone(),
                    })
                }
                Some(_) => {}
            }
        }
        let mut check = |field: String, value: f64| {
            if !(0.0..=1.0).contains(&value) || value.is_nan() {
                errors.push(IntegrityError::ConfidenceOutOfRange { field, value });
            }
        };
        check("confidence".into(), self.confidence);
        for (i, h) in self.hypotheses.iter().enumerate() {
            check(format!("hypotheses[{i}].confidence"), h.confidence);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// `labels.alertname` of the alert, for display.
    pub fn alert_name(&self) -> &str {
        self.alert["labels"]["alertname"]
            .as_str()
            .unwrap_or("unnamed alert")
    }
}

#[cfg(test)]
pub(crate) mod tests;
