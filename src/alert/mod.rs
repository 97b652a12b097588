//! Alert input: an Alertmanager webhook payload (version 4) or a single alert object.
//!
//! Every firing alert of a group is returned (deduplicated by fingerprint); resolved ones are
//! counted so callers can say why they were skipped. Errors name the JSON path that was wrong.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

mod targets;

pub use targets::Targets;

/// One alert, normalised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub status: AlertStatus,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    #[serde(rename = "startsAt", default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<String>,
    #[serde(rename = "endsAt", default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<String>,
    #[serde(
        rename = "generatorURL",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub generator_url: Option<String>,
    /// Alertmanager's fingerprint, or a stable hash of the labels when absent.
    pub fingerprint: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    Firing,
    Resolved,
}

/// What a payload held.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParsedAlerts {
    /// Firing alerts, in payload order, first occurrence of each fingerprint.
    pub firing: Vec<Alert>,
    /// Resolved alerts that will not be investigated.
    pub resolved: Vec<Alert>,
    /// Firing alerts dropped as duplicates of an earlier fingerprint.
    pub duplicates: Vec<Alert>,
    /// Alertmanager's `truncatedAlerts` (alerts it did not send).
    pub truncated: u64,
}

/// A payload that is not an alert. `path` is a JSON path such as `alerts[2].labels`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct AlertError {
    pub path: String,
    pub message: String,
}

fn err(path: impl Into<String>, message: impl Into<String>) -> AlertError {
    AlertError {
        path: path.into(),
        message: message.into(),
    }
}

impl Alert {
    /// The alert with its secrets removed. Alerts enter AIDA through this module only, and
    /// every parsed alert leaves it redacted (the fingerprint is taken before, so deduplication
    /// sees the alert as Alertmanager sent it).
    fn redacted(self) -> Self {
        Self {
            labels: redact_map(self.labels),
            annotations: redact_map(self.annotations),
            generator_url: self
                .generator_url
                .map(|u| crate::redact::text(&u).into_owned()),
            ..self
        }
    }

    /// `labels.alertname`, or `"unnamed"`.
    pub fn name(&self) -> &str {
        self.labels
            .get("alertname")
            .map(String::as_str)
            .unwrap_or("unnamed")
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key).map(String::as_str)
    }

    /// Builds an alert from a name and labels (`aida investigate --alertname A --label k=v`).
    pub fn from_labels(name: &str, labels: BTreeMap<String, String>) -> Self {
        let mut labels = labels;
        labels.insert("alertname".into(), name.to_string());
        let fingerprint = label_fingerprint(&labels);
        Self {
            status: AlertStatus::Firing,
            labels,
            annotations: BTreeMap::new(),
            starts_at: None,
            ends_at: None,
            generator_url: None,
            fingerprint,
        }
        .redacted()
    }
}

/// Hex SHA-256 prefix over the sorted label set (used when Alertmanager sent no fingerprint).
pub fn label_fingerprint(labels: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    for (k, v) in labels {
        hasher.update(k.as_bytes());
        hasher.update([0xff]);
        hasher.update(v.as_bytes());
        hasher.update([0xfe]);
    }
    hex::encode(&hasher.finalize()[..8])
}

/// Parses JSON text; syntax errors name line and column.
pub fn parse_str(text: &str) -> Result<ParsedAlerts, AlertError> {
    if text.trim().is_empty() {
        return Err(err(
            "$",
            "the input is empty (expected an Alertmanager payload or an alert)",
        ));
    }
    if text.len() > MAX_PAYLOAD_BYTES {
        return Err(err(
            "$",
            format!(
                "the payload is {} bytes; the limit is {MAX_PAYLOAD_BYTES}",
                text.len()
            ),
        ));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        err(
            "$",
            format!(
                "invalid JSON at line {}, column {}: {}",
                e.line(),
                e.column(),
                e
            ),
        )
    })?;
    parse_value(&value)
}

/// Accepts a webhook payload (`{"alerts": [...], ...}`) or one alert (`{"labels": {...}}`).
pub fn parse_value(value: &Value) -> Result<ParsedAlerts, AlertError> {
    let Some(object) = value.as_object() else {
        return Err(err(
            "$",
            format!(
                "expected a JSON object (Alertmanager payload or single alert), found {}",
                kind(value)
            ),
        ));
    };
    let alerts: Vec<Alert> = if let Some(list) = object.get("alerts") {
        let Some(items) = list.as_array() else {
            return Err(err(
                "alerts",
                format!("expected an array, found {}", kind(list)),
            ));
        };
        if items.is_empty() {
            return Err(err("alerts", "the payload contains no alerts"));
        }
        if let Some(version) = object.get("version").and_then(Value::as_str)
            && version != "4"
        {
            tracing::warn!(
                version,
                "Alertmanager payload version is not 4; parsing anyway"
            );
        }
        items
            .iter()
            .enumerate()
            .map(|(i, item)| parse_alert(item, &format!("alerts[{i}]")))
            .collect::<Result<_, _>>()?
    } else if object.contains_key("labels") {
        vec![parse_alert(value, "$")?]
    } else {
        return Err(err(
            "$",
            "neither an Alertmanager payload (no `alerts` array) nor an alert (no `labels` object)",
        ));
    };
    let truncated = object
        .get("truncatedAlerts")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let mut parsed = ParsedAlerts {
        firing: Vec::new(),
        resolved: Vec::new(),
        duplicates: Vec::new(),
        truncated,
    };
    let mut seen = std::collections::HashSet::new();
    for alert in alerts {
        match alert.status {
            AlertStatus::Resolved => parsed.resolved.push(alert),
            AlertStatus::Firing if seen.insert(alert.fingerprint.clone()) => {
                parsed.firing.push(alert)
            }
            AlertStatus::Firing => parsed.duplicates.push(alert),
        }
    }
    Ok(parsed)
}

fn parse_alert(value: &Value, path: &str) -> Result<Alert, AlertError> {
    let Some(object) = value.as_object() else {
        return Err(err(
            path,
            format!("expected an alert object, found {}", kind(value)),
        ));
    };
    let field = |name: &str| {
        if path == "$" {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    let labels = string_map(object.get("labels"), &field("labels"), true)?;
    if labels.is_empty() {
        return Err(err(field("labels"), "an alert needs at least one label"));
    }
    let annotations = string_map(object.get("annotations"), &field("annotations"), false)?;
    let status = match object.get("status") {
        None | Some(Value::Null) => {
            // Single alerts as Prometheus sends them have no status: firing unless ended.
            AlertStatus::Firing
        }
        Some(Value::String(s)) if s == "firing" => AlertStatus::Firing,
        Some(Value::String(s)) if s == "resolved" => AlertStatus::Resolved,
        Some(other) => {
            return Err(err(
                field("status"),
                format!("expected \"firing\" or \"resolved\", found {other}"),
            ));
        }
    };
    let text = |name: &str| -> Result<Option<String>, AlertError> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(err(
                field(name),
                format!("expected a string, found {}", kind(other)),
            )),
        }
    };
    let fingerprint = text("fingerprint")?.unwrap_or_else(|| label_fingerprint(&labels));
    Ok(Alert {
        status,
        starts_at: text("startsAt")?,
        ends_at: text("endsAt")?,
        generator_url: text("generatorURL")?,
        fingerprint,
        labels,
        annotations,
    }
    .redacted())
}

/// Secrets in a label or annotation: the value of a secret-named key, or a credential shape.
fn redact_map(map: BTreeMap<String, String>) -> BTreeMap<String, String> {
    map.into_iter()
        .map(|(k, v)| {
            let v = if crate::redact::is_secret_name(&k) && !v.is_empty() {
                crate::redact::MARK.to_string()
            } else {
                crate::redact::text(&v).into_owned()
            };
            (k, v)
        })
        .collect()
}

/// The largest alert payload accepted (Alertmanager groups are small; a runaway template or a
/// pasted log is not an alert).
pub const MAX_PAYLOAD_BYTES: usize = 1 << 20;
/// The longest label value accepted, in characters.
pub const MAX_LABEL_CHARS: usize = 1024;
/// The longest annotation value accepted, in characters.
pub const MAX_ANNOTATION_CHARS: usize = 16 * 1024;

fn string_map(
    value: Option<&Value>,
    path: &str,
    required: bool,
) -> Result<BTreeMap<String, String>, AlertError> {
    let max = if required {
        MAX_LABEL_CHARS
    } else {
        MAX_ANNOTATION_CHARS
    };
    let map = string_map_unbounded(value, path, required)?;
    for (k, v) in &map {
        let chars = v.chars().count();
        if chars > max {
            return Err(err(
                format!("{path}.{k}"),
                format!("{chars} characters; the limit is {max}"),
            ));
        }
    }
    Ok(map)
}

fn string_map_unbounded(
    value: Option<&Value>,
    path: &str,
    required: bool,
) -> Result<BTreeMap<String, String>, AlertError> {
    match value {
        None | Some(Value::Null) if !required => Ok(BTreeMap::new()),
        None | Some(Value::Null) => Err(err(path, "missing (an object of strings is required)")),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                // Numbers and booleans are harmless to stringify; nested values are not labels.
                Value::Number(n) => Ok((k.clone(), n.to_string())),
                Value::Bool(b) => Ok((k.clone(), b.to_string())),
                other => Err(err(
                    format!("{path}.{k}"),
                    format!("expected a string, found {}", kind(other)),
                )),
            })
            .collect(),
        Some(other) => Err(err(
            path,
            format!("expected an object of strings, found {}", kind(other)),
        )),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests;
