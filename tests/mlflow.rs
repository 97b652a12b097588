//! MLflow sync against a real MLflow server (PyPI `mlflow`, pinned in scripts/mlflow-test.sh,
//! sqlite backend, `--serve-artifacts`, loopback), started once by scripts/test.sh and named by
//! `AIDA_TEST_MLFLOW_URI`. Every test writes to its own experiment, so tests never see each
//! other's runs.
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use aida::mlflow::{self, Client};
use aida::report::TrajectoryStep;
use aida::store::{
    Finished, IncidentSource, InvestigationStatus, NewFeedback, NewIncident, NewInvestigation,
    Store, Verdict,
};
use common::TestHome;
use serde_json::{Value, json};

fn mlflow_uri() -> String {
    std::env::var("AIDA_TEST_MLFLOW_URI").unwrap_or_else(|_| {
        panic!("AIDA_TEST_MLFLOW_URI is not set: run scripts/test.sh, or `. scripts/lib.sh; . scripts/mlflow-test.sh; mlflow_test_start` and export the URI it prints")
    })
}

fn bundle(name: &str) -> PathBuf {
    common::repo_root()
        .join("tests/fixtures/bundles")
        .join(name)
}

/// An experiment name no other test (or earlier run against the same server) uses.
fn experiment(test: &str) -> String {
    format!(
        "AIDA_Investigations-{test}-{}",
        uuid::Uuid::new_v4().simple()
    )
}

fn rt() -> tokio::runtime::Runtime {
    // reqwest is built without a default TLS provider (AIDA installs ring); plain HTTP here.
    let _ = rustls::crypto::ring::default_provider().install_default();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn client(uri: &str) -> Client {
    Client::new(uri, None, Duration::from_secs(30)).unwrap()
}

/// `aida sync ARGS` against `uri` writing to `experiment`.
fn sync(home: &TestHome, uri: &str, experiment: &str, args: &[&str]) -> std::process::Output {
    home.aida()
        .arg("sync")
        .args(args)
        .env("MLFLOW_TRACKING_URI", uri)
        .env("AIDA_MLFLOW_EXPERIMENT", experiment)
        .output()
        .unwrap()
}

fn status_json(home: &TestHome) -> Value {
    let out = home
        .aida()
        .args(["sync", "--status", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn investigate(home: &TestHome, case: &str) -> String {
    let out = home
        .aida()
        .args([
            "investigate",
            "--bundle",
            bundle(case).to_str().unwrap(),
            "--llm",
            "none",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let envelope: Value = serde_json::from_slice(&out.stdout).unwrap();
    envelope["reports"][0]["incident_id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn store(home: &TestHome) -> Store {
    Store::open(&home.path().join("aida.db")).unwrap()
}

fn stored_steps(n: usize) -> Vec<TrajectoryStep> {
    (0..n)
        .map(|i| TrajectoryStep {
            step: i as u32 + 1,
            tool: if i + 1 == n {
                "llm".into()
            } else {
                "kubectl_get".into()
            },
            input: json!({"kind": "pods", "i": i}),
            output_excerpt: format!("output of step {}", i + 1),
            duration_ms: 10 + i as u64,
        })
        .collect()
}

/// Stores a finished investigation the way the pipeline does (run + trace queued with it).
fn store_investigation(store: &mut Store, n: usize) -> (String, String) {
    let incident = format!("inc-{n}-{}", uuid::Uuid::new_v4().simple());
    let inv = format!("inv-{n}-{}", uuid::Uuid::new_v4().simple());
    store
        .insert_incident(&NewIncident {
            id: incident.clone(),
            fingerprint: Some(format!("fp{n}")),
            alert_name: "KubePodCrashLooping".into(),
            alert: json!({"labels": {"alertname": "KubePodCrashLooping", "n": n.to_string()}}),
            source: IncidentSource::Cli,
        })
        .unwrap();
    store
        .start_investigation(&NewInvestigation {
            id: inv.clone(),
            incident_id: incident.clone(),
            backend: "none".into(),
            model_name: "analyzers".into(),
            adapter: None,
        })
        .unwrap();
    store
        .finish_investigation(
            &inv,
            &Finished {
                status: InvestigationStatus::Success,
                category: Some(aida::report::Category::CrashAppError),
                confidence: Some(0.7),
                report: Some(json!({"category": "crash_app_error", "root_cause": "the app exits 1", "confidence": 0.7, "summary": "crash"})),
                error: None,
                timings: json!({"total": 120}),
                tokens: json!({}),
                steps: stored_steps(3),
                prompt_input: None,
            },
        )
        .unwrap();
    (incident, inv)
}

async fn runs(c: &Client, experiment: &str) -> Vec<mlflow::Run> {
    let id = c
        .experiment_id_by_name(experiment)
        .await
        .unwrap()
        .expect("the experiment exists");
    c.search_runs(&id, "", 10_000).await.unwrap()
}

/// One `aida investigate` → one run with exactly the mapping's tags, params, metrics and
/// artifacts, and a trace with a root span and one span per trajectory step; a second sync
/// sends nothing.
#[test]
fn an_investigation_becomes_one_run_and_one_trace() {
    let uri = mlflow_uri();
    let exp = experiment("one");
    let home = TestHome::new();
    let incident_id = investigate(&home, "oom_image_resizer");
    let out = sync(&home, &uri, &exp, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("synced 2, failed 0"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let st = store(&home);
    let inv = st.latest_report(&incident_id).unwrap().unwrap();
    let steps = st.steps(&inv.id).unwrap();
    let c = client(&uri);
    rt().block_on(async {
        let runs = runs(&c, &exp).await;
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        assert_eq!(
            run.info.run_name.as_deref(),
            Some(format!("Incident-{incident_id}").as_str())
        );
        assert_eq!(run.info.status.as_deref(), Some("FINISHED"));
        let tags: BTreeMap<_, _> = run
            .data
            .tags
            .iter()
            .filter(|t| !t.key.starts_with("mlflow."))
            .map(|t| (t.key.as_str(), t.value.as_str()))
            .collect();
        let fingerprint = st.incident(&incident_id).unwrap().unwrap().fingerprint;
        let mut expected = BTreeMap::from([
            ("aida_investigation_id", inv.id.as_str()),
            ("incident_id", incident_id.as_str()),
            ("alert_name", inv.alert_name.as_str()),
            ("investigation_status", inv.status.as_str()),
            ("feedback_status", "Pending"),
            ("category", inv.category.unwrap().as_str()),
        ]);
        if let Some(fp) = fingerprint.as_deref() {
            expected.insert("fingerprint", fp);
        }
        let alert = st.incident(&incident_id).unwrap().unwrap().alert;
        let namespace = alert["labels"]["namespace"].as_str().unwrap().to_string();
        expected.insert("namespace", namespace.as_str());
        assert_eq!(tags, expected);
        let params: BTreeMap<_, _> = run
            .data
            .params
            .iter()
            .map(|p| (p.key.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(
            params,
            BTreeMap::from([
                ("model", inv.model_name.as_str()),
                ("adapter", "none"),
                ("backend", inv.backend.as_str())
            ])
        );
        let llm = steps.iter().filter(|s| s.tool == "llm").count();
        assert_eq!(run.metric("tool_calls"), Some((steps.len() - llm) as f64));
        assert_eq!(run.metric("llm_calls"), Some(llm as f64));
        assert_eq!(
            run.metric("duration_total_ms"),
            inv.timings["total"].as_f64()
        );
        assert_eq!(run.metric("confidence"), inv.confidence);

        let root: BTreeSet<_> = c
            .list_artifacts(&run.info.run_id, "")
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(
            root,
            BTreeSet::from([
                "alert_payload.json".to_string(),
                "final_report.json".into(),
                "evidence_bundle".into()
            ])
        );
        let evidence: BTreeSet<_> = c
            .list_artifacts(&run.info.run_id, "evidence_bundle")
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(
            evidence,
            BTreeSet::from([
                "evidence_bundle/alert.json".to_string(),
                "evidence_bundle/tool_calls.jsonl".into()
            ])
        );

        let fetched = mlflow::fetch_run_by_incident(&c, &exp, &incident_id)
            .await
            .unwrap()
            .unwrap();
        let report = fetched.final_report.unwrap();
        assert_eq!(report["final_conclusion"], inv.report.clone().unwrap());
        assert_eq!(
            report["full_trajectory"],
            serde_json::to_value(&steps).unwrap()
        );
        assert_eq!(
            fetched.alert.unwrap(),
            st.incident(&incident_id).unwrap().unwrap().alert
        );
        assert_eq!(fetched.investigation_id.as_deref(), Some(inv.id.as_str()));

        let exp_id = c.experiment_id_by_name(&exp).await.unwrap().unwrap();
        let traces = c.search_trace_ids(&exp_id, 100).await.unwrap();
        let trace_id = mlflow::mlflow_trace_id(&mlflow::otel_trace_id(&inv.id));
        assert_eq!(traces, vec![trace_id.clone()]);
        let mut names = c.trace_span_names(&trace_id).await.unwrap();
        names.sort();
        let mut expected: Vec<String> = steps.iter().map(|s| s.tool.clone()).collect();
        expected.push(format!("investigate {}", inv.alert_name));
        expected.sort();
        assert_eq!(names, expected);
    });

    // Nothing left: a second sync sends nothing and makes nothing new.
    let out = sync(&home, &uri, &exp, &[]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to sync"));
    let status = status_json(&home);
    assert_eq!(status["synced"], 2);
    assert_eq!(status["items"], json!([]));
    rt().block_on(async { assert_eq!(runs(&c, &exp).await.len(), 1) });
}

/// A correction → `feedback_status` Corrected, `human_feedback.txt`, and one HUMAN assessment
/// (an expectation carrying the corrected report), readable back by incident id.
#[test]
fn a_review_sets_feedback_status_and_adds_one_assessment() {
    let uri = mlflow_uri();
    let exp = experiment("review");
    let home = TestHome::new();
    let (incident, inv) = store_investigation(&mut store(&home), 0);
    let out = sync(&home, &uri, &exp, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    store(&home)
        .add_feedback(&NewFeedback {
            investigation_id: inv.clone(),
            reviewer: "alice".into(),
            verdict: Verdict::Corrected,
            corrected_text: Some("ROOT CAUSE: the config map key is missing".into()),
            comment: Some("wrong category".into()),
        })
        .unwrap();
    let out = sync(&home, &uri, &exp, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Syncing again adds nothing.
    let again = sync(&home, &uri, &exp, &[]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to sync"));

    let c = client(&uri);
    rt().block_on(async {
        let runs = runs(&c, &exp).await;
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].tag("feedback_status"), Some("Corrected"));
        let review = mlflow::fetch_review_by_incident(&c, &exp, &incident)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(review.feedback_status, "Corrected");
        assert_eq!(
            review.corrected_text.as_deref(),
            Some("ROOT CAUSE: the config map key is missing")
        );
        assert_eq!(review.assessments.len(), 1, "{:?}", review.assessments);
        let a = &review.assessments[0];
        assert_eq!(a.source.as_ref().unwrap().source_type, "HUMAN");
        assert_eq!(
            a.source.as_ref().unwrap().source_id.as_deref(),
            Some("alice")
        );
        assert_eq!(
            a.expectation.as_ref().unwrap().value,
            json!("ROOT CAUSE: the config map key is missing")
        );
        assert_eq!(a.comment(), Some("wrong category"));
    });
}

/// MLflow unreachable while 50 investigations are stored: every item fails and says why; once
/// MLflow is back, one `aida sync` gives exactly 50 runs and 50 traces.
#[test]
fn an_outage_loses_and_duplicates_nothing() {
    let uri = mlflow_uri();
    let exp = experiment("outage");
    let home = TestHome::new();
    let mut st = store(&home);
    let incidents: BTreeSet<String> = (0..50).map(|n| store_investigation(&mut st, n).0).collect();
    drop(st);

    // A port nobody listens on.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let out = sync(&home, &dead, &exp, &["--timeout", "2"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = status_json(&home);
    let items = status["items"].as_array().unwrap();
    assert_eq!(items.len(), 100);
    assert!(
        items.iter().filter(|i| i["kind"] == "run").all(
            |i| i["state"] == "failing" && i["last_error"].as_str().unwrap().contains("onnect")
        ),
        "{status:#}"
    );

    let started = Instant::now();
    let out = sync(&home, &uri, &exp, &[]);
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("synced 50 runs + 50 traces in {took:?}");
    assert_eq!(status_json(&home)["items"], json!([]));
    let c = client(&uri);
    rt().block_on(async {
        let runs = runs(&c, &exp).await;
        assert_eq!(runs.len(), 50);
        let seen: BTreeSet<String> = runs
            .iter()
            .map(|r| r.tag("incident_id").unwrap().to_string())
            .collect();
        assert_eq!(seen, incidents);
        let exp_id = c.experiment_id_by_name(&exp).await.unwrap().unwrap();
        assert_eq!(c.search_trace_ids(&exp_id, 1000).await.unwrap().len(), 50);
    });
}

/// What the fault-injecting proxy does to request number n: about two in five fail, most of them
/// after MLflow applied the request.
fn fault(n: usize) -> Option<&'static str> {
    // Scrambled (splitmix64) so the faults have no period: a fixed stride would line up with a
    // sync's fixed number of requests per attempt and fail the same request every time.
    let mut z = (n as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    match z % 15 {
        2 | 11 => Some("500-after"),
        5 | 14 => Some("reset-after"),
        8 => Some("429-before"),
        12 => Some(if z.is_multiple_of(2) {
            "timeout-after"
        } else {
            "503-before"
        }),
        _ => None,
    }
}

/// A loopback HTTP/1.1 proxy in front of MLflow that breaks most requests: errors before
/// forwarding, and — the hard case — errors, connection resets and timeouts AFTER MLflow applied
/// the request. One request per connection.
fn start_fault_proxy(upstream: &str, hold: Duration) -> (String, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let upstream = upstream.trim_start_matches("http://").to_string();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let counter = Arc::new(AtomicUsize::new(0));
    let count = counter.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (mut inbound, _) = listener.accept().await.unwrap();
                let n = count.fetch_add(1, Ordering::SeqCst);
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    // Read one request: headers, then Content-Length bytes of body.
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 65536];
                    let header_end = loop {
                        let Ok(read) = inbound.read(&mut chunk).await else { return };
                        if read == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..read]);
                        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break p + 4;
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                        .unwrap_or(0);
                    while buf.len() < header_end + length {
                        let Ok(read) = inbound.read(&mut chunk).await else { return };
                        if read == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..read]);
                    }
                    let reply = |status: &str| {
                        format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}")
                    };
                    let what = fault(n);
                    match what {
                        Some("429-before") => {
                            let _ = inbound.write_all(reply("429 Too Many Requests").as_bytes()).await;
                            return;
                        }
                        Some("503-before") => {
                            let _ = inbound.write_all(reply("503 Service Unavailable").as_bytes()).await;
                            return;
                        }
                        _ => {}
                    }
                    // Forward, asking MLflow to close after answering so its answer ends at EOF.
                    let mut request = head.replacen("\r\n", "\r\nConnection: close\r\n", 1).into_bytes();
                    request.extend_from_slice(&buf[header_end..header_end + length]);
                    let Ok(mut out) = tokio::net::TcpStream::connect(&upstream).await else { return };
                    if out.write_all(&request).await.is_err() {
                        return;
                    }
                    let mut response = Vec::new();
                    if out.read_to_end(&mut response).await.is_err() {
                        return;
                    }
                    // MLflow has applied the request by now.
                    match what {
                        Some("500-after") => {
                            let _ = inbound.write_all(reply("500 Internal Server Error").as_bytes()).await;
                        }
                        Some("reset-after") => {
                            // Closing with unread data makes the kernel send RST.
                            #[allow(deprecated)]
                            let _ = inbound.set_linger(Some(Duration::ZERO));
                            drop(inbound);
                        }
                        Some("timeout-after") => {
                            tokio::time::sleep(hold).await;
                        }
                        _ => {
                            let _ = inbound.write_all(&response).await;
                        }
                    }
                });
            }
        });
    });
    (format!("http://{addr}"), counter)
}

/// Through a proxy that fails about two requests in five (500s and 429s, resets, and timeouts after
/// MLflow applied the request), repeated `aida sync` runs end with exactly one run, one trace and one
/// assessment per investigation.
#[test]
fn faults_after_the_request_was_applied_duplicate_nothing() {
    let uri = mlflow_uri();
    let exp = experiment("faults");
    let home = TestHome::new();
    let mut st = store(&home);
    let mut invs = Vec::new();
    for n in 0..4 {
        let (incident, inv) = store_investigation(&mut st, n);
        st.add_feedback(&NewFeedback {
            investigation_id: inv.clone(),
            reviewer: format!("reviewer-{n}"),
            verdict: if n % 2 == 0 {
                Verdict::Approved
            } else {
                Verdict::Corrected
            },
            corrected_text: (n % 2 == 1).then(|| format!("corrected report {n}")),
            comment: None,
        })
        .unwrap();
        invs.push((incident, inv));
    }
    drop(st);
    let (proxy, requests) = start_fault_proxy(&uri, Duration::from_secs(2));
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(
            rounds <= 60,
            "still not synced after 60 rounds: {:#}",
            status_json(&home)
        );
        let out = sync(&home, &proxy, &exp, &["--timeout", "1", "--retry-parked"]);
        if out.status.success() && status_json(&home)["items"] == json!([]) {
            break;
        }
    }
    let sent = requests.load(Ordering::SeqCst);
    eprintln!("synced through the fault proxy in {rounds} rounds, {sent} requests");
    assert!(sent > 50, "the proxy saw only {sent} requests");

    let c = client(&uri);
    rt().block_on(async {
        let runs = runs(&c, &exp).await;
        assert_eq!(runs.len(), 4, "{runs:#?}");
        let exp_id = c.experiment_id_by_name(&exp).await.unwrap().unwrap();
        assert_eq!(c.search_trace_ids(&exp_id, 100).await.unwrap().len(), 4);
        for (n, (incident, inv)) in invs.iter().enumerate() {
            let matching: Vec<_> = runs
                .iter()
                .filter(|r| r.tag("incident_id") == Some(incident.as_str()))
                .collect();
            assert_eq!(matching.len(), 1, "{incident}");
            let expected = if n % 2 == 0 { "Approved" } else { "Corrected" };
            assert_eq!(matching[0].tag("feedback_status"), Some(expected));
            let trace = c
                .trace_info(&mlflow::mlflow_trace_id(&mlflow::otel_trace_id(inv)))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                trace.assessments.len(),
                1,
                "{incident}: {:#?}",
                trace.assessments
            );
            assert_eq!(c.trace_span_names(&trace.trace_id).await.unwrap().len(), 4);
        }
    });
}

/// `aida serve` with MLflow configured drains the outbox on its own: a webhook's investigation
/// shows up as a run without any `aida sync`.
#[test]
fn serve_drains_the_outbox_continuously() {
    let uri = mlflow_uri();
    let exp = experiment("serve");
    let home = TestHome::new();
    let mut cmd = home.aida_process();
    cmd.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--llm",
        "none",
        "--workers",
        "1",
        "--mlflow-sync-interval-ms",
        "200",
    ])
    .args(["--bundle", bundle("oom_image_resizer").to_str().unwrap()])
    .env("MLFLOW_TRACKING_URI", &uri)
    .env("AIDA_MLFLOW_EXPERIMENT", &exp)
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    let mut child: Child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line)
                && v["message"] == "listening"
            {
                let _ = tx.send(v["addr"].as_str().unwrap_or_default().to_string());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("aida serve listening");
    let alert = std::fs::read_to_string(bundle("oom_image_resizer").join("alert.json")).unwrap();
    let c = client(&uri);
    let found = rt().block_on(async {
        let http = reqwest::Client::new();
        let answer = http
            .post(format!("http://{addr}/webhook"))
            .header("content-type", "application/json")
            .body(alert)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 202);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(id) = c.experiment_id_by_name(&exp).await.unwrap() {
                let runs = c
                    .search_runs(&id, "attributes.status = 'FINISHED'", 10)
                    .await
                    .unwrap();
                let traces = c.search_trace_ids(&id, 10).await.unwrap();
                if !runs.is_empty() && !traces.is_empty() {
                    return (runs.len(), traces.len());
                }
            }
            if Instant::now() > deadline {
                return (0, 0);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(
        found,
        (1, 1),
        "the server did not sync the investigation within 60 s"
    );
    assert!(status.success(), "{status}");
}

/// `aida investigate` with MLflow configured pushes its own run and trace: nothing left for
/// `aida sync`. With MLflow unreachable it still succeeds, warns, and leaves both queued.
#[test]
fn investigate_pushes_its_run_without_aida_sync() {
    let uri = mlflow_uri();
    let exp = experiment("investigate");
    let run = |home: &TestHome, uri: &str| {
        home.aida()
            .args(["investigate", "--llm", "none", "--format", "json"])
            .args(["--bundle", bundle("oom_image_resizer").to_str().unwrap()])
            .env("MLFLOW_TRACKING_URI", uri)
            .env("AIDA_MLFLOW_EXPERIMENT", &exp)
            .output()
            .unwrap()
    };

    let home = TestHome::new();
    let out = run(&home, &uri);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(status_json(&home)["items"], json!([]));
    let c = client(&uri);
    rt().block_on(async {
        assert_eq!(runs(&c, &exp).await.len(), 1);
        let exp_id = c.experiment_id_by_name(&exp).await.unwrap().unwrap();
        assert_eq!(c.search_trace_ids(&exp_id, 10).await.unwrap().len(), 1);
    });

    let offline = TestHome::new();
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let out = run(&offline, &dead);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("stays queued"), "{stderr}");
    let items = status_json(&offline)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "{items:#?}");
}

/// `aida review --source mlflow`'s source: the queue and reports come from MLflow (written by
/// another host), a verdict goes straight to MLflow, and undo takes it back there.
#[test]
fn reviews_from_mlflow_are_written_back_and_undone_there() {
    use aida::review::{MlflowSource, ReviewSource};
    let uri = mlflow_uri();
    let exp = experiment("review-source");
    // "Another host": investigates and syncs.
    let host = TestHome::new();
    let incident_id = investigate(&host, "oom_image_resizer");
    let out = sync(&host, &uri, &exp, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let local = {
        let st = store(&host);
        let inv = st.latest_report(&incident_id).unwrap().unwrap();
        st.report(&inv).unwrap().unwrap()
    };

    let mut source = MlflowSource::new(client(&uri), &exp).unwrap();
    let queue = source.queue().unwrap();
    assert_eq!(queue.len(), 1, "{queue:#?}");
    let item = &queue[0];
    assert_eq!(item.incident_id, incident_id);
    assert_eq!(item.verdict, None);
    assert_eq!(item.category, Some(local.category));
    assert_eq!(
        item.alert["labels"]["namespace"],
        local.alert["labels"]["namespace"]
    );
    let report = source.load(&item.investigation_id).unwrap();
    assert_eq!(report.root_cause, local.root_cause);
    assert_eq!(report.trajectory.len(), local.trajectory.len());
    assert_eq!(report.alert, local.alert);

    let id = source
        .record(&NewFeedback {
            investigation_id: item.investigation_id.clone(),
            reviewer: "bob".into(),
            verdict: Verdict::Corrected,
            corrected_text: Some("ROOT CAUSE: the image resizer leaks memory".into()),
            comment: Some("leak, not load".into()),
        })
        .unwrap();
    let c = client(&uri);
    let review = |c: &Client| {
        rt().block_on(mlflow::fetch_review_by_incident(c, &exp, &incident_id))
            .unwrap()
            .unwrap()
    };
    let after = review(&c);
    assert_eq!(after.feedback_status, "Corrected");
    assert_eq!(after.assessments.len(), 1);
    assert_eq!(
        after.assessments[0]
            .source
            .as_ref()
            .unwrap()
            .source_id
            .as_deref(),
        Some("bob")
    );
    assert_eq!(after.assessments[0].comment(), Some("leak, not load"));
    assert_eq!(
        after.corrected_text.as_deref(),
        Some("ROOT CAUSE: the image resizer leaks memory")
    );
    assert_eq!(source.queue().unwrap()[0].verdict, Some(Verdict::Corrected));

    source.undo(id).unwrap();
    let undone = review(&c);
    assert_eq!(undone.feedback_status, "Pending");
    assert!(undone.assessments.is_empty(), "{:?}", undone.assessments);
    assert!(source.undo(id).is_err(), "a verdict is undone once");
}

/// A review undone in the local console reaches MLflow as such: `feedback_status` back to the
/// standing review (none: Pending) and the undone review's assessment gone.
#[test]
fn an_undone_review_is_taken_back_in_mlflow() {
    let uri = mlflow_uri();
    let exp = experiment("undo");
    let home = TestHome::new();
    let mut st = store(&home);
    let (incident, inv) = store_investigation(&mut st, 0);
    let approved = st
        .add_feedback(&NewFeedback {
            investigation_id: inv.clone(),
            reviewer: "alice".into(),
            verdict: Verdict::Approved,
            corrected_text: None,
            comment: None,
        })
        .unwrap();
    drop(st);
    let out = sync(&home, &uri, &exp, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = client(&uri);
    let review = |c: &Client| {
        rt().block_on(mlflow::fetch_review_by_incident(c, &exp, &incident))
            .unwrap()
            .unwrap()
    };
    assert_eq!(review(&c).feedback_status, "Approved");
    assert_eq!(review(&c).assessments.len(), 1);

    assert!(store(&home).retract_feedback(approved).unwrap());
    let out = sync(&home, &uri, &exp, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = review(&c);
    assert_eq!(after.feedback_status, "Pending");
    assert!(after.assessments.is_empty(), "{:?}", after.assessments);
}
