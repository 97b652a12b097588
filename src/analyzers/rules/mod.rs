//! The rules. Each looks at one kind of signal and says what it means in Kubernetes terms; this
//! module runs them in order and holds what they share (the findings so far, event lookups).
use serde_json::Value;

use super::{Finding, Quote, Snapshot};
use crate::alert::Alert;
pub(crate) use crate::evidence::render::{arr, num, s};
use crate::report::Category;
pub(crate) use control_plane::{is_control_plane_alert, is_control_plane_pod, undecided_pods};

mod admission;
mod config;
mod control_plane;
mod fallback;
mod jobs;
mod logs;
mod metrics;
mod nodes;
mod pods;
mod probes;
mod quota;
mod scheduling;
mod storage;
mod workloads;

fn meta_name(o: &Value) -> &str {
    s(o, "/metadata/name")
}
fn meta_ns(o: &Value) -> &str {
    s(o, "/metadata/namespace")
}

/// Pods whose logs are worth reading: not running cleanly.
pub(crate) fn pod_in_trouble(p: &Value) -> bool {
    let phase = s(p, "/status/phase");
    if matches!(phase, "Pending" | "Failed" | "Unknown") {
        return true;
    }
    arr(p, "/status/containerStatuses").iter().any(|c| {
        c.get("ready") != Some(&Value::Bool(true))
            || num(c, "/restartCount").unwrap_or(0) > 0
            || c.pointer("/state/waiting").is_some()
    })
}

struct Ctx<'a> {
    snap: &'a Snapshot,
    out: Vec<Finding>,
}

impl<'a> Ctx<'a> {
    fn add(
        &mut self,
        category: Category,
        resource: String,
        summary: String,
        quotes: Vec<Quote>,
        confidence: f32,
    ) -> &mut Finding {
        let at = self.out.len();
        self.out.push(Finding {
            category,
            resource,
            summary,
            quotes,
            confidence,
            details: Vec::new(),
            actions: Vec::new(),
            relation: Default::default(),
            explains: Vec::new(),
            because: Vec::new(),
            target: None,
        });
        &mut self.out[at]
    }

    /// Events about `kind/name` in `ns`, oldest first.
    fn events(&self, ns: &str, kind: &str, name: &str) -> Vec<&'a Value> {
        let snap: &'a Snapshot = self.snap;
        let mut v: Vec<&'a Value> = snap
            .items("events")
            .iter()
            .filter(|e| {
                s(e, "/involvedObject/kind") == kind
                    && s(e, "/involvedObject/name") == name
                    && (ns.is_empty()
                        || s(e, "/involvedObject/namespace").is_empty()
                        || s(e, "/involvedObject/namespace") == ns
                        || meta_ns(e) == ns)
            })
            .collect();
        v.sort_by_key(|e| crate::evidence::render::event_time(e).to_string());
        v
    }

    fn pvc(&self, ns: &str, name: &str) -> Option<&'a Value> {
        let snap: &'a Snapshot = self.snap;
        snap.items("persistentvolumeclaims")
            .iter()
            .find(|p| meta_ns(p) == ns && meta_name(p) == name)
    }

    /// Names of the objects of `kind` that exist in `ns` (only kinds the snapshot gathers;
    /// the namespace's root CA ConfigMap, present everywhere, is left out).
    fn existing(&self, ns: &str, kind: &str) -> Vec<String> {
        let plural = match kind {
            "ConfigMap" => "configmaps",
            _ => return Vec::new(),
        };
        self.snap
            .items(plural)
            .iter()
            .filter(|o| meta_ns(o) == ns && meta_name(o) != "kube-root-ca.crt")
            .map(|o| meta_name(o).to_string())
            .take(5)
            .collect()
    }
}

pub(crate) fn run(snap: &Snapshot, alert: Option<&Alert>) -> Vec<Finding> {
    let mut cx = Ctx {
        snap,
        out: Vec::new(),
    };
    let failed_jobs = jobs::jobs(&mut cx);
    jobs::hung_jobs(&mut cx);
    for pod in snap.items("pods") {
        let owned_by_failed_job = arr(pod, "/metadata/ownerReferences")
            .iter()
            .any(|o| s(o, "/kind") == "Job" && failed_jobs.iter().any(|j| j == s(o, "/name")));
        if !owned_by_failed_job {
            pods::pod_rules(&mut cx, pod);
        }
    }
    logs::service_logs(&mut cx);
    control_plane::control_plane(&mut cx);
    quota::quota(&mut cx);
    admission::admission(&mut cx);
    storage::pvcs(&mut cx);
    nodes::nodes(&mut cx);
    workloads::deployments(&mut cx);
    metrics::metrics(&mut cx, alert);
    cx.out
}

/// Weak findings from the alert's name alone.
pub(crate) fn alert_fallback(snap: &Snapshot, alert: &Alert) -> Vec<Finding> {
    let mut cx = Ctx {
        snap,
        out: Vec::new(),
    };
    fallback::alert_fallback(&mut cx, alert);
    cx.out
}
