//! Prometheus HTTP API client (reqwest): instant and range queries, alerts, rules, targets.
//! Error envelopes (`{"status":"error","errorType":...}`), HTTP failures and timeouts all become
//! [`EvidenceError::Prometheus`] so tools can hand them to the agent as results.
use std::time::Duration;

use serde_json::Value;

use super::bundle::prom_envelope_error;
use super::{EvidenceError, Result};

/// Credentials for Prometheus (often behind a proxy).
#[derive(Clone, Default)]
pub enum PromAuth {
    #[default]
    None,
    Bearer(String),
    Basic {
        username: String,
        password: Option<String>,
    },
}

// Never print credentials, not even in debug logs.
impl std::fmt::Debug for PromAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PromAuth::None => "None",
            PromAuth::Bearer(_) => "Bearer([REDACTED])",
            PromAuth::Basic { .. } => "Basic([REDACTED])",
        })
    }
}

/// A Prometheus API client.
#[derive(Debug, Clone)]
pub struct PromClient {
    base: String,
    http: reqwest::Client,
    auth: PromAuth,
    timeout: Duration,
}

/// The API paths the client may call; anything else is refused (read-only by construction).
const PATHS: &[&str] = &[
    "/api/v1/query",
    "/api/v1/query_range",
    "/api/v1/alerts",
    "/api/v1/rules",
    "/api/v1/targets",
    "/api/v1/series",
    "/api/v1/labels",
];

impl PromClient {
    pub fn new(base_url: &str, auth: PromAuth, timeout: Duration) -> Result<Self> {
        crate::tls::init();
        let base = base_url.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(EvidenceError::Prometheus {
                status: None,
                message: format!("prometheus.url '{base_url}' must start with http:// or https://"),
            });
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| EvidenceError::Prometheus {
                status: None,
                message: format!("client: {e}"),
            })?;
        Ok(Self {
            base,
            http,
            auth,
            timeout,
        })
    }

    /// GET `path` with `params`; the success envelope, or an error. Prometheus' answers and
    /// error texts enter AIDA here, so both leave redacted.
    pub async fn get(&self, path: &str, params: &[(String, String)]) -> Result<Value> {
        match self.get_unredacted(path, params).await {
            Ok(v) => Ok(crate::redact::redacted(v)),
            Err(EvidenceError::Prometheus { status, message }) => Err(EvidenceError::Prometheus {
                status,
                message: crate::redact::text(&message).into_owned(),
            }),
            Err(other) => Err(other),
        }
    }

    async fn get_unredacted(&self, path: &str, params: &[(String, String)]) -> Result<Value> {
        if !PATHS.contains(&path) {
            return Err(EvidenceError::Prometheus {
                status: None,
                message: format!("path {path} is not one AIDA reads"),
            });
        }
        let mut req = self.http.get(format!("{}{path}", self.base)).query(params);
        req = match &self.auth {
            PromAuth::None => req,
            PromAuth::Bearer(t) => req.bearer_auth(t),
            PromAuth::Basic { username, password } => req.basic_auth(username, password.as_ref()),
        };
        let resp = req.send().await.map_err(|e| EvidenceError::Prometheus {
            status: None,
            message: if e.is_timeout() {
                format!("{path} timed out after {} s", self.timeout.as_secs())
            } else {
                format!("{path}: {}", without_url(&e))
            },
        })?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| EvidenceError::Prometheus {
            status: Some(status.as_u16()),
            message: format!("{path}: reading body: {}", without_url(&e)),
        })?;
        let parsed: std::result::Result<Value, _> = serde_json::from_slice(&body);
        match parsed {
            Ok(v) => {
                if let Some(message) = prom_envelope_error(&v) {
                    return Err(EvidenceError::Prometheus {
                        status: Some(status.as_u16()),
                        message,
                    });
                }
                if !status.is_success() {
                    return Err(EvidenceError::Prometheus {
                        status: Some(status.as_u16()),
                        message: format!("{path}: unexpected answer {}", snippet(&body)),
                    });
                }
                if v.get("status").and_then(Value::as_str) != Some("success") {
                    return Err(EvidenceError::Prometheus {
                        status: Some(status.as_u16()),
                        message: format!("{path}: not a Prometheus API answer: {}", snippet(&body)),
                    });
                }
                Ok(v)
            }
            Err(_) => Err(EvidenceError::Prometheus {
                status: Some(status.as_u16()),
                message: format!("{path}: non-JSON answer: {}", snippet(&body)),
            }),
        }
    }

    /// Instant query at `time` (RFC 3339 or unix seconds; None = now).
    pub async fn query(&self, promql: &str, time: Option<&str>) -> Result<Value> {
        let mut p = vec![("query".to_string(), promql.to_string())];
        if let Some(t) = time {
            p.push(("time".into(), t.into()));
        }
        self.get("/api/v1/query", &p).await
    }

    pub async fn query_range(
        &self,
        promql: &str,
        start: &str,
        end: &str,
        step: &str,
    ) -> Result<Value> {
        let p = [
            ("query".to_string(), promql.to_string()),
            ("start".into(), start.into()),
            ("end".into(), end.into()),
            ("step".into(), step.into()),
        ];
        self.get("/api/v1/query_range", &p).await
    }

    pub async fn alerts(&self) -> Result<Value> {
        self.get("/api/v1/alerts", &[]).await
    }

    pub async fn rules(&self) -> Result<Value> {
        self.get("/api/v1/rules", &[]).await
    }

    pub async fn targets(&self) -> Result<Value> {
        self.get("/api/v1/targets", &[]).await
    }
}

/// reqwest errors print the URL, which may carry credentials in its userinfo.
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(url.as_str(), "<prometheus>");
    }
    s
}

fn snippet(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    let s = s.trim();
    let cut: String = s.chars().take(200).collect();
    if cut.len() < s.len() {
        format!("{cut}…")
    } else {
        cut
    }
}
