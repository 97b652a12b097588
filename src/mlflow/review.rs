//! Verdicts written straight to MLflow, for `aida review --source mlflow` (investigations of
//! every host, reviewed where they all meet). The same shapes as a synced review: the run's
//! `feedback_status`, `human_feedback.txt` for a correction, one HUMAN assessment on the trace.
use super::MlflowError;
use super::client::Client;
use super::mapping::{ARTIFACT_FEEDBACK, feedback_status};
use super::sync::assessment;
use super::traces::{mlflow_trace_id, otel_trace_id};
use crate::store::{Feedback, Verdict};

/// What undoing a review written by [`record_review`] needs.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenReview {
    pub run_id: String,
    pub trace_id: String,
    /// The assessment created for it.
    pub assessment_id: String,
    /// `feedback_status` before it, put back by [`undo_review`].
    pub previous_status: String,
}

/// Writes `feedback` on the run `run_id` of its investigation. Each call is one review: the
/// assessment carries `aida_feedback_id` so it can be found again.
pub async fn record_review(
    client: &Client,
    run_id: &str,
    feedback: &Feedback,
) -> Result<WrittenReview, MlflowError> {
    let run = client.get_run(run_id).await?;
    let previous_status = run.tag("feedback_status").unwrap_or("Pending").to_string();
    let trace_id = mlflow_trace_id(&otel_trace_id(&feedback.investigation_id));
    if client.trace_info(&trace_id).await?.is_none() {
        return Err(MlflowError::Protocol(format!(
            "MLflow has no trace of investigation {} (run {run_id})",
            feedback.investigation_id
        )));
    }
    if feedback.verdict == Verdict::Corrected {
        let text = feedback.corrected_text.clone().unwrap_or_default();
        client
            .upload_artifact(
                &run.info,
                ARTIFACT_FEEDBACK,
                text.into_bytes(),
                "text/plain; charset=utf-8",
            )
            .await?;
    }
    let assessment_id = client
        .create_assessment(&trace_id, &assessment(feedback))
        .await?;
    // The status last: a run that says Approved has its assessment.
    client
        .set_tag(run_id, "feedback_status", feedback_status(Some(feedback)))
        .await?;
    Ok(WrittenReview {
        run_id: run_id.to_string(),
        trace_id,
        assessment_id,
        previous_status,
    })
}

/// Undoes a review written by [`record_review`]: its assessment removed, the run's status as it
/// was before.
pub async fn undo_review(client: &Client, written: &WrittenReview) -> Result<(), MlflowError> {
    client
        .set_tag(&written.run_id, "feedback_status", &written.previous_status)
        .await?;
    client
        .delete_assessment(&written.trace_id, &written.assessment_id)
        .await
}
