//! Pods and their containers: the `describe_pod` text and the lines analyzers quote from it.
use std::fmt::Write;

use serde_json::Value;

use super::events::events_block;
use super::{arr, condition_line, kv, name, namespace, num, one_line, or_none, s};

/// One line for a container state: `Terminated  Reason=OOMKilled  Exit Code=137 ...`.
fn state_text(state: &Value) -> String {
    if let Some(w) = state.get("waiting") {
        let mut out = "Waiting".to_string();
        if !s(w, "/reason").is_empty() {
            let _ = write!(out, "  Reason={}", s(w, "/reason"));
        }
        if !s(w, "/message").is_empty() {
            let _ = write!(out, "  Message={}", one_line(s(w, "/message")));
        }
        out
    } else if let Some(t) = state.get("terminated") {
        let mut out = "Terminated".to_string();
        if !s(t, "/reason").is_empty() {
            let _ = write!(out, "  Reason={}", s(t, "/reason"));
        }
        let _ = write!(out, "  Exit Code={}", num(t, "/exitCode").unwrap_or(0));
        if let Some(sig) = num(t, "/signal") {
            let _ = write!(out, "  Signal={sig}");
        }
        if !s(t, "/message").is_empty() {
            let _ = write!(out, "  Message={}", one_line(s(t, "/message")));
        }
        if !s(t, "/finishedAt").is_empty() {
            let _ = write!(out, "  Finished={}", s(t, "/finishedAt"));
        }
        out
    } else if let Some(r) = state.get("running") {
        format!("Running  Started={}", s(r, "/startedAt"))
    } else {
        "<unknown>".into()
    }
}

/// kubectl's STATUS column for a pod.
fn pod_status(pod: &Value) -> String {
    if !s(pod, "/metadata/deletionTimestamp").is_empty() {
        return "Terminating".into();
    }
    if !s(pod, "/status/reason").is_empty() {
        return s(pod, "/status/reason").to_string();
    }
    for cs in arr(pod, "/status/initContainerStatuses") {
        if let Some(r) = cs.pointer("/state/waiting/reason").and_then(Value::as_str)
            && r != "PodInitializing"
        {
            return format!("Init:{r}");
        }
        if let Some(code) = num(cs, "/state/terminated/exitCode")
            && code != 0
        {
            return format!("Init:{}", s(cs, "/state/terminated/reason"));
        }
    }
    for cs in arr(pod, "/status/containerStatuses") {
        if let Some(r) = cs.pointer("/state/waiting/reason").and_then(Value::as_str) {
            return r.to_string();
        }
        if let Some(r) = cs
            .pointer("/state/terminated/reason")
            .and_then(Value::as_str)
        {
            return r.to_string();
        }
    }
    let phase = s(pod, "/status/phase");
    if phase.is_empty() {
        "Unknown".into()
    } else {
        phase.into()
    }
}

fn restarts(pod: &Value) -> i64 {
    arr(pod, "/status/containerStatuses")
        .iter()
        .map(|c| num(c, "/restartCount").unwrap_or(0))
        .sum()
}

pub(crate) fn pod_line(pod: &Value) -> String {
    let statuses = arr(pod, "/status/containerStatuses");
    let ready = statuses
        .iter()
        .filter(|c| c.get("ready") == Some(&Value::Bool(true)))
        .count();
    let total = arr(pod, "/spec/containers").len().max(statuses.len());
    format!(
        "{}  ready={ready}/{total}  status={}  restarts={}  node={}  created={}",
        name(pod),
        pod_status(pod),
        restarts(pod),
        or_none(s(pod, "/spec/nodeName")),
        s(pod, "/metadata/creationTimestamp"),
    )
}

fn resources(c: &Value, which: &str) -> String {
    kv(c.pointer(&format!("/resources/{which}")))
}

pub(crate) fn probe_text(p: &Value) -> String {
    let action = if let Some(h) = p.get("httpGet") {
        let port = h
            .get("port")
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .unwrap_or_default();
        let scheme = s(h, "/scheme").to_ascii_lowercase();
        let scheme = if scheme.is_empty() {
            "http".to_string()
        } else {
            scheme
        };
        format!("http-get {scheme}://:{port}{}", s(h, "/path"))
    } else if let Some(t) = p.get("tcpSocket") {
        let port = t
            .get("port")
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .unwrap_or_default();
        format!("tcp-socket :{port}")
    } else if let Some(e) = p.get("exec") {
        let cmd: Vec<&str> = arr(e, "/command")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        format!("exec [{}]", cmd.join(" "))
    } else if let Some(g) = p.get("grpc") {
        format!("grpc :{}", num(g, "/port").unwrap_or(0))
    } else {
        "<none>".into()
    };
    format!(
        "{action} delay={}s timeout={}s period={}s #success={} #failure={}",
        num(p, "/initialDelaySeconds").unwrap_or(0),
        num(p, "/timeoutSeconds").unwrap_or(1),
        num(p, "/periodSeconds").unwrap_or(10),
        num(p, "/successThreshold").unwrap_or(1),
        num(p, "/failureThreshold").unwrap_or(3),
    )
}

fn env_line(e: &Value) -> String {
    let n = s(e, "/name");
    if let Some(v) = e.get("value").and_then(Value::as_str) {
        return format!("{n}={v}");
    }
    if let Some(r) = e.pointer("/valueFrom/secretKeyRef") {
        return format!("{n} (from secret {} key {})", s(r, "/name"), s(r, "/key"));
    }
    if let Some(r) = e.pointer("/valueFrom/configMapKeyRef") {
        return format!(
            "{n} (from configmap {} key {})",
            s(r, "/name"),
            s(r, "/key")
        );
    }
    if let Some(r) = e.pointer("/valueFrom/fieldRef") {
        return format!("{n} (from field {})", s(r, "/fieldPath"));
    }
    if let Some(r) = e.pointer("/valueFrom/resourceFieldRef") {
        return format!("{n} (from resource {})", s(r, "/resource"));
    }
    format!("{n}=")
}

/// The lines describe_pod shows for one container; analyzers use the same strings.
pub(crate) fn container_lines(spec: &Value, status: Option<&Value>) -> Vec<String> {
    let mut out = vec![format!("  {}:", s(spec, "/name"))];
    out.push(format!("    Image:          {}", s(spec, "/image")));
    let cmd: Vec<&str> = arr(spec, "/command")
        .iter()
        .chain(arr(spec, "/args"))
        .filter_map(Value::as_str)
        .collect();
    if !cmd.is_empty() {
        out.push(format!("    Command:        {}", one_line(&cmd.join(" "))));
    }
    if let Some(st) = status {
        if let Some(state) = st.get("state") {
            out.push(format!("    State:          {}", state_text(state)));
        }
        if let Some(last) = st
            .get("lastState")
            .filter(|l| l.as_object().is_some_and(|m| !m.is_empty()))
        {
            out.push(format!("    Last State:     {}", state_text(last)));
        }
        out.push(format!(
            "    Ready:          {}",
            if st.get("ready") == Some(&Value::Bool(true)) {
                "True"
            } else {
                "False"
            }
        ));
        out.push(format!(
            "    Restart Count:  {}",
            num(st, "/restartCount").unwrap_or(0)
        ));
    }
    out.push(format!("    Limits:         {}", resources(spec, "limits")));
    out.push(format!(
        "    Requests:       {}",
        resources(spec, "requests")
    ));
    for (label, key) in [
        ("Liveness", "livenessProbe"),
        ("Readiness", "readinessProbe"),
        ("Startup", "startupProbe"),
    ] {
        if let Some(p) = spec.get(key) {
            out.push(format!(
                "    {label}:{}{}",
                " ".repeat(16 - label.len() - 1),
                probe_text(p)
            ));
        }
    }
    let env = arr(spec, "/env");
    if !env.is_empty() {
        out.push("    Environment:".into());
        for e in env {
            out.push(format!("      {}", env_line(e)));
        }
    }
    for ef in arr(spec, "/envFrom") {
        if let Some(r) = ef.get("configMapRef") {
            out.push(format!("    Env From:       configmap {}", s(r, "/name")));
        }
        if let Some(r) = ef.get("secretRef") {
            out.push(format!("    Env From:       secret {}", s(r, "/name")));
        }
    }
    for m in arr(spec, "/volumeMounts") {
        if s(m, "/mountPath").starts_with("/var/run/secrets/kubernetes.io") {
            continue;
        }
        out.push(format!(
            "    Mount:          {} from {}",
            s(m, "/mountPath"),
            s(m, "/name")
        ));
    }
    out
}

fn volume_line(v: &Value) -> Option<String> {
    let n = s(v, "/name");
    let what = if let Some(c) = v.get("persistentVolumeClaim") {
        format!("PersistentVolumeClaim {}", s(c, "/claimName"))
    } else if let Some(c) = v.get("configMap") {
        format!("ConfigMap {}", s(c, "/name"))
    } else if let Some(c) = v.get("secret") {
        format!("Secret {}", s(c, "/secretName"))
    } else if v.get("emptyDir").is_some() {
        "EmptyDir".into()
    } else if let Some(h) = v.get("hostPath") {
        format!("HostPath {}", s(h, "/path"))
    } else if v.get("projected").is_some() {
        return None; // the service-account token volume: noise
    } else {
        "other".into()
    };
    Some(format!("  {n}: {what}"))
}

pub(crate) fn describe_pod(pod: &Value, events: &[Value], dropped: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Pod:            {}/{}", namespace(pod), name(pod));
    let _ = writeln!(out, "Node:           {}", or_none(s(pod, "/spec/nodeName")));
    let _ = writeln!(
        out,
        "Status:         {}  (phase {})",
        pod_status(pod),
        or_none(s(pod, "/status/phase"))
    );
    if !s(pod, "/status/message").is_empty() {
        let _ = writeln!(
            out,
            "Message:        {}",
            one_line(s(pod, "/status/message"))
        );
    }
    let _ = writeln!(
        out,
        "Labels:         {}",
        kv(pod.pointer("/metadata/labels"))
    );
    for o in arr(pod, "/metadata/ownerReferences") {
        let _ = writeln!(out, "Controlled By:  {}/{}", s(o, "/kind"), s(o, "/name"));
    }
    if !s(pod, "/status/qosClass").is_empty() {
        let _ = writeln!(out, "QoS Class:      {}", s(pod, "/status/qosClass"));
    }
    for (title, spec_ptr, status_ptr) in [
        (
            "Init Containers:",
            "/spec/initContainers",
            "/status/initContainerStatuses",
        ),
        (
            "Containers:",
            "/spec/containers",
            "/status/containerStatuses",
        ),
    ] {
        let specs = arr(pod, spec_ptr);
        if specs.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title}");
        let statuses = arr(pod, status_ptr);
        for c in specs {
            let st = statuses.iter().find(|st| s(st, "/name") == s(c, "/name"));
            for line in container_lines(c, st) {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    let conds = arr(pod, "/status/conditions");
    if !conds.is_empty() {
        let _ = writeln!(out, "Conditions:");
        for c in conds {
            let _ = writeln!(out, "{}", condition_line(c));
        }
    }
    let vols: Vec<String> = arr(pod, "/spec/volumes")
        .iter()
        .filter_map(volume_line)
        .collect();
    if !vols.is_empty() {
        let _ = writeln!(out, "Volumes:");
        for v in vols {
            let _ = writeln!(out, "{v}");
        }
    }
    if pod.pointer("/spec/nodeSelector").is_some() {
        let _ = writeln!(
            out,
            "Node-Selectors: {}",
            kv(pod.pointer("/spec/nodeSelector"))
        );
    }
    if pod.pointer("/spec/affinity/nodeAffinity").is_some() {
        let _ = writeln!(
            out,
            "Node Affinity:  {}",
            one_line(
                &pod.pointer("/spec/affinity/nodeAffinity")
                    .map(Value::to_string)
                    .unwrap_or_default()
            )
        );
    }
    out.push_str(&events_block(events, dropped));
    out
}
