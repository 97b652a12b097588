//! Prometheus answers.
use std::fmt::Write;

use serde_json::Value;

use super::{arr, s};

/// A Prometheus answer as lines: one per series.
pub(crate) fn prom_text(resp: &Value) -> String {
    let data = resp.get("data").unwrap_or(&Value::Null);
    let mut out = String::new();
    let metric = |m: &Value| {
        let labels = m.as_object().map(|o| {
            o.iter()
                .map(|(k, v)| format!("{k}=\"{}\"", v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(", ")
        });
        format!("{{{}}}", labels.unwrap_or_default())
    };
    match s(data, "/resultType") {
        "vector" => {
            let r = arr(data, "/result");
            if r.is_empty() {
                out.push_str("(empty result: no series matched)\n");
            }
            for series in r {
                let v = series.get("value").and_then(Value::as_array);
                let val = v
                    .and_then(|v| v.get(1))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let _ = writeln!(
                    out,
                    "{} => {val}",
                    metric(series.get("metric").unwrap_or(&Value::Null))
                );
            }
        }
        "matrix" => {
            let r = arr(data, "/result");
            if r.is_empty() {
                out.push_str("(empty result: no series matched)\n");
            }
            for series in r {
                let pts: Vec<f64> = arr(series, "/values")
                    .iter()
                    .filter_map(|p| {
                        p.get(1)
                            .and_then(Value::as_str)
                            .and_then(|v| v.parse().ok())
                    })
                    .collect();
                let min = pts.iter().cloned().fold(f64::INFINITY, f64::min);
                let max = pts.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let last = pts.last().copied().unwrap_or(f64::NAN);
                let _ = writeln!(
                    out,
                    "{}  points={}  min={}  max={}  last={}",
                    metric(series.get("metric").unwrap_or(&Value::Null)),
                    pts.len(),
                    fmt_f(min),
                    fmt_f(max),
                    fmt_f(last)
                );
            }
        }
        "scalar" | "string" => {
            let v = data.get("result").and_then(Value::as_array);
            let _ = writeln!(
                out,
                "{}",
                v.and_then(|v| v.get(1))
                    .and_then(Value::as_str)
                    .unwrap_or("")
            );
        }
        _ => {
            let _ = writeln!(out, "{}", data);
        }
    }
    for w in arr(resp, "/warnings") {
        let _ = writeln!(out, "warning: {}", w.as_str().unwrap_or(""));
    }
    out
}

fn fmt_f(x: f64) -> String {
    if x.is_finite() {
        let r = (x * 10000.0).round() / 10000.0;
        format!("{r}")
    } else {
        "NaN".into()
    }
}
