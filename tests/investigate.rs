//! `aida investigate` and `aida eval` end to end, on the project's own incident bundles.
mod common;

use std::path::PathBuf;

use aida::report::Report;
use common::TestHome;
use predicates::prelude::*;

fn bundle(name: &str) -> PathBuf {
    common::repo_root()
        .join("tests/fixtures/bundles")
        .join(name)
}

fn investigate_json(home: &TestHome, args: &[&str]) -> Report {
    let out = home
        .aida()
        .arg("investigate")
        .args(args)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    one_report(&out)
}

/// The one report of an `investigate --format json` envelope.
fn one_report(stdout: &[u8]) -> Report {
    let envelope: serde_json::Value = serde_json::from_slice(stdout)
        .unwrap_or_else(|e| panic!("not JSON: {e}\n{}", String::from_utf8_lossy(stdout)));
    let reports = envelope["reports"].as_array().expect("a reports array");
    assert_eq!(reports.len(), 1, "{envelope}");
    assert!(envelope["skipped"].is_array(), "{envelope}");
    serde_json::from_value(reports[0].clone()).unwrap()
}

#[test]
fn analyzers_only_reports_are_valid_and_quote_real_tool_output() {
    let home = TestHome::new();
    for (case, category) in [
        ("oom_java_heap_over_limit", "oom_killed"),
        ("image_tag_not_found", "image_pull"),
        ("config_missing_configmap_env", "config_missing"),
        ("unschedulable_insufficient_memory", "unschedulable"),
    ] {
        let dir = bundle(case);
        let report = investigate_json(&home, &["--bundle", dir.to_str().unwrap(), "--llm", "none"]);
        assert_eq!(report.category.as_str(), category, "{case}");
        assert!(!report.evidence.is_empty(), "{case}: no evidence");
        report
            .check_integrity()
            .unwrap_or_else(|e| panic!("{case}: {e:?}"));
        assert_eq!(report.model.backend, "none");
        assert!(!report.trajectory.is_empty());
        assert!(report.timings_ms.contains_key("total"));
        assert!(!report.next_steps.is_empty());
    }
    // Each run was stored with its trajectory.
    let store = aida::store::Store::open(&home.path().join("aida.db")).unwrap();
    let list = store.list_investigations(&Default::default()).unwrap();
    assert_eq!(list.len(), 4);
    assert!(!store.steps(&list[0].id).unwrap().is_empty());
    assert!(list[0].prompt_input.is_some());
}

#[test]
fn markdown_report_leads_with_the_conclusion() {
    let home = TestHome::new();
    let dir = bundle("image_tag_not_found");
    home.aida()
        .args([
            "investigate",
            "--bundle",
            dir.to_str().unwrap(),
            "--llm",
            "none",
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("# "))
        .stdout(predicate::str::contains("## Root cause"))
        .stdout(predicate::str::contains("## Evidence"))
        .stdout(predicate::str::contains("## Next steps"));
}

#[test]
fn malformed_alerts_exit_2_naming_the_field() {
    let home = TestHome::new();
    let dir = bundle("image_tag_not_found");
    for (payload, expected) in [
        (
            r#"{"version":"4","alerts":[]}"#,
            "alerts: the payload contains no alerts",
        ),
        (
            r#"{"alerts":[{"status":"firing"}]}"#,
            "alerts[0].labels: missing",
        ),
        (
            r#"{"alerts":[{"labels":{"alertname":["x"]}}]}"#,
            "alerts[0].labels.alertname: expected a string, found an array",
        ),
        (
            r#"{"alerts":"many"}"#,
            "alerts: expected an array, found a string",
        ),
        ("{not json", "invalid JSON at line 1"),
    ] {
        home.aida()
            .args([
                "investigate",
                "-",
                "--bundle",
                dir.to_str().unwrap(),
                "--llm",
                "none",
            ])
            .write_stdin(payload)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(expected));
    }
    home.aida()
        .args([
            "investigate",
            "--llm",
            "none",
            "--bundle",
            "/nonexistent/bundle",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/bundle"));
    home.aida()
        .args([
            "investigate",
            "--alertname",
            "X",
            "--label",
            "novalue",
            "--llm",
            "none",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("expected KEY=VALUE"));
}

#[test]
fn resolved_alerts_are_skipped_with_a_message() {
    let home = TestHome::new();
    let dir = bundle("image_tag_not_found");
    home.aida()
        .args([
            "investigate",
            "-",
            "--bundle",
            dir.to_str().unwrap(),
            "--llm",
            "none",
        ])
        .write_stdin(
            r#"{"alerts":[{"status":"resolved","labels":{"alertname":"KubePodCrashLooping"}}]}"#,
        )
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains(
            "skipping alert KubePodCrashLooping",
        ))
        .stderr(predicate::str::contains(
            "resolved alerts are not investigated",
        ));
    // JSON output is the same envelope with the alert under `skipped`.
    let out = home
        .aida()
        .args(["investigate", "-", "--bundle", dir.to_str().unwrap()])
        .args(["--llm", "none", "--format", "json"])
        .write_stdin(
            r#"{"alerts":[{"status":"resolved","labels":{"alertname":"KubePodCrashLooping"}}]}"#,
        )
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let envelope: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(envelope["reports"], serde_json::json!([]));
    assert_eq!(envelope["skipped"][0]["alert_name"], "KubePodCrashLooping");
}

#[test]
fn eval_scores_the_suite_and_honours_min_accuracy() {
    let home = TestHome::new();
    let suite = common::repo_root().join("tests/fixtures/bundles");
    let out = home
        .aida()
        .args([
            "eval",
            suite.to_str().unwrap(),
            "--llm",
            "none",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let summary = &doc["summary"];
    assert!(summary["cases"].as_u64().unwrap() >= 20);
    let accuracy = summary["category_accuracy"].as_f64().unwrap();
    eprintln!("analyzers-only eval on the project's bundles: {summary}");
    assert!(accuracy >= 0.8, "category accuracy {accuracy}");
    assert!(
        summary["fact_recall"].as_f64().unwrap() >= 0.75,
        "{summary}"
    );
    // Every case is timed from loading its bundle to its conclusion, below the millisecond
    // too: a zero would mean the wrong span (or whole-millisecond truncation) is measured.
    for case in doc["cases"].as_array().unwrap() {
        let ms = case["ms"].as_f64().unwrap();
        assert!(ms > 0.0 && ms < 60_000.0, "{case}");
    }
    assert!(summary["p50_ms"].as_f64().unwrap() > 0.0, "{summary}");
    // A threshold above what was reached exits 1; a threshold that is not a probability exits 2.
    if accuracy < 1.0 {
        home.aida()
            .args([
                "eval",
                suite.to_str().unwrap(),
                "--llm",
                "none",
                "--min-accuracy",
                "1.0",
            ])
            .assert()
            .code(1);
    }
    home.aida()
        .args([
            "eval",
            suite.to_str().unwrap(),
            "--llm",
            "none",
            "--min-accuracy",
            "1.5",
        ])
        .assert()
        .code(2);
}

#[test]
fn bundle_check_prints_findings_and_names_malformed_files() {
    let home = TestHome::new();
    let dir = bundle("oom_java_heap_over_limit");
    home.aida()
        .args(["bundle", "check", dir.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("category: oom_killed"))
        .stdout(predicate::str::contains("Reason=OOMKilled"));
    let bad = tempfile::tempdir().unwrap();
    std::fs::write(
        bad.path().join("alert.json"),
        r#"{"labels":{"alertname":"X"}}"#,
    )
    .unwrap();
    std::fs::create_dir_all(bad.path().join("cluster/default")).unwrap();
    std::fs::write(
        bad.path().join("cluster/default/pods.json"),
        "{\"kind\":\"PodList\",\n \"items\": [}",
    )
    .unwrap();
    home.aida()
        .args(["bundle", "check", bad.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cluster/default/pods.json: line 2 column 12",
        ));
}

/// The real local model end to end (Gemma 3 270M from scripts/fetch-models.sh): whatever the
/// small model writes, the report is valid, its quotes are real, and a rejected answer is a
/// labelled fallback rather than an invented report.
#[test]
fn local_model_reports_are_valid_for_several_categories() {
    let home = TestHome::new();
    let models = common::models_dir();
    for (case, category) in [
        ("oom_java_heap_over_limit", "oom_killed"),
        ("storage_pvc_unknown_storageclass", "storage"),
    ] {
        let dir = bundle(case);
        let out = home
            .aida()
            .env("AIDA_MODELS_DIR", &models)
            .args([
                "investigate",
                "--bundle",
                dir.to_str().unwrap(),
                "--llm",
                "local",
                "--format",
                "json",
            ])
            .assert()
            .success()
            .get_output()
            .clone();
        let report = one_report(&out.stdout);
        assert_eq!(report.category.as_str(), category, "{case}");
        assert_eq!(report.model.backend, "local");
        assert_eq!(report.model.name, "gemma-3-270m-q4_k_m");
        report
            .check_integrity()
            .unwrap_or_else(|e| panic!("{case}: {e:?}"));
        let llm_steps: Vec<_> = report
            .trajectory
            .iter()
            .filter(|s| s.tool == "llm")
            .collect();
        // One scoring pass over the category labels, then one bounded prompt.
        assert_eq!(
            llm_steps.len(),
            2,
            "{case}: label scoring + one bounded prompt"
        );
        assert_eq!(llm_steps[0].input["scoring"], "category labels");
        let decision = report.decision.as_ref().expect("decision recorded");
        assert_eq!(decision.analyzers.as_str(), category, "{case}");
        assert_eq!(decision.policy, "analyzers");
        assert!(decision.model.is_some(), "{case}: the model chose a label");
        assert_eq!(decision.model_scores.len(), 3);
        assert!(decision.model_scores[0].log_likelihood >= decision.model_scores[1].log_likelihood);
        assert!(report.tokens["prompt"] > 100 && report.tokens["completion"] > 0);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stderr.contains("answer could not be used") {
            assert!(
                report
                    .warnings
                    .iter()
                    .any(|w| w.contains("could not be used")),
                "{case}: fallback must be labelled in the report"
            );
        }
        assert!(!report.root_cause.trim().is_empty());
    }
}

/// `--llm openai` against a loopback server speaking the chat-completions wire format: the model
/// calls a tool (a call the plan already made, so it is answered from that step), then answers
/// with a JSON report whose invented quote is dropped and whose real quote is re-cited.
#[test]
fn api_model_tool_loop_with_duplicate_suppression_and_quote_checks() {
    use std::sync::{Arc, Mutex};

    use axum::routing::post;
    use serde_json::{Value, json};

    let completion = |message: Value, finish: &str| {
        json!({"id": "c", "object": "chat.completion", "created": 1, "model": "fake-model",
               "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": null}],
               "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}})
        .to_string()
    };
    let pod = "cart-api-6c9d7f8b4-x2k9q";
    let script = vec![
        completion(
            json!({"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                "function": {"name": "describe_pod", "arguments": json!({"namespace": "shop", "name": pod}).to_string()}}]}),
            "tool_calls",
        ),
        completion(
            json!({"role": "assistant", "content": json!({
                "category": "oom_killed",
                "root_cause": "Container app of cart-api is OOMKilled at its 256Mi limit.",
                "confidence": 0.9, "summary": "Exit code 137 after exceeding the limit.",
                "evidence": [{"source": "step-99", "quote": "Reason=OOMKilled"},
                             {"source": "step-1", "quote": "disk is full"}],
                "hypotheses": [], "next_steps": ["Raise the memory limit to 512Mi"]}).to_string()}),
            "stop",
        ),
    ];
    let requests: Arc<Mutex<Vec<Value>>> = Arc::default();
    let script = Arc::new(Mutex::new(script));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (reqs, scr) = (requests.clone(), script.clone());
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        post(move |body: axum::Json<Value>| {
            let (reqs, scr) = (reqs.clone(), scr.clone());
            async move {
                reqs.lock().unwrap().push(body.0);
                let text = scr.lock().unwrap().remove(0);
                ([("content-type", "application/json")], text)
            }
        }),
    );
    rt.spawn(async move { axum::serve(listener, app).await.unwrap() });

    let home = TestHome::new();
    let dir = bundle("oom_java_heap_over_limit");
    let out = home
        .aida()
        .env("AIDA_LLM_OPENAI_BASE_URL", format!("http://{addr}/v1"))
        .env("AIDA_LLM_OPENAI_MODEL", "fake-model")
        .env("OPENAI_API_KEY", "sk-test")
        .args([
            "investigate",
            "--bundle",
            dir.to_str().unwrap(),
            "--llm",
            "openai",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report = one_report(&out);
    assert_eq!(report.model.backend, "openai");
    assert_eq!(report.category.as_str(), "oom_killed");
    assert_eq!(
        report.root_cause,
        "Container app of cart-api is OOMKilled at its 256Mi limit."
    );
    report.check_integrity().unwrap();
    assert!(
        report.evidence.iter().all(|e| e.quote != "disk is full"),
        "invented quote kept"
    );
    assert!(
        report
            .evidence
            .iter()
            .any(|e| e.quote == "Reason=OOMKilled" && e.source != "step-99")
    );
    let describes = report
        .trajectory
        .iter()
        .filter(|s| s.tool == "describe_pod")
        .count();
    assert_eq!(describes, 1, "the duplicate call ran again");
    assert_eq!(
        report.trajectory.iter().filter(|s| s.tool == "llm").count(),
        2
    );
    let reqs = requests.lock().unwrap();
    assert_eq!(reqs.len(), 2);
    assert!(
        !reqs[0]["tools"].as_array().unwrap().is_empty(),
        "tools offered"
    );
    let tool_reply = reqs[1]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "tool")
        .unwrap();
    assert!(
        tool_reply["content"]
            .as_str()
            .unwrap()
            .contains("duplicate call suppressed")
    );
}

#[test]
fn a_missing_local_model_says_what_to_do() {
    let home = TestHome::new();
    let dir = bundle("oom_java_heap_over_limit");
    home.aida()
        .args(["investigate", "--bundle", dir.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is not installed: run scripts/fetch-models.sh",
        ))
        .stderr(predicate::str::contains("--llm none"));
}

/// `investigate` and `eval` build their services through the one pipeline: the same bundle
/// gives the same report (ids and timings aside) whichever command ran it.
#[test]
fn eval_and_investigate_give_the_same_report_for_a_bundle() {
    use serde_json::Value;
    let home = TestHome::new();
    let suite = tempfile::tempdir().unwrap();
    let case = suite.path().join("oom");
    common::copy_dir(&bundle("oom_java_heap_over_limit"), &case);
    let investigated = home
        .aida()
        .args(["investigate", "--bundle", case.to_str().unwrap()])
        .args(["--llm", "none", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let evaluated = home
        .aida()
        .args(["eval", suite.path().to_str().unwrap()])
        .args(["--llm", "none", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let normalise = |mut report: Value| {
        let map = report.as_object_mut().unwrap();
        map.remove("incident_id");
        map.remove("timings_ms");
        for step in map["trajectory"].as_array_mut().unwrap() {
            step.as_object_mut().unwrap().remove("duration_ms");
        }
        report
    };
    let a: Value = serde_json::from_slice(&investigated).unwrap();
    let b: Value = serde_json::from_slice(&evaluated).unwrap();
    let a = normalise(a["reports"][0].clone());
    let b = normalise(b["cases"][0]["report"].clone());
    assert!(a["trajectory"].as_array().unwrap().len() > 2);
    assert_eq!(a, b);
}

/// A broken bundle is an error row; the suite goes on and says so. A misspelt key in
/// expected.json is such an error (it would silently score the case as complete).
#[test]
fn eval_reports_broken_cases_and_goes_on() {
    let home = TestHome::new();
    let suite = tempfile::tempdir().unwrap();
    common::copy_dir(
        &bundle("oom_java_heap_over_limit"),
        &suite.path().join("a_good"),
    );
    let misspelt = suite.path().join("b_misspelt");
    common::copy_dir(&bundle("image_tag_not_found"), &misspelt);
    let expected = std::fs::read_to_string(misspelt.join("expected.json")).unwrap();
    std::fs::write(
        misspelt.join("expected.json"),
        expected.replacen("\"facts\"", "\"fatcs\"", 1),
    )
    .unwrap();
    let broken = suite.path().join("c_broken");
    common::copy_dir(&bundle("image_tag_not_found"), &broken);
    std::fs::write(broken.join("alert.json"), "{\"alerts\": [").unwrap();
    let out = home
        .aida()
        .args(["eval", suite.path().to_str().unwrap(), "--llm", "none"])
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["cases"], 3);
    assert_eq!(doc["summary"]["errors"], 2);
    assert_eq!(doc["cases"].as_array().unwrap().len(), 1);
    let errors = doc["errors"].to_string();
    assert!(errors.contains("unknown field `fatcs`"), "{errors}");
    assert!(errors.contains("alert.json"), "{errors}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("b_misspelt") && stderr.contains("c_broken"),
        "{stderr}"
    );
}

/// The decisive log line is quoted even when the lines after it do not leave it room in the
/// log tool's output budget: the report cites a `pod_logs` step filtered to that line.
#[test]
fn a_decisive_log_line_beyond_the_output_budget_is_still_cited() {
    let home = TestHome::new();
    let dir = home.path().join("case");
    common::copy_dir(&bundle("crash_config_parse_error"), &dir);
    let logs = dir.join("cluster/payments/ledger-7b8c9d6f5-m4n7p/previous-logs.txt");
    let mut text = String::from(
        "==== START logs for container app of pod payments/ledger-7b8c9d6f5-m4n7p ====\n\
         2026-03-02T10:11:58Z ERROR config: invalid value \"fast\" for LEDGER_MODE (want: strict|relaxed)\n",
    );
    for i in 0..90 {
        text.push_str(&format!(
            "2026-03-02T10:11:59Z INFO shutting down worker {i:03}: draining queues, closing connections, flushing metrics {}\n",
            "x".repeat(20)
        ));
    }
    text.push_str("==== END logs for container app of pod payments/ledger-7b8c9d6f5-m4n7p ====\n");
    std::fs::write(&logs, text).unwrap();
    let report = investigate_json(&home, &["--bundle", dir.to_str().unwrap(), "--llm", "none"]);
    let decisive = "ERROR config: invalid value \"fast\" for LEDGER_MODE";
    let quoted = report
        .evidence
        .iter()
        .find(|e| e.quote.contains(decisive))
        .unwrap_or_else(|| panic!("not quoted: {:#?}", report.evidence));
    report.check_integrity().unwrap();
    let step = report
        .trajectory
        .iter()
        .find(|s| s.id() == quoted.source)
        .unwrap();
    assert_eq!(step.tool, "pod_logs");
    assert!(step.input["grep"].is_string(), "{step:?}");
}
