//! Container logs: classifies a failing container's log tail (TLS, DNS, unreachable dependency,
//! application error) and quotes its lines as `pod_logs` prints them.
use serde_json::json;

use super::Ctx;
use crate::analyzers::facts::{self, log_line};
use crate::analyzers::{LOG_TAIL, Quote, quote};
use crate::report::Category;

/// Log signatures, most specific first: (category, needles, what it means).
const LOG_SIGNS: &[(Category, &[&str], &str)] = &[
    (
        Category::CertificateExpiry,
        &[
            "certificate has expired",
            "certificate is expired",
            "x509: certificate",
            "certificate verify failed",
            "tls: failed to verify certificate",
            "ssl certificate problem",
            "certificate is not yet valid",
        ],
        "TLS certificate problem",
    ),
    (
        Category::NetworkDns,
        &[
            "no such host",
            "temporary failure in name resolution",
            "name or service not known",
            "could not resolve host",
            "getaddrinfo enotfound",
            "nxdomain",
            "server misbehaving",
            "name resolution",
            "unknown host",
        ],
        "DNS resolution failure",
    ),
    (
        Category::DependencyFailure,
        &[
            "connection refused",
            "econnrefused",
            "connection reset by peer",
            "i/o timeout",
            "connection timed out",
            "context deadline exceeded",
            "503 service unavailable",
            "upstream connect error",
            "could not connect to",
            "unable to connect to",
            "is the server running",
            "no route to host",
            "etimedout",
        ],
        "a dependency is unreachable",
    ),
];

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
    target: Option<String>,
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
            (Some(t), Category::DependencyFailure) => format!("{} ({t})", self.what),
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
    for (category, needles, what) in LOG_SIGNS {
        for (previous, text) in sources.iter() {
            let Some(text) = text else { continue };
            let hits: Vec<&str> = text
                .lines()
                .filter(|l| {
                    let low = l.to_ascii_lowercase();
                    needles.iter().any(|n| low.contains(n))
                })
                .collect();
            if let Some(last) = hits.last() {
                return Some(LogVerdict {
                    category: *category,
                    quotes: vec![log_quote(ns, pod, container, *previous, last)],
                    what,
                    line: log_line(last),
                    others: Vec::new(),
                    target: facts::network_target(last),
                });
            }
        }
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
