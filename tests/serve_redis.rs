//! `aida serve-webhook` on the Redis Streams queue, against a real `redis-server` (Debian's;
//! scripts/redis-test.sh starts it and exports `AIDA_TEST_REDIS_URL`). Several servers and
//! `--no-listen` workers, each with its own `AIDA_HOME` (a host's store), share one stream; every
//! test has its own stream, so tests run in parallel against one Redis. Outside scripts/test.sh
//! without Redis the Redis tests say so and skip; in CI (`AIDA_CI`, `CI`) they fail.
mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use common::TestHome;
use serde_json::{Value, json};

const BUNDLE: &str = "oom_java_heap_over_limit";

/// The test Redis, or None (after saying why) when this run has none and is not CI.
fn redis_url() -> Option<String> {
    match std::env::var("AIDA_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("AIDA_CI").is_some() || std::env::var_os("CI").is_some() => {
            panic!(
                "AIDA_TEST_REDIS_URL is not set in CI: scripts/test.sh starts Redis (scripts/redis-test.sh)"
            )
        }
        _ => {
            eprintln!(
                "SKIPPED: AIDA_TEST_REDIS_URL is not set; run scripts/test.sh, or `. scripts/lib.sh; . scripts/redis-test.sh; redis_test_start` and export the URL it prints"
            );
            None
        }
    }
}

/// A stream name no other test (or earlier run) uses.
fn stream(test: &str) -> String {
    format!("aida-test:{test}:{}", uuid::Uuid::now_v7())
}

fn bundle() -> PathBuf {
    common::repo_root()
        .join("tests/fixtures/bundles")
        .join(BUNDLE)
}

/// A running `aida serve` (listening or `--no-listen`) and the log lines it wrote so far.
struct Server {
    child: Child,
    url: Option<String>,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `aida serve ARGS` on the Redis queue `stream` and waits (at most 60 s) for its
    /// `listening` (or, with `--no-listen`, `working`) log line.
    fn start(
        home: &TestHome,
        redis: &str,
        stream: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Self {
        let listen = !args.contains(&"--no-listen");
        let mut cmd = home.aida_process();
        cmd.arg("serve");
        if listen {
            cmd.args(["--listen", "127.0.0.1:0"]);
        }
        cmd.args(args)
            .env("AIDA_QUEUE_BACKEND", "redis")
            .env("AIDA_QUEUE_REDIS_URL", redis)
            .env("AIDA_QUEUE_REDIS_STREAM", stream)
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
                        && (v["message"] == "listening" || v["message"] == "working (no listener)")
                    {
                        let _ = tx.send(v["addr"].as_str().map(str::to_string));
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
                    "aida serve did not start:\n{}",
                    logs.lock().unwrap().join("\n")
                );
            }
        };
        Self {
            child,
            url: addr.map(|a| format!("http://{a}")),
            logs,
        }
    }

    fn url(&self) -> &str {
        self.url.as_deref().expect("a listening server")
    }

    fn logs(&self) -> String {
        self.logs.lock().unwrap().join("\n")
    }

    fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
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
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn post(http: &reqwest::Client, server: &Server, body: &Value) -> (u16, Value) {
    let response = http
        .post(format!("{}/webhook", server.url()))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("webhook request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn get(http: &reqwest::Client, server: &Server, path: &str) -> (u16, String) {
    let response = http
        .get(format!("{}{path}", server.url()))
        .send()
        .await
        .expect("GET");
    (response.status().as_u16(), response.text().await.unwrap())
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
        .unwrap_or_else(|| panic!("{name} not in\n{text}"))
}

/// An Alertmanager payload (version 4) of alerts with these fingerprints.
fn payload(fingerprints: &[&str], status: &str) -> Value {
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

fn db(home: &TestHome) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(home.path().join("aida.db")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}

/// fingerprint → (incident id, finished investigations) of every incident in these stores that
/// has a finished investigation.
fn finished(homes: &[&TestHome]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for home in homes {
        if !home.path().join("aida.db").exists() {
            continue;
        }
        let conn = db(home);
        let mut stmt = conn
            .prepare(
                "SELECT i.fingerprint, i.id FROM investigations v JOIN incidents i
                 ON i.id = v.incident_id WHERE v.status LIKE 'complete_%'",
            )
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<Vec<(String, String)>, _>>()
            .unwrap();
        out.extend(rows);
    }
    out
}

/// Waits (at most `limit`) until `n` investigations are finished across the stores.
fn wait_finished(homes: &[&TestHome], n: usize, limit: Duration, logs: impl Fn() -> String) {
    let deadline = Instant::now() + limit;
    loop {
        let got = finished(homes).len();
        if got >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{got} of {n} investigations finished:\n{}",
            logs()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn redis_conn(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// The webhook contract on Redis, across two receivers (two hosts' stores): 202 once Redis holds
/// the alerts; a re-notification at the OTHER receiver folds into the same incident (counted);
/// each alert investigated exactly once across both; a resolved alert closes its incident in the
/// store that holds it; readiness and metrics speak for Redis; bad requests still 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_receivers_share_dedup_and_resolution_through_redis() {
    let Some(redis) = redis_url() else { return };
    let stream = stream("contract");
    let (home_a, home_b) = (TestHome::new(), TestHome::new());
    let dir = bundle();
    let args = [
        "--llm",
        "none",
        "--bundle",
        dir.to_str().unwrap(),
        "--workers",
        "2",
    ];
    let a = Server::start(&home_a, &redis, &stream, &args, &[]);
    let b = Server::start(&home_b, &redis, &stream, &args, &[]);
    let http = client();
    let logs = || format!("A:\n{}\nB:\n{}", a.logs(), b.logs());

    let (status, first) = post(&http, &a, &payload(&["r-1", "r-2"], "firing")).await;
    assert_eq!(status, 202, "{first}");
    assert_eq!(first["status"], "accepted");
    let ids: Vec<String> = first["incident_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .contains("2 alerts queued"),
        "{first}"
    );

    // The same firing at the other receiver: folded into the same incidents, not queued again.
    let (status, again) = post(&http, &b, &payload(&["r-1", "r-2"], "firing")).await;
    assert_eq!(status, 202, "{again}");
    assert_eq!(again["incident_ids"], json!(ids), "{again}");
    assert!(
        again["message"]
            .as_str()
            .unwrap()
            .contains("2 re-notifications"),
        "{again}"
    );

    wait_finished(&[&home_a, &home_b], 2, Duration::from_secs(30), logs);
    let done = finished(&[&home_a, &home_b]);
    let mut fps: Vec<&str> = done.iter().map(|(fp, _)| fp.as_str()).collect();
    fps.sort();
    assert_eq!(fps, ["r-1", "r-2"], "one investigation each: {done:?}");
    for (_, id) in &done {
        assert!(ids.contains(id), "{id} not among {ids:?}");
    }

    // Resolved at B: closes the incident wherever it is stored.
    let (status, resolved) = post(&http, &b, &payload(&["r-1", "r-never-fired"], "resolved")).await;
    assert_eq!(status, 202, "{resolved}");
    assert_eq!(
        resolved["closed_incident_ids"],
        json!([ids[0]]),
        "{resolved}"
    );
    assert!(
        resolved["message"]
            .as_str()
            .unwrap()
            .contains("1 resolved alert with no open incident"),
        "{resolved}"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let closed: i64 = [&home_a, &home_b]
            .iter()
            .map(|h| {
                db(h)
                    .query_row(
                        "SELECT COUNT(*) FROM incidents WHERE id = ?1 AND resolved_at IS NOT NULL",
                        [&ids[0]],
                        |r| r.get::<_, i64>(0),
                    )
                    .unwrap()
            })
            .sum();
        if closed == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the resolution never reached the store:\n{}",
            logs()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // A second resolution has nothing open to close.
    let (_, twice) = post(&http, &a, &payload(&["r-1"], "resolved")).await;
    assert_eq!(twice["closed_incident_ids"], json!([]), "{twice}");

    let (status, ready) = get(&http, &a, "/readyz").await;
    assert_eq!(status, 200, "{ready}");
    let ready: Value = serde_json::from_str(&ready).unwrap();
    assert_eq!(ready["redis"], "writable", "{ready}");
    let (_, text) = get(&http, &b, "/metrics").await;
    assert_eq!(metric(&text, "aida_webhook_alerts_deduplicated_total"), 2.0);
    assert_eq!(metric(&text, "aida_queue_depth"), 0.0);
    let (status, bad) = post(&http, &a, &json!({"alerts": "no"})).await;
    assert_eq!(status, 400, "{bad}");

    // Redis kept what the contract needs: the stream is empty (acknowledged entries deleted),
    // the firing is done, resolved and counted twice.
    let mut conn = redis_conn(&redis).await;
    let len: usize = redis::cmd("XLEN")
        .arg(&stream)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(len, 0);
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{stream}:firing:r-1|*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let firing: BTreeMap<String, String> = redis::cmd("HGETALL")
        .arg(&keys[0])
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(firing["state"], "done", "{firing:?}");
    assert_eq!(firing["notifications"], "2", "{firing:?}");
    assert_eq!(firing["incident_id"], ids[0]);
    a.stop();
    b.stop();
}

/// A loopback "model server" that accepts connections and never answers. Returns its URL and
/// how many connections it accepted.
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

/// Two consumers: B takes the job and is killed (SIGKILL) while it investigates; A, a
/// `--no-listen` worker on another store, claims it after the lease and finishes it. Exactly one
/// finished investigation, in A's store; B's store has only the run the kill cut.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_killed_mid_job_is_finished_by_another() {
    let Some(redis) = redis_url() else { return };
    let stream = stream("killed");
    let (home_a, home_b) = (TestHome::new(), TestHome::new());
    let dir = bundle();
    let (model_url, connections) = hung_model_server();
    let mut b = Server::start(
        &home_b,
        &redis,
        &stream,
        &[
            "--llm",
            "openai",
            "--bundle",
            dir.to_str().unwrap(),
            "--lease-ms",
            "1500",
        ],
        &[
            ("AIDA_LLM_OPENAI_BASE_URL", model_url.as_str()),
            ("AIDA_LLM_OPENAI_MODEL", "hung"),
        ],
    );
    let http = client();
    let (status, answer) = post(&http, &b, &payload(&["k-1"], "firing")).await;
    assert_eq!(status, 202, "{answer}");
    let id = answer["incident_id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    while connections.load(Ordering::SeqCst) == 0 {
        assert!(
            Instant::now() < deadline,
            "B never asked the model:\n{}",
            b.logs()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    b.kill9();

    let t0 = Instant::now();
    let a = Server::start(
        &home_a,
        &redis,
        &stream,
        &[
            "--no-listen",
            "--llm",
            "none",
            "--bundle",
            dir.to_str().unwrap(),
            "--lease-ms",
            "1500",
        ],
        &[],
    );
    wait_finished(&[&home_a, &home_b], 1, Duration::from_secs(30), || a.logs());
    let took = t0.elapsed();
    let done = finished(&[&home_a, &home_b]);
    assert_eq!(done, vec![("k-1".to_string(), id.clone())]);
    assert_eq!(finished(&[&home_a]).len(), 1, "A finished it");
    let running_in_b: i64 = db(&home_b)
        .query_row(
            "SELECT COUNT(*) FROM investigations WHERE incident_id = ?1 AND status NOT LIKE 'complete_%'",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(running_in_b, 1, "B's cut run");
    let logs = a.logs();
    let attempt = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["message"] == "investigating")
        .unwrap_or_else(|| panic!("A never investigated:\n{logs}"));
    assert_eq!(attempt["attempt"], 2, "{attempt}");
    eprintln!(
        "killed consumer's job finished by another after {:.1} s",
        took.as_secs_f64()
    );
    a.stop();
}

/// A job whose every attempt fails (no cluster to read) is retried after its backoff, then, at
/// `server.max_attempts` deliveries, moved to the dead-letter stream with its error, acknowledged,
/// and shown by `aida list --status failed`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_out_of_attempts_goes_to_the_dead_letter_stream() {
    let Some(redis) = redis_url() else { return };
    let stream = stream("dead");
    let home = TestHome::new();
    let server = Server::start(
        &home,
        &redis,
        &stream,
        &[
            "--llm",
            "none",
            "--retry-backoff-ms",
            "50",
            "--lease-ms",
            "1000",
        ],
        &[
            ("AIDA_KUBERNETES_KUBECONFIG", "/nonexistent/kubeconfig"),
            ("AIDA_SERVER_MAX_ATTEMPTS", "2"),
        ],
    );
    let http = client();
    let (status, answer) = post(&http, &server, &payload(&["d-1"], "firing")).await;
    assert_eq!(status, 202, "{answer}");
    let id = answer["incident_id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    let item = loop {
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
            break item.clone();
        }
        assert!(
            Instant::now() < deadline,
            "never failed:\n{}",
            server.logs()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(item["incident_id"], id.as_str());
    assert_eq!(item["attempts"], 2);
    assert!(server.logs().contains("attempt failed; retrying later"));

    let mut conn = redis_conn(&redis).await;
    let dead: Vec<(String, BTreeMap<String, String>)> = redis::cmd("XRANGE")
        .arg(format!("{stream}:dead"))
        .arg("-")
        .arg("+")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    let fields = &dead[0].1;
    assert_eq!(fields["incident_id"], id);
    assert_eq!(fields["deliveries"], "2");
    assert!(
        fields["error"].contains("/nonexistent/kubeconfig"),
        "{fields:?}"
    );
    let len: usize = redis::cmd("XLEN")
        .arg(&stream)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(len, 0, "acknowledged and deleted");
    let (_, text) = get(&http, &server, "/metrics").await;
    assert_eq!(
        metric(
            &text,
            "aida_investigation_failures_total{kind=\"job_failed\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            &text,
            "aida_investigation_failures_total{kind=\"evidence\"}"
        ),
        2.0
    );
    server.stop();
}

/// Durability under load on Redis: a bounded load generator posts 2,000 distinct alerts (groups
/// of 4, four concurrent clients) to a receiver R; R's workers and a `--no-listen` worker W (its
/// own store) consume them; W is killed with SIGKILL half-way and restarted. Every alert that got
/// a 202 ends with exactly one finished investigation across the two stores: 0 lost, 0 duplicated.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crash_of_a_redis_worker_under_load_loses_and_duplicates_nothing() {
    const ALERTS: usize = 2000;
    const GROUP: usize = 4;
    const CLIENTS: usize = 4;
    let Some(redis) = redis_url() else { return };
    let t0 = Instant::now();
    let stream = stream("crash");
    let (home_r, home_w) = (TestHome::new(), TestHome::new());
    let dir = bundle();
    let receiver_args = [
        "--llm",
        "none",
        "--bundle",
        dir.to_str().unwrap(),
        "--workers",
        "2",
    ];
    let worker_args = [
        "--no-listen",
        "--llm",
        "none",
        "--bundle",
        dir.to_str().unwrap(),
        "--workers",
        "2",
    ];
    let env = [("AIDA_SERVER_QUEUE_CAPACITY", "100000")];
    let r = Server::start(&home_r, &redis, &stream, &receiver_args, &env);
    let mut w = Server::start(&home_w, &redis, &stream, &worker_args, &env);
    let url = r.url().to_string();
    let accepted = Arc::new(AtomicUsize::new(0));
    let http = client();
    let deadline = Instant::now() + Duration::from_secs(90);
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
            let mut seen = Vec::new();
            for group in mine {
                let fps: Vec<&str> = group.iter().map(String::as_str).collect();
                let body = payload(&fps, "firing").to_string();
                let response = http
                    .post(format!("{url}/webhook"))
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status().as_u16(), 202);
                let v: Value = response.json().await.unwrap();
                for (fp, id) in group.iter().zip(v["incident_ids"].as_array().unwrap()) {
                    seen.push((fp.clone(), id.as_str().unwrap().to_string()));
                }
                accepted.fetch_add(GROUP, Ordering::SeqCst);
            }
            seen
        }));
    }
    // Kill -9 the worker half-way through, restart it on the same store.
    while accepted.load(Ordering::SeqCst) < ALERTS / 2 {
        assert!(Instant::now() < deadline, "load never reached half");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let in_w_at_kill = finished(&[&home_w]).len();
    w.kill9();
    let at_kill = accepted.load(Ordering::SeqCst);
    drop(w);
    let w = Server::start(&home_w, &redis, &stream, &worker_args, &env);

    let mut acknowledged: BTreeMap<String, String> = BTreeMap::new();
    for task in tasks {
        for (fp, id) in task.await.unwrap() {
            assert!(
                acknowledged.insert(fp.clone(), id).is_none(),
                "{fp} acknowledged twice"
            );
        }
    }
    assert_eq!(acknowledged.len(), ALERTS);
    let remaining = deadline.saturating_duration_since(Instant::now());
    wait_finished(&[&home_r, &home_w], ALERTS, remaining, || {
        format!("R:\n{}\nW:\n{}", r.logs(), w.logs())
    });
    // Let anything still running (a duplicate would be) finish before counting.
    std::thread::sleep(Duration::from_millis(500));
    let done = finished(&[&home_r, &home_w]);
    let mut by_fp: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (fp, id) in &done {
        by_fp.entry(fp).or_default().push(id);
    }
    for (fp, id) in &acknowledged {
        let stored = by_fp
            .get(fp.as_str())
            .unwrap_or_else(|| panic!("{fp} was acknowledged but never investigated"));
        assert_eq!(
            stored,
            &vec![id.as_str()],
            "{fp}: duplicated or under another id"
        );
    }
    assert_eq!(done.len(), ALERTS, "finished investigations");
    let in_r = finished(&[&home_r]).len();
    eprintln!(
        "redis crash test: {ALERTS} alerts acknowledged ({at_kill} before the kill -9 of W, which had finished {in_w_at_kill}); {} finished exactly once ({in_r} by R, {} by W), 0 lost, 0 duplicated; {:.1} s",
        done.len(),
        done.len() - in_r,
        t0.elapsed().as_secs_f64()
    );
    r.stop();
    w.stop();
}

/// `--no-listen` on the SQLite queue works this host's queue: a job a listening server gave back
/// at shutdown is investigated by a pure worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_listen_works_the_local_sqlite_queue() {
    let home = TestHome::new();
    let dir = bundle();
    let (model_url, connections) = hung_model_server();
    let mut cmd = home.aida_process();
    cmd.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--llm",
        "openai",
        "--bundle",
    ])
    .arg(&dir)
    .args(["--shutdown-timeout", "1"])
    .env("AIDA_LLM_OPENAI_BASE_URL", &model_url)
    .env("AIDA_LLM_OPENAI_MODEL", "hung");
    let server = spawn(cmd);
    let http = client();
    let (status, answer) = post(&http, &server, &payload(&["n-1"], "firing")).await;
    assert_eq!(status, 202, "{answer}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while connections.load(Ordering::SeqCst) == 0 {
        assert!(
            Instant::now() < deadline,
            "never asked the model:\n{}",
            server.logs()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop();

    let mut cmd = home.aida_process();
    cmd.args(["serve", "--no-listen", "--llm", "none", "--bundle"])
        .arg(&dir);
    let worker = spawn(cmd);
    assert!(worker.url.is_none());
    wait_finished(&[&home], 1, Duration::from_secs(30), || worker.logs());
    let state: String = db(&home)
        .query_row("SELECT state FROM jobs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(state, "done");
    worker.stop();
}

/// Spawns a prepared `aida serve` command and waits for it to start.
fn spawn(mut cmd: std::process::Command) -> Server {
    cmd.stdin(Stdio::null())
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
                    && (v["message"] == "listening" || v["message"] == "working (no listener)")
                {
                    let _ = tx.send(v["addr"].as_str().map(str::to_string));
                }
                logs.lock().unwrap().push(line);
            }
        });
    }
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| {
            let _ = child.kill();
            panic!(
                "aida serve did not start:\n{}",
                logs.lock().unwrap().join("\n")
            )
        });
    Server {
        child,
        url: addr.map(|a| format!("http://{a}")),
        logs,
    }
}

/// The Redis settings are checked before anything starts: no URL is a usage error (exit 2), an
/// unreachable Redis an error naming it (exit 1), `--listen` with `--no-listen` a usage error.
#[test]
fn redis_settings_are_checked_at_start() {
    let home = TestHome::new();
    home.aida()
        .args(["serve", "--no-listen", "--llm", "none"])
        .env("AIDA_QUEUE_BACKEND", "redis")
        .timeout(Duration::from_secs(30))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("queue.redis_url is not set"));
    // A loopback port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    home.aida()
        .args(["serve", "--no-listen", "--llm", "none"])
        .env("AIDA_QUEUE_BACKEND", "redis")
        .env("AIDA_QUEUE_REDIS_URL", format!("redis://127.0.0.1:{port}"))
        .timeout(Duration::from_secs(30))
        .assert()
        .code(1)
        .stderr(predicates::str::contains(format!(
            "cannot reach Redis at redis://127.0.0.1:{port}"
        )));
    home.aida()
        .args(["serve", "--no-listen", "--listen", "127.0.0.1:0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--no-listen"));
    home.aida()
        .args(["serve", "--no-listen"])
        .env("AIDA_QUEUE_BACKEND", "kafka")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("AIDA_QUEUE_BACKEND"));
}
