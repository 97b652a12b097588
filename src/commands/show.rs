//! `aida show ID`: the stored report of an incident (or of one investigation).
use anyhow::{Context as _, Result};
use clap::Args;

use super::investigate::ReportFormat;
use super::{Context, open_store};
use crate::exit::{Status, input_error};
use crate::output::{print_json, print_text};
use crate::report::render_markdown;

pub const EXAMPLES: &str = "\
Examples:
  # The report as `aida investigate` printed it
  aida show 0193a5c2-7c1e-7d2a-9f00-4b1e2c3d4e5f

  aida show 0193a5c2-7c1e-7d2a-9f00-4b1e2c3d4e5f --format json
";

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Incident id (`aida list`), or an investigation id
    #[arg(value_name = "ID")]
    pub id: String,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
}

pub fn run(ctx: &Context, args: &ShowArgs) -> Result<Status> {
    let store = open_store(ctx)?;
    let id = args.id.trim();
    let investigation = if store.incident(id)?.is_some() {
        match store.latest_report(id)? {
            Some(investigation) => investigation,
            None => {
                let status = store
                    .incident_summary(id)?
                    .map_or_else(|| "unknown".into(), |s| s.status.to_string());
                eprintln!("incident {id} has no report yet: it is {status}");
                return Ok(Status::Failure);
            }
        }
    } else {
        match store.investigation(id)? {
            Some(investigation) => investigation,
            None => {
                return Err(input_error(format!(
                    "no incident or investigation with id {id:?} (`aida list` shows them)"
                )));
            }
        }
    };
    let report = store.report(&investigation).with_context(|| {
        format!(
            "the stored report of investigation {} cannot be read",
            investigation.id
        )
    })?;
    let Some(report) = report else {
        eprintln!(
            "investigation {} has no report: it is {}",
            investigation.id, investigation.status
        );
        return Ok(Status::Failure);
    };
    match args.format {
        ReportFormat::Json => print_json(&report)?,
        ReportFormat::Markdown => print_text(&render_markdown(&report))?,
    }
    Ok(Status::Success)
}
