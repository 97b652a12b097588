//! A loopback HTTP server that answers like the Kubernetes API for the objects of a bundle
//! (list/get under the real paths, label/field selectors, pods/log with container, previous and
//! tailLines), so the live path runs real kube-rs over real HTTP. It records every request so the
//! test can check them against deploy/rbac.yaml.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use aida::evidence::{
    Bundle, KINDS, ListSelector, Recorder, Session, Source, Toolbelt, split_kubectl_logs,
};
use axum::body::Body;
use axum::http::{Request, Response};
use serde_json::{Value, json};

use super::*;

type Key = (String, String);

#[derive(Default)]
struct State {
    /// (namespace or "", plural) → raw items as the files hold them (NOT redacted).
    objects: BTreeMap<Key, Vec<Value>>,
    /// (namespace, pod, previous) → [(container, text)].
    logs: BTreeMap<(String, String, bool), Vec<(String, String)>>,
    requests: Mutex<Vec<(String, String)>>,
}

fn load(dir: &Path) -> State {
    let mut st = State::default();
    let cluster = dir.join("cluster");
    let read_list = |p: &Path| -> Vec<Value> {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        v["items"].as_array().cloned().unwrap_or_default()
    };
    for e in std::fs::read_dir(&cluster).unwrap().flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_file() && name.ends_with(".json") {
            st.objects.insert(
                (String::new(), name.trim_end_matches(".json").into()),
                read_list(&p),
            );
        } else if p.is_dir() {
            for f in std::fs::read_dir(&p).unwrap().flatten() {
                let fp = f.path();
                let fname = f.file_name().to_string_lossy().into_owned();
                if fp.is_file() && fname.ends_with(".json") {
                    st.objects.insert(
                        (name.clone(), fname.trim_end_matches(".json").into()),
                        read_list(&fp),
                    );
                } else if fp.is_dir() {
                    for (file, previous) in [("logs.txt", false), ("previous-logs.txt", true)] {
                        if let Ok(text) = std::fs::read_to_string(fp.join(file)) {
                            st.logs.insert(
                                (name.clone(), fname.clone(), previous),
                                split_kubectl_logs(&text),
                            );
                        }
                    }
                }
            }
        }
    }
    st
}

fn status(code: u16, reason: &str, message: String) -> Response<Body> {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code});
    Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn query_map(q: Option<&str>) -> BTreeMap<String, String> {
    q.unwrap_or("")
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let h = u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap_or(b'?');
                out.push(h);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn handle(st: &State, req: &Request<Body>) -> Response<Body> {
    let path = req.uri().path().to_string();
    st.requests
        .lock()
        .unwrap()
        .push((req.method().to_string(), path.clone()));
    if req.method() != "GET" {
        return status(405, "MethodNotAllowed", "read-only test server".into());
    }
    let q = query_map(req.uri().query());
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    // /api/v1/... or /apis/{group}/{version}/...
    let (group, rest) = match parts.as_slice() {
        ["api", "v1", rest @ ..] => ("", rest),
        ["apis", g, _v, rest @ ..] => (*g, rest),
        _ => return status(404, "NotFound", format!("no route {path}")),
    };
    let (ns, rest): (Option<&str>, &[&str]) = match rest {
        ["namespaces", ns, rest @ ..] if !rest.is_empty() => (Some(*ns), rest),
        r => (None, r),
    };
    let Some(kind) = KINDS
        .iter()
        .find(|k| k.group == group && Some(&k.plural) == rest.first())
    else {
        return status(
            404,
            "NotFound",
            format!("the server could not find the requested resource ({path})"),
        );
    };
    let items = |ns_filter: Option<&str>| -> Vec<Value> {
        st.objects
            .iter()
            .filter(|((n, p), _)| {
                p == kind.plural
                    && if kind.namespaced {
                        !n.is_empty() && ns_filter.is_none_or(|f| f == n)
                    } else {
                        n.is_empty()
                    }
            })
            .flat_map(|(_, v)| v.iter().cloned())
            .filter(|o| {
                o.get("kind")
                    .and_then(Value::as_str)
                    .is_none_or(|k| k == kind.kind)
            })
            .collect()
    };
    match rest {
        [_] => {
            let sel = ListSelector {
                labels: q.get("labelSelector").cloned(),
                fields: q.get("fieldSelector").cloned(),
            };
            let m = match sel.matcher() {
                Ok(m) => m,
                Err(e) => return status(400, "BadRequest", e.to_string()),
            };
            let list: Vec<Value> = items(ns)
                .into_iter()
                .filter(|o| m.matches(o))
                .map(|mut o| {
                    // The API omits kind/apiVersion on list items.
                    if let Value::Object(m) = &mut o {
                        m.remove("kind");
                        m.remove("apiVersion");
                    }
                    o
                })
                .collect();
            let body = json!({"apiVersion": kind.api_version(), "kind": format!("{}List", kind.kind), "metadata": {"resourceVersion": "12345"}, "items": list});
            Response::builder()
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap()
        }
        [_, name] => match items(ns)
            .into_iter()
            .find(|o| o["metadata"]["name"] == *name)
        {
            Some(mut o) => {
                if let Value::Object(m) = &mut o {
                    m.insert("kind".into(), json!(kind.kind));
                    m.insert("apiVersion".into(), json!(kind.api_version()));
                }
                Response::builder()
                    .header("content-type", "application/json")
                    .body(Body::from(o.to_string()))
                    .unwrap()
            }
            None => status(
                404,
                "NotFound",
                format!("{} \"{name}\" not found", kind.plural),
            ),
        },
        [_, name, "log"] if kind.plural == "pods" => {
            let previous = q.get("previous").is_some_and(|v| v == "true");
            let Some(containers) =
                st.logs
                    .get(&(ns.unwrap_or("").to_string(), name.to_string(), previous))
            else {
                return status(
                    400,
                    "BadRequest",
                    format!("previous terminated container not found for pod {name}"),
                );
            };
            let text = match q.get("container") {
                Some(c) => containers
                    .iter()
                    .find(|(n, _)| n == c)
                    .map(|(_, t)| t.clone()),
                None => containers.first().map(|(_, t)| t.clone()),
            };
            let Some(mut text) = text else {
                return status(
                    400,
                    "BadRequest",
                    format!("container not found in pod {name}"),
                );
            };
            if let Some(n) = q.get("tailLines").and_then(|n| n.parse::<usize>().ok()) {
                let lines: Vec<&str> = text.lines().collect();
                let start = lines.len().saturating_sub(n);
                text = lines[start..].iter().map(|l| format!("{l}\n")).collect();
            }
            Response::builder()
                .header("content-type", "text/plain")
                .body(Body::from(text))
                .unwrap()
        }
        _ => status(404, "NotFound", format!("no route {path}")),
    }
}

/// A running fake API server and a kubeconfig pointing at it.
pub struct FakeApi {
    state: Arc<State>,
    pub kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl FakeApi {
    pub async fn start(bundle: &Path) -> FakeApi {
        let state = Arc::new(load(bundle));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let st = state.clone();
        let app = axum::Router::new().fallback(move |req: Request<Body>| {
            let st = st.clone();
            async move { handle(&st, &req) }
        });
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: http://{addr}\nusers:\n- name: tester\n  user:\n    token: test-token-0000\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: tester\n    namespace: default\ncurrent-context: fake\n"
            ),
        )
        .unwrap();
        FakeApi {
            state,
            kubeconfig,
            _dir: dir,
            task,
        }
    }

    pub fn requests(&self) -> Vec<(String, String)> {
        self.state.requests.lock().unwrap().clone()
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn live_source(api: &FakeApi, record: Option<&Path>) -> Source {
    let opts = aida::evidence::LiveOptions {
        kubeconfig: Some(api.kubeconfig.clone()),
        context: Some("fake".into()),
        timeout: std::time::Duration::from_secs(5),
    };
    let rec = record.map(|d| Recorder::new(d).unwrap());
    Source::Live(Arc::new(
        aida::evidence::Live::connect(&opts, None, rec)
            .await
            .unwrap(),
    ))
}

/// The tool calls an investigation of `dir` would make: describe/logs of every pod, workloads,
/// nodes, PVCs, events.
pub fn calls_for(dir: &Path) -> Vec<(String, Value)> {
    let mut calls = Vec::new();
    let st = load(dir);
    for ((ns, plural), items) in &st.objects {
        for o in items {
            let name = o["metadata"]["name"].as_str().unwrap_or("").to_string();
            match plural.as_str() {
                "pods" => {
                    calls.push((
                        "describe_pod".into(),
                        json!({"namespace": ns, "name": name}),
                    ));
                    calls.push(("pod_logs".into(), json!({"namespace": ns, "name": name})));
                    calls.push((
                        "pod_logs".into(),
                        json!({"namespace": ns, "name": name, "previous": true, "tail_lines": 20}),
                    ));
                }
                "deployments" | "statefulsets" | "daemonsets" | "jobs" | "cronjobs" => {
                    calls.push((
                        "get_workload".into(),
                        json!({"namespace": ns, "kind": plural, "name": name}),
                    ));
                }
                "nodes" => calls.push(("get_node".into(), json!({"name": name}))),
                "persistentvolumeclaims" => {
                    calls.push(("get_pvc".into(), json!({"namespace": ns, "name": name})))
                }
                "resourcequotas" | "configmaps" => {
                    calls.push((
                        "get_object".into(),
                        json!({"namespace": ns, "kind": plural, "name": name}),
                    ));
                }
                _ => {}
            }
        }
        if plural == "pods" {
            calls.push(("list_pods".into(), json!({"namespace": ns})));
            calls.push((
                "list_events".into(),
                json!({"namespace": ns, "warnings_only": true}),
            ));
        }
    }
    calls
}

async fn outputs(source: Source, calls: &[(String, Value)]) -> Vec<(bool, String)> {
    let belt = Toolbelt::new(source);
    let mut out = Vec::new();
    for (tool, args) in calls {
        let o = belt.call(tool, args).await;
        out.push((o.ok, format!("{tool} {args}\n{}", o.text)));
    }
    out
}

/// Live (kube-rs over HTTP) and bundle replay give the same tool outputs, and a recording of the
/// live run replays to the same outputs again.
#[test]
fn live_bundle_and_recording_agree() {
    let rt = rt();
    let mut compared = 0;
    let mut dirs = bundle_dirs(&fixtures_dir());
    if dev_bundles_dir().is_dir() {
        dirs.extend(bundle_dirs(&dev_bundles_dir()));
    }
    for dir in dirs {
        rt.block_on(async {
            let api = FakeApi::start(&dir).await;
            let rec_dir = tempfile::tempdir().unwrap();
            let calls = calls_for(&dir);
            let live = outputs(live_source(&api, Some(rec_dir.path())).await, &calls).await;
            let replay = outputs(
                Source::Bundle(Arc::new(Bundle::open(&dir).unwrap())),
                &calls,
            )
            .await;
            let recorded = outputs(
                Source::Bundle(Arc::new(Bundle::open(rec_dir.path()).unwrap())),
                &calls,
            )
            .await;
            for (((l, r), c), (tool, _)) in live.iter().zip(&replay).zip(&recorded).zip(&calls) {
                // Failures (e.g. no previous container) are results on both sides, but the API
                // server and a bundle word them differently: compare the texts of successes.
                assert_eq!(
                    l.0,
                    c.0,
                    "{}: live vs recorded bundle: {}",
                    dir.display(),
                    l.1
                );
                if l.0 {
                    assert_eq!(l.1, c.1, "{}: live vs recorded bundle", dir.display());
                    compared += 1;
                }
                // The original bundle cannot say whether an unrecorded StorageClass exists; the
                // live API (and so the recording) can.
                if tool != "get_pvc" {
                    assert_eq!(l.0, r.0, "{}: live vs bundle: {}", dir.display(), l.1);
                    if l.0 {
                        assert_eq!(l.1, r.1, "{}: live vs bundle", dir.display());
                    }
                }
            }

            // The analyzers see the same thing live.
            let alert = first_alert(&dir);
            let ns = aida::analyzers::alert_namespaces(Some(&alert));
            // (The live source here has no Prometheus, so bundles with metrics differ by design.)
            let has_metrics = dir.join("prometheus").is_dir();
            let live_snap =
                Snapshot::gather(&Session::new(live_source(&api, None).await), &ns, None).await;
            let bundle_snap = Snapshot::gather(
                &Session::new(Source::Bundle(Arc::new(Bundle::open(&dir).unwrap()))),
                &ns,
                None,
            )
            .await;
            assert!(
                has_metrics
                    || aida::analyzers::analyze(&live_snap, Some(&alert))
                        == aida::analyzers::analyze(&bundle_snap, Some(&alert)),
                "{}: live and bundle findings differ",
                dir.display()
            );

            // Every request is a GET the ClusterRole allows.
            for (method, path) in api.requests() {
                assert_eq!(method, "GET", "{path}");
                let p: Vec<&str> = path.trim_matches('/').split('/').collect();
                let rest: Vec<&str> = match p.as_slice() {
                    ["api", "v1", rest @ ..] | ["apis", _, _, rest @ ..] => rest.to_vec(),
                    _ => panic!("unexpected path {path}"),
                };
                let rest: Vec<&str> = if rest.first() == Some(&"namespaces") && rest.len() > 2 {
                    rest[2..].to_vec()
                } else {
                    rest
                };
                let resource = if rest.len() == 3 {
                    format!("{}/{}", rest[0], rest[2])
                } else {
                    rest[0].to_string()
                };
                assert!(resource != "secrets");
                assert!(
                    KINDS.iter().any(|k| k.plural == resource)
                        || resource == aida::evidence::LOG_SUBRESOURCE,
                    "{path} asks for {resource}, which deploy/rbac.yaml does not grant"
                );
            }
        });
    }
    assert!(compared > 100, "only {compared} outputs compared");
}
