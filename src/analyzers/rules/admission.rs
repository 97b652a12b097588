//! Admission: a controller cannot create its pods because the API server's admission webhooks
//! fail (unreachable, timing out, or serving an expired certificate) — a control-plane problem
//! that shows only as `FailedCreate` events on the ReplicaSet, StatefulSet, DaemonSet or Job.
use serde_json::json;

use super::{Ctx, meta_ns, s};
use crate::analyzers::facts::{LINE_CHARS, clip_tail};
use crate::analyzers::quote;
use crate::evidence::render::one_line;
use crate::report::Category;

/// The webhook's name from `failed calling webhook "name": ...`.
fn webhook_name(msg: &str) -> Option<&str> {
    let rest = msg.split("failed calling webhook \"").nth(1)?;
    rest.split('"').next().filter(|n| !n.is_empty())
}

pub(super) fn admission(cx: &mut Ctx<'_>) {
    let snap = cx.snap;
    let mut seen = std::collections::BTreeSet::new();
    for e in snap.items("events") {
        let msg = s(e, "/message");
        if s(e, "/reason") != "FailedCreate" || !msg.contains("failed calling webhook") {
            continue;
        }
        let ns = if meta_ns(e).is_empty() {
            s(e, "/involvedObject/namespace")
        } else {
            meta_ns(e)
        };
        let (kind, name) = (s(e, "/involvedObject/kind"), s(e, "/involvedObject/name"));
        if !seen.insert((kind.to_string(), name.to_string())) {
            continue;
        }
        let hook = webhook_name(msg).unwrap_or("an admission webhook");
        let low = msg.to_ascii_lowercase();
        let cert = low.contains("x509") || low.contains("certificate");
        let (category, why) = if cert {
            (
                Category::CertificateExpiry,
                "its serving certificate is rejected (x509)",
            )
        } else {
            (
                Category::ControlPlane,
                "the API server cannot get an answer from it",
            )
        };
        let args = json!({"namespace": ns, "kind": kind, "name": name});
        let f = cx.add(
            category,
            format!("{ns}/{kind}/{name}"),
            format!(
                "{kind} {name} cannot create pods: the admission webhook {hook} fails and {why} (`{}`).",
                clip_tail(msg, LINE_CHARS)
            ),
            vec![quote("list_events", args, one_line(msg))],
            0.92,
        );
        f.actions.push(if cert {
            format!(
                "Renew the serving certificate of webhook {hook} (its Secret / cert-manager Certificate) and make sure its caBundle matches; pods are created again once the API server trusts it"
            )
        } else {
            format!(
                "Check the pods and Service behind webhook {hook} (endpoints, NetworkPolicy from the API server, timeoutSeconds); with failurePolicy Fail every create is rejected while it is down"
            )
        });
    }
}
