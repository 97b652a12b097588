//! `aida review`: the review console. A queue of investigations beside the selected one's alert,
//! report and evidence; verdicts (approve, correct in the editor, reject) in a keystroke or two,
//! each stored with its MLflow outbox entry before the screen moves on.
//!
//! - `source`: where investigations come from and verdicts go ([`ReviewSource`]: the local store,
//!   or MLflow with `mlflow_source`);
//! - `verdict`: the checks a verdict passes, shared with `aida feedback`;
//! - `components`: the panes (queue, detail, step output, help, filter);
//! - `app`: the state machine that routes keys to them (no terminal);
//! - `terminal`: the real terminal, signals and the editor.
mod app;
mod components;
mod mlflow_source;
mod source;
mod terminal;
pub mod verdict;

pub use app::{App, Effect, Focus, Mode};
pub use components::Theme;
pub use mlflow_source::MlflowSource;
pub use source::{LocalSource, ReviewSource, SourceError};
pub use terminal::{Ended, editor_command, run};
