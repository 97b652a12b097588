//! The worker pool: N tasks, each with its own store connections, leasing jobs from the queue and
//! running `pipeline::Services::investigate` on them (one shared `Services`: one loaded model).
//!
//! While an investigation runs its worker renews the job's lease (and the investigation's
//! heartbeat) every third of the lease, so a lease expires only when its worker is gone; a failed
//! attempt is queued again after a backoff (base × 4^(attempt−1)) until `max_attempts`, then the
//! job is failed with its error. On shutdown workers stop leasing; one still running at the
//! deadline gives its job back to the queue and marks its investigation interrupted.
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, OnceCell, watch};

use crate::alert::Alert;
use crate::evidence::Source;
use crate::pipeline::{PipelineError, Request, Services};
use crate::store::{IncidentSource, Job, JobState, Store, runner_id};

use super::metrics::Metrics;

/// Where the server is in its life; workers watch it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Running,
    /// Shutting down: finish what runs, lease nothing new.
    Draining,
    /// The drain deadline passed: give running jobs back now.
    Abandon,
}

/// How workers lease and retry.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// A job's lease; renewed every third of it while the investigation runs.
    pub lease: Duration,
    /// The first retry's delay; each further one waits 4× longer (at most 10 minutes).
    pub retry_backoff: Duration,
    /// How often an idle worker looks at the queue (it is also woken by new jobs).
    pub poll: Duration,
    /// Redis queue: deliveries before a job is dead-lettered (SQLite jobs carry their own).
    pub max_attempts: usize,
}

/// The evidence every job reads: one bundle replayed for every alert, or the live cluster
/// (connected on first use; a failed connection is tried again by the next job).
pub enum Evidence {
    Fixed(Source),
    Live(OnceCell<Source>),
}

impl Evidence {
    pub(super) async fn source(&self, services: &Services) -> Result<Source, PipelineError> {
        match self {
            Evidence::Fixed(source) => Ok(source.clone()),
            Evidence::Live(cell) => cell
                .get_or_try_init(|| services.evidence(None, None))
                .await
                .cloned(),
        }
    }
}

/// What every worker shares.
pub struct Shared {
    pub services: Arc<Services>,
    pub evidence: Evidence,
    pub metrics: Arc<Metrics>,
    /// Notified when the receiver committed new jobs.
    pub committed: Arc<Notify>,
    pub settings: Settings,
}

/// One worker: `store` runs the investigations, `beat` renews the lease while they run.
pub async fn run(
    n: usize,
    shared: Arc<Shared>,
    mut store: Store,
    mut beat: Store,
    mut phase: watch::Receiver<Phase>,
) {
    let owner = format!("{}/w{n}", runner_id());
    loop {
        if *phase.borrow() != Phase::Running {
            break;
        }
        let job = match store.lease_next(&owner, shared.settings.lease) {
            Ok(Some(job)) => job,
            Ok(None) => {
                tokio::select! {
                    _ = shared.committed.notified() => {}
                    _ = tokio::time::sleep(shared.settings.poll) => {}
                    _ = phase.changed() => {}
                }
                continue;
            }
            Err(err) => {
                tracing::warn!(worker = n, %err, "could not lease a job");
                shared.metrics.failure("store");
                tokio::time::sleep(shared.settings.poll).await;
                continue;
            }
        };
        let mut job_run = JobRun {
            shared: &shared,
            owner: &owner,
            job,
            store: &mut store,
            beat: &mut beat,
        };
        job_run.run(&mut phase).await;
    }
    tracing::debug!(worker = n, "worker stopped");
}

/// The kind label of a pipeline error (`investigation_failures_total{kind}`).
pub(super) fn kind(err: &PipelineError) -> &'static str {
    match err {
        PipelineError::Input(_) => "input",
        PipelineError::Evidence(_) => "evidence",
        PipelineError::Model { .. } => "model",
        PipelineError::Store(_) => "store",
        PipelineError::Json(_) => "internal",
        PipelineError::Interrupted(_) => "interrupted",
    }
}

enum Ended {
    // Boxed: an investigation is large and `Ended` is moved through a select loop.
    Done(Box<Result<crate::pipeline::Investigated, PipelineError>>),
    LeaseLost,
    Abandoned,
}

struct JobRun<'a> {
    shared: &'a Shared,
    owner: &'a str,
    job: Job,
    store: &'a mut Store,
    beat: &'a mut Store,
}

impl JobRun<'_> {
    async fn run(&mut self, phase: &mut watch::Receiver<Phase>) {
        let incident_id = self.job.incident_id.clone();
        // Investigated already: the process that ran it died before marking the job done.
        match self
            .store
            .finished_since(&incident_id, &self.job.enqueued_at)
        {
            Ok(Some(investigation)) => {
                tracing::info!(
                    incident_id,
                    investigation,
                    job = self.job.id,
                    "already investigated; marking the job done"
                );
                self.finish();
                return;
            }
            Ok(None) => {}
            Err(err) => return self.attempt_failed("store", &err.to_string()),
        }
        let alert = match self.store.incident(&incident_id) {
            Ok(Some(incident)) => match serde_json::from_value::<Alert>(incident.alert) {
                Ok(alert) => alert,
                Err(err) => {
                    return self.attempt_failed(
                        "internal",
                        &format!("the stored alert cannot be read: {err}"),
                    );
                }
            },
            Ok(None) => return self.attempt_failed("internal", "the incident is gone"),
            Err(err) => return self.attempt_failed("store", &err.to_string()),
        };
        let source = match self.shared.evidence.source(&self.shared.services).await {
            Ok(source) => source,
            Err(err) => return self.attempt_failed(kind(&err), &err.to_string()),
        };
        tracing::info!(
            incident_id,
            alert = alert.name(),
            job = self.job.id,
            attempt = self.job.attempts,
            "investigating"
        );
        let metrics = &self.shared.metrics;
        metrics.started();
        let t0 = Instant::now();
        let ended = self.investigate(&alert, source, phase).await;
        let seconds = t0.elapsed().as_secs_f64();
        metrics.stopped(seconds);
        match ended {
            Ended::Done(done) => match *done {
                Ok(done) => {
                    metrics.finished(done.status.as_str());
                    match (&done.fallback, done.evidence_errors.is_empty()) {
                        (Some(_), _) => metrics.failure("model"),
                        (None, false) => metrics.failure("evidence"),
                        (None, true) => {}
                    }
                    tracing::info!(incident_id, investigation = done.investigation_id,
                    status = %done.status, category = %done.report.category,
                    ms = (seconds * 1000.0) as u64, "investigated");
                    self.finish();
                }
                Err(err) => {
                    // A run that failed half-way leaves its row running: it will not finish.
                    let _ = self
                        .beat
                        .interrupt_running(&incident_id, &format!("interrupted: {err}"));
                    self.attempt_failed(kind(&err), &err.to_string());
                }
            },
            Ended::LeaseLost => {
                metrics.failure("lease_lost");
                tracing::warn!(
                    incident_id,
                    job = self.job.id,
                    "the job's lease was lost (another worker has it); abandoning this run"
                );
                let _ = self.beat.interrupt_running(
                    &incident_id,
                    "interrupted: the worker lost the job's lease",
                );
            }
            Ended::Abandoned => {
                metrics.failure("interrupted");
                let _ = self.beat.interrupt_running(
                    &incident_id,
                    "interrupted: the server shut down before the investigation finished; the job was queued again",
                );
                match self.beat.release_job(self.job.id, self.owner) {
                    Ok(_) => tracing::warn!(
                        incident_id,
                        job = self.job.id,
                        "shutdown deadline passed: job returned to the queue"
                    ),
                    Err(err) => tracing::error!(incident_id, job = self.job.id, %err,
                        "could not return the job to the queue; its lease will expire"),
                }
            }
        }
    }

    /// Runs the investigation while renewing the lease; stops early when the lease is lost or
    /// the shutdown deadline passes (dropping the investigation's future cancels it).
    async fn investigate(
        &mut self,
        alert: &Alert,
        source: Source,
        phase: &mut watch::Receiver<Phase>,
    ) -> Ended {
        let lease = self.shared.settings.lease;
        let incident_id = self.job.incident_id.clone();
        let progress = |what: &str| tracing::debug!(incident_id, "{what}");
        let request = Request {
            alert,
            source,
            origin: IncidentSource::Webhook,
            incident_id: Some(incident_id.clone()),
        };
        let work = self
            .shared
            .services
            .investigate(self.store, request, &progress);
        tokio::pin!(work);
        let mut renew =
            tokio::time::interval_at(tokio::time::Instant::now() + lease / 3, lease / 3);
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                done = &mut work => return Ended::Done(Box::new(done)),
                _ = renew.tick() => match self.beat.renew_lease(self.job.id, self.owner, lease) {
                    Ok(true) => {}
                    Ok(false) => return Ended::LeaseLost,
                    Err(err) => tracing::warn!(incident_id, %err, "could not renew the job's lease"),
                },
                changed = phase.changed() => {
                    if changed.is_err() || *phase.borrow() == Phase::Abandon {
                        return Ended::Abandoned;
                    }
                }
            }
        }
    }

    fn finish(&self) {
        match self.beat.finish_job(self.job.id, self.owner) {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                job = self.job.id,
                "the job's lease was taken over before it was marked done; the next run will find the finished investigation"
            ),
            Err(err) => tracing::error!(job = self.job.id, %err,
                "could not mark the job done; the next run will find the finished investigation"),
        }
    }

    fn attempt_failed(&self, kind: &'static str, error: &str) {
        let metrics = &self.shared.metrics;
        metrics.failure(kind);
        let attempts = u32::try_from(self.job.attempts.max(1)).unwrap_or(u32::MAX);
        let backoff = self
            .shared
            .settings
            .retry_backoff
            .saturating_mul(4u32.saturating_pow(attempts - 1))
            .min(Duration::from_secs(600));
        let incident_id = &self.job.incident_id;
        match self
            .beat
            .retry_later(self.job.id, self.owner, error, backoff)
        {
            Ok(Some(JobState::Failed)) => {
                metrics.failure("job_failed");
                tracing::error!(
                    incident_id,
                    job = self.job.id,
                    attempts,
                    error,
                    "investigation failed for good (out of attempts); `aida retry` queues it again"
                );
            }
            Ok(Some(_)) => tracing::warn!(
                incident_id,
                job = self.job.id,
                attempts,
                error,
                retry_in_ms = backoff.as_millis() as u64,
                "attempt failed; retrying later"
            ),
            Ok(None) => tracing::warn!(
                incident_id,
                job = self.job.id,
                error,
                "attempt failed after its lease was lost"
            ),
            Err(err) => tracing::error!(incident_id, job = self.job.id, %err, error,
                "could not record the failed attempt; its lease will expire"),
        }
    }
}
