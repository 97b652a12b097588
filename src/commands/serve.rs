//! `aida serve-webhook` (alias `serve`): the Alertmanager receiver and its worker pool.
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::Args;

use super::{Context, ModelArgs, pipeline_error};
use crate::config::QueueBackend;
use crate::exit::{Status, input_error};
use crate::pipeline::Services;
use crate::server::{self, Backend, Options, Settings};

pub const EXAMPLES: &str = "\
Examples:
  # Live cluster, local model, two investigations at a time
  aida serve-webhook --listen 0.0.0.0:8080 --workers 2

  # Demo: every alert replays one recorded incident, analyzers only
  aida serve --listen 127.0.0.1:8080 --llm none --bundle tests/fixtures/bundles/oom_image_resizer

  # Give running investigations two minutes on SIGTERM before requeueing them
  aida serve-webhook --shutdown-timeout 120

  # Many hosts on Redis Streams: receivers and workers share one consumer group
  AIDA_QUEUE_BACKEND=redis AIDA_QUEUE_REDIS_URL=redis://10.0.0.5:6379 aida serve --listen 0.0.0.0:8080
  AIDA_QUEUE_BACKEND=redis AIDA_QUEUE_REDIS_URL=redis://10.0.0.5:6379 aida serve --no-listen --workers 4
";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, HOST:PORT; port 0 takes a free one (the `listening` log line names it) [default: config server.listen]
    #[arg(long, value_name = "ADDR", conflicts_with = "no_listen")]
    pub listen: Option<String>,
    /// Run the workers only, without the HTTP receiver: they take jobs from the queue (config queue.backend; Redis for a worker host, or this host's SQLite queue)
    #[arg(long)]
    pub no_listen: bool,
    /// Investigations run at once, sharing one loaded model; 0 only receives (another server on the same store or Redis stream investigates) [default: config server.workers]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(0..=64))]
    pub workers: Option<u16>,
    /// Replay this incident bundle as every alert's evidence instead of the live cluster (demo and test mode)
    #[arg(long, value_name = "DIR")]
    pub bundle: Option<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Seconds a shutdown (SIGTERM, Ctrl-C) waits for running investigations before returning their jobs to the queue
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub shutdown_timeout: u64,
    /// Delay before the first retry of a failed attempt in milliseconds (each further retry waits 4x longer)
    #[arg(long, value_name = "MS", default_value_t = 5000, hide = true)]
    pub retry_backoff_ms: u64,
    /// How long a job's claim lasts without a heartbeat before another worker may take it, in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 60_000, hide = true,
          value_parser = clap::value_parser!(u64).range(300..))]
    pub lease_ms: u64,
    /// How often the MLflow outbox is drained, in milliseconds (when MLflow is configured)
    #[arg(long, value_name = "MS", default_value_t = 10_000, hide = true)]
    pub mlflow_sync_interval_ms: u64,
}

pub fn run(ctx: &Context, args: &ServeArgs) -> Result<Status> {
    let config = &ctx.config().server;
    let queue = &ctx.config().queue;
    if let Some(dir) = &args.bundle
        && !dir.join("alert.json").is_file()
        && !dir.join("cluster").is_dir()
    {
        return Err(input_error(format!(
            "--bundle {}: not an incident bundle (no alert.json, no cluster/)",
            dir.display()
        )));
    }
    let workers = args.workers.map_or(config.workers, usize::from);
    if args.no_listen && workers == 0 {
        return Err(input_error(
            "--no-listen with no workers (--workers 0 or server.workers = 0) would do nothing",
        ));
    }
    let options = Options {
        listen: (!args.no_listen)
            .then(|| args.listen.clone().unwrap_or_else(|| config.listen.clone())),
        backend: match queue.backend {
            QueueBackend::Sqlite => Backend::Sqlite,
            QueueBackend::Redis => Backend::Redis {
                url: queue.redis_url.clone(),
                stream: queue.redis_stream.clone(),
            },
        },
        workers,
        token: config.token.clone().filter(|t| !t.trim().is_empty()),
        max_body_bytes: config.max_body_bytes,
        queue_capacity: config.queue_capacity,
        bundle: args.bundle.clone(),
        drain: Duration::from_secs(args.shutdown_timeout),
        settings: Settings {
            lease: Duration::from_millis(args.lease_ms),
            retry_backoff: Duration::from_millis(args.retry_backoff_ms),
            poll: Duration::from_millis(250),
            max_attempts: config.max_attempts,
        },
    };
    if options.max_body_bytes > options.body_limit() {
        tracing::warn!(
            configured = options.max_body_bytes,
            applied = options.body_limit(),
            "server.max_body_bytes is above the largest alert payload accepted; using that"
        );
    }
    // The model is loaded once, before listening: every worker shares it.
    let services =
        Services::build(&ctx.home, ctx.config(), &args.model.choice()).map_err(pipeline_error)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads((workers + 2).clamp(4, 16))
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let database = ctx.home.database();
    // With MLflow configured, the outbox drains beside the server (crate::mlflow::drain_forever).
    let (stop_sync, sync_stopped) = tokio::sync::watch::channel(false);
    let sync =
        match crate::mlflow::client_from_config(&ctx.config().mlflow, Duration::from_secs(30)) {
            None => None,
            Some(client) => {
                let client = client.map_err(|e| input_error(e.to_string()))?;
                tracing::info!(mlflow = client.base(), "syncing investigations to MLflow");
                let syncer = crate::mlflow::Syncer::new(
                    client,
                    &ctx.config().mlflow.experiment,
                    crate::mlflow::RetryPolicy::default(),
                );
                Some(runtime.spawn(crate::mlflow::drain_forever(
                    syncer,
                    database.clone(),
                    Duration::from_millis(args.mlflow_sync_interval_ms.max(100)),
                    sync_stopped,
                )))
            }
        };
    let served = runtime.block_on(server::run(
        &database,
        Arc::new(services),
        options,
        shutdown_signal(),
    ));
    let _ = stop_sync.send(true);
    if let Some(task) = sync {
        // A request in flight gets a moment; what it did not finish is resumed next time.
        // (The timer needs the runtime's context: build it inside block_on.)
        let _ =
            runtime.block_on(async { tokio::time::timeout(Duration::from_secs(5), task).await });
    }
    served.map_err(|e| {
        if e.is_user_error() {
            input_error(e.to_string())
        } else {
            anyhow::Error::from(e)
        }
    })?;
    Ok(Status::Success)
}

/// SIGTERM (Kubernetes, systemd) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(err) => {
                tracing::warn!(%err, "cannot watch SIGTERM; stopping on Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
