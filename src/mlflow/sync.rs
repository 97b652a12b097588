//! The outbox drain: each item is claimed, synced step by step (the steps done are stored, so a
//! retry resumes after them), and either marked synced, put off with exponential backoff and
//! jitter, or parked after too many failures — never blocking the items behind it.
//!
//! Idempotency, so that an answer lost after MLflow applied a request (timeout, reset) never
//! duplicates anything: a run is searched by the `aida_investigation_id` tag before one is
//! created; trace and span ids derive from the investigation id and MLflow's trace is looked up
//! before it is sent; an assessment carries the feedback id in its metadata and is looked up
//! before it is created; params, tags, artifacts and (fixed-timestamp) metrics are upserts.
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use tokio::sync::OnceCell;

use super::client::{Client, RunInfo};
use super::mapping::{self, TAG_INVESTIGATION_ID, run_content};
use super::traces::{AssessmentValue, NewAssessment, mlflow_trace_id, otel_trace_id};
use super::{ARTIFACT_FEEDBACK, MlflowError};
use crate::store::{MlflowLink, OutboxItem, OutboxKind, OutboxSelect, Store, StoreError, Verdict};

/// How failed items wait and when they are parked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// The wait after the first failure; each further failure doubles it.
    pub base: Duration,
    pub max: Duration,
    /// Failed attempts after which an item is parked (shown by `aida sync --status`, skipped).
    pub park_after: i64,
    /// How long one process holds an item while syncing it.
    pub claim: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(5),
            max: Duration::from_secs(3600),
            park_after: 10,
            claim: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The wait after `attempts` failures: base · 2^(attempts-1), capped, with "equal jitter"
    /// (half fixed, half random) so hosts that failed together do not retry together.
    pub fn backoff(&self, attempts: i64) -> Duration {
        let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let full = self.base.saturating_mul(1u32 << exp.min(20)).min(self.max);
        let half = full / 2;
        // A v4 uuid is 122 random bits from the OS: enough for jitter without another crate.
        let random = (uuid::Uuid::new_v4().as_u128() % 1_000_000) as f64 / 1_000_000.0;
        half + half.mul_f64(random)
    }
}

/// What one attempt at an item did.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemOutcome {
    Synced,
    /// Waits for another item (a review for its run and trace); no attempt counted.
    Waiting(String),
    /// Another process is syncing it now.
    Busy,
    Failed {
        error: String,
        parked: bool,
    },
}

/// Totals of a pass over the outbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub synced: usize,
    pub waiting: usize,
    pub failed: usize,
    pub parked: usize,
    pub busy: usize,
}

/// Syncs outbox items to one MLflow server.
pub struct Syncer {
    client: Client,
    experiment: String,
    experiment_id: OnceCell<String>,
    policy: RetryPolicy,
}

fn now_plus(d: Duration) -> String {
    (Utc::now() + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::hours(1)))
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// One store call under the lock (never held across an await).
fn db<T>(
    store: &Mutex<Store>,
    f: impl FnOnce(&Store) -> Result<T, StoreError>,
) -> Result<T, MlflowError> {
    let guard = store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    f(&guard).map_err(MlflowError::from)
}

impl Syncer {
    pub fn new(client: Client, experiment: &str, policy: RetryPolicy) -> Self {
        Self {
            client,
            experiment: experiment.to_string(),
            experiment_id: OnceCell::new(),
            policy,
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    async fn experiment_id(&self) -> Result<&str, MlflowError> {
        self.experiment_id
            .get_or_try_init(|| self.client.ensure_experiment(&self.experiment))
            .await
            .map(String::as_str)
    }

    /// One pass over the outbox items `select` picks, oldest first; `progress` hears of each.
    pub async fn pass(
        &self,
        store: &Mutex<Store>,
        select: OutboxSelect<'_>,
        mut progress: impl FnMut(&OutboxItem, &ItemOutcome),
    ) -> Result<Pass, MlflowError> {
        let items = db(store, |s| s.outbox_items(select, 100_000))?;
        let mut pass = Pass::default();
        for item in items {
            let outcome = self.attempt(store, &item).await?;
            match &outcome {
                ItemOutcome::Synced => pass.synced += 1,
                ItemOutcome::Waiting(_) => pass.waiting += 1,
                ItemOutcome::Busy => pass.busy += 1,
                ItemOutcome::Failed { parked: true, .. } => pass.parked += 1,
                ItemOutcome::Failed { .. } => pass.failed += 1,
            }
            progress(&item, &outcome);
        }
        Ok(pass)
    }

    /// Claims `item`, syncs it and records the outcome. Only store errors are returned.
    pub async fn attempt(
        &self,
        store: &Mutex<Store>,
        item: &OutboxItem,
    ) -> Result<ItemOutcome, MlflowError> {
        if !db(store, |s| {
            s.outbox_claim(item.id, &now_plus(self.policy.claim))
        })? {
            return Ok(ItemOutcome::Busy);
        }
        let result = self.sync_item(store, item).await;
        let outcome = match result {
            Ok(None) => {
                db(store, |s| s.outbox_mark_synced(item.id))?;
                ItemOutcome::Synced
            }
            Ok(Some(why)) => {
                db(store, |s| {
                    s.outbox_defer(item.id, &now_plus(self.policy.base), &why)
                })?;
                ItemOutcome::Waiting(why)
            }
            Err(MlflowError::Store(e)) => {
                let _ = db(store, |s| s.outbox_release(item.id));
                return Err(MlflowError::Store(e));
            }
            Err(e) => {
                let attempts = item.attempts + 1;
                let parked = attempts >= self.policy.park_after;
                let error = e.to_string();
                let retry_at = now_plus(self.policy.backoff(attempts));
                db(store, |s| {
                    s.outbox_mark_failed(item.id, &error, Some(&retry_at), parked)
                })?;
                tracing::debug!(item = item.id, kind = %item.kind, attempts, parked, %error, "MLflow sync attempt failed");
                ItemOutcome::Failed { error, parked }
            }
        };
        db(store, |s| s.outbox_release(item.id))?;
        Ok(outcome)
    }

    /// Does what is left of `item`. `Ok(Some(why))`: it has to wait for another item.
    async fn sync_item(
        &self,
        store: &Mutex<Store>,
        item: &OutboxItem,
    ) -> Result<Option<String>, MlflowError> {
        let mut steps = item.steps.clone();
        let done = |steps: &Vec<String>, step: &str| steps.iter().any(|s| s == step);
        let mark = |steps: &mut Vec<String>, step: &str| -> Result<(), MlflowError> {
            db(store, |s| s.outbox_step_done(item.id, step))?;
            steps.push(step.to_string());
            Ok(())
        };
        match item.kind {
            OutboxKind::Run => {
                let inv_id = item.entity_id.as_str();
                let (incident, inv, trajectory, latest) = load(store, inv_id)?;
                let content = run_content(&incident, &inv, &trajectory, latest.as_ref());
                let run = self.ensure_run(store, inv_id, &content).await?;
                if !done(&steps, "log") {
                    self.client
                        .log_batch(
                            &run.run_id,
                            &content.metrics,
                            &content.params,
                            &content.tags,
                        )
                        .await?;
                    mark(&mut steps, "log")?;
                }
                for (path, bytes, content_type) in &content.artifacts {
                    let step = format!("artifact:{path}");
                    if !done(&steps, &step) {
                        self.client
                            .upload_artifact(&run, path, bytes.clone(), content_type)
                            .await?;
                        mark(&mut steps, &step)?;
                    }
                }
                if !done(&steps, "finish") {
                    self.client
                        .update_run(&run.run_id, content.status, content.end_ms)
                        .await?;
                    mark(&mut steps, "finish")?;
                }
                Ok(None)
            }
            OutboxKind::Trace => {
                let inv_id = item.entity_id.as_str();
                // The trace is linked to its run: wait for the run.
                if !db(store, |s| s.outbox_entity_synced(OutboxKind::Run, inv_id))? {
                    return Ok(Some("waiting for its run to be synced".into()));
                }
                let (incident, inv, trajectory, _) = load(store, inv_id)?;
                let experiment_id = self.experiment_id().await?.to_string();
                let link = db(store, |s| s.mlflow_link(inv_id))?;
                let otel_id = otel_trace_id(inv_id);
                let trace_id = mlflow_trace_id(&otel_id);
                if self.client.trace_info(&trace_id).await?.is_none() {
                    let spans = mapping::spans(&incident, &inv, &trajectory);
                    self.client
                        .export_trace(
                            &experiment_id,
                            link.as_ref().and_then(|l| l.run_id.as_deref()),
                            &otel_id,
                            &spans,
                        )
                        .await?;
                }
                db(store, |s| {
                    s.set_mlflow_link(&MlflowLink {
                        investigation_id: inv_id.to_string(),
                        experiment_id: experiment_id.clone(),
                        run_id: None,
                        trace_id: Some(trace_id.clone()),
                    })
                })?;
                Ok(None)
            }
            OutboxKind::Feedback => {
                let feedback_id: i64 = item.entity_id.parse().map_err(|_| {
                    MlflowError::Protocol(format!(
                        "outbox item {}: feedback id {:?} is not a number",
                        item.id, item.entity_id
                    ))
                })?;
                let Some(feedback) = db(store, |s| s.feedback(feedback_id))? else {
                    return Err(MlflowError::Protocol(format!(
                        "no feedback {feedback_id} in the store"
                    )));
                };
                let inv_id = feedback.investigation_id.clone();
                let ready = db(store, |s| {
                    Ok(s.outbox_entity_synced(OutboxKind::Run, &inv_id)?
                        && s.outbox_entity_synced(OutboxKind::Trace, &inv_id)?)
                })?;
                let link = db(store, |s| s.mlflow_link(&inv_id))?;
                let (Some(run_id), Some(trace_id), true) = (
                    link.as_ref().and_then(|l| l.run_id.clone()),
                    link.as_ref().and_then(|l| l.trace_id.clone()),
                    ready,
                ) else {
                    return Ok(Some("waiting for its run and trace to be synced".into()));
                };
                // An undone review (`u` in `aida review`) comes back as a second item for the
                // same review: the standing review's status, and its assessment removed.
                let retracted = feedback.retracted_at.is_some();
                if !done(&steps, "feedback_status") {
                    // The standing (newest, not undone) review wins, whatever order reviews
                    // sync in; none left means Pending again.
                    let latest = db(store, |s| s.latest_feedback(&inv_id))?;
                    let status = mapping::feedback_status(latest.as_ref());
                    self.client
                        .set_tag(&run_id, "feedback_status", status)
                        .await?;
                    mark(&mut steps, "feedback_status")?;
                }
                if feedback.verdict == Verdict::Corrected
                    && !retracted
                    && !done(&steps, "human_feedback")
                {
                    let run = self.client.get_run(&run_id).await?;
                    let text = feedback.corrected_text.clone().unwrap_or_default();
                    self.client
                        .upload_artifact(
                            &run.info,
                            ARTIFACT_FEEDBACK,
                            text.into_bytes(),
                            "text/plain; charset=utf-8",
                        )
                        .await?;
                    mark(&mut steps, "human_feedback")?;
                }
                if !done(&steps, "assessment") {
                    let id = feedback.id.to_string();
                    let existing = self.client.trace_info(&trace_id).await?.ok_or_else(|| {
                        MlflowError::Protocol(format!(
                            "MLflow has no trace {trace_id} (synced before)"
                        ))
                    })?;
                    let mine: Vec<String> = existing
                        .assessments
                        .iter()
                        .filter(|a| a.metadata.get("aida_feedback_id") == Some(&id))
                        .filter_map(|a| a.assessment_id.clone())
                        .collect();
                    if retracted {
                        for assessment_id in &mine {
                            self.client
                                .delete_assessment(&trace_id, assessment_id)
                                .await?;
                        }
                    } else if mine.is_empty() {
                        self.client
                            .create_assessment(&trace_id, &assessment(&feedback))
                            .await?;
                    }
                    mark(&mut steps, "assessment")?;
                }
                Ok(None)
            }
        }
    }

    /// The run of an investigation: remembered, found by its tag, or created.
    async fn ensure_run(
        &self,
        store: &Mutex<Store>,
        inv_id: &str,
        content: &mapping::RunContent,
    ) -> Result<RunInfo, MlflowError> {
        let experiment_id = self.experiment_id().await?.to_string();
        if let Some(run_id) = db(store, |s| s.mlflow_link(inv_id))?.and_then(|l| l.run_id) {
            match self.client.get_run(&run_id).await {
                Ok(run) => return Ok(run.info),
                // Deleted on the server since: find or create it again.
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        let filter = format!(
            "tags.{TAG_INVESTIGATION_ID} = '{}'",
            inv_id.replace('\'', "\\'")
        );
        let found = self.client.search_runs(&experiment_id, &filter, 10).await?;
        let run = match found.into_iter().next() {
            Some(run) => run.info,
            None => {
                self.client
                    .create_run(
                        &experiment_id,
                        &content.run_name,
                        content.start_ms,
                        &content.create_tags,
                    )
                    .await?
                    .info
            }
        };
        db(store, |s| {
            s.set_mlflow_link(&MlflowLink {
                investigation_id: inv_id.to_string(),
                experiment_id: experiment_id.clone(),
                run_id: Some(run.run_id.clone()),
                trace_id: None,
            })
        })?;
        Ok(run)
    }
}

type Loaded = (
    crate::store::Incident,
    crate::store::Investigation,
    Vec<crate::report::TrajectoryStep>,
    Option<crate::store::Feedback>,
);

fn load(store: &Mutex<Store>, inv_id: &str) -> Result<Loaded, MlflowError> {
    db(store, |s| {
        let inv = s
            .investigation(inv_id)?
            .ok_or_else(|| StoreError::NotFound {
                what: "investigation",
                id: inv_id.to_string(),
            })?;
        let incident = s
            .incident(&inv.incident_id)?
            .ok_or_else(|| StoreError::NotFound {
                what: "incident",
                id: inv.incident_id.clone(),
            })?;
        let steps = s.steps(inv_id)?;
        let latest = s.latest_feedback(inv_id)?;
        Ok((incident, inv, steps, latest))
    })
}

/// A review as a HUMAN assessment: a correction is an expectation carrying the corrected
/// report; an approval or rejection is feedback with the verdict.
pub(super) fn assessment(feedback: &crate::store::Feedback) -> NewAssessment {
    let value = match feedback.verdict {
        Verdict::Corrected => AssessmentValue::Expectation(serde_json::json!(
            feedback.corrected_text.clone().unwrap_or_default()
        )),
        other => AssessmentValue::Feedback(serde_json::json!(other.as_str())),
    };
    let mut metadata = vec![
        ("aida_feedback_id".into(), feedback.id.to_string()),
        (
            "aida_investigation_id".into(),
            feedback.investigation_id.clone(),
        ),
        ("verdict".into(), feedback.verdict.as_str().into()),
    ];
    // MLflow keeps a rationale only on feedback; an expectation drops it, so the reviewer's
    // comment also travels in the metadata.
    if let Some(comment) = &feedback.comment {
        metadata.push(("comment".into(), comment.clone()));
    }
    NewAssessment {
        name: match feedback.verdict {
            Verdict::Corrected => "corrected_report".into(),
            _ => "human_verdict".into(),
        },
        reviewer: feedback.reviewer.clone(),
        value,
        rationale: feedback.comment.clone(),
        metadata,
    }
}

/// Drains the outbox of the store at `database` until `stop` fires: due items every `interval`
/// (the background sync of `aida serve`). Errors are logged, never fatal.
pub async fn drain_forever(
    syncer: Syncer,
    database: PathBuf,
    interval: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let store = match Store::open(&database) {
        Ok(s) => Mutex::new(s),
        Err(err) => {
            tracing::error!(%err, "MLflow sync: cannot open the store; not syncing");
            return;
        }
    };
    loop {
        let now = crate::store::now();
        match syncer
            .pass(&store, OutboxSelect::DueAt(&now), |_, _| {})
            .await
        {
            Ok(pass) if pass != Pass::default() => tracing::info!(
                synced = pass.synced,
                failed = pass.failed,
                parked = pass.parked,
                waiting = pass.waiting,
                "MLflow sync pass"
            ),
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "MLflow sync pass stopped"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        let p = RetryPolicy {
            base: Duration::from_secs(4),
            max: Duration::from_secs(60),
            park_after: 5,
            claim: Duration::from_secs(1),
        };
        for attempts in 1..8 {
            let full =
                (Duration::from_secs(4) * (1u32 << (attempts - 1))).min(Duration::from_secs(60));
            let waits: Vec<_> = (0..20).map(|_| p.backoff(attempts)).collect();
            assert!(
                waits.iter().all(|w| *w >= full / 2 && *w <= full),
                "{attempts}: {waits:?}"
            );
            assert!(
                waits.iter().any(|w| *w != waits[0]),
                "no jitter at {attempts}"
            );
        }
    }
}
