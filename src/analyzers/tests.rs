use serde_json::json;

use super::*;
use crate::report::Category;

fn snap(objects: &[(&'static str, Value)]) -> Snapshot {
    let mut s = Snapshot::default();
    for (plural, obj) in objects {
        s.objects.entry(plural).or_default().push(obj.clone());
    }
    s
}

#[test]
fn oom_killed_quotes_state_and_limit() {
    let pod = json!({"metadata": {"name": "p", "namespace": "n"},
        "spec": {"containers": [{"name": "c", "image": "i", "resources": {"limits": {"memory": "50Mi"}}}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": false, "restartCount": 4,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}]}});
    let f = analyze(&snap(&[("pods", pod)]), None);
    assert_eq!(top_category(&f), Category::OomKilled);
    assert!(f[0].summary.contains("50Mi"));
    assert!(
        f[0].quotes
            .iter()
            .any(|q| q.text.contains("Reason=OOMKilled") && q.tool == "describe_pod")
    );
    assert!(f[0].quotes.iter().any(|q| q.text.contains("memory=50Mi")));
}

#[test]
fn node_pressure_and_not_ready() {
    let node = json!({"metadata": {"name": "w1"}, "status": {"conditions": [
        {"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown"},
        {"type": "DiskPressure", "status": "True"}]}});
    let f = analyze(&snap(&[("nodes", node)]), None);
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].category, Category::NodeFailure);
    assert!(f[0].quotes[0].text.contains("Ready=Unknown"));
}

#[test]
fn nothing_found_is_unknown_unless_the_alert_says_more() {
    let empty = Snapshot::default();
    assert_eq!(top_category(&analyze(&empty, None)), Category::Unknown);
    let alert = crate::alert::Alert::from_labels("KubeJobFailed", Default::default());
    let f = analyze(&empty, Some(&alert));
    assert_eq!(top_category(&f), Category::JobFailure);
    assert!(f[0].confidence < 0.5 && f[0].quotes.is_empty());
}

#[test]
fn crash_logs_pick_the_most_specific_signature() {
    let pod = json!({"metadata": {"name": "p", "namespace": "n"},
        "spec": {"containers": [{"name": "c", "image": "i"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": false, "restartCount": 2,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"reason": "Error", "exitCode": 1}}}]}});
    let mut s = snap(&[("pods", pod)]);
    let key = ("n".to_string(), "p".to_string(), "c".to_string());
    s.previous_logs.insert(
        key.clone(),
        "ERROR boom\ndial tcp: lookup db on 10.96.0.10:53: no such host\n".into(),
    );
    let f = analyze(&s, None);
    assert_eq!(top_category(&f), Category::NetworkDns);
    s.previous_logs
        .insert(key, "ERROR boom\nFATAL: bad config\n".into());
    assert_eq!(top_category(&analyze(&s, None)), Category::CrashAppError);
}

fn event(kind: &str, name: &str, reason: &str, message: &str) -> Value {
    json!({"metadata": {"name": format!("{name}.1"), "namespace": "n"},
        "involvedObject": {"kind": kind, "name": name, "namespace": "n"},
        "type": "Warning", "reason": reason, "message": message,
        "lastTimestamp": "2026-03-02T10:00:00Z"})
}

fn pending_pod(name: &str, spec: Value) -> Value {
    json!({"metadata": {"name": name, "namespace": "n"}, "spec": spec,
        "status": {"phase": "Pending"}})
}

/// The report's conclusion text of the best finding: summary, details and actions.
fn told(f: &Finding) -> String {
    format!(
        "{} {} {}",
        f.summary,
        f.details.join(" "),
        f.actions.join(" ")
    )
}

#[test]
fn missing_configmap_volume_is_named_with_its_volume_and_the_existing_ones() {
    let pod = pending_pod(
        "web-1",
        json!({"containers": [{"name": "c", "image": "i"}],
            "volumes": [{"name": "cfg", "configMap": {"name": "app-config"}}]}),
    );
    let ev = event(
        "Pod",
        "web-1",
        "FailedMount",
        "MountVolume.SetUp failed for volume \"cfg\" : configmap \"app-config\" not found",
    );
    let cm = json!({"metadata": {"name": "app-configuration", "namespace": "n"}});
    let root_ca = json!({"metadata": {"name": "kube-root-ca.crt", "namespace": "n"}});
    let f = analyze(
        &snap(&[
            ("pods", pod),
            ("events", ev),
            ("configmaps", cm),
            ("configmaps", root_ca),
        ]),
        None,
    );
    assert_eq!(f[0].category, Category::ConfigMissing);
    assert!(
        f[0].summary.contains("ConfigMap app-config is not found"),
        "{}",
        f[0].summary
    );
    assert!(f[0].summary.contains("volume cfg"));
    assert_eq!(
        f[0].details,
        vec!["ConfigMaps that do exist there: app-configuration.".to_string()]
    );
    assert!(f[0].actions[0].starts_with("Create ConfigMap app-config in namespace n"));
}

#[test]
fn missing_secret_key_gets_a_key_specific_action() {
    let pod = json!({"metadata": {"name": "kc-0", "namespace": "n"},
        "spec": {"containers": [{"name": "app", "image": "i"}]},
        "status": {"phase": "Pending", "containerStatuses": [{"name": "app", "ready": false,
            "state": {"waiting": {"reason": "CreateContainerConfigError",
                "message": "couldn't find key password in Secret n/db"}}}]}});
    let f = analyze(&snap(&[("pods", pod)]), None);
    assert_eq!(f[0].category, Category::ConfigMissing);
    assert!(
        f[0].actions[0].starts_with("Add key password to Secret db in namespace n"),
        "{:?}",
        f[0].actions
    );
}

#[test]
fn failed_job_states_the_last_error_line_of_its_newest_pod() {
    let job = json!({"metadata": {"name": "scrape", "namespace": "n"},
        "status": {"failed": 5, "conditions": [{"type": "Failed", "status": "True",
            "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}});
    let pod = |name: &str, created: &str| {
        json!({"metadata": {"name": name, "namespace": "n", "creationTimestamp": created,
                "ownerReferences": [{"kind": "Job", "name": "scrape"}]},
            "spec": {"containers": [{"name": "c", "image": "bash"}]},
            "status": {"phase": "Failed", "containerStatuses": [{"name": "c", "ready": false,
                "state": {"terminated": {"reason": "Error", "exitCode": 2}}}]}})
    };
    let mut s = snap(&[
        ("jobs", job),
        ("pods", pod("scrape-old", "2026-03-02T10:00:00Z")),
        ("pods", pod("scrape-new", "2026-03-02T10:05:00Z")),
    ]);
    let key = |p: &str| ("n".to_string(), p.to_string(), "c".to_string());
    s.logs.insert(
        key("scrape-old"),
        "error: an older, different failure\n".into(),
    );
    s.logs.insert(
        key("scrape-new"),
        "starting\n/bin/sh: syntax error: unexpected \"fi\"\n".into(),
    );
    let f = analyze(&s, None);
    assert_eq!(f.len(), 1, "the Job's pods are not reported again: {f:?}");
    assert_eq!(f[0].category, Category::JobFailure);
    let text = told(&f[0]);
    assert!(
        text.contains("`/bin/sh: syntax error: unexpected \"fi\"`"),
        "{text}"
    );
    assert!(text.contains("BackoffLimitExceeded") && text.contains("5 failed pod(s)"));
    assert!(text.contains("exit code 2"));
    assert!(!text.contains("older"));
}

#[test]
fn node_selector_names_the_label_no_node_has_and_how_to_fix_it() {
    let pod = pending_pod(
        "import",
        json!({"containers": [{"name": "c", "image": "i"}], "nodeSelector": {"disk": "ssd"}}),
    );
    let ev = event(
        "Pod",
        "import",
        "FailedScheduling",
        "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
    );
    let node = |n: &str, labels: Value| json!({"metadata": {"name": n, "labels": labels}});
    let s = snap(&[
        ("pods", pod),
        ("events", ev),
        ("nodes", node("a", json!({"disk": "hdd"}))),
        ("nodes", node("b", json!({}))),
    ]);
    let f = analyze(&s, None);
    assert_eq!(f[0].category, Category::Unschedulable);
    assert!(
        f[0].summary.contains("nodeSelector disk=ssd"),
        "{}",
        f[0].summary
    );
    assert!(
        f[0].summary
            .contains("didn't match Pod's node affinity/selector")
    );
    assert!(!f[0].summary.contains("preemption"));
    assert_eq!(
        f[0].details,
        vec!["None of the 2 node(s) has the label disk=ssd.".to_string()]
    );
    assert!(f[0].actions[0].contains("Add the label disk=ssd to a node"));
    assert!(f[0].actions[0].contains("remove the nodeSelector"));
}

#[test]
fn insufficient_resources_name_the_requests_and_taints_are_named() {
    let pod = pending_pod(
        "driver",
        json!({"containers": [{"name": "c", "image": "i",
            "resources": {"requests": {"cpu": "8", "memory": "32Gi"}}}]}),
    );
    let ev = event(
        "Pod",
        "driver",
        "FailedScheduling",
        "0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory. preemption: x",
    );
    let f = analyze(&snap(&[("pods", pod.clone()), ("events", ev)]), None);
    assert!(
        f[0].summary.contains("cpu: 8, memory: 32Gi"),
        "{}",
        f[0].summary
    );
    assert!(
        f[0].summary
            .contains("3 Insufficient cpu, 3 Insufficient memory")
    );
    let ev = event(
        "Pod",
        "driver",
        "FailedScheduling",
        "0/2 nodes are available: 2 node(s) had untolerated taint {gpu: present}. preemption: x",
    );
    let f = analyze(&snap(&[("pods", pod), ("events", ev)]), None);
    assert!(
        f[0].summary.contains("taint(s) {gpu: present}"),
        "{}",
        f[0].summary
    );
    assert!(f[0].actions[0].contains("toleration for {gpu: present}"));
}

#[test]
fn unbound_claim_of_a_pending_pod_names_the_missing_storage_class() {
    let pod = pending_pod(
        "redis-1",
        json!({"containers": [{"name": "c", "image": "i"}],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "redis-pvc"}}]}),
    );
    let pvc = json!({"metadata": {"name": "redis-pvc", "namespace": "n"},
        "spec": {"storageClassName": "standard-v2"}, "status": {"phase": "Pending"}});
    let s = snap(&[
        ("pods", pod),
        ("persistentvolumeclaims", pvc),
        (
            "events",
            event(
                "Pod",
                "redis-1",
                "FailedScheduling",
                "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: x",
            ),
        ),
        (
            "events",
            event(
                "PersistentVolumeClaim",
                "redis-pvc",
                "ProvisioningFailed",
                "storageclass.storage.k8s.io \"standard-v2\" not found",
            ),
        ),
    ]);
    let f = analyze(&s, None);
    assert_eq!(f[0].category, Category::Storage);
    assert_eq!(f[0].resource, "n/Pod/redis-1");
    let text = told(&f[0]);
    assert!(
        text.contains("PersistentVolumeClaim redis-pvc is unbound"),
        "{text}"
    );
    assert!(
        text.contains("StorageClass standard-v2 does not exist"),
        "{text}"
    );
    assert!(text.contains("Create StorageClass standard-v2"), "{text}");
    // The claim's own finding says the same.
    let claim = f
        .iter()
        .find(|f| f.resource == "n/PersistentVolumeClaim/redis-pvc")
        .unwrap();
    assert!(
        claim.summary.contains("does not exist"),
        "{}",
        claim.summary
    );
}

#[test]
fn quota_findings_name_the_quota_and_the_field() {
    let ev = event(
        "ReplicaSet",
        "api-7f",
        "FailedCreate",
        "Error creating: pods \"api-7f-q\" is forbidden: failed quota: compute-quota: must specify limits.cpu for: api",
    );
    let f = analyze(&snap(&[("events", ev)]), None);
    assert_eq!(f[0].category, Category::QuotaExceeded);
    assert!(
        f[0].summary.contains("ResourceQuota compute-quota"),
        "{}",
        f[0].summary
    );
    assert!(
        f[0].summary
            .contains("container(s) api do not set limits.cpu")
    );
    assert!(f[0].actions[0].starts_with("Set limits.cpu in the resources of container(s) api"));
    let ev = event(
        "ReplicaSet",
        "rep-1",
        "FailedCreate",
        "pods \"rep-1-x\" is forbidden: exceeded quota: team-q, requested: requests.memory=1Gi, used: requests.memory=3584Mi, limited: requests.memory=4Gi",
    );
    let f = analyze(&snap(&[("events", ev)]), None);
    assert!(
        f[0].summary.contains("ResourceQuota team-q is exceeded for requests.memory (requested requests.memory=1Gi, used requests.memory=3584Mi, limited requests.memory=4Gi)"),
        "{}",
        f[0].summary
    );
}

#[test]
fn probe_findings_say_which_probe_what_it_checks_and_the_port_mismatch() {
    let pod = |probe_field: &str, state: Value| {
        let mut c = json!({"name": "app", "image": "i", "ports": [{"containerPort": 9200}]});
        c[probe_field] = json!({"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5});
        json!({"metadata": {"name": "idx", "namespace": "n"}, "spec": {"containers": [c]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "app", "ready": false,
                "restartCount": 3, "state": state}]}})
    };
    let refused = "probe failed: Get \"http://10.0.0.1:8080/ready\": dial tcp 10.0.0.1:8080: connect: connection refused";
    let f = analyze(
        &snap(&[
            (
                "pods",
                pod("readinessProbe", json!({"running": {"startedAt": "t"}})),
            ),
            (
                "events",
                event("Pod", "idx", "Unhealthy", &format!("Readiness {refused}")),
            ),
        ]),
        None,
    );
    assert_eq!(f[0].category, Category::ProbeFailure);
    assert!(
        f[0].summary
            .starts_with("Readiness probe of container app (http-get http://:8080/ready)"),
        "{}",
        f[0].summary
    );
    assert!(f[0].summary.contains("the pod never becomes Ready"));
    assert!(f[0].summary.contains("connection refused"));
    assert_eq!(
        f[0].details,
        vec!["The probe targets port 8080, but container app declares port(s) 9200.".to_string()]
    );
    let f = analyze(
        &snap(&[
            (
                "pods",
                pod(
                    "livenessProbe",
                    json!({"waiting": {"reason": "CrashLoopBackOff"}}),
                ),
            ),
            (
                "events",
                event("Pod", "idx", "Unhealthy", &format!("Liveness {refused}")),
            ),
        ]),
        None,
    );
    assert!(
        f[0].summary.starts_with("Liveness probe"),
        "{}",
        f[0].summary
    );
    assert!(f[0].summary.contains("the kubelet restarts it"));
}

#[test]
fn crash_summary_quotes_the_line_that_says_what_went_wrong() {
    let pod = json!({"metadata": {"name": "p", "namespace": "n"},
        "spec": {"containers": [{"name": "c", "image": "i"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": false, "restartCount": 2,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"reason": "Error", "exitCode": 139}}}]}});
    let mut s = snap(&[("pods", pod)]);
    s.previous_logs.insert(
        ("n".into(), "p".into(), "c".into()),
        format!(
            "2026-03-02T10:11:58Z ERROR config: invalid value \"fast\" for MODE {}\n2026-03-02T10:11:58Z FATAL cannot start\n",
            "x".repeat(300)
        ),
    );
    let f = analyze(&s, None);
    assert_eq!(f[0].category, Category::CrashAppError);
    let summary = &f[0].summary;
    assert!(
        summary.contains("(CrashLoopBackOff, exit code 139, SIGSEGV"),
        "{summary}"
    );
    assert!(
        summary.contains("`ERROR config: invalid value \"fast\" for MODE x"),
        "{summary}"
    );
    // One line, clipped, without its timestamp.
    assert!(!summary.contains("2026-03-02T10"), "{summary}");
    assert!(summary.chars().count() < 300, "{summary}");
    assert_eq!(
        f[0].details,
        vec!["Other error lines at the end of the log: `FATAL cannot start`.".to_string()]
    );
}

#[test]
fn network_failures_name_the_host() {
    let pod = json!({"metadata": {"name": "p", "namespace": "n"},
        "spec": {"containers": [{"name": "c", "image": "i"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": false, "restartCount": 2,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"reason": "Error", "exitCode": 2}}}]}});
    let mut s = snap(&[("pods", pod)]);
    s.previous_logs.insert(
        ("n".into(), "p".into(), "c".into()),
        "panic: dial tcp: lookup smtp.mail.internal on 10.96.0.10:53: no such host\n".into(),
    );
    let f = analyze(&s, None);
    assert_eq!(f[0].category, Category::NetworkDns);
    assert!(
        f[0].summary
            .contains("DNS resolution failure for smtp.mail.internal"),
        "{}",
        f[0].summary
    );
    assert!(f[0].actions[0].contains("nslookup smtp.mail.internal"));
}

#[test]
fn image_pull_says_why_the_registry_refuses() {
    let pod = json!({"metadata": {"name": "p", "namespace": "n"},
        "spec": {"containers": [{"name": "c", "image": "reg.example.com/app:v9"}]},
        "status": {"phase": "Pending", "containerStatuses": [{"name": "c", "ready": false,
            "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}});
    let ev = event(
        "Pod",
        "p",
        "Failed",
        "Failed to pull image \"reg.example.com/app:v9\": rpc error: code = NotFound desc = failed to resolve reference \"reg.example.com/app:v9\": reg.example.com/app:v9: not found",
    );
    let f = analyze(&snap(&[("pods", pod), ("events", ev)]), None);
    assert_eq!(f[0].category, Category::ImagePull);
    assert!(
        f[0].summary
            .contains("cannot pull image reg.example.com/app:v9 (ImagePullBackOff): not found"),
        "{}",
        f[0].summary
    );
    assert!(f[0].actions[0].contains("reg.example.com/app:v9 exists in the registry"));
}

#[test]
fn crash_without_error_lines_states_the_runtime_message_or_the_last_log_line() {
    let pod = |init: bool, status: Value| {
        let c = json!([{"name": "c", "image": "i"}]);
        let mut spec = json!({"containers": [{"name": "main", "image": "i"}]});
        let mut st = json!({"phase": "Pending"});
        if init {
            spec["initContainers"] = c;
            st["initContainerStatuses"] = json!([status]);
        } else {
            spec["containers"] = c;
            st["containerStatuses"] = json!([status]);
        }
        json!({"metadata": {"name": "p", "namespace": "n"}, "spec": spec, "status": st})
    };
    let f = analyze(
        &snap(&[(
            "pods",
            pod(
                false,
                json!({"name": "c", "ready": false, "restartCount": 3,
                    "state": {"waiting": {"reason": "RunContainerError",
                        "message": "failed to create task: exec: \"pythn\": executable file not found in $PATH"}},
                    "lastState": {"terminated": {"reason": "StartError", "exitCode": 128}}}),
            ),
        )]),
        None,
    );
    assert_eq!(f[0].category, Category::CrashAppError);
    assert!(
        f[0].summary
            .contains("RunContainerError: `failed to create task: exec: \"pythn\": executable file not found in $PATH`"),
        "{}",
        f[0].summary
    );
    assert!(f[0].quotes.iter().any(|q| q.text.contains("Message=")));

    let mut s = snap(&[(
        "pods",
        pod(
            true,
            json!({"name": "c", "ready": false, "restartCount": 3,
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}},
                "lastState": {"terminated": {"reason": "Error", "exitCode": 3}}}),
        ),
    )]);
    s.previous_logs.insert(
        ("n".into(), "p".into(), "c".into()),
        "waiting for schema\nmigration 0042 aborted\n\n".into(),
    );
    let f = analyze(&s, None);
    assert!(
        f[0].summary
            .starts_with("Init container c crash-loops (CrashLoopBackOff, exit code 3)"),
        "{}",
        f[0].summary
    );
    assert!(
        f[0].summary
            .contains("its log ends with `migration 0042 aborted`")
    );
    assert!(
        f[0].quotes
            .iter()
            .any(|q| q.text == "migration 0042 aborted")
    );
}

#[test]
fn pod_anti_affinity_and_gpu_limits_are_named() {
    let pod = pending_pod(
        "web-2",
        json!({"containers": [{"name": "c", "image": "i",
                "resources": {"limits": {"nvidia.com/gpu": "1"}}}],
            "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "kubernetes.io/hostname"}]}}}),
    );
    let ev = event(
        "Pod",
        "web-2",
        "FailedScheduling",
        "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. preemption: x",
    );
    let f = analyze(&snap(&[("pods", pod.clone()), ("events", ev)]), None);
    assert!(
        f[0].summary.contains(
            "its required podAntiAffinity rules (app=web per kubernetes.io/hostname) leave no node"
        ),
        "{}",
        f[0].summary
    );
    let ev = event(
        "Pod",
        "web-2",
        "FailedScheduling",
        "0/2 nodes are available: 2 Insufficient nvidia.com/gpu.",
    );
    let f = analyze(&snap(&[("pods", pod), ("events", ev)]), None);
    assert!(
        f[0].summary.contains("(nvidia.com/gpu: 1)"),
        "{}",
        f[0].summary
    );
}

#[test]
fn a_missing_key_of_a_mounted_configmap_names_the_configmap_and_key() {
    let pod = pending_pod(
        "web-1",
        json!({"containers": [{"name": "c", "image": "i"}],
            "volumes": [{"name": "cfg", "configMap": {"name": "app-config",
                "items": [{"key": "app.yaml", "path": "app.yaml"}]}}]}),
    );
    let ev = event(
        "Pod",
        "web-1",
        "FailedMount",
        "MountVolume.SetUp failed for volume \"cfg\" : configmap references non-existent config key: app.yaml",
    );
    let f = analyze(&snap(&[("pods", pod), ("events", ev)]), None);
    assert_eq!(f[0].category, Category::ConfigMissing);
    assert_eq!(
        f[0].summary,
        "Pod web-1 cannot start: ConfigMap app-config has no key app.yaml (mounted as volume cfg)."
    );
    assert!(f[0].actions[0].starts_with("Add key app.yaml to ConfigMap app-config"));
}

fn crashing_pod(ns: &str, name: &str, owner: Option<(&str, &str)>) -> Value {
    let mut pod = json!({"metadata": {"name": name, "namespace": ns},
        "spec": {"containers": [{"name": "c", "image": "i"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": false, "restartCount": 3,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"reason": "Error", "exitCode": 1}}}]}});
    if let Some((kind, owner)) = owner {
        pod["metadata"]["ownerReferences"] = json!([{"kind": kind, "name": owner}]);
    }
    pod
}

fn alert(labels: &[(&str, &str)]) -> crate::alert::Alert {
    let labels = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    crate::alert::Alert::from_labels("KubePodCrashLooping", labels)
}

#[test]
fn the_alerted_pod_leads_and_other_broken_pods_are_nearby() {
    let mut s = snap(&[
        ("pods", crashing_pod("n", "api-1", None)),
        ("pods", crashing_pod("n", "worker-1", None)),
    ]);
    let logs = |line: &str| format!("==== START ====\n{line}\n");
    s.previous_logs.insert(
        ("n".into(), "api-1".into(), "c".into()),
        logs("Error: connect ECONNREFUSED 10.0.0.7:6379"),
    );
    // The other pod's failure ranks higher on its own (a certificate outranks a dependency).
    s.previous_logs.insert(
        ("n".into(), "worker-1".into(), "c".into()),
        logs("x509: certificate has expired"),
    );
    let f = analyze(&s, Some(&alert(&[("namespace", "n"), ("pod", "api-1")])));
    assert_eq!(f[0].resource, "n/Pod/api-1");
    assert_eq!(f[0].category, Category::DependencyFailure);
    assert!(f[0].summary.contains("Redis port"), "{}", f[0].summary);
    let other = f.iter().find(|x| x.resource == "n/Pod/worker-1").unwrap();
    assert_eq!(other.relation, Relation::Nearby);
}

#[test]
fn a_crash_that_says_nothing_is_not_given_a_cause() {
    let s = snap(&[("pods", crashing_pod("n", "p", None))]);
    let f = analyze(&s, None);
    assert_eq!(f[0].category, Category::Unknown);
    assert!(f[0].summary.contains("no log output"));
}

#[test]
fn a_rollout_is_explained_by_why_its_new_pods_cannot_run() {
    let deploy = json!({"metadata": {"name": "web", "namespace": "n"}, "spec": {"replicas": 3},
        "status": {"conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}});
    let rs = |name: &str, rev: &str| {
        json!({"metadata": {"name": name, "namespace": "n",
        "annotations": {"deployment.kubernetes.io/revision": rev},
        "ownerReferences": [{"kind": "Deployment", "name": "web"}]}})
    };
    let old = json!({"metadata": {"name": "web-old-a", "namespace": "n", "ownerReferences": [{"kind": "ReplicaSet", "name": "web-old"}]},
        "spec": {"containers": [{"name": "c", "image": "i", "resources": {"limits": {"memory": "64Mi"}}}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": false, "restartCount": 9,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}]}});
    let new = json!({"metadata": {"name": "web-new-b", "namespace": "n", "ownerReferences": [{"kind": "ReplicaSet", "name": "web-new"}]},
        "spec": {"containers": [{"name": "c", "image": "i"}], "nodeSelector": {"disk": "ssd"}},
        "status": {"phase": "Pending"}});
    let event = json!({"metadata": {"namespace": "n"}, "reason": "FailedScheduling", "type": "Warning",
        "involvedObject": {"kind": "Pod", "name": "web-new-b", "namespace": "n"},
        "message": "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."});
    let s = snap(&[
        ("deployments", deploy),
        ("replicasets", rs("web-old", "1")),
        ("replicasets", rs("web-new", "2")),
        ("pods", old),
        ("pods", new),
        ("events", event),
    ]);
    let mut a = alert(&[("namespace", "n"), ("deployment", "web")]);
    a.labels
        .insert("alertname".into(), "KubeDeploymentReplicasMismatch".into());
    let f = analyze(&s, Some(&a));
    assert_eq!(f[0].resource, "n/Pod/web-new-b");
    assert_eq!(f[0].category, Category::Unschedulable);
    assert!(
        f[0].explains
            .iter()
            .any(|e| e.contains("ProgressDeadlineExceeded"))
    );
}

#[test]
fn admission_webhooks_that_fail_stop_pod_creation() {
    let event = |msg: &str, rs: &str| {
        json!({"metadata": {"namespace": "n"}, "reason": "FailedCreate", "type": "Warning",
        "involvedObject": {"kind": "ReplicaSet", "name": rs, "namespace": "n"}, "message": msg})
    };
    let s = snap(&[
        (
            "events",
            event(
                "Error creating: Internal error occurred: failed calling webhook \"v.policy.io\": failed to call webhook: Post \"https://p.svc:443/v\": context deadline exceeded",
                "a-1",
            ),
        ),
        (
            "events",
            event(
                "Error creating: Internal error occurred: failed calling webhook \"m.elbv2.k8s.aws\": failed to call webhook: Post \"https://w.svc:443/m\": tls: failed to verify certificate: x509: certificate has expired or is not yet valid",
                "b-1",
            ),
        ),
    ]);
    let f = analyze(&s, None);
    let cat = |rs: &str| {
        f.iter()
            .find(|x| x.resource == format!("n/ReplicaSet/{rs}"))
            .unwrap()
            .category
    };
    assert_eq!(cat("a-1"), Category::ControlPlane);
    assert_eq!(cat("b-1"), Category::CertificateExpiry);
}

#[test]
fn a_cronjob_skipping_runs_points_at_its_hung_job() {
    let cj = json!({"metadata": {"name": "export", "namespace": "n"}, "spec": {"concurrencyPolicy": "Forbid"},
        "status": {"active": [{"kind": "Job", "name": "export-1"}]}});
    let event = json!({"metadata": {"namespace": "n"}, "reason": "JobAlreadyActive", "type": "Normal",
        "involvedObject": {"kind": "CronJob", "name": "export", "namespace": "n"},
        "message": "Not starting job because prior execution is running and concurrency policy is Forbid"});
    let f = analyze(&snap(&[("cronjobs", cj), ("events", event)]), None);
    assert_eq!(f[0].category, Category::JobFailure);
    assert_eq!(f[0].resource, "n/Job/export-1");
    assert!(f[0].summary.contains("still running"));
}

#[test]
fn a_full_claim_found_by_metrics_explains_disk_errors() {
    let mut pod = crashing_pod("n", "db-0", None);
    pod["spec"]["volumes"] =
        json!([{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}}]);
    let mut s = snap(&[("pods", pod)]);
    s.previous_logs.insert(
        ("n".into(), "db-0".into(), "c".into()),
        "PANIC:  could not write to file \"pg_wal/xlogtemp.31\": No space left on device\n".into(),
    );
    s.metrics.push(Metric {
        kind: MetricKind::PvcFill,
        namespace: Some("n".into()),
        query: "q".into(),
        answer: json!({"data": {"resultType": "vector", "result": [
            {"metric": {"persistentvolumeclaim": "data-db-0"}, "value": [1, "0.995"]}]}}),
    });
    let f = analyze(&s, Some(&alert(&[("namespace", "n"), ("pod", "db-0")])));
    assert_eq!(f[0].resource, "n/Pod/db-0");
    assert_eq!(f[0].category, Category::Storage);
    assert!(
        f[0].because
            .iter()
            .any(|b| b.contains("100% full") || b.contains("99")),
        "{:?}",
        f[0].because
    );
    let claim = f
        .iter()
        .find(|x| x.resource == "n/PersistentVolumeClaim/data-db-0")
        .unwrap();
    assert_eq!(claim.relation, Relation::Linked);
}
