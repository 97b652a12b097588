//! Deployments, StatefulSets, DaemonSets, Jobs and CronJobs: rollout status and a header.
use std::fmt::Write;

use serde_json::Value;

use super::{arr, condition_line, container_lines, kv, name, namespace, num, or_none, s};

/// kubectl rollout status, in words, for a Deployment/StatefulSet/DaemonSet.
fn rollout_status(kind: &str, obj: &Value) -> String {
    let n = name(obj);
    let generation = num(obj, "/metadata/generation").unwrap_or(0);
    let observed = num(obj, "/status/observedGeneration").unwrap_or(0);
    if observed < generation {
        return format!(
            "Waiting for {} spec update to be observed...",
            kind.to_lowercase()
        );
    }
    match kind {
        "Deployment" => {
            if let Some(c) = arr(obj, "/status/conditions")
                .iter()
                .find(|c| s(c, "/type") == "Progressing")
                && s(c, "/reason") == "ProgressDeadlineExceeded"
            {
                return format!("error: deployment \"{n}\" exceeded its progress deadline");
            }
            let want = num(obj, "/spec/replicas").unwrap_or(1);
            let updated = num(obj, "/status/updatedReplicas").unwrap_or(0);
            let total = num(obj, "/status/replicas").unwrap_or(0);
            let avail = num(obj, "/status/availableReplicas").unwrap_or(0);
            if updated < want {
                format!(
                    "Waiting for deployment \"{n}\" rollout to finish: {updated} out of {want} new replicas have been updated..."
                )
            } else if total > updated {
                format!(
                    "Waiting for deployment \"{n}\" rollout to finish: {} old replicas are pending termination...",
                    total - updated
                )
            } else if avail < updated {
                format!(
                    "Waiting for deployment \"{n}\" rollout to finish: {avail} of {updated} updated replicas are available..."
                )
            } else {
                format!("deployment \"{n}\" successfully rolled out")
            }
        }
        "StatefulSet" => {
            let want = num(obj, "/spec/replicas").unwrap_or(1);
            let ready = num(obj, "/status/readyReplicas").unwrap_or(0);
            if ready < want {
                format!("Waiting for {} pods to be ready...", want - ready)
            } else {
                format!("statefulset rolling update complete {ready} pods")
            }
        }
        "DaemonSet" => {
            let want = num(obj, "/status/desiredNumberScheduled").unwrap_or(0);
            let updated = num(obj, "/status/updatedNumberScheduled").unwrap_or(0);
            let avail = num(obj, "/status/numberAvailable").unwrap_or(0);
            if updated < want {
                format!(
                    "Waiting for daemon set \"{n}\" rollout to finish: {updated} out of {want} new pods have been updated..."
                )
            } else if avail < want {
                format!(
                    "Waiting for daemon set \"{n}\" rollout to finish: {avail} of {want} updated pods are available..."
                )
            } else {
                format!("daemon set \"{n}\" successfully rolled out")
            }
        }
        _ => String::new(),
    }
}

pub(crate) fn workload_header(kind: &str, obj: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{kind}:  {}/{}", namespace(obj), name(obj));
    let _ = writeln!(out, "Labels:  {}", kv(obj.pointer("/metadata/labels")));
    match kind {
        "Deployment" | "StatefulSet" | "ReplicaSet" => {
            let _ = writeln!(
                out,
                "Replicas:  {} desired | {} updated | {} total | {} ready | {} available",
                num(obj, "/spec/replicas").unwrap_or(1),
                num(obj, "/status/updatedReplicas").unwrap_or(0),
                num(obj, "/status/replicas").unwrap_or(0),
                num(obj, "/status/readyReplicas").unwrap_or(0),
                num(obj, "/status/availableReplicas").unwrap_or(0),
            );
        }
        "DaemonSet" => {
            let _ = writeln!(
                out,
                "Pods:  {} desired | {} current | {} updated | {} ready | {} available | {} misscheduled",
                num(obj, "/status/desiredNumberScheduled").unwrap_or(0),
                num(obj, "/status/currentNumberScheduled").unwrap_or(0),
                num(obj, "/status/updatedNumberScheduled").unwrap_or(0),
                num(obj, "/status/numberReady").unwrap_or(0),
                num(obj, "/status/numberAvailable").unwrap_or(0),
                num(obj, "/status/numberMisscheduled").unwrap_or(0),
            );
        }
        "Job" => {
            let _ = writeln!(
                out,
                "Pods Statuses:  {} active | {} succeeded | {} failed  (completions {}, parallelism {}, backoffLimit {})",
                num(obj, "/status/active").unwrap_or(0),
                num(obj, "/status/succeeded").unwrap_or(0),
                num(obj, "/status/failed").unwrap_or(0),
                num(obj, "/spec/completions").unwrap_or(1),
                num(obj, "/spec/parallelism").unwrap_or(1),
                num(obj, "/spec/backoffLimit").unwrap_or(6),
            );
            if let Some(d) = num(obj, "/spec/activeDeadlineSeconds") {
                let _ = writeln!(out, "Active Deadline Seconds:  {d}s");
            }
        }
        "CronJob" => {
            let _ = writeln!(
                out,
                "Schedule:  {}  suspend={}",
                s(obj, "/spec/schedule"),
                obj.pointer("/spec/suspend")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            );
            let _ = writeln!(
                out,
                "Last Schedule Time:  {}",
                or_none(s(obj, "/status/lastScheduleTime"))
            );
            let _ = writeln!(
                out,
                "Last Successful Time:  {}",
                or_none(s(obj, "/status/lastSuccessfulTime"))
            );
            let active: Vec<&str> = arr(obj, "/status/active")
                .iter()
                .map(|a| s(a, "/name"))
                .collect();
            let _ = writeln!(
                out,
                "Active Jobs:  {}",
                if active.is_empty() {
                    "<none>".to_string()
                } else {
                    active.join(", ")
                }
            );
        }
        _ => {}
    }
    let status = rollout_status(kind, obj);
    if !status.is_empty() {
        let _ = writeln!(out, "Rollout Status:  {status}");
    }
    let conds = arr(obj, "/status/conditions");
    if !conds.is_empty() {
        let _ = writeln!(out, "Conditions:");
        for c in conds {
            let _ = writeln!(out, "{}", condition_line(c));
        }
    }
    let tmpl = if kind == "CronJob" {
        "/spec/jobTemplate/spec/template/spec"
    } else {
        "/spec/template/spec"
    };
    let containers = arr(obj, &format!("{tmpl}/containers"));
    if !containers.is_empty() {
        let _ = writeln!(out, "Pod Template:");
        for c in containers {
            for line in container_lines(c, None) {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out
}
