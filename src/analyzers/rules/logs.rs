//! Container logs: classifies a failing container's log tail (TLS, DNS, unreachable dependency,
//! application error) and quotes its lines as `pod_logs` prints them.
use serde_json::json;

use super::Ctx;
use crate::analyzers::facts::{self, log_line};
use crate::analyzers::signatures::{self, Signature};
use crate::analyzers::{LOG_TAIL, Quote, quote};
use crate::report::Category;

/// App-error lines: the last few lines that say error/exception/fatal/panic.
fn error_lines(text: &str) -> Vec<String> {
    let needles = [
        "error",
        "exception",
        "fatal",
        "panic",
        "traceback",
        "failed",
        "cannot",
        "unable",
        "not found",
        "invalid",
        "denied",
    ];
    let mut v: Vec<String> = text
        .lines()
        .filter(|l| {
            let low = l.to_ascii_lowercase();
            needles.iter().any(|n| low.contains(n))
        })
        .map(|l| l.trim_end().to_string())
        .filter(|l| !l.trim().is_empty())
        .collect();
    let keep = v.len().saturating_sub(3);
    v.drain(..keep);
    v
}

fn log_quote(ns: &str, pod: &str, container: &str, previous: bool, line: &str) -> Quote {
    let mut args =
        json!({"namespace": ns, "name": pod, "container": container, "tail_lines": LOG_TAIL});
    if previous {
        args["previous"] = json!(true);
    }
    quote("pod_logs", args, line.trim_end())
}

/// What a container's logs say about its failure.
pub(super) struct LogVerdict {
    pub(super) category: Category,
    pub(super) quotes: Vec<Quote>,
    what: &'static str,
    /// The decisive line as a conclusion quotes it (one line, clipped).
    pub(super) line: String,
    /// The other error lines at the end of the log (for the summary), oldest first.
    others: Vec<String>,
    /// The host (or host:port) a network error names.
    pub(super) target: Option<String>,
}

impl LogVerdict {
    /// What it means, then the line in backticks (`DNS resolution failure for db.x: ...`).
    pub(super) fn sentence(&self) -> String {
        format!("{}: `{}`", self.what_for(), self.line)
    }

    /// What it means, with the host where there is one.
    pub(super) fn what_for(&self) -> String {
        match (&self.target, self.category) {
            (Some(t), Category::NetworkDns) => format!("{} for {t}", self.what),
            (Some(t), Category::DependencyFailure) => match facts::port_service(t) {
                Some(service) => format!("{} ({t}, the {service} port)", self.what),
                None => format!("{} ({t})", self.what),
            },
            _ => self.what.to_string(),
        }
    }

    pub(super) fn details(&self) -> Vec<String> {
        if self.others.is_empty() {
            return Vec::new();
        }
        let lines: Vec<String> = self.others.iter().map(|l| format!("`{l}`")).collect();
        vec![format!(
            "Other error lines at the end of the log: {}.",
            lines.join(", ")
        )]
    }

    /// A next step that names the host, where there is one.
    pub(super) fn action(&self, ns: &str) -> Option<String> {
        match self.category {
            Category::Storage => {
                return Some(format!(
                    "Free space on (or grow) the volume the line `{}` writes to: find it with `kubectl exec` + `df -h`, and check the PVC's size and kubelet_volume_stats_used_bytes",
                    self.line
                ));
            }
            Category::ConfigMissing => {
                return Some(format!(
                    "Provide what `{}` names (env variable, ConfigMap/Secret key or mounted file) in the pod spec, then restart the pod",
                    self.line
                ));
            }
            Category::OomKilled => {
                return Some(format!(
                    "Raise the process's heap/memory setting and the container's memory limit together, or reduce its working set (`{}`)",
                    self.line
                ));
            }
            Category::CertificateExpiry => {
                return Some(format!(
                    "Renew or replace the certificate the line `{}` rejects (check its notAfter with openssl s_client), or the CA bundle the client trusts",
                    self.line
                ));
            }
            _ => {}
        }
        let t = self.target.as_deref()?;
        match self.category {
            Category::NetworkDns => Some(format!(
                "Check that {t} is the right name and resolves from inside the cluster (nslookup {t} from a debug pod in namespace {ns})"
            )),
            Category::DependencyFailure => Some(format!(
                "Check that the dependency at {t} is running and accepts connections (its pods, Service endpoints, NetworkPolicies)"
            )),
            _ => None,
        }
    }
}

/// The last non-empty line of a container's logs (previous instance first), for a crash whose
/// logs hold no error line: its quote and its conclusion text.
pub(super) fn last_log_line(
    cx: &Ctx<'_>,
    ns: &str,
    pod: &str,
    container: &str,
) -> Option<(Quote, String)> {
    let key = (ns.to_string(), pod.to_string(), container.to_string());
    [
        (true, cx.snap.previous_logs.get(&key)),
        (false, cx.snap.logs.get(&key)),
    ]
    .into_iter()
    .find_map(|(previous, text)| {
        let line = text?.lines().rev().find(|l| !l.trim().is_empty())?;
        Some((
            log_quote(ns, pod, container, previous, line),
            log_line(line),
        ))
    })
}

/// Classifies a crashing/unready container's logs.
pub(super) fn classify_logs(
    cx: &Ctx<'_>,
    ns: &str,
    pod: &str,
    container: &str,
) -> Option<LogVerdict> {
    let key = (ns.to_string(), pod.to_string(), container.to_string());
    let sources = [
        (true, cx.snap.previous_logs.get(&key)),
        (false, cx.snap.logs.get(&key)),
    ];
    // The highest-priority signature over both instances' logs (the previous, crashed one
    // first on a tie); an application bug's signature is told by the error-lines path below.
    let mut found: Option<(usize, &'static Signature, bool, &str)> = None;
    for (previous, text) in sources.iter() {
        let Some(text) = text else { continue };
        let lines: Vec<&str> = text.lines().collect();
        if let Some((row, sig, at)) = signatures::best(lines.iter().copied())
            && found.is_none_or(|(best_row, ..)| row < best_row)
        {
            found = Some((row, sig, *previous, lines[at]));
        }
    }
    if let Some((row, sig, previous, line)) = found
        && sig.category != Category::CrashAppError
    {
        // Of the lines of that signature, the last one that names its host (`connect
        // ECONNREFUSED 10.0.0.7:6379` rather than the error object's `code: 'ECONNREFUSED'`).
        let text = if previous { sources[0].1 } else { sources[1].1 };
        let line = text
            .into_iter()
            .flat_map(|t| t.lines())
            .filter(|l| signatures::matching(l).is_some_and(|(r, _)| r == row))
            .rfind(|l| facts::network_target(l).is_some())
            .unwrap_or(line);
        return Some(LogVerdict {
            category: sig.category,
            quotes: vec![log_quote(ns, pod, container, previous, line)],
            what: sig.meaning,
            line: log_line(line),
            others: Vec::new(),
            target: facts::network_target(line),
        });
    }
    for (previous, text) in sources.iter() {
        let Some(text) = text else { continue };
        let lines = error_lines(text);
        let Some(last) = lines.last() else { continue };
        let quotes = lines
            .iter()
            .map(|l| log_quote(ns, pod, container, *previous, l))
            .collect();
        // The decisive line is the last one that says what went wrong (`kind: detail`, as
        // `ModuleNotFoundError: ...`, `sh: syntax error: ...`, `ERROR config: ...`); a bare
        // `FATAL cannot start` after it is the consequence, kept among the other lines.
        let decisive = lines
            .iter()
            .rev()
            .find(|l| facts::strip_timestamp(l).contains(": "))
            .unwrap_or(last);
        let line = log_line(decisive);
        // A traceback header says nothing by itself; the exception line after it does.
        let others = lines
            .iter()
            .filter(|l| {
                !l.trim_start()
                    .starts_with("Traceback (most recent call last)")
            })
            .map(|l| log_line(l))
            .filter(|l| *l != line)
            .collect();
        return Some(LogVerdict {
            category: Category::CrashAppError,
            quotes,
            what: "the application exits with an error",
            line,
            others,
            target: None,
        });
    }
    None
}

/// The first container of a pod that runs (no finding yet) whose logs name a known mechanism
/// (not a mere application error), with its verdict.
pub(super) fn mechanism_in_logs(cx: &Ctx<'_>, ns: &str, pod: &str) -> Option<(String, LogVerdict)> {
    let resource = format!("{ns}/Pod/{pod}");
    if cx.out.iter().any(|f| f.resource == resource) {
        return None;
    }
    let snap = cx.snap;
    let mut containers: Vec<&String> = snap
        .logs
        .keys()
        .chain(snap.previous_logs.keys())
        .filter(|(n, p, _)| n == ns && p == pod)
        .map(|(_, _, c)| c)
        .collect();
    containers.sort_unstable();
    containers.dedup();
    containers.into_iter().find_map(|c| {
        classify_logs(cx, ns, pod, c)
            .filter(|v| v.category != Category::CrashAppError)
            .map(|v| (c.clone(), v))
    })
}

/// The running pods of a request alert's service: what their logs say the requests run into
/// (a database out of connection slots, a dependency refusing) — the cause of a latency or
/// error alert when nothing crashes.
pub(super) fn service_logs(cx: &mut Ctx<'_>) {
    let snap = cx.snap;
    for (ns, pod) in &snap.service_pods {
        let resource = format!("{ns}/Pod/{pod}");
        if let Some((c, v)) = mechanism_in_logs(cx, ns, pod) {
            let f = cx.add(
                v.category,
                resource.clone(),
                format!(
                    "Requests served by pod {pod} (container {c}) fail on this: {}.",
                    v.sentence()
                ),
                v.quotes.clone(),
                0.74,
            );
            f.target = v.target.clone();
            f.actions.extend(v.action(ns));
        }
    }
}
