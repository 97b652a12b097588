//! The HTTP surface (docs/CONTRACTS.md, "Webhook API").
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::watch;

use super::auth::Token;
use super::metrics::{self, Metrics, Rejection};
use super::queue::Queue;
use super::worker::Phase;
use super::writer::WriteError;
use crate::alert::{self, Alert};
use crate::report::ModelInfo;
use crate::store::{Delivered, IncomingAlert, Receipt};

/// How long a webhook waits for its commit before answering 503 (Alertmanager retries).
const COMMIT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long `/readyz` waits for the store.
const READY_TIMEOUT: Duration = Duration::from_secs(5);

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub queue: Queue,
    pub metrics: Arc<Metrics>,
    pub token: Option<Token>,
    pub phase: watch::Receiver<Phase>,
    pub model: ModelInfo,
    pub queue_capacity: usize,
}

pub fn router(state: AppState, body_limit: usize) -> Router {
    let webhook = Router::new()
        .route("/webhook", post(webhook))
        .layer(DefaultBodyLimit::max(body_limit))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route("/", get(root))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .merge(webhook)
        .with_state(state)
}

/// A JSON error: `{"error": ...}`, plus `"field"` (a JSON path) for payload errors.
fn error(status: StatusCode, message: impl Into<String>, field: Option<&str>) -> Response {
    let mut body = json!({ "error": message.into() });
    if let Some(field) = field {
        body["field"] = Value::from(field);
    }
    (status, axum::Json(body)).into_response()
}

fn reject(state: &AppState, why: Rejection, response: Response) -> Response {
    state.metrics.rejected(why);
    tracing::info!(
        status = response.status().as_u16(),
        reason = why.as_str(),
        "webhook refused"
    );
    response
}

/// 401 unless the request carries the configured bearer token (none configured: open).
async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(token) = &state.token {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes);
        if !token.accepts(presented) {
            state.metrics.request();
            let mut response = error(
                StatusCode::UNAUTHORIZED,
                "missing or wrong bearer token (send `Authorization: Bearer <server.token>`)",
                None,
            );
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"aida\""),
            );
            return reject(&state, Rejection::Unauthorized, response);
        }
    }
    next.run(request).await
}

async fn webhook(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Response {
    state.metrics.request();
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let response = error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is over the limit: {}", rejection.body_text()),
                None,
            );
            return reject(&state, Rejection::TooLarge, response);
        }
        Err(rejection) => {
            let response = error(rejection.status(), rejection.body_text(), None);
            return reject(&state, Rejection::BadRequest, response);
        }
    };
    if *state.phase.borrow() != Phase::Running {
        let response = error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is shutting down",
            None,
        );
        return reject(&state, Rejection::ShuttingDown, response);
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        let response = error(
            StatusCode::BAD_REQUEST,
            "the body is not UTF-8 text",
            Some("$"),
        );
        return reject(&state, Rejection::BadRequest, response);
    };
    // The one parser: validates, caps and REDACTS every alert.
    let parsed = match alert::parse_str(text) {
        Ok(parsed) => parsed,
        Err(err) => {
            let response = error(StatusCode::BAD_REQUEST, err.message, Some(&err.path));
            return reject(&state, Rejection::BadRequest, response);
        }
    };
    let in_payload = parsed.firing.len() + parsed.resolved.len() + parsed.duplicates.len();
    state.metrics.received(in_payload);
    let incoming: Vec<IncomingAlert> = (parsed.firing.iter().map(|a| incoming(a, false)))
        .chain(parsed.resolved.iter().map(|a| incoming(a, true)))
        .collect();
    let outcome = state
        .queue
        .deliver(incoming, state.queue_capacity, COMMIT_TIMEOUT)
        .await;
    let receipts = match outcome {
        Ok(Delivered::Accepted(receipts)) => receipts,
        Ok(Delivered::QueueFull {
            depth,
            capacity,
            needed,
        }) => {
            let mut response = error(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the queue is full ({depth} of {capacity} jobs; this payload needs {needed}): retry later"
                ),
                None,
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
            return reject(&state, Rejection::QueueFull, response);
        }
        Err(err) => {
            tracing::error!(%err, "could not store a webhook delivery");
            let message = match err {
                WriteError::Stopped => "the server is shutting down".to_string(),
                other => format!("the alerts could not be stored ({other}): retry later"),
            };
            let response = error(StatusCode::SERVICE_UNAVAILABLE, message, None);
            return reject(&state, Rejection::StoreUnavailable, response);
        }
    };
    let mut incident_ids = Vec::new();
    let mut closed = Vec::new();
    let (mut queued, mut folded, mut resolved) = (0, parsed.duplicates.len(), 0);
    for receipt in &receipts {
        match receipt {
            Receipt::Queued { incident_id } => {
                queued += 1;
                incident_ids.push(incident_id.clone());
            }
            Receipt::Folded { incident_id, .. } => {
                folded += 1;
                if !incident_ids.contains(incident_id) {
                    incident_ids.push(incident_id.clone());
                }
            }
            Receipt::Closed { incident_id } => {
                resolved += 1;
                closed.push(incident_id.clone());
            }
            Receipt::NothingToClose => resolved += 1,
        }
    }
    state.metrics.accepted(queued, folded, resolved);
    let message = summary(queued, folded, closed.len(), resolved - closed.len());
    tracing::info!(
        queued,
        deduplicated = folded,
        closed = closed.len(),
        incidents = ?incident_ids,
        "webhook accepted"
    );
    let body = json!({
        "status": "accepted",
        "incident_id": incident_ids.first(),
        "incident_ids": incident_ids,
        "closed_incident_ids": closed,
        "message": message,
    });
    (StatusCode::ACCEPTED, axum::Json(body)).into_response()
}

fn incoming(alert: &Alert, resolved: bool) -> IncomingAlert {
    IncomingAlert {
        id: uuid::Uuid::now_v7().to_string(),
        fingerprint: alert.fingerprint.clone(),
        alert_name: alert.name().to_string(),
        // Serializing our own Alert cannot fail.
        alert: serde_json::to_value(alert).unwrap_or(Value::Null),
        starts_at: alert.starts_at.clone(),
        ends_at: alert
            .ends_at
            .clone()
            // Alertmanager's zero time means "not ended".
            .filter(|t| !t.starts_with("0001-")),
        resolved,
    }
}

fn summary(queued: usize, folded: usize, closed: usize, unmatched: usize) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = Vec::new();
    if queued > 0 {
        parts.push(format!(
            "{} queued for investigation",
            plural(queued, "alert", "alerts")
        ));
    }
    if folded > 0 {
        parts.push(format!(
            "{} of an alert already queued or investigated folded into its incident",
            plural(folded, "re-notification", "re-notifications"),
        ));
    }
    if closed > 0 {
        parts.push(format!(
            "{} closed",
            plural(closed, "resolved incident", "resolved incidents")
        ));
    }
    if unmatched > 0 {
        parts.push(format!(
            "{} with no open incident",
            plural(unmatched, "resolved alert", "resolved alerts")
        ));
    }
    if parts.is_empty() {
        return "nothing to do".into();
    }
    parts.join("; ")
}

async fn root() -> Response {
    axum::Json(json!({
        "status": "ok",
        "message": "aida serve-webhook: POST Alertmanager webhooks to /webhook; /healthz, /readyz, /metrics",
        "version": env!("CARGO_PKG_VERSION"),
    }))
    .into_response()
}

async fn healthz() -> Response {
    axum::Json(json!({"status": "ok"})).into_response()
}

/// Ready when the store takes writes and the server is not shutting down. The model was loaded
/// before the server started listening.
async fn readyz(State(state): State<AppState>) -> Response {
    let model = json!({"backend": state.model.backend, "name": state.model.name,
        "adapter": state.model.adapter, "loaded": true});
    if *state.phase.borrow() != Phase::Running {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"ready": false, "reason": "shutting down", "model": model})),
        )
            .into_response();
    }
    let queue = state.queue.name();
    // `"store"` for the SQLite queue, `"redis"` for Redis Streams.
    match state.queue.ping(READY_TIMEOUT).await {
        Ok(()) => {
            let mut body = json!({"ready": true, "model": model,
                "queue_capacity": state.queue_capacity});
            body[queue] = "writable".into();
            axum::Json(body).into_response()
        }
        Err(err) => {
            let mut body = json!({"ready": false, "model": model});
            body[queue] = err.to_string().into();
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
        }
    }
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    match state.queue.depth().await {
        Ok(depth) => state.metrics.set_queue_depth(depth),
        Err(err) => tracing::warn!(err, "metrics: could not read the queue depth"),
    }
    (
        [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
        state.metrics.encode(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn the_message_says_what_happened() {
        assert_eq!(summary(2, 0, 0, 0), "2 alerts queued for investigation");
        assert_eq!(
            summary(1, 1, 1, 1),
            "1 alert queued for investigation; 1 re-notification of an alert already queued or investigated folded into its incident; 1 resolved incident closed; 1 resolved alert with no open incident"
        );
        assert_eq!(summary(0, 0, 0, 0), "nothing to do");
    }
}
