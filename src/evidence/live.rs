//! The live source: kube-rs against a cluster (get/list only, per-call timeout) and Prometheus.
use std::path::PathBuf;
use std::time::Duration;

use kube::api::{Api, ApiResource, DynamicObject, ListParams, LogParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::Value;

use super::{EvidenceError, Kind, ListSelector, LogRequest, PromClient, Recorder, Result};
use crate::redact;

/// How to reach the cluster.
#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    /// A kubeconfig file; None = `$KUBECONFIG`/`~/.kube/config`, then in-cluster.
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    /// Per-call timeout.
    pub timeout: Duration,
}

/// A live cluster (and optionally Prometheus), optionally recording into a bundle.
pub struct Live {
    client: kube::Client,
    prometheus: Option<PromClient>,
    recorder: Option<Recorder>,
    timeout: Duration,
    /// The API server's URL, named in connection errors (`https://10.0.0.1:6443`).
    server: String,
}

impl Live {
    /// Connects (lazily: no request is made here) using a kubeconfig context or in-cluster config.
    pub async fn connect(
        opts: &LiveOptions,
        prometheus: Option<PromClient>,
        recorder: Option<Recorder>,
    ) -> Result<Self> {
        crate::tls::init();
        let kopts = KubeConfigOptions {
            context: opts.context.clone(),
            ..Default::default()
        };
        let config = match &opts.kubeconfig {
            Some(path) => {
                let kc = Kubeconfig::read_from(path).map_err(|e| {
                    EvidenceError::Kubernetes(format!("kubeconfig {}: {e}", path.display()))
                })?;
                kube::Config::from_custom_kubeconfig(kc, &kopts).await
            }
            None => match kube::Config::from_kubeconfig(&kopts).await {
                Ok(c) => Ok(c),
                Err(kc_err) => kube::Config::incluster().map_err(|_| kc_err),
            },
        };
        let mut config =
            config.map_err(|e| EvidenceError::Kubernetes(format!("kubeconfig: {e}")))?;
        let timeout = if opts.timeout.is_zero() {
            Duration::from_secs(10)
        } else {
            opts.timeout
        };
        config.connect_timeout = Some(timeout);
        config.read_timeout = Some(timeout);
        let server = redact::text(&config.cluster_url.to_string()).into_owned();
        let client = kube::Client::try_from(config)
            .map_err(|e| EvidenceError::Kubernetes(format!("client: {e}")))?;
        Ok(Self {
            client,
            prometheus,
            recorder,
            timeout,
            server,
        })
    }

    pub fn recorder(&self) -> Option<&Recorder> {
        self.recorder.as_ref()
    }

    fn api(&self, kind: &Kind, namespace: Option<&str>) -> Result<Api<DynamicObject>> {
        if kind.kind == "Secret" {
            return Err(EvidenceError::SecretsForbidden);
        }
        let ar = ApiResource {
            group: kind.group.to_string(),
            version: kind.version.to_string(),
            api_version: kind.api_version(),
            kind: kind.kind.to_string(),
            plural: kind.plural.to_string(),
        };
        Ok(match namespace {
            Some(ns) if kind.namespaced => Api::namespaced_with(self.client.clone(), ns, &ar),
            _ => Api::all_with(self.client.clone(), &ar),
        })
    }

    async fn timed<T, F>(&self, what: String, fut: F) -> Result<T>
    where
        F: std::future::Future<Output = std::result::Result<T, kube::Error>>,
    {
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(r) => r.map_err(|e| match e {
                // The server answered: its words say what is wrong.
                kube::Error::Api(_) => {
                    EvidenceError::Kubernetes(format!("{what}: {}", kube_message(&e)))
                }
                // It could not be reached: say where we tried.
                other => EvidenceError::Kubernetes(format!(
                    "{what}: cannot reach the API server {}: {}",
                    self.server,
                    kube_message(&other)
                )),
            }),
            Err(_) => Err(EvidenceError::Timeout {
                what: format!("{what} at {}", self.server),
                secs: self.timeout.as_secs(),
            }),
        }
    }

    pub async fn list(
        &self,
        kind: &Kind,
        namespace: Option<&str>,
        selector: &ListSelector,
    ) -> Result<Vec<Value>> {
        let api = self.api(kind, namespace)?;
        let mut lp = ListParams::default();
        if let Some(l) = selector.labels.as_deref().filter(|s| !s.is_empty()) {
            lp = lp.labels(l);
        }
        if let Some(f) = selector.fields.as_deref().filter(|s| !s.is_empty()) {
            lp = lp.fields(f);
        }
        let what = format!("list {}", kind.plural);
        let list = self.timed(what, api.list(&lp)).await?;
        let objs: Vec<Value> = list.items.into_iter().map(|o| to_value(kind, o)).collect();
        if let Some(rec) = &self.recorder {
            rec.touch(kind, namespace)?;
            rec.objects(kind, &objs)?;
        }
        Ok(objs)
    }

    pub async fn get(
        &self,
        kind: &Kind,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>> {
        let api = self.api(kind, namespace)?;
        let what = format!("get {} {name}", kind.kind);
        let obj = self.timed(what, api.get_opt(name)).await?;
        let obj = obj.map(|o| to_value(kind, o));
        if let Some(rec) = &self.recorder {
            match &obj {
                Some(o) => rec.objects(kind, std::slice::from_ref(o))?,
                None => rec.touch(kind, namespace)?,
            }
        }
        Ok(obj)
    }

    pub async fn logs(&self, req: &LogRequest) -> Result<String> {
        let pods: Api<k8s_openapi::api::core::v1::Pod> =
            Api::namespaced(self.client.clone(), &req.namespace);
        let lp = LogParams {
            container: req.container.clone(),
            previous: req.previous,
            tail_lines: req.tail_lines.map(|n| n as i64),
            since_seconds: req.since_seconds.map(|n| n as i64),
            ..Default::default()
        };
        let what = format!("logs of pod {}/{}", req.namespace, req.pod);
        let text = self.timed(what, pods.logs(&req.pod, &lp)).await?;
        let text = redact::text(&text).into_owned();
        if let Some(rec) = &self.recorder {
            rec.logs(req, req.container.as_deref().unwrap_or(""), &text)?;
        }
        Ok(text)
    }

    pub async fn prometheus(&self, path: &str, params: &[(String, String)]) -> Result<Value> {
        let prom = self
            .prometheus
            .as_ref()
            .ok_or(EvidenceError::NoPrometheus)?;
        let out = prom.get(path, params).await;
        if let Some(rec) = &self.recorder {
            rec.query(path, params, out.as_ref())?;
        }
        out
    }
}

/// A dynamic object as the API's JSON, with `apiVersion`/`kind` set (list items lack them),
/// redacted.
fn to_value(kind: &Kind, obj: DynamicObject) -> Value {
    let mut v = serde_json::to_value(obj).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.insert("apiVersion".into(), Value::String(kind.api_version()));
        map.insert("kind".into(), Value::String(kind.kind.to_string()));
    }
    redact::value(&mut v);
    v
}

fn kube_message(e: &kube::Error) -> String {
    match e {
        // The API server's words enter here (they can echo request data): redacted once.
        kube::Error::Api(status) => {
            redact::text(&format!("{} ({})", status.message, status.code)).into_owned()
        }
        other => redact::text(&other.to_string()).into_owned(),
    }
}
