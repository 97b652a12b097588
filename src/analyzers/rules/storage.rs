//! Storage: PersistentVolumeClaims that do not bind (missing StorageClass, failing
//! provisioner), pods that cannot be scheduled because of them, and volumes that fail to
//! attach or mount.
use serde_json::{Value, json};

use super::pods::Pod;
use super::{Ctx, arr, meta_name, meta_ns, s};
use crate::analyzers::facts::{self, LINE_CHARS, clip};
use crate::analyzers::quote;
use crate::evidence::render::one_line;
use crate::report::Category;

/// Why a claim is not bound, from its class and events.
struct PvcState<'a> {
    /// Phase, class and the newest failure event, for the conclusion
    /// (`Pending; its StorageClass fast-ssd does not exist; ProvisioningFailed: ...`).
    why: String,
    missing_class: bool,
    /// The claim's newest Warning (or ProvisioningFailed) event.
    warning: Option<&'a Value>,
    /// Whether the claim has any events at all (a provisioner at work or failing).
    has_events: bool,
    action: Option<String>,
}

fn pvc_state<'a>(cx: &Ctx<'a>, pvc: &Value) -> PvcState<'a> {
    let (ns, name) = (meta_ns(pvc), meta_name(pvc));
    let sc = s(pvc, "/spec/storageClassName");
    let classes: Option<Vec<&str>> = cx
        .snap
        .objects
        .get("storageclasses")
        // An empty list says nothing (bundles often leave storage classes out).
        .filter(|v| !v.is_empty())
        .map(|v| v.iter().map(meta_name).collect());
    let events = cx.events(ns, "PersistentVolumeClaim", name);
    let has_events = !events.is_empty();
    let warning = events
        .into_iter()
        .rev()
        .find(|e| s(e, "/type") == "Warning" || s(e, "/reason") == "ProvisioningFailed");
    let event_msg = warning.map(|e| s(e, "/message")).unwrap_or("");
    let event_low = event_msg.to_ascii_lowercase();
    let missing_class = !sc.is_empty()
        && (classes.as_ref().is_some_and(|c| !c.contains(&sc))
            || (event_low.contains("storageclass") && event_low.contains("not found")));
    let phase = match s(pvc, "/status/phase") {
        "" => "no phase",
        p => p,
    };
    let event_text = warning.map(|e| {
        format!(
            "{}: `{}`",
            s(e, "/reason"),
            clip(s(e, "/message"), LINE_CHARS)
        )
    });
    let why = if missing_class {
        format!(
            "{phase}; its StorageClass {sc} does not exist{}",
            event_text.map(|t| format!("; {t}")).unwrap_or_default()
        )
    } else {
        let class = if sc.is_empty() {
            "no StorageClass".to_string()
        } else {
            format!("StorageClass {sc}")
        };
        format!(
            "{phase}, {class}{}",
            event_text.map(|t| format!("; {t}")).unwrap_or_default()
        )
    };
    let action = if missing_class {
        let known = classes
            .as_ref()
            .map(|c| format!(" (existing: {})", c.join(", ")))
            .unwrap_or_default();
        Some(format!(
            "Create StorageClass {sc}, or re-create PersistentVolumeClaim {name} with an existing storageClassName{known} (the field is immutable)"
        ))
    } else if !sc.is_empty() && warning.is_some() {
        Some(format!(
            "Check the provisioner of StorageClass {sc} (its controller pods and logs) and the events of PersistentVolumeClaim {name}"
        ))
    } else {
        None
    };
    PvcState {
        why,
        missing_class,
        warning,
        has_events,
        action,
    }
}

/// A FailedScheduling event about the pod's volumes (an unbound claim, volume node affinity);
/// whether it was one (other scheduling failures are scheduling's).
pub(super) fn unbound_volumes(cx: &mut Ctx<'_>, p: &Pod<'_>, e: &Value) -> bool {
    let (ns, name) = (p.ns, p.name);
    let msg = s(e, "/message");
    let low = msg.to_ascii_lowercase();
    if !(low.contains("persistentvolumeclaim")
        || low.contains("unbound")
        || low.contains("volume node affinity"))
    {
        return false;
    }
    let claims = pod_claims(p.pod);
    let (summary, details, actions) = match claims.iter().find_map(|c| {
        cx.pvc(ns, c)
            .filter(|pvc| s(pvc, "/status/phase") != "Bound")
    }) {
        Some(pvc) => {
            let st = pvc_state(cx, pvc);
            (
                format!(
                    "Pod {name} cannot be scheduled: its PersistentVolumeClaim {} is unbound ({}).",
                    meta_name(pvc),
                    st.why
                ),
                vec![format!("Scheduler: `{}`.", facts::scheduler_reasons(msg))],
                st.action.into_iter().collect(),
            )
        }
        None => (
            format!(
                "Pod {name} cannot be scheduled because of its volumes{}: {}.",
                if claims.is_empty() {
                    String::new()
                } else {
                    format!(" (PersistentVolumeClaim {})", claims.join(", "))
                },
                facts::scheduler_reasons(msg)
            ),
            Vec::new(),
            Vec::new(),
        ),
    };
    let f = cx.add(
        Category::Storage,
        p.resource.clone(),
        summary,
        vec![p.ev_quote(e)],
        0.88,
    );
    f.details = details;
    f.actions = actions;
    true
}

/// A FailedMount/FailedAttachVolume event that is not about configuration.
pub(super) fn failed_mount(cx: &mut Ctx<'_>, p: &Pod<'_>, e: &Value) {
    let reason = s(e, "/reason");
    let msg = s(e, "/message");
    let low = msg.to_ascii_lowercase();
    let volume = facts::volume_of(msg);
    let f = cx.add(
        Category::Storage,
        p.resource.clone(),
        format!(
            "Pod {} cannot {} a volume{} ({reason}): `{}`.",
            p.name,
            if reason == "FailedAttachVolume" {
                "attach"
            } else {
                "mount"
            },
            volume.map(|v| format!(" ({v})")).unwrap_or_default(),
            clip(msg, LINE_CHARS)
        ),
        vec![p.ev_quote(e)],
        0.85,
    );
    if low.contains("multi-attach") {
        f.actions.push(
            "The ReadWriteOnce volume is still attached to another node: let the old pod terminate (or detach it) before the new one starts, e.g. a Recreate strategy for single-replica workloads".into(),
        );
    }
}

fn pod_claims(pod: &Value) -> Vec<String> {
    arr(pod, "/spec/volumes")
        .iter()
        .map(|v| s(v, "/persistentVolumeClaim/claimName"))
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

pub(super) fn pvcs(cx: &mut Ctx<'_>) {
    let snap = cx.snap;
    for pvc in snap.items("persistentvolumeclaims") {
        if s(pvc, "/status/phase") == "Bound" {
            continue;
        }
        let (ns, name) = (meta_ns(pvc), meta_name(pvc));
        let args = json!({"namespace": ns, "name": name});
        let mut quotes = vec![quote(
            "get_pvc",
            args.clone(),
            format!(
                "Status:  {}",
                if s(pvc, "/status/phase").is_empty() {
                    "<none>"
                } else {
                    s(pvc, "/status/phase")
                }
            ),
        )];
        let st = pvc_state(cx, pvc);
        if let Some(e) = st.warning {
            quotes.push(quote("get_pvc", args.clone(), one_line(s(e, "/message"))));
        }
        let sc = s(pvc, "/spec/storageClassName");
        let class_listed = snap
            .objects
            .get("storageclasses")
            .is_some_and(|v| !v.is_empty());
        if st.missing_class && class_listed {
            quotes.push(quote(
                "get_pvc",
                args.clone(),
                format!("StorageClass {sc}: not found"),
            ));
        }
        let f = cx.add(
            Category::Storage,
            format!("{ns}/PersistentVolumeClaim/{name}"),
            format!("PersistentVolumeClaim {name} is not bound: {}.", st.why),
            quotes,
            if !st.has_events && !st.missing_class {
                0.7
            } else {
                0.87
            },
        );
        f.actions.extend(st.action);
    }
}
