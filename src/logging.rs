//! tracing set-up: logs go to stderr, filtered by AIDA_LOG or RUST_LOG, else by -v/-q.
use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::commands::GlobalArgs;

fn filter(global: &GlobalArgs, quiet_level: &str) -> EnvFilter {
    for var in ["AIDA_LOG", "RUST_LOG"] {
        if let Ok(spec) = std::env::var(var)
            && !spec.trim().is_empty()
        {
            if let Ok(filter) = EnvFilter::try_new(&spec) {
                return filter;
            }
            eprintln!("warning: ignoring {var}={spec:?}: not a valid log filter");
        }
    }
    let level = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => quiet_level,
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    // Dependencies stay at warn unless asked for explicitly through AIDA_LOG. kube's client logs
    // every failed request at ERROR; AIDA reports those failures itself, once, with the server's
    // address, so they are silenced below debug.
    let kube = if global.verbose >= 2 {
        ""
    } else {
        ",kube_client=off"
    };
    EnvFilter::new(format!("warn,aida={level}{kube}"))
}

/// Whether to colour `stream`: only a terminal, and only while `NO_COLOR` is unset or empty
/// (https://no-color.org). A redirected stream (a file, a pipe, CI) gets plain text.
pub fn use_color(stream: &impl IsTerminal) -> bool {
    color_allowed(std::env::var_os("NO_COLOR").as_deref()) && stream.is_terminal()
}

/// `NO_COLOR` set to anything but the empty string turns colour off.
fn color_allowed(no_color: Option<&std::ffi::OsStr>) -> bool {
    no_color.is_none_or(|value| value.is_empty())
}

/// Installs the global subscriber writing compact lines to stderr. Safe to call once per process.
pub fn init(global: &GlobalArgs) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter(global, "warn"))
        .with_writer(std::io::stderr)
        .with_ansi(use_color(&std::io::stderr()))
        .with_target(false)
        .compact()
        .without_time()
        .try_init();
}

/// Installs the global subscriber appending plain lines with times to `path` (the review console,
/// which owns the screen). A file that cannot be opened means no logs, never logs on the screen.
pub fn init_file(global: &GlobalArgs, path: &std::path::Path) {
    let file = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
        });
    let writer: Box<dyn std::io::Write + Send> = match file {
        Ok(file) => Box::new(file),
        Err(_) => Box::new(std::io::sink()),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter(global, "info"))
        .with_writer(std::sync::Mutex::new(writer))
        .with_ansi(false)
        .try_init();
}

/// Installs the global subscriber writing one JSON object per line to stderr (the webhook
/// server: its logs go to a log collector). Without -v/-q it logs at info: every request and
/// every investigation. Safe to call once per process.
pub fn init_json(global: &GlobalArgs) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter(global, "info"))
        .with_writer(std::io::stderr)
        // For a log collector: never escape codes, terminal or not.
        .with_ansi(false)
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_set_to_anything_but_empty_turns_colour_off() {
        use std::ffi::OsStr;
        assert!(color_allowed(None));
        assert!(color_allowed(Some(OsStr::new(""))));
        assert!(!color_allowed(Some(OsStr::new("1"))));
        assert!(!color_allowed(Some(OsStr::new("false"))));
    }
}
