//! The agent's tools: names, JSON-schema parameters and one-line descriptions (ready for function
//! calling), and their execution over one investigation's [`Session`]. Evidence arrives redacted
//! from the sources; every output passes a byte/line
//! budget; errors are results (`ok: false`), never panics.
use std::fmt::Write;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};

use super::render::{self, arr, name, s};
use super::{EvidenceError, Kind, ListSelector, LogRequest, Session, Source};
use crate::alert::Alert;

/// A tool as a function-calling API wants it.
#[derive(Debug, Clone, Serialize)]
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub parameters: Value,
}

/// What a tool call returned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolOutput {
    pub tool: String,
    /// False when the call failed; `text` then says why.
    pub ok: bool,
    pub text: String,
    pub truncated: bool,
    /// The hits of a `search_runbooks` call, for the report's runbook list (empty otherwise).
    #[serde(skip)]
    pub runbooks: Vec<RunbookHit>,
}

/// One runbook search hit (the knowledge module fills these).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunbookHit {
    pub path: String,
    pub heading: String,
    pub score: f32,
    pub text: String,
}

/// What to search the runbooks for.
#[derive(Debug, Clone, Copy)]
pub enum RunbookQuery<'a> {
    /// Free text (a model's question, a finding's cause).
    Text(&'a str),
    /// The alert itself: its name, annotations, labels and expression (an alert-name match ranks first).
    Alert(&'a Alert),
}

/// Runbook search, implemented by the knowledge base and injected into the tool belt.
pub trait RunbookSearch: Send + Sync {
    fn search(&self, query: RunbookQuery<'_>, top_k: usize) -> Result<Vec<RunbookHit>, String>;
}

/// Output limits per tool call.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub max_bytes: usize,
    pub max_lines: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            max_bytes: 8000,
            max_lines: 160,
        }
    }
}

/// The tool belt of one investigation: the tools over one evidence [`Session`], the runbook
/// search, and the alert being investigated (what `search_runbooks` without a query looks for).
pub struct Toolbelt {
    session: Session,
    runbooks: Option<Arc<dyn RunbookSearch>>,
    budget: Budget,
    default_namespace: Option<String>,
    alert: Option<Alert>,
}

fn obj_schema(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
}

const NS: &str = "Kubernetes namespace";

impl Toolbelt {
    pub fn new(source: Source) -> Self {
        Self {
            session: Session::new(source),
            runbooks: None,
            budget: Budget::default(),
            default_namespace: None,
            alert: None,
        }
    }

    /// The alert under investigation: `search_runbooks` without a query searches for it.
    pub fn with_alert(mut self, alert: Alert) -> Self {
        self.alert = Some(alert);
        self
    }

    pub fn with_runbooks(mut self, search: Arc<dyn RunbookSearch>) -> Self {
        self.runbooks = Some(search);
        self
    }

    pub fn with_budget(mut self, budget: Budget) -> Self {
        self.budget = budget;
        self
    }

    /// The namespace used when a call omits one (usually the alert's).
    pub fn with_default_namespace(mut self, ns: Option<String>) -> Self {
        self.default_namespace = ns;
        self
    }

    /// The reads of this investigation (the analyzers read through the same session).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Every tool this belt offers (runbook search only when a search was injected).
    pub fn specs(&self) -> Vec<ToolSpec> {
        let mut v = vec![
            ToolSpec {
                name: "describe_pod",
                description: "Describe a pod: container states, last termination reason and exit code, restarts, limits/requests, probes, env names, conditions, volumes and its events.",
                parameters: obj_schema(
                    json!({"namespace": {"type": "string", "description": NS}, "name": {"type": "string", "description": "pod name"}}),
                    &["name"],
                ),
            },
            ToolSpec {
                name: "list_pods",
                description: "List pods in a namespace with status, readiness and restarts, optionally filtered by label and field selectors.",
                parameters: obj_schema(
                    json!({"namespace": {"type": "string", "description": NS}, "label_selector": {"type": "string", "description": "e.g. app=web,tier!=db"}, "field_selector": {"type": "string", "description": "e.g. status.phase=Pending"}}),
                    &[],
                ),
            },
            ToolSpec {
                name: "list_events",
                description: "List events in a namespace, optionally only those about one object (kind and name) or only warnings.",
                parameters: obj_schema(
                    json!({"namespace": {"type": "string", "description": NS}, "kind": {"type": "string", "description": "involved object kind, e.g. Pod"}, "name": {"type": "string", "description": "involved object name"}, "warnings_only": {"type": "boolean"}}),
                    &[],
                ),
            },
            ToolSpec {
                name: "pod_logs",
                description: "Read a container's logs, or the previous (crashed) instance's logs with previous=true; the last tail_lines lines, optionally only those containing `grep`.",
                parameters: obj_schema(
                    json!({"namespace": {"type": "string", "description": NS}, "name": {"type": "string", "description": "pod name"}, "container": {"type": "string"}, "previous": {"type": "boolean"}, "tail_lines": {"type": "integer", "minimum": 1, "maximum": 2000}, "since_seconds": {"type": "integer", "minimum": 1}, "grep": {"type": "string", "description": "keep only the lines containing this text (case-sensitive)"}}),
                    &["name"],
                ),
            },
            ToolSpec {
                name: "get_workload",
                description: "Get a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob with replica counts, rollout status, conditions, pod template, its pods and events.",
                parameters: obj_schema(
                    json!({"namespace": {"type": "string", "description": NS}, "kind": {"type": "string", "enum": ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]}, "name": {"type": "string"}}),
                    &["kind", "name"],
                ),
            },
            ToolSpec {
                name: "get_node",
                description: "Get a node with its conditions (Ready, MemoryPressure, DiskPressure, PIDPressure), taints, capacity and events.",
                parameters: obj_schema(
                    json!({"name": {"type": "string", "description": "node name"}}),
                    &["name"],
                ),
            },
            ToolSpec {
                name: "get_pvc",
                description: "Get PersistentVolumeClaims (one, or all in the namespace) with phase, storage class, the bound PersistentVolume and events.",
                parameters: obj_schema(
                    json!({"namespace": {"type": "string", "description": NS}, "name": {"type": "string", "description": "claim name; omit for all"}}),
                    &[],
                ),
            },
            ToolSpec {
                name: "get_object",
                description: "Get any other readable object (ConfigMap, ResourceQuota, Service, Namespace, StorageClass, ...) as compact JSON; Secrets are never read.",
                parameters: obj_schema(
                    json!({"namespace": {"type": "string", "description": NS}, "kind": {"type": "string"}, "name": {"type": "string"}}),
                    &["kind", "name"],
                ),
            },
            ToolSpec {
                name: "promql_query",
                description: "Run a PromQL instant query and list the resulting series with their values.",
                parameters: obj_schema(
                    json!({"query": {"type": "string"}, "time": {"type": "string", "description": "RFC 3339 or unix seconds; default now"}}),
                    &["query"],
                ),
            },
            ToolSpec {
                name: "promql_range_query",
                description: "Run a PromQL range query and summarise each series (points, min, max, last).",
                parameters: obj_schema(
                    json!({"query": {"type": "string"}, "start": {"type": "string", "description": "RFC 3339 or unix seconds; default end-1h"}, "end": {"type": "string", "description": "default now"}, "step": {"type": "string", "description": "e.g. 60s; default 60s"}}),
                    &["query"],
                ),
            },
            ToolSpec {
                name: "prometheus_alerts",
                description: "List the alerts Prometheus currently has pending or firing.",
                parameters: obj_schema(json!({}), &[]),
            },
        ];
        if self.runbooks.is_some() {
            v.push(ToolSpec {
                name: "search_runbooks",
                description: "Search the runbook knowledge base; returns the best matching sections with their path and heading.",
                parameters: obj_schema(json!({"query": {"type": "string", "description": "what to look for; omit to search for the alert under investigation"}, "top_k": {"type": "integer", "minimum": 1, "maximum": 10}}), &[]),
            });
        }
        v
    }

    /// Runs one tool. Never panics; failures come back with `ok: false`.
    pub async fn call(&self, tool: &str, args: &Value) -> ToolOutput {
        let mut runbooks = Vec::new();
        // Evidence was redacted where it entered (the sources); outputs are only rendered here.
        let (ok, text) = match self.dispatch(tool, args, &mut runbooks).await {
            Ok(text) => (true, text),
            Err(e) => (false, format!("error: {e}")),
        };
        let keep_tail = tool == "pod_logs";
        let (text, truncated) = truncate(&text, self.budget, keep_tail);
        ToolOutput {
            tool: tool.to_string(),
            ok,
            text,
            truncated,
            runbooks,
        }
    }

    fn ns(&self, args: &Value) -> Result<String, ToolError> {
        opt_str(args, "namespace")?
            .or(self.default_namespace.clone())
            .ok_or_else(|| ToolError::Arg("missing required parameter 'namespace'".into()))
    }

    async fn dispatch(
        &self,
        tool: &str,
        args: &Value,
        runbooks: &mut Vec<RunbookHit>,
    ) -> Result<String, ToolError> {
        if !args.is_object() && !args.is_null() {
            return Err(ToolError::Arg("arguments must be a JSON object".into()));
        }
        match tool {
            "describe_pod" => self.describe_pod(args).await,
            "list_pods" => self.list_pods(args).await,
            "list_events" => self.list_events(args).await,
            "pod_logs" => self.pod_logs(args).await,
            "get_workload" => self.get_workload(args).await,
            "get_node" => self.get_node(args).await,
            "get_pvc" => self.get_pvc(args).await,
            "get_object" => self.get_object(args).await,
            "promql_query" => {
                let mut p = vec![("query".to_string(), req_str(args, "query")?)];
                if let Some(t) = opt_str(args, "time")? {
                    p.push(("time".into(), t));
                }
                let resp = self.session.prometheus("/api/v1/query", &p).await?;
                Ok(render::prom_text(&resp))
            }
            "promql_range_query" => {
                let q = req_str(args, "query")?;
                let end = match opt_str(args, "end")? {
                    Some(e) => e,
                    None => chrono::Utc::now().timestamp().to_string(),
                };
                let start = match opt_str(args, "start")? {
                    Some(s) => s,
                    None => match end.parse::<f64>() {
                        Ok(e) => format!("{}", e - 3600.0),
                        Err(_) => {
                            return Err(ToolError::Arg(
                                "give 'start' when 'end' is not unix seconds".into(),
                            ));
                        }
                    },
                };
                let step = opt_str(args, "step")?.unwrap_or_else(|| "60s".into());
                let p = vec![
                    ("query".to_string(), q),
                    ("start".into(), start),
                    ("end".into(), end),
                    ("step".into(), step),
                ];
                let resp = self.session.prometheus("/api/v1/query_range", &p).await?;
                Ok(render::prom_text(&resp))
            }
            "prometheus_alerts" => {
                let resp = self.session.prometheus("/api/v1/alerts", &[]).await?;
                let mut out = String::new();
                let alerts = arr(&resp, "/data/alerts");
                if alerts.is_empty() {
                    out.push_str("(no pending or firing alerts)\n");
                }
                for a in alerts {
                    let _ = writeln!(
                        out,
                        "{} {}  {}  since {}",
                        s(a, "/state"),
                        s(a, "/labels/alertname"),
                        render::kv(a.get("labels")),
                        s(a, "/activeAt")
                    );
                }
                Ok(out)
            }
            "search_runbooks" => {
                let search = self
                    .runbooks
                    .as_ref()
                    .ok_or_else(|| ToolError::Arg("runbook search is not available".into()))?;
                let text = opt_str(args, "query")?.filter(|q| !q.trim().is_empty());
                let query = match (&text, &self.alert) {
                    (Some(q), _) => RunbookQuery::Text(q),
                    (None, Some(alert)) => RunbookQuery::Alert(alert),
                    (None, None) => {
                        return Err(ToolError::Arg("missing required parameter 'query'".into()));
                    }
                };
                let k = opt_u64(args, "top_k")?.unwrap_or(3).clamp(1, 10) as usize;
                let hits = search.search(query, k).map_err(ToolError::Other)?;
                let mut out = String::new();
                if hits.is_empty() {
                    out.push_str("(no matching runbook)\n");
                }
                for h in &hits {
                    let _ = writeln!(
                        out,
                        "## {} — {} (score {:.3})\n{}\n",
                        h.path,
                        h.heading,
                        h.score,
                        h.text.trim()
                    );
                }
                *runbooks = hits;
                Ok(out)
            }
            other => Err(ToolError::Arg(format!("unknown tool '{other}'"))),
        }
    }

    async fn events_for(
        &self,
        ns: Option<&str>,
        kind: &str,
        obj_name: &str,
    ) -> Result<Vec<Value>, ToolError> {
        let sel = ListSelector::fields(format!(
            "involvedObject.kind={kind},involvedObject.name={obj_name}"
        ));
        let mut evs = self.session.list(Kind::event(), ns, &sel).await?;
        if ns.is_none() {
            // Node events live in "default"; cluster-wide search keeps them whatever the namespace.
            evs.retain(|e| s(e, "/involvedObject/name") == obj_name);
        }
        Ok(evs)
    }

    async fn describe_pod(&self, args: &Value) -> Result<String, ToolError> {
        let ns = self.ns(args)?;
        let pod_name = req_str(args, "name")?;
        let pod = self
            .session
            .get(Kind::pod(), Some(&ns), &pod_name)
            .await?
            .ok_or_else(|| ToolError::NotFound(format!("pod {ns}/{pod_name}")))?;
        let mut evs = self.events_for(Some(&ns), "Pod", &pod_name).await?;
        let dropped = render::sort_events(&mut evs, 25);
        Ok(render::describe_pod(&pod, &evs, dropped))
    }

    async fn list_pods(&self, args: &Value) -> Result<String, ToolError> {
        let ns = self.ns(args)?;
        let sel = ListSelector {
            labels: opt_str(args, "label_selector")?,
            fields: opt_str(args, "field_selector")?,
        };
        let mut pods = self.session.list(Kind::pod(), Some(&ns), &sel).await?;
        pods.sort_by(|a, b| name(a).cmp(name(b)));
        let mut out = format!("{} pod(s) in {ns}\n", pods.len());
        for p in &pods {
            out.push_str(&render::pod_line(p));
            out.push('\n');
        }
        Ok(out)
    }

    async fn list_events(&self, args: &Value) -> Result<String, ToolError> {
        let ns = self.ns(args)?;
        let mut fields = Vec::new();
        if let Some(k) = opt_str(args, "kind")? {
            fields.push(format!(
                "involvedObject.kind={}",
                Kind::find(&k).map(|k| k.kind).unwrap_or(k.as_str())
            ));
        }
        if let Some(n) = opt_str(args, "name")? {
            fields.push(format!("involvedObject.name={n}"));
        }
        if args.get("warnings_only").and_then(Value::as_bool) == Some(true) {
            fields.push("type=Warning".into());
        }
        let sel = ListSelector {
            labels: None,
            fields: (!fields.is_empty()).then(|| fields.join(",")),
        };
        let mut evs = self.session.list(Kind::event(), Some(&ns), &sel).await?;
        let dropped = render::sort_events(&mut evs, 60);
        Ok(render::events_block(&evs, dropped))
    }

    async fn pod_logs(&self, args: &Value) -> Result<String, ToolError> {
        let ns = self.ns(args)?;
        let pod_name = req_str(args, "name")?;
        let container = match opt_str(args, "container")? {
            Some(c) => c,
            None => {
                // The API needs a container for multi-container pods: take the first, as kubectl
                // does with its default-container annotation absent.
                let pod = self
                    .session
                    .get(Kind::pod(), Some(&ns), &pod_name)
                    .await?
                    .ok_or_else(|| ToolError::NotFound(format!("pod {ns}/{pod_name}")))?;
                let first = arr(&pod, "/spec/containers")
                    .first()
                    .map(|c| s(c, "/name").to_string());
                first.ok_or_else(|| {
                    ToolError::NotFound(format!("containers of pod {ns}/{pod_name}"))
                })?
            }
        };
        let previous = args
            .get("previous")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let req = LogRequest {
            namespace: ns.clone(),
            pod: pod_name.clone(),
            container: Some(container.clone()),
            previous,
            tail_lines: Some(opt_u64(args, "tail_lines")?.unwrap_or(100).clamp(1, 2000)),
            since_seconds: opt_u64(args, "since_seconds")?,
        };
        let mut text = self.session.logs(&req).await?;
        let grep = opt_str(args, "grep")?.filter(|g| !g.is_empty());
        if let Some(g) = &grep {
            text = text
                .lines()
                .filter(|l| l.contains(g.as_str()))
                .map(|l| format!("{l}\n"))
                .collect();
        }
        let mut out = format!(
            "{}logs of {ns}/{pod_name} container {container} (last {} lines{})\n",
            if previous { "previous " } else { "" },
            req.tail_lines.unwrap_or(100),
            grep.as_deref()
                .map(|g| format!(", those containing {g:?}"))
                .unwrap_or_default()
        );
        if text.trim().is_empty() {
            out.push_str("(no log lines)\n");
        } else {
            out.push_str(&text);
            if !text.ends_with('\n') {
                out.push('\n');
            }
        }
        Ok(out)
    }

    async fn get_workload(&self, args: &Value) -> Result<String, ToolError> {
        let ns = self.ns(args)?;
        let kind = Kind::find(&req_str(args, "kind")?)?;
        if !matches!(
            kind.kind,
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "CronJob"
        ) {
            return Err(ToolError::Arg(format!(
                "'{}' is not a workload kind; use get_object",
                kind.kind
            )));
        }
        let wl_name = req_str(args, "name")?;
        let obj = self
            .session
            .get(kind, Some(&ns), &wl_name)
            .await?
            .ok_or_else(|| ToolError::NotFound(format!("{} {ns}/{wl_name}", kind.kind)))?;
        let mut out = render::workload_header(kind.kind, &obj);
        let mut evs = self.events_for(Some(&ns), kind.kind, &wl_name).await?;
        // A Deployment's pod-creation failures (quota, admission) are events on its ReplicaSets.
        if kind.kind == "Deployment" {
            let rs_kind = Kind::find("ReplicaSet")?;
            let mut rss = self
                .session
                .list(rs_kind, Some(&ns), &ListSelector::default())
                .await?;
            rss.retain(|rs| {
                arr(rs, "/metadata/ownerReferences")
                    .iter()
                    .any(|o| s(o, "/kind") == "Deployment" && s(o, "/name") == wl_name)
            });
            rss.sort_by(|a, b| name(a).cmp(name(b)));
            if !rss.is_empty() {
                out.push_str("ReplicaSets:\n");
            }
            for rs in &rss {
                let _ = writeln!(
                    out,
                    "  {}  desired={} ready={}",
                    name(rs),
                    render::num(rs, "/spec/replicas").unwrap_or(0),
                    render::num(rs, "/status/readyReplicas").unwrap_or(0)
                );
                evs.extend(self.events_for(Some(&ns), "ReplicaSet", name(rs)).await?);
            }
        }
        if let Some(labels) = selector_string(&obj) {
            let mut pods = self
                .session
                .list(Kind::pod(), Some(&ns), &ListSelector::labels(labels))
                .await?;
            pods.sort_by(|a, b| name(a).cmp(name(b)));
            let _ = writeln!(out, "Pods ({}):", pods.len());
            for p in pods.iter().take(20) {
                let _ = writeln!(out, "  {}", render::pod_line(p));
            }
        }
        let dropped = render::sort_events(&mut evs, 25);
        out.push_str(&render::events_block(&evs, dropped));
        Ok(out)
    }

    async fn get_node(&self, args: &Value) -> Result<String, ToolError> {
        let node_name = req_str(args, "name")?;
        let kind = Kind::find("Node")?;
        let node = self
            .session
            .get(kind, None, &node_name)
            .await?
            .ok_or_else(|| ToolError::NotFound(format!("node {node_name}")))?;
        let mut out = render::node_text(&node);
        let mut evs = self.events_for(None, "Node", &node_name).await?;
        let dropped = render::sort_events(&mut evs, 25);
        out.push_str(&render::events_block(&evs, dropped));
        Ok(out)
    }

    async fn get_pvc(&self, args: &Value) -> Result<String, ToolError> {
        let ns = self.ns(args)?;
        let pvc_kind = Kind::find("pvc")?;
        let pvcs = match opt_str(args, "name")? {
            Some(n) => vec![
                self.session
                    .get(pvc_kind, Some(&ns), &n)
                    .await?
                    .ok_or_else(|| {
                        ToolError::NotFound(format!("PersistentVolumeClaim {ns}/{n}"))
                    })?,
            ],
            None => {
                let mut v = self
                    .session
                    .list(pvc_kind, Some(&ns), &ListSelector::default())
                    .await?;
                v.sort_by(|a, b| name(a).cmp(name(b)));
                v
            }
        };
        if pvcs.is_empty() {
            return Ok(format!("no PersistentVolumeClaims in {ns}\n"));
        }
        let mut out = String::new();
        for pvc in &pvcs {
            out.push_str(&render::pvc_text(pvc));
            let vol = s(pvc, "/spec/volumeName");
            if !vol.is_empty() {
                match self.session.get(Kind::find("pv")?, None, vol).await? {
                    Some(pv) => out.push_str(&render::pv_text(&pv)),
                    None => {
                        let _ = writeln!(out, "PersistentVolume {vol}: not found");
                    }
                }
            }
            let sc = s(pvc, "/spec/storageClassName");
            if !sc.is_empty() {
                let found = self.session.get(Kind::find("sc")?, None, sc).await;
                match found {
                    Ok(Some(obj)) => {
                        let _ = writeln!(
                            out,
                            "StorageClass {sc}: exists (provisioner {})",
                            s(&obj, "/provisioner")
                        );
                    }
                    Ok(None) => {
                        let _ = writeln!(out, "StorageClass {sc}: not found");
                    }
                    // Replay of a bundle without storage classes: say so rather than guess.
                    Err(EvidenceError::NotRecorded(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            let mut evs = self
                .events_for(Some(&ns), "PersistentVolumeClaim", name(pvc))
                .await?;
            let dropped = render::sort_events(&mut evs, 15);
            out.push_str(&render::events_block(&evs, dropped));
        }
        Ok(out)
    }

    async fn get_object(&self, args: &Value) -> Result<String, ToolError> {
        let kind = Kind::find(&req_str(args, "kind")?)?;
        let obj_name = req_str(args, "name")?;
        let ns = if kind.namespaced {
            Some(self.ns(args)?)
        } else {
            None
        };
        let mut obj = self
            .session
            .get(kind, ns.as_deref(), &obj_name)
            .await?
            .ok_or_else(|| {
                ToolError::NotFound(format!(
                    "{} {}{obj_name}",
                    kind.kind,
                    ns.as_deref().map(|n| format!("{n}/")).unwrap_or_default()
                ))
            })?;
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("managedFields");
            if let Some(Value::Object(ann)) = meta.get_mut("annotations") {
                ann.remove("kubectl.kubernetes.io/last-applied-configuration");
            }
        }
        // Key order differs between typed (live) and file (bundle) objects: print canonically.
        Ok(serde_json::to_string_pretty(&sorted(obj)).unwrap_or_default() + "\n")
    }
}

fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// `matchLabels` of a workload's selector as a label selector string.
fn selector_string(obj: &Value) -> Option<String> {
    let m = obj
        .pointer("/spec/selector/matchLabels")
        .or_else(|| obj.pointer("/spec/jobTemplate/spec/selector/matchLabels"))
        .and_then(Value::as_object)?;
    if m.is_empty() {
        return None;
    }
    Some(
        m.iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
            .collect::<Vec<_>>()
            .join(","),
    )
}

#[derive(Debug, thiserror::Error)]
enum ToolError {
    #[error("{0}")]
    Arg(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    #[error("{0}")]
    Other(String),
}

fn req_str(args: &Value, key: &str) -> Result<String, ToolError> {
    opt_str(args, key)?.ok_or_else(|| ToolError::Arg(format!("missing required parameter '{key}'")))
}

fn opt_str(args: &Value, key: &str) -> Result<Option<String>, ToolError> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(other) => Err(ToolError::Arg(format!(
            "parameter '{key}' must be a string, got {other}"
        ))),
    }
}

fn opt_u64(args: &Value, key: &str) -> Result<Option<u64>, ToolError> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .map(Some)
            .ok_or_else(|| {
                ToolError::Arg(format!(
                    "parameter '{key}' must be a non-negative integer, got {v}"
                ))
            }),
    }
}

/// Cuts `text` to the budget. Logs keep their tail (the newest lines), everything else its head.
pub(crate) fn truncate(text: &str, budget: Budget, keep_tail: bool) -> (String, bool) {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= budget.max_lines && text.len() <= budget.max_bytes {
        return (text.to_string(), false);
    }
    let total = lines.len();
    let mut kept: Vec<&str> = Vec::new();
    let mut bytes = 0usize;
    let room = budget.max_bytes.saturating_sub(120);
    let iter: Box<dyn Iterator<Item = &&str>> = if keep_tail {
        Box::new(lines.iter().rev())
    } else {
        Box::new(lines.iter())
    };
    for line in iter {
        if kept.len() >= budget.max_lines || bytes + line.len() + 1 > room {
            break;
        }
        bytes += line.len() + 1;
        kept.push(line);
    }
    if keep_tail {
        kept.reverse();
    }
    let note = format!(
        "[truncated: showing {} of {total} lines ({} of {} bytes); {}]",
        kept.len(),
        bytes,
        text.len(),
        if keep_tail {
            "older lines dropped, use tail_lines/since_seconds"
        } else {
            "narrow the query for the rest"
        }
    );
    let body = kept.join("\n");
    let out = if keep_tail {
        format!("{note}\n{body}\n")
    } else {
        format!("{body}\n{note}\n")
    };
    (out, true)
}
