//! Compact, kubectl-like text renderings of API objects. Rendering works on the API's JSON
//! (not typed structs) so partial objects from hand-made or older bundles still render.
//! Analyzers quote lines produced by the same helpers, so their quotes appear verbatim in tool
//! outputs.
use std::fmt::Write;

use serde_json::Value;

pub(crate) fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

pub(crate) fn arr<'a>(v: &'a Value, ptr: &str) -> &'a [Value] {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

pub(crate) fn num(v: &Value, ptr: &str) -> Option<i64> {
    v.pointer(ptr).and_then(Value::as_i64)
}

/// `k=v, k2=v2` for a JSON object of scalars.
pub(crate) fn kv(v: Option<&Value>) -> String {
    match v.and_then(Value::as_object) {
        Some(m) if !m.is_empty() => m
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => "<none>".into(),
    }
}

pub(crate) fn name(obj: &Value) -> &str {
    s(obj, "/metadata/name")
}

pub(crate) fn namespace(obj: &Value) -> &str {
    s(obj, "/metadata/namespace")
}

/// One line for a container state: `Terminated  Reason=OOMKilled  Exit Code=137 ...`.
pub(crate) fn state_text(state: &Value) -> String {
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

pub(crate) fn one_line(text: &str) -> String {
    let t = text.trim().replace(['\n', '\r'], " ");
    if t.chars().count() > 400 {
        let cut: String = t.chars().take(400).collect();
        format!("{cut}…")
    } else {
        t
    }
}

/// kubectl's STATUS column for a pod.
pub(crate) fn pod_status(pod: &Value) -> String {
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

pub(crate) fn restarts(pod: &Value) -> i64 {
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

fn or_none(v: &str) -> &str {
    if v.is_empty() { "<none>" } else { v }
}

pub(crate) fn resources(c: &Value, which: &str) -> String {
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

pub(crate) fn volume_line(v: &Value) -> Option<String> {
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

pub(crate) fn condition_line(c: &Value) -> String {
    let mut out = format!("  {}={}", s(c, "/type"), s(c, "/status"));
    if !s(c, "/reason").is_empty() {
        let _ = write!(out, "  Reason={}", s(c, "/reason"));
    }
    if !s(c, "/message").is_empty() {
        let _ = write!(out, "  Message={}", one_line(s(c, "/message")));
    }
    out
}

pub(crate) fn event_time(ev: &Value) -> &str {
    for p in [
        "/lastTimestamp",
        "/eventTime",
        "/firstTimestamp",
        "/metadata/creationTimestamp",
    ] {
        let t = s(ev, p);
        if !t.is_empty() {
            return t;
        }
    }
    ""
}

/// One event: `TIME  TYPE  REASON  Kind/name  (xN)  message`.
pub(crate) fn event_line(ev: &Value) -> String {
    let count = num(ev, "/count")
        .or_else(|| num(ev, "/series/count"))
        .unwrap_or(1);
    format!(
        "{}  {}  {}  {}/{}{}  {}",
        or_none(event_time(ev)),
        s(ev, "/type"),
        s(ev, "/reason"),
        s(ev, "/involvedObject/kind"),
        s(ev, "/involvedObject/name"),
        if count > 1 {
            format!("  (x{count})")
        } else {
            String::new()
        },
        one_line(s(ev, "/message")),
    )
}

/// Events in time order, then name; the newest `keep` of them.
pub(crate) fn sort_events(events: &mut Vec<Value>, keep: usize) -> usize {
    events.sort_by(|a, b| (event_time(a), name(a)).cmp(&(event_time(b), name(b))));
    let dropped = events.len().saturating_sub(keep);
    events.drain(..dropped);
    dropped
}

pub(crate) fn events_block(events: &[Value], dropped: usize) -> String {
    let mut out = String::from("Events:\n");
    if events.is_empty() {
        out.push_str("  <none>\n");
    }
    if dropped > 0 {
        let _ = writeln!(out, "  ({dropped} older events not shown)");
    }
    for ev in events {
        let _ = writeln!(out, "  {}", event_line(ev));
    }
    out
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

/// kubectl rollout status, in words, for a Deployment/StatefulSet/DaemonSet.
pub(crate) fn rollout_status(kind: &str, obj: &Value) -> String {
    let n = name(obj);
    let generation = num(obj, "/metadata/generation").unwrap_or(0);
    let observed = num(obj, "/status/observedGeneration").unwrap_or(0);
    if observed < generation {
        return format!(
            "Waiting for {} spec update to be observed...",
            kind.to_lowercase()
        );
    }
    match kind {
        "Deployment" => {
            if let Some(c) = arr(obj, "/status/conditions")
                .iter()
                .find(|c| s(c, "/type") == "Progressing")
                && s(c, "/reason") == "ProgressDeadlineExceeded"
            {
                return format!("error: deployment \"{n}\" exceeded its progress deadline");
            }
            let want = num(obj, "/spec/replicas").unwrap_or(1);
            let updated = num(obj, "/status/updatedReplicas").unwrap_or(0);
            let total = num(obj, "/status/replicas").unwrap_or(0);
            let avail = num(obj, "/status/availableReplicas").unwrap_or(0);
            if updated < want {
                format!(
                    "Waiting for deployment \"{n}\" rollout to finish: {updated} out of {want} new replicas have been updated..."
                )
            } else if total > updated {
                format!(
                    "Waiting for deployment \"{n}\" rollout to finish: {} old replicas are pending termination...",
                    total - updated
                )
            } else if avail < updated {
                format!(
                    "Waiting for deployment \"{n}\" rollout to finish: {avail} of {updated} updated replicas are available..."
                )
            } else {
                format!("deployment \"{n}\" successfully rolled out")
            }
        }
        "StatefulSet" => {
            let want = num(obj, "/spec/replicas").unwrap_or(1);
            let ready = num(obj, "/status/readyReplicas").unwrap_or(0);
            if ready < want {
                format!("Waiting for {} pods to be ready...", want - ready)
            } else {
                format!("statefulset rolling update complete {ready} pods")
            }
        }
        "DaemonSet" => {
            let want = num(obj, "/status/desiredNumberScheduled").unwrap_or(0);
            let updated = num(obj, "/status/updatedNumberScheduled").unwrap_or(0);
            let avail = num(obj, "/status/numberAvailable").unwrap_or(0);
            if updated < want {
                format!(
                    "Waiting for daemon set \"{n}\" rollout to finish: {updated} out of {want} new pods have been updated..."
                )
            } else if avail < want {
                format!(
                    "Waiting for daemon set \"{n}\" rollout to finish: {avail} of {want} updated pods are available..."
                )
            } else {
                format!("daemon set \"{n}\" successfully rolled out")
            }
        }
        _ => String::new(),
    }
}

pub(crate) fn workload_header(kind: &str, obj: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{kind}:  {}/{}", namespace(obj), name(obj));
    let _ = writeln!(out, "Labels:  {}", kv(obj.pointer("/metadata/labels")));
    match kind {
        "Deployment" | "StatefulSet" | "ReplicaSet" => {
            let _ = writeln!(
                out,
                "Replicas:  {} desired | {} updated | {} total | {} ready | {} available",
                num(obj, "/spec/replicas").unwrap_or(1),
                num(obj, "/status/updatedReplicas").unwrap_or(0),
                num(obj, "/status/replicas").unwrap_or(0),
                num(obj, "/status/readyReplicas").unwrap_or(0),
                num(obj, "/status/availableReplicas").unwrap_or(0),
            );
        }
        "DaemonSet" => {
            let _ = writeln!(
                out,
                "Pods:  {} desired | {} current | {} updated | {} ready | {} available | {} misscheduled",
                num(obj, "/status/desiredNumberScheduled").unwrap_or(0),
                num(obj, "/status/currentNumberScheduled").unwrap_or(0),
                num(obj, "/status/updatedNumberScheduled").unwrap_or(0),
                num(obj, "/status/numberReady").unwrap_or(0),
                num(obj, "/status/numberAvailable").unwrap_or(0),
                num(obj, "/status/numberMisscheduled").unwrap_or(0),
            );
        }
        "Job" => {
            let _ = writeln!(
                out,
                "Pods Statuses:  {} active | {} succeeded | {} failed  (completions {}, parallelism {}, backoffLimit {})",
                num(obj, "/status/active").unwrap_or(0),
                num(obj, "/status/succeeded").unwrap_or(0),
                num(obj, "/status/failed").unwrap_or(0),
                num(obj, "/spec/completions").unwrap_or(1),
                num(obj, "/spec/parallelism").unwrap_or(1),
                num(obj, "/spec/backoffLimit").unwrap_or(6),
            );
            if let Some(d) = num(obj, "/spec/activeDeadlineSeconds") {
                let _ = writeln!(out, "Active Deadline Seconds:  {d}s");
            }
        }
        "CronJob" => {
            let _ = writeln!(
                out,
                "Schedule:  {}  suspend={}",
                s(obj, "/spec/schedule"),
                obj.pointer("/spec/suspend")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            );
            let _ = writeln!(
                out,
                "Last Schedule Time:  {}",
                or_none(s(obj, "/status/lastScheduleTime"))
            );
            let _ = writeln!(
                out,
                "Last Successful Time:  {}",
                or_none(s(obj, "/status/lastSuccessfulTime"))
            );
            let active: Vec<&str> = arr(obj, "/status/active")
                .iter()
                .map(|a| s(a, "/name"))
                .collect();
            let _ = writeln!(
                out,
                "Active Jobs:  {}",
                if active.is_empty() {
                    "<none>".to_string()
                } else {
                    active.join(", ")
                }
            );
        }
        _ => {}
    }
    let status = rollout_status(kind, obj);
    if !status.is_empty() {
        let _ = writeln!(out, "Rollout Status:  {status}");
    }
    let conds = arr(obj, "/status/conditions");
    if !conds.is_empty() {
        let _ = writeln!(out, "Conditions:");
        for c in conds {
            let _ = writeln!(out, "{}", condition_line(c));
        }
    }
    let tmpl = if kind == "CronJob" {
        "/spec/jobTemplate/spec/template/spec"
    } else {
        "/spec/template/spec"
    };
    let containers = arr(obj, &format!("{tmpl}/containers"));
    if !containers.is_empty() {
        let _ = writeln!(out, "Pod Template:");
        for c in containers {
            for line in container_lines(c, None) {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out
}

pub(crate) fn node_text(node: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Node:  {}", name(node));
    let _ = writeln!(out, "Labels:  {}", kv(node.pointer("/metadata/labels")));
    if node.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
        let _ = writeln!(out, "Unschedulable:  true (cordoned)");
    }
    let taints = arr(node, "/spec/taints");
    let _ = writeln!(
        out,
        "Taints:  {}",
        if taints.is_empty() {
            "<none>".to_string()
        } else {
            taints
                .iter()
                .map(|t| format!("{}={}:{}", s(t, "/key"), s(t, "/value"), s(t, "/effect")))
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    let _ = writeln!(out, "Conditions:");
    for c in arr(node, "/status/conditions") {
        let _ = writeln!(out, "{}", condition_line(c));
    }
    let _ = writeln!(out, "Capacity:  {}", kv(node.pointer("/status/capacity")));
    let _ = writeln!(
        out,
        "Allocatable:  {}",
        kv(node.pointer("/status/allocatable"))
    );
    let ni = node.pointer("/status/nodeInfo");
    if let Some(ni) = ni {
        let _ = writeln!(
            out,
            "Kubelet:  {}  OS image: {}",
            s(ni, "/kubeletVersion"),
            s(ni, "/osImage")
        );
    }
    out
}

pub(crate) fn pvc_text(pvc: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "PersistentVolumeClaim:  {}/{}",
        namespace(pvc),
        name(pvc)
    );
    let _ = writeln!(out, "Status:  {}", or_none(s(pvc, "/status/phase")));
    let _ = writeln!(
        out,
        "StorageClass:  {}",
        or_none(s(pvc, "/spec/storageClassName"))
    );
    let _ = writeln!(out, "Volume:  {}", or_none(s(pvc, "/spec/volumeName")));
    let _ = writeln!(
        out,
        "Requested:  {}",
        kv(pvc.pointer("/spec/resources/requests"))
    );
    let modes: Vec<&str> = arr(pvc, "/spec/accessModes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let _ = writeln!(out, "Access Modes:  {}", modes.join(","));
    for c in arr(pvc, "/status/conditions") {
        let _ = writeln!(out, "{}", condition_line(c));
    }
    out
}

pub(crate) fn pv_text(pv: &Value) -> String {
    format!(
        "PersistentVolume:  {}  Status: {}  Claim: {}/{}  StorageClass: {}  Capacity: {}  Reclaim: {}\n",
        name(pv),
        or_none(s(pv, "/status/phase")),
        s(pv, "/spec/claimRef/namespace"),
        s(pv, "/spec/claimRef/name"),
        or_none(s(pv, "/spec/storageClassName")),
        kv(pv.pointer("/spec/capacity")),
        or_none(s(pv, "/spec/persistentVolumeReclaimPolicy")),
    )
}

/// A Prometheus answer as lines: one per series.
pub(crate) fn prom_text(resp: &Value) -> String {
    let data = resp.get("data").unwrap_or(&Value::Null);
    let mut out = String::new();
    let metric = |m: &Value| {
        let labels = m.as_object().map(|o| {
            o.iter()
                .map(|(k, v)| format!("{k}=\"{}\"", v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(", ")
        });
        format!("{{{}}}", labels.unwrap_or_default())
    };
    match s(data, "/resultType") {
        "vector" => {
            let r = arr(data, "/result");
            if r.is_empty() {
                out.push_str("(empty result: no series matched)\n");
            }
            for series in r {
                let v = series.get("value").and_then(Value::as_array);
                let val = v
                    .and_then(|v| v.get(1))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let _ = writeln!(
                    out,
                    "{} => {val}",
                    metric(series.get("metric").unwrap_or(&Value::Null))
                );
            }
        }
        "matrix" => {
            let r = arr(data, "/result");
            if r.is_empty() {
                out.push_str("(empty result: no series matched)\n");
            }
            for series in r {
                let pts: Vec<f64> = arr(series, "/values")
                    .iter()
                    .filter_map(|p| {
                        p.get(1)
                            .and_then(Value::as_str)
                            .and_then(|v| v.parse().ok())
                    })
                    .collect();
                let min = pts.iter().cloned().fold(f64::INFINITY, f64::min);
                let max = pts.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let last = pts.last().copied().unwrap_or(f64::NAN);
                let _ = writeln!(
                    out,
                    "{}  points={}  min={}  max={}  last={}",
                    metric(series.get("metric").unwrap_or(&Value::Null)),
                    pts.len(),
                    fmt_f(min),
                    fmt_f(max),
                    fmt_f(last)
                );
            }
        }
        "scalar" | "string" => {
            let v = data.get("result").and_then(Value::as_array);
            let _ = writeln!(
                out,
                "{}",
                v.and_then(|v| v.get(1))
                    .and_then(Value::as_str)
                    .unwrap_or("")
            );
        }
        _ => {
            let _ = writeln!(out, "{}", data);
        }
    }
    for w in arr(resp, "/warnings") {
        let _ = writeln!(out, "warning: {}", w.as_str().unwrap_or(""));
    }
    out
}

fn fmt_f(x: f64) -> String {
    if x.is_finite() {
        let r = (x * 10000.0).round() / 10000.0;
        format!("{r}")
    } else {
        "NaN".into()
    }
}
