//! The control plane: its components (etcd, the API server, the scheduler, the controller
//! manager) as static pods in kube-system, alerts about them, and pods no scheduler decided about.
//!
//! A failing component is a control-plane failure whatever its own cause (pods.rs recategorises
//! its findings); this rule reads the logs of components that run but misbehave (etcd out of
//! space, a lost leader lease) and explains pods that stay Pending without any scheduling
//! decision by a scheduler that is down.
use serde_json::Value;

use super::{Ctx, arr, logs, meta_name, meta_ns, s};
use crate::alert::Alert;
use crate::analyzers::{Snapshot, pod_args, quote};
use crate::report::Category;

const COMPONENTS: &[&str] = &[
    "kube-apiserver",
    "etcd",
    "kube-scheduler",
    "kube-controller-manager",
];

/// A control-plane component's pod (kubeadm's static pods: `component` label or name prefix).
pub(crate) fn is_control_plane_pod(pod: &Value) -> bool {
    meta_ns(pod) == "kube-system"
        && (COMPONENTS.contains(&s(pod, "/metadata/labels/component"))
            || COMPONENTS
                .iter()
                .any(|c| meta_name(pod).starts_with(&format!("{c}-"))))
}

/// kube-prometheus' alerts about the control plane itself: their evidence is in kube-system,
/// whatever namespace they carry.
pub(crate) fn is_control_plane_alert(alert: &Alert) -> bool {
    const PREFIXES: &[&str] = &[
        "KubeAPI",
        "KubeAggregatedAPI",
        "KubeClientErrors",
        "KubeScheduler",
        "KubeControllerManager",
        "etcd",
        "Etcd",
    ];
    PREFIXES.iter().any(|p| alert.name().starts_with(p))
}

/// Pending pods no scheduler has decided about: no node, no `PodScheduled` condition (the
/// scheduler sets it even when it cannot place a pod) and no scheduling event.
pub(crate) fn undecided_pods(snap: &Snapshot) -> Vec<&Value> {
    snap.items("pods")
        .iter()
        .filter(|p| {
            s(p, "/status/phase") == "Pending"
                && s(p, "/spec/nodeName").is_empty()
                && !arr(p, "/status/conditions")
                    .iter()
                    .any(|c| s(c, "/type") == "PodScheduled")
                && !snap.items("events").iter().any(|e| {
                    s(e, "/involvedObject/kind") == "Pod"
                        && s(e, "/involvedObject/name") == meta_name(p)
                        && matches!(s(e, "/reason"), "FailedScheduling" | "Scheduled")
                })
        })
        .collect()
}

pub(super) fn control_plane(cx: &mut Ctx<'_>) {
    component_logs(cx);
    undecided(cx);
}

/// Components that run but whose logs say the control plane is failing.
fn component_logs(cx: &mut Ctx<'_>) {
    let snap = cx.snap;
    for (ns, pod) in &snap.control_plane_pods {
        let Some((_, v)) = logs::mechanism_in_logs(cx, ns, pod) else {
            continue;
        };
        let category = match v.category {
            Category::CertificateExpiry => Category::CertificateExpiry,
            _ => Category::ControlPlane,
        };
        let f = cx.add(
            category,
            format!("{ns}/Pod/{pod}"),
            format!("Control-plane component {pod} reports: {}.", v.sentence()),
            v.quotes.clone(),
            0.9,
        );
        f.details.extend(v.details());
        if v.category == Category::ControlPlane && v.line.contains("space") {
            f.actions.push(
                "Compact and defragment etcd (etcdctl compact, etcdctl defrag), raise --quota-backend-bytes if the data legitimately grew, then disarm the alarm (etcdctl alarm disarm)".to_string(),
            );
        }
    }
}

/// Pods that stay Pending because nothing schedules them.
fn undecided(cx: &mut Ctx<'_>) {
    let snap = cx.snap;
    let scheduler_down: Vec<String> = cx
        .out
        .iter()
        .filter(|f| {
            f.category == Category::ControlPlane && f.resource.contains("/Pod/kube-scheduler")
        })
        .map(|f| f.summary.clone())
        .collect();
    let schedulers_seen = snap
        .items("pods")
        .iter()
        .any(|p| is_control_plane_pod(p) && meta_name(p).starts_with("kube-scheduler"));
    for p in undecided_pods(snap) {
        let (ns, name) = (meta_ns(p), meta_name(p));
        if is_control_plane_pod(p) {
            continue;
        }
        let scheduler = s(p, "/spec/schedulerName");
        let custom = !scheduler.is_empty() && scheduler != "default-scheduler";
        let args = pod_args(ns, name);
        let quotes = vec![
            quote("describe_pod", args.clone(), "Node:           <none>"),
            quote(
                "describe_pod",
                args,
                "Status:         Pending  (phase Pending)",
            ),
        ];
        let (summary, confidence) = if !scheduler_down.is_empty() {
            (
                format!(
                    "Pod {name} is Pending and no scheduler has decided about it (no node, no PodScheduled condition, no scheduling event): the scheduler is down."
                ),
                0.92,
            )
        } else if custom {
            (
                format!(
                    "Pod {name} is Pending and no scheduler has decided about it: it asks for scheduler `{scheduler}`, and none of that name has acted on it."
                ),
                0.7,
            )
        } else {
            (
                format!(
                    "Pod {name} is Pending and no scheduler has decided about it (no node, no PodScheduled condition, no scheduling event){}.",
                    if schedulers_seen {
                        ""
                    } else {
                        "; the scheduler's own pods are not visible here"
                    }
                ),
                0.55,
            )
        };
        let f = cx.add(
            Category::ControlPlane,
            format!("{ns}/Pod/{name}"),
            summary,
            quotes,
            confidence,
        );
        if let Some(why) = scheduler_down.first() {
            f.because.push(why.clone());
        }
        f.actions.push(if custom {
            format!("Deploy or fix scheduler `{scheduler}`, or remove spec.schedulerName from pod {name}'s template")
        } else {
            "Check kube-scheduler: its pod in kube-system (kubectl -n kube-system logs -l component=kube-scheduler --previous) or, on a managed cluster, the provider's control-plane status".to_string()
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::alert::Alert;
    use crate::analyzers::{Relation, Snapshot, analyze, top_category};
    use crate::report::Category;

    fn component(name: &str, component: &str, state: serde_json::Value) -> serde_json::Value {
        json!({"metadata": {"name": name, "namespace": "kube-system",
                "labels": {"component": component, "tier": "control-plane"}},
            "spec": {"containers": [{"name": component, "image": "registry.k8s.io/x"}]},
            "status": {"phase": "Running", "containerStatuses": [state]}})
    }

    fn running(component: &str) -> serde_json::Value {
        json!({"name": component, "ready": true, "restartCount": 0, "state": {"running": {}}})
    }

    #[test]
    fn a_pod_no_scheduler_decided_about_is_explained_by_the_scheduler_that_crash_loops() {
        let mut snap = Snapshot::default();
        let pending = json!({"metadata": {"name": "wiki-7d9-abcde", "namespace": "wiki"},
            "spec": {"containers": [{"name": "wiki", "image": "wiki:1"}]},
            "status": {"phase": "Pending"}});
        let scheduler = component(
            "kube-scheduler-cp-1",
            "kube-scheduler",
            json!({"name": "kube-scheduler", "ready": false, "restartCount": 19,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"reason": "Error", "exitCode": 1}}}),
        );
        snap.objects.insert("pods", vec![pending, scheduler]);
        snap.previous_logs.insert(
            (
                "kube-system".into(),
                "kube-scheduler-cp-1".into(),
                "kube-scheduler".into(),
            ),
            "Error: unknown flag: --address\n".into(),
        );
        let mut labels = std::collections::BTreeMap::new();
        labels.insert("namespace".to_string(), "wiki".to_string());
        labels.insert("pod".to_string(), "wiki-7d9-abcde".to_string());
        let alert = Alert::from_labels("KubePodNotReady", labels);
        let f = analyze(&snap, Some(&alert));
        assert_eq!(top_category(&f), Category::ControlPlane, "{f:#?}");
        assert_eq!(f[0].resource, "wiki/Pod/wiki-7d9-abcde");
        assert_eq!(f[0].relation, Relation::Alerted);
        assert!(
            f[0].because[0].contains("kube-scheduler"),
            "{:?}",
            f[0].because
        );
        assert!(f[0].quotes.iter().all(|q| q.tool == "describe_pod"));

        // The same pod with a scheduling decision (Unschedulable) is not "undecided".
        let decided = json!({"metadata": {"name": "wiki-7d9-abcde", "namespace": "wiki"},
            "spec": {"containers": [{"name": "wiki", "image": "wiki:1"}]},
            "status": {"phase": "Pending", "conditions": [
                {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}});
        snap.objects.insert("pods", vec![decided]);
        assert!(super::undecided_pods(&snap).is_empty());
    }

    #[test]
    fn an_api_alert_reads_the_logs_of_running_components_for_etcd_out_of_space() {
        let mut snap = Snapshot::default();
        snap.objects.insert(
            "pods",
            vec![
                component("etcd-cp-1", "etcd", running("etcd")),
                component(
                    "kube-apiserver-cp-1",
                    "kube-apiserver",
                    running("kube-apiserver"),
                ),
            ],
        );
        snap.control_plane_pods = vec![
            ("kube-system".into(), "etcd-cp-1".into()),
            ("kube-system".into(), "kube-apiserver-cp-1".into()),
        ];
        snap.logs.insert(
            ("kube-system".into(), "etcd-cp-1".into(), "etcd".into()),
            "{\"level\":\"info\",\"msg\":\"compacted\"}\n{\"level\":\"warn\",\"msg\":\"alarm raised\",\"alarm\":\"NOSPACE\"}\n".into(),
        );
        snap.logs.insert(
            (
                "kube-system".into(),
                "kube-apiserver-cp-1".into(),
                "kube-apiserver".into(),
            ),
            "I1027 03:40:00 healthz ok\n".into(),
        );
        let alert = Alert::from_labels("KubeAPIErrorBudgetBurn", Default::default());
        assert!(super::is_control_plane_alert(&alert));
        let f = analyze(&snap, Some(&alert));
        assert_eq!(top_category(&f), Category::ControlPlane, "{f:#?}");
        assert_eq!(f[0].resource, "kube-system/Pod/etcd-cp-1");
        assert!(f[0].quotes.iter().any(|q| q.text.contains("NOSPACE")));
        // Routine lines of a healthy component are not findings.
        assert!(!f.iter().any(|x| x.resource.contains("kube-apiserver")));
    }
}
