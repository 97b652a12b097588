//! Rule-based analyzers: typed findings `{category, resource, summary, quotes, confidence}` from
//! general Kubernetes knowledge (container states, events, conditions, log signatures, metrics).
//!
//! Every quote is an exact line (or line fragment) of the output of the tool call it names, so the
//! agent can cite it and a reader can check it: analyzers render with the same helpers the tools
//! use.
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::alert::{Alert, Targets};
use crate::evidence::{Kind, ListSelector, LogRequest, Session};
use crate::report::Category;

mod facts;
mod rules;

/// A quoted piece of evidence and the tool call whose output contains it verbatim.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    pub tool: String,
    pub args: Value,
    pub text: String,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub category: Category,
    /// `namespace/Kind/name` (cluster-scoped: `Kind/name`).
    pub resource: String,
    pub summary: String,
    pub quotes: Vec<Quote>,
    pub confidence: f32,
    /// Further specifics for the report's summary (sentences), beyond the one-line summary.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// What to do about this finding in particular (names the objects and values involved);
    /// the report puts these before its category's generic next steps.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
}

/// Everything analyzers look at, read through the investigation's [`Session`] (the same reads
/// the tools make, so the cluster is read once).
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    /// Namespaced objects by plural (`pods`, `events`, ...), across the gathered namespaces.
    pub objects: BTreeMap<&'static str, Vec<Value>>,
    /// `(namespace, pod, container)` → current logs (last [`LOG_TAIL`] lines).
    pub logs: BTreeMap<(String, String, String), String>,
    pub previous_logs: BTreeMap<(String, String, String), String>,
    /// PromQL → the answer, for the metric rules.
    pub metrics: Vec<(String, Value)>,
}

/// How many log lines analyzers read (and quote from; the same tail the agent's pod_logs uses).
pub const LOG_TAIL: u64 = 100;

const NAMESPACED: &[&str] = &[
    "pods",
    "events",
    "deployments",
    "replicasets",
    "statefulsets",
    "daemonsets",
    "jobs",
    "cronjobs",
    "persistentvolumeclaims",
    "resourcequotas",
    "configmaps",
    "horizontalpodautoscalers",
];
const CLUSTER: &[&str] = &["nodes", "persistentvolumes", "storageclasses"];

/// The CPU throttling ratio per container (kube-prometheus' CPUThrottlingHigh expression shape).
pub fn throttling_query(namespace: &str) -> String {
    format!(
        "sum by (pod, container) (increase(container_cpu_cfs_throttled_periods_total{{namespace=\"{namespace}\", container!=\"\"}}[5m])) / sum by (pod, container) (increase(container_cpu_cfs_periods_total{{namespace=\"{namespace}\", container!=\"\"}}[5m]))"
    )
}

impl Snapshot {
    pub fn items(&self, plural: &str) -> &[Value] {
        self.objects.get(plural).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Reads the namespaces' objects, cluster-scoped context, logs of pods in trouble and the
    /// throttling metric. Best effort: what a source cannot give is left out.
    pub async fn gather(source: &Session, namespaces: &[String]) -> Snapshot {
        let mut snap = Snapshot::default();
        for plural in NAMESPACED {
            let Ok(kind) = Kind::find(plural) else {
                continue;
            };
            for ns in namespaces {
                if let Ok(items) = source.list(kind, Some(ns), &ListSelector::default()).await {
                    snap.objects.entry(kind.plural).or_default().extend(items);
                }
            }
        }
        for plural in CLUSTER {
            let Ok(kind) = Kind::find(plural) else {
                continue;
            };
            if let Ok(items) = source.list(kind, None, &ListSelector::default()).await {
                snap.objects.entry(kind.plural).or_default().extend(items);
            }
        }
        let troubled: Vec<(String, String, Vec<String>)> = snap
            .items("pods")
            .iter()
            .filter(|p| rules::pod_in_trouble(p))
            .take(12)
            .map(|p| {
                let containers = rules::arr(p, "/spec/containers")
                    .iter()
                    .map(|c| rules::s(c, "/name").to_string())
                    .collect();
                (
                    rules::s(p, "/metadata/namespace").to_string(),
                    rules::s(p, "/metadata/name").to_string(),
                    containers,
                )
            })
            .collect();
        for (ns, pod, containers) in troubled {
            for c in containers {
                for previous in [false, true] {
                    let req = LogRequest {
                        namespace: ns.clone(),
                        pod: pod.clone(),
                        container: Some(c.clone()),
                        previous,
                        tail_lines: Some(LOG_TAIL),
                        since_seconds: None,
                    };
                    if let Ok(text) = source.logs(&req).await {
                        let map = if previous {
                            &mut snap.previous_logs
                        } else {
                            &mut snap.logs
                        };
                        map.insert((ns.clone(), pod.clone(), c.clone()), text);
                    }
                }
            }
        }
        for ns in namespaces {
            let q = throttling_query(ns);
            let params = [("query".to_string(), q.clone())];
            if let Ok(resp) = source.prometheus("/api/v1/query", &params).await {
                snap.metrics.push((q, resp));
            }
        }
        snap
    }
}

/// Runs every rule; findings sorted best first. `alert` focuses the ranking on its resources and
/// supplies weak fallbacks when the cluster shows nothing.
pub fn analyze(snap: &Snapshot, alert: Option<&Alert>) -> Vec<Finding> {
    let mut findings = rules::run(snap, alert);
    // What the alert names (the one reading of its labels: `job` is the scrape job, not a
    // Kubernetes Job).
    let focus: Vec<String> = alert
        .map(|a| {
            let t = Targets::from_alert(a);
            (t.pod.into_iter())
                .chain(t.workloads.into_iter().map(|(_, name)| name))
                .chain(t.node)
                .chain(t.pvc)
                .collect()
        })
        .unwrap_or_default();
    let score = |f: &Finding| {
        let focused = focus
            .iter()
            .any(|name| f.resource.rsplit('/').next() == Some(name.as_str()));
        f.confidence + if focused { 0.03 } else { 0.0 }
    };
    findings.sort_by(|a, b| {
        score(b)
            .total_cmp(&score(a))
            .then_with(|| a.resource.cmp(&b.resource))
    });
    findings
}

/// The category the best finding points at, or `Unknown`.
pub fn top_category(findings: &[Finding]) -> Category {
    findings
        .first()
        .map(|f| f.category)
        .unwrap_or(Category::Unknown)
}

/// Namespaces an alert points at (its targets' namespace), else `default`.
pub fn alert_namespaces(alert: Option<&Alert>) -> Vec<String> {
    let ns = alert.and_then(|a| Targets::from_alert(a).namespace);
    vec![ns.unwrap_or_else(|| "default".to_string())]
}

pub(crate) fn quote(tool: &str, args: Value, text: impl Into<String>) -> Quote {
    Quote {
        tool: tool.to_string(),
        args,
        text: text.into(),
    }
}

pub(crate) fn pod_args(ns: &str, name: &str) -> Value {
    json!({"namespace": ns, "name": name})
}

#[cfg(test)]
mod tests;
