//! Incident bundles: replay (`Bundle`) and recording (`Recorder`), in the layout of docs/CONTRACTS.md
//! ("Incident bundle"): `kubectl cluster-info dump` under `cluster/` plus AIDA's extras.
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{Value, json};

use super::{EvidenceError, Kind, ListSelector, LogRequest, Result, json_error};
use crate::redact;

type Key = (String, String); // (namespace or "", plural)

/// A recorded Prometheus answer (`prometheus/queries.jsonl` line).
#[derive(Debug, Clone)]
struct Recorded {
    path: String,
    params: BTreeMap<String, String>,
    outcome: std::result::Result<Value, (Option<u16>, String)>,
}

/// A loaded, redacted incident bundle.
#[derive(Debug)]
pub struct Bundle {
    dir: PathBuf,
    objects: BTreeMap<Key, Vec<Value>>,
    logs: BTreeMap<Key, Vec<(String, String)>>,
    previous_logs: BTreeMap<Key, Vec<(String, String)>>,
    queries: Vec<Recorded>,
}

impl Bundle {
    /// Loads a bundle directory. `DIR/cluster/` is the dump; a bare `kubectl cluster-info dump`
    /// directory (with `nodes.json` or namespace folders at its top) loads as is. Missing optional
    /// parts are fine; a malformed file is an error naming the file and the JSON position.
    pub fn open(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(EvidenceError::Bundle {
                path: dir.display().to_string(),
                at: String::new(),
                message: "not a directory".into(),
            });
        }
        let cluster = if dir.join("cluster").is_dir() {
            Some(dir.join("cluster"))
        } else if dir.join("nodes.json").is_file() || !dir.join("alert.json").exists() {
            Some(dir.to_path_buf())
        } else {
            None
        };
        let mut bundle = Bundle {
            dir: dir.to_path_buf(),
            objects: BTreeMap::new(),
            logs: BTreeMap::new(),
            previous_logs: BTreeMap::new(),
            queries: Vec::new(),
        };
        if let Some(cluster) = cluster {
            bundle.load_cluster(&cluster)?;
        }
        let queries = dir.join("prometheus").join("queries.jsonl");
        if queries.is_file() {
            bundle.queries = load_queries(&queries)?;
        }
        Ok(bundle)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `alert.json`, when the bundle has one.
    pub fn alert_path(&self) -> Option<PathBuf> {
        Some(self.dir.join("alert.json")).filter(|p| p.is_file())
    }

    fn load_cluster(&mut self, cluster: &Path) -> Result<()> {
        for entry in sorted_entries(cluster)? {
            let name = file_name(&entry);
            if entry.is_file() && name.ends_with(".json") {
                let plural = name.trim_end_matches(".json").to_string();
                let items = load_list(&entry)?;
                self.objects.insert((String::new(), plural), items);
            } else if entry.is_dir() {
                self.load_namespace(&name, &entry)?;
            }
        }
        Ok(())
    }

    fn load_namespace(&mut self, ns: &str, dir: &Path) -> Result<()> {
        for entry in sorted_entries(dir)? {
            let name = file_name(&entry);
            if entry.is_file() && name.ends_with(".json") {
                let plural = name.trim_end_matches(".json").to_string();
                let items = load_list(&entry)?;
                self.objects.insert((ns.to_string(), plural), items);
            } else if entry.is_dir() {
                let key = (ns.to_string(), name.clone());
                for (file, map) in [
                    ("logs.txt", &mut self.logs),
                    ("previous-logs.txt", &mut self.previous_logs),
                ] {
                    let path = entry.join(file);
                    if path.is_file() {
                        let text = fs::read(&path).map_err(|e| io_err(&path, e))?;
                        let text = String::from_utf8_lossy(&text);
                        let containers = split_kubectl_logs(&text)
                            .into_iter()
                            .map(|(c, t)| (c, redact::text(&t).into_owned()))
                            .collect();
                        map.insert(key.clone(), containers);
                    }
                }
            }
        }
        Ok(())
    }

    fn items(&self, kind: &Kind, namespace: Option<&str>) -> Vec<&Value> {
        self.objects
            .iter()
            .filter(|((ns, plural), _)| {
                plural == kind.plural
                    && if kind.namespaced {
                        namespace.is_none_or(|want| want == ns.as_str()) && !ns.is_empty()
                    } else {
                        ns.is_empty()
                    }
            })
            .flat_map(|(_, items)| items.iter())
            .filter(|obj| {
                // Items of a kubectl List may hold other kinds (e.g. a dump of `get all`).
                obj.get("kind")
                    .and_then(Value::as_str)
                    .is_none_or(|k| k == kind.kind)
            })
            .collect()
    }

    pub fn list(
        &self,
        kind: &Kind,
        namespace: Option<&str>,
        selector: &ListSelector,
    ) -> Result<Vec<Value>> {
        let matcher = selector.matcher()?;
        Ok(self
            .items(kind, namespace)
            .into_iter()
            .filter(|o| matcher.matches(o))
            .cloned()
            .collect())
    }

    pub fn get(&self, kind: &Kind, namespace: Option<&str>, name: &str) -> Result<Option<Value>> {
        // "Not recorded" differs from "does not exist": a bundle without any storageclasses.json
        // says nothing about whether a StorageClass exists.
        if !self.objects.keys().any(|(_, plural)| plural == kind.plural) {
            return Err(EvidenceError::NotRecorded(format!("{} {name}", kind.kind)));
        }
        Ok(self
            .items(kind, namespace)
            .into_iter()
            .find(|o| o.pointer("/metadata/name").and_then(Value::as_str) == Some(name))
            .cloned())
    }

    pub fn logs(&self, req: &LogRequest) -> Result<String> {
        let map = if req.previous {
            &self.previous_logs
        } else {
            &self.logs
        };
        let what = format!(
            "{}logs of pod {}/{}{}",
            if req.previous { "previous " } else { "" },
            req.namespace,
            req.pod,
            req.container
                .as_deref()
                .map(|c| format!(" container {c}"))
                .unwrap_or_default()
        );
        let containers = map
            .get(&(req.namespace.clone(), req.pod.clone()))
            .ok_or_else(|| EvidenceError::NotRecorded(what.clone()))?;
        let text = match req.container.as_deref() {
            Some(c) => containers
                .iter()
                .find(|(name, _)| name == c || name.is_empty())
                .map(|(_, t)| t.as_str()),
            None => containers.first().map(|(_, t)| t.as_str()),
        }
        .ok_or(EvidenceError::NotRecorded(what))?;
        Ok(tail(text, req.tail_lines))
    }

    pub fn prometheus(&self, path: &str, params: &[(String, String)]) -> Result<Value> {
        let want: BTreeMap<String, String> = params.iter().cloned().collect();
        // Exact match first; then the same query at another time (a replay runs later than the
        // recording, so relative times differ).
        let found = self
            .queries
            .iter()
            .find(|q| q.path == path && q.params == want)
            .or_else(|| {
                self.queries
                    .iter()
                    .find(|q| q.path == path && q.params.get("query") == want.get("query"))
            })
            .ok_or_else(|| {
                EvidenceError::NotRecorded(format!(
                    "Prometheus {path} {}",
                    want.get("query").map(String::as_str).unwrap_or("")
                ))
            })?;
        match &found.outcome {
            Ok(v) => Ok(v.clone()),
            Err((status, message)) => Err(EvidenceError::Prometheus {
                status: *status,
                message: message.clone(),
            }),
        }
    }

    /// Every loaded object as `(namespace, plural, object)`, for analyzers that scan a bundle.
    pub fn all_objects(&self) -> impl Iterator<Item = (&str, &str, &Value)> {
        self.objects.iter().flat_map(|((ns, plural), items)| {
            items.iter().map(move |o| (ns.as_str(), plural.as_str(), o))
        })
    }
}

/// Last `n` lines of `text` (all when None).
pub(crate) fn tail(text: &str, n: Option<u64>) -> String {
    match n {
        None => text.to_string(),
        Some(n) => {
            let lines: Vec<&str> = text.lines().collect();
            let start = lines.len().saturating_sub(n as usize);
            let mut out = lines[start..].join("\n");
            if !out.is_empty() && text.ends_with('\n') {
                out.push('\n');
            }
            out
        }
    }
}

/// Splits kubectl's `==== START logs for container C of pod NS/P ====` … `==== END ... ====`
/// sections into `(container, text)`. Text without markers is one unnamed container.
pub fn split_kubectl_logs(text: &str) -> Vec<(String, String)> {
    const START: &str = "==== START logs for container ";
    const END: &str = "==== END logs for container ";
    // Markers are whole lines: a log line that merely mentions one is log text.
    if !text.lines().any(|line| line.starts_with(START)) {
        return vec![(String::new(), text.to_string())];
    }
    let mut out: Vec<(String, String)> = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if let Some(rest) = bare.strip_prefix(START) {
            if let Some(done) = current.take() {
                out.push(done);
            }
            let container = rest.split(" of pod ").next().unwrap_or("").to_string();
            current = Some((container, String::new()));
        } else if bare.starts_with(END) {
            if let Some(done) = current.take() {
                out.push(done);
            }
        } else if let Some((_, buf)) = current.as_mut() {
            buf.push_str(line);
        }
    }
    if let Some(done) = current.take() {
        out.push(done);
    }
    out
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| io_err(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    Ok(entries)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn io_err(path: &Path, e: std::io::Error) -> EvidenceError {
    EvidenceError::Bundle {
        path: path.display().to_string(),
        at: String::new(),
        message: e.to_string(),
    }
}

/// Reads a v1 List (or a single object) and returns its items, redacted, with `apiVersion` and
/// `kind` filled in from the list when the items lack them (as API list answers do).
fn load_list(path: &Path) -> Result<Vec<Value>> {
    let bytes = fs::read(path).map_err(|e| io_err(path, e))?;
    parse_list(path, &bytes)
}

/// Parses one bundle list file's bytes (`path` only names it in errors). Public for the fuzzer.
pub fn parse_list(path: &Path, bytes: &[u8]) -> Result<Vec<Value>> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| json_error(path, &e))?;
    let shape = |m: &str| EvidenceError::Bundle {
        path: path.display().to_string(),
        at: String::new(),
        message: m.to_string(),
    };
    let Value::Object(map) = doc else {
        return Err(shape("expected a JSON object (a v1 List)"));
    };
    let items = match map.get("items") {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Null) => Vec::new(),
        Some(_) => return Err(shape("'items' must be an array")),
        None if map.contains_key("metadata") => vec![Value::Object(map.clone())],
        None => return Err(shape("expected a v1 List with 'items'")),
    };
    let list_kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
    let item_kind = list_kind.strip_suffix("List").filter(|k| !k.is_empty());
    let mut out = Vec::with_capacity(items.len());
    for (i, mut item) in items.into_iter().enumerate() {
        let Value::Object(obj) = &mut item else {
            return Err(shape(&format!("items[{i}] is not an object")));
        };
        if let Some(k) = item_kind
            && !obj.contains_key("kind")
        {
            obj.insert("kind".into(), Value::String(k.to_string()));
        }
        if !obj.contains_key("apiVersion")
            && let Some(v) = map.get("apiVersion")
        {
            obj.insert("apiVersion".into(), v.clone());
        }
        redact::value(&mut item);
        out.push(item);
    }
    Ok(out)
}

fn load_queries(path: &Path) -> Result<Vec<Recorded>> {
    let text = fs::read_to_string(path).map_err(|e| io_err(path, e))?;
    parse_queries(path, &text).map(|q| q.0)
}

/// Parsed `prometheus/queries.jsonl` (opaque outside this module).
pub struct Queries(Vec<Recorded>);

impl Queries {
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Parses a `queries.jsonl` text (`path` only names it in errors). Public for the fuzzer.
pub fn parse_queries(path: &Path, text: &str) -> Result<Queries> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| EvidenceError::Bundle {
            path: path.display().to_string(),
            at: format!("line {} column {}: ", i + 1, e.column()),
            message: e.to_string(),
        })?;
        let bad = |m: &str| EvidenceError::Bundle {
            path: path.display().to_string(),
            at: format!("line {}: ", i + 1),
            message: m.to_string(),
        };
        let qpath = v
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("missing string field 'path'"))?
            .to_string();
        let params = match v.get("params") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| {
                    let s = v
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string());
                    (k.clone(), s)
                })
                .collect(),
            Some(_) => return Err(bad("'params' must be an object")),
        };
        let outcome = if let Some(resp) = v.get("response") {
            match prom_envelope_error(resp) {
                Some(message) => Err((
                    v.get("status").and_then(Value::as_u64).map(|s| s as u16),
                    redact::text(&message).into_owned(),
                )),
                // Recorded answers enter here: redacted once, at load.
                None => Ok(redact::redacted(resp.clone())),
            }
        } else if let Some(err) = v.get("error").and_then(Value::as_str) {
            Err((
                v.get("status").and_then(Value::as_u64).map(|s| s as u16),
                redact::text(err).into_owned(),
            ))
        } else {
            return Err(bad("needs 'response' or 'error'"));
        };
        out.push(Recorded {
            path: qpath,
            params,
            outcome,
        });
    }
    Ok(Queries(out))
}

/// The message of a Prometheus `{"status":"error",...}` envelope.
pub(crate) fn prom_envelope_error(resp: &Value) -> Option<String> {
    (resp.get("status").and_then(Value::as_str) == Some("error")).then(|| {
        format!(
            "{}: {}",
            resp.get("errorType")
                .and_then(Value::as_str)
                .unwrap_or("error"),
            resp.get("error")
                .and_then(Value::as_str)
                .unwrap_or("(no message)")
        )
    })
}

#[derive(Default)]
struct RecState {
    objects: BTreeMap<Key, BTreeMap<String, Value>>,
    logs: BTreeMap<Key, BTreeMap<String, String>>,
    previous_logs: BTreeMap<Key, BTreeMap<String, String>>,
    queries: Vec<String>,
}

/// Writes everything a live source hands out into a bundle directory, as it goes, so a crash
/// mid-investigation still leaves a replayable bundle. Inputs are already redacted.
pub struct Recorder {
    dir: PathBuf,
    state: Mutex<RecState>,
}

impl Recorder {
    pub fn new(dir: &Path) -> Result<Self> {
        fs::create_dir_all(dir.join("cluster")).map_err(|e| io_err(dir, e))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            state: Mutex::new(RecState::default()),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `alert.json` (the alert was redacted when it was parsed).
    pub fn write_alert(&self, alert: &Value) -> Result<()> {
        let path = self.dir.join("alert.json");
        write_json(&path, alert)
    }

    /// Records objects of one kind; later copies of the same object replace earlier ones.
    pub fn objects(&self, kind: &Kind, objs: &[Value]) -> Result<()> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut touched = Vec::new();
        for obj in objs {
            let ns = if kind.namespaced {
                obj.pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("default")
                    .to_string()
            } else {
                String::new()
            };
            let name = obj
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let key = (ns, kind.plural.to_string());
            st.objects
                .entry(key.clone())
                .or_default()
                .insert(name, obj.clone());
            if !touched.contains(&key) {
                touched.push(key);
            }
        }
        for key in touched {
            let items: Vec<Value> = st.objects[&key].values().cloned().collect();
            self.write_list(&key, items)?;
        }
        Ok(())
    }

    /// Records that a kind was asked for in a namespace even when nothing was found, so replay
    /// answers "not found" rather than "not recorded".
    pub fn touch(&self, kind: &Kind, namespace: Option<&str>) -> Result<()> {
        let ns = if kind.namespaced {
            namespace.unwrap_or("default")
        } else {
            ""
        };
        let key = (ns.to_string(), kind.plural.to_string());
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.objects.contains_key(&key) {
            return Ok(());
        }
        st.objects.insert(key.clone(), BTreeMap::new());
        drop(st);
        self.write_list(&key, Vec::new())
    }

    fn write_list(&self, key: &Key, items: Vec<Value>) -> Result<()> {
        let path = if key.0.is_empty() {
            self.dir.join("cluster").join(format!("{}.json", key.1))
        } else {
            self.dir
                .join("cluster")
                .join(&key.0)
                .join(format!("{}.json", key.1))
        };
        let list = json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items});
        write_json(&path, &list)
    }

    /// Records one container's logs; a longer capture of the same container wins.
    pub fn logs(&self, req: &LogRequest, container: &str, text: &str) -> Result<()> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let key = (req.namespace.clone(), req.pod.clone());
        let map = if req.previous {
            &mut st.previous_logs
        } else {
            &mut st.logs
        };
        let containers = map.entry(key.clone()).or_default();
        let keep = containers
            .get(container)
            .is_none_or(|old| old.len() <= text.len());
        if keep {
            containers.insert(container.to_string(), text.to_string());
        }
        let mut out = String::new();
        for (c, t) in containers.iter() {
            out.push_str(&format!(
                "==== START logs for container {c} of pod {}/{} ====\n",
                key.0, key.1
            ));
            out.push_str(t);
            if !t.is_empty() && !t.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&format!(
                "==== END logs for container {c} of pod {}/{} ====\n",
                key.0, key.1
            ));
        }
        let file = if req.previous {
            "previous-logs.txt"
        } else {
            "logs.txt"
        };
        let dir = self.dir.join("cluster").join(&key.0).join(&key.1);
        fs::create_dir_all(&dir).map_err(|e| io_err(&dir, e))?;
        let path = dir.join(file);
        fs::write(&path, out).map_err(|e| io_err(&path, e))
    }

    /// Records one Prometheus answer (or error) as a `queries.jsonl` line.
    pub fn query(
        &self,
        path: &str,
        params: &[(String, String)],
        outcome: std::result::Result<&Value, &EvidenceError>,
    ) -> Result<()> {
        let params: serde_json::Map<String, Value> = params
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let line = match outcome {
            Ok(resp) => json!({"path": path, "params": params, "response": resp}),
            Err(EvidenceError::Prometheus { status, message }) => {
                json!({"path": path, "params": params, "error": message, "status": status})
            }
            Err(other) => json!({"path": path, "params": params, "error": other.to_string()}),
        };
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.queries.push(line.to_string());
        let dir = self.dir.join("prometheus");
        fs::create_dir_all(&dir).map_err(|e| io_err(&dir, e))?;
        let path = dir.join("queries.jsonl");
        let mut body = st.queries.join("\n");
        body.push('\n');
        fs::write(&path, body).map_err(|e| io_err(&path, e))
    }
}

fn write_json(path: &Path, v: &Value) -> Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| io_err(parent, e))?;
    }
    let text = serde_json::to_string_pretty(v).map_err(|e| EvidenceError::Io(e.to_string()))?;
    fs::write(path, text + "\n").map_err(|e| io_err(path, e))
}
