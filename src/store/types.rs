//! Rows of the store, as the rest of AIDA sees them.
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::UnknownValue;
use crate::report::{Category, TrajectoryStep};

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident {
        $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s { $($text => Ok(Self::$variant),)+ other => Err(UnknownValue(other.into())) }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// Where an incident came from.
    IncidentSource { Cli => "cli", Webhook => "webhook", Eval => "eval" }
);

text_enum!(
    /// Investigation status; the `complete_*` values are MLflow's `investigation_status` tag.
    InvestigationStatus {
        Running => "running",
        Success => "complete_success",
        Failure => "complete_failure",
        /// Finished, but evidence could not be fully read.
        Degraded => "complete_degraded",
        /// Stopped before finishing (Ctrl-C, SIGTERM, a crash): see `Store::mark_interrupted`
        /// and `Store::recover_stale_runs`.
        Interrupted => "interrupted",
    }
);

text_enum!(
    /// A reviewer's verdict; MLflow's `feedback_status` tag (with `Pending` for none yet).
    Verdict { Approved => "Approved", Corrected => "Corrected", Rejected => "Rejected" }
);

text_enum!(
    /// Webhook job state.
    JobState { Queued => "queued", Leased => "leased", Done => "done", Failed => "failed" }
);

text_enum!(
    /// What an outbox item pushes to MLflow.
    OutboxKind { Run => "run", Trace => "trace", Feedback => "feedback" }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewIncident {
    pub id: String,
    pub fingerprint: Option<String>,
    pub alert_name: String,
    pub alert: Value,
    pub source: IncidentSource,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    pub fingerprint: Option<String>,
    pub alert_name: String,
    pub alert: Value,
    pub source: String,
    pub created_at: String,
    /// The alert's `startsAt` (webhook incidents; None for rows from before schema version 5).
    pub starts_at: Option<String>,
    /// Deliveries of this alert folded into the incident (1 = only the first).
    pub notifications: i64,
    /// The latest delivery.
    pub last_seen_at: Option<String>,
    /// When a resolved notification closed it (the alert's `endsAt`, else the time it arrived).
    pub resolved_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewInvestigation {
    pub id: String,
    pub incident_id: String,
    pub backend: String,
    pub model_name: String,
    pub adapter: Option<String>,
}

/// The outcome of an investigation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finished {
    pub status: InvestigationStatus,
    pub category: Option<Category>,
    pub confidence: Option<f64>,
    pub report: Option<Value>,
    pub error: Option<String>,
    pub timings: Value,
    pub tokens: Value,
    pub steps: Vec<TrajectoryStep>,
    /// The inputs of the LLM prompt (`agent::PromptInput`), for export.
    pub prompt_input: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Investigation {
    pub id: String,
    pub incident_id: String,
    pub alert_name: String,
    pub status: InvestigationStatus,
    pub category: Option<Category>,
    pub confidence: Option<f64>,
    pub report: Option<Value>,
    pub error: Option<String>,
    pub backend: String,
    pub model_name: String,
    pub adapter: Option<String>,
    pub timings: Value,
    pub tokens: Value,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub prompt_input: Option<Value>,
    /// Who ran it: `<hostname>:<pid>` (None for rows from before schema version 4).
    pub runner: Option<String>,
    /// Last sign of life of the runner while it was running.
    pub heartbeat_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub limit: Option<usize>,
    /// Finished investigations without any feedback.
    pub unreviewed_only: bool,
    /// RFC 3339 lower bound on `started_at`.
    pub since: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewFeedback {
    pub investigation_id: String,
    pub reviewer: String,
    pub verdict: Verdict,
    pub corrected_text: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    pub id: i64,
    pub investigation_id: String,
    pub reviewer: String,
    pub verdict: Verdict,
    pub corrected_text: Option<String>,
    pub comment: Option<String>,
    pub created_at: String,
    /// When the verdict was undone (`aida review`'s `u`); None = it stands.
    pub retracted_at: Option<String>,
}

/// One investigation awaiting or having had review (`aida review`'s queue).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub investigation_id: String,
    pub incident_id: String,
    pub alert_name: String,
    /// The incident's alert (labels, annotations).
    pub alert: Value,
    pub category: Option<Category>,
    pub confidence: Option<f64>,
    pub started_at: String,
    /// The standing verdict; None = pending.
    pub verdict: Option<Verdict>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: i64,
    pub incident_id: String,
    pub state: JobState,
    pub attempts: i64,
    pub max_attempts: i64,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<String>,
    pub last_error: Option<String>,
    pub created_at: String,
    /// When the job was last put in the queue (enqueued, or `aida retry`).
    pub enqueued_at: String,
    /// Not leased before this time (a retry's backoff); None = at once.
    pub available_at: Option<String>,
}

/// One alert of a webhook delivery, as the receiver hands it to [`Store::receive`](super::Store::receive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingAlert {
    /// The id the incident gets if this alert starts one.
    pub id: String,
    pub fingerprint: String,
    pub alert_name: String,
    /// The alert object, redacted.
    pub alert: Value,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    /// A resolved notification: closes the open incident instead of starting one.
    pub resolved: bool,
}

/// What became of one [`IncomingAlert`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Receipt {
    /// A new incident, queued for investigation.
    Queued { incident_id: String },
    /// A re-notification of an incident already queued or investigated: folded into it.
    Folded {
        incident_id: String,
        notifications: i64,
    },
    /// A resolved alert closed its open incident.
    Closed { incident_id: String },
    /// A resolved alert with no open incident (never seen firing, or already closed).
    NothingToClose,
}

/// What became of one webhook delivery (all its alerts, or none of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Committed: one receipt per alert, in order.
    Accepted(Vec<Receipt>),
    /// Nothing stored: the new jobs would not fit under the queue capacity.
    QueueFull {
        depth: usize,
        capacity: usize,
        needed: usize,
    },
}

/// `aida list`'s filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentFilter {
    pub status: Option<IncidentStatus>,
    pub alert_name: Option<String>,
    /// RFC 3339 lower bound on the incident's `created_at`.
    pub since: Option<String>,
    pub limit: Option<usize>,
}

text_enum!(
    /// Where an incident stands, from its job (webhook incidents) or its latest investigation.
    IncidentStatus {
        Queued => "queued",
        Running => "running",
        Done => "done",
        Failed => "failed",
    }
);

/// One row of `aida list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentSummary {
    pub incident_id: String,
    pub fingerprint: Option<String>,
    pub alert_name: String,
    pub status: IncidentStatus,
    pub category: Option<Category>,
    /// The latest review of the latest finished investigation: `Pending` when it has none; None
    /// when no investigation has finished.
    pub feedback_status: Option<String>,
    pub attempts: i64,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub id: i64,
    pub kind: OutboxKind,
    pub entity_id: String,
    pub payload: Value,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    /// Not tried again before this time (backoff); None = due now.
    pub next_attempt_at: Option<String>,
    /// When it was parked after failing too often (skipped until unparked).
    pub parked_at: Option<String>,
    /// The sync steps already done, so a retry resumes after them.
    pub steps: Vec<String>,
}

/// The MLflow ids of a synced investigation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MlflowLink {
    pub investigation_id: String,
    pub experiment_id: String,
    pub run_id: Option<String>,
    pub trace_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub incidents: usize,
    pub investigations: usize,
    pub reviewed: usize,
    pub queued_jobs: usize,
    pub unsynced: usize,
}
