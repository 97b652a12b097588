//! Compact, kubectl-like text renderings of API objects. Rendering works on the API's JSON
//! (not typed structs) so partial objects from hand-made or older bundles still render.
//! Analyzers quote lines produced by the same helpers, so their quotes appear verbatim in tool
//! outputs.
//!
//! `pods` (pods and containers), `workloads` (controllers), `events`, `nodes` (nodes and
//! volumes) and `prometheus` render one kind each; the JSON accessors they share are here.
use std::fmt::Write;

use serde_json::Value;

mod events;
mod nodes;
mod pods;
mod prometheus;
mod workloads;

pub(crate) use events::{event_time, events_block, sort_events};
pub(crate) use nodes::{node_text, pv_text, pvc_text};
pub(crate) use pods::{container_lines, describe_pod, pod_line, probe_text};
pub(crate) use prometheus::prom_text;
pub(crate) use workloads::workload_header;

pub(crate) fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

pub(crate) fn arr<'a>(v: &'a Value, ptr: &str) -> &'a [Value] {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

pub(crate) fn num(v: &Value, ptr: &str) -> Option<i64> {
    v.pointer(ptr).and_then(Value::as_i64)
}

/// `k=v, k2=v2` for a JSON object of scalars.
pub(crate) fn kv(v: Option<&Value>) -> String {
    match v.and_then(Value::as_object) {
        Some(m) if !m.is_empty() => m
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => "<none>".into(),
    }
}

pub(crate) fn name(obj: &Value) -> &str {
    s(obj, "/metadata/name")
}

fn namespace(obj: &Value) -> &str {
    s(obj, "/metadata/namespace")
}

pub(crate) fn one_line(text: &str) -> String {
    let t = text.trim().replace(['\n', '\r'], " ");
    if t.chars().count() > 400 {
        let cut: String = t.chars().take(400).collect();
        format!("{cut}…")
    } else {
        t
    }
}

fn or_none(v: &str) -> &str {
    if v.is_empty() { "<none>" } else { v }
}

pub(crate) fn condition_line(c: &Value) -> String {
    let mut out = format!("  {}={}", s(c, "/type"), s(c, "/status"));
    if !s(c, "/reason").is_empty() {
        let _ = write!(out, "  Reason={}", s(c, "/reason"));
    }
    if !s(c, "/message").is_empty() {
        let _ = write!(out, "  Message={}", one_line(s(c, "/message")));
    }
    out
}
