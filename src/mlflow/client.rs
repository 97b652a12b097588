//! The MLflow REST API (tracking, artifacts proxy), typed. Only what AIDA uses.
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::MlflowError;

/// MLflow's per-request limits of `runs/log-batch`.
pub const MAX_METRICS_PER_BATCH: usize = 1000;
pub const MAX_PARAMS_PER_BATCH: usize = 100;
pub const MAX_TAGS_PER_BATCH: usize = 100;
/// Longer param values are truncated by the server without a word: send them as artifacts.
pub const MAX_PARAM_CHARS: usize = 6000;

/// A connection to one MLflow tracking server.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token.
        f.debug_struct("Client").field("base", &self.base).finish()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub key: String,
    pub value: f64,
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    pub step: i64,
}

/// A run as `runs/get` and `runs/search` return it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Run {
    pub info: RunInfo,
    #[serde(default)]
    pub data: RunData,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RunInfo {
    pub run_id: String,
    pub experiment_id: String,
    #[serde(default)]
    pub run_name: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub artifact_uri: Option<String>,
    /// Milliseconds since the epoch.
    #[serde(default)]
    pub start_time: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct RunData {
    #[serde(default)]
    pub metrics: Vec<Metric>,
    #[serde(default)]
    pub params: Vec<Param>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

impl Run {
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.data
            .tags
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.value.as_str())
    }

    pub fn param(&self, key: &str) -> Option<&str> {
        self.data
            .params
            .iter()
            .find(|p| p.key == key)
            .map(|p| p.value.as_str())
    }

    pub fn metric(&self, key: &str) -> Option<f64> {
        self.data
            .metrics
            .iter()
            .find(|m| m.key == key)
            .map(|m| m.value)
    }
}

/// One entry of `artifacts/list`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FileInfo {
    pub path: String,
    #[serde(default)]
    pub is_dir: bool,
    #[serde(default)]
    pub file_size: Option<i64>,
}

impl Client {
    /// A client for the server at `tracking_uri` (`http://` or `https://`), with an optional
    /// bearer token and a per-request timeout.
    pub fn new(
        tracking_uri: &str,
        token: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, MlflowError> {
        let base = tracking_uri.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(MlflowError::Config(format!(
                "mlflow.tracking_uri {base:?} is not an http:// or https:// URL (AIDA talks to an MLflow tracking server over REST)"
            )));
        }
        crate::tls::init();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| MlflowError::Config(format!("building the HTTP client: {e}")))?;
        Ok(Self {
            http,
            base,
            token: token.map(str::to_string).filter(|t| !t.trim().is_empty()),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub(super) fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// Sends `request` and returns the body of a success; an error status becomes
    /// [`MlflowError::Http`] (OTLP answers are protobuf or empty, so this stops short of JSON).
    pub(super) async fn send_raw(
        &self,
        endpoint: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<impl std::ops::Deref<Target = [u8]>, MlflowError> {
        let response = request
            .send()
            .await
            .map_err(|e| MlflowError::transport(endpoint, e))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| MlflowError::transport(endpoint, e))?;
        if !status.is_success() {
            return Err(MlflowError::http(endpoint, status, &body));
        }
        Ok(body)
    }

    /// Sends `request` and reads a JSON answer; an error status becomes [`MlflowError::Http`]
    /// with MLflow's `error_code` and message.
    pub(super) async fn send<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, MlflowError> {
        let body = self.send_raw(endpoint, request).await?;
        let body: &[u8] = if body.is_empty() { b"{}" } else { &body };
        serde_json::from_slice(body).map_err(|e| MlflowError::Decode {
            endpoint: endpoint.to_string(),
            message: e.to_string(),
        })
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, MlflowError> {
        self.send(path, self.request(Method::GET, path).query(query))
            .await
    }

    async fn post<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T, MlflowError> {
        self.send(path, self.request(Method::POST, path).json(body))
            .await
    }

    /// The experiment's id, or None when there is none of that name.
    pub async fn experiment_id_by_name(&self, name: &str) -> Result<Option<String>, MlflowError> {
        #[derive(Deserialize)]
        struct Answer {
            experiment: Experiment,
        }
        #[derive(Deserialize)]
        struct Experiment {
            experiment_id: String,
        }
        match self
            .get::<Answer>(
                "/api/2.0/mlflow/experiments/get-by-name",
                &[("experiment_name", name)],
            )
            .await
        {
            Ok(answer) => Ok(Some(answer.experiment.experiment_id)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The experiment's id, creating it when missing (another host creating it at the same
    /// moment is fine).
    pub async fn ensure_experiment(&self, name: &str) -> Result<String, MlflowError> {
        if let Some(id) = self.experiment_id_by_name(name).await? {
            return Ok(id);
        }
        #[derive(Deserialize)]
        struct Created {
            experiment_id: String,
        }
        match self
            .post::<Created>("/api/2.0/mlflow/experiments/create", &json!({"name": name}))
            .await
        {
            Ok(created) => Ok(created.experiment_id),
            Err(e) if e.code() == Some("RESOURCE_ALREADY_EXISTS") => self
                .experiment_id_by_name(name)
                .await?
                .ok_or_else(|| MlflowError::Protocol(format!("experiment {name:?} vanished"))),
            // A timeout after the server created it: the retry's get-by-name finds it.
            Err(e) => Err(e),
        }
    }

    /// Runs of `experiment_id` matching an MLflow search `filter` (at most `max`).
    pub async fn search_runs(
        &self,
        experiment_id: &str,
        filter: &str,
        max: usize,
    ) -> Result<Vec<Run>, MlflowError> {
        #[derive(Deserialize)]
        struct Answer {
            #[serde(default)]
            runs: Vec<Run>,
            #[serde(default)]
            next_page_token: Option<String>,
        }
        let mut runs = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = max.saturating_sub(runs.len()).clamp(1, 1000);
            let mut body = json!({
                "experiment_ids": [experiment_id],
                "filter": filter,
                "max_results": page,
                "run_view_type": "ACTIVE_ONLY",
            });
            if let Some(t) = &token {
                body["page_token"] = json!(t);
            }
            let answer: Answer = self.post("/api/2.0/mlflow/runs/search", &body).await?;
            runs.extend(answer.runs);
            token = answer.next_page_token.filter(|t| !t.is_empty());
            if token.is_none() || runs.len() >= max {
                return Ok(runs);
            }
        }
    }

    pub async fn create_run(
        &self,
        experiment_id: &str,
        run_name: &str,
        start_time_ms: i64,
        tags: &[Tag],
    ) -> Result<Run, MlflowError> {
        #[derive(Deserialize)]
        struct Answer {
            run: Run,
        }
        let answer: Answer = self
            .post(
                "/api/2.0/mlflow/runs/create",
                &json!({
                    "experiment_id": experiment_id,
                    "run_name": run_name,
                    "start_time": start_time_ms,
                    "tags": tags,
                }),
            )
            .await?;
        Ok(answer.run)
    }

    pub async fn get_run(&self, run_id: &str) -> Result<Run, MlflowError> {
        #[derive(Deserialize)]
        struct Answer {
            run: Run,
        }
        let answer: Answer = self
            .get("/api/2.0/mlflow/runs/get", &[("run_id", run_id)])
            .await?;
        Ok(answer.run)
    }

    /// Ends a run (`FINISHED` or `FAILED`).
    pub async fn update_run(
        &self,
        run_id: &str,
        status: &str,
        end_time_ms: i64,
    ) -> Result<(), MlflowError> {
        let _: Value = self
            .post(
                "/api/2.0/mlflow/runs/update",
                &json!({"run_id": run_id, "status": status, "end_time": end_time_ms}),
            )
            .await?;
        Ok(())
    }

    pub async fn set_tag(&self, run_id: &str, key: &str, value: &str) -> Result<(), MlflowError> {
        let _: Value = self
            .post(
                "/api/2.0/mlflow/runs/set-tag",
                &json!({"run_id": run_id, "key": key, "value": value}),
            )
            .await?;
        Ok(())
    }

    /// Logs metrics, params and tags in as many `log-batch` requests as the server's limits
    /// need. Non-finite metrics are refused (JSON has no NaN); params longer than
    /// [`MAX_PARAM_CHARS`] are refused too: the caller sends those as artifacts.
    pub async fn log_batch(
        &self,
        run_id: &str,
        metrics: &[Metric],
        params: &[Param],
        tags: &[Tag],
    ) -> Result<(), MlflowError> {
        for batch in batches(metrics, params, tags)? {
            let _: Value = self
                .post(
                    "/api/2.0/mlflow/runs/log-batch",
                    &json!({"run_id": run_id, "metrics": batch.0, "params": batch.1, "tags": batch.2}),
                )
                .await?;
        }
        Ok(())
    }

    /// Uploads one artifact of a run through the `mlflow-artifacts` proxy (`--serve-artifacts`).
    pub async fn upload_artifact(
        &self,
        run: &RunInfo,
        path: &str,
        content: Vec<u8>,
        content_type: &str,
    ) -> Result<(), MlflowError> {
        let url_path = artifact_url_path(run, path)?;
        let request = self
            .request(Method::PUT, &url_path)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(content);
        let _: Value = self.send(&url_path, request).await?;
        Ok(())
    }

    /// Downloads one artifact of a run through the proxy.
    pub async fn download_artifact(
        &self,
        run: &RunInfo,
        path: &str,
    ) -> Result<Vec<u8>, MlflowError> {
        let url_path = artifact_url_path(run, path)?;
        let response = self
            .request(Method::GET, &url_path)
            .send()
            .await
            .map_err(|e| MlflowError::transport(&url_path, e))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| MlflowError::transport(&url_path, e))?;
        if !status.is_success() {
            return Err(MlflowError::http(&url_path, status, &body));
        }
        Ok(body.to_vec())
    }

    /// The artifacts directly under `path` ("" = the root) of a run.
    pub async fn list_artifacts(
        &self,
        run_id: &str,
        path: &str,
    ) -> Result<Vec<FileInfo>, MlflowError> {
        #[derive(Deserialize)]
        struct Answer {
            #[serde(default)]
            files: Vec<FileInfo>,
        }
        let mut query = vec![("run_id", run_id)];
        if !path.is_empty() {
            query.push(("path", path));
        }
        let answer: Answer = self.get("/api/2.0/mlflow/artifacts/list", &query).await?;
        Ok(answer.files)
    }
}

type Batch<'a> = (&'a [Metric], &'a [Param], &'a [Tag]);

/// Splits what one run logs into requests within the server's limits.
fn batches<'a>(
    metrics: &'a [Metric],
    params: &'a [Param],
    tags: &'a [Tag],
) -> Result<Vec<Batch<'a>>, MlflowError> {
    if let Some(m) = metrics.iter().find(|m| !m.value.is_finite()) {
        return Err(MlflowError::Refused(format!(
            "metric {:?} is {}: JSON has no NaN or infinity",
            m.key, m.value
        )));
    }
    if let Some(p) = params
        .iter()
        .find(|p| p.value.chars().count() > MAX_PARAM_CHARS)
    {
        return Err(MlflowError::Refused(format!(
            "param {:?} is longer than {MAX_PARAM_CHARS} characters: send it as an artifact",
            p.key
        )));
    }
    let n = metrics
        .len()
        .div_ceil(MAX_METRICS_PER_BATCH)
        .max(params.len().div_ceil(MAX_PARAMS_PER_BATCH))
        .max(tags.len().div_ceil(MAX_TAGS_PER_BATCH));
    let slice = |all: &'a [Metric], i: usize| {
        let start = (i * MAX_METRICS_PER_BATCH).min(all.len());
        &all[start..((i + 1) * MAX_METRICS_PER_BATCH).min(all.len())]
    };
    let pslice = |i: usize| {
        let start = (i * MAX_PARAMS_PER_BATCH).min(params.len());
        &params[start..((i + 1) * MAX_PARAMS_PER_BATCH).min(params.len())]
    };
    let tslice = |i: usize| {
        let start = (i * MAX_TAGS_PER_BATCH).min(tags.len());
        &tags[start..((i + 1) * MAX_TAGS_PER_BATCH).min(tags.len())]
    };
    Ok((0..n)
        .map(|i| (slice(metrics, i), pslice(i), tslice(i)))
        .collect())
}

/// The proxy URL path of artifact `path` of `run`: `/api/2.0/mlflow-artifacts/artifacts/<where
/// the run's artifact_uri points>/<path>`, each segment percent-encoded. Absolute paths, empty
/// segments and `.`/`..` are refused: an artifact never leaves its run's directory.
pub fn artifact_url_path(run: &RunInfo, path: &str) -> Result<String, MlflowError> {
    let uri = run.artifact_uri.as_deref().unwrap_or_default();
    let Some(rest) = uri.strip_prefix("mlflow-artifacts:") else {
        return Err(MlflowError::Protocol(format!(
            "run {} stores artifacts at {uri:?}, not through the mlflow-artifacts proxy: start the server with --serve-artifacts",
            run.run_id
        )));
    };
    // `mlflow-artifacts:/1/<run>/artifacts` or `mlflow-artifacts://host:port/1/<run>/artifacts`.
    let rest = match rest.strip_prefix("//") {
        Some(with_host) => with_host.split_once('/').map_or("", |(_, p)| p),
        None => rest.trim_start_matches('/'),
    };
    let mut url = String::from("/api/2.0/mlflow-artifacts/artifacts");
    for segment in rest.split('/').filter(|s| !s.is_empty()) {
        url.push('/');
        url.push_str(&encode_segment(segment));
    }
    if path.is_empty() || path.starts_with('/') || path.contains('\\') {
        return Err(MlflowError::Refused(format!(
            "artifact path {path:?} must be relative, with / between parts"
        )));
    }
    for segment in path.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." {
            return Err(MlflowError::Refused(format!(
                "artifact path {path:?} has an empty, '.' or '..' part"
            )));
        }
        url.push('/');
        url.push_str(&encode_segment(segment));
    }
    Ok(url)
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Whether an HTTP status is worth retrying.
pub(super) fn transient_status(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(uri: &str) -> RunInfo {
        RunInfo {
            run_id: "r1".into(),
            experiment_id: "1".into(),
            run_name: None,
            status: None,
            artifact_uri: Some(uri.into()),
            start_time: None,
        }
    }

    #[test]
    fn artifact_paths_are_encoded_and_confined() {
        let r = run("mlflow-artifacts:/1/r1/artifacts");
        assert_eq!(
            artifact_url_path(&r, "evidence/a b#?.json").unwrap(),
            "/api/2.0/mlflow-artifacts/artifacts/1/r1/artifacts/evidence/a%20b%23%3F.json"
        );
        let hosted = run("mlflow-artifacts://mlflow.example:5000/1/r1/artifacts");
        assert_eq!(
            artifact_url_path(&hosted, "x.json").unwrap(),
            "/api/2.0/mlflow-artifacts/artifacts/1/r1/artifacts/x.json"
        );
        for bad in [
            "../x",
            "a/../../b",
            "/etc/passwd",
            "a//b",
            "",
            "./a",
            "a\\b",
        ] {
            assert!(
                matches!(artifact_url_path(&r, bad), Err(MlflowError::Refused(_))),
                "{bad:?} accepted"
            );
        }
        assert!(matches!(
            artifact_url_path(&run("file:///tmp/mlruns/1/r1/artifacts"), "x"),
            Err(MlflowError::Protocol(_))
        ));
    }

    fn metric(i: usize, value: f64) -> Metric {
        Metric {
            key: format!("m{i}"),
            value,
            timestamp: 0,
            step: 0,
        }
    }

    #[test]
    fn batches_stay_within_the_server_limits() {
        let metrics: Vec<_> = (0..2500).map(|i| metric(i, 1.0)).collect();
        let params: Vec<_> = (0..150)
            .map(|i| Param {
                key: format!("p{i}"),
                value: "v".into(),
            })
            .collect();
        let tags: Vec<_> = (0..30)
            .map(|i| Tag {
                key: format!("t{i}"),
                value: "v".into(),
            })
            .collect();
        let b = batches(&metrics, &params, &tags).unwrap();
        assert_eq!(b.len(), 3);
        assert!(
            b.iter()
                .all(|(m, p, t)| m.len() <= 1000 && p.len() <= 100 && t.len() <= 100)
        );
        assert_eq!(b.iter().map(|x| x.0.len()).sum::<usize>(), 2500);
        assert_eq!(b.iter().map(|x| x.1.len()).sum::<usize>(), 150);
        assert_eq!(b.iter().map(|x| x.2.len()).sum::<usize>(), 30);
        assert!(batches(&[], &[], &[]).unwrap().is_empty());
    }

    #[test]
    fn nan_and_overlong_params_are_refused() {
        assert!(batches(&[metric(0, f64::NAN)], &[], &[]).is_err());
        assert!(batches(&[metric(0, f64::INFINITY)], &[], &[]).is_err());
        let long = Param {
            key: "p".into(),
            value: "x".repeat(MAX_PARAM_CHARS + 1),
        };
        assert!(batches(&[], &[long], &[]).is_err());
    }
}
