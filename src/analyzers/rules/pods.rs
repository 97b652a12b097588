//! Pods: walks each pod's containers (OOM kills, image pulls, crash loops) and its events
//! (scheduling, mounts, eviction), handing each signal to the rule for its mechanism.
use serde_json::Value;

use super::logs::{classify_logs, last_log_line};
use super::{Ctx, arr, config, meta_name, meta_ns, num, probes, s, scheduling, storage};
use crate::analyzers::facts::{self, LINE_CHARS, clip_tail};
use crate::analyzers::{Quote, pod_args, quote};
use crate::evidence::render::{container_lines, one_line};
use crate::report::Category;

/// The pod being examined and what every pod rule reads from it.
pub(super) struct Pod<'a> {
    pub(super) pod: &'a Value,
    pub(super) ns: &'a str,
    pub(super) name: &'a str,
    /// `namespace/Pod/name`.
    pub(super) resource: String,
    /// The `describe_pod` arguments its quotes name.
    args: Value,
    /// Its events, oldest first.
    pub(super) events: Vec<&'a Value>,
}

impl Pod<'_> {
    /// A line of `describe_pod`'s output.
    pub(super) fn quote(&self, line: String) -> Quote {
        quote("describe_pod", self.args.clone(), line)
    }

    /// An event's message as `describe_pod` prints it.
    pub(super) fn ev_quote(&self, e: &Value) -> Quote {
        self.quote(one_line(s(e, "/message")))
    }
}

/// One of the pod's (init) containers: its spec, its status and its `describe_pod` lines.
pub(super) struct Container<'a> {
    pub(super) spec: &'a Value,
    pub(super) st: &'a Value,
    pub(super) name: &'a str,
    pub(super) lines: Vec<String>,
    /// The reason it is waiting (`CrashLoopBackOff`), or empty.
    pub(super) waiting: &'a str,
}

impl Container<'_> {
    /// The first describe line containing `needle`, trimmed.
    pub(super) fn line_with(&self, needle: &str) -> Option<String> {
        self.lines
            .iter()
            .find(|l| l.contains(needle))
            .map(|l| l.trim().to_string())
    }

    fn term_reason(&self, p: &str) -> String {
        s(self.st, &format!("/{p}/terminated/reason")).to_string()
    }

    fn term_code(&self, p: &str) -> Option<i64> {
        num(self.st, &format!("/{p}/terminated/exitCode"))
    }

    /// Crash-looping, exited non-zero, or failing to run.
    pub(super) fn crashing(&self) -> bool {
        self.waiting == "CrashLoopBackOff"
            || ["state", "lastState"]
                .iter()
                .any(|at| self.term_code(at).is_some_and(|code| code != 0))
            || matches!(self.waiting, "RunContainerError" | "CreateContainerError")
    }

    /// Running but not Ready.
    pub(super) fn not_ready(&self) -> bool {
        self.st.get("ready") != Some(&Value::Bool(true))
            && self.st.pointer("/state/running").is_some()
    }
}

/// A rule about one container: whether it reported it.
type ContainerRule = fn(&mut Ctx<'_>, &Pod<'_>, &Container<'_>) -> bool;

/// The container rules in order: the first that explains a container reports it, the rest skip it.
const CONTAINER_RULES: [ContainerRule; 6] = [
    oom_killed,
    image_pull,
    config::container_config_error,
    probes::failing_probe,
    crash_loop,
    probes::not_ready,
];

pub(super) fn pod_rules<'a>(cx: &mut Ctx<'a>, pod: &'a Value) {
    let ns = meta_ns(pod);
    let name = meta_name(pod);
    let p = Pod {
        pod,
        ns,
        name,
        resource: format!("{ns}/Pod/{name}"),
        args: pod_args(ns, name),
        events: cx.events(ns, "Pod", name),
    };
    let before = cx.out.len();

    let specs: Vec<&Value> = arr(pod, "/spec/initContainers")
        .iter()
        .chain(arr(pod, "/spec/containers"))
        .collect();
    let statuses: Vec<&Value> = arr(pod, "/status/initContainerStatuses")
        .iter()
        .chain(arr(pod, "/status/containerStatuses"))
        .collect();
    for st in statuses {
        let cname = s(st, "/name");
        let Some(&spec) = specs.iter().find(|c| s(c, "/name") == cname) else {
            continue;
        };
        let c = Container {
            spec,
            st,
            name: cname,
            lines: container_lines(spec, Some(st)),
            waiting: s(st, "/state/waiting/reason"),
        };
        for rule in CONTAINER_RULES {
            if rule(cx, &p, &c) {
                break;
            }
        }
    }

    // Scheduling and volumes: the newest event that says why the pod cannot start.
    for e in p.events.iter().rev() {
        match s(e, "/reason") {
            "FailedScheduling" => {
                if !storage::unbound_volumes(cx, &p, e) {
                    scheduling::unschedulable(cx, &p, e);
                }
                break;
            }
            "FailedMount" | "FailedAttachVolume" => {
                // The kubelet's generic "Unable to attach or mount volumes ... timed out" follows
                // the specific failure (`mount.nfs: Connection timed out`): report the specific one.
                let specific = p
                    .events
                    .iter()
                    .rev()
                    .filter(|x| matches!(s(x, "/reason"), "FailedMount" | "FailedAttachVolume"))
                    .find(|x| !s(x, "/message").starts_with("Unable to attach or mount volumes"))
                    .copied()
                    .unwrap_or(e);
                if !config::missing_mount(cx, &p, specific) {
                    storage::failed_mount(cx, &p, specific);
                }
                break;
            }
            _ => {}
        }
    }
    evicted(cx, &p);
    if super::is_control_plane_pod(pod) {
        for f in cx.out[before..].iter_mut() {
            f.category = Category::ControlPlane;
            f.summary = format!("Control-plane component affected: {}", f.summary);
            f.confidence = f.confidence.max(0.9);
        }
    }
}

/// OOMKilled (or exit code 137 under a memory limit, with no failing probe to explain it).
fn oom_killed(cx: &mut Ctx<'_>, p: &Pod<'_>, c: &Container<'_>) -> bool {
    let (spec, st, cname) = (c.spec, c.st, c.name);
    let oom = ["state", "lastState"]
        .iter()
        .any(|at| c.term_reason(at) == "OOMKilled");
    // A SIGKILL is not an OOM kill when the kubelet says why it killed: an eviction (the node's
    // pressure, not the container's limit) or a container it lost track of.
    let killed_for_another_reason = s(p.pod, "/status/reason") == "Evicted"
        || ["state", "lastState"]
            .iter()
            .any(|at| c.term_reason(at) == "ContainerStatusUnknown");
    let oom_by_code = !oom
        && !killed_for_another_reason
        && ["state", "lastState"]
            .iter()
            .any(|at| c.term_code(at) == Some(137))
        && !s(spec, "/resources/limits/memory").is_empty()
        && !p
            .events
            .iter()
            .any(|e| s(e, "/message").contains("probe failed"));
    if !(oom || oom_by_code) {
        return false;
    }
    let mut quotes: Vec<Quote> = c
        .lines
        .iter()
        .filter(|l| l.contains("OOMKilled") || l.contains("Exit Code=137"))
        .map(|l| p.quote(l.trim().to_string()))
        .collect();
    if let Some(l) = c.line_with("Limits:") {
        quotes.push(p.quote(l));
    }
    let limit = s(spec, "/resources/limits/memory");
    let request = s(spec, "/resources/requests/memory");
    let f = cx.add(
        Category::OomKilled,
        p.resource.clone(),
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
    true
}

/// An image that cannot be pulled: why (the pull event's error chain) and what to fix.
fn image_pull(cx: &mut Ctx<'_>, p: &Pod<'_>, c: &Container<'_>) -> bool {
    let (waiting, cname) = (c.waiting, c.name);
    if !matches!(
        waiting,
        "ErrImagePull" | "ImagePullBackOff" | "InvalidImageName" | "ErrImageNeverPull"
    ) {
        return false;
    }
    let mut quotes: Vec<Quote> = c
        .line_with("State:")
        .map(|l| p.quote(l))
        .into_iter()
        .collect();
    let image = s(c.spec, "/image");
    let pull_event = p.events.iter().rev().find(|e| {
        let m = s(e, "/message");
        m.contains("Failed to pull")
            || m.contains("pull access denied")
            || m.contains("manifest unknown")
            || m.contains("not found")
            || s(e, "/reason") == "Failed" && m.contains("image")
    });
    if let Some(e) = pull_event {
        quotes.push(p.ev_quote(e));
    }
    // Why the pull fails: the event's error chain ends with it; the waiting message
    // (`pull access denied`) when there is no event.
    let why_text = pull_event
        .map(|e| s(e, "/message"))
        .filter(|m| !m.is_empty())
        .unwrap_or(s(c.st, "/state/waiting/message"));
    let mut summary = format!("Container {cname} cannot pull image {image} ({waiting})");
    if let Some(what) = facts::pull_failure(why_text) {
        summary.push_str(&format!(": {what}"));
    }
    summary.push('.');
    let f = cx.add(
        Category::ImagePull,
        p.resource.clone(),
        summary,
        quotes,
        0.95,
    );
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
    true
}

/// A container that keeps exiting: its exit code and signal, and why from its logs, the
/// runtime's message, or its last log line.
fn crash_loop(cx: &mut Ctx<'_>, p: &Pod<'_>, c: &Container<'_>) -> bool {
    if !c.crashing() {
        return false;
    }
    let (ns, name, st, cname, waiting) = (p.ns, p.name, c.st, c.name, c.waiting);
    let mut quotes: Vec<Quote> = c
        .lines
        .iter()
        .filter(|l| {
            l.contains("Last State:")
                || (l.contains("State:") && l.contains("Terminated"))
                || (l.contains("State:") && l.contains("CrashLoopBackOff"))
        })
        .map(|l| p.quote(l.trim().to_string()))
        .collect();
    let code = c.term_code("lastState").or(c.term_code("state"));
    let verdict = classify_logs(cx, ns, name, cname);
    let (category, conf) = match &verdict {
        Some(v) => {
            quotes.extend(v.quotes.clone());
            (
                v.category,
                if v.category == Category::CrashAppError {
                    0.85
                } else {
                    0.88
                },
            )
        }
        None => (Category::CrashAppError, 0.7),
    };
    // The status words kubectl shows (CrashLoopBackOff), the exit code and its signal.
    let mut status_words: Vec<String> = Vec::new();
    if !waiting.is_empty() {
        status_words.push(waiting.to_string());
    }
    if let Some(n) = code {
        status_words.push(format!("exit code {n}"));
        status_words.extend(facts::signal_of(n).map(str::to_string));
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
    .map(|at| {
        (
            s(st, &format!("{at}/reason")),
            s(st, &format!("{at}/message")),
        )
    })
    .find(|(_, m)| !m.is_empty() && !m.starts_with("back-off"));
    let last_line = if verdict.is_none() && runtime_msg.is_none() {
        last_log_line(cx, ns, name, cname)
    } else {
        None
    };
    if runtime_msg.is_some() {
        let more: Vec<Quote> = c
            .lines
            .iter()
            .filter(|l| l.contains("State:") && l.contains("Message="))
            .map(|l| p.quote(l.trim().to_string()))
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
        let reason = c.term_reason("lastState");
        let reason = if reason.is_empty() {
            c.term_reason("state")
        } else {
            reason
        };
        if reason.is_empty() || reason == "Error" {
            "the container keeps exiting and prints no log output, so the evidence does not show why (not enough evidence to name a cause)".into()
        } else {
            format!("the container keeps exiting (reason {reason})")
        }
    };
    // Nothing says why: no log line, no runtime message, no signal in the exit code. Naming a
    // cause here would be a guess; the report says the cause is not determined.
    let silent = verdict.is_none()
        && runtime_msg.is_none()
        && last_line.is_none()
        && code.is_none_or(|n| facts::signal_of(n).is_none());
    let (category, conf) = if silent {
        (Category::Unknown, 0.5)
    } else {
        (category, conf)
    };
    let cname_text = if arr(p.pod, "/spec/initContainers")
        .iter()
        .any(|ic| s(ic, "/name") == cname)
    {
        format!("Init container {cname}")
    } else {
        format!("Container {cname}")
    };
    let f = cx.add(
        category,
        p.resource.clone(),
        format!("{cname_text} crash-loops{code_text}: {what}."),
        quotes,
        conf,
    );
    if let Some(v) = &verdict {
        f.target = v.target.clone();
        f.details.extend(v.details());
        if let Some(a) = v.action(ns) {
            f.actions.push(a);
        } else if v.category == Category::CrashAppError {
            f.actions.push(format!(
                "Fix what container {cname}'s last log lines report (`{}`) in its image, command or configuration",
                v.line
            ));
        }
    }
    true
}

/// A pod its node evicted.
fn evicted(cx: &mut Ctx<'_>, p: &Pod<'_>) {
    let (pod, name) = (p.pod, p.name);
    if s(pod, "/status/reason") != "Evicted" {
        return;
    }
    cx.add(
        Category::NodeFailure,
        p.resource.clone(),
        format!(
            "Pod {name} was evicted by its node: {}",
            one_line(s(pod, "/status/message"))
        ),
        vec![p.quote(format!(
            "Status:         Evicted  (phase {})",
            s(pod, "/status/phase")
        ))],
        0.75,
    );
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::analyzers::{Snapshot, analyze, top_category};
    use crate::report::Category;

    /// The kubelet kills an evicted pod's containers (exit 137, `ContainerStatusUnknown`): the
    /// node's memory pressure is the cause, not the container's limit.
    #[test]
    fn an_evicted_pod_killed_with_137_is_the_nodes_pressure_not_an_oom_kill() {
        let pod = json!({"metadata": {"name": "p", "namespace": "n"},
            "spec": {"nodeName": "w1", "containers": [{"name": "c", "image": "i",
                "resources": {"limits": {"memory": "1Gi"}}}]},
            "status": {"phase": "Failed", "reason": "Evicted",
                "message": "The node was low on resource: memory. Threshold quantity: 100Mi, available: 87084Ki.",
                "containerStatuses": [{"name": "c", "ready": false, "restartCount": 0,
                    "state": {"terminated": {"reason": "ContainerStatusUnknown", "exitCode": 137}}}]}});
        let mut snap = Snapshot::default();
        snap.objects.insert("pods", vec![pod.clone()]);
        let f = analyze(&snap, None);
        assert_eq!(top_category(&f), Category::NodeFailure, "{f:#?}");
        assert!(!f.iter().any(|x| x.category == Category::OomKilled));

        // Not evicted, same exit code under a limit: still read as the limit's OOM kill.
        let mut oom = pod;
        oom["status"] = json!({"phase": "Running", "containerStatuses": [{"name": "c", "ready": false,
            "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"reason": "Error", "exitCode": 137}}}]});
        snap.objects.insert("pods", vec![oom]);
        assert_eq!(top_category(&analyze(&snap, None)), Category::OomKilled);
    }
}
