//! Turning an alert into a search query, and the text normalisation shared by indexing and
//! querying (identifier splitting).
//!
//! An alert says what is wrong in four places: its name, the `summary` and `description`
//! annotations, a few labels (`job`, `container`, `service`: which component) and the PromQL
//! expression behind `generatorURL` (which metrics). Metric names are the strongest clue when
//! the name is missing: alert names are usually built from the same words
//! (`kube_deployment_status_replicas_available` → `KubeDeploymentReplicasMismatch`).
//! Labels that identify an instance rather than a problem (pod names, IPs, severity, the
//! Prometheus replica) are left out: they only add noise.
use crate::alert::Alert;

/// Retrieval mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// BM25 and vectors fused (reciprocal rank fusion) plus an exact alert-name boost.
    #[default]
    Hybrid,
    /// tantivy BM25 only.
    Bm25,
    /// MiniLM cosine similarity only.
    Vector,
}

/// What to search for.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Text for BM25 (may be long: terms weigh themselves by rarity).
    pub keywords: String,
    /// Text for the embedding (natural language: the model truncates at 256 tokens).
    pub semantic: String,
    /// Alert names that get the exact boost when a runbook lists them.
    pub alert_names: Vec<String>,
    pub mode: Mode,
    pub top_k: usize,
}

/// Labels that describe the failing component. Others (instance, pod, severity, prometheus,
/// endpoint, uid, ...) identify one occurrence and would only add noise.
const USEFUL_LABELS: &[&str] = &[
    "job",
    "container",
    "service",
    "namespace",
    "reason",
    "phase",
    "condition",
    "resource",
    "verb",
    "component",
    "controller",
    "mountpoint",
    "fstype",
    "device",
    "integration",
    "scrape_job",
    "created_by_kind",
    "owner_kind",
    "kind",
];

/// PromQL words that are functions, operators or modifiers rather than metric names.
const PROMQL_WORDS: &[&str] = &[
    "sum",
    "min",
    "max",
    "avg",
    "count",
    "count_values",
    "stddev",
    "stdvar",
    "topk",
    "bottomk",
    "quantile",
    "group",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "rate",
    "irate",
    "increase",
    "delta",
    "idelta",
    "deriv",
    "changes",
    "resets",
    "abs",
    "absent",
    "absent_over_time",
    "avg_over_time",
    "max_over_time",
    "min_over_time",
    "sum_over_time",
    "count_over_time",
    "last_over_time",
    "quantile_over_time",
    "stddev_over_time",
    "present_over_time",
    "predict_linear",
    "histogram_quantile",
    "label_replace",
    "label_join",
    "clamp",
    "clamp_min",
    "clamp_max",
    "ceil",
    "floor",
    "round",
    "time",
    "timestamp",
    "vector",
    "scalar",
    "sort",
    "sort_desc",
    "exp",
    "ln",
    "log2",
    "log10",
    "sqrt",
    "day_of_week",
    "hour",
    "inf",
    "nan",
];

impl Query {
    /// A free-text query, used as is for both BM25 and the embedding.
    pub(crate) fn text(text: impl Into<String>) -> Self {
        let text = text.into();
        Self {
            keywords: text.clone(),
            semantic: text,
            alert_names: Vec::new(),
            mode: Mode::Hybrid,
            top_k: 5,
        }
    }

    /// The query for one alert: name, summary, description, component labels, metric names.
    pub fn from_alert(alert: &Alert) -> Self {
        let name = alert.label("alertname").filter(|n| !n.is_empty());
        let summary = alert.annotation("summary").unwrap_or_default();
        let description = alert
            .annotation("description")
            .or_else(|| alert.annotation("message"))
            .unwrap_or_default();

        let mut semantic = Vec::new();
        if let Some(name) = name {
            semantic.push(split_identifier(name));
        }
        for text in [summary, description] {
            if !text.is_empty() {
                semantic.push(text.to_string());
            }
        }

        let mut keywords = semantic.clone();
        for key in USEFUL_LABELS {
            if let Some(value) = alert.label(key) {
                keywords.push(value.to_string());
            }
        }
        let metrics = alert
            .generator_url
            .as_deref()
            .and_then(expression_from_url)
            .map(|expr| metric_names(&expr))
            .unwrap_or_default();
        if !metrics.is_empty() {
            keywords.push(metrics.join(" "));
        }
        let keywords = keywords.join("\n");
        let semantic = if semantic.is_empty() {
            // Nothing but labels: let the model see what BM25 sees.
            keywords.clone()
        } else {
            semantic.join(". ")
        };
        Self {
            keywords,
            semantic,
            alert_names: name.map(|n| vec![n.to_string()]).unwrap_or_default(),
            mode: Mode::Hybrid,
            top_k: 5,
        }
    }

    pub(crate) fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    pub(crate) fn with_top_k(mut self, top_k: usize) -> Self {
        self.top_k = top_k;
        self
    }
}

/// `g0.expr` from a Prometheus graph URL, percent-decoded.
pub fn expression_from_url(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "g0.expr" || *k == "expr")
        .map(|(_, v)| percent_decode(v))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Metric names in a PromQL expression: identifiers outside label matchers, string literals,
/// grouping clauses and durations, minus PromQL's own words. Deduplicated, in order.
pub fn metric_names(expr: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    let mut brace_depth = 0usize;
    let mut bracket_depth = 0usize;
    // After `by`/`without`/`on`/`ignoring`/`group_left`/`group_right`, the next (...) lists labels.
    let mut label_list_next = false;
    let mut in_label_list = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' | '\'' | '`' => {
                i += 1;
                while i < chars.len() && chars[i] != c {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            '{' => brace_depth += 1,
            '}' => brace_depth = brace_depth.saturating_sub(1),
            '[' => bracket_depth += 1,
            ']' => bracket_depth = bracket_depth.saturating_sub(1),
            '(' => {
                in_label_list = label_list_next;
                label_list_next = false;
            }
            ')' => in_label_list = false,
            c if c.is_ascii_alphabetic() || c == '_' || c == ':' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let lower = word.to_ascii_lowercase();
                if brace_depth == 0 && bracket_depth == 0 && !in_label_list {
                    if matches!(
                        lower.as_str(),
                        "by" | "without" | "on" | "ignoring" | "group_left" | "group_right"
                    ) {
                        label_list_next = true;
                    } else if !PROMQL_WORDS.contains(&lower.as_str()) && !names.contains(&word) {
                        names.push(word);
                    }
                }
                continue;
            }
            c if c.is_ascii_digit() => {
                // Numbers and durations (5m, 1e3) are not names.
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    names
}

/// `KubePodCrashLooping` → `Kube Pod Crash Looping`, `kube_pod_info` → `kube pod info`,
/// `HTTPRequestsHigh` → `HTTP Requests High`.
pub fn split_identifier(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == ':' || c == '-' {
            out.push(' ');
            continue;
        }
        if i > 0 && c.is_uppercase() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push(' ');
            }
        }
        out.push(c);
    }
    out
}

/// Appends the split form of every mixed-case or snake_case word, so that `KubePodCrashLooping`
/// in a runbook matches "pod crash looping" in a query and vice versa.
pub fn expand_identifiers(text: &str) -> String {
    let mut extra = String::new();
    for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        let has_inner_upper =
            word.chars().skip(1).any(char::is_uppercase) && word.chars().any(char::is_lowercase);
        if has_inner_upper {
            extra.push(' ');
            extra.push_str(&split_identifier(word));
        }
    }
    if extra.is_empty() {
        text.to_string()
    } else {
        format!("{text}\n{extra}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn splits_identifiers() {
        assert_eq!(
            split_identifier("KubePodCrashLooping"),
            "Kube Pod Crash Looping"
        );
        assert_eq!(split_identifier("HTTPRequestsHigh"), "HTTP Requests High");
        assert_eq!(split_identifier("kube_pod_info"), "kube pod info");
        assert!(expand_identifiers("see KubePodNotReady now").ends_with(" Kube Pod Not Ready"));
        assert_eq!(expand_identifiers("plain words"), "plain words");
    }

    #[test]
    fn extracts_metric_names_from_promql() {
        let expr = r#"(count by (namespace, service) (changes(process_start_time_seconds{job="alertmanager-main",namespace="monitoring"}[10m]) > 4) / count by (namespace, service) (up{job="alertmanager-main"})) >= 0.5"#;
        assert_eq!(metric_names(expr), ["process_start_time_seconds", "up"]);
        let expr = "sum without (instance) (rate(node_network_receive_errs_total[2m])) / 1e3 > 0.01 unless on (cluster) kube_node_info";
        assert_eq!(
            metric_names(expr),
            ["node_network_receive_errs_total", "kube_node_info"]
        );
    }

    #[test]
    fn decodes_generator_url() {
        let url = "http://prometheus:9090/graph?g0.expr=up%7Bjob%3D%22x%22%7D+%3D%3D+0&g0.tab=1";
        assert_eq!(
            expression_from_url(url).as_deref(),
            Some(r#"up{job="x"} == 0"#)
        );
        assert_eq!(expression_from_url("http://p/alerts"), None);
        // A truncated escape must not panic.
        assert_eq!(percent_decode("a%2"), "a%2");
    }

    #[test]
    fn alert_query_keeps_component_labels_and_drops_noise() {
        let mut labels = BTreeMap::new();
        labels.insert("alertname".to_string(), "KubePodCrashLooping".to_string());
        labels.insert("container".to_string(), "api".to_string());
        labels.insert("pod".to_string(), "api-7d9f8-xk2lp".to_string());
        labels.insert("severity".to_string(), "warning".to_string());
        let mut alert = Alert::from_labels("KubePodCrashLooping", labels);
        alert
            .annotations
            .insert("description".into(), "Pod is restarting 3 times".into());
        alert.generator_url = Some(
            "http://p/graph?g0.expr=kube_pod_container_status_waiting_reason%7Breason%3D%22CrashLoopBackOff%22%7D"
                .into(),
        );
        let q = Query::from_alert(&alert);
        assert_eq!(q.alert_names, ["KubePodCrashLooping"]);
        assert!(q.keywords.contains("Kube Pod Crash Looping"));
        assert!(q.keywords.contains("api"));
        assert!(
            q.keywords
                .contains("kube_pod_container_status_waiting_reason")
        );
        assert!(!q.keywords.contains("xk2lp"));
        assert!(!q.keywords.contains("warning"));
        assert!(q.semantic.contains("Pod is restarting"));
        assert!(!q.semantic.contains("kube_pod_container"));
    }
}
