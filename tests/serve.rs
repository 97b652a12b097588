//! `aida serve-webhook` end to end: the real binary on a loopback port, a temporary `AIDA_HOME`
//! per test, `--llm none --bundle <fixture>` (no model), HTTP through reqwest. Every wait is
//! bounded in time; every loop in count.
mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use common::TestHome;
use serde_json::{Value, json};

const BUNDLE: &str = "oom_java_heap_over_limit";

fn bundle(name: &str) -> PathBuf {
    common::repo_root()
        .join("tests/fixtures/bundles")
        .join(name)
}

/// A running `aida serve` and the log lines it wrote so far.
struct Server {
    child: Child,
    url: String,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `aida serve --listen 127.0.0.1:0 ARGS` and waits (at most 60 s) for its
    /// `listening` log line, which names the port.
    fn start(home: &TestHome, args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::start_on(home, "127.0.0.1:0", args, env)
    }

    /// Like `start`, on the address `listen`.
    fn start_on(home: &TestHome, listen: &str, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut cmd = home.aida_process();
        cmd.args(["serve", "--listen", listen])
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn aida serve");
        let stderr = child.stderr.take().unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        {
            let logs = logs.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if let Ok(v) = serde_json::from_str::<Value>(&line)
                        && v["message"] == "listening"
                    {
                        let _ = tx.send(v["addr"].as_str().unwrap_or_default().to_string());
                    }
                    logs.lock().unwrap().push(line);
                }
            });
        }
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "aida serve did not start listening:\n{}",
                    logs.lock().unwrap().join("\n")
                );
            }
        };
        assert!(addr.starts_with("127.0.0.1:"), "{addr}");
        if !listen.ends_with(":0") {
            assert_eq!(addr, listen);
        }
        Self {
            child,
            url: format!("http://{addr}"),
            logs,
        }
    }

    fn logs(&self) -> String {
        self.logs.lock().unwrap().join("\n")
    }

    /// SIGTERM, then waits (at most 30 s) for a clean exit.
    fn stop(mut self) {
        // SAFETY: signalling our own child process.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exit {status}:\n{}", self.logs());
                return;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("aida serve did not stop on SIGTERM:\n{}", self.logs());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    // reqwest is built without a default TLS provider (AIDA installs ring); plain HTTP here.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn post(
    client: &reqwest::Client,
    server: &Server,
    body: impl Into<reqwest::Body>,
    token: Option<&str>,
) -> Answer {
    let mut request = client
        .post(format!("{}/webhook", server.url))
        .header("content-type", "application/json")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("webhook request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{status}: body is not JSON ({e}): {text}"));
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(client: &reqwest::Client, server: &Server, path: &str) -> (u16, String) {
    let response = client
        .get(format!("{}{path}", server.url))
        .send()
        .await
        .expect("GET");
    (response.status().as_u16(), response.text().await.unwrap())
}

/// An Alertmanager payload (version 4) of firing alerts with these fingerprints.
fn payload(fingerprints: &[String], status: &str) -> Value {
    let alerts: Vec<Value> = fingerprints
        .iter()
        .map(|fp| {
            json!({
                "status": status,
                "labels": {"alertname": "KubePodCrashLooping", "namespace": "shop",
                           "pod": format!("api-{fp}"), "severity": "warning"},
                "annotations": {"summary": "Pod is crash looping."},
                "startsAt": "2026-11-24T00:00:00.000Z",
                "endsAt": if status == "resolved" { "2026-11-24T00:30:00.000Z" } else { "0001-01-01T00:00:00Z" },
                "generatorURL": "http://prometheus:9090/graph",
                "fingerprint": fp,
            })
        })
        .collect();
    json!({
        "receiver": "aida", "status": status, "alerts": alerts,
        "groupLabels": {"alertname": "KubePodCrashLooping"}, "commonLabels": {},
        "commonAnnotations": {}, "externalURL": "http://alertmanager:9093", "version": "4",
        "groupKey": "{}:{alertname=\"KubePodCrashLooping\"}", "truncatedAlerts": 0
    })
}

fn fps(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn db(home: &TestHome) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(home.path().join("aida.db")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}

fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Waits (at most `limit`) until no job is queued or running.
fn wait_drained(home: &TestHome, limit: Duration) {
    let conn = db(home);
    let deadline = Instant::now() + limit;
    loop {
        let waiting = count(
            &conn,
            "SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'leased')",
        );
        if waiting == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{waiting} jobs still waiting after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn metric(text: &str, line_start: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(line_start)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {line_start} in\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_status_code_and_field_error() {
    let home = TestHome::new();
    let dir = bundle(BUNDLE);
    let server = Server::start(
        &home,
        &["--llm", "none", "--bundle", dir.to_str().unwrap()],
        &[
            ("AIDA_SERVER_TOKEN", "s3cret-token"),
            ("AIDA_SERVER_MAX_BODY_BYTES", "4096"),
        ],
    );
    let http = client();
    let token = Some("s3cret-token");

    let (status, body) = get(&http, &server, "/").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("POST Alertmanager webhooks to /webhook"),
        "{body}"
    );
    assert_eq!(get(&http, &server, "/healthz").await.0, 200);
    let (status, body) = get(&http, &server, "/readyz").await;
    assert_eq!(status, 200, "{body}");
    let ready: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["ready"], true);
    assert_eq!(ready["model"]["backend"], "none");
    let wrong_method = http
        .get(format!("{}/webhook", server.url))
        .bearer_auth("s3cret-token")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status().as_u16(), 405);
    assert_eq!(get(&http, &server, "/nothing").await.0, 404);

    let good = payload(&fps(&["fp-good"]), "firing").to_string();
    // 401: no token, a wrong one, another scheme.
    for auth in [None, Some("wrong"), Some("s3cret-token2")] {
        let answer = post(&http, &server, good.clone(), auth).await;
        assert_eq!(answer.status, 401, "{auth:?}: {}", answer.body);
        assert!(
            answer.body["error"]
                .as_str()
                .unwrap()
                .contains("bearer token")
        );
        assert!(answer.headers.contains_key("www-authenticate"));
    }
    let basic = http
        .post(format!("{}/webhook", server.url))
        .header("authorization", "Basic s3cret-token")
        .body(good.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status().as_u16(), 401);

    // 400, each naming the JSON path at fault.
    let long_label = "x".repeat(1025);
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (b"{\"alerts\": [".to_vec(), "$", "invalid JSON at line 1"),
        (b"".to_vec(), "$", "empty"),
        (vec![0xff, 0xfe, b'{', b'}'], "$", "UTF-8"),
        (b"[1, 2]".to_vec(), "$", "expected a JSON object"),
        (b"{\"receiver\": \"x\"}".to_vec(), "$", "neither an Alertmanager payload"),
        (b"{\"alerts\": \"nope\"}".to_vec(), "alerts", "expected an array"),
        (b"{\"alerts\": []}".to_vec(), "alerts", "no alerts"),
        (b"{\"alerts\": [7]}".to_vec(), "alerts[0]", "expected an alert object"),
        (
            b"{\"alerts\": [{\"labels\": {}}]}".to_vec(),
            "alerts[0].labels",
            "at least one label",
        ),
        (
            b"{\"alerts\": [{\"labels\": {\"alertname\": \"A\", \"pod\": {\"x\": 1}}}]}".to_vec(),
            "alerts[0].labels.pod",
            "expected a string",
        ),
        (
            b"{\"alerts\": [{\"labels\": {\"alertname\": \"A\"}}, {\"status\": \"burning\", \"labels\": {\"alertname\": \"B\"}}]}".to_vec(),
            "alerts[1].status",
            "\"firing\" or \"resolved\"",
        ),
        (
            format!("{{\"alerts\": [{{\"labels\": {{\"alertname\": \"A\", \"pod\": \"{long_label}\"}}}}]}}")
                .into_bytes(),
            "alerts[0].labels.pod",
            "the limit is 1024",
        ),
        (
            b"{\"alerts\": [{\"labels\": {\"alertname\": \"A\"}, \"startsAt\": 5}]}".to_vec(),
            "alerts[0].startsAt",
            "expected a string",
        ),
    ];
    for (body, field, words) in cases {
        let shown = String::from_utf8_lossy(&body)
            .chars()
            .take(80)
            .collect::<String>();
        let answer = post(&http, &server, body, token).await;
        assert_eq!(answer.status, 400, "{shown}: {}", answer.body);
        assert_eq!(answer.body["field"], field, "{shown}: {}", answer.body);
        let error = answer.body["error"].as_str().unwrap();
        assert!(error.contains(words), "{shown}: {error}");
    }

    // 413 over server.max_body_bytes, before anything is parsed.
    let big = payload(&fps(&["fp-big"]), "firing");
    let mut big_text = big.to_string();
    big_text.insert_str(1, &format!("\"padding\": \"{}\", ", "p".repeat(5000)));
    let answer = post(&http, &server, big_text, token).await;
    assert_eq!(answer.status, 413, "{}", answer.body);
    assert!(answer.body["error"].as_str().unwrap().contains("limit"));

    // 202 with the token; the alert is stored (redacted) and queued before the answer.
    let answer = post(&http, &server, good.clone(), token).await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    assert_eq!(answer.body["status"], "accepted");
    let id = answer.body["incident_id"].as_str().unwrap().to_string();
    assert_eq!(answer.body["incident_ids"], json!([id]));
    assert_eq!(answer.body["message"], "1 alert queued for investigation");

    wait_drained(&home, Duration::from_secs(20));
    let (_, metrics) = get(&http, &server, "/metrics").await;
    for (line, value) in [
        ("aida_webhook_rejected_total{reason=\"unauthorized\"}", 4.0),
        ("aida_webhook_rejected_total{reason=\"bad_request\"}", 13.0),
        ("aida_webhook_rejected_total{reason=\"too_large\"}", 1.0),
        ("aida_webhook_alerts_accepted_total", 1.0),
        (
            "aida_investigations_finished_total{status=\"complete_success\"}",
            1.0,
        ),
        ("aida_queue_depth", 0.0),
    ] {
        assert_eq!(metric(&metrics, line), value, "{line}\n{metrics}");
    }
    // JSON lines on stderr, one per request.
    let logs = server.logs();
    for line in logs.lines() {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    assert!(logs.contains("\"webhook refused\""), "{logs}");
    // The secret never reaches the logs.
    assert!(!logs.contains("s3cret-token"), "{logs}");
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_503_but_still_folds_renotifications() {
    let home = TestHome::new();
    // No bundle and no cluster: every attempt fails at the evidence, and waits an hour before
    // the next, so the jobs stay queued.
    let server = Server::start(
        &home,
        &["--llm", "none", "--retry-backoff-ms", "3600000"],
        &[
            ("AIDA_SERVER_QUEUE_CAPACITY", "2"),
            ("AIDA_KUBERNETES_KUBECONFIG", "/nonexistent/kubeconfig"),
        ],
    );
    let http = client();
    for fp in ["fp-1", "fp-2"] {
        let answer = post(
            &http,
            &server,
            payload(&fps(&[fp]), "firing").to_string(),
            None,
        )
        .await;
        assert_eq!(answer.status, 202, "{}", answer.body);
    }
    let answer = post(
        &http,
        &server,
        payload(&fps(&["fp-3"]), "firing").to_string(),
        None,
    )
    .await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert!(
        answer.body["error"]
            .as_str()
            .unwrap()
            .contains("queue is full")
    );
    assert!(answer.headers.contains_key("retry-after"));
    // A payload with one new alert and one known: all or nothing, so refused too.
    let answer = post(
        &http,
        &server,
        payload(&fps(&["fp-1", "fp-4"]), "firing").to_string(),
        None,
    )
    .await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    // A re-notification adds no job: accepted even now.
    let answer = post(
        &http,
        &server,
        payload(&fps(&["fp-1"]), "firing").to_string(),
        None,
    )
    .await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    let conn = db(&home);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM incidents"), 2);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM jobs"), 2);
    let (_, metrics) = get(&http, &server, "/metrics").await;
    assert_eq!(
        metric(
            &metrics,
            "aida_webhook_rejected_total{reason=\"queue_full\"}"
        ),
        2.0
    );
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_attempts_back_off_then_fail_with_their_error_and_retry_requeues() {
    let home = TestHome::new();
    let server = Server::start(
        &home,
        &["--llm", "none", "--retry-backoff-ms", "50"],
        &[("AIDA_KUBERNETES_KUBECONFIG", "/nonexistent/kubeconfig")],
    );
    let http = client();
    let answer = post(
        &http,
        &server,
        payload(&fps(&["fp-x"]), "firing").to_string(),
        None,
    )
    .await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    let id = answer.body["incident_id"].as_str().unwrap().to_string();
    let wait_failed = |expect_attempts: i64| {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = home
                .aida()
                .args(["list", "--status", "failed", "--format", "json"])
                .assert()
                .success()
                .get_output()
                .stdout
                .clone();
            let list: Value = serde_json::from_slice(&out).unwrap();
            if let Some(item) = list.as_array().unwrap().first() {
                assert_eq!(item["incident_id"], id.as_str());
                assert_eq!(item["attempts"], expect_attempts);
                return;
            }
            assert!(
                Instant::now() < deadline,
                "never failed:\n{}",
                server.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait_failed(3);
    let error: String = db(&home)
        .query_row("SELECT last_error FROM jobs", [], |r| r.get(0))
        .unwrap();
    assert!(error.contains("/nonexistent/kubeconfig"), "{error}");
    assert!(server.logs().contains("attempt failed; retrying later"));

    // `aida retry` queues it again with all its attempts; the running server takes it.
    home.aida().args(["retry", &id]).assert().success();
    wait_failed(3);
    let (_, metrics) = get(&http, &server, "/metrics").await;
    assert_eq!(
        metric(
            &metrics,
            "aida_investigation_failures_total{kind=\"job_failed\"}"
        ),
        2.0
    );
    assert_eq!(
        metric(
            &metrics,
            "aida_investigation_failures_total{kind=\"evidence\"}"
        ),
        6.0
    );
    server.stop();

    // Only failed ones, and only known ones.
    home.aida()
        .args(["retry", "no-such-incident"])
        .assert()
        .code(2);
    let conn = db(&home);
    conn.execute("UPDATE jobs SET state = 'done'", []).unwrap();
    home.aida()
        .args(["retry", &id])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("only failed ones are retried"));
}

/// The webhooks a real Alertmanager 0.25 sent (tests/data/alertmanager/): the same notification
/// three times (it retried after two 500s). One incident, investigated once, three deliveries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captured_alertmanager_webhooks_are_stored_and_investigated_once() {
    let home = TestHome::new();
    let dir = bundle("crash_config_parse_error");
    let server = Server::start(
        &home,
        &[
            "--llm",
            "none",
            "--bundle",
            dir.to_str().unwrap(),
            "--workers",
            "2",
        ],
        &[],
    );
    let http = client();
    let captured = std::fs::read_to_string(
        common::repo_root().join("tests/data/alertmanager/captured-webhooks.jsonl"),
    )
    .unwrap();
    let mut ids = Vec::new();
    for line in captured.lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        let answer = post(&http, &server, record["body"].to_string(), None).await;
        assert_eq!(answer.status, 202, "{}", answer.body);
        ids.push(answer.body["incident_id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|id| id == &ids[0]), "{ids:?}");
    wait_drained(&home, Duration::from_secs(20));

    let conn = db(&home);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM incidents"), 1);
    assert_eq!(
        count(&conn, "SELECT COUNT(*) FROM jobs WHERE state = 'done'"),
        1
    );
    let (notifications, source, fingerprint): (i64, String, String) = conn
        .query_row(
            "SELECT notifications, source, fingerprint FROM incidents",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((notifications, source.as_str()), (3, "webhook"));
    assert_eq!(fingerprint, "d42159536cdd2b59");
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM investigations WHERE status = 'complete_success'"
        ),
        1
    );

    // `aida show` prints the stored report; its alert is the captured one.
    let out = home
        .aida()
        .args(["show", &ids[0], "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: aida::report::Report = serde_json::from_slice(&out).unwrap();
    assert_eq!(report.incident_id, ids[0]);
    report.check_integrity().unwrap();
    let report_json: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        report_json["alert"]["labels"]["pod"], "payment-7c9d-abcde",
        "{report_json}"
    );
    let (_, metrics) = get(&http, &server, "/metrics").await;
    assert_eq!(
        metric(&metrics, "aida_webhook_alerts_deduplicated_total"),
        2.0
    );
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renotifications_fold_and_resolved_alerts_close_their_incident() {
    let home = TestHome::new();
    let dir = bundle(BUNDLE);
    let server = Server::start(
        &home,
        &["--llm", "none", "--bundle", dir.to_str().unwrap()],
        &[],
    );
    let http = client();
    // A group of two, one of them twice in the payload.
    let mut body = payload(&fps(&["fp-a", "fp-b"]), "firing");
    let repeat = body["alerts"][0].clone();
    body["alerts"].as_array_mut().unwrap().push(repeat);
    let first = post(&http, &server, body.to_string(), None).await;
    assert_eq!(first.status, 202, "{}", first.body);
    let ids: Vec<String> = serde_json::from_value(first.body["incident_ids"].clone()).unwrap();
    assert_eq!(ids.len(), 2);
    assert_eq!(first.body["incident_id"], ids[0].as_str());
    wait_drained(&home, Duration::from_secs(20));

    // Alertmanager's group_interval re-notification of an investigated alert: folded.
    let again = post(
        &http,
        &server,
        payload(&fps(&["fp-a"]), "firing").to_string(),
        None,
    )
    .await;
    assert_eq!(again.status, 202);
    assert_eq!(again.body["incident_ids"], json!([ids[0]]));
    assert!(again.body["message"].as_str().unwrap().contains("folded"));

    // Resolved: closes fp-a's incident; an unknown one closes nothing and starts nothing.
    let resolved = post(
        &http,
        &server,
        payload(&fps(&["fp-a", "fp-unknown"]), "resolved").to_string(),
        None,
    )
    .await;
    assert_eq!(resolved.status, 202, "{}", resolved.body);
    assert_eq!(resolved.body["closed_incident_ids"], json!([ids[0]]));
    assert_eq!(resolved.body["incident_ids"], json!([]));
    assert_eq!(resolved.body["incident_id"], Value::Null);
    assert!(
        resolved.body["message"]
            .as_str()
            .unwrap()
            .contains("1 resolved alert with no open incident")
    );
    wait_drained(&home, Duration::from_secs(20));

    let conn = db(&home);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM incidents"), 2);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM jobs"), 2);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM investigations"), 2);
    let (notifications, resolved_at): (i64, Option<String>) = conn
        .query_row(
            "SELECT notifications, resolved_at FROM incidents WHERE fingerprint = 'fp-a'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(notifications, 2);
    assert_eq!(resolved_at.as_deref(), Some("2026-11-24T00:30:00.000Z"));
    let open: Option<String> = conn
        .query_row(
            "SELECT resolved_at FROM incidents WHERE fingerprint = 'fp-b'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(open, None);
    server.stop();
}

#[test]
fn list_and_show_print_stored_investigations() {
    let home = TestHome::new();
    let dir = bundle(BUNDLE);
    let investigated = home
        .aida()
        .args([
            "investigate",
            "--llm",
            "none",
            "--format",
            "json",
            "--bundle",
        ])
        .arg(&dir)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let envelope: Value = serde_json::from_slice(&investigated).unwrap();
    let report = envelope["reports"][0].clone();
    let id = report["incident_id"].as_str().unwrap().to_string();

    // show --format json: the stored report, exactly the one investigate printed.
    let shown = home
        .aida()
        .args(["show", &id, "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(serde_json::from_slice::<Value>(&shown).unwrap(), report);
    // show (markdown): byte for byte what investigate printed.
    let markdown = home
        .aida()
        .args(["investigate", "--llm", "none", "--bundle"])
        .arg(&dir)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let second_id = {
        let list = home
            .aida()
            .args(["list", "--format", "json"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let list: Value = serde_json::from_slice(&list).unwrap();
        let items = list.as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1]["incident_id"], id.as_str(), "newest first");
        for key in [
            "incident_id",
            "fingerprint",
            "alert_name",
            "status",
            "category",
            "feedback_status",
            "attempts",
            "created_at",
        ] {
            assert!(items[0].get(key).is_some(), "{key} missing: {}", items[0]);
        }
        assert_eq!(items[0]["status"], "done");
        assert_eq!(items[0]["category"], "oom_killed");
        assert_eq!(items[0]["feedback_status"], "Pending");
        assert_eq!(items[0]["attempts"], 1);
        items[0]["incident_id"].as_str().unwrap().to_string()
    };
    home.aida()
        .args(["show", &second_id])
        .assert()
        .success()
        .stdout(String::from_utf8(markdown).unwrap());

    // Filters.
    let list = |args: &[&str]| -> Vec<Value> {
        let out = home
            .aida()
            .arg("list")
            .args(args)
            .args(["--format", "json"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice::<Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    assert_eq!(list(&["--limit", "1"]).len(), 1);
    assert_eq!(list(&["--status", "done"]).len(), 2);
    assert_eq!(list(&["--status", "failed"]).len(), 0);
    assert_eq!(list(&["--alertname", "NoSuchAlert"]).len(), 0);
    assert_eq!(list(&["--since", "1h"]).len(), 2);
    assert_eq!(list(&["--since", "2999-01-01"]).len(), 0);
    let table = home
        .aida()
        .arg("list")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(table).unwrap();
    assert!(table.starts_with("INCIDENT"), "{table}");
    assert_eq!(table.lines().count(), 3, "{table}");

    // Input errors exit 2 and say what is wrong.
    home.aida()
        .args(["list", "--since", "yesterday"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--since"));
    home.aida()
        .args(["show", "no-such-id"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no incident or investigation"));
    home.aida()
        .args(["retry", &id])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("aida investigate"));
}

/// Durability under load: a bounded load generator posts 2,000 distinct alerts (groups of 4,
/// four concurrent clients), the server is killed with SIGKILL half-way, restarted, and the
/// clients re-post what failed (as Alertmanager retries). Every alert that got a 202 ends with
/// exactly one incident, one job and one finished investigation: 0 lost, 0 duplicated.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crash_under_load_loses_and_duplicates_nothing() {
    const ALERTS: usize = 2000;
    const GROUP: usize = 4;
    const CLIENTS: usize = 4;
    let t0 = Instant::now();
    let home = TestHome::new();
    let dir = bundle(BUNDLE);
    let args = [
        "--llm",
        "none",
        "--bundle",
        dir.to_str().unwrap(),
        "--workers",
        "4",
    ];
    let env = [("AIDA_SERVER_QUEUE_CAPACITY", "100000")];
    let mut server = Server::start(&home, &args, &env);
    let url = Arc::new(Mutex::new(server.url.clone()));
    let accepted = Arc::new(AtomicUsize::new(0));
    let http = client();
    let deadline = Instant::now() + Duration::from_secs(90);

    // fingerprint → the incident ids its 202s named (more than one 202 only when a retried
    // request had been committed before the kill cut its answer).
    let groups: Vec<Vec<String>> = (0..ALERTS / GROUP)
        .map(|g| {
            (0..GROUP)
                .map(|i| format!("crash-{:05}", g * GROUP + i))
                .collect()
        })
        .collect();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let mine: Vec<Vec<String>> = groups.iter().skip(c).step_by(CLIENTS).cloned().collect();
        let (http, url, accepted) = (http.clone(), url.clone(), accepted.clone());
        tasks.push(tokio::spawn(async move {
            let mut seen: Vec<(String, String)> = Vec::new();
            let mut retries = 0usize;
            for group in mine {
                let body = payload(&group, "firing").to_string();
                loop {
                    assert!(Instant::now() < deadline, "load generator ran out of time");
                    let base = url.lock().unwrap().clone();
                    let sent = http
                        .post(format!("{base}/webhook"))
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status().as_u16() == 202 => {
                            let v: Value = r.json().await.unwrap();
                            let ids = v["incident_ids"].as_array().unwrap();
                            assert_eq!(ids.len(), GROUP, "{v}");
                            for (fp, id) in group.iter().zip(ids) {
                                seen.push((fp.clone(), id.as_str().unwrap().to_string()));
                            }
                            accepted.fetch_add(GROUP, Ordering::SeqCst);
                            break;
                        }
                        Ok(r) => {
                            let status = r.status();
                            assert!(status.is_server_error(), "{status}");
                        }
                        Err(_) => {}
                    }
                    // Refused, reset or 5xx: the server is down or restarting; retry.
                    retries += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            (seen, retries)
        }));
    }

    // Kill -9 half-way through, then restart on the same home.
    while accepted.load(Ordering::SeqCst) < ALERTS / 2 {
        assert!(Instant::now() < deadline, "load never reached half");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let at_kill = accepted.load(Ordering::SeqCst);
    drop(server);
    let server = Server::start(&home, &args, &env);
    *url.lock().unwrap() = server.url.clone();

    let mut seen = Vec::new();
    let mut retries = 0;
    for task in tasks {
        let (s, r) = task.await.unwrap();
        seen.extend(s);
        retries += r;
    }
    wait_drained(&home, deadline.saturating_duration_since(Instant::now()));

    let conn = db(&home);
    let mut acknowledged: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (fp, id) in &seen {
        acknowledged.entry(fp.clone()).or_default().push(id.clone());
    }
    assert_eq!(acknowledged.len(), ALERTS);
    let mut stored = 0;
    let mut interrupted = 0;
    {
        let mut stmt = conn
            .prepare(
                "SELECT i.fingerprint, i.id,
                    (SELECT COUNT(*) FROM jobs j WHERE j.incident_id = i.id),
                    (SELECT COUNT(*) FROM jobs j WHERE j.incident_id = i.id AND j.state = 'done'),
                    (SELECT COUNT(*) FROM investigations v WHERE v.incident_id = i.id
                        AND v.status LIKE 'complete_%'),
                    (SELECT COUNT(*) FROM investigations v WHERE v.incident_id = i.id
                        AND v.status = 'interrupted'),
                    (SELECT COUNT(*) FROM investigations v WHERE v.incident_id = i.id
                        AND v.status = 'running')
                 FROM incidents i",
            )
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    [
                        r.get::<_, i64>(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ],
                ))
            })
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let mut by_fp: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (fp, id, [jobs, done, complete, interrupted_runs, running]) in &rows {
            by_fp.entry(fp.clone()).or_default().push(id.clone());
            assert_eq!((*jobs, *done), (1, 1), "{fp}: jobs");
            assert_eq!(*complete, 1, "{fp}: finished investigations");
            assert_eq!(*running, 0, "{fp}: still running");
            interrupted += interrupted_runs;
        }
        // 0 duplicated: one incident per alert; 0 lost: every acknowledged alert is stored
        // under the incident its 202 named.
        assert_eq!(rows.len(), ALERTS, "incidents");
        for (fp, ids) in &acknowledged {
            let stored_ids = by_fp
                .get(fp)
                .unwrap_or_else(|| panic!("{fp} was acknowledged but is not stored"));
            assert_eq!(stored_ids.len(), 1, "{fp}: duplicated");
            assert!(
                ids.iter().all(|id| id == &stored_ids[0]),
                "{fp}: {ids:?} vs {stored_ids:?}"
            );
            stored += 1;
        }
    }
    let acknowledged_twice = acknowledged.values().filter(|ids| ids.len() > 1).count();
    eprintln!(
        "crash test: {ALERTS} alerts acknowledged ({at_kill} before the kill -9), {stored} stored with exactly one finished investigation, 0 lost, 0 duplicated; {retries} requests re-posted around the restart, {acknowledged_twice} alerts acknowledged twice (folded), {interrupted} runs interrupted by the kill and re-run; {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    server.stop();
}

/// A loopback "model server" that accepts connections and never answers: an investigation that
/// reaches its conclusion hangs there. Returns its URL and how many connections it accepted.
fn hung_model_server() -> (String, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let seen = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline && held.len() < 64 {
            match listener.accept() {
                Ok((stream, _)) => {
                    held.push(stream);
                    seen.fetch_add(1, Ordering::SeqCst);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    (url, accepted)
}

/// SIGTERM with an investigation that cannot finish: the server stops accepting, waits
/// `--shutdown-timeout`, gives the job back to the queue (the attempt not counted), marks the
/// run interrupted and exits 0; the next server investigates it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_returns_a_running_investigation_to_the_queue() {
    let home = TestHome::new();
    let dir = bundle(BUNDLE);
    let (model_url, connections) = hung_model_server();
    let server = Server::start(
        &home,
        &[
            "--llm",
            "openai",
            "--bundle",
            dir.to_str().unwrap(),
            "--shutdown-timeout",
            "1",
        ],
        &[
            ("AIDA_LLM_OPENAI_BASE_URL", model_url.as_str()),
            ("AIDA_LLM_OPENAI_MODEL", "hung"),
        ],
    );
    let http = client();
    let answer = post(
        &http,
        &server,
        payload(&fps(&["fp-hung"]), "firing").to_string(),
        None,
    )
    .await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    let deadline = Instant::now() + Duration::from_secs(30);
    while connections.load(Ordering::SeqCst) == 0 {
        assert!(
            Instant::now() < deadline,
            "the model was never asked:\n{}",
            server.logs()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let logs = server.logs.clone();
    let t0 = Instant::now();
    server.stop();
    let stopped_in = t0.elapsed();
    assert!(stopped_in < Duration::from_secs(15), "{stopped_in:?}");
    let logs = logs.lock().unwrap().join("\n");
    assert!(logs.contains("job returned to the queue"), "{logs}");

    let conn = db(&home);
    let (state, attempts): (String, i64) = conn
        .query_row("SELECT state, attempts FROM jobs", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((state.as_str(), attempts), ("queued", 0));
    let (status, error): (String, String) = conn
        .query_row("SELECT status, error FROM investigations", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(status, "interrupted");
    assert!(error.contains("shut down"), "{error}");

    // The next server (analyzers only this time) takes the job and finishes it.
    let server = Server::start(
        &home,
        &["--llm", "none", "--bundle", dir.to_str().unwrap()],
        &[],
    );
    wait_drained(&home, Duration::from_secs(20));
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM investigations WHERE status = 'complete_success'"
        ),
        1
    );
    assert_eq!(
        count(&conn, "SELECT attempts FROM jobs WHERE state = 'done'"),
        1
    );
    server.stop();
}

#[test]
fn a_bundle_that_is_not_one_is_an_input_error() {
    let home = TestHome::new();
    home.aida()
        .args([
            "serve",
            "--llm",
            "none",
            "--listen",
            "127.0.0.1:0",
            "--bundle",
        ])
        .arg(home.path().join("missing"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not an incident bundle"));
    home.aida()
        .args(["serve", "--llm", "none", "--listen", "not-an-address"])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot listen on not-an-address"));
}

/// Real Prometheus evaluates kube-prometheus' KubePodCrashLooping over a kube-state-metrics
/// series, real Alertmanager (0.25, Debian) posts it to `aida serve`: the fired rule becomes one
/// stored, finished investigation, and Alertmanager's repeat of it is folded into that one.
/// scripts/test.sh starts both (scripts/alertmanager-test.sh); Alertmanager sends to a fixed
/// address, so this is the only test that listens there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_alertmanager_delivers_a_fired_rule_as_one_stored_investigation() {
    let receiver = std::env::var("AIDA_TEST_ALERTMANAGER_RECEIVER").unwrap_or_else(|_| {
        panic!("AIDA_TEST_ALERTMANAGER_RECEIVER is not set: run scripts/test.sh, or `. scripts/lib.sh; . scripts/prometheus-test.sh; . scripts/alertmanager-test.sh; alertmanager_test_start; prometheus_test_start` and export what they print")
    });
    let home = TestHome::new();
    let dir = bundle("crash_config_parse_error");
    let server = Server::start_on(
        &home,
        &receiver,
        &["--llm", "none", "--bundle", dir.to_str().unwrap()],
        &[],
    );
    let conn = db(&home);
    let crash_loop = "SELECT COUNT(*) FROM incidents WHERE alert_name = 'KubePodCrashLooping'";
    // Alertmanager retries its failed deliveries with backoff and repeats every 10 s: the first
    // delivery and one repeat arrive well within the bound.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let repeated = count(
            &conn,
            "SELECT COUNT(*) FROM incidents WHERE alert_name = 'KubePodCrashLooping' AND notifications >= 2",
        );
        let done = count(
            &conn,
            "SELECT COUNT(*) FROM jobs j JOIN incidents i ON i.id = j.incident_id
             WHERE i.alert_name = 'KubePodCrashLooping' AND j.state = 'done'",
        );
        if repeated == 1 && done == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no repeated, investigated KubePodCrashLooping from Alertmanager within 90 s:\n{}",
            server.logs()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        count(&conn, crash_loop),
        1,
        "a repeat made a second incident"
    );
    let (id, source, pod): (String, String, String) = conn
        .query_row(
            "SELECT id, source, json_extract(alert_json, '$.labels.pod') FROM incidents
             WHERE alert_name = 'KubePodCrashLooping'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (source.as_str(), pod.as_str()),
        ("webhook", "ledger-7b8c9d6f5-m4n7p")
    );

    let out = home
        .aida()
        .args(["show", &id, "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: Value = serde_json::from_slice(&out).unwrap();
    let status: String = conn
        .query_row(
            "SELECT status FROM investigations WHERE incident_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, "complete_success");
    // The fixture's diagnosis, reached from what Alertmanager sent.
    assert_eq!(report["category"], "crash_app_error", "{report}");
    assert_eq!(report["alert"]["labels"]["job"], "aida-test", "{report}");
    assert!(
        report["alert"]["generatorURL"]
            .as_str()
            .is_some_and(|u| u.contains("kube_pod_container_status_waiting_reason")),
        "{report}"
    );
    server.stop();
}
