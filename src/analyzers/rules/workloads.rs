//! Workloads: Deployments whose rollout exceeded its progress deadline.
use serde_json::json;

use super::{Ctx, arr, meta_name, meta_ns, num, s};
use crate::analyzers::facts::{LINE_CHARS, clip};
use crate::analyzers::quote;
use crate::evidence::render::condition_line;
use crate::report::Category;

pub(super) fn deployments(cx: &mut Ctx<'_>) {
    let snap = cx.snap;
    for d in snap.items("deployments") {
        let (ns, name) = (meta_ns(d), meta_name(d));
        paused(cx, d);
        if let Some(c) = arr(d, "/status/conditions").iter().find(|c| {
            s(c, "/type") == "Progressing" && s(c, "/reason") == "ProgressDeadlineExceeded"
        }) {
            let args = json!({"namespace": ns, "kind": "Deployment", "name": name});
            let msg = s(c, "/message");
            cx.add(
                Category::RolloutStuck,
                format!("{ns}/Deployment/{name}"),
                format!(
                    "Deployment {name} exceeded its progress deadline (ProgressDeadlineExceeded{}): the new ReplicaSet never became available{}.",
                    num(d, "/spec/progressDeadlineSeconds")
                        .map(|s| format!(" after {s}s"))
                        .unwrap_or_default(),
                    if msg.is_empty() {
                        String::new()
                    } else {
                        format!(" (`{}`)", clip(msg, LINE_CHARS))
                    }
                ),
                vec![quote("get_workload", args, condition_line(c).trim().to_string())],
                0.72,
            );
        }
    }
}

/// A rollout someone paused and never resumed: part of the replicas run the new template.
fn paused(cx: &mut Ctx<'_>, d: &serde_json::Value) {
    let (ns, name) = (meta_ns(d), meta_name(d));
    let condition = arr(d, "/status/conditions")
        .iter()
        .find(|c| s(c, "/type") == "Progressing" && s(c, "/reason") == "DeploymentPaused");
    let paused = d.pointer("/spec/paused") == Some(&serde_json::Value::Bool(true));
    let want = num(d, "/spec/replicas").unwrap_or(1);
    let updated = num(d, "/status/updatedReplicas").unwrap_or(0);
    if !(paused || condition.is_some()) || updated >= want {
        return;
    }
    let args = json!({"namespace": ns, "kind": "Deployment", "name": name});
    let quotes = condition
        .map(|c| quote("get_workload", args, condition_line(c).trim().to_string()))
        .into_iter()
        .collect();
    let f = cx.add(
        Category::RolloutStuck,
        format!("{ns}/Deployment/{name}"),
        format!(
            "Deployment {name}'s rollout is paused (spec.paused=true, DeploymentPaused): only {updated} of {want} replicas run the new template, the rest the old one."
        ),
        quotes,
        0.8,
    );
    f.actions.push(format!(
        "Resume the rollout (kubectl rollout resume deployment/{name} -n {ns}) once the new version is confirmed good, or roll it back (kubectl rollout undo)"
    ));
}
