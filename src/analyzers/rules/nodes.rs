//! Nodes: conditions that make a node NotReady or under pressure.
use serde_json::json;

use super::{Ctx, arr, meta_name, s};
use crate::analyzers::facts::{LINE_CHARS, clip};
use crate::analyzers::quote;
use crate::evidence::render::condition_line;
use crate::report::Category;

pub(super) fn nodes(cx: &mut Ctx<'_>) {
    let snap = cx.snap;
    for node in snap.items("nodes") {
        let name = meta_name(node);
        let args = json!({"name": name});
        for c in arr(node, "/status/conditions") {
            let (t, st) = (s(c, "/type"), s(c, "/status"));
            let bad = (t == "Ready" && st != "True")
                || (matches!(
                    t,
                    "MemoryPressure" | "DiskPressure" | "PIDPressure" | "NetworkUnavailable"
                ) && st == "True");
            if bad {
                let reason = s(c, "/reason");
                let msg = s(c, "/message");
                let f = cx.add(
                    Category::NodeFailure,
                    format!("Node/{name}"),
                    format!(
                        "Node {name} {} ({t}={st}{}{}).",
                        if t == "Ready" {
                            "is NotReady".to_string()
                        } else {
                            format!("has {t}")
                        },
                        if reason.is_empty() {
                            String::new()
                        } else {
                            format!(", {reason}")
                        },
                        if msg.is_empty() {
                            String::new()
                        } else {
                            format!(": `{}`", clip(msg, LINE_CHARS))
                        }
                    ),
                    vec![quote(
                        "get_node",
                        args.clone(),
                        condition_line(c).trim().to_string(),
                    )],
                    if t == "Ready" { 0.9 } else { 0.84 },
                );
                f.actions.push(match t {
                    "Ready" => format!(
                        "Check the kubelet and container runtime on node {name} (systemctl status kubelet; journalctl -u kubelet) and its network reachability"
                    ),
                    "DiskPressure" => format!(
                        "Free disk on node {name} (unused images, logs, emptyDir usage) or grow its disk; pods are evicted until it recovers"
                    ),
                    "MemoryPressure" => format!(
                        "Find the pods using the most memory on node {name} and set memory limits; pods are evicted until it recovers"
                    ),
                    _ => format!("Check node {name}'s {t} condition and kubelet logs"),
                });
            }
        }
    }
}
