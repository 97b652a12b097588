//! A worker of the Redis Streams queue: it takes a job (one of a dead consumer, or one whose retry
//! backoff passed, with `XAUTOCLAIM`; else a new one with `XREADGROUP`), stores the incident in
//! this host's store, investigates, and acknowledges only after the investigation is stored.
//!
//! While it runs, the worker keeps its claim fresh (`XCLAIM … JUSTID` every third of the lease,
//! if it still owns the entry), so `XAUTOCLAIM` by another worker takes only the jobs of workers
//! that stopped. A failed attempt stays pending with its idle time set so that it is claimed again
//! after the backoff; the delivery that reaches `server.max_attempts` goes to `S:dead` instead.
//! Exactly once: the firing's state in Redis says `done` once a store holds its investigation (the
//! same script acknowledges the entry), and a worker whose own store already holds a finished
//! investigation of the incident acknowledges it without running it again.
use std::sync::Arc;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;
use redis::streams::{
    StreamAutoClaimOptions, StreamAutoClaimReply, StreamId, StreamPendingCountReply,
    StreamReadOptions, StreamReadReply,
};
use tokio::sync::watch;

use super::redis_queue::{FIRING_TTL, GROUP, RedisError, RedisQueue};
use super::worker::{Phase, Shared, kind};
use crate::alert::Alert;
use crate::evidence::Source;
use crate::pipeline::{PipelineError, Request};
use crate::store::{IncidentSource, IncomingAlert, Store};

/// How long a blocking read waits for a new job before the worker looks around again.
const BLOCK: Duration = Duration::from_millis(500);

/// Keeps the claim fresh only while this consumer still owns the entry.
const HEARTBEAT: &str = r#"
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p == 0 or p[1][2] ~= ARGV[2] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
"#;

/// Marks the firing done by this store (unless another store was first), acknowledges and
/// deletes the entry; returns {first, resolved_at, notifications, last_seen}.
const FINISH: &str = r#"
local first = redis.call('HGET', KEYS[2], 'state') ~= 'done'
if first then redis.call('HSET', KEYS[2], 'state', 'done', 'holder', ARGV[3]) end
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
local h = redis.call('HMGET', KEYS[2], 'resolved_at', 'notifications', 'last_seen')
return {first and '1' or '0', h[1] or '', h[2] or '1', h[3] or ''}
"#;

static HEARTBEAT_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(HEARTBEAT));
static FINISH_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(FINISH));

/// What identifies this host's store in Redis, and the worker's consumer name in the group.
#[derive(Clone)]
pub struct Identity {
    /// `<hostname>:<store digest>`: the store that holds an incident (resolutions go there).
    pub holder: String,
    /// `<holder>/<pid>/w<n>`.
    pub consumer: String,
}

/// One job taken from the stream.
struct Entry {
    id: String,
    alert: Result<IncomingAlert, String>,
    deliveries: i64,
}

/// One worker, until the phase leaves `Running` (see the module docs).
pub async fn run(
    n: usize,
    shared: Arc<Shared>,
    queue: RedisQueue,
    mut store: Store,
    identity: Identity,
    mut phase: watch::Receiver<Phase>,
) {
    let mut conn = match queue.own_connection(BLOCK).await {
        Ok(conn) => conn,
        Err(err) => {
            tracing::error!(worker = n, %err, "worker cannot connect to Redis");
            return;
        }
    };
    let mut worker = Worker {
        shared: &shared,
        queue: &queue,
        identity: &identity,
        cursor: "0-0".into(),
    };
    if n == 0 {
        worker
            .recover_local(&mut conn, &mut store, &mut phase)
            .await;
    }
    while *phase.borrow() == Phase::Running {
        match worker.next(&mut conn).await {
            Ok(Some(entry)) => {
                worker
                    .handle(&mut conn, &mut store, entry, &mut phase)
                    .await
            }
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(worker = n, %err, "could not take a job from Redis");
                shared.metrics.failure("queue");
                tokio::time::sleep(shared.settings.poll).await;
            }
        }
    }
    tracing::debug!(worker = n, "worker stopped");
}

struct Worker<'a> {
    shared: &'a Shared,
    queue: &'a RedisQueue,
    identity: &'a Identity,
    /// Where the next `XAUTOCLAIM` scan of the pending list starts.
    cursor: String,
}

impl Worker<'_> {
    fn stream(&self) -> &str {
        &self.queue.keys.stream
    }

    /// Takes back, at once, the jobs of this store's processes that are gone (killed), without
    /// waiting for their lease: this store may hold their finished investigations.
    async fn recover_local(
        &mut self,
        conn: &mut ConnectionManager,
        store: &mut Store,
        phase: &mut watch::Receiver<Phase>,
    ) {
        let pending: redis::RedisResult<StreamPendingCountReply> = redis::cmd("XPENDING")
            .arg(self.stream())
            .arg(GROUP)
            .arg("-")
            .arg("+")
            .arg(10_000)
            .query_async(conn)
            .await;
        let pending = match pending {
            Ok(p) => p.ids,
            Err(err) => {
                tracing::warn!(%err, "could not read the pending jobs");
                return;
            }
        };
        let prefix = format!("{}/", self.identity.holder);
        let orphans: Vec<String> = pending
            .into_iter()
            .filter(|p| {
                p.consumer
                    .strip_prefix(&prefix)
                    .and_then(|rest| rest.split('/').next())
                    .and_then(|pid| pid.parse::<u32>().ok())
                    .is_some_and(|pid| {
                        pid != std::process::id() && crate::store::process_is_gone(pid)
                    })
            })
            .map(|p| p.id)
            .collect();
        if orphans.is_empty() {
            return;
        }
        let claimed: redis::RedisResult<redis::streams::StreamClaimReply> = redis::cmd("XCLAIM")
            .arg(self.stream())
            .arg(GROUP)
            .arg(&self.identity.consumer)
            .arg(0)
            .arg(&orphans)
            .query_async(conn)
            .await;
        match claimed {
            Ok(reply) => {
                tracing::info!(
                    jobs = reply.ids.len(),
                    "took back the Redis jobs of a server of this store that is gone"
                );
                for id in reply.ids {
                    if let Ok(entry) = self.entry(conn, id).await {
                        self.handle(conn, store, entry, phase).await;
                    }
                }
            }
            Err(err) => tracing::warn!(%err, "could not take back the jobs of a gone server"),
        }
    }

    /// A job: an abandoned or retry-due one first, else a new one (waiting at most [`BLOCK`]).
    async fn next(&mut self, conn: &mut ConnectionManager) -> Result<Option<Entry>, RedisError> {
        let lease_ms = self.shared.settings.lease.as_millis() as usize;
        let claimed: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
            .arg(self.stream())
            .arg(GROUP)
            .arg(&self.identity.consumer)
            .arg(lease_ms)
            .arg(&self.cursor)
            .arg(StreamAutoClaimOptions::default().count(1))
            .query_async(conn)
            .await?;
        self.cursor = claimed.next_stream_id;
        if let Some(id) = claimed.claimed.into_iter().next() {
            return self.entry(conn, id).await.map(Some);
        }
        let options = StreamReadOptions::default()
            .group(GROUP, &self.identity.consumer)
            .count(1)
            .block(BLOCK.as_millis() as usize);
        let read: Option<StreamReadReply> = redis::cmd("XREADGROUP")
            .arg(&options)
            .arg("STREAMS")
            .arg(self.stream())
            .arg(">")
            .query_async(conn)
            .await?;
        let Some(id) = read
            .and_then(|r| r.keys.into_iter().next())
            .and_then(|k| k.ids.into_iter().next())
        else {
            return Ok(None);
        };
        self.entry(conn, id).await.map(Some)
    }

    /// The entry with how many times it was delivered.
    async fn entry(&self, conn: &mut ConnectionManager, id: StreamId) -> Result<Entry, RedisError> {
        let pending: StreamPendingCountReply = redis::cmd("XPENDING")
            .arg(self.stream())
            .arg(GROUP)
            .arg(&id.id)
            .arg(&id.id)
            .arg(1)
            .query_async(conn)
            .await?;
        let deliveries = pending.ids.first().map_or(1, |p| p.times_delivered) as i64;
        Ok(Entry {
            alert: parse_entry(&id),
            id: id.id,
            deliveries,
        })
    }

    async fn handle(
        &self,
        conn: &mut ConnectionManager,
        store: &mut Store,
        entry: Entry,
        phase: &mut watch::Receiver<Phase>,
    ) {
        let alert = match &entry.alert {
            Ok(alert) => alert.clone(),
            Err(err) => {
                // Nothing to store: dead-letter it at once, with why.
                let error = format!("the queued job cannot be read: {err}");
                return self.dead_letter(conn, store, &entry, None, &error).await;
            }
        };
        let firing = self
            .queue
            .keys
            .firing(&alert.fingerprint, alert.starts_at.as_deref().unwrap_or(""));
        let max_attempts = self.shared.settings.max_attempts as i64;
        if entry.deliveries > max_attempts {
            let last: Option<String> = redis::cmd("HGET")
                .arg(&firing)
                .arg("error")
                .query_async(conn)
                .await
                .ok()
                .flatten();
            let error = format!(
                "delivered {} times without finishing (its workers stopped){}",
                entry.deliveries - 1,
                last.map(|e| format!("; before: {e}")).unwrap_or_default()
            );
            return self
                .dead_letter(conn, store, &entry, Some(&alert), &error)
                .await;
        }
        let state: Option<String> = match redis::cmd("HGET")
            .arg(&firing)
            .arg("state")
            .query_async(conn)
            .await
        {
            Ok(state) => state,
            Err(err) => {
                return self
                    .failed(conn, store, &entry, &firing, "queue", &err.to_string())
                    .await;
            }
        };
        if state.as_deref() == Some("done") {
            tracing::info!(incident_id = %alert.id, "already investigated on some host; acknowledging");
            return self.finish(conn, store, &entry, &firing, &alert.id).await;
        }
        let incident_id = match store.store_streamed(&alert) {
            Ok(id) => id,
            Err(err) => {
                return self
                    .failed(conn, store, &entry, &firing, "store", &err.to_string())
                    .await;
            }
        };
        match store.finished_since(&incident_id, "") {
            Ok(Some(investigation)) => {
                tracing::info!(
                    incident_id,
                    investigation,
                    "already investigated in this store; acknowledging"
                );
                return self
                    .finish(conn, store, &entry, &firing, &incident_id)
                    .await;
            }
            Ok(None) => {}
            Err(err) => {
                return self
                    .failed(conn, store, &entry, &firing, "store", &err.to_string())
                    .await;
            }
        }
        let parsed = match serde_json::from_value::<Alert>(alert.alert.clone()) {
            Ok(parsed) => parsed,
            Err(err) => {
                let error = format!("the queued alert cannot be read: {err}");
                return self
                    .failed(conn, store, &entry, &firing, "internal", &error)
                    .await;
            }
        };
        let source = match self.shared.evidence.source(&self.shared.services).await {
            Ok(source) => source,
            Err(err) => {
                return self
                    .failed(conn, store, &entry, &firing, kind(&err), &err.to_string())
                    .await;
            }
        };
        tracing::info!(
            incident_id,
            alert = parsed.name(),
            entry = entry.id,
            attempt = entry.deliveries,
            "investigating"
        );
        let metrics = &self.shared.metrics;
        metrics.started();
        let t0 = Instant::now();
        let ended = self
            .investigate(conn, store, &entry, &incident_id, &parsed, source, phase)
            .await;
        metrics.stopped(t0.elapsed().as_secs_f64());
        match ended {
            Ended::Done(done) => match *done {
                Ok(done) => {
                    metrics.finished(done.status.as_str());
                    tracing::info!(incident_id, investigation = done.investigation_id,
                    status = %done.status, category = %done.report.category,
                    ms = t0.elapsed().as_millis() as u64, "investigated");
                    self.finish(conn, store, &entry, &firing, &incident_id)
                        .await;
                }
                Err(err) => {
                    let _ = store.interrupt_running(&incident_id, &format!("interrupted: {err}"));
                    self.failed(conn, store, &entry, &firing, kind(&err), &err.to_string())
                        .await;
                }
            },
            Ended::LeaseLost => {
                metrics.failure("lease_lost");
                tracing::warn!(
                    incident_id,
                    entry = entry.id,
                    "the job was claimed by another worker; abandoning this run"
                );
                let _ = store.interrupt_running(
                    &incident_id,
                    "interrupted: the worker lost the job to another worker",
                );
            }
            Ended::Abandoned => {
                metrics.failure("interrupted");
                let _ = store.interrupt_running(
                    &incident_id,
                    "interrupted: the server shut down before the investigation finished; the job was queued again",
                );
                // Claimable at once by any worker, this delivery not counted.
                let released = self
                    .set_idle(
                        conn,
                        &entry.id,
                        self.shared.settings.lease,
                        Some(entry.deliveries - 1),
                    )
                    .await;
                match released {
                    Ok(()) => tracing::warn!(
                        incident_id,
                        entry = entry.id,
                        "shutdown deadline passed: job returned to the queue"
                    ),
                    Err(err) => tracing::error!(incident_id, %err,
                        "could not return the job to the queue; its lease will expire"),
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn investigate(
        &self,
        conn: &mut ConnectionManager,
        store: &mut Store,
        entry: &Entry,
        incident_id: &str,
        alert: &Alert,
        source: Source,
        phase: &mut watch::Receiver<Phase>,
    ) -> Ended {
        let lease = self.shared.settings.lease;
        let progress = |what: &str| tracing::debug!(incident_id, "{what}");
        let request = Request {
            alert,
            source,
            origin: IncidentSource::Webhook,
            incident_id: Some(incident_id.to_string()),
        };
        let work = self.shared.services.investigate(store, request, &progress);
        tokio::pin!(work);
        let mut renew =
            tokio::time::interval_at(tokio::time::Instant::now() + lease / 3, lease / 3);
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                done = &mut work => return Ended::Done(Box::new(done)),
                _ = renew.tick() => {
                    let kept: redis::RedisResult<i64> = HEARTBEAT_SCRIPT
                        .key(self.stream())
                        .arg(GROUP)
                        .arg(&self.identity.consumer)
                        .arg(&entry.id)
                        .invoke_async(conn)
                        .await;
                    match kept {
                        Ok(1) => {}
                        Ok(_) => return Ended::LeaseLost,
                        Err(err) => tracing::warn!(incident_id, %err, "could not keep the job's claim fresh"),
                    }
                }
                changed = phase.changed() => {
                    if changed.is_err() || *phase.borrow() == Phase::Abandon {
                        return Ended::Abandoned;
                    }
                }
            }
        }
    }

    /// Acknowledges a stored investigation and copies the firing's folding/resolution state.
    async fn finish(
        &self,
        conn: &mut ConnectionManager,
        store: &mut Store,
        entry: &Entry,
        firing: &str,
        incident_id: &str,
    ) {
        let reply: redis::RedisResult<Vec<String>> = FINISH_SCRIPT
            .key(self.stream())
            .key(firing)
            .arg(GROUP)
            .arg(&entry.id)
            .arg(&self.identity.holder)
            .arg(FIRING_TTL.as_secs())
            .invoke_async(conn)
            .await;
        match reply {
            Ok(r) if r.len() == 4 => {
                if r[0] != "1" {
                    tracing::warn!(
                        incident_id,
                        "another worker stored this job's investigation first (it lost its claim)"
                    );
                }
                let some = |s: &String| (!s.is_empty()).then(|| s.clone());
                let notifications = r[2].parse().unwrap_or(1);
                if let Err(err) = store.sync_streamed(
                    incident_id,
                    notifications,
                    some(&r[3]).as_deref(),
                    some(&r[1]).as_deref(),
                ) {
                    tracing::warn!(incident_id, %err, "could not copy the incident's notifications");
                }
            }
            Ok(r) => {
                tracing::error!(incident_id, reply = ?r, "unexpected answer acknowledging a job")
            }
            Err(err) => tracing::error!(incident_id, %err,
                "could not acknowledge the job; it will be claimed again and found investigated"),
        }
    }

    /// A failed attempt: retried after the backoff, or dead-lettered when it was the last.
    #[allow(clippy::too_many_arguments)]
    async fn failed(
        &self,
        conn: &mut ConnectionManager,
        store: &mut Store,
        entry: &Entry,
        firing: &str,
        kind: &'static str,
        error: &str,
    ) {
        let metrics = &self.shared.metrics;
        metrics.failure(kind);
        let _: redis::RedisResult<()> = redis::cmd("HSET")
            .arg(firing)
            .arg("error")
            .arg(error)
            .query_async(conn)
            .await;
        let incident_id = entry.alert.as_ref().map(|a| a.id.as_str()).unwrap_or("");
        if entry.deliveries >= self.shared.settings.max_attempts as i64 {
            let alert = entry.alert.as_ref().ok();
            return self.dead_letter(conn, store, entry, alert, error).await;
        }
        let attempts = u32::try_from(entry.deliveries.max(1)).unwrap_or(u32::MAX);
        let backoff = self
            .shared
            .settings
            .retry_backoff
            .saturating_mul(4u32.saturating_pow(attempts - 1))
            .min(Duration::from_secs(600));
        let lease = self.shared.settings.lease;
        // Idle `lease - backoff` now: XAUTOCLAIM (min idle = lease) takes it after the backoff.
        match self
            .set_idle(conn, &entry.id, lease.saturating_sub(backoff), None)
            .await
        {
            Ok(()) => tracing::warn!(
                incident_id,
                attempts,
                error,
                retry_in_ms = backoff.min(lease).as_millis() as u64,
                "attempt failed; retrying later"
            ),
            Err(err) => tracing::error!(incident_id, %err, error,
                "could not schedule the retry; the job's lease will expire"),
        }
    }

    /// `XCLAIM … IDLE ms [RETRYCOUNT n] JUSTID` on an entry this worker holds.
    async fn set_idle(
        &self,
        conn: &mut ConnectionManager,
        id: &str,
        idle: Duration,
        retry_count: Option<i64>,
    ) -> Result<(), RedisError> {
        let mut cmd = redis::cmd("XCLAIM");
        cmd.arg(self.stream())
            .arg(GROUP)
            .arg(&self.identity.consumer)
            .arg(0)
            .arg(id)
            .arg("IDLE")
            .arg(idle.as_millis() as u64);
        if let Some(n) = retry_count {
            cmd.arg("RETRYCOUNT").arg(n.max(0));
        }
        cmd.arg("JUSTID");
        let _: redis::Value = cmd.query_async(conn).await?;
        Ok(())
    }

    /// Moves a job to `S:dead` (with its error) and acknowledges it in one transaction, then
    /// records it in this store as a failed job (`aida list --status failed`).
    async fn dead_letter(
        &self,
        conn: &mut ConnectionManager,
        store: &mut Store,
        entry: &Entry,
        alert: Option<&IncomingAlert>,
        error: &str,
    ) {
        let keys = &self.queue.keys;
        let mut pipe = redis::pipe();
        pipe.atomic();
        let mut fields: Vec<(&str, String)> = vec![
            ("entry", entry.id.clone()),
            ("error", error.to_string()),
            ("deliveries", entry.deliveries.to_string()),
            ("consumer", self.identity.consumer.clone()),
            ("failed_at", crate::store::now()),
        ];
        if let Some(a) = alert {
            fields.extend([
                ("incident_id", a.id.clone()),
                ("fingerprint", a.fingerprint.clone()),
                ("starts_at", a.starts_at.clone().unwrap_or_default()),
                ("alert_name", a.alert_name.clone()),
                ("alert", a.alert.to_string()),
            ]);
            let firing = keys.firing(&a.fingerprint, a.starts_at.as_deref().unwrap_or(""));
            pipe.cmd("HSET")
                .arg(&firing)
                .arg("state")
                .arg("dead")
                .arg("error")
                .arg(error)
                .ignore();
        }
        pipe.cmd("XADD")
            .arg(keys.dead())
            .arg("*")
            .arg(&fields)
            .ignore();
        pipe.cmd("XACK")
            .arg(self.stream())
            .arg(GROUP)
            .arg(&entry.id)
            .ignore();
        pipe.cmd("XDEL").arg(self.stream()).arg(&entry.id).ignore();
        if let Err(err) = pipe.query_async::<()>(conn).await {
            tracing::error!(entry = entry.id, %err, "could not dead-letter the job; it will be claimed again");
            return;
        }
        let metrics = &self.shared.metrics;
        metrics.failure("job_failed");
        let incident_id = alert.map(|a| a.id.as_str()).unwrap_or("");
        tracing::error!(
            incident_id,
            entry = entry.id,
            attempts = entry.deliveries,
            error,
            dead_letters = keys.dead(),
            "investigation failed for good (out of attempts): dead-lettered"
        );
        if let Some(a) = alert {
            let recorded = store.store_streamed(a).and_then(|id| {
                store.record_dead_letter(
                    &id,
                    entry.deliveries,
                    self.shared.settings.max_attempts as i64,
                    error,
                )
            });
            if let Err(err) = recorded {
                tracing::warn!(incident_id, %err, "could not record the dead letter in the store");
            }
        }
    }
}

enum Ended {
    // Boxed: an investigation is large.
    Done(Box<Result<crate::pipeline::Investigated, PipelineError>>),
    LeaseLost,
    Abandoned,
}

/// A stream entry → the incident it queues.
fn parse_entry(entry: &StreamId) -> Result<IncomingAlert, String> {
    let field = |name: &str| -> Result<String, String> {
        entry
            .get::<String>(name)
            .ok_or_else(|| format!("entry {} has no `{name}`", entry.id))
    };
    let alert: serde_json::Value = serde_json::from_str(&field("alert")?)
        .map_err(|e| format!("entry {}: `alert` is not JSON: {e}", entry.id))?;
    let starts_at = field("starts_at")?;
    Ok(IncomingAlert {
        id: field("incident_id")?,
        fingerprint: field("fingerprint")?,
        alert_name: field("alert_name")?,
        alert,
        starts_at: (!starts_at.is_empty()).then_some(starts_at),
        ends_at: None,
        resolved: false,
    })
}
