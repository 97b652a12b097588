use serde_json::json;

use super::*;

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
    assert_eq!(top_category(&f), "oom_killed");
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
    assert_eq!(f[0].category, "node_failure");
    assert!(f[0].quotes[0].text.contains("Ready=Unknown"));
}

#[test]
fn nothing_found_is_unknown_unless_the_alert_says_more() {
    let empty = Snapshot::default();
    assert_eq!(top_category(&analyze(&empty, None)), "unknown");
    let alert = crate::alert::Alert::from_labels("KubeJobFailed", Default::default());
    let f = analyze(&empty, Some(&alert));
    assert_eq!(top_category(&f), "job_failure");
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
    assert_eq!(top_category(&f), "network_dns");
    s.previous_logs
        .insert(key, "ERROR boom\nFATAL: bad config\n".into());
    assert_eq!(top_category(&analyze(&s, None)), "crash_app_error");
}
