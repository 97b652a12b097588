//! The one writer of webhook deliveries: a thread with its own store connection that commits
//! whatever requests are waiting in ONE transaction (group commit), then answers each of them.
//! A request is acknowledged only after the commit that holds it returned.
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::{Notify, mpsc, oneshot};

use crate::store::{Delivered, IncomingAlert, Receipt, Store};

/// The most requests one transaction commits.
const MAX_BATCH: usize = 512;

enum Op {
    Deliver {
        alerts: Vec<IncomingAlert>,
        reply: oneshot::Sender<Result<Delivered, String>>,
    },
    /// Readiness: can the store take a write lock now?
    Ping {
        reply: oneshot::Sender<Result<(), String>>,
    },
}

/// The handle the HTTP handlers use. Dropping every handle stops the thread.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Op>,
}

/// Why a delivery could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the store could not commit: {0}")]
    Store(String),
    #[error("the store did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the writer has stopped")]
    Stopped,
}

impl Writer {
    /// Starts the writer's thread over its own connection. `committed` is notified after a
    /// commit that queued new jobs (workers wake up at once instead of at their next poll).
    pub fn start(
        store: Store,
        capacity: usize,
        committed: Arc<Notify>,
    ) -> std::io::Result<(Self, JoinHandle<()>)> {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        let handle = std::thread::Builder::new()
            .name("aida-writer".into())
            .spawn(move || run(store, rx, capacity, &committed))?;
        Ok((Self { tx }, handle))
    }

    /// Stores one delivery; returns once it is committed (or refused).
    pub async fn deliver(
        &self,
        alerts: Vec<IncomingAlert>,
        timeout: Duration,
    ) -> Result<Delivered, WriteError> {
        let (reply, answer) = oneshot::channel();
        self.send(Op::Deliver { alerts, reply }, answer, timeout)
            .await?
            .map_err(WriteError::Store)
    }

    /// Whether the store takes writes.
    pub async fn ping(&self, timeout: Duration) -> Result<(), WriteError> {
        let (reply, answer) = oneshot::channel();
        self.send(Op::Ping { reply }, answer, timeout)
            .await?
            .map_err(WriteError::Store)
    }

    async fn send<T>(
        &self,
        op: Op,
        answer: oneshot::Receiver<T>,
        timeout: Duration,
    ) -> Result<T, WriteError> {
        let exchange = async {
            self.tx.send(op).await.map_err(|_| WriteError::Stopped)?;
            answer.await.map_err(|_| WriteError::Stopped)
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| WriteError::Timeout(timeout))?
    }
}

fn run(mut store: Store, mut rx: mpsc::Receiver<Op>, capacity: usize, committed: &Notify) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let mut deliveries = Vec::new();
        for op in batch {
            match op {
                Op::Deliver { alerts, reply } => deliveries.push((alerts, reply)),
                Op::Ping { reply } => {
                    let _ = reply.send(store.check_writable().map_err(|e| e.to_string()));
                }
            }
        }
        if deliveries.is_empty() {
            continue;
        }
        let (alerts, replies): (Vec<_>, Vec<_>) = deliveries.into_iter().unzip();
        let outcomes = match store.receive(&alerts, capacity) {
            Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
            // One bad delivery must not fail the others: each alone, in its own transaction.
            Err(err) if alerts.len() > 1 => {
                tracing::warn!(%err, requests = alerts.len(), "group commit failed; committing the requests one by one");
                alerts
                    .iter()
                    .map(|one| {
                        store
                            .receive(std::slice::from_ref(one), capacity)
                            .map(|mut o| o.remove(0))
                            .map_err(|e| e.to_string())
                    })
                    .collect()
            }
            Err(err) => vec![Err(err.to_string())],
        };
        let queued = outcomes.iter().any(|o: &Result<Delivered, String>| {
            matches!(o, Ok(Delivered::Accepted(r)) if r.iter().any(|r| matches!(r, Receipt::Queued { .. })))
        });
        for (reply, outcome) in replies.into_iter().zip(outcomes) {
            // A requester that gave up (timed out) no longer listens; its delivery stands.
            let _ = reply.send(outcome);
        }
        if queued {
            committed.notify_waiters();
        }
    }
}
