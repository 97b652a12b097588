//! The rules. Each looks at one kind of signal and says what it means in Kubernetes terms.
use serde_json::{Value, json};

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
    ) {
        self.out.push(Finding {
            category,
            resource,
            summary,
            quotes,
            confidence,
        });
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

/// Classifies a crashing/unready container's logs: (category, quotes, what).
fn classify_logs(
    cx: &Ctx<'_>,
    ns: &str,
    pod: &str,
    container: &str,
) -> Option<(&'static str, Vec<Quote>, &'static str)> {
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
                return Some((
                    *category,
                    vec![log_quote(ns, pod, container, *previous, last)],
                    *what,
                ));
            }
        }
    }
    for (previous, text) in sources.iter() {
        let Some(text) = text else { continue };
        let lines = error_lines(text);
        if !lines.is_empty() {
            let quotes = lines
                .iter()
                .map(|l| log_quote(ns, pod, container, *previous, l))
                .collect();
            return Some((
                "crash_app_error",
                quotes,
                "the application exits with an error",
            ));
        }
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
            cx.add(
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
            continue;
        }
        if matches!(
            waiting,
            "ErrImagePull" | "ImagePullBackOff" | "InvalidImageName" | "ErrImageNeverPull"
        ) {
            let mut quotes: Vec<Quote> = line_with("State:").map(q).into_iter().collect();
            if let Some(e) = events.iter().rev().find(|e| {
                let m = s(e, "/message");
                m.contains("Failed to pull")
                    || m.contains("pull access denied")
                    || m.contains("manifest unknown")
                    || m.contains("not found")
                    || s(e, "/reason") == "Failed" && m.contains("image")
            }) {
                quotes.push(ev_quote(e));
            }
            cx.add(
                "image_pull",
                resource.clone(),
                format!(
                    "Container {cname} cannot pull image {} ({waiting}).",
                    s(spec, "/image")
                ),
                quotes,
                0.95,
            );
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
            cx.add(
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
            } else {
                "Readiness"
            };
            if let Some(l) = line_with(&format!("{probe_kind}:")) {
                quotes.push(q(l));
            }
            let (category, conf) = match classify_logs(cx, ns, name, cname) {
                Some((
                    cat @ ("certificate_expiry" | "network_dns" | "dependency_failure"),
                    lq,
                    _,
                )) => {
                    quotes.extend(lq);
                    (cat, 0.8)
                }
                _ => ("probe_failure", 0.9),
            };
            cx.add(
                category,
                resource.clone(),
                format!(
                    "{probe_kind} probe of container {cname} keeps failing ({}).",
                    if crashing {
                        "the kubelet restarts it"
                    } else {
                        "the pod never becomes Ready"
                    }
                ),
                quotes,
                conf,
            );
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
            let (category, what, conf) = match classify_logs(cx, ns, name, cname) {
                Some((cat, lq, what)) => {
                    quotes.extend(lq);
                    (
                        cat,
                        what,
                        if cat == "crash_app_error" { 0.85 } else { 0.88 },
                    )
                }
                None => ("crash_app_error", "the container keeps exiting", 0.7),
            };
            cx.add(
                category,
                resource.clone(),
                format!(
                    "Container {cname} crash-loops{}: {what}.",
                    code.map(|c| format!(" (exit code {c})"))
                        .unwrap_or_default()
                ),
                quotes,
                conf,
            );
            continue;
        }
        if not_ready && spec.get("readinessProbe").is_some() {
            let quotes: Vec<Quote> = line_with("Readiness:").map(q).into_iter().collect();
            cx.add(
                "probe_failure",
                resource.clone(),
                format!(
                    "Container {cname} runs but is not Ready; its readiness probe does not pass."
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
                cx.add(
                    "storage",
                    resource.clone(),
                    format!("Pod {name} cannot be scheduled because of its volumes."),
                    vec![ev_quote(e)],
                    0.88,
                );
            } else {
                let why = if low.contains("insufficient") {
                    "not enough allocatable resources on any node"
                } else if low.contains("taint") {
                    "untolerated node taints"
                } else if low.contains("affinity") || low.contains("selector") {
                    "no node matches its node selector/affinity"
                } else {
                    "the scheduler found no fitting node"
                };
                cx.add(
                    "unschedulable",
                    resource.clone(),
                    format!("Pod {name} is Pending: {why}."),
                    vec![ev_quote(e)],
                    0.9,
                );
            }
            break;
        }
        if reason == "FailedMount" || reason == "FailedAttachVolume" {
            let config =
                (low.contains("configmap") || low.contains("secret")) && low.contains("not found");
            if config {
                cx.add(
                    "config_missing",
                    resource.clone(),
                    format!("Pod {name} mounts a ConfigMap/Secret that does not exist."),
                    vec![ev_quote(e)],
                    0.9,
                );
            } else {
                cx.add(
                    "storage",
                    resource.clone(),
                    format!("Pod {name} cannot mount a volume."),
                    vec![ev_quote(e)],
                    0.85,
                );
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
        let mut why = String::new();
        for p in pods.iter().rev() {
            let c = arr(p, "/spec/containers")
                .first()
                .map(|c| s(c, "/name"))
                .unwrap_or("");
            if let Some((_, lq, what)) = classify_logs(cx, ns, meta_name(p), c) {
                why = format!(" ({what})");
                quotes.extend(lq);
                break;
            }
        }
        cx.add(
            "job_failure",
            format!("{ns}/Job/{name}"),
            format!("Job {name} failed: {}{why}.", one_line(s(cond, "/message"))),
            quotes,
            0.92,
        );
    }
    failed
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
        cx.add(
            "quota_exceeded",
            format!("{ns}/{kind}/{name}"),
            format!("{kind} {name} cannot create pods: a ResourceQuota denies them."),
            vec![quote("list_events", args, one_line(msg))],
            0.93,
        );
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
                cx.add(
                    "quota_exceeded",
                    format!("{ns}/Deployment/{name}"),
                    format!("Deployment {name} cannot create pods: a ResourceQuota denies them."),
                    vec![quote(
                        "get_workload",
                        args,
                        condition_line(c).trim().to_string(),
                    )],
                    0.93,
                );
            }
        }
    }
}

fn pvcs(cx: &mut Ctx<'_>) {
    let snap = cx.snap;
    let classes: Option<Vec<&str>> = snap
        .objects
        .get("storageclasses")
        // An empty list says nothing (bundles often leave storage classes out).
        .filter(|v| !v.is_empty())
        .map(|v| v.iter().map(meta_name).collect());
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
        let sc = s(pvc, "/spec/storageClassName");
        let events = cx.events(ns, "PersistentVolumeClaim", name);
        if let Some(e) = events.iter().rev().find(|e| s(e, "/type") == "Warning") {
            quotes.push(quote("get_pvc", args.clone(), one_line(s(e, "/message"))));
        }
        let missing_class = !sc.is_empty() && classes.as_ref().is_some_and(|c| !c.contains(&sc));
        if missing_class {
            quotes.push(quote(
                "get_pvc",
                args.clone(),
                format!("StorageClass {sc}: not found"),
            ));
        }
        cx.add(
            "storage",
            format!("{ns}/PersistentVolumeClaim/{name}"),
            format!(
                "PersistentVolumeClaim {name} is not bound{}.",
                if missing_class {
                    format!(": its StorageClass {sc} does not exist")
                } else if sc.is_empty() {
                    String::new()
                } else {
                    format!(" (StorageClass {sc})")
                }
            ),
            quotes,
            if events.is_empty() && !missing_class {
                0.7
            } else {
                0.87
            },
        );
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
                cx.add(
                    "node_failure",
                    format!("Node/{name}"),
                    format!(
                        "Node {name}: {t}={st}{}.",
                        if s(c, "/reason").is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", s(c, "/reason"))
                        }
                    ),
                    vec![quote(
                        "get_node",
                        args.clone(),
                        condition_line(c).trim().to_string(),
                    )],
                    if t == "Ready" { 0.9 } else { 0.84 },
                );
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
            cx.add(
                "rollout_stuck",
                format!("{ns}/Deployment/{name}"),
                format!("Deployment {name} exceeded its progress deadline: the new ReplicaSet never became available."),
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
