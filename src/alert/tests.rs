use proptest::prelude::*;
use serde_json::json;

use super::*;

fn payload(alerts: Value) -> Value {
    json!({"receiver": "aida", "status": "firing", "alerts": alerts, "groupLabels": {},
           "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am",
           "version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0})
}

fn alert(name: &str, status: &str, fp: &str) -> Value {
    json!({"status": status, "labels": {"alertname": name, "namespace": "shop"},
           "annotations": {"summary": "s"}, "startsAt": "2026-11-24T00:00:00Z",
           "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prom", "fingerprint": fp})
}

#[test]
fn every_firing_alert_is_kept_once_and_resolved_are_skipped() {
    let parsed = parse_value(&payload(json!([
        alert("A", "firing", "f1"),
        alert("B", "resolved", "f2"),
        alert("A", "firing", "f1"),
        alert("C", "firing", "f3"),
    ])))
    .unwrap();
    let names: Vec<_> = parsed.firing.iter().map(Alert::name).collect();
    assert_eq!(names, ["A", "C"]);
    assert_eq!(parsed.resolved.len(), 1);
    assert_eq!(parsed.duplicates.len(), 1);
}

#[test]
fn single_alert_without_status_or_fingerprint_is_firing_with_a_stable_fingerprint() {
    let one = json!({"labels": {"alertname": "X", "pod": "p"}});
    let a = parse_value(&one).unwrap();
    let b = parse_value(&one).unwrap();
    assert_eq!(a.firing.len(), 1);
    assert_eq!(a.firing[0].fingerprint, b.firing[0].fingerprint);
    assert_eq!(a.firing[0].fingerprint.len(), 16);
    assert_eq!(a.firing[0].label("pod"), Some("p"));
}

#[test]
fn errors_name_the_field() {
    let cases = [
        (
            json!([]),
            "$: expected a JSON object (Alertmanager payload or single alert), found an array",
        ),
        (payload(json!([])), "alerts: the payload contains no alerts"),
        (
            json!({"alerts": {}}),
            "alerts: expected an array, found an object",
        ),
        (
            payload(json!([alert("A", "firing", "f"), 3])),
            "alerts[1]: expected an alert object, found a number",
        ),
        (
            payload(json!([{"status": "firing"}])),
            "alerts[0].labels: missing (an object of strings is required)",
        ),
        (
            payload(json!([{"labels": {}}])),
            "alerts[0].labels: an alert needs at least one label",
        ),
        (
            payload(json!([{"labels": {"a": ["x"]}}])),
            "alerts[0].labels.a: expected a string, found an array",
        ),
        (
            payload(json!([{"labels": {"a": "b"}, "status": "pending"}])),
            "alerts[0].status: expected \"firing\" or \"resolved\", found \"pending\"",
        ),
        (
            payload(json!([{"labels": {"a": "b"}, "startsAt": 5}])),
            "alerts[0].startsAt: expected a string, found a number",
        ),
        (
            json!({"labels": "x"}),
            "labels: expected an object of strings, found a string",
        ),
        (
            json!({"receiver": "x"}),
            "$: neither an Alertmanager payload (no `alerts` array) nor an alert (no `labels` object)",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(
            parse_value(&input).unwrap_err().to_string(),
            expected,
            "{input}"
        );
    }
}

#[test]
fn json_syntax_errors_name_line_and_column() {
    let e = parse_str("{\n  \"alerts\": [\n}").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("$: invalid JSON at line 3, column 1"),
        "{e}"
    );
}

#[test]
fn real_alertmanager_webhooks_parse() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/alertmanager/captured-webhooks.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("tests/data/alertmanager in the repository");
    let mut count = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let record: Value = serde_json::from_str(line).unwrap();
        let parsed = parse_value(&record["body"]).unwrap();
        for a in &parsed.firing {
            assert_eq!(a.name(), "KubePodCrashLooping");
            assert!(!a.fingerprint.is_empty());
            assert!(a.label("namespace").is_some());
        }
        count += parsed.firing.len() + parsed.resolved.len();
    }
    assert!(count > 0);
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-z]{0,6}".prop_map(Value::String),
        prop_oneof![
            Just("firing"),
            Just("resolved"),
            Just("alerts"),
            Just("labels")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("alerts".to_string()),
                    Just("labels".to_string()),
                    Just("status".to_string()),
                    Just("annotations".to_string()),
                    Just("fingerprint".to_string()),
                    "[a-z]{1,4}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_json(value in arb_json()) {
        let _ = parse_value(&value);
    }

    #[test]
    fn never_panics_on_arbitrary_text(text in ".{0,200}") {
        let _ = parse_str(&text);
    }
}
