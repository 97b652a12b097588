//! `aida review`: the review console (`crate::review`) on this terminal.
use std::io::IsTerminal;

use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};

use super::feedback::reviewer;
use super::{Context, open_store};
use crate::exit::{Status, input_error};
use crate::logging::use_color;
use crate::review::{App, Ended, LocalSource, Theme};

pub const EXAMPLES: &str = "\
Examples:
  aida review
  aida review --reviewer ana

Keys: j/k move, enter open, a approve, c correct (in $VISUAL/$EDITOR), r reject, u undo,
/ filter (words, status:, alert:, cat:, ns:), s cycle status, ? help, q quit.
Logs go to $AIDA_HOME/logs/review.log.
";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum SourceArg {
    /// The store of $AIDA_HOME
    #[default]
    Local,
    /// The MLflow server of mlflow.tracking_uri (investigations of every host)
    Mlflow,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Where the investigations come from and the verdicts go
    #[arg(long, value_enum, default_value_t)]
    pub source: SourceArg,
    /// Who reviews [default: config review.reviewer, else $USER]
    #[arg(long, value_name = "NAME")]
    pub reviewer: Option<String>,
}

pub fn run(ctx: &Context, args: &ReviewArgs) -> Result<Status> {
    if args.source == SourceArg::Mlflow {
        return Err(input_error(
            "--source mlflow is not available in this build yet: review this host's \
             investigations with --source local (its verdicts are queued for MLflow in the store's outbox)",
        ));
    }
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(input_error(
            "aida review needs a terminal; in scripts use `aida feedback ID --approve | --correct FILE | --reject REASON`",
        ));
    }
    let reviewer = reviewer(ctx, args.reviewer.as_deref())?;
    let store = open_store(ctx)?;
    let theme = Theme {
        color: use_color(&std::io::stdout()),
    };
    let app = App::new(Box::new(LocalSource::new(store)), reviewer, theme)
        .context("reading the review queue")?;
    match crate::review::run(app).context("running the review console")? {
        Ended::Quit => Ok(Status::Success),
        Ended::Signalled => Ok(Status::Interrupted(143)),
    }
}
