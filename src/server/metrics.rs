//! The server's metrics, in the Prometheus text format (`GET /metrics`, OpenMetrics 1.0 text as
//! written by the `prometheus-client` crate).
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Why a webhook request was refused (the `reason` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// 400: not JSON, or not an Alertmanager payload.
    BadRequest,
    /// 401: missing or wrong bearer token.
    Unauthorized,
    /// 413: over `server.max_body_bytes`.
    TooLarge,
    /// 503: the queue is at `server.queue_capacity`.
    QueueFull,
    /// 503: the store could not commit.
    StoreUnavailable,
    /// 503: the server is shutting down.
    ShuttingDown,
}

impl Rejection {
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::BadRequest => "bad_request",
            Rejection::Unauthorized => "unauthorized",
            Rejection::TooLarge => "too_large",
            Rejection::QueueFull => "queue_full",
            Rejection::StoreUnavailable => "store_unavailable",
            Rejection::ShuttingDown => "shutting_down",
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Reason {
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Status {
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Kind {
    kind: &'static str,
}

/// Every metric the server exports. Cheap to share (`Arc`); the metric handles are atomics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Counter,
    alerts_received: Counter,
    alerts_accepted: Counter,
    alerts_deduplicated: Counter,
    alerts_resolved: Counter,
    rejected: Family<Reason, Counter>,
    queue_depth: Gauge,
    queue_capacity: Gauge,
    in_flight: Gauge,
    duration: Histogram,
    finished: Family<Status, Counter>,
    failures: Family<Kind, Counter>,
}

impl Metrics {
    pub fn new(queue_capacity: usize) -> Self {
        let mut m = Self {
            registry: Registry::with_prefix("aida"),
            requests: Counter::default(),
            alerts_received: Counter::default(),
            alerts_accepted: Counter::default(),
            alerts_deduplicated: Counter::default(),
            alerts_resolved: Counter::default(),
            rejected: Family::default(),
            queue_depth: Gauge::default(),
            queue_capacity: Gauge::default(),
            in_flight: Gauge::default(),
            // 10 ms to about 45 minutes.
            duration: Histogram::new(exponential_buckets(0.01, 2.0, 19)),
            finished: Family::default(),
            failures: Family::default(),
        };
        m.queue_capacity.set(queue_capacity as i64);
        m.registry.register(
            "webhook_requests",
            "Webhook requests received",
            m.requests.clone(),
        );
        m.registry.register(
            "webhook_alerts_received",
            "Alerts in webhook payloads that parsed (firing, resolved and repeated)",
            m.alerts_received.clone(),
        );
        m.registry.register(
            "webhook_alerts_accepted",
            "Firing alerts stored as new incidents and queued for investigation",
            m.alerts_accepted.clone(),
        );
        m.registry.register(
            "webhook_alerts_deduplicated",
            "Re-notifications folded into an incident already queued or investigated (and repeats within one payload)",
            m.alerts_deduplicated.clone(),
        );
        m.registry.register(
            "webhook_alerts_resolved",
            "Resolved alerts received (closing their open incident when there is one)",
            m.alerts_resolved.clone(),
        );
        m.registry.register(
            "webhook_rejected",
            "Webhook requests refused, by reason",
            m.rejected.clone(),
        );
        m.registry.register(
            "queue_depth",
            "Jobs queued or running",
            m.queue_depth.clone(),
        );
        m.registry.register(
            "queue_capacity",
            "Jobs the queue takes before webhooks get 503",
            m.queue_capacity.clone(),
        );
        m.registry.register(
            "investigations_in_flight",
            "Investigations running now",
            m.in_flight.clone(),
        );
        m.registry.register(
            "investigation_duration_seconds",
            "Wall time of one investigation attempt",
            m.duration.clone(),
        );
        m.registry.register(
            "investigations_finished",
            "Investigations stored, by outcome",
            m.finished.clone(),
        );
        m.registry.register(
            "investigation_failures",
            "Failures by kind: evidence, model, store, input, internal (an attempt that errored), lease_lost, interrupted (shutdown), job_failed (out of attempts)",
            m.failures.clone(),
        );
        m
    }

    pub fn request(&self) {
        self.requests.inc();
    }

    pub fn received(&self, alerts: usize) {
        self.alerts_received.inc_by(alerts as u64);
    }

    pub fn accepted(&self, queued: usize, folded: usize, resolved: usize) {
        self.alerts_accepted.inc_by(queued as u64);
        self.alerts_deduplicated.inc_by(folded as u64);
        self.alerts_resolved.inc_by(resolved as u64);
    }

    pub fn rejected(&self, why: Rejection) {
        self.rejected
            .get_or_create(&Reason {
                reason: why.as_str(),
            })
            .inc();
    }

    pub fn set_queue_depth(&self, depth: usize) {
        self.queue_depth.set(depth as i64);
    }

    pub fn started(&self) {
        self.in_flight.inc();
    }

    /// Investigations running now.
    pub fn in_flight(&self) -> i64 {
        self.in_flight.get()
    }

    pub fn stopped(&self, seconds: f64) {
        self.in_flight.dec();
        self.duration.observe(seconds);
    }

    pub fn finished(&self, status: &'static str) {
        self.finished.get_or_create(&Status { status }).inc();
    }

    pub fn failure(&self, kind: &'static str) {
        self.failures.get_or_create(&Kind { kind }).inc();
    }

    /// The text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The content type of [`Metrics::encode`].
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_exported_with_its_labels() {
        let m = Metrics::new(1000);
        m.request();
        m.received(3);
        m.accepted(1, 1, 1);
        m.rejected(Rejection::QueueFull);
        m.set_queue_depth(7);
        m.started();
        m.stopped(0.25);
        m.finished("complete_success");
        m.failure("evidence");
        let text = m.encode();
        for line in [
            "aida_webhook_requests_total 1",
            "aida_webhook_alerts_received_total 3",
            "aida_webhook_alerts_accepted_total 1",
            "aida_webhook_alerts_deduplicated_total 1",
            "aida_webhook_alerts_resolved_total 1",
            "aida_webhook_rejected_total{reason=\"queue_full\"} 1",
            "aida_queue_depth 7",
            "aida_queue_capacity 1000",
            "aida_investigations_in_flight 0",
            "aida_investigation_duration_seconds_count 1",
            "aida_investigations_finished_total{status=\"complete_success\"} 1",
            "aida_investigation_failures_total{kind=\"evidence\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
    }
}
