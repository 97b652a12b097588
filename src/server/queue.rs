//! The queue behind the receiver: the SQLite store (its writer thread), or Redis Streams. The
//! routes ask only this; the workers of each backend are in `worker` and `redis_worker`.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::redis_queue::RedisQueue;
use super::writer::{WriteError, Writer};
use crate::store::{Delivered, IncomingAlert, Store};

#[derive(Clone)]
pub enum Queue {
    Sqlite {
        writer: Writer,
        /// A read connection for `/metrics` (queue depth).
        reader: Arc<Mutex<Store>>,
    },
    Redis(RedisQueue),
}

impl Queue {
    /// Queues one request's alerts; returns once they are durable (committed, or acknowledged
    /// by Redis) or refused.
    pub async fn deliver(
        &self,
        alerts: Vec<IncomingAlert>,
        capacity: usize,
        timeout: Duration,
    ) -> Result<Delivered, WriteError> {
        match self {
            Queue::Sqlite { writer, .. } => writer.deliver(alerts, timeout).await,
            Queue::Redis(redis) => tokio::time::timeout(timeout, redis.deliver(&alerts, capacity))
                .await
                .map_err(|_| WriteError::Timeout(timeout))?
                .map_err(|e| WriteError::Store(e.to_string())),
        }
    }

    /// Whether the queue takes writes now.
    pub async fn ping(&self, timeout: Duration) -> Result<(), WriteError> {
        match self {
            Queue::Sqlite { writer, .. } => writer.ping(timeout).await,
            Queue::Redis(redis) => tokio::time::timeout(timeout, redis.ping())
                .await
                .map_err(|_| WriteError::Timeout(timeout))?
                .map_err(|e| WriteError::Store(e.to_string())),
        }
    }

    /// Jobs queued or running.
    pub async fn depth(&self) -> Result<usize, String> {
        match self {
            Queue::Sqlite { reader, .. } => {
                let reader = reader.clone();
                tokio::task::spawn_blocking(move || {
                    reader
                        .lock()
                        .map_err(|_| "poisoned".to_string())
                        .and_then(|store| store.queue_depth().map_err(|e| e.to_string()))
                })
                .await
                .map_err(|e| e.to_string())?
            }
            Queue::Redis(redis) => redis.depth().await.map_err(|e| e.to_string()),
        }
    }

    /// What `/readyz` calls the queue.
    pub fn name(&self) -> &'static str {
        match self {
            Queue::Sqlite { .. } => "store",
            Queue::Redis(_) => "redis",
        }
    }
}
