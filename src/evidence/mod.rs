//! Evidence: read-only access to Kubernetes objects, container logs and Prometheus, from a live
//! cluster or from a recorded incident bundle, behind one [`Source`] so the agent cannot tell them
//! apart.
//!
//! Objects travel as the JSON the Kubernetes API returns (`serde_json::Value`); tools deserialize
//! them into k8s-openapi types to render. Every object, log and Prometheus answer is redacted
//! ([`crate::redact`]) as it leaves a source, and a live source can record everything it handed
//! out into a bundle ([`Recorder`]) that replays to identical tool outputs.
use std::sync::Arc;

use serde_json::Value;

mod bundle;
mod kinds;
mod live;
mod prometheus;
pub(crate) mod render;
pub mod selector;
mod session;
mod tools;

pub use bundle::{Bundle, Queries, Recorder, parse_list, parse_queries, split_kubectl_logs};
pub use kinds::{KINDS, Kind, LOG_SUBRESOURCE};
pub use live::{Live, LiveOptions};
pub use prometheus::{PromAuth, PromClient};
pub use selector::ListSelector;
pub use session::Session;
pub use tools::{Budget, RunbookHit, RunbookQuery, RunbookSearch, ToolOutput, ToolSpec, Toolbelt};

/// Why evidence could not be read. Tools turn these into error results for the agent.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EvidenceError {
    /// A bundle file that is not what it should be; `at` is `line L column C` for JSON errors.
    #[error("{path}: {at}{message}")]
    Bundle {
        path: String,
        at: String,
        message: String,
    },
    #[error(
        "unknown kind '{0}' (known: pods, events, deployments, statefulsets, daemonsets, jobs, cronjobs, replicasets, services, configmaps, persistentvolumeclaims, persistentvolumes, nodes, namespaces, resourcequotas, storageclasses, ...)"
    )]
    UnknownKind(String),
    #[error("AIDA never reads Secrets")]
    SecretsForbidden,
    #[error("Kubernetes API: {0}")]
    Kubernetes(String),
    #[error("{what} timed out after {secs} s")]
    Timeout { what: String, secs: u64 },
    /// A Prometheus error envelope, an HTTP failure or a transport error.
    #[error("Prometheus{}: {message}", status.map(|s| format!(" HTTP {s}")).unwrap_or_default())]
    Prometheus {
        status: Option<u16>,
        message: String,
    },
    #[error("Prometheus is not configured (set prometheus.url)")]
    NoPrometheus,
    /// Replay asked for something the bundle did not record.
    #[error("not in the bundle: {0}")]
    NotRecorded(String),
    #[error("bad selector '{0}': {1}")]
    Selector(String, String),
    #[error("{0}")]
    Io(String),
}

pub type Result<T> = std::result::Result<T, EvidenceError>;

/// Which logs to read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogRequest {
    pub namespace: String,
    pub pod: String,
    /// None = the pod's only (or first) container.
    pub container: Option<String>,
    /// The previous, terminated instance of the container.
    pub previous: bool,
    pub tail_lines: Option<u64>,
    /// Live only: bundles have no timestamps to filter on.
    pub since_seconds: Option<u64>,
}

/// One evidence source. Cheap to clone.
#[derive(Clone)]
pub enum Source {
    /// A recorded incident bundle (replay).
    Bundle(Arc<Bundle>),
    /// A live cluster (kube-rs) and optionally Prometheus, optionally recording.
    Live(Arc<Live>),
}

impl Source {
    /// Lists objects of `kind` (namespace None = all namespaces, or cluster-scoped kinds).
    pub async fn list(
        &self,
        kind: &Kind,
        namespace: Option<&str>,
        selector: &ListSelector,
    ) -> Result<Vec<Value>> {
        match self {
            Source::Bundle(b) => b.list(kind, namespace, selector),
            Source::Live(l) => l.list(kind, namespace, selector).await,
        }
    }

    /// One object by name; Ok(None) when it does not exist.
    pub async fn get(
        &self,
        kind: &Kind,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>> {
        match self {
            Source::Bundle(b) => b.get(kind, namespace, name),
            Source::Live(l) => l.get(kind, namespace, name).await,
        }
    }

    /// Container logs (redacted).
    pub async fn logs(&self, req: &LogRequest) -> Result<String> {
        match self {
            Source::Bundle(b) => b.logs(req),
            Source::Live(l) => l.logs(req).await,
        }
    }

    /// A Prometheus HTTP API GET (`/api/v1/query`, `/api/v1/query_range`, `/api/v1/alerts`,
    /// `/api/v1/rules`, `/api/v1/targets`): the whole success envelope, or an error.
    pub async fn prometheus(&self, path: &str, params: &[(String, String)]) -> Result<Value> {
        match self {
            Source::Bundle(b) => b.prometheus(path, params),
            Source::Live(l) => l.prometheus(path, params).await,
        }
    }

    /// Words for the agent's trajectory: "bundle DIR" or "live cluster".
    pub fn describe(&self) -> String {
        match self {
            Source::Bundle(b) => format!("bundle {}", b.dir().display()),
            Source::Live(_) => "live cluster".to_string(),
        }
    }
}

/// Names the JSON position of a serde_json error the way editors want it.
pub(crate) fn json_error(path: &std::path::Path, err: &serde_json::Error) -> EvidenceError {
    EvidenceError::Bundle {
        path: path.display().to_string(),
        at: format!("line {} column {}: ", err.line(), err.column()),
        message: err.to_string(),
    }
}

#[cfg(test)]
mod tests;
