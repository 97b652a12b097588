//! Turning findings (and a model's answer) into the report's conclusion.
use crate::analyzers::{Finding, Relation};
use crate::report::{Category, EvidenceQuote, Hypothesis};

use super::answer::Answer;
use super::api_loop::ApiAnswer;
use super::trajectory::Trajectory;
use crate::alert::Targets;

/// The concluding part of a report.
#[derive(Debug, Clone)]
pub struct Conclusion {
    pub category: Category,
    pub root_cause: String,
    pub confidence: f64,
    pub summary: String,
    pub evidence: Vec<EvidenceQuote>,
    pub hypotheses: Vec<Hypothesis>,
    pub next_steps: Vec<String>,
}

/// Evidence ids (`e1`...) of the quotes that belong to `finding`.
fn supporting(finding: &Finding, evidence: &[EvidenceQuote]) -> Vec<String> {
    evidence
        .iter()
        .enumerate()
        .filter(|(_, e)| finding.quotes.iter().any(|q| q.text == e.quote))
        .map(|(i, _)| format!("e{}", i + 1))
        .collect()
}

/// The analyzers' conclusion: the best finding is the root cause, the others are alternatives.
pub fn from_findings(
    findings: &[Finding],
    targets: &Targets,
    evidence: &[EvidenceQuote],
) -> Conclusion {
    let Some(top) = findings.first() else {
        let what = targets
            .resources()
            .first()
            .cloned()
            .unwrap_or_else(|| "the alerting resource".into());
        return Conclusion {
            category: Category::Unknown,
            root_cause: format!(
                "No rule matched the collected evidence for {what}; the cause is not determined."
            ),
            confidence: 0.1,
            summary: "The evidence gathered shows no known failure signature (container terminations, \
                      failing events, node conditions, log errors). Investigate manually from the runbook."
                .into(),
            evidence: Vec::new(),
            hypotheses: Vec::new(),
            next_steps: next_steps(Category::Unknown, &what),
        };
    };
    let category = top.category;
    let hypotheses: Vec<Hypothesis> = findings
        .iter()
        .take(4)
        .map(|f| Hypothesis {
            statement: format!("[{}] {}: {}", f.category, f.resource, f.summary),
            confidence: probability(f.confidence),
            supporting: supporting(f, evidence),
            contradicting: Vec::new(),
        })
        .collect();
    let related = |f: &&Finding| f.relation != Relation::Nearby;
    let others: Vec<String> = findings
        .iter()
        .skip(1)
        .filter(related)
        .take(3)
        .filter(|f| f.category != top.category || f.resource != top.resource)
        // The same story told about an object the top finding already names (the unbound claim
        // of an unschedulable pod) only repeats it; the hypotheses keep it.
        .filter(|f| {
            let name = f.resource.rsplit('/').next().unwrap_or_default();
            f.category != top.category || name.is_empty() || !top.summary.contains(name)
        })
        .filter(|f| {
            !top.explains.contains(&f.summary)
                && !top.because.iter().any(|b| b.contains(&f.summary))
        })
        .map(|f| format!("{} ({})", f.summary.trim_end_matches('.'), f.category))
        .collect();
    // Other broken things around the alert's objects, with no link found: worth a look, not
    // the cause.
    let nearby: Vec<String> = findings
        .iter()
        .skip(1)
        .filter(|f| f.relation == Relation::Nearby)
        .take(3)
        .map(|f| format!("{} ({})", f.resource, f.category))
        .collect();
    // The root cause already says what happened; the summary adds where, and the specifics.
    let mut summary = if top.details.is_empty() {
        format!("Seen on {}.", top.resource)
    } else {
        format!("On {}: {}", top.resource, top.details.join(" "))
    };
    if !top.explains.is_empty() || !top.because.is_empty() {
        let links: Vec<&str> = (top.explains.iter())
            .chain(std::iter::once(&top.summary))
            .chain(&top.because)
            .map(|l| l.trim().trim_end_matches('.'))
            .collect();
        summary.push_str(&format!(" Causal chain: {}.", links.join(" ← ")));
    }
    if !others.is_empty() {
        summary.push_str(&format!(" Also seen: {}.", others.join("; ")));
    }
    if !nearby.is_empty() {
        summary.push_str(&format!(
            " Also unhealthy nearby (no link to the alert found): {}.",
            nearby.join("; ")
        ));
    }
    // The finding's own steps name its objects and values; the category's steps follow.
    let mut steps: Vec<String> = Vec::new();
    for step in top
        .actions
        .iter()
        .cloned()
        .chain(next_steps(category, &top.resource))
    {
        push_step(&mut steps, step);
    }
    Conclusion {
        category,
        root_cause: top.summary.clone(),
        confidence: probability(top.confidence),
        summary,
        evidence: evidence.to_vec(),
        hypotheses,
        next_steps: steps,
    }
}

/// A validated local-model answer on top of the analyzers' draft (which keeps the evidence and
/// hypotheses: the model only words the conclusion).
pub fn from_answer(answer: Answer, draft: Conclusion, findings: &[Finding]) -> Conclusion {
    let confidence = findings
        .iter()
        .find(|f| f.category == answer.category)
        .map(|f| probability(f.confidence))
        .unwrap_or(round2(draft.confidence * 0.8));
    // Keep the analyzers' root cause beside the model's words: the model is small and may drop
    // the specifics (exit codes, names) that make the report checkable.
    let root_cause = if answer.category.as_str() != draft.category.as_str() {
        answer.root_cause
    } else if adds_nothing(&answer.root_cause, &draft.root_cause) {
        draft.root_cause.clone()
    } else {
        format!("{} {}", answer.root_cause.trim(), draft.root_cause.trim())
    };
    let same_category = answer.category.as_str() == draft.category.as_str();
    // The analyzers' steps name the objects and values; the model's add wording at best. Its
    // steps that are new come after the first two of them.
    let mut next_steps: Vec<String> = Vec::new();
    let (first, rest) = draft.next_steps.split_at(draft.next_steps.len().min(2));
    for step in (first.iter().cloned())
        .chain(answer.next_steps)
        .chain(rest.iter().cloned())
    {
        if next_steps.len() >= 5 {
            break;
        }
        push_step(&mut next_steps, step);
    }
    // Likewise the evidence specifics the best finding adds to the summary (other log lines,
    // the labels no node has, the objects that do exist).
    let summary = if answer.summary.is_empty()
        || (same_category && adds_nothing(&answer.summary, &draft.summary))
    {
        draft.summary
    } else if same_category {
        // The model's sentence, then the analyzers' summary with its specifics.
        format!("{} {}", answer.summary.trim(), draft.summary.trim())
    } else {
        let mut summary = answer.summary.trim().to_string();
        if same_category && let Some(top) = findings.first() {
            for detail in &top.details {
                if !summary.contains(detail.as_str()) {
                    summary.push(' ');
                    summary.push_str(detail);
                }
            }
        }
        summary
    };
    Conclusion {
        category: answer.category,
        root_cause,
        confidence,
        summary,
        next_steps,
        ..draft
    }
}

/// A finding's confidence as the report shows it: a probability with two decimals (0.95, not
/// the f32's 0.949999988079071).
fn probability(confidence: f32) -> f64 {
    round2(f64::from(confidence).clamp(0.0, 1.0))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Adds a next step unless an earlier one already says the same (most of its words).
fn push_step(steps: &mut Vec<String>, step: String) {
    if !steps.iter().any(|s| says_the_same(s, &step)) {
        steps.push(step);
    }
}

/// The content words of a step, lower-cased, without possessives and plurals.
fn content_words(text: &str) -> std::collections::HashSet<String> {
    const STOP: &[&str] = &[
        "the", "and", "for", "its", "with", "that", "this", "what", "from", "they", "their",
        "then", "into", "when", "if", "or", "of", "to", "in", "on", "it", "is", "a", "an", "be",
        "by",
    ];
    text.split(|c: char| !c.is_alphanumeric() && c != '_' && c != '\'')
        .map(|w| {
            let w = w.to_lowercase();
            let w = w.trim_end_matches("'s").to_string();
            if w.len() > 4 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_string()
            } else {
                w
            }
        })
        .filter(|w| w.len() > 2 && !STOP.contains(&w.as_str()))
        .collect()
}

/// Two steps say the same when most content words of the shorter are in the longer.
fn says_the_same(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (a, b) = (content_words(a), content_words(b));
    let shorter = a.len().min(b.len());
    shorter > 0 && a.intersection(&b).count() * 10 >= shorter * 7
}

/// True when (nearly) every word of the model's sentence is already in the analyzers' text: the
/// model copied it, and printing both would say the same thing twice.
fn adds_nothing(model: &str, analyzers: &str) -> bool {
    let words = |t: &str| -> Vec<String> {
        t.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let known: std::collections::HashSet<String> = words(analyzers).into_iter().collect();
    let said = words(model);
    let new = said.iter().filter(|w| !known.contains(*w)).count();
    // "The container was OOMKilled … 256Mi" beside "Container app was OOMKilled … 256Mi": 2 of 15
    // words new.
    new * 5 <= said.len()
}

/// An API model's JSON answer; its quotes are kept only where they exist verbatim in the cited
/// step (or, if it cited the wrong step, in any step).
pub fn from_api_answer(
    answer: ApiAnswer,
    draft: Conclusion,
    trajectory: &Trajectory,
) -> Conclusion {
    let mut evidence: Vec<EvidenceQuote> = Vec::new();
    for e in answer.evidence {
        let cited = trajectory.steps().iter().position(|s| {
            crate::report::step_id(s.step) == e.source && s.output_excerpt.contains(&e.quote)
        });
        let index = cited.or_else(|| trajectory.find_quote(&e.quote));
        if let Some(i) = index
            && !e.quote.trim().is_empty()
            && !evidence.iter().any(|x| x.quote == e.quote)
        {
            evidence.push(EvidenceQuote {
                source: trajectory.id(i),
                quote: e.quote,
            });
        }
    }
    for e in draft.evidence {
        if !evidence.iter().any(|x| x.quote == e.quote) {
            evidence.push(e);
        }
    }
    Conclusion {
        category: answer.category,
        root_cause: answer.root_cause,
        confidence: answer.confidence.clamp(0.0, 1.0),
        summary: answer.summary,
        evidence,
        hypotheses: if answer.hypotheses.is_empty() {
            draft.hypotheses
        } else {
            answer.hypotheses
        },
        next_steps: if answer.next_steps.is_empty() {
            draft.next_steps
        } else {
            answer.next_steps
        },
    }
}

/// What an SRE does next, per category; `resource` is `ns/Kind/name`.
pub fn next_steps(category: Category, resource: &str) -> Vec<String> {
    let r = resource;
    let steps: &[&str] = match category {
        Category::OomKilled => &[
            "Compare the container's memory usage before the kill with its limit (container_memory_working_set_bytes vs the limit) for {r}",
            "Raise the memory limit (and request) if usage is legitimate, or fix the leak/heap setting if it grows without bound",
            "Check whether the OOM kills started with a deploy or a traffic change",
        ],
        Category::CrashAppError => &[
            "Read the previous container's logs for {r} (kubectl logs --previous) and fix the error they end with",
            "Check what changed with the last rollout (image, config, environment) and roll back if it introduced the crash",
            "Verify the command, arguments and required environment of the container",
        ],
        Category::ImagePull => &[
            "Check that the image name and tag used by {r} exist in the registry",
            "Check imagePullSecrets and registry credentials, and that nodes can reach the registry",
            "Fix the image reference in the workload spec and let the rollout retry",
        ],
        Category::ProbeFailure => &[
            "Compare the probe's path, port and timeouts with what the application of {r} really serves",
            "Check whether the application starts slower than initialDelaySeconds/startupProbe allow",
            "Fix the probe or the endpoint; do not just delete the probe",
        ],
        Category::Unschedulable => &[
            "Read the FailedScheduling event message for {r}: it names the unmet constraint",
            "Compare the pod's requests, nodeSelector, affinity and tolerations with the nodes' allocatable resources, labels and taints",
            "Reduce requests, fix the selector/toleration, or add capacity",
        ],
        Category::Storage => &[
            "Check the PersistentVolumeClaim's phase, storage class and events for {r}",
            "Verify the StorageClass exists and its provisioner is running; check FailedMount/FailedAttachVolume events",
            "Fix the claim (class, size, access mode) or free/expand the volume",
        ],
        Category::ConfigMissing => &[
            "Create the missing ConfigMap/Secret (or key) that {r} references, or fix the reference",
            "Check that it exists in the pod's namespace and that the key names match",
            "Mark optional references optional: true only if the application really tolerates their absence",
        ],
        Category::NodeFailure => &[
            "Check the node's conditions, kubelet status and recent events for {r}",
            "Cordon and drain the node if it stays NotReady or under pressure; reschedule its pods",
            "Find the cause (kubelet, runtime, disk, memory, network) before uncordoning",
        ],
        Category::ResourceSaturation => &[
            "Check CPU throttling and usage against limits for {r} (container_cpu_cfs_throttled_periods_total)",
            "Raise the CPU limit or remove it, or scale out if the load is legitimate",
            "Look for a recent traffic increase or a hot loop in the application",
        ],
        Category::DependencyFailure => &[
            "Identify the dependency {r} cannot reach (host and port in the error) and check its pods, Service and endpoints",
            "Check whether the dependency is down, overloaded or moved, and its own alerts",
            "Make the client retry with backoff and fail readiness while the dependency is down",
        ],
        Category::NetworkDns => &[
            "Resolve the failing name from inside the cluster (a debug pod in the same namespace as {r})",
            "Check CoreDNS pods and logs, and the Service name/namespace the application uses",
            "Check NetworkPolicies that may block DNS (UDP/TCP 53) or the destination",
        ],
        Category::JobFailure => &[
            "Read the logs of the failed Job pods of {r} and fix the error they end with",
            "Check the Job's backoffLimit and activeDeadlineSeconds, and whether the failure is retryable",
            "Re-run the Job once fixed; delete the failed Job if a CronJob will recreate it",
        ],
        Category::RolloutStuck => &[
            "Check the rollout status and the new ReplicaSet's pods of {r}: why are they not becoming ready?",
            "Roll back (kubectl rollout undo) if the new version is broken",
            "Fix the blocking cause (image, probes, quota, scheduling) and resume the rollout",
        ],
        Category::QuotaExceeded => &[
            "Compare the namespace's ResourceQuota used vs hard for the resource named in the 'exceeded quota' message ({r})",
            "Lower the workload's requests/limits, delete unused objects, or raise the quota",
            "Add requests/limits to pods that lack them if the quota requires them",
        ],
        Category::CertificateExpiry => &[
            "Find the expired certificate (x509 error, Secret, issuer) used by {r} and its notAfter date",
            "Renew or reissue it (cert-manager: check the Certificate and CertificateRequest), then restart consumers",
            "Alert on expiry well before it happens",
        ],
        Category::ControlPlane => &[
            "Check the API server, scheduler, controller-manager and etcd health for {r}",
            "Look at their logs and at apiserver request error rates and latency",
            "Avoid changes to the cluster until the control plane is healthy",
        ],
        Category::Unknown => &[
            "Read the alert's expression and current value, and the runbook found for it",
            "Describe the named resource ({r}) and read its events and logs",
            "Escalate to the owning team with the evidence collected",
        ],
    };
    steps.iter().map(|s| s.replace("{r}", r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(category: Category, resource: &str, summary: &str) -> Finding {
        Finding {
            category,
            resource: resource.into(),
            summary: summary.into(),
            quotes: Vec::new(),
            confidence: 0.9,
            details: Vec::new(),
            actions: Vec::new(),
            relation: Relation::Alerted,
            explains: Vec::new(),
            because: Vec::new(),
            target: None,
        }
    }

    #[test]
    fn a_copied_sentence_is_not_printed_twice() {
        let analyzers = "Container app was OOMKilled (exit code 137) at its memory limit of 256Mi; restarts: 9.";
        assert!(adds_nothing(
            "The container was OOMKilled (exit code 137) at its memory limit of 256Mi; restarts: 9.",
            analyzers
        ));
        assert!(!adds_nothing(
            "The JVM heap grew past the limit after the 2.3 deploy.",
            analyzers
        ));
    }

    #[test]
    fn a_model_summary_keeps_the_findings_details() {
        let mut top = finding(Category::Unschedulable, "n/Pod/p", "Pod p is Pending.");
        top.details
            .push("None of the 2 node(s) has the label disk=ssd.".into());
        let findings = [top];
        let draft = from_findings(&findings, &Targets::default(), &[]);
        let answer = Answer {
            category: Category::Unschedulable,
            category_repaired: false,
            root_cause: "The pod cannot be scheduled on any node.".into(),
            summary: "The scheduler finds no node for the pod.".into(),
            next_steps: vec!["Fix the selector.".into()],
        };
        let c = from_answer(answer, draft, &findings);
        // The model's sentence, then the analyzers' summary with the finding's details.
        assert_eq!(
            c.summary,
            "The scheduler finds no node for the pod. On n/Pod/p: None of the 2 node(s) has the label disk=ssd."
        );
        assert!(c.root_cause.ends_with("Pod p is Pending."));
        // The analyzers' two leading steps stay ahead of the model's.
        assert_eq!(
            c.next_steps.iter().position(|s| s == "Fix the selector."),
            Some(2),
            "{:?}",
            c.next_steps
        );
    }

    #[test]
    fn details_reach_the_summary_and_actions_lead_the_next_steps() {
        let mut top = finding(
            Category::Storage,
            "n/Pod/redis-1",
            "Pod redis-1 cannot be scheduled: its PersistentVolumeClaim data is unbound.",
        );
        top.details
            .push("Scheduler: `pod has unbound PVCs`.".into());
        top.actions.push("Create StorageClass fast".into());
        let claim = finding(
            Category::Storage,
            "n/PersistentVolumeClaim/data",
            "PersistentVolumeClaim data is not bound.",
        );
        let node = finding(
            Category::NodeFailure,
            "Node/w1",
            "Node w1 has DiskPressure.",
        );
        let c = from_findings(&[top, claim, node], &Targets::default(), &[]);
        // The summary adds where and the specifics; it does not repeat the root cause.
        assert_eq!(
            c.summary,
            "On n/Pod/redis-1: Scheduler: `pod has unbound PVCs`. Also seen: Node w1 has DiskPressure (node_failure)."
        );
        assert!(!c.summary.contains(&c.root_cause));
        assert_eq!(c.next_steps[0], "Create StorageClass fast");
        assert_eq!(c.next_steps.len(), 4);
        // The claim's finding stays a hypothesis.
        assert_eq!(c.hypotheses.len(), 3);
    }

    #[test]
    fn steps_that_say_the_same_are_kept_once_and_confidences_read_as_probabilities() {
        let mut top = finding(
            Category::CrashAppError,
            "shop/Pod/api-0",
            "Container app crash-loops.",
        );
        top.confidence = 0.95;
        top.actions.push(
            "Read the previous container's logs for shop/Pod/api-0 and fix the error they end with"
                .into(),
        );
        let c = from_findings(&[top], &Targets::default(), &[]);
        // The category's generic "read the previous container's logs" step is the same advice.
        let reads = c
            .next_steps
            .iter()
            .filter(|s| s.contains("previous container"))
            .count();
        assert_eq!(reads, 1, "{:#?}", c.next_steps);
        assert_eq!(c.confidence, 0.95);
        assert_eq!(serde_json::to_string(&c.confidence).unwrap(), "0.95");
        assert!(says_the_same(
            "Raise the memory limit of api to 512Mi",
            "raise the memory limits of api to 512Mi now"
        ));
        assert!(!says_the_same(
            "Raise the memory limit of api to 512Mi",
            "Check whether the OOM kills started with a deploy"
        ));
    }
}
