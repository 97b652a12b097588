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
mod focus;
mod metrics_plan;
mod rules;
mod signatures;

pub use focus::Relation;
pub use metrics_plan::{Metric, MetricKind, throttling_query};

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
    /// How it relates to what the alert names (set by [`analyze`]).
    pub relation: Relation,
    /// The symptoms it explains, outermost first (a Deployment short of replicas, for the
    /// pod that cannot be scheduled).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub explains: Vec<String>,
    /// What explains it, nearest first (a full claim, for the pod that cannot write).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub because: Vec<String>,
    /// The host (or host:port) a network error names, for linking it to what runs there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
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
    /// The metric plan's questions and their answers, for the metric rules.
    pub metrics: Vec<Metric>,
    /// Running pods of the service a request alert names (`namespace`, `pod`): their logs are
    /// read although they do not crash.
    pub service_pods: Vec<(String, String)>,
    /// Running control-plane pods (`namespace`, `pod`) whose logs were read because the alert
    /// is about the control plane.
    pub control_plane_pods: Vec<(String, String)>,
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

impl Snapshot {
    pub fn items(&self, plural: &str) -> &[Value] {
        self.objects.get(plural).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Reads the namespaces' objects, cluster-scoped context, logs of pods in trouble and the
    /// metric plan's answers (and the alert's own expression). Best effort: what a source cannot
    /// give is left out.
    pub async fn gather(
        source: &Session,
        namespaces: &[String],
        alert: Option<&Alert>,
    ) -> Snapshot {
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
        // The control plane lives in kube-system: read it for an alert about the control plane,
        // or when a pod is Pending without any scheduling decision (is a scheduler running?).
        let control_plane_alert = alert.is_some_and(rules::is_control_plane_alert);
        if (control_plane_alert || !rules::undecided_pods(&snap).is_empty())
            && !namespaces.iter().any(|n| n == "kube-system")
        {
            for plural in ["pods", "events"] {
                let Ok(kind) = Kind::find(plural) else {
                    continue;
                };
                if let Ok(items) = source
                    .list(kind, Some("kube-system"), &ListSelector::default())
                    .await
                {
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
        // Pods in trouble, and the pods serving the alert's service (a latency or error alert
        // on a service whose pods run fine: their logs say what the requests run into).
        let service = alert.and_then(service_of);
        let serving = |p: &Value| {
            service.as_deref().is_some_and(|svc| {
                let name = rules::s(p, "/metadata/name");
                name.starts_with(&format!("{svc}-"))
                    || rules::s(p, "/metadata/labels/app") == svc
                    || rules::s(p, "/metadata/labels/app.kubernetes.io~1name") == svc
            })
        };
        let serving_pods: Vec<&Value> = snap
            .items("pods")
            .iter()
            .filter(|p| serving(p) && !rules::pod_in_trouble(p))
            .take(3)
            .collect();
        let service_pods = serving_pods
            .iter()
            .map(|p| {
                (
                    rules::s(p, "/metadata/namespace").to_string(),
                    rules::s(p, "/metadata/name").to_string(),
                )
            })
            .collect();
        let components: Vec<&Value> = if control_plane_alert {
            snap.items("pods")
                .iter()
                .filter(|p| rules::is_control_plane_pod(p) && !rules::pod_in_trouble(p))
                .take(6)
                .collect()
        } else {
            Vec::new()
        };
        let control_plane_pods = components
            .iter()
            .map(|p| {
                (
                    rules::s(p, "/metadata/namespace").to_string(),
                    rules::s(p, "/metadata/name").to_string(),
                )
            })
            .collect();
        let troubled: Vec<(String, String, Vec<String>)> = snap
            .items("pods")
            .iter()
            .filter(|p| rules::pod_in_trouble(p))
            .take(12)
            .chain(serving_pods)
            .chain(components)
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
        snap.service_pods = service_pods;
        snap.control_plane_pods = control_plane_pods;
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
        let mut plan: Vec<(MetricKind, Option<String>, String)> = Vec::new();
        for ns in namespaces {
            for (kind, q) in metrics_plan::namespace_queries(ns) {
                plan.push((kind, Some(ns.clone()), q));
            }
        }
        plan.push((
            MetricKind::NodePressure,
            None,
            metrics_plan::node_pressure_query(),
        ));
        if let Some(expr) = alert.and_then(metrics_plan::alert_expr) {
            plan.push((MetricKind::AlertExpr, None, expr));
        }
        for (kind, namespace, query) in plan {
            let params = [("query".to_string(), query.clone())];
            if let Ok(answer) = source.prometheus("/api/v1/query", &params).await {
                snap.metrics.push(Metric {
                    kind,
                    namespace,
                    query,
                    answer,
                });
            }
        }
        snap
    }
}

/// Runs every rule, then relates the findings to what the alert names: findings about the
/// alert's objects lead, then what they depend on, then other trouble nearby (never the root
/// cause). When nothing is about the alert, the alert's name is weak evidence of its own.
pub fn analyze(snap: &Snapshot, alert: Option<&Alert>) -> Vec<Finding> {
    let mut findings = rules::run(snap, alert);
    focus::relate(snap, alert, &mut findings);
    if let Some(a) = alert
        && findings.iter().all(|f| f.relation == Relation::Nearby)
    {
        let mut weak = rules::alert_fallback(snap, a);
        weak.append(&mut findings);
        findings = weak;
    }
    findings
}

/// The service a request-level alert names (`service` label), when it is not the exporter's.
fn service_of(alert: &Alert) -> Option<String> {
    if alert.label("pod").is_some() {
        return None;
    }
    alert
        .label("service")
        .filter(|s| !s.is_empty() && !s.contains("kube-state-metrics") && !s.contains("prometheus"))
        .map(str::to_string)
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
