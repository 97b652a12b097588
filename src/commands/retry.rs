//! `aida retry ID`: queue a failed webhook investigation again.
use anyhow::Result;
use clap::Args;

use super::{Context, open_store};
use crate::exit::{Status, input_error};
use crate::store::JobState;

pub const EXAMPLES: &str = "\
Examples:
  # Find the failed ones, then queue one again; a running `aida serve-webhook` takes it
  aida list --status failed
  aida retry 0193a5c2-7c1e-7d2a-9f00-4b1e2c3d4e5f
";

#[derive(Debug, Args)]
pub struct RetryArgs {
    /// Incident id (`aida list --status failed`)
    #[arg(value_name = "ID")]
    pub id: String,
}

pub fn run(ctx: &Context, args: &RetryArgs) -> Result<Status> {
    let store = open_store(ctx)?;
    let id = args.id.trim();
    if store.incident(id)?.is_none() {
        return Err(input_error(format!(
            "no incident with id {id:?} (`aida list --status failed` shows the failed ones)"
        )));
    }
    let Some(job) = store.latest_job(id)? else {
        return Err(input_error(format!(
            "incident {id} did not come through the webhook server, so it has no queued job: run `aida investigate` again"
        )));
    };
    if job.state != JobState::Failed || !store.requeue_failed(job.id)? {
        return Err(input_error(format!(
            "incident {id} is {}; only failed ones are retried",
            match job.state {
                JobState::Leased => "running",
                other => other.as_str(),
            }
        )));
    }
    eprintln!(
        "incident {id} queued again (job {}, {} attempts; last error: {}); a running `aida serve-webhook` picks it up",
        job.id,
        job.max_attempts,
        job.last_error.as_deref().unwrap_or("none")
    );
    Ok(Status::Success)
}
