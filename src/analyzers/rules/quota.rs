//! Resource quotas: pods a ResourceQuota refuses to admit (events, ReplicaFailure conditions).
use serde_json::json;

use super::{Ctx, arr, meta_name, meta_ns, s};
use crate::analyzers::facts;
use crate::analyzers::quote;
use crate::evidence::render::{condition_line, one_line};
use crate::report::Category;

/// The quota finding's words for an admission message, and what to do.
fn quota_words(kind: &str, name: &str, msg: &str) -> (String, Option<String>) {
    match facts::quota_denial(msg) {
        Some(facts::QuotaDenial::Exceeded {
            quota,
            requested,
            used,
            limited,
        }) => {
            let what = facts::quota_resources(&requested);
            (
                format!(
                    "{kind} {name} cannot create pods: ResourceQuota {quota} is exceeded for {what} (requested {requested}, used {used}, limited {limited})."
                ),
                Some(format!(
                    "Raise ResourceQuota {quota}'s hard {what}, free {what} used by other workloads in the namespace, or lower the requests of {kind} {name}"
                )),
            )
        }
        Some(facts::QuotaDenial::MustSpecify {
            quota,
            resources,
            containers,
        }) => {
            let who = if containers.is_empty() {
                "its containers".to_string()
            } else {
                format!("container(s) {containers}")
            };
            (
                format!(
                    "{kind} {name} cannot create pods: ResourceQuota {quota} covers {resources}, so every pod must specify it, and {who} do not set {resources}."
                ),
                Some(format!(
                    "Set {resources} in the resources of {who} (ResourceQuota {quota} requires it), or add a LimitRange with default values to the namespace"
                )),
            )
        }
        None => (
            format!("{kind} {name} cannot create pods: a ResourceQuota denies them."),
            None,
        ),
    }
}

pub(super) fn quota(cx: &mut Ctx<'_>) {
    let snap = cx.snap;
    let mut seen = std::collections::BTreeSet::new();
    for e in snap.items("events") {
        let msg = s(e, "/message");
        if !(msg.contains("exceeded quota") || msg.contains("failed quota")) {
            continue;
        }
        let ns = if meta_ns(e).is_empty() {
            s(e, "/involvedObject/namespace")
        } else {
            meta_ns(e)
        };
        let kind = s(e, "/involvedObject/kind");
        let name = s(e, "/involvedObject/name");
        if !seen.insert((kind.to_string(), name.to_string())) {
            continue;
        }
        let args = json!({"namespace": ns, "kind": kind, "name": name});
        let (summary, action) = quota_words(kind, name, msg);
        let f = cx.add(
            Category::QuotaExceeded,
            format!("{ns}/{kind}/{name}"),
            summary,
            vec![quote("list_events", args, one_line(msg))],
            0.93,
        );
        f.actions.extend(action);
    }
    for d in snap.items("deployments") {
        if let Some(c) = arr(d, "/status/conditions").iter().find(|c| {
            s(c, "/type") == "ReplicaFailure"
                && s(c, "/status") == "True"
                && s(c, "/message").contains("quota")
        }) {
            let (ns, name) = (meta_ns(d), meta_name(d));
            if seen.insert(("Deployment".into(), name.to_string())) {
                let args = json!({"namespace": ns, "kind": "Deployment", "name": name});
                let (summary, action) = quota_words("Deployment", name, s(c, "/message"));
                let f = cx.add(
                    Category::QuotaExceeded,
                    format!("{ns}/Deployment/{name}"),
                    summary,
                    vec![quote(
                        "get_workload",
                        args,
                        condition_line(c).trim().to_string(),
                    )],
                    0.93,
                );
                f.actions.extend(action);
            }
        }
    }
}
