//! MLflow: every stored investigation becomes a run (tags, params, metrics, artifacts), its
//! trajectory a trace, its review a human assessment; and they can be read back by incident id.
//!
//! ```text
//! store::sync_outbox ─► sync::Syncer (claim, resume after the steps done, backoff, park)
//!                         ├─ run:      experiment ─ search tag aida_investigation_id ─ create ─
//!                         │            log-batch ─ artifacts (mlflow-artifacts proxy) ─ finish
//!                         ├─ trace:    OTLP POST /v1/traces (ids derived from the investigation)
//!                         └─ feedback: feedback_status tag ─ human_feedback.txt ─ assessment
//! ```
//!
//! `client` is the typed REST client, `traces` the OTLP spans and assessments, `mapping` what
//! an investigation looks like in MLflow (DESIGN "MLflow mapping"), `sync` the outbox drain,
//! `read` the way back (the review console and export with `--source mlflow`).
use reqwest::StatusCode;

mod client;
mod mapping;
mod read;
mod review;
mod sync;
mod traces;

pub use client::{
    Client, FileInfo, MAX_METRICS_PER_BATCH, MAX_PARAM_CHARS, MAX_PARAMS_PER_BATCH,
    MAX_TAGS_PER_BATCH, Metric, Param, Run, RunData, RunInfo, Tag, artifact_url_path,
};
pub use mapping::{
    ARTIFACT_ALERT, ARTIFACT_EVIDENCE_DIR, ARTIFACT_FEEDBACK, ARTIFACT_REPORT, EXPERIMENT,
    TAG_INVESTIGATION_ID, TAG_NAMESPACE, run_name,
};
pub use read::{MlflowReview, MlflowRun, fetch_review_by_incident, fetch_run_by_incident};
pub use review::{WrittenReview, record_review, undo_review};
pub use sync::{ItemOutcome, Pass, RetryPolicy, Syncer, drain_forever};
pub use traces::{
    Assessment, AssessmentSource, AssessmentValue, NewAssessment, SpanData, TraceInfo,
    mlflow_trace_id, otel_trace_id,
};

/// What went wrong talking to MLflow.
#[derive(Debug, thiserror::Error)]
pub enum MlflowError {
    /// A setting is wrong (the user's to fix).
    #[error("{0}")]
    Config(String),
    /// No answer: connection refused or reset, timeout.
    #[error("{endpoint}: {message}")]
    Transport { endpoint: String, message: String },
    /// MLflow answered with an error status.
    #[error("{endpoint}: HTTP {status}{}: {message}", .code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Http {
        endpoint: String,
        status: u16,
        code: Option<String>,
        message: String,
    },
    #[error("{endpoint}: unreadable answer: {message}")]
    Decode { endpoint: String, message: String },
    /// MLflow answered something AIDA cannot work with.
    #[error("{0}")]
    Protocol(String),
    /// AIDA refuses to send this (NaN, an artifact path leaving the run, ...).
    #[error("refused: {0}")]
    Refused(String),
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
}

impl MlflowError {
    fn transport(endpoint: &str, err: reqwest::Error) -> Self {
        // reqwest's Display hides the cause ("error sending request"): keep the chain.
        let mut message = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            message.push_str(&format!(": {s}"));
            source = s.source();
        }
        MlflowError::Transport {
            endpoint: endpoint.to_string(),
            message,
        }
    }

    fn http(endpoint: &str, status: StatusCode, body: &[u8]) -> Self {
        let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
        let code = parsed
            .as_ref()
            .and_then(|v| v["error_code"].as_str().map(str::to_string));
        let message = parsed
            .as_ref()
            .and_then(|v| {
                v["message"]
                    .as_str()
                    .or(v["detail"].as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| {
                String::from_utf8_lossy(&body[..body.len().min(300)])
                    .trim()
                    .to_string()
            });
        MlflowError::Http {
            endpoint: endpoint.to_string(),
            status: status.as_u16(),
            code,
            message,
        }
    }

    /// MLflow's `error_code`, when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            MlflowError::Http { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, MlflowError::Http { status: 404, .. })
            || self.code() == Some("RESOURCE_DOES_NOT_EXIST")
    }

    /// Worth trying again soon: no answer, 5xx, 429.
    pub fn is_transient(&self) -> bool {
        match self {
            MlflowError::Transport { .. } => true,
            MlflowError::Http { status, .. } => StatusCode::from_u16(*status)
                .map(client::transient_status)
                .unwrap_or(false),
            _ => false,
        }
    }

    /// The user has to fix something (exit 2).
    pub fn is_user_error(&self) -> bool {
        matches!(self, MlflowError::Config(_))
    }
}

/// The tracking server AIDA syncs to, from configuration (`mlflow.tracking_uri`, also
/// `MLFLOW_TRACKING_URI`). None = not configured: nothing is synced.
pub fn client_from_config(
    config: &crate::config::MlflowConfig,
    timeout: std::time::Duration,
) -> Option<Result<Client, MlflowError>> {
    let uri = config
        .tracking_uri
        .as_deref()
        .filter(|u| !u.trim().is_empty())?;
    Some(Client::new(uri, config.token.as_deref(), timeout))
}
