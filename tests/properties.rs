//! Property tests of every parser that reads outside input: the alert parser, the bundle parsers
//! (cluster lists, `prometheus/queries.jsonl`, kubectl log framing, selectors), the configuration
//! file and the runbook markdown. The inputs are arbitrary text, fuzzer-style edits of valid
//! documents and generated documents with one known fault. A parser must never panic, must accept
//! what is valid, and must refuse what is not with an error that names the input (the file, or the
//! JSON path within the alert).
//!
//! `cargo test --test properties` runs proptest's default 256 cases per property (seconds);
//! `scripts/fuzz.sh` runs the same properties on millions of inputs (README, "Testing").
use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;
use serde_json::{Value, json};

#[path = "properties_support/generate.rs"]
mod generate;
#[path = "properties_support/harness.rs"]
mod harness;
#[path = "properties_support/mutate.rs"]
mod mutate;
#[path = "properties_support/text_formats.rs"]
mod text_formats;

use generate::*;
use harness::check;
use text_formats::*;

// ---------------------------------------------------------------- alerts

/// Where an alert error may point: the whole input, or a field of the payload or alert.
fn is_alert_location(path: &str) -> bool {
    let root = path.split(['.', '[']).next().unwrap_or("");
    path == "$"
        || [
            "alerts",
            "labels",
            "annotations",
            "status",
            "fingerprint",
            "startsAt",
            "endsAt",
            "generatorURL",
        ]
        .contains(&root)
}

#[test]
fn alert_parser_takes_any_text() {
    let inputs = prop_oneof![
        mutate::text(),
        mutate::mutated(payload().prop_map(|p| p.to_string())),
    ];
    check("alert_parser_takes_any_text", inputs, |text| {
        match aida::alert::parse_str(&text) {
            Ok(parsed) => {
                let firing: std::collections::HashSet<_> =
                    parsed.firing.iter().map(|a| &a.fingerprint).collect();
                prop_assert_eq!(
                    firing.len(),
                    parsed.firing.len(),
                    "firing alerts are unique"
                );
                for alert in parsed.firing.iter().chain(&parsed.resolved) {
                    prop_assert!(!alert.labels.is_empty());
                }
            }
            Err(e) => {
                prop_assert!(is_alert_location(&e.path), "error at {:?}: {}", e.path, e);
                prop_assert!(!e.message.is_empty());
            }
        }
        Ok(())
    });
}

#[test]
fn alert_parser_reads_generated_payloads() {
    check("alert_parser_reads_generated_payloads", payload(), |doc| {
        let parsed = aida::alert::parse_str(&doc.to_string())
            .map_err(|e| TestCaseError::fail(format!("valid payload refused: {e}")))?;
        let alerts = doc
            .get("alerts")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_else(|| vec![doc.clone()]);
        let resolved = alerts.iter().filter(|a| a["status"] == "resolved").count();
        prop_assert_eq!(parsed.resolved.len(), resolved);
        prop_assert_eq!(
            parsed.firing.len() + parsed.duplicates.len(),
            alerts.len() - resolved
        );
        prop_assert!(!parsed.firing.is_empty() || resolved == alerts.len());
        Ok(())
    });
}

#[test]
fn alert_parser_names_the_broken_field() {
    check(
        "alert_parser_names_the_broken_field",
        broken_payload(),
        |(doc, expected_path)| {
            match aida::alert::parse_str(&doc.to_string()) {
                Ok(_) => prop_assert!(false, "accepted a payload broken at {}", expected_path),
                Err(e) => prop_assert_eq!(&e.path, &expected_path, "{}", e),
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------- bundle: cluster lists

const LIST_FILE: &str = "incident 42/cluster/shop/pöds.json";

#[test]
fn list_parser_takes_any_bytes() {
    let inputs = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        mutate::mutated(list_file().prop_map(|l| l.to_string())).prop_map(String::into_bytes),
    ];
    check("list_parser_takes_any_bytes", inputs, |bytes| {
        if let Err(e) = aida::evidence::parse_list(Path::new(LIST_FILE), &bytes) {
            prop_assert!(e.to_string().starts_with(LIST_FILE), "{}", e);
        }
        Ok(())
    });
}

#[test]
fn list_parser_reads_generated_lists() {
    check("list_parser_reads_generated_lists", list_file(), |doc| {
        let text = serde_json::to_vec_pretty(&doc).unwrap();
        let items = aida::evidence::parse_list(Path::new(LIST_FILE), &text)
            .map_err(|e| TestCaseError::fail(format!("valid list refused: {e}")))?;
        let expected: Vec<Value> = match doc.get("items") {
            Some(Value::Array(items)) => items.clone(),
            Some(_) => Vec::new(),
            None => vec![doc.clone()],
        };
        prop_assert_eq!(items.len(), expected.len());
        let item_kind = doc["kind"]
            .as_str()
            .and_then(|k| k.strip_suffix("List"))
            .filter(|k| !k.is_empty());
        for (got, want) in items.iter().zip(&expected) {
            prop_assert_eq!(&got["metadata"]["name"], &want["metadata"]["name"]);
            match (want.get("kind"), item_kind) {
                (Some(kind), _) => prop_assert_eq!(&got["kind"], kind),
                (None, Some(kind)) => prop_assert_eq!(got["kind"].as_str(), Some(kind)),
                (None, None) => prop_assert!(got.get("kind").is_none()),
            }
        }
        Ok(())
    });
}

#[test]
fn list_parser_names_the_file_and_the_fault() {
    check(
        "list_parser_names_the_file_and_the_fault",
        broken_list_file(),
        |(text, fault)| {
            match aida::evidence::parse_list(Path::new(LIST_FILE), text.as_bytes()) {
                Ok(_) => prop_assert!(false, "accepted a list with {}", fault),
                Err(e) => {
                    let message = e.to_string();
                    prop_assert!(message.starts_with(LIST_FILE), "{}", message);
                    prop_assert!(message.contains(&fault), "{} lacks {:?}", message, fault);
                }
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------- bundle: queries.jsonl

const QUERIES_FILE: &str = "bundles/ä b/prometheus/queries.jsonl";

#[test]
fn queries_parser_takes_any_text() {
    let inputs = prop_oneof![
        mutate::text(),
        mutate::mutated(queries_file().prop_map(|(text, _)| text)),
    ];
    check("queries_parser_takes_any_text", inputs, |text| {
        if let Err(e) = aida::evidence::parse_queries(Path::new(QUERIES_FILE), &text) {
            prop_assert!(e.to_string().starts_with(QUERIES_FILE), "{}", e);
        }
        Ok(())
    });
}

#[test]
fn queries_parser_reads_generated_files() {
    check(
        "queries_parser_reads_generated_files",
        queries_file(),
        |(text, records)| {
            let queries = aida::evidence::parse_queries(Path::new(QUERIES_FILE), &text)
                .map_err(|e| TestCaseError::fail(format!("valid file refused: {e}")))?;
            prop_assert_eq!(queries.len(), records);
            Ok(())
        },
    );
}

#[test]
fn queries_parser_names_the_file_and_line() {
    check(
        "queries_parser_names_the_file_and_line",
        broken_queries_file(),
        |(text, line)| {
            match aida::evidence::parse_queries(Path::new(QUERIES_FILE), &text) {
                Ok(_) => prop_assert!(false, "accepted a broken line {}", line),
                Err(e) => {
                    let message = e.to_string();
                    let at = format!("{QUERIES_FILE}: line {line} ");
                    let at_colon = format!("{QUERIES_FILE}: line {line}:");
                    prop_assert!(
                        message.starts_with(&at) || message.starts_with(&at_colon),
                        "{} does not start with {:?}",
                        message,
                        at
                    );
                }
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------- bundle: log framing

const START: &str = "==== START logs for container ";

#[test]
fn log_framing_takes_any_text() {
    let inputs = prop_oneof![
        mutate::text(),
        mutate::mutated(framed_logs().prop_map(|(text, _)| text)),
    ];
    check("log_framing_takes_any_text", inputs, |text| {
        let sections = aida::evidence::split_kubectl_logs(&text);
        let kept: usize = sections.iter().map(|(_, t)| t.len()).sum();
        prop_assert!(kept <= text.len());
        for (_, body) in &sections {
            prop_assert!(text.contains(body.as_str()));
        }
        // Without a marker line, the text is one unnamed container's log, kept whole (a log line
        // that merely mentions the marker is not a marker).
        if !text.lines().any(|l| l.starts_with(START)) {
            prop_assert_eq!(sections, vec![(String::new(), text.clone())]);
        }
        Ok(())
    });
}

#[test]
fn log_framing_reads_what_the_recorder_writes() {
    check(
        "log_framing_reads_what_the_recorder_writes",
        framed_logs(),
        |(text, expected)| {
            prop_assert_eq!(aida::evidence::split_kubectl_logs(&text), expected);
            Ok(())
        },
    );
}

// ---------------------------------------------------------------- bundle: selectors

#[test]
fn selectors_take_any_text() {
    let inputs = (
        prop_oneof![mutate::text(), mutate::mutated(label_selector())],
        prop_oneof![mutate::text(), "[a-z.]{1,12}(=|==|!=)[a-z0-9]{0,8}"],
    );
    check("selectors_take_any_text", inputs, |(labels, fields)| {
        let selector = aida::evidence::ListSelector {
            labels: Some(labels.clone()),
            fields: Some(fields.clone()),
        };
        match selector.matcher() {
            Ok(m) => {
                let _ = m.matches(&json!({"metadata": {"labels": {"app": "web"}}}));
            }
            Err(e) => {
                let message = e.to_string();
                prop_assert!(
                    message.contains(&format!("'{labels}'"))
                        || message.contains(&format!("'{fields}'")),
                    "{}",
                    message
                );
            }
        }
        Ok(())
    });
}

// ---------------------------------------------------------------- configuration

const CONFIG_FILE: &str = "/etc/aida conf/aida.toml";

#[test]
fn config_parser_takes_any_text() {
    let inputs = prop_oneof![
        mutate::text(),
        mutate::mutated(config_file().prop_map(|(text, _)| text)),
    ];
    check("config_parser_takes_any_text", inputs, |text| {
        if let Err(e) = aida::config::Config::from_file_text(Path::new(CONFIG_FILE), &text) {
            prop_assert!(e.to_string().contains(CONFIG_FILE), "{}", e);
        }
        Ok(())
    });
}

#[test]
fn config_parser_reads_generated_files_and_names_the_bad_key() {
    check(
        "config_parser_reads_generated_files_and_names_the_bad_key",
        config_file(),
        |(text, fault)| {
            let result = aida::config::Config::from_file_text(Path::new(CONFIG_FILE), &text);
            match (result, fault) {
                (Ok(config), None) => {
                    // Every integer written is the integer read.
                    let written: toml::Table = toml::from_str(&text).unwrap();
                    let shown: BTreeMap<_, _> = aida::config::flatten_for_display(&config)
                        .into_iter()
                        .map(|(k, v)| (k.path, v))
                        .collect();
                    for key in aida::config::KEYS.iter().filter(|k| k.range.is_some()) {
                        if let Some(v) = lookup(&written, key.path) {
                            prop_assert_eq!(shown[key.path].clone(), Some(v.to_string()));
                        }
                    }
                }
                (Ok(_), Some(key)) => prop_assert!(false, "accepted a bad value of {}", key),
                (Err(e), None) => prop_assert!(false, "valid file refused: {}", e),
                (Err(e), Some(key)) => {
                    let message = e.to_string();
                    prop_assert!(message.contains(CONFIG_FILE), "{}", message);
                    prop_assert!(message.contains(&key), "{} does not name {}", message, key);
                }
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------- runbooks

const RUNBOOK_FILE: &str = "runbooks/pod crash looping.md";

#[test]
fn runbook_parser_takes_any_bytes() {
    let inputs = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        mutate::text().prop_map(String::into_bytes),
        mutate::mutated(runbook().prop_map(|(text, _)| text)).prop_map(String::into_bytes),
    ];
    check("runbook_parser_takes_any_bytes", inputs, |bytes| {
        match aida::knowledge::parse_runbook(RUNBOOK_FILE, &bytes) {
            Ok(doc) => prop_assert!(!doc.title.trim().is_empty() || !doc.sections.is_empty()),
            Err(e) => prop_assert!(e.to_string().starts_with(RUNBOOK_FILE), "{}", e),
        }
        Ok(())
    });
}

#[test]
fn runbook_parser_reads_generated_runbooks() {
    check(
        "runbook_parser_reads_generated_runbooks",
        runbook(),
        |(text, expected)| {
            let doc = aida::knowledge::parse_runbook(RUNBOOK_FILE, text.as_bytes())
                .map_err(|e| TestCaseError::fail(format!("valid runbook refused: {e}")))?;
            if let Some(title) = &expected.title {
                prop_assert_eq!(&doc.title, title);
            }
            for alert in &expected.alerts {
                prop_assert!(
                    doc.alerts.contains(alert),
                    "{:?} lacks {}",
                    doc.alerts,
                    alert
                );
            }
            prop_assert_eq!(&doc.categories, &expected.categories);
            for section in &doc.sections {
                for heading in &section.headings {
                    prop_assert!(expected.headings.contains(heading), "heading {:?}", heading);
                }
            }
            Ok(())
        },
    );
}

#[test]
fn runbook_parser_names_the_file_and_the_fault() {
    check(
        "runbook_parser_names_the_file_and_the_fault",
        broken_runbook(),
        |(bytes, fault)| {
            match aida::knowledge::parse_runbook(RUNBOOK_FILE, &bytes) {
                Ok(doc) => prop_assert!(false, "accepted a runbook with {}: {:?}", fault, doc),
                Err(e) => {
                    let message = e.to_string();
                    prop_assert!(message.starts_with(RUNBOOK_FILE), "{}", message);
                    prop_assert!(message.contains(&fault), "{} lacks {:?}", message, fault);
                }
            }
            Ok(())
        },
    );
}
