//! What the analyzers ask Prometheus: one fixed plan per namespace, so a recorded bundle holds
//! the answers a replay will ask for (docs/MECHANISMS.md lists the queries).
use serde_json::Value;

use crate::alert::Alert;

/// Which question a query answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// Share of CFS periods throttled, per container.
    CpuThrottling,
    /// Working set over the memory limit, per container.
    MemoryVsLimit,
    /// Used over capacity, per PVC.
    PvcFill,
    /// p99 request latency (seconds) per scrape job.
    LatencyP99,
    /// Share of 5xx responses per scrape job.
    ErrorRatio,
    /// Node conditions that are true (cluster-wide).
    NodePressure,
    /// The alert's own expression, as its generatorURL gives it.
    AlertExpr,
}

/// One asked question and Prometheus' answer.
#[derive(Debug, Clone)]
pub struct Metric {
    pub kind: MetricKind,
    /// The namespace asked about (None for cluster-wide questions).
    pub namespace: Option<String>,
    pub query: String,
    pub answer: Value,
}

/// The CPU throttling ratio per container (kube-prometheus' CPUThrottlingHigh expression shape).
pub fn throttling_query(namespace: &str) -> String {
    format!(
        "sum by (pod, container) (increase(container_cpu_cfs_throttled_periods_total{{namespace=\"{namespace}\", container!=\"\"}}[5m])) / sum by (pod, container) (increase(container_cpu_cfs_periods_total{{namespace=\"{namespace}\", container!=\"\"}}[5m]))"
    )
}

/// The questions asked about one namespace.
pub fn namespace_queries(ns: &str) -> Vec<(MetricKind, String)> {
    vec![
        (MetricKind::CpuThrottling, throttling_query(ns)),
        (
            MetricKind::MemoryVsLimit,
            format!(
                "max by (pod, container) (container_memory_working_set_bytes{{namespace=\"{ns}\", container!=\"\"}}) / max by (pod, container) (kube_pod_container_resource_limits{{namespace=\"{ns}\", resource=\"memory\"}})"
            ),
        ),
        (
            MetricKind::PvcFill,
            format!(
                "max by (persistentvolumeclaim) (kubelet_volume_stats_used_bytes{{namespace=\"{ns}\"}}) / max by (persistentvolumeclaim) (kubelet_volume_stats_capacity_bytes{{namespace=\"{ns}\"}})"
            ),
        ),
        (
            MetricKind::LatencyP99,
            format!(
                "histogram_quantile(0.99, sum by (le, job) (rate({{__name__=~\".+_duration_seconds_bucket\", namespace=\"{ns}\"}}[5m])))"
            ),
        ),
        (
            MetricKind::ErrorRatio,
            format!(
                "sum by (job) (rate({{__name__=~\".+_requests_total\", namespace=\"{ns}\", code=~\"5..\"}}[5m])) / sum by (job) (rate({{__name__=~\".+_requests_total\", namespace=\"{ns}\"}}[5m]))"
            ),
        ),
    ]
}

/// The cluster-wide question.
pub fn node_pressure_query() -> String {
    "max by (node, condition) (kube_node_status_condition{condition=~\"MemoryPressure|DiskPressure|PIDPressure|NetworkUnavailable\", status=\"true\"})".to_string()
}

/// The alert's expression (`g0.expr` of its generatorURL), when it has one.
pub fn alert_expr(alert: &Alert) -> Option<String> {
    let url = reqwest::Url::parse(alert.generator_url.as_deref()?).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == "g0.expr")
        .map(|(_, v)| v.trim().to_string())
        .filter(|e| !e.is_empty() && e.len() <= 4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alert_expression_comes_from_the_generator_url() {
        let mut a = Alert::from_labels("HighLatency", Default::default());
        a.generator_url = Some(
            "http://prometheus:9090/graph?g0.expr=histogram_quantile%280.99%2C+x%29+%3E+1&g0.tab=1"
                .into(),
        );
        assert_eq!(
            alert_expr(&a).as_deref(),
            Some("histogram_quantile(0.99, x) > 1")
        );
        a.generator_url = Some("http://prometheus:9090/graph".into());
        assert_eq!(alert_expr(&a), None);
    }
}
