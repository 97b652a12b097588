//! Scoring a report against an evaluation case (`expected.json`, docs/CONTRACTS.md).
use serde::{Deserialize, Serialize};

use super::{Category, Report};

/// `expected.json` of an incident bundle. Unknown keys are errors (a misspelt `fatcs` would
/// otherwise score every case as fully stated); the documentary keys are named here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    pub category: Category,
    #[serde(default)]
    pub root_cause: String,
    #[serde(default)]
    pub facts: Vec<ExpectedFact>,
    /// `ns/Kind/name` (or `Kind/name` for cluster-scoped objects).
    #[serde(default)]
    pub resources: Vec<String>,
    /// Where the case came from (documentation only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// How the case's evidence was made (documentation only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
    /// How hard the case is thought to be (documentation only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difficulty: Option<String>,
}

/// A fact is stated when the conclusion contains any alternative (case-insensitive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedFact {
    pub any: Vec<String>,
}

/// How one report did against its expectation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseScore {
    pub category_ok: bool,
    pub expected_category: Category,
    pub got_category: Category,
    pub facts_stated: usize,
    pub facts_total: usize,
    /// The facts not stated, as their first alternative.
    pub missed_facts: Vec<String>,
    pub resources_named: usize,
    pub resources_total: usize,
}

/// The report's conclusion: root cause, summary, hypotheses and next steps. Quoted evidence and
/// the trajectory are excluded, so copying tool output does not count as understanding it.
pub fn conclusion_text(report: &Report) -> String {
    let mut parts = vec![report.root_cause.as_str(), report.summary.as_str()];
    parts.extend(report.hypotheses.iter().map(|h| h.statement.as_str()));
    parts.extend(report.next_steps.iter().map(String::as_str));
    parts.join("\n")
}

pub fn score(report: &Report, expected: &Expected) -> CaseScore {
    let conclusion = conclusion_text(report).to_lowercase();
    let mut missed = Vec::new();
    let mut stated = 0;
    for fact in &expected.facts {
        if fact
            .any
            .iter()
            .any(|alt| conclusion.contains(&alt.to_lowercase()))
        {
            stated += 1;
        } else {
            missed.push(fact.any.first().cloned().unwrap_or_default());
        }
    }
    let named = expected
        .resources
        .iter()
        .filter(|r| {
            let name = r.rsplit('/').next().unwrap_or(r).to_lowercase();
            !name.is_empty() && conclusion.contains(&name)
        })
        .count();
    CaseScore {
        category_ok: report.category == expected.category,
        expected_category: expected.category,
        got_category: report.category,
        facts_stated: stated,
        facts_total: expected.facts.len(),
        missed_facts: missed,
        resources_named: named,
        resources_total: expected.resources.len(),
    }
}
