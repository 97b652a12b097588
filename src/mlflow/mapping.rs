//! What an investigation looks like in MLflow: the names of DESIGN's "MLflow mapping", kept
//! compatible with the original AIDA so its users recognise them.
use chrono::DateTime;
use serde_json::{Value, json};

use super::client::{MAX_PARAM_CHARS, Metric, Param, Tag};
use super::traces::{SpanData, otel_span_id};
use crate::report::TrajectoryStep;
use crate::store::{Feedback, Incident, Investigation};

pub const EXPERIMENT: &str = "AIDA_Investigations";
/// AIDA's own id of the investigation: the run is searched by it before one is created.
/// The alert's `namespace` label, when it has one.
pub const TAG_NAMESPACE: &str = "namespace";
pub const TAG_INVESTIGATION_ID: &str = "aida_investigation_id";
pub const ARTIFACT_ALERT: &str = "alert_payload.json";
pub const ARTIFACT_REPORT: &str = "final_report.json";
pub const ARTIFACT_FEEDBACK: &str = "human_feedback.txt";
/// The evidence the investigation read: the alert and every tool call's input and output.
pub const ARTIFACT_EVIDENCE_DIR: &str = "evidence_bundle";

/// `Incident-<incident_id>`.
pub fn run_name(incident_id: &str) -> String {
    format!("Incident-{incident_id}")
}

/// Milliseconds since the epoch of a stored RFC 3339 time (0 when unreadable).
pub(super) fn millis(rfc3339: &str) -> i64 {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.timestamp_millis())
        .unwrap_or(0)
}

/// Everything a run carries.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RunContent {
    pub run_name: String,
    pub start_ms: i64,
    pub end_ms: i64,
    /// `FINISHED` or `FAILED`.
    pub status: &'static str,
    /// Set when the run is created (they identify it).
    pub create_tags: Vec<Tag>,
    pub tags: Vec<Tag>,
    pub params: Vec<Param>,
    pub metrics: Vec<Metric>,
    /// (path, content, content type)
    pub artifacts: Vec<(String, Vec<u8>, &'static str)>,
}

fn tag(key: &str, value: impl Into<String>) -> Tag {
    Tag {
        key: key.into(),
        value: value.into(),
    }
}

/// The verdict tag value: the latest review's, `Pending` without one.
pub(super) fn feedback_status(latest: Option<&Feedback>) -> &'static str {
    latest.map_or("Pending", |f| f.verdict.as_str())
}

pub(super) fn run_content(
    incident: &Incident,
    inv: &Investigation,
    steps: &[TrajectoryStep],
    latest_feedback: Option<&Feedback>,
) -> RunContent {
    let start_ms = millis(&inv.started_at);
    let end_ms = inv
        .finished_at
        .as_deref()
        .map_or(start_ms, millis)
        .max(start_ms);
    let create_tags = vec![
        tag(TAG_INVESTIGATION_ID, inv.id.clone()),
        tag("incident_id", incident.id.clone()),
    ];
    let mut tags = vec![
        tag("alert_name", incident.alert_name.clone()),
        tag("investigation_status", inv.status.as_str()),
        tag("feedback_status", feedback_status(latest_feedback)),
    ];
    if let Some(category) = inv.category {
        tags.push(tag("category", category.as_str()));
    }
    if let Some(fp) = &incident.fingerprint {
        tags.push(tag("fingerprint", fp.clone()));
    }
    // For filtering by namespace without downloading each alert (`aida review --source mlflow`).
    if let Some(ns) = incident.alert["labels"]["namespace"].as_str() {
        tags.push(tag(TAG_NAMESPACE, ns));
    }

    let mut artifacts: Vec<(String, Vec<u8>, &'static str)> = Vec::new();
    let mut params = Vec::new();
    for (key, value) in [
        ("model", inv.model_name.clone()),
        (
            "adapter",
            inv.adapter.clone().unwrap_or_else(|| "none".into()),
        ),
        ("backend", inv.backend.clone()),
    ] {
        // MLflow truncates long params silently: the whole value goes to an artifact instead.
        if value.chars().count() > MAX_PARAM_CHARS {
            artifacts.push((
                format!("params/{key}.txt"),
                value.into_bytes(),
                "text/plain",
            ));
            params.push(Param {
                key: key.into(),
                value: format!(
                    "(longer than {MAX_PARAM_CHARS} characters: artifact params/{key}.txt)"
                ),
            });
        } else {
            params.push(Param {
                key: key.into(),
                value,
            });
        }
    }

    // One timestamp for every metric: a retry logs exactly the same values, which MLflow
    // stores once.
    let metric = |key: String, value: f64| Metric {
        key,
        value,
        timestamp: end_ms,
        step: 0,
    };
    let mut metrics = Vec::new();
    if let Some(map) = inv.timings.as_object() {
        for (k, v) in map {
            if let Some(ms) = v.as_f64().filter(|x| x.is_finite()) {
                metrics.push(metric(format!("duration_{k}_ms"), ms));
            }
        }
    }
    if let Some(map) = inv.tokens.as_object() {
        for (k, v) in map {
            if let Some(n) = v.as_f64().filter(|x| x.is_finite()) {
                metrics.push(metric(format!("tokens_{k}"), n));
            }
        }
    }
    let llm_calls = steps.iter().filter(|s| s.tool == "llm").count();
    metrics.push(metric(
        "tool_calls".into(),
        (steps.len() - llm_calls) as f64,
    ));
    metrics.push(metric("llm_calls".into(), llm_calls as f64));
    if let Some(c) = inv.confidence.filter(|c| c.is_finite()) {
        metrics.push(metric("confidence".into(), c));
    }

    let pretty = |v: &Value| serde_json::to_vec_pretty(v).unwrap_or_default();
    artifacts.push((
        ARTIFACT_ALERT.into(),
        pretty(&incident.alert),
        "application/json",
    ));
    let report = json!({
        "final_conclusion": inv.report.clone().unwrap_or_else(|| json!({"error": inv.error})),
        "full_trajectory": steps,
    });
    artifacts.push((ARTIFACT_REPORT.into(), pretty(&report), "application/json"));
    artifacts.push((
        format!("{ARTIFACT_EVIDENCE_DIR}/alert.json"),
        pretty(&incident.alert),
        "application/json",
    ));
    let tool_outputs: String = steps
        .iter()
        .map(|s| format!("{}\n", serde_json::to_string(s).unwrap_or_default()))
        .collect();
    artifacts.push((
        format!("{ARTIFACT_EVIDENCE_DIR}/tool_calls.jsonl"),
        tool_outputs.into_bytes(),
        "application/x-ndjson",
    ));

    RunContent {
        run_name: run_name(&incident.id),
        start_ms,
        end_ms,
        status: if inv.status == crate::store::InvestigationStatus::Failure {
            "FAILED"
        } else {
            "FINISHED"
        },
        create_tags,
        tags,
        params,
        metrics,
        artifacts,
    }
}

/// The trace of an investigation: a root span for the whole run and one child per trajectory
/// step (tool calls, LLM calls, runbook searches), laid end to end from the start since the
/// store keeps each step's duration, not its start.
pub(super) fn spans(
    incident: &Incident,
    inv: &Investigation,
    steps: &[TrajectoryStep],
) -> Vec<SpanData> {
    let start_ns = (millis(&inv.started_at).max(0) as u128) * 1_000_000;
    let total: u128 = steps.iter().map(|s| u128::from(s.duration_ms)).sum();
    let finished_ns = inv
        .finished_at
        .as_deref()
        .map_or(0, |f| millis(f).max(0) as u128 * 1_000_000);
    let root_id = otel_span_id(&inv.id, 0);
    let llm_steps = steps.iter().filter(|s| s.tool == "llm").count();
    let token_usage = token_usage(&inv.tokens);
    let mut root_attributes = vec![
        ("aida.incident_id".to_string(), json!(incident.id)),
        ("aida.investigation_id".to_string(), json!(inv.id)),
    ];
    if let Some(usage) = &token_usage {
        root_attributes.push(("mlflow.trace.tokenUsage".into(), usage.clone()));
    }
    let mut out = vec![SpanData {
        span_id: root_id.clone(),
        parent_span_id: None,
        name: format!("investigate {}", incident.alert_name),
        span_type: "AGENT",
        start_ns,
        end_ns: finished_ns.max(start_ns + total * 1_000_000),
        inputs: json!({"alert": incident.alert}),
        outputs: inv.report.as_ref().map_or_else(
            || json!({"error": inv.error}),
            |r| json!({"category": r["category"], "root_cause": r["root_cause"], "confidence": r["confidence"], "summary": r["summary"]}),
        ),
        attributes: root_attributes,
        error: inv.status == crate::store::InvestigationStatus::Failure,
    }];
    let mut cursor = start_ns;
    for (i, step) in steps.iter().enumerate() {
        let end = cursor + u128::from(step.duration_ms) * 1_000_000;
        let span_type = match step.tool.as_str() {
            "llm" => "LLM",
            "search_runbooks" => "RETRIEVER",
            _ => "TOOL",
        };
        let mut attributes = vec![("aida.step".to_string(), json!(step.step))];
        // Tokens are stored per investigation: they belong to its LLM call when there is one.
        if span_type == "LLM"
            && llm_steps == 1
            && let Some(usage) = &token_usage
        {
            attributes.push(("mlflow.chat.tokenUsage".into(), usage.clone()));
        }
        out.push(SpanData {
            span_id: otel_span_id(&inv.id, i + 1),
            parent_span_id: Some(root_id.clone()),
            name: step.tool.clone(),
            span_type,
            start_ns: cursor,
            end_ns: end,
            inputs: step.input.clone(),
            outputs: json!(step.output_excerpt),
            attributes,
            error: false,
        });
        cursor = end;
    }
    out
}

/// MLflow's token usage object from AIDA's token counts (`prompt`/`completion` or
/// `input`/`output` keys), when there are any.
fn token_usage(tokens: &Value) -> Option<Value> {
    let get = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| tokens.get(*k).and_then(Value::as_u64))
    };
    let input = get(&["prompt", "prompt_tokens", "input", "input_tokens"]);
    let output = get(&["completion", "completion_tokens", "output", "output_tokens"]);
    if input.is_none() && output.is_none() {
        return None;
    }
    let (i, o) = (input.unwrap_or(0), output.unwrap_or(0));
    Some(
        json!({"input_tokens": i, "output_tokens": o, "total_tokens": get(&["total", "total_tokens"]).unwrap_or(i + o)}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::InvestigationStatus;

    fn incident() -> Incident {
        Incident {
            id: "inc-1".into(),
            fingerprint: Some("fp".into()),
            alert_name: "KubePodCrashLooping".into(),
            alert: json!({"labels": {"alertname": "KubePodCrashLooping"}}),
            source: "cli".into(),
            created_at: "2026-01-01T00:00:00.000Z".into(),
            starts_at: None,
            notifications: 1,
            last_seen_at: None,
            resolved_at: None,
        }
    }

    fn investigation(adapter: Option<String>) -> Investigation {
        Investigation {
            id: "inv-1".into(),
            incident_id: "inc-1".into(),
            alert_name: "KubePodCrashLooping".into(),
            status: InvestigationStatus::Success,
            category: Some(crate::report::Category::OomKilled),
            confidence: Some(0.8),
            report: Some(json!({"category": "oom_killed", "root_cause": "OOM"})),
            error: None,
            backend: "local".into(),
            model_name: "gemma".into(),
            adapter,
            timings: json!({"total": 1200, "llm": 800}),
            tokens: json!({"prompt": 100, "completion": 20}),
            started_at: "2026-01-01T00:00:00.000Z".into(),
            finished_at: Some("2026-01-01T00:00:01.200Z".into()),
            prompt_input: None,
            runner: None,
            heartbeat_at: None,
        }
    }

    fn steps() -> Vec<TrajectoryStep> {
        ["search_runbooks", "get_pod_logs", "llm"]
            .iter()
            .enumerate()
            .map(|(i, tool)| TrajectoryStep {
                step: i as u32 + 1,
                tool: tool.to_string(),
                input: json!({"i": i}),
                output_excerpt: format!("out {i}"),
                duration_ms: 100,
            })
            .collect()
    }

    #[test]
    fn a_run_carries_the_mapping() {
        let c = run_content(&incident(), &investigation(None), &steps(), None);
        assert_eq!(c.run_name, "Incident-inc-1");
        let tags: Vec<_> = c
            .tags
            .iter()
            .map(|t| (t.key.as_str(), t.value.as_str()))
            .collect();
        assert!(tags.contains(&("investigation_status", "complete_success")));
        assert!(tags.contains(&("feedback_status", "Pending")));
        let params: Vec<_> = c
            .params
            .iter()
            .map(|p| (p.key.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(
            params,
            vec![
                ("model", "gemma"),
                ("adapter", "none"),
                ("backend", "local")
            ]
        );
        let metric = |k: &str| c.metrics.iter().find(|m| m.key == k).map(|m| m.value);
        assert_eq!(metric("tool_calls"), Some(2.0));
        assert_eq!(metric("llm_calls"), Some(1.0));
        assert_eq!(metric("duration_total_ms"), Some(1200.0));
        assert_eq!(metric("tokens_prompt"), Some(100.0));
        let paths: Vec<_> = c.artifacts.iter().map(|a| a.0.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "alert_payload.json",
                "final_report.json",
                "evidence_bundle/alert.json",
                "evidence_bundle/tool_calls.jsonl"
            ]
        );
        let report: Value = serde_json::from_slice(&c.artifacts[1].1).unwrap();
        assert_eq!(report["final_conclusion"]["root_cause"], "OOM");
        assert_eq!(report["full_trajectory"][1]["tool"], "get_pod_logs");
    }

    #[test]
    fn a_long_param_goes_to_an_artifact() {
        let long = "a".repeat(MAX_PARAM_CHARS + 10);
        let c = run_content(
            &incident(),
            &investigation(Some(long.clone())),
            &steps(),
            None,
        );
        let adapter = c.params.iter().find(|p| p.key == "adapter").unwrap();
        assert!(adapter.value.chars().count() <= MAX_PARAM_CHARS);
        let art = c
            .artifacts
            .iter()
            .find(|a| a.0 == "params/adapter.txt")
            .unwrap();
        assert_eq!(art.1, long.into_bytes());
    }

    #[test]
    fn one_span_per_step_under_a_root() {
        let s = spans(&incident(), &investigation(None), &steps());
        assert_eq!(s.len(), 4);
        assert!(
            s[1..]
                .iter()
                .all(|x| x.parent_span_id.as_deref() == Some(s[0].span_id.as_str()))
        );
        let types: Vec<_> = s.iter().map(|x| x.span_type).collect();
        assert_eq!(types, vec!["AGENT", "RETRIEVER", "TOOL", "LLM"]);
        assert_eq!(s[2].end_ns - s[2].start_ns, 100_000_000);
        assert_eq!(s[2].start_ns, s[1].end_ns);
        assert!(
            s[3].attributes
                .iter()
                .any(|(k, v)| k == "mlflow.chat.tokenUsage" && v["total_tokens"] == 120)
        );
        assert!(s[0].end_ns >= s[3].end_ns);
    }
}
