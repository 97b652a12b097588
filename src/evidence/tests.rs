use std::path::Path;

use serde_json::json;

use super::bundle::tail;
use super::*;

#[test]
fn kubectl_log_markers_split_by_container() {
    let text = "==== START logs for container a of pod ns/p ====\none\ntwo\n==== END logs for container a of pod ns/p ====\n==== START logs for container b of pod ns/p ====\n==== END logs for container b of pod ns/p ====\n";
    let v = split_kubectl_logs(text);
    assert_eq!(
        v,
        vec![
            ("a".to_string(), "one\ntwo\n".to_string()),
            ("b".to_string(), String::new())
        ]
    );
    assert_eq!(
        split_kubectl_logs("plain\n"),
        vec![(String::new(), "plain\n".to_string())]
    );
    assert_eq!(tail("1\n2\n3\n", Some(2)), "2\n3\n");
    assert_eq!(tail("1\n2\n3", Some(5)), "1\n2\n3");
}

/// Found by tests/properties.rs: a log that mentions the marker inside a line (an app logging
/// kubectl's output, say) came back as no log at all.
#[test]
fn a_marker_inside_a_line_is_log_text() {
    let text = "step 1\nprinted: ==== START logs for container app of pod a/b ====\nstep 2\n";
    assert_eq!(
        split_kubectl_logs(text),
        vec![(String::new(), text.to_string())]
    );
}

#[test]
fn list_items_get_kind_and_are_redacted() {
    let doc = json!({"apiVersion": "v1", "kind": "PodList", "items": [
        {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "env": [{"name": "DB_PASSWORD", "value": "hunter22"}]}]}}]});
    let items = parse_list(Path::new("x/pods.json"), doc.to_string().as_bytes()).unwrap();
    assert_eq!(items[0]["kind"], "Pod");
    assert_eq!(items[0]["apiVersion"], "v1");
    assert!(!items[0].to_string().contains("hunter22"));
    let err = parse_list(Path::new("x/pods.json"), b"{\"items\": 3}")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("x/pods.json") && err.contains("array"),
        "{err}"
    );
}

#[test]
fn kinds_refuse_secrets_and_know_short_names() {
    assert!(matches!(
        Kind::find("secrets"),
        Err(EvidenceError::SecretsForbidden)
    ));
    assert!(matches!(
        Kind::find("Secret"),
        Err(EvidenceError::SecretsForbidden)
    ));
    assert_eq!(Kind::find("deploy").unwrap().plural, "deployments");
    assert_eq!(Kind::find("PVC").unwrap().kind, "PersistentVolumeClaim");
    assert_eq!(
        Kind::find("jobs").unwrap().collection_path(Some("n")),
        "/apis/batch/v1/namespaces/n/jobs"
    );
    assert_eq!(
        Kind::find("node").unwrap().collection_path(Some("n")),
        "/api/v1/nodes"
    );
    assert!(Kind::find("widgets").is_err());
}

#[test]
fn truncation_keeps_head_or_tail_and_says_so() {
    let text: String = (0..50).map(|i| format!("line {i}\n")).collect();
    let b = Budget {
        max_bytes: 10_000,
        max_lines: 5,
    };
    let (head, t) = tools::truncate(&text, b, false);
    assert!(
        t && head.starts_with("line 0\n") && head.contains("[truncated: showing 5 of 50 lines")
    );
    let (tl, _) = tools::truncate(&text, b, true);
    assert!(tl.starts_with("[truncated") && tl.trim_end().ends_with("line 49"));
    let (same, t) = tools::truncate("short\n", b, false);
    assert!(!t && same == "short\n");
}
