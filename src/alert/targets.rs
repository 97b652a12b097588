//! Which Kubernetes objects an alert is about, read from its labels. The one place that says
//! what a label means (the agent's tool plan and the analyzers' focus both read it).
use serde::Serialize;

use super::Alert;

/// The resources an alert names. Empty fields mean the label was absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Targets {
    pub namespace: Option<String>,
    pub pod: Option<String>,
    pub container: Option<String>,
    /// `(Kind, name)` for Deployment, StatefulSet, DaemonSet, Job, CronJob, ReplicaSet.
    pub workloads: Vec<(String, String)>,
    pub node: Option<String>,
    pub pvc: Option<String>,
    /// Prometheus target address (`instance`), for TargetDown-style alerts.
    pub instance: Option<String>,
    pub hpa: Option<String>,
}

/// Workload labels as kube-state-metrics writes them. `job` is NOT here: in Prometheus it is the
/// scrape job (e.g. `kube-state-metrics`); Kubernetes Jobs come as `job_name`.
const WORKLOAD_LABELS: &[(&str, &str)] = &[
    ("deployment", "Deployment"),
    ("statefulset", "StatefulSet"),
    ("daemonset", "DaemonSet"),
    ("job_name", "Job"),
    ("cronjob", "CronJob"),
    ("replicaset", "ReplicaSet"),
];

impl Targets {
    pub fn from_alert(alert: &Alert) -> Self {
        let get = |key: &str| {
            alert
                .label(key)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let mut workloads: Vec<(String, String)> = WORKLOAD_LABELS
            .iter()
            .filter_map(|(label, kind)| get(label).map(|name| (kind.to_string(), name)))
            .collect();
        // kube-state-metrics' generic owner labels (KubePodNotReady et al. join on them).
        if let (Some(kind), Some(name)) = (get("owner_kind"), get("owner_name"))
            && !workloads.iter().any(|(k, n)| *k == kind && *n == name)
        {
            workloads.push((kind, name));
        }
        // `instance` is a node name for node-exporter alerts; keep both readings.
        let instance = get("instance");
        let node = get("node").or_else(|| {
            instance
                .as_deref()
                .filter(|i| !i.contains(':') && alert.name().starts_with("Node"))
                .map(str::to_string)
        });
        Self {
            namespace: get("namespace").or_else(|| get("exported_namespace")),
            pod: get("pod").or_else(|| get("exported_pod")),
            container: get("container").filter(|c| c != "POD"),
            workloads,
            node,
            pvc: get("persistentvolumeclaim"),
            instance,
            hpa: get("horizontalpodautoscaler"),
        }
    }

    /// `ns/Kind/name` strings for the named objects (what `expected.json` lists).
    pub fn resources(&self) -> Vec<String> {
        let ns = self.namespace.as_deref().unwrap_or("default");
        let mut out = Vec::new();
        if let Some(pod) = &self.pod {
            out.push(format!("{ns}/Pod/{pod}"));
        }
        for (kind, name) in &self.workloads {
            out.push(format!("{ns}/{kind}/{name}"));
        }
        if let Some(pvc) = &self.pvc {
            out.push(format!("{ns}/PersistentVolumeClaim/{pvc}"));
        }
        if let Some(node) = &self.node {
            out.push(format!("Node/{node}"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn alert(name: &str, labels: &[(&str, &str)]) -> Alert {
        let labels: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Alert::from_labels(name, labels)
    }

    #[test]
    fn pod_alert() {
        let t = Targets::from_alert(&alert(
            "KubePodCrashLooping",
            &[
                ("namespace", "shop"),
                ("pod", "api-1"),
                ("container", "api"),
                ("job", "kube-state-metrics"),
            ],
        ));
        assert_eq!(t.namespace.as_deref(), Some("shop"));
        assert_eq!(t.pod.as_deref(), Some("api-1"));
        assert_eq!(t.container.as_deref(), Some("api"));
        assert!(
            t.workloads.is_empty(),
            "the scrape job is not a Kubernetes Job"
        );
        assert_eq!(t.resources(), vec!["shop/Pod/api-1"]);
    }

    #[test]
    fn workload_and_owner_labels() {
        let t = Targets::from_alert(&alert(
            "KubeJobFailed",
            &[
                ("namespace", "batch"),
                ("job_name", "nightly-28"),
                ("owner_kind", "CronJob"),
                ("owner_name", "nightly"),
            ],
        ));
        assert_eq!(
            t.workloads,
            vec![
                ("Job".to_string(), "nightly-28".to_string()),
                ("CronJob".to_string(), "nightly".to_string())
            ]
        );
    }

    #[test]
    fn node_from_instance_only_for_node_alerts() {
        let n = Targets::from_alert(&alert(
            "NodeFilesystemSpaceFillingUp",
            &[("instance", "worker-3")],
        ));
        assert_eq!(n.node.as_deref(), Some("worker-3"));
        let t = Targets::from_alert(&alert("TargetDown", &[("instance", "10.0.0.1:8080")]));
        assert_eq!(t.node, None);
        assert_eq!(t.instance.as_deref(), Some("10.0.0.1:8080"));
    }
}
