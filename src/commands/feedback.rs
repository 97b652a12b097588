//! `aida feedback ID`: a review without the console (scripts, automation), checked and stored
//! exactly as the console does it.
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{ArgGroup, Args};

use super::{Context, open_store};
use crate::exit::{Status, input_error};
use crate::output::print_text;
use crate::review::verdict::{Decision, answer_text, correction, diff, rejection};
use crate::store::{Investigation, Store};

pub const EXAMPLES: &str = "\
Examples:
  aida feedback 0193a5c2-7c1e-7d2a-9f00-4b1e2c3d4e5f --approve
  aida feedback 0193a5c2-7c1e-7d2a-9f00-4b1e2c3d4e5f --reject \"wrong pod: the alert is about db-0\"

  # Correct the conclusion: start from the model's, in its answer format
  aida feedback 0193a5c2-... --print-answer > fix.txt
  $EDITOR fix.txt
  aida feedback 0193a5c2-... --correct fix.txt --reviewer ana
";

#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("verdict")
        .required(true)
        .args(["approve", "correct", "reject", "print_answer"])
))]
pub struct FeedbackArgs {
    /// Investigation id, or incident id (its latest report)
    #[arg(value_name = "ID")]
    pub id: String,
    /// The conclusion is right
    #[arg(long)]
    pub approve: bool,
    /// The conclusion corrected, in the answer format (`--print-answer`); `-` reads stdin
    #[arg(long, value_name = "FILE")]
    pub correct: Option<PathBuf>,
    /// The conclusion is wrong, and why
    #[arg(long, value_name = "REASON")]
    pub reject: Option<String>,
    /// Print the conclusion in the answer format a correction edits, and store nothing
    #[arg(long)]
    pub print_answer: bool,
    /// Who reviews [default: config review.reviewer, else $USER]
    #[arg(long, value_name = "NAME")]
    pub reviewer: Option<String>,
}

pub fn run(ctx: &Context, args: &FeedbackArgs) -> Result<Status> {
    let mut store = open_store(ctx)?;
    let investigation = resolve(&store, args.id.trim())?;
    let report = store
        .report(&investigation)
        .with_context(|| {
            format!(
                "the stored report of investigation {} cannot be read",
                investigation.id
            )
        })?
        .ok_or_else(|| {
            input_error(format!(
                "investigation {} has no report to review: it is {}",
                investigation.id, investigation.status
            ))
        })?;
    if args.print_answer {
        print_text(&answer_text(&report))?;
        return Ok(Status::Success);
    }
    let decision = if args.approve {
        Decision::Approve
    } else if let Some(path) = &args.correct {
        let text = read_text(path)?;
        let decision = correction(&report, &text)
            .map_err(|err| input_error(format!("{}: {err}", path.display())))?;
        if let Decision::Correct(corrected) = &decision {
            print_text(&diff(&answer_text(&report), corrected))?;
        }
        decision
    } else if let Some(reason) = &args.reject {
        rejection(reason).map_err(|err| input_error(format!("--reject: {err}")))?
    } else {
        unreachable!("clap requires one verdict")
    };
    let reviewer = reviewer(ctx, args.reviewer.as_deref())?;
    let feedback = decision.feedback(&investigation.id, &reviewer);
    let id = store
        .add_feedback(&feedback)
        .context("storing the review")?;
    eprintln!(
        "{} investigation {} as {reviewer} (feedback {id}, queued for MLflow)",
        feedback.verdict, investigation.id
    );
    Ok(Status::Success)
}

/// An investigation by id, or an incident's newest investigation with a report.
fn resolve(store: &Store, id: &str) -> Result<Investigation> {
    if let Some(investigation) = store.investigation(id)? {
        return Ok(investigation);
    }
    if store.incident(id)?.is_some() {
        return store.latest_report(id)?.ok_or_else(|| {
            input_error(format!(
                "incident {id} has no investigation with a report yet"
            ))
        });
    }
    Err(input_error(format!(
        "no investigation or incident with id {id:?} (`aida list` shows them)"
    )))
}

fn read_text(path: &std::path::Path) -> Result<String> {
    let read = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    };
    read.map_err(|err| input_error(format!("cannot read {}: {err}", path.display())))
}

/// Who signs a verdict: the flag, else config `review.reviewer`, else `$USER`.
pub(crate) fn reviewer(ctx: &Context, flag: Option<&str>) -> Result<String> {
    flag.map(str::to_string)
        .or_else(|| ctx.config().review.reviewer.clone())
        .or_else(|| std::env::var("USER").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .ok_or_else(|| {
            input_error("no reviewer: pass --reviewer NAME, or set review.reviewer (or $USER)")
        })
}
