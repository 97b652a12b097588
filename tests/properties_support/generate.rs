//! Structure-aware JSON inputs (alerts, cluster lists, queries.jsonl), framed logs and
//! selectors: valid documents, and documents with one known fault together with what the error
//! must name.
use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Small arbitrary JSON (no NaN: JSON cannot hold it).
pub fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e9..1e9f64).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[ -~]{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

// Generated directly rather than filtered: proptest gives up on a run after 65,536 rejected
// inputs, which scripts/fuzz.sh would reach.

/// A boolean, number or string.
fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        "[ -~]{0,10}".prop_map(Value::String),
    ]
}

fn array() -> impl Strategy<Value = Value> {
    prop::collection::vec(any::<i32>().prop_map(Value::from), 0..3).prop_map(Value::Array)
}

/// Neither null nor an object.
fn not_null_or_object() -> impl Strategy<Value = Value> {
    prop_oneof![3 => scalar(), 1 => array()]
}

/// A value that is not a JSON object.
fn not_object() -> impl Strategy<Value = Value> {
    prop_oneof![1 => Just(Value::Null), 4 => not_null_or_object()]
}

fn object(map: BTreeMap<String, Value>) -> Value {
    Value::Object(map.into_iter().collect::<Map<_, _>>())
}

// ---------------------------------------------------------------- alerts

/// Label keys never start with `z`, so the faults below (`zz_*`) add a key of their own.
fn label_key() -> impl Strategy<Value = String> {
    "[a-y][a-z0-9_]{0,10}"
}

fn label_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => "[ -~]{0,30}".prop_map(Value::String),
        1 => any::<String>().prop_map(|s| Value::String(s.chars().take(40).collect())),
        1 => any::<i64>().prop_map(Value::from),
        1 => (-1e6..1e6f64).prop_map(Value::from),
        1 => any::<bool>().prop_map(Value::Bool),
    ]
}

fn optional_text(re: &'static str) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(Value::Null)),
        1 => Just(Some(Value::String(String::new()))),
        3 => re.prop_map(|s| Some(Value::String(s))),
    ]
}

/// One valid alert object.
pub fn alert() -> impl Strategy<Value = Value> {
    (
        "[A-Z][A-Za-z]{2,20}",
        prop::collection::btree_map(label_key(), label_value(), 0..6),
        prop::option::of(prop::collection::btree_map(
            label_key(),
            "[ -~\n]{0,60}",
            0..4,
        )),
        prop::sample::select(vec![None, Some("firing"), Some("resolved")]),
        optional_text("[0-9a-f]{4}"),
        optional_text("2026-0[1-9]-[12][0-9]T[01][0-9]:[0-5][0-9]:00Z"),
        optional_text("http://prometheus:9090/graph\\?g0.expr=[a-z_]{1,20}"),
    )
        .prop_map(
            |(name, mut labels, annotations, status, fingerprint, starts, url)| {
                labels.insert("alertname".into(), Value::String(name));
                let mut alert = Map::new();
                alert.insert("labels".into(), object(labels));
                if let Some(a) = annotations {
                    alert.insert(
                        "annotations".into(),
                        a.into_iter().map(|(k, v)| (k, Value::String(v))).collect(),
                    );
                }
                if let Some(s) = status {
                    alert.insert("status".into(), json!(s));
                }
                for (key, value) in [
                    ("fingerprint", fingerprint),
                    ("startsAt", starts),
                    ("generatorURL", url),
                ] {
                    if let Some(v) = value {
                        alert.insert(key.into(), v);
                    }
                }
                Value::Object(alert)
            },
        )
}

fn webhook() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(alert(), 1..6),
        prop::sample::select(vec![None, Some("4"), Some("3")]),
        prop::option::of(0..10u64),
    )
        .prop_map(|(alerts, version, truncated)| {
            let mut doc = json!({"receiver": "aida", "status": "firing", "alerts": alerts,
                                 "groupLabels": {}, "commonLabels": {}, "externalURL": "http://am"});
            if let Some(v) = version {
                doc["version"] = json!(v);
            }
            if let Some(t) = truncated {
                doc["truncatedAlerts"] = json!(t);
            }
            doc
        })
}

/// A valid payload: a webhook group or one bare alert.
pub fn payload() -> impl Strategy<Value = Value> {
    prop_oneof![3 => webhook(), 1 => alert()]
}

#[derive(Debug, Clone)]
enum AlertFault {
    LabelsNotObject(Value),
    LabelsEmpty,
    LabelsMissing,
    LabelNotText(Value),
    LabelTooLong,
    AnnotationsNotObject(Value),
    AnnotationNotText(Value),
    AnnotationTooLong,
    Status(Value),
    TextField(&'static str, Value),
    NotObject(Value),
}

fn nested() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!([])),
        Just(json!({"a": "b"})),
        Just(json!(["x"]))
    ]
}

fn alert_fault() -> impl Strategy<Value = AlertFault> {
    prop_oneof![
        not_null_or_object().prop_map(AlertFault::LabelsNotObject),
        Just(AlertFault::LabelsEmpty),
        Just(AlertFault::LabelsMissing),
        nested().prop_map(AlertFault::LabelNotText),
        Just(AlertFault::LabelTooLong),
        // (null annotations are no annotations)
        not_null_or_object().prop_map(AlertFault::AnnotationsNotObject),
        nested().prop_map(AlertFault::AnnotationNotText),
        Just(AlertFault::AnnotationTooLong),
        prop_oneof![
            Just(json!("pending")),
            Just(json!("FIRING")),
            Just(json!(1)),
            Just(json!(true)),
            Just(json!(["firing"])),
        ]
        .prop_map(AlertFault::Status),
        (
            prop::sample::select(vec!["fingerprint", "startsAt", "endsAt", "generatorURL"]),
            prop_oneof![
                Just(json!(7)),
                Just(json!(false)),
                Just(json!({})),
                Just(json!(["a"]))
            ],
        )
            .prop_map(|(f, v)| AlertFault::TextField(f, v)),
        not_object().prop_map(AlertFault::NotObject),
    ]
}

/// Breaks `alert` (found at `at`: `$` or `alerts[i]`); returns the JSON path the error must name.
fn break_alert(alert: &mut Value, at: &str, fault: AlertFault) -> String {
    let field = |name: &str| {
        if at == "$" {
            name.to_string()
        } else {
            format!("{at}.{name}")
        }
    };
    match fault {
        AlertFault::LabelsNotObject(v) => {
            alert["labels"] = v;
            field("labels")
        }
        AlertFault::LabelsEmpty => {
            alert["labels"] = json!({});
            field("labels")
        }
        AlertFault::LabelsMissing => {
            alert.as_object_mut().unwrap().remove("labels");
            // A bare object without labels is no alert at all.
            if at == "$" {
                at.to_string()
            } else {
                field("labels")
            }
        }
        AlertFault::LabelNotText(v) => {
            alert["labels"]["zz_bad"] = v;
            field("labels.zz_bad")
        }
        AlertFault::LabelTooLong => {
            alert["labels"]["zz_long"] = json!("x".repeat(aida::alert::MAX_LABEL_CHARS + 1));
            field("labels.zz_long")
        }
        AlertFault::AnnotationsNotObject(v) => {
            alert["annotations"] = v;
            field("annotations")
        }
        AlertFault::AnnotationNotText(v) => {
            ensure_object(alert, "annotations")["zz_bad"] = v;
            field("annotations.zz_bad")
        }
        AlertFault::AnnotationTooLong => {
            ensure_object(alert, "annotations")["zz_long"] =
                json!("é".repeat(aida::alert::MAX_ANNOTATION_CHARS + 1));
            field("annotations.zz_long")
        }
        AlertFault::Status(v) => {
            alert["status"] = v;
            field("status")
        }
        AlertFault::TextField(name, v) => {
            alert[name] = v;
            field(name)
        }
        AlertFault::NotObject(v) => {
            *alert = v;
            at.to_string()
        }
    }
}

fn ensure_object<'a>(doc: &'a mut Value, key: &str) -> &'a mut Value {
    if !doc.get(key).is_some_and(Value::is_object) {
        doc[key] = json!({});
    }
    &mut doc[key]
}

/// A payload with one fault, and the JSON path its error must name.
pub fn broken_payload() -> impl Strategy<Value = (Value, String)> {
    let in_group = (webhook(), any::<usize>(), alert_fault()).prop_map(|(mut doc, i, fault)| {
        let alerts = doc["alerts"].as_array_mut().unwrap();
        let i = i % alerts.len();
        let path = break_alert(&mut alerts[i], &format!("alerts[{i}]"), fault);
        (doc, path)
    });
    let bare = (alert(), alert_fault()).prop_map(|(mut doc, fault)| {
        let path = break_alert(&mut doc, "$", fault);
        (doc, path)
    });
    // (an array is a list of alerts)
    let not_array = prop_oneof![Just(Value::Null), scalar()];
    let group =
        (webhook(), prop_oneof![Just(json!([])), not_array]).prop_map(|(mut doc, alerts)| {
            doc["alerts"] = alerts;
            (doc, "alerts".to_string())
        });
    prop_oneof![4 => in_group, 2 => bare, 1 => group]
}

// ---------------------------------------------------------------- cluster lists

fn k8s_object() -> impl Strategy<Value = Value> {
    (
        "[a-z0-9][a-z0-9-]{0,15}",
        "[a-z]{1,10}",
        prop::collection::btree_map("[a-z]{1,6}", "[a-z0-9]{0,6}", 0..3),
        prop::option::of(prop::sample::select(vec!["Pod", "Event", "Thing", ""])),
        prop::option::of(prop::sample::select(vec!["v1", "apps/v1"])),
        any_json(),
    )
        .prop_map(|(name, ns, labels, kind, api, spec)| {
            let mut obj = json!({"metadata": {"name": name, "namespace": ns, "labels": labels},
                                 "spec": spec});
            if let Some(k) = kind {
                obj["kind"] = json!(k);
            }
            if let Some(a) = api {
                obj["apiVersion"] = json!(a);
            }
            obj
        })
}

/// A valid list file: a v1 List (items may be null) or a single object.
pub fn list_file() -> impl Strategy<Value = Value> {
    let list = (
        prop_oneof![
            prop::sample::select(vec![
                "PodList",
                "EventList",
                "List",
                "DeploymentList",
                "Stuff"
            ])
            .prop_map(str::to_string),
            "[A-Za-z]{0,12}",
        ],
        prop::option::of(Just("v1")),
        prop_oneof![
            8 => prop::collection::vec(k8s_object(), 0..5).prop_map(Value::Array),
            1 => Just(Value::Null),
        ],
    )
        .prop_map(|(kind, api, items)| {
            let mut doc =
                json!({"kind": kind, "metadata": {"resourceVersion": "1"}, "items": items});
            if let Some(a) = api {
                doc["apiVersion"] = json!(a);
            }
            doc
        });
    prop_oneof![5 => list, 1 => k8s_object()]
}

/// A list file with one fault, and what its error must say.
pub fn broken_list_file() -> impl Strategy<Value = (String, String)> {
    let items_not_array = (
        list_file(),
        // (null items are no items)
        scalar(),
    )
        .prop_map(|(mut doc, v)| {
            doc["items"] = v;
            (doc.to_string(), "'items' must be an array".to_string())
        });
    let item_not_object = (
        prop::collection::vec(k8s_object(), 0..4),
        any::<usize>(),
        not_object(),
    )
        .prop_map(|(mut items, i, v)| {
            let i = i % (items.len() + 1);
            items.insert(i, v);
            let doc = json!({"kind": "PodList", "items": items});
            (doc.to_string(), format!("items[{i}] is not an object"))
        });
    let not_a_list = not_object().prop_map(|v| (v.to_string(), "a v1 List".to_string()));
    let no_items = "[a-z]{1,8}".prop_map(|k| {
        (
            json!({"kind": "List", format!("x{k}"): []}).to_string(),
            "expected a v1 List with 'items'".to_string(),
        )
    });
    let not_json = list_file().prop_map(|doc| {
        let text = serde_json::to_string_pretty(&doc).unwrap();
        let cut = text.len() / 2;
        let cut = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap();
        (text[..cut].to_string(), ": line ".to_string())
    });
    prop_oneof![
        items_not_array,
        item_not_object,
        not_a_list,
        no_items,
        not_json
    ]
}

// ---------------------------------------------------------------- queries.jsonl

fn query_record() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec![
            "/api/v1/query",
            "/api/v1/query_range",
            "/api/v1/alerts",
            "/x",
        ]),
        prop::collection::btree_map("[a-z]{1,6}", label_value(), 0..4),
        prop_oneof![
            any_json().prop_map(|r| ("response", r)),
            Just((
                "response",
                json!({"status": "error", "errorType": "bad_data", "error": "parse error"}),
            )),
            "[ -~]{0,30}".prop_map(|e| ("error", Value::String(e))),
        ],
        prop::option::of(100..600u16),
    )
        .prop_map(|(path, params, (field, outcome), status)| {
            let mut rec = json!({"path": path, "params": params});
            rec[field] = outcome;
            if let Some(s) = status {
                rec["status"] = json!(s);
            }
            rec
        })
}

fn blank_line() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", " ", "\t", "  \t "]).prop_map(str::to_string)
}

/// Lines of records and blank lines; `Err(i)` is the i-th record.
fn layout() -> impl Strategy<Value = Vec<Result<String, Value>>> {
    prop::collection::vec(
        prop_oneof![4 => query_record().prop_map(Err), 1 => blank_line().prop_map(Ok)],
        0..8,
    )
}

fn join_lines(lines: &[String], crlf: bool) -> String {
    let mut text = lines.join(if crlf { "\r\n" } else { "\n" });
    if !text.is_empty() {
        text.push('\n');
    }
    text
}

/// A valid `queries.jsonl` and how many records it holds.
pub fn queries_file() -> impl Strategy<Value = (String, usize)> {
    (layout(), any::<bool>()).prop_map(|(lines, crlf)| {
        let records = lines.iter().filter(|l| l.is_err()).count();
        let lines: Vec<String> = lines
            .into_iter()
            .map(|l| l.unwrap_or_else(|rec| rec.to_string()))
            .collect();
        (join_lines(&lines, crlf), records)
    })
}

/// A `queries.jsonl` with one broken record, and that record's line number.
pub fn broken_queries_file() -> impl Strategy<Value = (String, usize)> {
    (layout(), query_record(), any::<usize>(), 0..6u8).prop_map(|(lines, rec, at, fault)| {
        let mut lines: Vec<String> = lines
            .into_iter()
            .map(|l| l.unwrap_or_else(|rec| rec.to_string()))
            .collect();
        let mut rec = rec;
        let broken = match fault {
            0 => {
                let text = rec.to_string();
                let cut = (0..=text.len() / 2)
                    .rev()
                    .find(|i| text.is_char_boundary(*i));
                text[..cut.unwrap_or(0)].to_string()
            }
            1 => format!("x{rec}"),
            2 => {
                rec.as_object_mut().unwrap().remove("path");
                rec.to_string()
            }
            3 => {
                rec["path"] = json!(42);
                rec.to_string()
            }
            4 => {
                rec["params"] = json!(["a"]);
                rec.to_string()
            }
            _ => {
                let obj = rec.as_object_mut().unwrap();
                obj.remove("response");
                obj.insert("error".into(), json!(503));
                rec.to_string()
            }
        };
        let at = at % (lines.len() + 1);
        lines.insert(at, broken);
        (join_lines(&lines, false), at + 1)
    })
}

// ---------------------------------------------------------------- log framing

/// kubectl's framed logs as `evidence::Recorder` writes them (END lines sometimes lost, as in a
/// truncated dump), and the containers' texts the framing must give back.
pub fn framed_logs() -> impl Strategy<Value = (String, Vec<(String, String)>)> {
    let container = (
        "[a-z][a-z0-9-]{0,15}",
        // A log line starting with `=` could be a marker; kubectl does not escape them either.
        prop::collection::vec("([^=\n\r][^\n\r]{0,40})?", 0..5),
        any::<bool>(),
    );
    (
        prop::collection::vec(container, 1..4),
        any::<bool>(),
        "[a-z]{1,8}",
        "[a-z0-9-]{1,12}",
    )
        .prop_map(|(containers, end_markers, ns, pod)| {
            let mut text = String::new();
            let mut expected = Vec::new();
            for (name, lines, trailing_newline) in containers {
                let mut body = lines.join("\n");
                if trailing_newline && !body.is_empty() {
                    body.push('\n');
                }
                text.push_str(&format!(
                    "==== START logs for container {name} of pod {ns}/{pod} ====\n"
                ));
                text.push_str(&body);
                if !body.is_empty() && !body.ends_with('\n') {
                    body.push('\n');
                    text.push('\n');
                }
                if end_markers {
                    text.push_str(&format!(
                        "==== END logs for container {name} of pod {ns}/{pod} ====\n"
                    ));
                }
                expected.push((name, body));
            }
            (text, expected)
        })
}

/// A label selector in the API's syntax.
pub fn label_selector() -> impl Strategy<Value = String> {
    let requirement = prop_oneof![
        ("[a-z./-]{1,10}", "[a-z0-9]{0,6}").prop_map(|(k, v)| format!("{k}={v}")),
        ("[a-z./-]{1,10}", "[a-z0-9]{0,6}").prop_map(|(k, v)| format!("{k}!={v}")),
        ("[a-z]{1,8}", prop::collection::vec("[a-z0-9]{1,5}", 1..4))
            .prop_map(|(k, vs)| format!("{k} in ({})", vs.join(", "))),
        ("[a-z]{1,8}", prop::collection::vec("[a-z0-9]{1,5}", 1..4))
            .prop_map(|(k, vs)| format!("{k} notin ({})", vs.join(","))),
        "!?[a-z]{1,8}",
    ];
    prop::collection::vec(requirement, 1..4).prop_map(|r| r.join(","))
}
