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
        assert_eq!(llm_steps.len(), 1, "{case}: one bounded prompt");
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
    copy_dir(&bundle("oom_java_heap_over_limit"), &case);
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
    copy_dir(
        &bundle("oom_java_heap_over_limit"),
        &suite.path().join("a_good"),
    );
    let misspelt = suite.path().join("b_misspelt");
    copy_dir(&bundle("image_tag_not_found"), &misspelt);
    let expected = std::fs::read_to_string(misspelt.join("expected.json")).unwrap();
    std::fs::write(
        misspelt.join("expected.json"),
        expected.replacen("\"facts\"", "\"fatcs\"", 1),
    )
    .unwrap();
    let broken = suite.path().join("c_broken");
    copy_dir(&bundle("image_tag_not_found"), &broken);
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

fn copy_dir(src: &std::path::Path, dst: &std::path::Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap().flatten() {
        let to = dst.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), to).unwrap();
        }
    }
}

/// A cluster that cannot be reached: the report says so first (naming the server), the run is
/// stored as degraded, and the exit status is 1 — not a plausible report from the alert name.
#[test]
fn unreachable_cluster_is_a_flagged_degraded_run() {
    let home = TestHome::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let kubeconfig = home.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:{port}\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\n"
        ),
    )
    .unwrap();
    let out = home
        .aida()
        .env("AIDA_KUBERNETES_KUBECONFIG", &kubeconfig)
        .env("AIDA_KUBERNETES_TIMEOUT_SECS", "2")
        .args(["investigate", "--alertname", "KubePodCrashLooping"])
        .args([
            "--label",
            "namespace=shop",
            "--label",
            "pod=api-0",
            "--llm",
            "none",
        ])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let first_lines: Vec<&str> = stdout.lines().take(3).collect();
    assert!(
        first_lines[2].starts_with("> **Warning:** Evidence could not be read"),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("127.0.0.1:{port}")), "{stdout}");
    assert!(stderr.lines().count() <= 6, "noisy stderr:\n{stderr}");
    let conn = rusqlite::Connection::open(home.path().join("aida.db")).unwrap();
    let status: String = conn
        .query_row("SELECT status FROM investigations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(status, "complete_degraded");
}

/// `--llm openai` without a key refuses before sending anything (exit 2, naming the setting).
#[test]
fn api_model_without_a_key_is_refused() {
    let home = TestHome::new();
    let dir = bundle("oom_java_heap_over_limit");
    home.aida()
        .args([
            "investigate",
            "--bundle",
            dir.to_str().unwrap(),
            "--llm",
            "openai",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("llm.openai.api_key"));
}

/// Inputs that used to surprise: an empty stdin, an empty alert name, a runaway description.
#[test]
fn empty_and_oversized_inputs_are_named_errors() {
    let home = TestHome::new();
    home.aida()
        .args(["investigate", "-", "--llm", "none"])
        .write_stdin("  \n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("stdin is empty"));
    home.aida()
        .args(["investigate", "--alertname", "", "--llm", "none"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--alertname is empty"));
    let huge = serde_json::json!({"labels": {"alertname": "X"},
        "annotations": {"description": "y".repeat(20_000)}});
    home.aida()
        .args(["investigate", "-", "--llm", "none"])
        .write_stdin(huge.to_string())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "annotations.description: 20000 characters; the limit is 16384",
        ));
    let payload = home.path().join("big.json");
    std::fs::write(&payload, " ".repeat(2 << 20)).unwrap();
    home.aida()
        .args(["investigate", payload.to_str().unwrap(), "--llm", "none"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the limit is 1048576"));
}

/// SIGTERM (or Ctrl-C) during an investigation: the run is stored as `interrupted`, not left
/// `running` forever, and the exit status is the signal's (143 / 130).
#[cfg(unix)]
#[test]
fn a_signal_mid_investigation_is_recorded_as_interrupted() {
    use std::time::{Duration, Instant};
    // An "API" that accepts connections and never answers: the model call hangs.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let home = TestHome::new();
    let dir = bundle("oom_java_heap_over_limit");
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("aida"));
    for (k, _) in std::env::vars() {
        if k.starts_with("AIDA_") || k.starts_with("OPENAI") || k == "KUBECONFIG" {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd
        .env("AIDA_HOME", home.path())
        .env("AIDA_LLM_OPENAI_BASE_URL", format!("http://{addr}/v1"))
        .env("AIDA_LLM_OPENAI_MODEL", "m")
        .args([
            "investigate",
            "--bundle",
            dir.to_str().unwrap(),
            "--llm",
            "openai",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the investigation is stored as running (the model call is then pending).
    let db = home.path().join("aida.db");
    let started = Instant::now();
    loop {
        assert!(started.elapsed() < Duration::from_secs(60), "never started");
        let running = rusqlite::Connection::open(&db)
            .and_then(|c| {
                c.query_row(
                    "SELECT count(*) FROM investigations WHERE status = 'running'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
            })
            .unwrap_or(0);
        if running == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(143),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("stored as interrupted"));
    let (status, error): (String, String) = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT status, error FROM investigations", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(status, "interrupted");
    assert!(error.contains("SIGTERM"), "{error}");
    drop(silent);
}
