//! Resolutions for incidents this store holds already: a receiver (on any host) that closes a
//! firing whose investigation a store holds adds the resolution to `S:resolved:<store>`; the
//! servers of that store apply them here (consumer group `aida`, acknowledged once applied).
use std::time::Duration;

use redis::streams::{
    StreamAutoClaimOptions, StreamAutoClaimReply, StreamId, StreamReadOptions, StreamReadReply,
};
use tokio::sync::watch;

use super::redis_queue::{GROUP, RedisError, RedisQueue};
use super::redis_worker::Identity;
use super::worker::Phase;
use crate::store::Store;

const BLOCK: Duration = Duration::from_millis(500);
/// A resolution read by a server that died is applied by another after this long.
const ABANDONED: Duration = Duration::from_secs(30);

pub async fn run(
    queue: RedisQueue,
    mut store: Store,
    identity: Identity,
    phase: watch::Receiver<Phase>,
) {
    let key = queue.keys.resolved(&identity.holder);
    let conn = match queue.create_group(&key).await {
        Ok(()) => queue.own_connection(BLOCK).await,
        Err(err) => Err(err),
    };
    let mut conn = match conn {
        Ok(conn) => conn,
        Err(err) => {
            tracing::error!(%err, "cannot read resolutions from Redis; incidents stored here stay open");
            return;
        }
    };
    while *phase.borrow() == Phase::Running {
        if let Err(err) = once(&mut conn, &key, &mut store, &identity).await {
            tracing::warn!(%err, "could not apply resolutions from Redis");
            tokio::time::sleep(BLOCK).await;
        }
    }
}

async fn once(
    conn: &mut redis::aio::ConnectionManager,
    key: &str,
    store: &mut Store,
    identity: &Identity,
) -> Result<(), RedisError> {
    let claimed: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
        .arg(key)
        .arg(GROUP)
        .arg(&identity.consumer)
        .arg(ABANDONED.as_millis() as u64)
        .arg("0-0")
        .arg(StreamAutoClaimOptions::default().count(100))
        .query_async(conn)
        .await?;
    let mut entries = claimed.claimed;
    if entries.is_empty() {
        let options = StreamReadOptions::default()
            .group(GROUP, &identity.consumer)
            .count(100)
            .block(BLOCK.as_millis() as usize);
        let read: Option<StreamReadReply> = redis::cmd("XREADGROUP")
            .arg(&options)
            .arg("STREAMS")
            .arg(key)
            .arg(">")
            .query_async(conn)
            .await?;
        entries = read
            .into_iter()
            .flat_map(|r| r.keys)
            .flat_map(|k| k.ids)
            .collect();
    }
    for entry in entries {
        apply(store, &entry);
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("XACK")
            .arg(key)
            .arg(GROUP)
            .arg(&entry.id)
            .ignore()
            .cmd("XDEL")
            .arg(key)
            .arg(&entry.id)
            .ignore();
        pipe.query_async::<()>(conn).await?;
    }
    Ok(())
}

fn apply(store: &Store, entry: &StreamId) {
    let (Some(incident_id), Some(at)) = (
        entry.get::<String>("incident_id"),
        entry.get::<String>("resolved_at"),
    ) else {
        tracing::warn!(
            entry = entry.id,
            "a resolution without incident_id or resolved_at; dropped"
        );
        return;
    };
    match store.close_incident(&incident_id, &at) {
        Ok(true) => tracing::info!(incident_id, resolved_at = at, "incident resolved"),
        Ok(false) => tracing::debug!(incident_id, "resolution for an incident not open here"),
        Err(err) => tracing::warn!(incident_id, %err, "could not store a resolution"),
    }
}
