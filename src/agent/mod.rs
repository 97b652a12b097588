//! The investigation loop: alert → runbooks → evidence (planned from the alert's targets and the
//! matched runbook) → analyzer findings → LLM (or not) → report.
//!
//! Three ways to conclude:
//! - `none`: the analyzers' findings are the report (fast offline triage);
//! - `local`: a small model gets ONE bounded prompt ([`prompt::build_prompt`]) and answers in a
//!   fixed format that is parsed, validated and repaired; if that fails the report falls back to
//!   the findings and says so;
//! - `openai`: a capable model drives a tool-calling loop with budgets (steps, tokens, time),
//!   duplicate calls suppressed, and answers with a JSON report.
//!
//! Whatever the model writes, evidence quotes are only kept when they appear verbatim in the
//! output of the trajectory step they cite.
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::alert::{Alert, Targets};
use crate::analyzers::{self, Finding, Snapshot};
use crate::config::CategoryPolicy;
use crate::evidence::{RunbookHit as Hit, RunbookSearch, Source, Toolbelt};
use crate::llm::{ChatMessage, ChatRequest, LlmBackend};
use crate::report::{Category, Decision, EvidenceQuote, LabelScore, ModelInfo, Report, RunbookRef};

pub mod answer;
mod api_loop;
mod conclude;
pub mod prompt;
mod trajectory;

pub use answer::{Answer, parse_answer};
pub use prompt::{PromptInput, build_prompt};
use trajectory::Trajectory;

/// Which model concludes.
#[derive(Clone)]
pub enum Conclude {
    /// Analyzer findings only.
    Analyzers,
    /// One bounded prompt, fixed-format answer (small local models).
    FixedPrompt(Arc<dyn LlmBackend>),
    /// Tool-calling loop (capable API models).
    ToolLoop(Arc<dyn LlmBackend>),
}

/// Budgets of one investigation.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most tool calls the API model may make.
    pub max_steps: usize,
    /// Most completion tokens over all LLM calls.
    pub max_tokens: u32,
    /// Wall-clock budget of the LLM part.
    pub max_wall: Duration,
    /// Runbook sections retrieved.
    pub runbooks: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_steps: 12,
            max_tokens: 4000,
            max_wall: Duration::from_secs(120),
            runbooks: 3,
        }
    }
}

impl Conclude {
    /// Who writes the conclusion, as the report and the store name it.
    pub fn model_info(&self) -> ModelInfo {
        match self {
            Conclude::Analyzers => ModelInfo {
                backend: "none".into(),
                name: "analyzers".into(),
                adapter: None,
            },
            Conclude::FixedPrompt(llm) | Conclude::ToolLoop(llm) => model_info(llm.as_ref()),
        }
    }
}

/// Everything an investigation needs apart from its evidence, built once and reused for many
/// alerts (and shared by a server's workers).
pub struct Investigator {
    /// Runbook search (the knowledge base), offered to the agent and the model as a tool.
    pub runbooks: Option<Arc<dyn RunbookSearch>>,
    pub conclude: Conclude,
    pub limits: Limits,
    /// The namespace tools use when a call names none and the alert has none either.
    pub default_namespace: Option<String>,
    /// When the local model's category choice overrides the analyzers'.
    pub category_policy: CategoryPolicy,
}

/// Why the model's conclusion was not used (the report then carries the analyzers').
#[derive(Debug, Clone, PartialEq)]
pub struct Fallback {
    pub reason: String,
    /// The model could not be reached or did not answer in time (as opposed to an answer that
    /// was received but rejected by validation).
    pub unavailable: bool,
}

impl Fallback {
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            unavailable: true,
        }
    }
}

/// An answer that arrived but cannot be used.
impl From<String> for Fallback {
    fn from(reason: String) -> Self {
        Self {
            reason,
            unavailable: false,
        }
    }
}

impl std::fmt::Display for Fallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// The result: the report plus what export needs to rebuild the prompt.
pub struct Outcome {
    pub report: Report,
    /// The inputs of the prompt (stored so `aida export` rebuilds it byte for byte).
    pub prompt_input: PromptInput,
    /// Why the model's answer was not used, when it was not.
    pub fallback: Option<Fallback>,
    /// Reads of the evidence that failed (unreachable cluster, timeouts, forbidden), each once.
    pub evidence_errors: Vec<String>,
}

impl Investigator {
    /// Investigates one firing alert. Never fails: tool errors become trajectory entries and a
    /// failed model becomes a fallback to the findings.
    pub async fn investigate(
        &self,
        alert: &Alert,
        source: Source,
        incident_id: &str,
        progress: &(dyn Fn(&str) + Sync),
    ) -> Outcome {
        let started = Instant::now();
        let mut timings: BTreeMap<String, u64> = BTreeMap::new();
        let mut trajectory = Trajectory::default();
        let targets = Targets::from_alert(alert);
        let namespace = targets
            .namespace
            .clone()
            .or_else(|| self.default_namespace.clone());
        let mut belt = Toolbelt::new(source)
            .with_default_namespace(namespace)
            .with_alert(alert.clone());
        if let Some(search) = &self.runbooks {
            belt = belt.with_runbooks(search.clone());
        }

        progress("searching runbooks");
        let t = Instant::now();
        let hits = self
            .search_runbooks(
                &belt,
                json!({"top_k": self.limits.runbooks}),
                &mut trajectory,
            )
            .await;
        timings.insert("runbooks".into(), t.elapsed().as_millis() as u64);

        // One read of the cluster: the analyzers' snapshot lists what they need first, and the
        // planned tool calls are then answered from the same session's reads.
        progress("gathering evidence");
        let t = Instant::now();
        let namespaces = analyzers::alert_namespaces(Some(alert));
        let snapshot = Snapshot::gather(belt.session(), &namespaces, Some(alert)).await;
        for (tool, args) in plan(&targets, &hits) {
            trajectory.call(&belt, tool, args).await;
        }
        timings.insert("evidence".into(), t.elapsed().as_millis() as u64);

        progress("running analyzers");
        let t = Instant::now();
        let findings = analyzers::analyze(&snapshot, Some(alert));
        // Every quote cites the step that shows it: the planned call when it was made, else the
        // call the quote names (answered from the session, not the cluster).
        let mut evidence = Vec::new();
        for finding in findings.iter().take(prompt::MAX_FINDINGS) {
            for quote in &finding.quotes {
                let index = trajectory
                    .call(&belt, &quote.tool, quote.args.clone())
                    .await;
                let mut index = if trajectory.step(index).output_excerpt.contains(&quote.text) {
                    Some(index)
                } else {
                    trajectory.find_quote(&quote.text)
                };
                // A decisive log line older than what fits in the tool's output budget: show
                // exactly that line (the same read, filtered) so the report can cite it.
                if index.is_none()
                    && quote.tool == "pod_logs"
                    && let Some(line) = quote.text.lines().next()
                {
                    let mut args = quote.args.clone();
                    args["grep"] = json!(line);
                    let i = trajectory.call(&belt, "pod_logs", args).await;
                    if trajectory.step(i).output_excerpt.contains(&quote.text) {
                        index = Some(i);
                    }
                }
                if let Some(index) = index
                    && !evidence
                        .iter()
                        .any(|e: &EvidenceQuote| e.quote == quote.text)
                {
                    evidence.push(EvidenceQuote {
                        source: trajectory.id(index),
                        quote: quote.text.clone(),
                    });
                }
            }
        }
        timings.insert("analyzers".into(), t.elapsed().as_millis() as u64);

        // The alert names a symptom (KubePodCrashLooping); the top finding names the cause
        // (OOMKilled). Look up the cause's runbook too and put it first: the prompt quotes the
        // first runbook, and the report lists what the on-call engineer should read.
        let hits = match findings.first() {
            Some(top) => {
                let t = Instant::now();
                let text = format!(
                    "{} {}",
                    top.category.as_str().replace('_', " "),
                    top.summary
                );
                let args = json!({"query": text, "top_k": self.limits.runbooks});
                let by_cause = self.search_runbooks(&belt, args, &mut trajectory).await;
                *timings.entry("runbooks".into()).or_default() += t.elapsed().as_millis() as u64;
                merge_hits(by_cause, hits, self.limits.runbooks)
            }
            None => hits,
        };

        let prompt_input = prompt_input(alert, &findings, &trajectory, &hits);
        let draft = conclude::from_findings(&findings, &targets, &evidence);

        let t = Instant::now();
        let mut tokens: BTreeMap<String, u64> = BTreeMap::new();
        let model = self.conclude.model_info();
        let mut decision = Decision {
            analyzers: analyzers::top_category(&findings),
            model: None,
            policy: self.category_policy.as_str().to_string(),
            model_scores: Vec::new(),
        };
        let (conclusion, fallback) = match &self.conclude {
            Conclude::Analyzers => (draft, None),
            Conclude::FixedPrompt(llm) => {
                progress("asking the local model");
                match self
                    .fixed_prompt(
                        llm.as_ref(),
                        &prompt_input,
                        &findings,
                        &mut trajectory,
                        &mut tokens,
                        &mut decision,
                    )
                    .await
                {
                    Ok(answer) => (conclude::from_answer(answer, draft, &findings), None),
                    Err(why) => (draft, Some(why)),
                }
            }
            Conclude::ToolLoop(llm) => {
                progress("asking the model (tool calling)");
                match api_loop::run(
                    llm.as_ref(),
                    &belt,
                    &self.limits,
                    &prompt_input,
                    &mut trajectory,
                    &mut tokens,
                )
                .await
                {
                    Ok(answer) => (conclude::from_api_answer(answer, draft, &trajectory), None),
                    Err(why) => (draft, Some(why)),
                }
            }
        };
        timings.insert("llm".into(), t.elapsed().as_millis() as u64);

        let mut warnings = Vec::new();
        let evidence_errors = unreadable_evidence(belt.session());
        if !evidence_errors.is_empty() {
            warnings.push(format!(
                "Evidence could not be read ({}); this conclusion rests on the alert and whatever was read, not on the cluster's state.",
                evidence_errors.join("; ")
            ));
        }
        if let Some(why) = &fallback {
            tracing::warn!(%why, "model answer unusable; reporting the analyzer findings");
            warnings.push(format!(
                "The {} model's answer could not be used ({why}); this is the rule-based analyzers' conclusion.",
                model.backend
            ));
        }
        timings.insert("total".into(), started.elapsed().as_millis() as u64);

        let report = Report {
            incident_id: incident_id.to_string(),
            alert: serde_json::to_value(alert).unwrap_or(Value::Null),
            category: conclusion.category,
            root_cause: conclusion.root_cause,
            confidence: conclusion.confidence,
            summary: conclusion.summary,
            evidence: conclusion.evidence,
            hypotheses: conclusion.hypotheses,
            next_steps: conclusion.next_steps,
            runbooks: runbook_refs(&hits),
            trajectory: trajectory.into_steps(),
            model,
            timings_ms: timings,
            tokens,
            warnings,
            decision: Some(decision),
        };
        Outcome {
            report,
            prompt_input,
            fallback,
            evidence_errors,
        }
    }

    /// One runbook search through the tool belt, recorded as a `search_runbooks` step (no
    /// knowledge base: no hits, no step). Without a `query` the belt searches for the alert.
    async fn search_runbooks(
        &self,
        belt: &Toolbelt,
        args: Value,
        trajectory: &mut Trajectory,
    ) -> Vec<Hit> {
        if self.runbooks.is_none() {
            return Vec::new();
        }
        let index = trajectory.call(belt, "search_runbooks", args).await;
        trajectory.runbook_hits(index).to_vec()
    }

    #[allow(clippy::too_many_arguments)]
    async fn fixed_prompt(
        &self,
        llm: &dyn LlmBackend,
        input: &PromptInput,
        findings: &[Finding],
        trajectory: &mut Trajectory,
        tokens: &mut BTreeMap<String, u64>,
        decision: &mut Decision,
    ) -> Result<Answer, Fallback> {
        let prompt = build_prompt(input);
        // The model chooses a category among the labels by log-likelihood (no free text for
        // the label); the policy decides whether its choice or the analyzers' is written.
        let t = Instant::now();
        let labels: Vec<String> = Category::ALL
            .iter()
            .map(|c| format!(" {}\n", c.as_str()))
            .collect();
        let scoring = ChatRequest::new(vec![
            ChatMessage::user(prompt.clone()),
            ChatMessage::assistant("CATEGORY:"),
        ]);
        match tokio::time::timeout(self.limits.max_wall, llm.score(&scoring, &labels)).await {
            Ok(Ok(Some(scores))) => {
                let mut ranked: Vec<LabelScore> = Category::ALL
                    .iter()
                    .zip(&scores)
                    .map(|(c, s)| LabelScore {
                        category: *c,
                        log_likelihood: (s * 1000.0).round() / 1000.0,
                    })
                    .collect();
                ranked.sort_by(|a, b| b.log_likelihood.total_cmp(&a.log_likelihood));
                trajectory.record(
                    "llm",
                    json!({"backend": llm.backend(), "scoring": "category labels"}),
                    ranked
                        .iter()
                        .take(5)
                        .map(|r| format!("{} {:.3}", r.category, r.log_likelihood))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    t.elapsed().as_millis() as u64,
                );
                decision.model = ranked.first().map(|r| r.category);
                ranked.truncate(3);
                decision.model_scores = ranked;
            }
            Ok(Ok(None)) => {}
            Ok(Err(e)) => return Err(Fallback::unavailable(format!("the model failed: {e}"))),
            Err(_) => {
                return Err(Fallback::unavailable(format!(
                    "the model took longer than {:?}",
                    self.limits.max_wall
                )));
            }
        }
        let category = decide(self.category_policy, findings, decision.model);
        // The answer's first words are given (an assistant prefill) so a small base model writes
        // the fixed format instead of continuing the prompt.
        let prefix = answer_prefix(category);
        let mut request = ChatRequest::new(vec![
            ChatMessage::user(prompt.clone()),
            ChatMessage::assistant(prefix.clone()),
        ]);
        request.max_tokens = Some(120);
        request.temperature = Some(0.0);
        request.stop = vec![
            "<end_of_turn>".into(),
            "\n\n\n".into(),
            "\nCATEGORY:".into(),
        ];
        let t = Instant::now();
        let call = tokio::time::timeout(self.limits.max_wall, llm.chat(&request)).await;
        let elapsed = t.elapsed().as_millis() as u64;
        let response = match call {
            Err(_) => {
                return Err(Fallback::unavailable(format!(
                    "the model took longer than {:?}",
                    self.limits.max_wall
                )));
            }
            Ok(Err(e)) => return Err(Fallback::unavailable(format!("the model failed: {e}"))),
            Ok(Ok(r)) => r,
        };
        api_loop::count(tokens, &response);
        trajectory.record(
            "llm",
            json!({"backend": llm.backend(), "prompt_chars": prompt.len()}),
            response.content.clone(),
            elapsed,
        );
        let answer = parse_answer(&format!("{prefix}{}", response.content))
            .map_err(|e| e.to_string())?
            .validate()?;
        // Validation: a category no finding supports is only accepted when there are no findings
        // or the policy lets the model decide.
        let supported = findings.is_empty()
            || self.category_policy == CategoryPolicy::Model
            || findings.iter().any(|f| f.category == answer.category);
        if !supported {
            return Err(format!(
                "it named category {} which no analyzer finding supports",
                answer.category
            )
            .into());
        }
        Ok(answer)
    }
}

/// Distinct read failures that mean the evidence could not be seen: the cluster or Prometheus
/// unreachable, timing out, refusing access. (A bundle that did not record something, or a
/// Prometheus that is not configured, is not a failure to see.)
fn unreadable_evidence(session: &crate::evidence::Session) -> Vec<String> {
    use crate::evidence::EvidenceError as E;
    session
        .failures()
        .into_iter()
        .filter(|e| match e {
            E::Kubernetes(_) | E::Timeout { .. } | E::Io(_) => true,
            E::Prometheus { status, .. } => status.is_none_or(|s| s >= 500 || s == 401 || s == 403),
            _ => false,
        })
        .map(|e| e.to_string())
        .take(3)
        .collect()
}

/// The category the answer is written for: the analyzers' best finding, unless the policy
/// lets the model's own choice override it. With no finding (or no category at all) the
/// model's choice is the answer under every policy.
pub fn decide(
    policy: CategoryPolicy,
    findings: &[Finding],
    model: Option<Category>,
) -> Option<Category> {
    let analyzers = findings.first().map(|f| f.category);
    match (analyzers, model) {
        (None, model) => model,
        (Some(a), None) => Some(a),
        (Some(a), Some(m)) => Some(match policy {
            CategoryPolicy::Analyzers => a,
            CategoryPolicy::Model => m,
            CategoryPolicy::Supported => {
                let backed = findings
                    .iter()
                    .any(|f| f.category == m && f.relation != analyzers::Relation::Nearby);
                if backed { m } else { a }
            }
        }),
    }
}

/// How a fixed-format answer starts (an assistant prefill): the decided category, and the root
/// cause's first word. A 270M base model copies far better than it classifies, so the label is
/// chosen by scoring (above), not written freely. After a bare `ROOT CAUSE:` the base model
/// mostly repeated the category label (22 of 25 fixture answers were rejected), after
/// `ROOT CAUSE: The` it writes a sentence (3 of 25 rejected). Exported training answers start
/// the same way.
pub fn answer_prefix(category: Option<Category>) -> String {
    match category {
        Some(c) => format!("CATEGORY: {}\nROOT CAUSE: The", c.as_str()),
        None => "CATEGORY:".to_string(),
    }
}

fn model_info(llm: &dyn LlmBackend) -> ModelInfo {
    ModelInfo {
        backend: llm.backend().to_string(),
        name: llm.model_name(),
        adapter: llm.adapter(),
    }
}

/// Tool calls planned from the alert's targets and the best runbook's categories of evidence.
fn plan(targets: &Targets, hits: &[Hit]) -> Vec<(&'static str, Value)> {
    let mut calls: Vec<(&'static str, Value)> = Vec::new();
    let ns = targets.namespace.clone();
    let with_ns = |mut v: Value| {
        if let Some(ns) = &ns {
            v["namespace"] = json!(ns);
        }
        v
    };
    if let Some(pod) = &targets.pod {
        calls.push(("describe_pod", with_ns(json!({"name": pod}))));
        let mut logs = json!({"name": pod, "tail_lines": analyzers::LOG_TAIL});
        if let Some(c) = &targets.container {
            logs["container"] = json!(c);
        }
        let mut previous = logs.clone();
        previous["previous"] = json!(true);
        calls.push(("pod_logs", with_ns(previous)));
        calls.push(("pod_logs", with_ns(logs)));
    }
    for (kind, name) in &targets.workloads {
        if [
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
            "Job",
            "CronJob",
        ]
        .contains(&kind.as_str())
        {
            calls.push(("get_workload", with_ns(json!({"kind": kind, "name": name}))));
        }
    }
    if let Some(node) = &targets.node {
        calls.push(("get_node", json!({"name": node})));
    }
    if let Some(pvc) = &targets.pvc {
        calls.push(("get_pvc", with_ns(json!({"name": pvc}))));
    }
    // The runbook's Diagnosis names the evidence to collect; follow the kinds it mentions.
    let diagnosis: String = hits.iter().take(2).map(|h| h.text.to_lowercase()).collect();
    if ns.is_some() {
        if targets.pod.is_none() && targets.workloads.is_empty() {
            calls.push(("list_pods", with_ns(json!({}))));
        }
        calls.push(("list_events", with_ns(json!({"warnings_only": true}))));
        if targets.pvc.is_none()
            && (diagnosis.contains("persistentvolumeclaim") || diagnosis.contains("pvc"))
        {
            calls.push(("get_pvc", with_ns(json!({}))));
        }
    }
    calls
}

/// What the prompt is built from: findings, then the evidence they cite (and the rest), then
/// the best runbook section.
fn prompt_input(
    alert: &Alert,
    findings: &[Finding],
    trajectory: &Trajectory,
    hits: &[Hit],
) -> PromptInput {
    let labels = alert
        .labels
        .iter()
        .filter(|(k, _)| k.as_str() != "alertname" && k.as_str() != "prometheus")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let prompt_findings = findings
        .iter()
        .take(prompt::MAX_FINDINGS)
        .map(|f| prompt::PromptFinding {
            category: f.category.as_str().to_string(),
            resource: f.resource.clone(),
            summary: f.summary.clone(),
            confidence: f.confidence,
            quotes: f.quotes.iter().map(|q| q.text.clone()).collect(),
        })
        .collect();
    let evidence = trajectory
        .steps()
        .iter()
        .enumerate()
        .filter(|(i, s)| s.tool != "search_runbooks" && s.tool != "llm" && trajectory.succeeded(*i))
        .map(|(_, s)| prompt::PromptEvidence {
            source: crate::report::step_id(s.step),
            title: format!("{} {}", s.tool, compact_args(&s.input)),
            text: s.output_excerpt.clone(),
        })
        .collect();
    let runbook = hits.first().map(|h| prompt::PromptRunbook {
        path: h.path.clone(),
        heading: h.heading.clone(),
        text: h.text.clone(),
    });
    PromptInput {
        alert_name: alert.name().to_string(),
        labels,
        summary: alert.annotation("summary").map(str::to_string),
        description: alert.annotation("description").map(str::to_string),
        findings: prompt_findings,
        evidence,
        runbook,
    }
}

fn compact_args(args: &Value) -> String {
    let Some(map) = args.as_object() else {
        return String::new();
    };
    map.iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The report's runbooks, best score first. Scores are on one 0..1 scale whichever search found
/// them (`knowledge::Hit::score`), so the cause's and the alert's hits sort together; the
/// prompt keeps the merged order, which leads with the cause's runbook.
fn runbook_refs(hits: &[Hit]) -> Vec<RunbookRef> {
    let mut refs: Vec<RunbookRef> = hits
        .iter()
        .map(|h| RunbookRef {
            path: h.path.clone(),
            heading: h.heading.clone(),
            score: f64::from(h.score),
        })
        .collect();
    refs.sort_by(|a, b| b.score.total_cmp(&a.score));
    refs
}

/// The cause's two best runbooks, then the alert's, then the cause's others: each runbook once,
/// at most `limit`, and the alert's own runbook is never pushed out by the cause's.
fn merge_hits(by_cause: Vec<Hit>, by_alert: Vec<Hit>, limit: usize) -> Vec<Hit> {
    let mut by_cause = by_cause.into_iter();
    let lead: Vec<Hit> = by_cause.by_ref().take(2).collect();
    let mut merged: Vec<Hit> = Vec::with_capacity(limit);
    for hit in lead.into_iter().chain(by_alert).chain(by_cause) {
        if merged.len() == limit {
            break;
        }
        if !merged.iter().any(|h| h.path == hit.path) {
            merged.push(hit);
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(path: &str) -> Hit {
        Hit {
            path: path.into(),
            heading: "Meaning".into(),
            score: 1.0,
            text: String::new(),
        }
    }

    fn finding(category: Category, relation: analyzers::Relation) -> Finding {
        Finding {
            category,
            resource: "ns/Pod/p".into(),
            summary: String::new(),
            quotes: Vec::new(),
            confidence: 0.9,
            details: Vec::new(),
            actions: Vec::new(),
            relation,
            explains: Vec::new(),
            because: Vec::new(),
            target: None,
        }
    }

    #[test]
    fn the_policy_decides_between_the_analyzers_and_the_model() {
        use Category::{CrashAppError as Crash, OomKilled as Oom, Storage};
        use analyzers::Relation::{Alerted, Nearby};
        let findings = vec![
            finding(Crash, Alerted),
            finding(Storage, Alerted),
            finding(Oom, Nearby),
        ];
        let p = CategoryPolicy::Analyzers;
        assert_eq!(decide(p, &findings, Some(Storage)), Some(Crash));
        let p = CategoryPolicy::Supported;
        assert_eq!(
            decide(p, &findings, Some(Storage)),
            Some(Storage),
            "a finding about the alert backs it"
        );
        assert_eq!(
            decide(p, &findings, Some(Oom)),
            Some(Crash),
            "only a nearby finding backs it"
        );
        let p = CategoryPolicy::Model;
        assert_eq!(decide(p, &findings, Some(Oom)), Some(Oom));
        // No model choice: the analyzers'; no finding: the model's, under every policy.
        assert_eq!(decide(p, &findings, None), Some(Crash));
        assert_eq!(decide(CategoryPolicy::Analyzers, &[], Some(Oom)), Some(Oom));
        assert_eq!(decide(CategoryPolicy::Analyzers, &[], None), None);
        assert_eq!(
            answer_prefix(Some(Oom)),
            "CATEGORY: oom_killed\nROOT CAUSE: The"
        );
        assert_eq!(answer_prefix(None), "CATEGORY:");
    }

    #[test]
    fn cause_runbooks_come_first_once_each_within_the_limit() {
        let paths = |hits: Vec<Hit>| hits.into_iter().map(|h| h.path).collect::<Vec<_>>();
        let by_cause = vec![hit("oom.md"), hit("crash.md"), hit("node-memory.md")];
        let by_alert = vec![hit("crash.md"), hit("exit-codes.md"), hit("probes.md")];
        assert_eq!(
            paths(merge_hits(by_cause.clone(), by_alert.clone(), 3)),
            ["oom.md", "crash.md", "exit-codes.md"]
        );
        assert_eq!(
            paths(merge_hits(by_cause, by_alert, 6)),
            [
                "oom.md",
                "crash.md",
                "exit-codes.md",
                "probes.md",
                "node-memory.md"
            ]
        );
        // The alert's best runbook survives a cause search that fills the limit by itself.
        let many: Vec<Hit> = ["a.md", "b.md", "c.md"].map(hit).to_vec();
        assert_eq!(
            paths(merge_hits(many, vec![hit("alert.md")], 3)),
            ["a.md", "b.md", "alert.md"]
        );
    }

    #[test]
    fn report_runbooks_are_sorted_best_first() {
        let scored = |path: &str, score: f32| Hit { score, ..hit(path) };
        let merged = merge_hits(
            vec![scored("oom.md", 0.62), scored("crash.md", 0.4)],
            vec![scored("alert.md", 0.97)],
            3,
        );
        let refs = runbook_refs(&merged);
        let order: Vec<(&str, f64)> = refs.iter().map(|r| (r.path.as_str(), r.score)).collect();
        assert_eq!(order[0].0, "alert.md");
        assert!(order.windows(2).all(|w| w[0].1 >= w[1].1), "{order:?}");
    }
}
