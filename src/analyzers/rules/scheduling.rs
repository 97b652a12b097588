//! Scheduling: FailedScheduling for reasons other than volumes (requests no node fits,
//! untolerated taints, pod (anti-)affinity, nodeSelector and node affinity).
use serde_json::Value;

use super::pods::Pod;
use super::{Ctx, arr, s};
use crate::analyzers::facts;
use crate::report::Category;

/// The FailedScheduling finding for reasons other than volumes: names the pod's constraint
/// (nodeSelector labels no node has, requests no node fits, taints it does not tolerate).
pub(super) fn unschedulable(cx: &mut Ctx<'_>, p: &Pod<'_>, e: &Value) {
    let (pod, name) = (p.pod, p.name);
    let msg = s(e, "/message");
    let low = msg.to_ascii_lowercase();
    let reasons = facts::scheduler_reasons(msg);
    let mut details = Vec::new();
    let mut actions = Vec::new();
    let why = if low.contains("insufficient") {
        let requests = pod_requests(pod);
        if requests.is_empty() {
            "not enough allocatable resources on any node".to_string()
        } else {
            actions.push(format!(
                "Lower the requests of pod {name} ({requests}) to what a node can allocate, or add nodes with that much free capacity"
            ));
            format!("not enough allocatable resources on any node for its requests ({requests})")
        }
    } else if low.contains("taint") {
        let taints = facts::taints(msg);
        if taints.is_empty() {
            "untolerated node taints".to_string()
        } else {
            actions.push(format!(
                "If pod {name} should run on those nodes, add a toleration for {}; otherwise make untainted capacity available",
                taints.join(", ")
            ));
            format!(
                "it does not tolerate the node taint(s) {}",
                taints.join(", ")
            )
        }
    } else if low.contains("pod anti-affinity") || low.contains("pod affinity") {
        let anti = low.contains("anti-affinity");
        let rules = pod_affinity_terms(pod, anti);
        let which = if anti {
            "podAntiAffinity"
        } else {
            "podAffinity"
        };
        let rules_text = if rules.is_empty() {
            String::new()
        } else {
            format!(" ({})", rules.join("; "))
        };
        actions.push(format!(
            "Relax the required {which} of pod {name}{rules_text} (preferredDuringScheduling, or a wider topologyKey), lower the replica count, or add nodes"
        ));
        format!("its required {which} rules{rules_text} leave no node that fits")
    } else if low.contains("affinity") || low.contains("selector") {
        let selector = node_selector(pod);
        let affinity = required_affinity(pod);
        let nodes = cx.snap.items("nodes");
        if !selector.is_empty() {
            let unmatched: Vec<&(String, String)> = selector
                .iter()
                .filter(|(k, v)| {
                    !nodes.iter().any(|n| {
                        s(
                            n,
                            &format!(
                                "/metadata/labels/{}",
                                k.replace('~', "~0").replace('/', "~1")
                            ),
                        ) == v
                    })
                })
                .collect();
            let pairs: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
            if !nodes.is_empty() && !unmatched.is_empty() {
                let missing: Vec<String> =
                    unmatched.iter().map(|(k, v)| format!("{k}={v}")).collect();
                details.push(format!(
                    "None of the {} node(s) has the label {}.",
                    nodes.len(),
                    missing.join(", ")
                ));
            }
            actions.push(format!(
                "Add the label {} to a node that should run pod {name} (kubectl label node NODE {}), or remove the nodeSelector from its workload",
                pairs.join(", "),
                pairs.join(" ")
            ));
            format!("no node matches its nodeSelector {}", pairs.join(", "))
        } else if !affinity.is_empty() {
            actions.push(format!(
                "Label a node to satisfy the required node affinity of pod {name} ({}), or relax the affinity",
                affinity.join("; ")
            ));
            format!(
                "no node matches its required node affinity ({})",
                affinity.join("; ")
            )
        } else {
            "no node matches its node selector/affinity".to_string()
        }
    } else {
        "the scheduler found no fitting node".to_string()
    };
    let f = cx.add(
        Category::Unschedulable,
        p.resource.clone(),
        format!("Pod {name} is Pending: {why} (scheduler: `{reasons}`)."),
        vec![p.ev_quote(e)],
        0.9,
    );
    f.details = details;
    f.actions = actions;
}

/// Required pod (anti-)affinity terms, as `app=web per kubernetes.io/hostname`.
fn pod_affinity_terms(pod: &Value, anti: bool) -> Vec<String> {
    let ptr = if anti {
        "/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution"
    } else {
        "/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution"
    };
    arr(pod, ptr)
        .iter()
        .map(|term| {
            let mut labels: Vec<String> = term
                .pointer("/labelSelector/matchLabels")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                        .collect()
                })
                .unwrap_or_default();
            labels.extend(
                arr(term, "/labelSelector/matchExpressions")
                    .iter()
                    .map(|e| {
                        let values: Vec<&str> =
                            arr(e, "/values").iter().filter_map(Value::as_str).collect();
                        format!(
                            "{} {} ({})",
                            s(e, "/key"),
                            s(e, "/operator"),
                            values.join(", ")
                        )
                    }),
            );
            format!("{} per {}", labels.join(", "), s(term, "/topologyKey"))
        })
        .collect()
}

/// `key=value` pairs of the pod's nodeSelector.
fn node_selector(pod: &Value) -> Vec<(String, String)> {
    pod.pointer("/spec/nodeSelector")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Required node-affinity expressions, as `key In (a, b)`.
fn required_affinity(pod: &Value) -> Vec<String> {
    arr(
        pod,
        "/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms",
    )
    .iter()
    .flat_map(|t| arr(t, "/matchExpressions"))
    .map(|e| {
        let values: Vec<&str> = arr(e, "/values").iter().filter_map(Value::as_str).collect();
        if values.is_empty() {
            format!("{} {}", s(e, "/key"), s(e, "/operator"))
        } else {
            format!("{} {} ({})", s(e, "/key"), s(e, "/operator"), values.join(", "))
        }
    })
    .collect()
}

/// What the pod's containers request, e.g. `cpu: 8, memory: 32Gi` (per container when several
/// request something).
fn pod_requests(pod: &Value) -> String {
    let per: Vec<(String, String)> = arr(pod, "/spec/containers")
        .iter()
        .filter_map(|c| {
            // Without requests, Kubernetes requests what the limits say (extended resources
            // such as GPUs are usually only given as limits).
            let m = c
                .pointer("/resources/requests")
                .and_then(Value::as_object)
                .filter(|m| !m.is_empty())
                .or_else(|| c.pointer("/resources/limits").and_then(Value::as_object))?;
            let text = m
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{k}: {}",
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string())
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            (!text.is_empty()).then(|| (s(c, "/name").to_string(), text))
        })
        .collect();
    match per.as_slice() {
        [] => String::new(),
        [(_, one)] => one.clone(),
        many => many
            .iter()
            .map(|(c, t)| format!("{c}: {t}"))
            .collect::<Vec<_>>()
            .join("; "),
    }
}
