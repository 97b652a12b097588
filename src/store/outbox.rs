//! The MLflow sync outbox: what `aida sync` still has to push, written in the same transaction
//! as the row it describes.
use rusqlite::{Transaction, params};

use super::{
    OutboxItem, OutboxKind, Result, Store, json_column, not_found_if_zero, now, parse_column,
};

impl Store {
    /// Items not yet synced, oldest first.
    pub fn outbox_pending(&self, limit: usize) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, kind, entity_id, payload_json, attempts, last_error, created_at
             FROM sync_outbox WHERE synced_at IS NULL ORDER BY id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |row| {
            Ok(OutboxItem {
                id: row.get(0)?,
                kind: parse_column(row, 1, "sync_outbox")?,
                entity_id: row.get(2)?,
                payload: json_column(row, 3)?,
                attempts: row.get(4)?,
                last_error: row.get(5)?,
                created_at: row.get(6)?,
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Into::into)
    }

    pub fn outbox_mark_synced(&self, id: i64) -> Result<()> {
        let updated = self.conn.execute(
            "UPDATE sync_outbox SET synced_at = ?2, last_error = NULL WHERE id = ?1",
            params![id, now()],
        )?;
        not_found_if_zero(updated, "outbox item", id)
    }

    pub fn outbox_mark_failed(&self, id: i64, error: &str) -> Result<()> {
        let updated = self.conn.execute(
            "UPDATE sync_outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
            params![id, error],
        )?;
        not_found_if_zero(updated, "outbox item", id)
    }
}

/// Queues `entity_id` for MLflow, inside the caller's transaction.
pub(super) fn push_outbox(tx: &Transaction<'_>, kind: OutboxKind, entity_id: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO sync_outbox (kind, entity_id, created_at) VALUES (?1, ?2, ?3)",
        params![kind.as_str(), entity_id, now()],
    )?;
    Ok(())
}
