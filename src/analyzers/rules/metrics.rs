//! Metrics: the metric plan's answers (CPU throttling, memory against the limit, claim fill,
//! node conditions, and the latency and errors of the alert's service beside its
//! dependencies'). Causes that only metrics show.
use serde_json::{Value, json};

use super::{Ctx, arr, s};
use crate::alert::Alert;
use crate::analyzers::{Metric, MetricKind, Relation, quote};
use crate::report::Category;

fn value(series: &Value) -> Option<f64> {
    series
        .pointer("/value/1")
        .and_then(Value::as_str)
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

/// The series as `promql_query` prints it (the quote a reader can find in that step).
fn series_line(series: &Value) -> String {
    crate::evidence::render::prom_text(
        &json!({"data": {"resultType": "vector", "result": [series]}}),
    )
    .trim()
    .to_string()
}

fn cite(m: &Metric, series: &Value) -> crate::analyzers::Quote {
    quote(
        "promql_query",
        json!({"query": m.query}),
        series_line(series),
    )
}

/// The name the alert gives its service (the scrape job of its requests).
fn alert_service(alert: Option<&Alert>) -> Option<String> {
    let a = alert?;
    [
        "service",
        "job",
        "app",
        "app_kubernetes_io_name",
        "container",
    ]
    .iter()
    .find_map(|k| a.label(k).map(str::to_string).filter(|v| !v.is_empty()))
}

/// Whether the alert is about request latency or errors (its name or expression says so).
fn about_requests(alert: Option<&Alert>) -> bool {
    let Some(a) = alert else { return false };
    let name = a.name().to_ascii_lowercase();
    let expr = crate::analyzers::metrics_plan::alert_expr(a)
        .unwrap_or_default()
        .to_ascii_lowercase();
    [
        "latency",
        "slow",
        "duration",
        "error",
        "5xx",
        "availability",
        "sli",
        "slo",
    ]
    .iter()
    .any(|w| name.contains(w))
        || expr.contains("_duration_seconds")
        || expr.contains("code=~\"5")
}

pub(super) fn metrics(cx: &mut Ctx<'_>, alert: Option<&Alert>) {
    let snap = cx.snap;
    let service = alert_service(alert);
    let request_alert = about_requests(alert);
    for m in &snap.metrics {
        let ns = m.namespace.as_deref().unwrap_or_default();
        let series: Vec<(&Value, f64)> = arr(&m.answer, "/data/result")
            .iter()
            .filter_map(|x| value(x).map(|v| (x, v)))
            .collect();
        match m.kind {
            MetricKind::CpuThrottling => {
                for (x, v) in series.into_iter().filter(|(_, v)| *v >= 0.25) {
                    let (pod, container) = (s(x, "/metric/pod"), s(x, "/metric/container"));
                    let f = cx.add(
                        Category::ResourceSaturation,
                        format!("{ns}/Pod/{pod}"),
                        format!("Container {container} of pod {pod} is CPU-throttled {:.0}% of the time: its CPU limit is too low for its load.", v * 100.0),
                        vec![cite(m, x)],
                        0.86,
                    );
                    f.actions.push(format!(
                        "Raise container {container}'s CPU limit (or remove it and keep the request), then confirm container_cpu_cfs_throttled_periods_total falls"
                    ));
                }
            }
            MetricKind::MemoryVsLimit => {
                for (x, v) in series.into_iter().filter(|(_, v)| *v >= 0.9) {
                    let (pod, container) = (s(x, "/metric/pod"), s(x, "/metric/container"));
                    cx.add(
                        Category::ResourceSaturation,
                        format!("{ns}/Pod/{pod}"),
                        format!("Container {container} of pod {pod} uses {:.0}% of its memory limit (working set): it is about to be OOM-killed or is slowed by reclaim.", v * 100.0),
                        vec![cite(m, x)],
                        0.7,
                    );
                }
            }
            MetricKind::PvcFill => {
                for (x, v) in series.into_iter().filter(|(_, v)| *v >= 0.9) {
                    let claim = s(x, "/metric/persistentvolumeclaim");
                    let f = cx.add(
                        Category::Storage,
                        format!("{ns}/PersistentVolumeClaim/{claim}"),
                        format!("PersistentVolumeClaim {claim} is {:.0}% full (kubelet_volume_stats_used_bytes / capacity): writes to it fail with No space left on device.", v * 100.0),
                        vec![cite(m, x)],
                        if v >= 0.97 { 0.9 } else { 0.8 },
                    );
                    f.actions.push(format!(
                        "Grow PersistentVolumeClaim {claim} (allowVolumeExpansion on its StorageClass) or delete data on it (old WAL, logs, snapshots)"
                    ));
                }
            }
            MetricKind::NodePressure => {
                for (x, _) in series.into_iter().filter(|(_, v)| *v >= 1.0) {
                    let (node, condition) = (s(x, "/metric/node"), s(x, "/metric/condition"));
                    let resource = format!("Node/{node}");
                    // The node's own conditions (nodes.rs) already tell it when nodes were read.
                    if cx
                        .out
                        .iter()
                        .any(|f| f.resource == resource && f.summary.contains(condition))
                    {
                        continue;
                    }
                    cx.add(
                        Category::NodeFailure,
                        resource,
                        format!("Node {node} has {condition} (kube_node_status_condition): the kubelet evicts pods and refuses new ones until it recovers."),
                        vec![cite(m, x)],
                        0.82,
                    );
                }
            }
            MetricKind::LatencyP99 | MetricKind::ErrorRatio => {
                if !request_alert {
                    continue;
                }
                let own = |x: &Value| {
                    service
                        .as_deref()
                        .is_some_and(|svc| s(x, "/metric/job") == svc)
                };
                let own_value = series.iter().find(|(x, _)| own(x)).map(|(_, v)| *v);
                let latency = m.kind == MetricKind::LatencyP99;
                // A dependency is suspect when it is itself slow (most of the caller's latency)
                // or failing; the alert's own series is the symptom.
                let suspect = |v: f64| {
                    if latency {
                        v >= 0.5 && own_value.is_none_or(|o| v >= 0.5 * o)
                    } else {
                        v >= 0.05
                    }
                };
                let worst = series
                    .iter()
                    .filter(|(x, v)| !own(x) && suspect(*v) && !s(x, "/metric/job").is_empty())
                    .max_by(|a, b| a.1.total_cmp(&b.1));
                if let Some((x, v)) = worst {
                    let job = s(x, "/metric/job");
                    let what = if latency {
                        format!("p99 latency {v:.2}s")
                    } else {
                        format!("{:.0}% of requests failing with 5xx", v * 100.0)
                    };
                    let f = cx.add(
                        Category::DependencyFailure,
                        format!("{ns}/Service/{job}"),
                        format!(
                            "Downstream dependency {job} is degraded ({what}){}: the alerted service waits on it.",
                            service
                                .as_deref()
                                .map(|svc| format!(", which {svc}'s alert reflects"))
                                .unwrap_or_default()
                        ),
                        vec![cite(m, x)],
                        if latency { 0.8 } else { 0.78 },
                    );
                    f.relation = Relation::Linked;
                    f.actions.push(format!(
                        "Look at {job}'s own saturation and errors (its pods, CPU throttling, database), and add a timeout/circuit breaker on calls to it"
                    ));
                }
            }
            MetricKind::AlertExpr => {}
        }
    }
}
