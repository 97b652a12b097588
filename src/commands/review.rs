//! `aida review`: the review console (`crate::review`) on this terminal.
use std::io::IsTerminal;
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};

use super::feedback::reviewer;
use super::{Context, open_store};
use crate::exit::{Status, input_error};
use crate::logging::use_color;
use crate::mlflow::client_from_config;
use crate::review::{App, Ended, LocalSource, MlflowSource, ReviewSource, Theme};

pub const EXAMPLES: &str = "\
Examples:
  aida review
  aida review --reviewer ana
  # Investigations of every host syncing to one MLflow server; verdicts are written there
  MLFLOW_TRACKING_URI=http://mlflow.internal:5000 aida review --source mlflow

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
    let reviewer = reviewer(ctx, args.reviewer.as_deref())?;
    let source: Box<dyn ReviewSource> = match args.source {
        SourceArg::Local => Box::new(LocalSource::new(open_store(ctx)?)),
        SourceArg::Mlflow => {
            let config = &ctx.config().mlflow;
            let client = client_from_config(config, Duration::from_secs(30))
                .ok_or_else(|| {
                    input_error(
                        "--source mlflow: MLflow is not configured; set MLFLOW_TRACKING_URI (or mlflow.tracking_uri in aida.toml)",
                    )
                })?
                .map_err(|e| input_error(format!("--source mlflow: {e}")))?;
            Box::new(MlflowSource::new(client, &config.experiment).context("connecting to MLflow")?)
        }
    };
    // After the source: a wrong --source setting is reported even where there is no terminal.
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(input_error(
            "aida review needs a terminal; in scripts use `aida feedback ID --approve | --correct FILE | --reject REASON`",
        ));
    }
    let theme = Theme {
        color: use_color(&std::io::stdout()),
    };
    let app = App::new(source, reviewer, theme).context("reading the review queue")?;
    match crate::review::run(app).context("running the review console")? {
        Ended::Quit => Ok(Status::Success),
        Ended::Signalled => Ok(Status::Interrupted(143)),
    }
}
