//! Reading back from MLflow by incident id: what the review console and export use with
//! `--source mlflow`, when several AIDA hosts write to one server.
use serde_json::Value;

use super::MlflowError;
use super::client::{Client, Run};
use super::mapping::{ARTIFACT_ALERT, ARTIFACT_FEEDBACK, ARTIFACT_REPORT, TAG_INVESTIGATION_ID};
use super::traces::{Assessment, mlflow_trace_id, otel_trace_id};

/// An investigation as MLflow holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct MlflowRun {
    pub run: Run,
    pub investigation_id: Option<String>,
    /// `final_report.json`: `{final_conclusion, full_trajectory}`.
    pub final_report: Option<Value>,
    /// `alert_payload.json`.
    pub alert: Option<Value>,
}

/// The review of an investigation as MLflow holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct MlflowReview {
    /// `Pending`, `Approved`, `Corrected` or `Rejected`.
    pub feedback_status: String,
    /// The human assessments on the run's trace, oldest first.
    pub assessments: Vec<Assessment>,
    /// `human_feedback.txt`, for a correction.
    pub corrected_text: Option<String>,
}

async fn latest_run(
    client: &Client,
    experiment: &str,
    incident_id: &str,
) -> Result<Option<Run>, MlflowError> {
    let Some(experiment_id) = client.experiment_id_by_name(experiment).await? else {
        return Ok(None);
    };
    let filter = format!("tags.incident_id = '{}'", incident_id.replace('\'', "\\'"));
    let mut runs = client.search_runs(&experiment_id, &filter, 100).await?;
    // The newest investigation of the incident (an incident can be investigated again).
    runs.sort_by_key(|r| std::cmp::Reverse(r.info.start_time.unwrap_or(0)));
    Ok(runs.into_iter().next())
}

async fn json_artifact(
    client: &Client,
    run: &Run,
    path: &str,
) -> Result<Option<Value>, MlflowError> {
    match client.download_artifact(&run.info, path).await {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| MlflowError::Decode {
                endpoint: path.to_string(),
                message: e.to_string(),
            }),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The newest run of `incident_id` in `experiment`, with its report and alert, or None.
pub async fn fetch_run_by_incident(
    client: &Client,
    experiment: &str,
    incident_id: &str,
) -> Result<Option<MlflowRun>, MlflowError> {
    let Some(run) = latest_run(client, experiment, incident_id).await? else {
        return Ok(None);
    };
    let final_report = json_artifact(client, &run, ARTIFACT_REPORT).await?;
    let alert = json_artifact(client, &run, ARTIFACT_ALERT).await?;
    Ok(Some(MlflowRun {
        investigation_id: run.tag(TAG_INVESTIGATION_ID).map(str::to_string),
        final_report,
        alert,
        run,
    }))
}

/// The review of the newest run of `incident_id`, or None when MLflow has no run of it.
pub async fn fetch_review_by_incident(
    client: &Client,
    experiment: &str,
    incident_id: &str,
) -> Result<Option<MlflowReview>, MlflowError> {
    let Some(run) = latest_run(client, experiment, incident_id).await? else {
        return Ok(None);
    };
    let feedback_status = run.tag("feedback_status").unwrap_or("Pending").to_string();
    let assessments = match run.tag(TAG_INVESTIGATION_ID) {
        Some(inv) => client
            .trace_info(&mlflow_trace_id(&otel_trace_id(inv)))
            .await?
            .map(|t| {
                t.assessments
                    .into_iter()
                    .filter(|a| a.source.as_ref().is_some_and(|s| s.source_type == "HUMAN"))
                    .collect()
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let corrected_text = match client.download_artifact(&run.info, ARTIFACT_FEEDBACK).await {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(e),
    };
    Ok(Some(MlflowReview {
        feedback_status,
        assessments,
        corrected_text,
    }))
}
