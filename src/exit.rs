//! Exit codes: 0 success, 1 the command ran but found a failure, 2 usage or input error.
//!
//! Commands return `anyhow::Result<Status>`. An error whose chain contains an [`InputError`]
//! (or a configuration error) is the user's to fix and exits 2; a broken pipe on stdout
//! (`aida search ... | head`) is success; anything else is an internal failure and exits 1.
use std::process::ExitCode;

/// What a command that ran to completion concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything asked for was done.
    Success,
    /// The command ran but found a failure (e.g. an evaluation below its threshold).
    Failure,
    /// Stopped by a signal after recording that it was: 130 for SIGINT, 143 for SIGTERM.
    Interrupted(u8),
}

/// A problem with what the user gave us: a flag, a file, a field. Exits 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

impl InputError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Shorthand for returning an [`InputError`] from a command.
pub fn input_error(message: impl Into<String>) -> anyhow::Error {
    InputError::new(message).into()
}

/// True when `err` was caused by bad user input (exit 2).
pub fn is_input_error(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.is::<InputError>()
            || cause.is::<crate::config::ConfigError>()
            || cause.is::<clap::Error>()
    })
}

/// True when `err` is the reader of our stdout going away.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Prints the error (if any) and turns the outcome into the process exit code.
pub fn report(outcome: anyhow::Result<Status>) -> ExitCode {
    match outcome {
        Ok(Status::Success) => ExitCode::SUCCESS,
        Ok(Status::Failure) => ExitCode::from(1),
        Ok(Status::Interrupted(code)) => ExitCode::from(code),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let code = if is_input_error(&err) { 2 } else { 1 };
            eprintln!("error: {}", render_chain(&err));
            ExitCode::from(code)
        }
    }
}

/// `outer: inner: innermost`, skipping causes whose text repeats the previous one.
pub fn render_chain(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if parts.last().is_none_or(|prev| !prev.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn input_errors_are_found_under_context() {
        let err = Err::<(), _>(input_error("bad --top-k"))
            .context("while searching")
            .unwrap_err();
        assert!(is_input_error(&err));
        assert!(!is_broken_pipe(&err));
    }

    #[test]
    fn broken_pipe_is_recognised() {
        let io = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "pipe");
        let err = anyhow::Error::from(io).context("writing results");
        assert!(is_broken_pipe(&err));
        assert_eq!(report(Err(err)), ExitCode::SUCCESS);
    }

    #[test]
    fn chain_skips_repeated_text() {
        let err = anyhow::anyhow!("disk full").context("saving report");
        assert_eq!(render_chain(&err), "saving report: disk full");
    }
}
