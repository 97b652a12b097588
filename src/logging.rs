//! tracing set-up: logs go to stderr, filtered by AIDA_LOG or RUST_LOG, else by -v/-q.
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

/// Installs the global subscriber writing compact lines to stderr. Safe to call once per process.
pub fn init(global: &GlobalArgs) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter(global, "warn"))
        .with_writer(std::io::stderr)
        .with_target(false)
        .compact()
        .without_time()
        .try_init();
}

/// Installs the global subscriber writing one JSON object per line to stderr (the webhook
/// server: its logs go to a log collector). Without -v/-q it logs at info: every request and
/// every investigation. Safe to call once per process.
pub fn init_json(global: &GlobalArgs) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter(global, "info"))
        .with_writer(std::io::stderr)
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .try_init();
}
