//! Probes: liveness/readiness/startup probes that keep failing (with what the logs say about
//! why), and containers that run but never become Ready.
use serde_json::Value;

use super::logs::classify_logs;
use super::pods::{Container, Pod};
use super::{Ctx, arr, num, s};
use crate::analyzers::Quote;
use crate::analyzers::facts::{LINE_CHARS, clip};
use crate::report::Category;

/// Probe failure events for a container that crashes or is not Ready.
pub(super) fn failing_probe(cx: &mut Ctx<'_>, p: &Pod<'_>, c: &Container<'_>) -> bool {
    let (ns, name, spec, cname) = (p.ns, p.name, c.spec, c.name);
    let crashing = c.crashing();
    let probe_events: Vec<&&Value> = p
        .events
        .iter()
        .filter(|e| s(e, "/reason") == "Unhealthy" || s(e, "/message").contains("probe failed"))
        .collect();
    if probe_events.is_empty() || !(c.not_ready() || crashing) {
        return false;
    }
    // A liveness probe that kills the container explains the crash loop; a readiness
    // probe explains not-ready. Logs can still say why the probe fails.
    let last_event = probe_events.last().map(|e| s(e, "/message")).unwrap_or("");
    let mut quotes: Vec<Quote> = probe_events
        .iter()
        .rev()
        .take(1)
        .map(|e| p.ev_quote(e))
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
    if let Some(l) = c.line_with(&format!("{probe_kind}:")) {
        quotes.push(p.quote(l));
    }
    let probe = spec.get(format!("{}Probe", probe_kind.to_ascii_lowercase()).as_str());
    let (category, conf, verdict) = match classify_logs(cx, ns, name, cname) {
        Some(v)
            if matches!(
                v.category,
                Category::CertificateExpiry | Category::NetworkDns | Category::DependencyFailure
            ) =>
        {
            quotes.extend(v.quotes.clone());
            (v.category, 0.8, Some(v))
        }
        _ => (Category::ProbeFailure, 0.9, None),
    };
    let mut summary = format!(
        "{probe_kind} probe of container {cname}{} keeps failing ({})",
        probe
            .map(|pr| format!(" ({})", probe_action(pr)))
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
    } else if probe.is_some_and(|pr| pr.get("exec").is_some()) {
        summary.push_str(": its command exits non-zero without output");
    }
    summary.push('.');
    let f = cx.add(category, p.resource.clone(), summary, quotes, conf);
    if let Some(v) = &verdict {
        f.details
            .push(format!("The container's logs show {}.", v.sentence()));
    }
    if let Some(probe) = probe {
        let ports = container_ports(spec);
        if let Some(port) = probe_port(probe)
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
            num(probe, "/initialDelaySeconds").unwrap_or(0),
            num(probe, "/timeoutSeconds").unwrap_or(1),
            num(probe, "/periodSeconds").unwrap_or(10),
            num(probe, "/failureThreshold").unwrap_or(3),
        );
        let low = last_event.to_ascii_lowercase();
        if low.contains("connection refused") || low.contains("404") {
            f.actions.push(format!(
                "Make the {} probe of container {cname} ({}) match a port and path the application really serves",
                probe_kind.to_ascii_lowercase(),
                probe_action(probe)
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
    true
}

/// A running container that is not Ready, with no probe events to say more.
pub(super) fn not_ready(cx: &mut Ctx<'_>, p: &Pod<'_>, c: &Container<'_>) -> bool {
    if !c.not_ready() {
        return false;
    }
    let Some(probe) = c.spec.get("readinessProbe") else {
        return false;
    };
    let quotes: Vec<Quote> = c
        .line_with("Readiness:")
        .map(|l| p.quote(l))
        .into_iter()
        .collect();
    cx.add(
        Category::ProbeFailure,
        p.resource.clone(),
        format!(
            "Container {} runs but is not Ready; its readiness probe ({}) does not pass.",
            c.name,
            probe_action(probe)
        ),
        quotes,
        0.6,
    );
    true
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
