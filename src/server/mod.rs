//! `aida serve-webhook`: the Alertmanager receiver, its durable queue and the worker pool.
//!
//! ```text
//! POST /webhook ─ auth (bearer, constant time) ─ body limit ─ alert::parse_str (REDACTS)
//!     └─► writer thread: group commit of incidents + jobs (SQLite, synchronous=FULL) ─► 202
//! workers × N: lease a job ─► pipeline::Services::investigate (one shared Services) ─► done
//!              renewing the lease while it runs; failed attempts back off; 3 attempts
//! ```
//!
//! With `queue.backend = "redis"` the receiver `XADD`s to a Redis stream instead (`redis`, after
//! Redis answered) and the workers of every host consume it with one consumer group
//! (`redis_worker`; `redis_resolve` applies resolutions to incidents this store holds).
//! `--no-listen` runs the workers alone.
//!
//! `routes` is the HTTP surface, `auth` the token check, `metrics` the Prometheus exposition,
//! `queue` the backend the routes deliver to, `writer` the one writer of SQLite deliveries,
//! `worker` the pool. Nothing here assembles an investigation: that is `pipeline`.
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, OnceCell, watch};
use tokio::task::JoinSet;

use crate::pipeline::{PipelineError, Services};
use crate::store::{Store, StoreError};

mod auth;
mod metrics;
mod queue;
mod redis_queue;
mod redis_resolve;
mod redis_worker;
mod routes;
mod worker;
mod writer;

pub use auth::Token;
pub use redis_queue::RedisError;
pub use worker::{Phase, Settings};

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("store {path}: {source}")]
    Store {
        path: PathBuf,
        source: Box<StoreError>,
    },
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error(transparent)]
    Redis(#[from] RedisError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl ServerError {
    /// True when the user has to fix something (exit 2): an address, a bundle, a setting.
    pub fn is_user_error(&self) -> bool {
        match self {
            ServerError::Bind { .. } => true,
            ServerError::Pipeline(e) => e.is_user_error(),
            ServerError::Redis(e) => e.is_user_error(),
            _ => false,
        }
    }
}

/// How the server runs (flags over `server.*` configuration).
#[derive(Debug, Clone)]
pub struct Options {
    /// `HOST:PORT`; port 0 picks a free one (the `listening` log line names it). None: no
    /// listener, the workers only (`--no-listen`).
    pub listen: Option<String>,
    pub backend: Backend,
    pub workers: usize,
    /// Alertmanager must send `Authorization: Bearer <token>`.
    pub token: Option<String>,
    pub max_body_bytes: usize,
    pub queue_capacity: usize,
    /// Replay this bundle as every alert's evidence (demo and test mode).
    pub bundle: Option<PathBuf>,
    /// How long a shutdown waits for running investigations before giving their jobs back.
    pub drain: Duration,
    pub settings: Settings,
}

impl Options {
    /// The body limit actually applied: `server.max_body_bytes`, never above what
    /// `alert::parse_str` accepts.
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes.min(crate::alert::MAX_PAYLOAD_BYTES)
    }
}

/// Where alerts are queued (`queue.*`).
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Redis { url: Option<String>, stream: String },
}

/// What a server run did, for the final log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// Investigations still running at the deadline, whose jobs went back to the queue.
    pub returned: usize,
}

fn open(path: &Path) -> Result<Store, ServerError> {
    Store::open(path).map_err(|source| ServerError::Store {
        path: path.to_path_buf(),
        source: Box::new(source),
    })
}

/// Runs the server until `shutdown` resolves, then stops accepting webhooks, lets running
/// investigations finish for `options.drain`, gives the rest back to the queue and returns.
pub async fn run(
    database: &Path,
    services: Arc<Services>,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<Stopped, ServerError> {
    let reader = open(database)?;
    match reader.recover_orphaned_jobs() {
        Ok(0) => {}
        Ok(n) => tracing::info!(jobs = n, "took back the jobs of a server that is gone"),
        Err(err) => tracing::warn!(%err, "could not take back the jobs of a server that is gone"),
    }
    let redis = match &options.backend {
        Backend::Sqlite => None,
        Backend::Redis { url, stream } => {
            Some(redis_queue::RedisQueue::connect(url.as_deref(), stream).await?)
        }
    };
    let metrics = Arc::new(metrics::Metrics::new(options.queue_capacity));
    let evidence = match &options.bundle {
        Some(dir) => worker::Evidence::Fixed(services.evidence(Some(dir), None).await?),
        None => worker::Evidence::Live(OnceCell::new()),
    };
    let committed = Arc::new(Notify::new());

    let (phase_tx, phase) = watch::channel(Phase::Running);
    let phase_tx = Arc::new(phase_tx);
    let shared = Arc::new(worker::Shared {
        services: services.clone(),
        evidence,
        metrics: metrics.clone(),
        committed: committed.clone(),
        settings: options.settings,
    });
    let mut workers = JoinSet::new();
    match &redis {
        None => {
            for n in 0..options.workers {
                let (store, beat) = (open(database)?, open(database)?);
                workers.spawn(worker::run(n, shared.clone(), store, beat, phase.clone()));
            }
        }
        Some(queue) => {
            let holder = holder(database);
            let identity = |name: &str| redis_worker::Identity {
                holder: holder.clone(),
                consumer: format!("{holder}/{}/{name}", std::process::id()),
            };
            for n in 0..options.workers {
                workers.spawn(redis_worker::run(
                    n,
                    shared.clone(),
                    queue.clone(),
                    open(database)?,
                    identity(&format!("w{n}")),
                    phase.clone(),
                ));
            }
            workers.spawn(redis_resolve::run(
                queue.clone(),
                open(database)?,
                identity("resolve"),
                phase.clone(),
            ));
        }
    }
    let model = services.model();
    let draining = phase_tx.clone();
    let drain = options.drain;
    let stop_accepting = async move {
        shutdown.await;
        tracing::info!(
            deadline_s = drain.as_secs_f64(),
            "shutting down: no new webhooks; running investigations get until the deadline"
        );
        draining.send_replace(Phase::Draining);
    };
    let backend = if redis.is_some() { "redis" } else { "sqlite" };
    let mut writer_thread = None;
    match &options.listen {
        None => {
            tracing::info!(
                workers = options.workers,
                queue = backend,
                backend = model.backend,
                model = model.name,
                "working (no listener)"
            );
            stop_accepting.await;
        }
        Some(listen) => {
            let queue = match redis {
                Some(redis) => queue::Queue::Redis(redis),
                None => {
                    let (writer, thread) =
                        writer::Writer::start(open(database)?, options.queue_capacity, committed)?;
                    writer_thread = Some(thread);
                    queue::Queue::Sqlite {
                        writer,
                        reader: Arc::new(Mutex::new(reader)),
                    }
                }
            };
            if let Ok(depth) = queue.depth().await {
                metrics.set_queue_depth(depth);
            }
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|source| ServerError::Bind {
                    addr: listen.clone(),
                    source,
                })?;
            let addr: SocketAddr = listener.local_addr()?;
            let state = routes::AppState {
                queue,
                metrics,
                token: options.token.as_deref().map(Token::new),
                phase: phase.clone(),
                model: model.clone(),
                queue_capacity: options.queue_capacity,
            };
            let app = routes::router(state, options.body_limit());
            tracing::info!(
                addr = %addr,
                workers = options.workers,
                queue = backend,
                backend = model.backend,
                model = model.name,
                bundle = options.bundle.as_ref().map(|b| b.display().to_string()),
                auth = options.token.is_some(),
                max_body_bytes = options.body_limit(),
                queue_capacity = options.queue_capacity,
                "listening"
            );
            axum::serve(listener, app)
                .with_graceful_shutdown(stop_accepting)
                .await?;
        }
    }
    phase_tx.send_replace(Phase::Draining);

    // Workers finish what they run, until the deadline; then they give it back.
    let deadline = tokio::time::Instant::now() + drain;
    let mut returned = 0;
    loop {
        match tokio::time::timeout_at(deadline, workers.join_next()).await {
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(_) => {
                returned = usize::try_from(shared.metrics.in_flight()).unwrap_or(0);
                tracing::warn!(
                    running = returned,
                    "shutdown deadline passed: returning running jobs to the queue"
                );
                phase_tx.send_replace(Phase::Abandon);
                while workers.join_next().await.is_some() {}
                break;
            }
        }
    }
    // The router (and with it the writer's last handle) is gone: the writer thread ends.
    if let Some(thread) = writer_thread {
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }
    tracing::info!("stopped");
    Ok(Stopped { returned })
}

/// This store's name in Redis: the host and a digest of the database's path (two homes on one
/// host are two stores).
fn holder(database: &Path) -> String {
    use sha2::Digest as _;
    let path = database
        .canonicalize()
        .unwrap_or_else(|_| database.to_path_buf());
    let digest = sha2::Sha256::digest(path.to_string_lossy().as_bytes());
    format!(
        "{}:{}",
        crate::store::hostname(),
        &hex::encode(digest)[..12]
    )
}
