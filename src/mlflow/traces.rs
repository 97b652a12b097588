//! MLflow 3 traces: the trajectory as OTLP/HTTP JSON spans (`POST /v1/traces`), and human
//! assessments on a trace (`/api/3.0/mlflow/traces/{trace_id}/assessments`).
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{Client, MlflowError};

/// One span to send: ids are hex (OTLP JSON), times nanoseconds since the epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanData {
    pub span_id: String,
    pub parent_span_id: Option<String>,
    pub name: String,
    /// MLflow's span type: `AGENT`, `TOOL`, `LLM`, `RETRIEVER`.
    pub span_type: &'static str,
    pub start_ns: u128,
    pub end_ns: u128,
    pub inputs: Value,
    pub outputs: Value,
    /// Extra attributes (token usage and the like), JSON values.
    pub attributes: Vec<(String, Value)>,
    pub error: bool,
}

/// The OTLP trace id (32 hex digits) AIDA gives an investigation: derived from its id, so a
/// retry sends the same trace again instead of a second one.
pub fn otel_trace_id(investigation_id: &str) -> String {
    hex::encode(&Sha256::digest(format!("aida-trace:{investigation_id}"))[..16])
}

/// A span id (16 hex digits) derived from the investigation and the span's place in it.
pub fn otel_span_id(investigation_id: &str, index: usize) -> String {
    let digest = Sha256::digest(format!("aida-span:{investigation_id}:{index}"));
    let id = hex::encode(&digest[..8]);
    // An all-zero span id is invalid in OTLP.
    if id == "0000000000000000" {
        "0000000000000001".into()
    } else {
        id
    }
}

/// MLflow's trace id for an OTLP trace id.
pub fn mlflow_trace_id(otel_trace_id: &str) -> String {
    format!("tr-{otel_trace_id}")
}

/// A JSON value as an OTLP `AnyValue` (objects become key-value lists, so MLflow shows them as
/// structured inputs and outputs rather than strings).
fn any_value(value: &Value) -> Value {
    match value {
        Value::Null => json!({}),
        Value::Bool(b) => json!({"boolValue": b}),
        Value::Number(n) => match n.as_i64() {
            Some(i) => json!({"intValue": i.to_string()}),
            // Only finite numbers exist in serde_json.
            None => json!({"doubleValue": n.as_f64().unwrap_or_default()}),
        },
        Value::String(s) => json!({"stringValue": s}),
        Value::Array(items) => {
            json!({"arrayValue": {"values": items.iter().map(any_value).collect::<Vec<_>>()}})
        }
        Value::Object(map) => json!({"kvlistValue": {"values": map
            .iter()
            .map(|(k, v)| json!({"key": k, "value": any_value(v)}))
            .collect::<Vec<_>>()}}),
    }
}

/// The OTLP/HTTP JSON export request of one trace.
pub fn export_request(trace_id: &str, spans: &[SpanData]) -> Value {
    let spans: Vec<Value> = spans
        .iter()
        .map(|s| {
            let mut attributes = vec![
                json!({"key": "mlflow.spanType", "value": any_value(&json!(s.span_type))}),
                json!({"key": "mlflow.spanInputs", "value": any_value(&s.inputs)}),
                json!({"key": "mlflow.spanOutputs", "value": any_value(&s.outputs)}),
            ];
            attributes.extend(
                s.attributes
                    .iter()
                    .map(|(k, v)| json!({"key": k, "value": any_value(v)})),
            );
            let mut span = json!({
                "traceId": trace_id,
                "spanId": s.span_id,
                "name": s.name,
                "kind": 1,
                "startTimeUnixNano": s.start_ns.to_string(),
                "endTimeUnixNano": s.end_ns.to_string(),
                "attributes": attributes,
                "status": {"code": if s.error { 2 } else { 1 }},
            });
            if let Some(parent) = &s.parent_span_id {
                span["parentSpanId"] = json!(parent);
            }
            span
        })
        .collect();
    json!({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "aida"}}]},
        "scopeSpans": [{"scope": {"name": "aida"}, "spans": spans}],
    }]})
}

/// What `GET /api/3.0/mlflow/traces/{id}` says about a trace.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TraceInfo {
    pub trace_id: String,
    #[serde(default)]
    pub assessments: Vec<Assessment>,
    #[serde(default)]
    pub trace_metadata: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub tags: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Assessment {
    #[serde(default)]
    pub assessment_id: Option<String>,
    pub assessment_name: String,
    #[serde(default)]
    pub source: Option<AssessmentSource>,
    #[serde(default)]
    pub feedback: Option<ValueHolder>,
    #[serde(default)]
    pub expectation: Option<ValueHolder>,
    #[serde(default)]
    pub rationale: Option<String>,
    #[serde(default)]
    pub metadata: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub valid: Option<bool>,
}

impl Assessment {
    /// The reviewer's comment: the rationale of a feedback, the metadata of an expectation
    /// (MLflow keeps no rationale on expectations).
    pub fn comment(&self) -> Option<&str> {
        self.rationale
            .as_deref()
            .or_else(|| self.metadata.get("comment").map(String::as_str))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AssessmentSource {
    pub source_type: String,
    #[serde(default)]
    pub source_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ValueHolder {
    #[serde(default)]
    pub value: Value,
}

/// A human assessment to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAssessment {
    pub name: String,
    pub reviewer: String,
    /// A verdict (feedback) or the corrected report (expectation).
    pub value: AssessmentValue,
    pub rationale: Option<String>,
    pub metadata: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AssessmentValue {
    Feedback(Value),
    Expectation(Value),
}

impl Client {
    /// Sends one trace's spans as OTLP/HTTP JSON into `experiment_id`, linked to `run_id`.
    pub async fn export_trace(
        &self,
        experiment_id: &str,
        run_id: Option<&str>,
        trace_id: &str,
        spans: &[SpanData],
    ) -> Result<(), MlflowError> {
        let endpoint = "/v1/traces";
        let mut request = self
            .request(Method::POST, endpoint)
            .header("x-mlflow-experiment-id", experiment_id)
            .json(&export_request(trace_id, spans));
        if let Some(run) = run_id {
            request = request.header("x-mlflow-run-id", run);
        }
        self.send_raw(endpoint, request).await.map(drop)
    }

    /// Removes an assessment (a review undone); one already gone is fine.
    pub async fn delete_assessment(
        &self,
        trace_id: &str,
        assessment_id: &str,
    ) -> Result<(), MlflowError> {
        let path = format!("/api/3.0/mlflow/traces/{trace_id}/assessments/{assessment_id}");
        match self
            .send::<Value>(&path, self.request(Method::DELETE, &path))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// A trace's info with its assessments, or None when MLflow has no such trace.
    pub async fn trace_info(&self, trace_id: &str) -> Result<Option<TraceInfo>, MlflowError> {
        #[derive(Deserialize)]
        struct Answer {
            trace: Trace,
        }
        #[derive(Deserialize)]
        struct Trace {
            trace_info: TraceInfo,
        }
        let path = format!("/api/3.0/mlflow/traces/{trace_id}");
        match self
            .send::<Answer>(&path, self.request(Method::GET, &path))
            .await
        {
            Ok(answer) => Ok(Some(answer.trace.trace_info)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The names of a trace's spans (from the full trace).
    pub async fn trace_span_names(&self, trace_id: &str) -> Result<Vec<String>, MlflowError> {
        let path = "/api/3.0/mlflow/traces/get";
        let answer: Value = self
            .send(
                path,
                self.request(Method::GET, path)
                    .query(&[("trace_id", trace_id)]),
            )
            .await?;
        Ok(answer["trace"]["spans"]
            .as_array()
            .map(|spans| {
                spans
                    .iter()
                    .filter_map(|s| s["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The ids of the traces of an experiment (at most `max`).
    pub async fn search_trace_ids(
        &self,
        experiment_id: &str,
        max: usize,
    ) -> Result<Vec<String>, MlflowError> {
        let path = "/api/3.0/mlflow/traces/search";
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut body = json!({
                "locations": [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": experiment_id}}],
                "max_results": max.saturating_sub(ids.len()).clamp(1, 500),
            });
            if let Some(t) = &token {
                body["page_token"] = json!(t);
            }
            let answer: Value = self
                .send(path, self.request(Method::POST, path).json(&body))
                .await?;
            if let Some(traces) = answer["traces"].as_array() {
                ids.extend(
                    traces
                        .iter()
                        .filter_map(|t| t["trace_id"].as_str().map(str::to_string)),
                );
            }
            token = answer["next_page_token"]
                .as_str()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() || ids.len() >= max {
                return Ok(ids);
            }
        }
    }

    /// Creates a HUMAN assessment on a trace; returns its id.
    pub async fn create_assessment(
        &self,
        trace_id: &str,
        new: &NewAssessment,
    ) -> Result<String, MlflowError> {
        let metadata: serde_json::Map<String, Value> = new
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let mut assessment = json!({
            "assessment_name": new.name,
            "trace_id": trace_id,
            "source": {"source_type": "HUMAN", "source_id": new.reviewer},
            "metadata": metadata,
        });
        match &new.value {
            AssessmentValue::Feedback(v) => assessment["feedback"] = json!({"value": v}),
            AssessmentValue::Expectation(v) => assessment["expectation"] = json!({"value": v}),
        }
        if let Some(r) = &new.rationale {
            assessment["rationale"] = json!(r);
        }
        #[derive(Deserialize)]
        struct Answer {
            assessment: Assessment,
        }
        let path = format!("/api/3.0/mlflow/traces/{trace_id}/assessments");
        let answer: Answer = self
            .send(
                &path,
                self.request(Method::POST, &path)
                    .json(&json!({"assessment": assessment})),
            )
            .await?;
        Ok(answer.assessment.assessment_id.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_well_formed() {
        let t = otel_trace_id("inv-1");
        assert_eq!(t.len(), 32);
        assert_eq!(t, otel_trace_id("inv-1"));
        assert_ne!(t, otel_trace_id("inv-2"));
        let s = otel_span_id("inv-1", 3);
        assert_eq!(s.len(), 16);
        assert_ne!(s, otel_span_id("inv-1", 4));
        assert_eq!(mlflow_trace_id(&t), format!("tr-{t}"));
    }

    #[test]
    fn spans_become_otlp_json_with_structured_attributes() {
        let span = SpanData {
            span_id: "00000000000000aa".into(),
            parent_span_id: Some("00000000000000bb".into()),
            name: "get_pod_logs".into(),
            span_type: "TOOL",
            start_ns: 1_000,
            end_ns: 2_000,
            inputs: json!({"pod": "api-0", "tail": 50, "ratio": 0.5, "flags": [true]}),
            outputs: json!("OOMKilled"),
            attributes: vec![],
            error: false,
        };
        let req = export_request("0123456789abcdef0123456789abcdef", &[span]);
        let s = &req["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert_eq!(s["parentSpanId"], "00000000000000bb");
        assert_eq!(s["startTimeUnixNano"], "1000");
        let inputs = &s["attributes"][1];
        assert_eq!(inputs["key"], "mlflow.spanInputs");
        let kv = &inputs["value"]["kvlistValue"]["values"];
        let find = |k: &str| {
            kv.as_array()
                .unwrap()
                .iter()
                .find(|e| e["key"] == k)
                .unwrap()["value"]
                .clone()
        };
        assert_eq!(find("tail"), json!({"intValue": "50"}));
        assert_eq!(find("ratio"), json!({"doubleValue": 0.5}));
        assert_eq!(
            find("flags"),
            json!({"arrayValue": {"values": [{"boolValue": true}]}})
        );
    }
}
