//! Nodes and storage (PersistentVolumeClaims, PersistentVolumes).
use std::fmt::Write;

use serde_json::Value;

use super::{arr, condition_line, kv, name, namespace, or_none, s};

pub(crate) fn node_text(node: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Node:  {}", name(node));
    let _ = writeln!(out, "Labels:  {}", kv(node.pointer("/metadata/labels")));
    if node.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
        let _ = writeln!(out, "Unschedulable:  true (cordoned)");
    }
    let taints = arr(node, "/spec/taints");
    let _ = writeln!(
        out,
        "Taints:  {}",
        if taints.is_empty() {
            "<none>".to_string()
        } else {
            taints
                .iter()
                .map(|t| format!("{}={}:{}", s(t, "/key"), s(t, "/value"), s(t, "/effect")))
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    let _ = writeln!(out, "Conditions:");
    for c in arr(node, "/status/conditions") {
        let _ = writeln!(out, "{}", condition_line(c));
    }
    let _ = writeln!(out, "Capacity:  {}", kv(node.pointer("/status/capacity")));
    let _ = writeln!(
        out,
        "Allocatable:  {}",
        kv(node.pointer("/status/allocatable"))
    );
    let ni = node.pointer("/status/nodeInfo");
    if let Some(ni) = ni {
        let _ = writeln!(
            out,
            "Kubelet:  {}  OS image: {}",
            s(ni, "/kubeletVersion"),
            s(ni, "/osImage")
        );
    }
    out
}

pub(crate) fn pvc_text(pvc: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "PersistentVolumeClaim:  {}/{}",
        namespace(pvc),
        name(pvc)
    );
    let _ = writeln!(out, "Status:  {}", or_none(s(pvc, "/status/phase")));
    let _ = writeln!(
        out,
        "StorageClass:  {}",
        or_none(s(pvc, "/spec/storageClassName"))
    );
    let _ = writeln!(out, "Volume:  {}", or_none(s(pvc, "/spec/volumeName")));
    let _ = writeln!(
        out,
        "Requested:  {}",
        kv(pvc.pointer("/spec/resources/requests"))
    );
    let modes: Vec<&str> = arr(pvc, "/spec/accessModes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let _ = writeln!(out, "Access Modes:  {}", modes.join(","));
    for c in arr(pvc, "/status/conditions") {
        let _ = writeln!(out, "{}", condition_line(c));
    }
    out
}

pub(crate) fn pv_text(pv: &Value) -> String {
    format!(
        "PersistentVolume:  {}  Status: {}  Claim: {}/{}  StorageClass: {}  Capacity: {}  Reclaim: {}\n",
        name(pv),
        or_none(s(pv, "/status/phase")),
        s(pv, "/spec/claimRef/namespace"),
        s(pv, "/spec/claimRef/name"),
        or_none(s(pv, "/spec/storageClassName")),
        kv(pv.pointer("/spec/capacity")),
        or_none(s(pv, "/spec/persistentVolumeReclaimPolicy")),
    )
}
