//! `aida review --source mlflow`: the investigations of every AIDA host that syncs to one MLflow
//! server, reviewed there. Verdicts go straight to MLflow (no local row): the console returns
//! only once MLflow acknowledged them.
use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::source::{ReviewSource, SourceError};
use crate::mlflow::{
    ARTIFACT_ALERT, ARTIFACT_REPORT, Client, MlflowError, Run, TAG_INVESTIGATION_ID, TAG_NAMESPACE,
    WrittenReview, record_review, undo_review,
};
use crate::report::Report;
use crate::store::{Feedback, NewFeedback, ReviewItem};

/// More runs than one console session reviews; the newest are kept.
const MAX_RUNS: usize = 5000;

pub struct MlflowSource {
    client: Client,
    experiment: String,
    runtime: tokio::runtime::Runtime,
    /// The runs of the last `queue()`, by investigation id.
    runs: HashMap<String, Run>,
    /// Verdicts of this session, by the id `record` returned (for `undo`).
    written: HashMap<i64, WrittenReview>,
    next_id: i64,
}

impl MlflowSource {
    pub fn new(client: Client, experiment: &str) -> Result<Self, SourceError> {
        crate::tls::init();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| SourceError::Mlflow(MlflowError::Config(e.to_string())))?;
        Ok(Self {
            client,
            experiment: experiment.to_string(),
            runtime,
            runs: HashMap::new(),
            written: HashMap::new(),
            // Ids only this session uses; milliseconds keep them apart across sessions too
            // (they name the assessment in its metadata).
            next_id: Utc::now().timestamp_millis(),
        })
    }

    fn run(&mut self, investigation_id: &str) -> Result<Run, SourceError> {
        if let Some(run) = self.runs.get(investigation_id) {
            return Ok(run.clone());
        }
        let filter = format!(
            "tags.{TAG_INVESTIGATION_ID} = '{}'",
            investigation_id.replace('\'', "\\'")
        );
        let experiment = self.experiment.clone();
        let runs = self.runtime.block_on(async {
            match self.client.experiment_id_by_name(&experiment).await? {
                Some(id) => self.client.search_runs(&id, &filter, 1).await,
                None => Ok(Vec::new()),
            }
        })?;
        runs.into_iter()
            .next()
            .ok_or_else(|| SourceError::NoReport(investigation_id.to_string()))
    }
}

fn millis_to_rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A run as a queue line; None for runs AIDA did not write or that have no report.
fn item(run: &Run) -> Option<ReviewItem> {
    let investigation_id = run.tag(TAG_INVESTIGATION_ID)?.to_string();
    if run.info.status.as_deref() != Some("FINISHED") {
        return None;
    }
    let alert_name = run.tag("alert_name").unwrap_or_default().to_string();
    let mut labels = json!({"alertname": alert_name});
    if let Some(ns) = run.tag(TAG_NAMESPACE) {
        labels["namespace"] = json!(ns);
    }
    Some(ReviewItem {
        investigation_id,
        incident_id: run.tag("incident_id").unwrap_or_default().to_string(),
        alert_name,
        alert: json!({ "labels": labels }),
        category: run.tag("category").and_then(|c| c.parse().ok()),
        confidence: run.metric("confidence"),
        started_at: millis_to_rfc3339(run.info.start_time.unwrap_or(0)),
        verdict: run.tag("feedback_status").and_then(|s| s.parse().ok()),
    })
}

impl ReviewSource for MlflowSource {
    fn queue(&mut self) -> Result<Vec<ReviewItem>, SourceError> {
        let experiment = self.experiment.clone();
        let runs = self.runtime.block_on(async {
            match self.client.experiment_id_by_name(&experiment).await? {
                Some(id) => self.client.search_runs(&id, "", MAX_RUNS).await,
                None => Ok(Vec::new()),
            }
        })?;
        let mut items = Vec::new();
        self.runs.clear();
        for run in runs {
            if let Some(item) = item(&run) {
                self.runs.insert(item.investigation_id.clone(), run);
                items.push(item);
            }
        }
        items.sort_by(|a, b| b.started_at.cmp(&a.started_at));
        Ok(items)
    }

    fn load(&mut self, investigation_id: &str) -> Result<Report, SourceError> {
        let run = self.run(investigation_id)?;
        let (report, alert) = self.runtime.block_on(async {
            let report = self
                .client
                .download_artifact(&run.info, ARTIFACT_REPORT)
                .await?;
            let alert = self
                .client
                .download_artifact(&run.info, ARTIFACT_ALERT)
                .await?;
            Ok::<_, MlflowError>((report, alert))
        })?;
        let decode = |what: &str, e: serde_json::Error| {
            SourceError::Mlflow(MlflowError::Decode {
                endpoint: format!("{what} of run {}", run.info.run_id),
                message: e.to_string(),
            })
        };
        let mut report: Value =
            serde_json::from_slice(&report).map_err(|e| decode(ARTIFACT_REPORT, e))?;
        let alert: Value = serde_json::from_slice(&alert).map_err(|e| decode(ARTIFACT_ALERT, e))?;
        let steps = serde_json::from_value(report["full_trajectory"].take())
            .map_err(|e| decode(ARTIFACT_REPORT, e))?;
        Report::from_stored(report["final_conclusion"].take(), alert, steps)
            .map_err(|e| decode(ARTIFACT_REPORT, e))
    }

    fn record(&mut self, feedback: &NewFeedback) -> Result<i64, SourceError> {
        let run = self.run(&feedback.investigation_id)?;
        self.next_id += 1;
        let id = self.next_id;
        let review = Feedback {
            id,
            investigation_id: feedback.investigation_id.clone(),
            reviewer: feedback.reviewer.clone(),
            verdict: feedback.verdict,
            corrected_text: feedback.corrected_text.clone(),
            comment: feedback.comment.clone(),
            created_at: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            retracted_at: None,
        };
        let written =
            self.runtime
                .block_on(record_review(&self.client, &run.info.run_id, &review))?;
        self.written.insert(id, written);
        // The cached run still has the old status: read it again next time.
        self.runs.remove(&feedback.investigation_id);
        Ok(id)
    }

    fn undo(&mut self, feedback_id: i64) -> Result<(), SourceError> {
        let written = self.written.remove(&feedback_id).ok_or_else(|| {
            SourceError::Mlflow(MlflowError::Refused(format!(
                "verdict {feedback_id} was not written in this session"
            )))
        })?;
        if let Err(e) = self.runtime.block_on(undo_review(&self.client, &written)) {
            self.written.insert(feedback_id, written);
            return Err(e.into());
        }
        self.runs.retain(|_, run| run.info.run_id != written.run_id);
        Ok(())
    }
}
