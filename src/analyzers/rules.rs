//! The rules. Each looks at one kind of signal and says what it means in Kubernetes terms.
use serde_json::{Value, json};

use super::facts::{self, LINE_CHARS, clip, clip_tail, log_line};
use super::{Finding, Quote, Snapshot, pod_args, quote, throttling_query};
use crate::alert::Alert;
pub(crate) use crate::evidence::render::{arr, num, s};
use crate::evidence::render::{condition_line, container_lines, one_line};

fn meta_name(o: &Value) -> &str {
    s(o, "/metadata/name")
}
fn meta_ns(o: &Value) -> &str {
    s(o, "/metadata/namespace")
}

/// Pods whose logs are worth reading: not running cleanly.
pub(crate) fn pod_in_trouble(p: &Value) -> bool {
    let phase = s(p, "/status/phase");
    if matches!(phase, "Pending" | "Failed" | "Unknown") {
        return true;
    }
    arr(p, "/status/containerStatuses").iter().any(|c| {
        c.get("ready") != Some(&Value::Bool(true))
            || num(c, "/restartCount").unwrap_or(0) > 0
            || c.pointer("/state/waiting").is_some()
    })
}

struct Ctx<'a> {
    snap: &'a Snapshot,
    out: Vec<Finding>,
}

impl<'a> Ctx<'a> {
    fn add(
        &mut self,
        category: &'static str,
        resource: String,
        summary: String,
        quotes: Vec<Quote>,
        confidence: f32,
    ) -> &mut Finding {
        let at = self.out.len();
        self.out.push(Finding {
            category,
            resource,
            summary,
            quotes,
            confidence,
            details: Vec::new(),
            actions: Vec::new(),
        });
        &mut self.out[at]
    }

    /// Events about `kind/name` in `ns`, oldest first.
    fn events(&self, ns: &str, kind: &str, name: &str) -> Vec<&'a Value> {
        let snap: &'a Snapshot = self.snap;
        let mut v: Vec<&'a Value> = snap
            .items("events")
            .iter()
            .filter(|e| {
                s(e, "/involvedObject/kind") == kind
                    && s(e, "/involvedObject/name") == name
                    && (ns.is_empty()
                        || s(e, "/involvedObject/namespace").is_empty()
                        || s(e, "/involvedObject/namespace") == ns
                        || meta_ns(e) == ns)
            })
            .collect();
        v.sort_by_key(|e| crate::evidence::render::event_time(e).to_string());
        v
    }

    fn pvc(&self, ns: &str, name: &str) -> Option<&'a Value> {
        let snap: &'a Snapshot = self.snap;
        snap.items("persistentvolumeclaims")
            .iter()
            .find(|p| meta_ns(p) == ns && meta_name(p) == name)
    }

    /// Names of the objects of `kind` that exist in `ns` (only kinds the snapshot gathers;
    /// the namespace's root CA ConfigMap, present everywhere, is left out).
    fn existing(&self, ns: &str, kind: &str) -> Vec<String> {
        let plural = match kind {
            "ConfigMap" => "configmaps",
            _ => return Vec::new(),
        };
        self.snap
            .items(plural)
            .iter()
            .filter(|o| meta_ns(o) == ns && meta_name(o) != "kube-root-ca.crt")
            .map(|o| meta_name(o).to_string())
            .take(5)
            .collect()
    }
}

/// Why a claim is not bound, from its class and events.
struct PvcState<'a> {
    /// Phase, class and the newest failure event, for the conclusion
    /// (`Pending; its StorageClass fast-ssd does not exist; ProvisioningFailed: ...`).
    why: String,
    missing_class: bool,
    /// The claim's newest Warning (or ProvisioningFailed) event.
    warning: Option<&'a Value>,
    /// Whether the claim has any events at all (a provisioner at work or failing).
    has_events: bool,
    action: Option<String>,
}

fn pvc_state<'a>(cx: &Ctx<'a>, pvc: &Value) -> PvcState<'a> {
    let (ns, name) = (meta_ns(pvc), meta_name(pvc));
    let sc = s(pvc, "/spec/storageClassName");
    let classes: Option<Vec<&str>> = cx
        .snap
        .objects
        .get("storageclasses")
        // An empty list says nothing (bundles often leave storage classes out).
        .filter(|v| !v.is_empty())
        .map(|v| v.iter().map(meta_name).collect());
    let events = cx.events(ns, "PersistentVolumeClaim", name);
    let has_events = !events.is_empty();
    let warning = events
        .into_iter()
        .rev()
        .find(|e| s(e, "/type") == "Warning" || s(e, "/reason") == "ProvisioningFailed");
    let event_msg = warning.map(|e| s(e, "/message")).unwrap_or("");
    let event_low = event_msg.to_ascii_lowercase();
    let missing_class = !sc.is_empty()
        && (classes.as_ref().is_some_and(|c| !c.contains(&sc))
            || (event_low.contains("storageclass") && event_low.contains("not found")));
    let phase = match s(pvc, "/status/phase") {
        "" => "no phase",
        p => p,
    };
    let event_text = warning.map(|e| {
        format!(
            "{}: `{}`",
            s(e, "/reason"),
            clip(s(e, "/message"), LINE_CHARS)
        )
    });
    let why = if missing_class {
        format!(
            "{phase}; its StorageClass {sc} does not exist{}",
            event_text.map(|t| format!("; {t}")).unwrap_or_default()
        )
    } else {
        let class = if sc.is_empty() {
            "no StorageClass".to_string()
        } else {
            format!("StorageClass {sc}")
        };
        format!(
            "{phase}, {class}{}",
            event_text.map(|t| format!("; {t}")).unwrap_or_default()
        )
    };
    let action = if missing_class {
        let known = classes
            .as_ref()
            .map(|c| format!(" (existing: {})", c.join(", ")))
            .unwrap_or_default();
        Some(format!(
            "Create StorageClass {sc}, or re-create PersistentVolumeClaim {name} with an existing storageClassName{known} (the field is immutable)"
        ))
    } else if !sc.is_empty() && warning.is_some() {
        Some(format!(
            "Check the provisioner of StorageClass {sc} (its controller pods and logs) and the events of PersistentVolumeClaim {name}"
        ))
    } else {
        None
    };
    PvcState {
        why,
        missing_class,
        warning,
        has_events,
        action,
    }
}

pub(crate) fn run(snap: &Snapshot, alert: Option<&Alert>) -> Vec<Finding> {
    let mut cx = Ctx {
        snap,
        out: Vec::new(),
    };
    let failed_jobs = jobs(&mut cx);
    for pod in snap.items("pods") {
        let owned_by_failed_job = arr(pod, "/metadata/ownerReferences")
            .iter()
            .any(|o| s(o, "/kind") == "Job" && failed_jobs.iter().any(|j| j == s(o, "/name")));
        if !owned_by_failed_job {
            pod_rules(&mut cx, pod);
        }
    }
    quota(&mut cx);
    pvcs(&mut cx);
    nodes(&mut cx);
    deployments(&mut cx);
    metrics(&mut cx);
    if let Some(a) = alert
        && cx.out.is_empty()
    {
        alert_fallback(&mut cx, a);
    }
    cx.out
}

fn is_control_plane(pod: &Value) -> bool {
    let n = meta_name(pod);
    meta_ns(pod) == "kube-system"
        && [
            "kube-apiserver",
            "etcd",
            "kube-scheduler",
            "kube-controller-manager",
        ]
        .iter()
        .any(|c| n.starts_with(c))
}

/// Log signatures, most specific first: (category, needles, what it means).
const LOG_SIGNS: &[(&str, &[&str], &str)] = &[
    (
        "certificate_expiry",
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
        "network_dns",
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
        "dependency_failure",
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
    let mut args = json!({"namespace": ns, "name": pod, "container": container, "tail_lines": super::LOG_TAIL});
    if previous {
        args["previous"] = json!(true);
    }
    quote("pod_logs", args, line.trim_end())
}

/// What a container's logs say about its failure.
struct LogVerdict {
    category: &'static str,
    quotes: Vec<Quote>,
    what: &'static str,
    /// The decisive line as a conclusion quotes it (one line, clipped).
    line: String,
    /// The other error lines at the end of the log (for the summary), oldest first.
    others: Vec<String>,
    /// The host (or host:port) a network error names.
    target: Option<String>,
}

impl LogVerdict {
    /// What it means, then the line in backticks (`DNS resolution failure for db.x: ...`).
    fn sentence(&self) -> String {
        format!("{}: `{}`", self.what_for(), self.line)
    }

    /// What it means, with the host where there is one.
    fn what_for(&self) -> String {
        match (&self.target, self.category) {
            (Some(t), "network_dns") => format!("{} for {t}", self.what),
            (Some(t), "dependency_failure") => format!("{} ({t})", self.what),
            _ => self.what.to_string(),
        }
    }

    fn details(&self) -> Vec<String> {
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
    fn action(&self, ns: &str) -> Option<String> {
        let t = self.target.as_deref()?;
        match self.category {
            "network_dns" => Some(format!(
                "Check that {t} is the right name and resolves from inside the cluster (nslookup {t} from a debug pod in namespace {ns})"
            )),
            "dependency_failure" => Some(format!(
                "Check that the dependency at {t} is running and accepts connections (its pods, Service endpoints, NetworkPolicies)"
            )),
            _ => None,
        }
    }
}

/// The last non-empty line of a container's logs (previous instance first), for a crash whose
/// logs hold no error line: its quote and its conclusion text.
fn last_log_line(cx: &Ctx<'_>, ns: &str, pod: &str, container: &str) -> Option<(Quote, String)> {
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
fn classify_logs(cx: &Ctx<'_>, ns: &str, pod: &str, container: &str) -> Option<LogVerdict> {
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
                    category,
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
            category: "crash_app_error",
            quotes,
            what: "the application exits with an error",
            line,
            others,
            target: None,
        });
    }
    None
}

fn pod_rules(cx: &mut Ctx<'_>, pod: &Value) {
    let ns = meta_ns(pod);
    let name = meta_name(pod);
    let resource = format!("{ns}/Pod/{name}");
    let args = pod_args(ns, name);
    let events = cx.events(ns, "Pod", name);
    let ev_quote = |e: &Value| quote("describe_pod", args.clone(), one_line(s(e, "/message")));
    let control_plane = is_control_plane(pod);
    let before = cx.out.len();

    let specs: Vec<&Value> = arr(pod, "/spec/initContainers")
        .iter()
        .chain(arr(pod, "/spec/containers"))
        .collect();
    let statuses: Vec<&Value> = arr(pod, "/status/initContainerStatuses")
        .iter()
        .chain(arr(pod, "/status/containerStatuses"))
        .collect();
    for st in &statuses {
        let cname = s(st, "/name");
        let Some(spec) = specs.iter().find(|c| s(c, "/name") == cname) else {
            continue;
        };
        let lines = container_lines(spec, Some(*st));
        let line_with = |needle: &str| {
            lines
                .iter()
                .find(|l| l.contains(needle))
                .map(|l| l.trim().to_string())
        };
        let q = |l: String| quote("describe_pod", args.clone(), l);
        let waiting = s(st, "/state/waiting/reason");
        let term_reason = |p: &str| s(st, &format!("/{p}/terminated/reason")).to_string();
        let term_code = |p: &str| num(st, &format!("/{p}/terminated/exitCode"));
        let oom = ["state", "lastState"]
            .iter()
            .any(|p| term_reason(p) == "OOMKilled");
        let oom_by_code = !oom
            && ["state", "lastState"]
                .iter()
                .any(|p| term_code(p) == Some(137))
            && !s(spec, "/resources/limits/memory").is_empty()
            && !events
                .iter()
                .any(|e| s(e, "/message").contains("probe failed"));
        if oom || oom_by_code {
            let mut quotes: Vec<Quote> = lines
                .iter()
                .filter(|l| l.contains("OOMKilled") || l.contains("Exit Code=137"))
                .map(|l| q(l.trim().to_string()))
                .collect();
            if let Some(l) = line_with("Limits:") {
                quotes.push(q(l));
            }
            let limit = s(spec, "/resources/limits/memory");
            let request = s(spec, "/resources/requests/memory");
            let f = cx.add(
                "oom_killed",
                resource.clone(),
                format!(
                    "Container {cname} was OOMKilled (exit code 137){}; restarts: {}.",
                    if limit.is_empty() {
                        " with no memory limit set".to_string()
                    } else {
                        format!(" at its memory limit of {limit}")
                    },
                    num(st, "/restartCount").unwrap_or(0)
                ),
                quotes,
                0.95,
            );
            if !limit.is_empty() {
                f.actions.push(format!(
                    "Raise the memory limit of container {cname} above {limit}{} if its working set legitimately needs more, or cap the application's heap/cache below {limit}",
                    if request.is_empty() {
                        String::new()
                    } else {
                        format!(" (request {request})")
                    }
                ));
            }
            continue;
        }
        if matches!(
            waiting,
            "ErrImagePull" | "ImagePullBackOff" | "InvalidImageName" | "ErrImageNeverPull"
        ) {
            let mut quotes: Vec<Quote> = line_with("State:").map(q).into_iter().collect();
            let image = s(spec, "/image");
            let pull_event = events.iter().rev().find(|e| {
                let m = s(e, "/message");
                m.contains("Failed to pull")
                    || m.contains("pull access denied")
                    || m.contains("manifest unknown")
                    || m.contains("not found")
                    || s(e, "/reason") == "Failed" && m.contains("image")
            });
            if let Some(e) = pull_event {
                quotes.push(ev_quote(e));
            }
            // Why the pull fails: the event's error chain ends with it; the waiting message
            // (`pull access denied`) when there is no event.
            let why_text = pull_event
                .map(|e| s(e, "/message"))
                .filter(|m| !m.is_empty())
                .unwrap_or(s(st, "/state/waiting/message"));
            let mut summary = format!("Container {cname} cannot pull image {image} ({waiting})");
            if let Some(what) = facts::pull_failure(why_text) {
                summary.push_str(&format!(": {what}"));
            }
            summary.push('.');
            let f = cx.add("image_pull", resource.clone(), summary, quotes, 0.95);
            if !why_text.is_empty() {
                f.details.push(format!(
                    "Pull error: `{}`.",
                    clip_tail(why_text, LINE_CHARS)
                ));
            }
            let low = why_text.to_ascii_lowercase();
            let registry = image.split('/').next().filter(|r| r.contains(['.', ':']));
            if low.contains("401")
                || low.contains("unauthorized")
                || low.contains("denied")
                || low.contains("403")
                || low.contains("authorize")
            {
                f.actions.push(format!(
                    "Give the pod an imagePullSecret with valid credentials for {} (on the pod spec or its service account)",
                    registry.unwrap_or("the registry")
                ));
            } else if low.contains("not found") || low.contains("manifest unknown") {
                f.actions.push(format!(
                    "Check that {image} exists in the registry (tag spelled right, pushed) and fix the image reference"
                ));
            }
            continue;
        }
        if waiting == "CreateContainerConfigError" {
            let mut quotes: Vec<Quote> = line_with("State:").map(q).into_iter().collect();
            if let Some(e) = events
                .iter()
                .rev()
                .find(|e| s(e, "/reason") == "Failed" && s(e, "/message").contains("not found"))
            {
                quotes.push(ev_quote(e));
            }
            let msg = s(st, "/state/waiting/message");
            let missing = facts::missing_ref(msg).or_else(|| {
                events
                    .iter()
                    .rev()
                    .find_map(|e| facts::missing_ref(s(e, "/message")))
            });
            let f = cx.add(
                "config_missing",
                resource.clone(),
                format!(
                    "Container {cname} cannot be created: {}",
                    if msg.is_empty() {
                        "a referenced ConfigMap/Secret or key is missing".into()
                    } else {
                        one_line(msg)
                    }
                ),
                quotes,
                0.93,
            );
            if let Some(m) = missing {
                f.actions.push(missing_ref_action(
                    &m,
                    ns,
                    &format!("container {cname}'s env/envFrom"),
                ));
            }
            continue;
        }
        let crashing = waiting == "CrashLoopBackOff"
            || ["state", "lastState"]
                .iter()
                .any(|p| term_code(p).is_some_and(|c| c != 0))
            || matches!(waiting, "RunContainerError" | "CreateContainerError");
        let not_ready =
            st.get("ready") != Some(&Value::Bool(true)) && st.pointer("/state/running").is_some();
        let probe_events: Vec<&&Value> = events
            .iter()
            .filter(|e| s(e, "/reason") == "Unhealthy" || s(e, "/message").contains("probe failed"))
            .collect();
        if !probe_events.is_empty() && (not_ready || crashing) {
            // A liveness probe that kills the container explains the crash loop; a readiness
            // probe explains not-ready. Logs can still say why the probe fails.
            let last_event = probe_events.last().map(|e| s(e, "/message")).unwrap_or("");
            let mut quotes: Vec<Quote> = probe_events
                .iter()
                .rev()
                .take(1)
                .map(|e| ev_quote(e))
                .collect();
            let probe_kind = if probe_events
                .iter()
                .any(|e| s(e, "/message").starts_with("Liveness"))
            {
                "Liveness"
            } else if probe_events
                .iter()
                .any(|e| s(e, "/message").starts_with("Startup"))
            {
                "Startup"
            } else {
                "Readiness"
            };
            if let Some(l) = line_with(&format!("{probe_kind}:")) {
                quotes.push(q(l));
            }
            let probe = spec.get(format!("{}Probe", probe_kind.to_ascii_lowercase()).as_str());
            let (category, conf, verdict) = match classify_logs(cx, ns, name, cname) {
                Some(v)
                    if matches!(
                        v.category,
                        "certificate_expiry" | "network_dns" | "dependency_failure"
                    ) =>
                {
                    quotes.extend(v.quotes.clone());
                    (v.category, 0.8, Some(v))
                }
                _ => ("probe_failure", 0.9, None),
            };
            let mut summary = format!(
                "{probe_kind} probe of container {cname}{} keeps failing ({})",
                probe
                    .map(|p| format!(" ({})", probe_action(p)))
                    .unwrap_or_default(),
                if crashing {
                    "the kubelet restarts it"
                } else {
                    "the pod never becomes Ready"
                }
            );
            // An exec probe that merely exits non-zero leaves `Readiness probe failed:` with
            // nothing after it: say that instead of quoting an empty failure.
            let said = last_event
                .split_once("probe failed:")
                .map_or(last_event, |(_, rest)| rest)
                .trim();
            if !said.is_empty() {
                summary.push_str(&format!(": `{}`", clip(last_event, LINE_CHARS)));
            } else if probe.is_some_and(|p| p.get("exec").is_some()) {
                summary.push_str(": its command exits non-zero without output");
            }
            summary.push('.');
            let f = cx.add(category, resource.clone(), summary, quotes, conf);
            if let Some(v) = &verdict {
                f.details
                    .push(format!("The container's logs show {}.", v.sentence()));
            }
            if let Some(p) = probe {
                let ports = container_ports(spec);
                if let Some(port) = probe_port(p)
                    && !ports.is_empty()
                    && !ports.contains(&port)
                {
                    f.details.push(format!(
                        "The probe targets port {port}, but container {cname} declares port(s) {}.",
                        ports.join(", ")
                    ));
                }
                let timing = format!(
                    "initialDelaySeconds={} timeoutSeconds={} periodSeconds={} failureThreshold={}",
                    num(p, "/initialDelaySeconds").unwrap_or(0),
                    num(p, "/timeoutSeconds").unwrap_or(1),
                    num(p, "/periodSeconds").unwrap_or(10),
                    num(p, "/failureThreshold").unwrap_or(3),
                );
                let low = last_event.to_ascii_lowercase();
                if low.contains("connection refused") || low.contains("404") {
                    f.actions.push(format!(
                        "Make the {} probe of container {cname} ({}) match a port and path the application really serves",
                        probe_kind.to_ascii_lowercase(),
                        probe_action(p)
                    ));
                } else if low.contains("timeout") || low.contains("deadline exceeded") {
                    f.actions.push(format!(
                        "The probe times out: raise its timeoutSeconds/initialDelaySeconds/failureThreshold ({timing}) or add a startupProbe if container {cname} starts slowly"
                    ));
                }
            }
            if let Some(a) = verdict.as_ref().and_then(|v| v.action(ns)) {
                f.actions.push(a);
            }
            continue;
        }
        if crashing {
            let mut quotes: Vec<Quote> = lines
                .iter()
                .filter(|l| {
                    l.contains("Last State:")
                        || (l.contains("State:") && l.contains("Terminated"))
                        || (l.contains("State:") && l.contains("CrashLoopBackOff"))
                })
                .map(|l| q(l.trim().to_string()))
                .collect();
            let code = term_code("lastState").or(term_code("state"));
            let verdict = classify_logs(cx, ns, name, cname);
            let (category, conf) = match &verdict {
                Some(v) => {
                    quotes.extend(v.quotes.clone());
                    (
                        v.category,
                        if v.category == "crash_app_error" {
                            0.85
                        } else {
                            0.88
                        },
                    )
                }
                None => ("crash_app_error", 0.7),
            };
            // The status words kubectl shows (CrashLoopBackOff), the exit code and its signal.
            let mut status_words: Vec<String> = Vec::new();
            if !waiting.is_empty() {
                status_words.push(waiting.to_string());
            }
            if let Some(c) = code {
                status_words.push(format!("exit code {c}"));
                status_words.extend(facts::signal_of(c).map(str::to_string));
            }
            let code_text = if status_words.is_empty() {
                String::new()
            } else {
                format!(" ({})", status_words.join(", "))
            };
            // Without an error line in the logs: the runtime's own message (a command that
            // does not exist, a bad mount), else the log's last line.
            let runtime_msg = [
                "/state/waiting",
                "/lastState/terminated",
                "/state/terminated",
            ]
            .iter()
            .map(|p| {
                (
                    s(st, &format!("{p}/reason")),
                    s(st, &format!("{p}/message")),
                )
            })
            .find(|(_, m)| !m.is_empty() && !m.starts_with("back-off"));
            let last_line = if verdict.is_none() && runtime_msg.is_none() {
                last_log_line(cx, ns, name, cname)
            } else {
                None
            };
            if runtime_msg.is_some() {
                let more: Vec<Quote> = lines
                    .iter()
                    .filter(|l| l.contains("State:") && l.contains("Message="))
                    .map(|l| q(l.trim().to_string()))
                    .filter(|nq| !quotes.contains(nq))
                    .collect();
                quotes.extend(more);
            }
            if let Some((lq, _)) = &last_line {
                quotes.push(lq.clone());
            }
            let what = if let Some(v) = &verdict {
                v.sentence()
            } else if let Some((reason, msg)) = runtime_msg {
                format!(
                    "the container runtime reports {reason}: `{}`",
                    clip_tail(msg, LINE_CHARS)
                )
            } else if let Some((_, line)) = &last_line {
                format!("the container keeps exiting; its log ends with `{line}`")
            } else {
                let reason = term_reason("lastState");
                let reason = if reason.is_empty() {
                    term_reason("state")
                } else {
                    reason
                };
                if reason.is_empty() || reason == "Error" {
                    "the container keeps exiting and its logs show no error line".into()
                } else {
                    format!("the container keeps exiting (reason {reason})")
                }
            };
            let cname_text = if arr(pod, "/spec/initContainers")
                .iter()
                .any(|c| s(c, "/name") == cname)
            {
                format!("Init container {cname}")
            } else {
                format!("Container {cname}")
            };
            let f = cx.add(
                category,
                resource.clone(),
                format!("{cname_text} crash-loops{code_text}: {what}."),
                quotes,
                conf,
            );
            if let Some(v) = &verdict {
                f.details.extend(v.details());
                if let Some(a) = v.action(ns) {
                    f.actions.push(a);
                } else if v.category == "crash_app_error" {
                    f.actions.push(format!(
                        "Fix what container {cname}'s last log lines report (`{}`) in its image, command or configuration",
                        v.line
                    ));
                }
            }
            continue;
        }
        if not_ready && let Some(p) = spec.get("readinessProbe") {
            let quotes: Vec<Quote> = line_with("Readiness:").map(q).into_iter().collect();
            cx.add(
                "probe_failure",
                resource.clone(),
                format!(
                    "Container {cname} runs but is not Ready; its readiness probe ({}) does not pass.",
                    probe_action(p)
                ),
                quotes,
                0.6,
            );
        }
    }

    // Scheduling and volumes.
    for e in events.iter().rev() {
        let reason = s(e, "/reason");
        let msg = s(e, "/message");
        let low = msg.to_ascii_lowercase();
        if reason == "FailedScheduling" {
            if low.contains("persistentvolumeclaim")
                || low.contains("unbound")
                || low.contains("volume node affinity")
            {
                let claims = pod_claims(pod);
                let (summary, details, actions) = match claims
                    .iter()
                    .find_map(|c| cx.pvc(ns, c).filter(|p| s(p, "/status/phase") != "Bound"))
                {
                    Some(pvc) => {
                        let st = pvc_state(cx, pvc);
                        (
                            format!(
                                "Pod {name} cannot be scheduled: its PersistentVolumeClaim {} is unbound ({}).",
                                meta_name(pvc),
                                st.why
                            ),
                            vec![format!("Scheduler: `{}`.", facts::scheduler_reasons(msg))],
                            st.action.into_iter().collect(),
                        )
                    }
                    None => (
                        format!(
                            "Pod {name} cannot be scheduled because of its volumes{}: {}.",
                            if claims.is_empty() {
                                String::new()
                            } else {
                                format!(" (PersistentVolumeClaim {})", claims.join(", "))
                            },
                            facts::scheduler_reasons(msg)
                        ),
                        Vec::new(),
                        Vec::new(),
                    ),
                };
                let f = cx.add(
                    "storage",
                    resource.clone(),
                    summary,
                    vec![ev_quote(e)],
                    0.88,
                );
                f.details = details;
                f.actions = actions;
            } else {
                unschedulable(cx, pod, &resource, e, ev_quote(e));
            }
            break;
        }
        if reason == "FailedMount" || reason == "FailedAttachVolume" {
            let volume = facts::volume_of(msg);
            let missing = facts::missing_ref(msg).or_else(|| missing_volume_key(pod, msg, volume));
            let config_like = (low.contains("configmap") || low.contains("secret"))
                && (low.contains("not found") || low.contains("non-existent"));
            if missing.is_some() || config_like {
                let mounted = volume
                    .map(|v| format!(" (mounted as volume {v})"))
                    .unwrap_or_default();
                let summary = match &missing {
                    Some(m) if m.key.is_some() => format!(
                        "Pod {name} cannot start: {} {} has no key {}{mounted}.",
                        m.kind,
                        m.name,
                        m.key.as_deref().unwrap_or_default()
                    ),
                    Some(m) => format!(
                        "Pod {name} cannot start: {} {} is not found in namespace {ns}{mounted}.",
                        m.kind, m.name
                    ),
                    None => format!(
                        "Pod {name} cannot start: a ConfigMap/Secret it mounts is missing: `{}`.",
                        clip(msg, LINE_CHARS)
                    ),
                };
                let others = missing
                    .as_ref()
                    .filter(|m| m.key.is_none())
                    .map(|m| cx.existing(ns, m.kind))
                    .unwrap_or_default();
                let f = cx.add(
                    "config_missing",
                    resource.clone(),
                    summary,
                    vec![ev_quote(e)],
                    0.9,
                );
                if let Some(m) = &missing {
                    if !others.is_empty() {
                        f.details.push(format!(
                            "{}s that do exist there: {}.",
                            m.kind,
                            others.join(", ")
                        ));
                    }
                    f.actions.push(missing_ref_action(
                        m,
                        ns,
                        &volume
                            .map(|v| format!("volume {v}"))
                            .unwrap_or_else(|| "the pod's volumes".into()),
                    ));
                }
            } else {
                let f = cx.add(
                    "storage",
                    resource.clone(),
                    format!(
                        "Pod {name} cannot {} a volume{}: `{}`.",
                        if reason == "FailedAttachVolume" {
                            "attach"
                        } else {
                            "mount"
                        },
                        volume.map(|v| format!(" ({v})")).unwrap_or_default(),
                        clip(msg, LINE_CHARS)
                    ),
                    vec![ev_quote(e)],
                    0.85,
                );
                if low.contains("multi-attach") {
                    f.actions.push(
                        "The ReadWriteOnce volume is still attached to another node: let the old pod terminate (or detach it) before the new one starts, e.g. a Recreate strategy for single-replica workloads".into(),
                    );
                }
            }
            break;
        }
    }
    if s(pod, "/status/reason") == "Evicted" {
        cx.add(
            "node_failure",
            resource.clone(),
            format!(
                "Pod {name} was evicted by its node: {}",
                one_line(s(pod, "/status/message"))
            ),
            vec![quote(
                "describe_pod",
                args.clone(),
                format!(
                    "Status:         Evicted  (phase {})",
                    s(pod, "/status/phase")
                ),
            )],
            0.75,
        );
    }
    if control_plane {
        for f in cx.out[before..].iter_mut() {
            f.category = "control_plane";
            f.summary = format!("Control-plane component affected: {}", f.summary);
            f.confidence = f.confidence.max(0.9);
        }
    }
}

/// The probe's action without its timing: `http-get http://:8080/ready`.
fn probe_action(p: &Value) -> String {
    let text = crate::evidence::render::probe_text(p);
    text.split(" delay=").next().unwrap_or(&text).to_string()
}

/// The numeric port a probe targets, as text (named ports are left out).
fn probe_port(p: &Value) -> Option<String> {
    ["/httpGet/port", "/tcpSocket/port", "/grpc/port"]
        .iter()
        .find_map(|ptr| p.pointer(ptr))
        .and_then(Value::as_i64)
        .map(|n| n.to_string())
}

fn container_ports(spec: &Value) -> Vec<String> {
    arr(spec, "/ports")
        .iter()
        .filter_map(|p| num(p, "/containerPort"))
        .map(|n| n.to_string())
        .collect()
}

fn pod_claims(pod: &Value) -> Vec<String> {
    arr(pod, "/spec/volumes")
        .iter()
        .map(|v| s(v, "/persistentVolumeClaim/claimName"))
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// `configmap references non-existent config key: K` (a volume's `items`): the object is the
/// one the named volume mounts.
fn missing_volume_key(pod: &Value, msg: &str, volume: Option<&str>) -> Option<facts::MissingRef> {
    let (_, key) = msg.split_once("non-existent ")?.1.split_once("key: ")?;
    let key = key.split_whitespace().next()?.trim_end_matches(['.', ',']);
    let vol = arr(pod, "/spec/volumes")
        .iter()
        .find(|v| Some(s(v, "/name")) == volume)?;
    let (kind, name) = if vol.get("configMap").is_some() {
        ("ConfigMap", s(vol, "/configMap/name"))
    } else if vol.get("secret").is_some() {
        ("Secret", s(vol, "/secret/secretName"))
    } else {
        return None;
    };
    Some(facts::MissingRef {
        kind,
        name: name.to_string(),
        key: Some(key.to_string()),
    })
}

fn missing_ref_action(m: &facts::MissingRef, ns: &str, used_by: &str) -> String {
    match &m.key {
        Some(key) => format!(
            "Add key {key} to {} {} in namespace {ns}, or fix the key name that {used_by} references",
            m.kind, m.name
        ),
        None => format!(
            "Create {} {} in namespace {ns}, or fix the name that {used_by} references",
            m.kind, m.name
        ),
    }
}

/// The FailedScheduling finding for reasons other than volumes: names the pod's constraint
/// (nodeSelector labels no node has, requests no node fits, taints it does not tolerate).
fn unschedulable(cx: &mut Ctx<'_>, pod: &Value, resource: &str, e: &Value, evq: Quote) {
    let name = meta_name(pod);
    let msg = s(e, "/message");
    let low = msg.to_ascii_lowercase();
    let reasons = facts::scheduler_reasons(msg);
    let mut details = Vec::new();
    let mut actions = Vec::new();
    let why = if low.contains("insufficient") {
        let requests = pod_requests(pod);
        if requests.is_empty() {
            "not enough allocatable resources on any node".to_string()
        } else {
            actions.push(format!(
                "Lower the requests of pod {name} ({requests}) to what a node can allocate, or add nodes with that much free capacity"
            ));
            format!("not enough allocatable resources on any node for its requests ({requests})")
        }
    } else if low.contains("taint") {
        let taints = facts::taints(msg);
        if taints.is_empty() {
            "untolerated node taints".to_string()
        } else {
            actions.push(format!(
                "If pod {name} should run on those nodes, add a toleration for {}; otherwise make untainted capacity available",
                taints.join(", ")
            ));
            format!(
                "it does not tolerate the node taint(s) {}",
                taints.join(", ")
            )
        }
    } else if low.contains("pod anti-affinity") || low.contains("pod affinity") {
        let anti = low.contains("anti-affinity");
        let rules = pod_affinity_terms(pod, anti);
        let which = if anti {
            "podAntiAffinity"
        } else {
            "podAffinity"
        };
        let rules_text = if rules.is_empty() {
            String::new()
        } else {
            format!(" ({})", rules.join("; "))
        };
        actions.push(format!(
            "Relax the required {which} of pod {name}{rules_text} (preferredDuringScheduling, or a wider topologyKey), lower the replica count, or add nodes"
        ));
        format!("its required {which} rules{rules_text} leave no node that fits")
    } else if low.contains("affinity") || low.contains("selector") {
        let selector = node_selector(pod);
        let affinity = required_affinity(pod);
        let nodes = cx.snap.items("nodes");
        if !selector.is_empty() {
            let unmatched: Vec<&(String, String)> = selector
                .iter()
                .filter(|(k, v)| {
                    !nodes.iter().any(|n| {
                        s(
                            n,
                            &format!(
                                "/metadata/labels/{}",
                                k.replace('~', "~0").replace('/', "~1")
                            ),
                        ) == v
                    })
                })
                .collect();
            let pairs: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
            if !nodes.is_empty() && !unmatched.is_empty() {
                let missing: Vec<String> =
                    unmatched.iter().map(|(k, v)| format!("{k}={v}")).collect();
                details.push(format!(
                    "None of the {} node(s) has the label {}.",
                    nodes.len(),
                    missing.join(", ")
                ));
            }
            actions.push(format!(
                "Add the label {} to a node that should run pod {name} (kubectl label node NODE {}), or remove the nodeSelector from its workload",
                pairs.join(", "),
                pairs.join(" ")
            ));
            format!("no node matches its nodeSelector {}", pairs.join(", "))
        } else if !affinity.is_empty() {
            actions.push(format!(
                "Label a node to satisfy the required node affinity of pod {name} ({}), or relax the affinity",
                affinity.join("; ")
            ));
            format!(
                "no node matches its required node affinity ({})",
                affinity.join("; ")
            )
        } else {
            "no node matches its node selector/affinity".to_string()
        }
    } else {
        "the scheduler found no fitting node".to_string()
    };
    let f = cx.add(
        "unschedulable",
        resource.to_string(),
        format!("Pod {name} is Pending: {why} (scheduler: `{reasons}`)."),
        vec![evq],
        0.9,
    );
    f.details = details;
    f.actions = actions;
}

/// Required pod (anti-)affinity terms, as `app=web per kubernetes.io/hostname`.
fn pod_affinity_terms(pod: &Value, anti: bool) -> Vec<String> {
    let ptr = if anti {
        "/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution"
    } else {
        "/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution"
    };
    arr(pod, ptr)
        .iter()
        .map(|term| {
            let mut labels: Vec<String> = term
                .pointer("/labelSelector/matchLabels")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                        .collect()
                })
                .unwrap_or_default();
            labels.extend(
                arr(term, "/labelSelector/matchExpressions")
                    .iter()
                    .map(|e| {
                        let values: Vec<&str> =
                            arr(e, "/values").iter().filter_map(Value::as_str).collect();
                        format!(
                            "{} {} ({})",
                            s(e, "/key"),
                            s(e, "/operator"),
                            values.join(", ")
                        )
                    }),
            );
            format!("{} per {}", labels.join(", "), s(term, "/topologyKey"))
        })
        .collect()
}

/// `key=value` pairs of the pod's nodeSelector.
fn node_selector(pod: &Value) -> Vec<(String, String)> {
    pod.pointer("/spec/nodeSelector")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Required node-affinity expressions, as `key In (a, b)`.
fn required_affinity(pod: &Value) -> Vec<String> {
    arr(
        pod,
        "/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms",
    )
    .iter()
    .flat_map(|t| arr(t, "/matchExpressions"))
    .map(|e| {
        let values: Vec<&str> = arr(e, "/values").iter().filter_map(Value::as_str).collect();
        if values.is_empty() {
            format!("{} {}", s(e, "/key"), s(e, "/operator"))
        } else {
            format!("{} {} ({})", s(e, "/key"), s(e, "/operator"), values.join(", "))
        }
    })
    .collect()
}

/// What the pod's containers request, e.g. `cpu: 8, memory: 32Gi` (per container when several
/// request something).
fn pod_requests(pod: &Value) -> String {
    let per: Vec<(String, String)> = arr(pod, "/spec/containers")
        .iter()
        .filter_map(|c| {
            // Without requests, Kubernetes requests what the limits say (extended resources
            // such as GPUs are usually only given as limits).
            let m = c
                .pointer("/resources/requests")
                .and_then(Value::as_object)
                .filter(|m| !m.is_empty())
                .or_else(|| c.pointer("/resources/limits").and_then(Value::as_object))?;
            let text = m
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{k}: {}",
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string())
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            (!text.is_empty()).then(|| (s(c, "/name").to_string(), text))
        })
        .collect();
    match per.as_slice() {
        [] => String::new(),
        [(_, one)] => one.clone(),
        many => many
            .iter()
            .map(|(c, t)| format!("{c}: {t}"))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Failed Jobs; returns their names so their pods are not also reported as crashes.
fn jobs(cx: &mut Ctx<'_>) -> Vec<String> {
    let snap = cx.snap;
    let mut failed = Vec::new();
    for job in snap.items("jobs") {
        let ns = meta_ns(job);
        let name = meta_name(job);
        let Some(cond) = arr(job, "/status/conditions")
            .iter()
            .find(|c| s(c, "/type") == "Failed" && s(c, "/status") == "True")
        else {
            continue;
        };
        failed.push(name.to_string());
        let wl = json!({"namespace": ns, "kind": "Job", "name": name});
        let mut quotes = vec![quote(
            "get_workload",
            wl.clone(),
            condition_line(cond).trim().to_string(),
        )];
        // The newest failed pod's logs say why it failed.
        let mut pods: Vec<&Value> = snap
            .items("pods")
            .iter()
            .filter(|p| {
                meta_ns(p) == ns
                    && arr(p, "/metadata/ownerReferences")
                        .iter()
                        .any(|o| s(o, "/kind") == "Job" && s(o, "/name") == name)
            })
            .collect();
        pods.sort_by_key(|p| s(p, "/metadata/creationTimestamp").to_string());
        let mut verdict = None;
        for p in pods.iter().rev() {
            let c = arr(p, "/spec/containers")
                .first()
                .map(|c| s(c, "/name"))
                .unwrap_or("");
            if let Some(v) = classify_logs(cx, ns, meta_name(p), c) {
                quotes.extend(v.quotes.clone());
                verdict = Some(v);
                break;
            }
        }
        // No error line anywhere: the newest pod's last log line still says where it stopped.
        let last_line = if verdict.is_none() {
            pods.iter().rev().find_map(|p| {
                let c = arr(p, "/spec/containers")
                    .first()
                    .map(|c| s(c, "/name"))
                    .unwrap_or("");
                last_log_line(cx, ns, meta_name(p), c)
            })
        } else {
            None
        };
        if let Some((lq, _)) = &last_line {
            quotes.push(lq.clone());
        }
        // The exit code the newest pod's containers ended with.
        let code = pods.iter().rev().find_map(|p| {
            arr(p, "/status/containerStatuses").iter().find_map(|c| {
                [
                    "/state/terminated/exitCode",
                    "/lastState/terminated/exitCode",
                ]
                .iter()
                .find_map(|ptr| num(c, ptr))
                .filter(|c| *c != 0)
            })
        });
        let mut facts_list = Vec::new();
        if !s(cond, "/reason").is_empty() {
            facts_list.push(s(cond, "/reason").to_string());
        }
        if let Some(n) = num(job, "/status/failed").filter(|n| *n > 0) {
            facts_list.push(format!("{n} failed pod(s)"));
        }
        if let Some(c) = code {
            facts_list.push(format!("exit code {c}"));
        }
        let mut summary = format!("Job {name} failed: {}", one_line(s(cond, "/message")));
        if !facts_list.is_empty() {
            summary.push_str(&format!(" ({})", facts_list.join(", ")));
        }
        if let Some(v) = &verdict {
            summary.push_str(&format!("; the newest pod's log ends with `{}`", v.line));
            if v.category != "crash_app_error" {
                summary.push_str(&format!(" ({})", v.what_for()));
            }
        } else if let Some((_, line)) = &last_line {
            summary.push_str(&format!("; the newest pod's log ends with `{line}`"));
        }
        summary.push('.');
        let f = cx.add(
            "job_failure",
            format!("{ns}/Job/{name}"),
            summary,
            quotes,
            0.92,
        );
        if let Some(v) = &verdict {
            f.details.extend(v.details());
            f.actions.push(match v.action(ns) {
                Some(a) => a,
                None => format!(
                    "Fix the error Job {name}'s pods end with (`{}`) in its command, image or configuration, then re-create the Job",
                    v.line
                ),
            });
        }
    }
    failed
}

/// The quota finding's words for an admission message, and what to do.
fn quota_words(kind: &str, name: &str, msg: &str) -> (String, Option<String>) {
    match facts::quota_denial(msg) {
        Some(facts::QuotaDenial::Exceeded {
            quota,
            requested,
            used,
            limited,
        }) => {
            let what = facts::quota_resources(&requested);
            (
                format!(
                    "{kind} {name} cannot create pods: ResourceQuota {quota} is exceeded for {what} (requested {requested}, used {used}, limited {limited})."
                ),
                Some(format!(
                    "Raise ResourceQuota {quota}'s hard {what}, free {what} used by other workloads in the namespace, or lower the requests of {kind} {name}"
                )),
            )
        }
        Some(facts::QuotaDenial::MustSpecify {
            quota,
            resources,
            containers,
        }) => {
            let who = if containers.is_empty() {
                "its containers".to_string()
            } else {
                format!("container(s) {containers}")
            };
            (
                format!(
                    "{kind} {name} cannot create pods: ResourceQuota {quota} covers {resources}, so every pod must specify it, and {who} do not set {resources}."
                ),
                Some(format!(
                    "Set {resources} in the resources of {who} (ResourceQuota {quota} requires it), or add a LimitRange with default values to the namespace"
                )),
            )
        }
        None => (
            format!("{kind} {name} cannot create pods: a ResourceQuota denies them."),
            None,
        ),
    }
}

fn quota(cx: &mut Ctx<'_>) {
    let snap = cx.snap;
    let mut seen = std::collections::BTreeSet::new();
    for e in snap.items("events") {
        let msg = s(e, "/message");
        if !(msg.contains("exceeded quota") || msg.contains("failed quota")) {
            continue;
        }
        let ns = if meta_ns(e).is_empty() {
            s(e, "/involvedObject/namespace")
        } else {
            meta_ns(e)
        };
        let kind = s(e, "/involvedObject/kind");
        let name = s(e, "/involvedObject/name");
        if !seen.insert((kind.to_string(), name.to_string())) {
            continue;
        }
        let args = json!({"namespace": ns, "kind": kind, "name": name});
        let (summary, action) = quota_words(kind, name, msg);
        let f = cx.add(
            "quota_exceeded",
            format!("{ns}/{kind}/{name}"),
            summary,
            vec![quote("list_events", args, one_line(msg))],
            0.93,
        );
        f.actions.extend(action);
    }
    for d in snap.items("deployments") {
        if let Some(c) = arr(d, "/status/conditions").iter().find(|c| {
            s(c, "/type") == "ReplicaFailure"
                && s(c, "/status") == "True"
                && s(c, "/message").contains("quota")
        }) {
            let (ns, name) = (meta_ns(d), meta_name(d));
            if seen.insert(("Deployment".into(), name.to_string())) {
                let args = json!({"namespace": ns, "kind": "Deployment", "name": name});
                let (summary, action) = quota_words("Deployment", name, s(c, "/message"));
                let f = cx.add(
                    "quota_exceeded",
                    format!("{ns}/Deployment/{name}"),
                    summary,
                    vec![quote(
                        "get_workload",
                        args,
                        condition_line(c).trim().to_string(),
                    )],
                    0.93,
                );
                f.actions.extend(action);
            }
        }
    }
}

fn pvcs(cx: &mut Ctx<'_>) {
    let snap = cx.snap;
    for pvc in snap.items("persistentvolumeclaims") {
        if s(pvc, "/status/phase") == "Bound" {
            continue;
        }
        let (ns, name) = (meta_ns(pvc), meta_name(pvc));
        let args = json!({"namespace": ns, "name": name});
        let mut quotes = vec![quote(
            "get_pvc",
            args.clone(),
            format!(
                "Status:  {}",
                if s(pvc, "/status/phase").is_empty() {
                    "<none>"
                } else {
                    s(pvc, "/status/phase")
                }
            ),
        )];
        let st = pvc_state(cx, pvc);
        if let Some(e) = st.warning {
            quotes.push(quote("get_pvc", args.clone(), one_line(s(e, "/message"))));
        }
        let sc = s(pvc, "/spec/storageClassName");
        let class_listed = snap
            .objects
            .get("storageclasses")
            .is_some_and(|v| !v.is_empty());
        if st.missing_class && class_listed {
            quotes.push(quote(
                "get_pvc",
                args.clone(),
                format!("StorageClass {sc}: not found"),
            ));
        }
        let f = cx.add(
            "storage",
            format!("{ns}/PersistentVolumeClaim/{name}"),
            format!("PersistentVolumeClaim {name} is not bound: {}.", st.why),
            quotes,
            if !st.has_events && !st.missing_class {
                0.7
            } else {
                0.87
            },
        );
        f.actions.extend(st.action);
    }
}

fn nodes(cx: &mut Ctx<'_>) {
    let snap = cx.snap;
    for node in snap.items("nodes") {
        let name = meta_name(node);
        let args = json!({"name": name});
        for c in arr(node, "/status/conditions") {
            let (t, st) = (s(c, "/type"), s(c, "/status"));
            let bad = (t == "Ready" && st != "True")
                || (matches!(
                    t,
                    "MemoryPressure" | "DiskPressure" | "PIDPressure" | "NetworkUnavailable"
                ) && st == "True");
            if bad {
                let reason = s(c, "/reason");
                let msg = s(c, "/message");
                let f = cx.add(
                    "node_failure",
                    format!("Node/{name}"),
                    format!(
                        "Node {name} {} ({t}={st}{}{}).",
                        if t == "Ready" {
                            "is NotReady".to_string()
                        } else {
                            format!("has {t}")
                        },
                        if reason.is_empty() {
                            String::new()
                        } else {
                            format!(", {reason}")
                        },
                        if msg.is_empty() {
                            String::new()
                        } else {
                            format!(": `{}`", clip(msg, LINE_CHARS))
                        }
                    ),
                    vec![quote(
                        "get_node",
                        args.clone(),
                        condition_line(c).trim().to_string(),
                    )],
                    if t == "Ready" { 0.9 } else { 0.84 },
                );
                f.actions.push(match t {
                    "Ready" => format!(
                        "Check the kubelet and container runtime on node {name} (systemctl status kubelet; journalctl -u kubelet) and its network reachability"
                    ),
                    "DiskPressure" => format!(
                        "Free disk on node {name} (unused images, logs, emptyDir usage) or grow its disk; pods are evicted until it recovers"
                    ),
                    "MemoryPressure" => format!(
                        "Find the pods using the most memory on node {name} and set memory limits; pods are evicted until it recovers"
                    ),
                    _ => format!("Check node {name}'s {t} condition and kubelet logs"),
                });
            }
        }
    }
}

fn deployments(cx: &mut Ctx<'_>) {
    let snap = cx.snap;
    for d in snap.items("deployments") {
        let (ns, name) = (meta_ns(d), meta_name(d));
        if let Some(c) = arr(d, "/status/conditions").iter().find(|c| {
            s(c, "/type") == "Progressing" && s(c, "/reason") == "ProgressDeadlineExceeded"
        }) {
            let args = json!({"namespace": ns, "kind": "Deployment", "name": name});
            let msg = s(c, "/message");
            cx.add(
                "rollout_stuck",
                format!("{ns}/Deployment/{name}"),
                format!(
                    "Deployment {name} exceeded its progress deadline (ProgressDeadlineExceeded{}): the new ReplicaSet never became available{}.",
                    num(d, "/spec/progressDeadlineSeconds")
                        .map(|s| format!(" after {s}s"))
                        .unwrap_or_default(),
                    if msg.is_empty() {
                        String::new()
                    } else {
                        format!(" (`{}`)", clip(msg, LINE_CHARS))
                    }
                ),
                vec![quote("get_workload", args, condition_line(c).trim().to_string())],
                0.72,
            );
        }
    }
}

fn metrics(cx: &mut Ctx<'_>) {
    let snap = cx.snap;
    for (q, resp) in &snap.metrics {
        for series in arr(resp, "/data/result") {
            let v: f64 = series
                .pointer("/value/1")
                .and_then(Value::as_str)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0);
            if v < 0.25 {
                continue;
            }
            let pod = s(series, "/metric/pod");
            let container = s(series, "/metric/container");
            let ns = q
                .split("namespace=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or("");
            debug_assert!(*q == throttling_query(ns));
            // The line as promql_query renders it.
            let text = crate::evidence::render::prom_text(
                &json!({"data": {"resultType": "vector", "result": [series]}}),
            );
            cx.add(
                "resource_saturation",
                format!("{ns}/Pod/{pod}"),
                format!("Container {container} of pod {pod} is CPU-throttled {:.0}% of the time: its CPU limit is too low for its load.", v * 100.0),
                vec![quote("promql_query", json!({"query": q}), text.trim().to_string())],
                0.86,
            );
        }
    }
}

/// When the cluster shows nothing, the alert's own name is weak evidence.
fn alert_fallback(cx: &mut Ctx<'_>, a: &Alert) {
    let name = a.name().to_string();
    let table: &[(&[&str], &'static str)] = &[
        (
            &[
                "KubeNodeNotReady",
                "KubeNodeUnreachable",
                "NodeFilesystem",
                "NodeMemory",
                "KubeletDown",
            ],
            "node_failure",
        ),
        (&["KubeJobFailed", "KubeJobNotCompleted"], "job_failure"),
        (
            &[
                "CPUThrottlingHigh",
                "KubeCPUOvercommit",
                "KubeMemoryOvercommit",
                "KubeHpaMaxedOut",
            ],
            "resource_saturation",
        ),
        (
            &[
                "KubeQuotaExceeded",
                "KubeQuotaFullyUsed",
                "KubeQuotaAlmostFull",
            ],
            "quota_exceeded",
        ),
        (
            &[
                "KubeAPIDown",
                "KubeAPIErrorsHigh",
                "etcd",
                "KubeSchedulerDown",
                "KubeControllerManagerDown",
            ],
            "control_plane",
        ),
        (
            &[
                "KubeClientCertificateExpiration",
                "CertificateExpir",
                "X509",
                "SSLCert",
            ],
            "certificate_expiry",
        ),
        (&["KubePersistentVolume"], "storage"),
        (
            &[
                "KubeDeploymentRolloutStuck",
                "KubeDeploymentReplicasMismatch",
                "KubeStatefulSetUpdateNotRolledOut",
                "KubeDaemonSetRolloutStuck",
            ],
            "rollout_stuck",
        ),
        (&["KubePodCrashLooping"], "crash_app_error"),
        (&["KubePodNotReady"], "probe_failure"),
        (&["CoreDNS", "DNS"], "network_dns"),
    ];
    for (prefixes, category) in table {
        if prefixes
            .iter()
            .any(|p| name.starts_with(p) || name.contains(p))
        {
            cx.add(category, format!("Alert/{name}"), format!("Only the alert name {name} points at this category; the cluster evidence did not confirm it."), Vec::new(), 0.35);
            return;
        }
    }
}
