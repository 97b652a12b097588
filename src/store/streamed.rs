//! Incidents that arrive through the Redis Streams queue: the receiver that acknowledged the
//! alert may be another host, so the worker that takes the job stores the incident here, in its
//! own store, before investigating it. The folding and resolution state lives in Redis; what the
//! worker last read of it is copied here (`sync_streamed`).
use rusqlite::{OptionalExtension, params};

use super::{IncomingAlert, Result, Store, now};

impl Store {
    /// Stores the webhook incident of a queued Redis job, unless this store has it. Returns the
    /// incident's id here: the job's, or that of the incident this store already holds for the
    /// same firing (fingerprint and `startsAt`).
    pub fn store_streamed(&self, alert: &IncomingAlert) -> Result<String> {
        let ts = now();
        super::queue::insert_webhook_incident(&self.conn, alert, &ts, "ON CONFLICT DO NOTHING")?;
        let id: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM incidents WHERE id = ?1
                 UNION ALL
                 SELECT id FROM incidents WHERE source = 'webhook' AND fingerprint = ?2
                     AND starts_at IS ?3
                 LIMIT 1",
                params![alert.id, alert.fingerprint, alert.starts_at],
                |row| row.get(0),
            )
            .optional()?;
        Ok(id.unwrap_or_else(|| alert.id.clone()))
    }

    /// Copies the queue's view of a streamed incident: how many notifications folded into it,
    /// when it was last seen, and when it resolved (if it did).
    pub fn sync_streamed(
        &self,
        incident_id: &str,
        notifications: i64,
        last_seen_at: Option<&str>,
        resolved_at: Option<&str>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE incidents SET notifications = MAX(notifications, ?2),
                 last_seen_at = COALESCE(?3, last_seen_at),
                 resolved_at = COALESCE(resolved_at, ?4)
             WHERE id = ?1",
            params![incident_id, notifications, last_seen_at, resolved_at],
        )?;
        Ok(())
    }

    /// Closes an incident this store holds (a resolution that arrived after it was stored).
    /// Returns whether this store holds it open.
    pub fn close_incident(&self, incident_id: &str, resolved_at: &str) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE incidents SET resolved_at = ?2, last_seen_at = ?3
             WHERE id = ?1 AND resolved_at IS NULL",
            params![incident_id, resolved_at, now()],
        )? > 0)
    }

    /// Records a Redis job that ran out of deliveries (it went to the dead-letter stream) as a
    /// failed job of its incident, so `aida list --status failed` and `aida show` see it here.
    pub fn record_dead_letter(
        &self,
        incident_id: &str,
        attempts: i64,
        max_attempts: i64,
        error: &str,
    ) -> Result<()> {
        let ts = now();
        self.conn.execute(
            "INSERT INTO jobs (incident_id, state, attempts, max_attempts, last_error, created_at,
                 updated_at, enqueued_at)
             VALUES (?1, 'failed', ?2, ?3, ?4, ?5, ?5, ?5)",
            params![incident_id, attempts, max_attempts, error, ts],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(id: &str, fp: &str) -> IncomingAlert {
        IncomingAlert {
            id: id.into(),
            fingerprint: fp.into(),
            alert_name: "KubePodCrashLooping".into(),
            alert: serde_json::json!({"labels": {"alertname": "KubePodCrashLooping"}}),
            starts_at: Some("2026-11-24T00:00:00Z".into()),
            ends_at: None,
            resolved: false,
        }
    }

    #[test]
    fn a_streamed_incident_is_stored_once_per_firing() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.store_streamed(&alert("a", "fp1")).unwrap(), "a");
        // The same job again (redelivered), then the same firing under another id (its
        // deduplication key expired in Redis): one incident.
        assert_eq!(store.store_streamed(&alert("a", "fp1")).unwrap(), "a");
        assert_eq!(store.store_streamed(&alert("b", "fp1")).unwrap(), "a");
        assert_eq!(store.store_streamed(&alert("c", "fp2")).unwrap(), "c");
        store
            .sync_streamed("a", 3, Some("2026-11-24T01:00:00Z"), None)
            .unwrap();
        assert!(store.close_incident("a", "2026-11-24T02:00:00Z").unwrap());
        assert!(!store.close_incident("a", "2026-11-24T03:00:00Z").unwrap());
        let (n, resolved): (i64, String) = store
            .conn
            .query_row(
                "SELECT notifications, resolved_at FROM incidents WHERE id = 'a'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((n, resolved.as_str()), (3, "2026-11-24T02:00:00Z"));
        store.record_dead_letter("c", 3, 3, "boom").unwrap();
        assert_eq!(
            store.latest_job("c").unwrap().unwrap().state.as_str(),
            "failed"
        );
    }
}
