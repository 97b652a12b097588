//! Metrics: Prometheus answers in the snapshot (CPU throttling per container).
use serde_json::{Value, json};

use super::{Ctx, arr, s};
use crate::analyzers::{quote, throttling_query};
use crate::report::Category;

pub(super) fn metrics(cx: &mut Ctx<'_>) {
    let snap = cx.snap;
    for (q, resp) in &snap.metrics {
        for series in arr(resp, "/data/result") {
            let v: f64 = series
                .pointer("/value/1")
                .and_then(Value::as_str)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0);
            if v < 0.25 {
                continue;
            }
            let pod = s(series, "/metric/pod");
            let container = s(series, "/metric/container");
            let ns = q
                .split("namespace=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or("");
            debug_assert!(*q == throttling_query(ns));
            // The line as promql_query renders it.
            let text = crate::evidence::render::prom_text(
                &json!({"data": {"resultType": "vector", "result": [series]}}),
            );
            cx.add(
                Category::ResourceSaturation,
                format!("{ns}/Pod/{pod}"),
                format!("Container {container} of pod {pod} is CPU-throttled {:.0}% of the time: its CPU limit is too low for its load.", v * 100.0),
                vec![quote("promql_query", json!({"query": q}), text.trim().to_string())],
                0.86,
            );
        }
    }
}
