//! THE prompt. One function builds what the LLM reads, at investigation time and when
//! `aida export` turns reviewed investigations into training data, so the two are byte-for-byte
//! the same (the original AIDA trained on one template and served another).
//!
//! Shape, fixed and bounded for small local models: alert, analyzer findings first, then
//! evidence excerpts, then the runbook excerpt, then the answer format.
use serde::{Deserialize, Serialize};

use crate::report::Category;

/// Everything the prompt is built from; stored with the investigation so export can rebuild it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptInput {
    pub alert_name: String,
    /// `key=value` labels, sorted, without `alertname`.
    pub labels: Vec<(String, String)>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub findings: Vec<PromptFinding>,
    pub evidence: Vec<PromptEvidence>,
    pub runbook: Option<PromptRunbook>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptFinding {
    pub category: String,
    pub resource: String,
    pub summary: String,
    pub confidence: f32,
    pub quotes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptEvidence {
    /// `step-N`.
    pub source: String,
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptRunbook {
    pub path: String,
    pub heading: String,
    pub text: String,
}

/// Character budgets of each part (≈ 3.5 characters a token): about 700 tokens in all, because
/// prefill dominates a local investigation on CPU (≈ 60-150 tokens/s on 2 cores).
pub const MAX_FINDINGS: usize = 3;
const FINDINGS_CHARS: usize = 800;
const EVIDENCE_CHARS: usize = 900;
const EVIDENCE_ITEM_CHARS: usize = 450;
const RUNBOOK_CHARS: usize = 350;
const ANNOTATION_CHARS: usize = 240;

/// Builds the user message. Pure: same input, same bytes.
pub fn build_prompt(input: &PromptInput) -> String {
    let mut p = String::with_capacity(6000);
    p.push_str(
        "You are AIDA, a careful site reliability engineer. Diagnose the Kubernetes alert below \
         using only the findings and evidence given.\n\n",
    );
    p.push_str(&format!("ALERT: {}\n", input.alert_name));
    if !input.labels.is_empty() {
        let labels: Vec<String> = input
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        p.push_str(&format!("LABELS: {}\n", labels.join(", ")));
    }
    if let Some(s) = &input.summary {
        p.push_str(&format!(
            "SUMMARY: {}\n",
            clip(&one_line(s), ANNOTATION_CHARS)
        ));
    }
    if let Some(d) = &input.description {
        p.push_str(&format!(
            "DESCRIPTION: {}\n",
            clip(&one_line(d), ANNOTATION_CHARS)
        ));
    }

    p.push_str("\nFINDINGS (rule-based, most likely first):\n");
    if input.findings.is_empty() {
        p.push_str("(none: no rule matched the evidence)\n");
    }
    let mut used = 0;
    for (i, f) in input.findings.iter().take(MAX_FINDINGS).enumerate() {
        let mut item = format!(
            "{}. [{} {:.2}] {}: {}\n",
            i + 1,
            f.category,
            f.confidence,
            f.resource,
            one_line(&f.summary)
        );
        for q in f.quotes.iter().take(2) {
            item.push_str(&format!("   quote: {}\n", clip(&one_line(q), 240)));
        }
        if used + item.len() > FINDINGS_CHARS && i > 0 {
            break;
        }
        used += item.len();
        p.push_str(&item);
    }

    p.push_str("\nEVIDENCE:\n");
    if input.evidence.is_empty() {
        p.push_str("(none collected)\n");
    }
    let mut used = 0;
    for e in &input.evidence {
        let body = clip_lines(
            e.text.trim_end(),
            EVIDENCE_ITEM_CHARS.min(EVIDENCE_CHARS - used),
        );
        if body.is_empty() {
            break;
        }
        let item = format!("[{}] {}\n{}\n", e.source, e.title, body);
        used += item.len();
        p.push_str(&item);
        if used + 80 >= EVIDENCE_CHARS {
            break;
        }
    }

    if let Some(r) = &input.runbook {
        p.push_str(&format!("\nRUNBOOK ({} — {}):\n", r.path, r.heading));
        p.push_str(&clip_lines(r.text.trim(), RUNBOOK_CHARS));
        p.push('\n');
    }

    // Described in prose, not as a template with placeholders: small models copy placeholders.
    let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
    p.push_str(&format!(
        "\nAnswer with the lines CATEGORY (one of: {}), ROOT CAUSE (one or two sentences naming the \
         failing resource and why it fails), SUMMARY (what the evidence shows) and NEXT STEPS (a \
         list of actions, one per line starting with -).\n",
        names.join(", ")
    ));
    p
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` bytes, cut at a char boundary, with an ellipsis when cut.
fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max.saturating_sub(3);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// Whole lines up to `max` bytes, with a note of what was left out.
fn clip_lines(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let total = s.lines().count();
    let mut kept = 0;
    for line in s.lines() {
        if out.len() + line.len() + 1 > max.saturating_sub(40) {
            break;
        }
        out.push_str(line);
        out.push('\n');
        kept += 1;
    }
    if kept == 0 {
        return clip(s, max);
    }
    out.push_str(&format!("... ({} more lines)", total - kept));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn input() -> PromptInput {
        PromptInput {
            alert_name: "KubePodCrashLooping".into(),
            labels: vec![
                ("namespace".into(), "shop".into()),
                ("pod".into(), "api-1".into()),
            ],
            summary: Some("Pod is crash looping.".into()),
            description: Some(
                "Pod shop/api-1 (api) is in waiting state (reason: \"CrashLoopBackOff\").".into(),
            ),
            findings: vec![PromptFinding {
                category: "oom_killed".into(),
                resource: "shop/Pod/api-1".into(),
                summary: "Container api was OOMKilled (exit code 137); memory limit 256Mi.".into(),
                confidence: 0.95,
                quotes: vec!["Last State: Terminated (OOMKilled, exit code 137)".into()],
            }],
            evidence: vec![PromptEvidence {
                source: "step-2".into(),
                title: "describe_pod shop/api-1".into(),
                text: "Name: api-1\nLast State: Terminated (OOMKilled, exit code 137)\n".repeat(40),
            }],
            runbook: Some(PromptRunbook {
                path: "runbooks/workloads/container-oom-killed.md".into(),
                heading: "Diagnosis".into(),
                text: "1. Check lastState.terminated.reason.".into(),
            }),
        }
    }

    #[test]
    fn deterministic_bounded_and_ordered() {
        let a = build_prompt(&input());
        assert_eq!(a, build_prompt(&input()), "same input, same bytes");
        assert!(a.len() < 3200, "{} bytes", a.len());
        let f = a.find("FINDINGS").unwrap();
        let e = a.find("EVIDENCE").unwrap();
        let r = a.find("RUNBOOK").unwrap();
        let fmt = a.find("Answer with the lines CATEGORY").unwrap();
        assert!(f < e && e < r && r < fmt);
        assert!(
            a.contains("more lines)"),
            "long evidence is cut with a note"
        );
        assert!(a.contains("certificate_expiry"), "lists every category");
    }

    #[test]
    fn input_round_trips_through_json_to_the_same_prompt() {
        let text = serde_json::to_string(&input()).unwrap();
        let back: PromptInput = serde_json::from_str(&text).unwrap();
        assert_eq!(build_prompt(&back), build_prompt(&input()));
    }

    #[test]
    fn clipping_respects_char_boundaries() {
        let s = "é".repeat(300);
        let c = clip(&s, 101);
        assert!(c.ends_with("..."));
        assert!(c.len() <= 101);
    }
}
