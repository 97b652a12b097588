//! The MLflow sync outbox: what `aida sync` still has to push, written in the same transaction
//! as the row it describes. Each item remembers the steps it has done (a half-synced run resumes
//! where it stopped), when it may be tried again (backoff) and whether it was parked (it kept
//! failing: shown, skipped, never blocking the rest). `mlflow_links` keeps the MLflow ids of each
//! synced investigation.
use rusqlite::{OptionalExtension, Transaction, params};

use super::{
    MlflowLink, OutboxItem, OutboxKind, Result, Store, json_column, not_found_if_zero, now,
    parse_column,
};

const ITEM_SELECT: &str =
    "SELECT id, kind, entity_id, payload_json, attempts, last_error, created_at,
        next_attempt_at, parked_at, steps_json
     FROM sync_outbox";

/// Which unsynced items [`Store::outbox_items`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxSelect<'a> {
    /// Not parked and due at this time (RFC 3339): what a background drain takes.
    DueAt(&'a str),
    /// Not parked, due or waiting out a backoff: what `aida sync` takes.
    Unparked,
    /// Everything not yet synced, parked included (`aida sync --status`).
    All,
    /// Not parked and about this entity (an investigation id: its run and trace), backoff or
    /// not: what `aida investigate` pushes right after it stored the investigation.
    Entity(&'a str),
}

impl Store {
    /// Items not yet synced, oldest first.
    pub fn outbox_pending(&self, limit: usize) -> Result<Vec<OutboxItem>> {
        self.outbox_items(OutboxSelect::All, limit)
    }

    /// Unsynced items chosen by `select`, oldest first.
    pub fn outbox_items(&self, select: OutboxSelect<'_>, limit: usize) -> Result<Vec<OutboxItem>> {
        let filter = match select {
            OutboxSelect::DueAt(_) => {
                "WHERE synced_at IS NULL AND parked_at IS NULL
                   AND (next_attempt_at IS NULL OR next_attempt_at <= ?2)"
            }
            OutboxSelect::Unparked => "WHERE synced_at IS NULL AND parked_at IS NULL",
            OutboxSelect::All => "WHERE synced_at IS NULL",
            OutboxSelect::Entity(_) => {
                "WHERE synced_at IS NULL AND parked_at IS NULL AND entity_id = ?2"
            }
        };
        let sql = format!("{ITEM_SELECT} {filter} ORDER BY id LIMIT ?1");
        let mut stmt = self.conn.prepare(&sql)?;
        let limit = limit.min(i64::MAX as usize) as i64;
        let rows = match select {
            OutboxSelect::DueAt(at) | OutboxSelect::Entity(at) => {
                stmt.query_map(params![limit, at], item_row)?
            }
            _ => stmt.query_map(params![limit], item_row)?,
        };
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Into::into)
    }

    /// Synced items (for `aida sync --status`).
    pub fn outbox_synced_count(&self) -> Result<usize> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM sync_outbox WHERE synced_at IS NOT NULL",
            [],
            |row| row.get(0),
        )?;
        Ok(n as usize)
    }

    /// Whether the items of `kind` about `entity_id` are all synced (a review waits for its run
    /// and trace).
    pub fn outbox_entity_synced(&self, kind: OutboxKind, entity_id: &str) -> Result<bool> {
        let pending: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM sync_outbox WHERE kind = ?1 AND entity_id = ?2 AND synced_at IS NULL",
            params![kind.as_str(), entity_id],
            |row| row.get(0),
        )?;
        Ok(pending == 0)
    }

    pub fn outbox_mark_synced(&self, id: i64) -> Result<()> {
        let updated = self.conn.execute(
            "UPDATE sync_outbox SET synced_at = ?2, last_error = NULL, next_attempt_at = NULL
             WHERE id = ?1",
            params![id, now()],
        )?;
        not_found_if_zero(updated, "outbox item", id)
    }

    /// Counts a failed attempt: the item waits until `retry_at` (None = due at once), or is
    /// parked when `park`.
    pub fn outbox_mark_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<&str>,
        park: bool,
    ) -> Result<()> {
        let updated = self.conn.execute(
            "UPDATE sync_outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3,
                 parked_at = CASE WHEN ?4 THEN ?5 ELSE NULL END
             WHERE id = ?1",
            params![id, error, retry_at, park, now()],
        )?;
        not_found_if_zero(updated, "outbox item", id)
    }

    /// Puts off an item without counting an attempt (it waits for another item).
    pub fn outbox_defer(&self, id: i64, retry_at: &str, why: &str) -> Result<()> {
        let updated = self.conn.execute(
            "UPDATE sync_outbox SET next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
            params![id, retry_at, why],
        )?;
        not_found_if_zero(updated, "outbox item", id)
    }

    /// Records that `step` of an item is done, so a retry skips it.
    pub fn outbox_step_done(&self, id: i64, step: &str) -> Result<()> {
        let updated = self.conn.execute(
            "UPDATE sync_outbox SET steps_json = json_insert(steps_json, '$[#]', ?2)
             WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM json_each(steps_json) WHERE value = ?2)",
            params![id, step],
        )?;
        if updated == 0 {
            // Either already recorded or no such item: tell them apart.
            let exists: bool = self.conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM sync_outbox WHERE id = ?1)",
                [id],
                |row| row.get(0),
            )?;
            if !exists {
                return not_found_if_zero(0, "outbox item", id);
            }
        }
        Ok(())
    }

    /// Takes an item for one sync attempt until `until`, unless another process holds it (two
    /// processes syncing one item at once could both create its run). Returns whether it did.
    pub fn outbox_claim(&self, id: i64, until: &str) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE sync_outbox SET claimed_until = ?2
             WHERE id = ?1 AND synced_at IS NULL AND (claimed_until IS NULL OR claimed_until <= ?3)",
            params![id, until, now()],
        )? == 1)
    }

    /// Gives a claimed item back (its attempt is over).
    pub fn outbox_release(&self, id: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE sync_outbox SET claimed_until = NULL WHERE id = ?1",
            [id],
        )?;
        Ok(())
    }

    /// Parked items become due again, with their attempts reset. Returns how many.
    pub fn outbox_unpark(&self) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE sync_outbox SET parked_at = NULL, next_attempt_at = NULL, attempts = 0
             WHERE synced_at IS NULL AND parked_at IS NOT NULL",
            [],
        )?)
    }

    /// The MLflow ids of a synced (or half-synced) investigation.
    pub fn mlflow_link(&self, investigation_id: &str) -> Result<Option<MlflowLink>> {
        self.conn
            .query_row(
                "SELECT investigation_id, experiment_id, run_id, trace_id FROM mlflow_links
                 WHERE investigation_id = ?1",
                [investigation_id],
                |row| {
                    Ok(MlflowLink {
                        investigation_id: row.get(0)?,
                        experiment_id: row.get(1)?,
                        run_id: row.get(2)?,
                        trace_id: row.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(Into::into)
    }

    /// Records the MLflow ids learnt so far (a None keeps what was stored).
    pub fn set_mlflow_link(&self, link: &MlflowLink) -> Result<()> {
        self.conn.execute(
            "INSERT INTO mlflow_links (investigation_id, experiment_id, run_id, trace_id, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (investigation_id) DO UPDATE SET experiment_id = excluded.experiment_id,
                 run_id = COALESCE(excluded.run_id, run_id),
                 trace_id = COALESCE(excluded.trace_id, trace_id),
                 updated_at = excluded.updated_at",
            params![
                link.investigation_id,
                link.experiment_id,
                link.run_id,
                link.trace_id,
                now()
            ],
        )?;
        Ok(())
    }
}

fn item_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxItem> {
    Ok(OutboxItem {
        id: row.get(0)?,
        kind: parse_column(row, 1, "sync_outbox")?,
        entity_id: row.get(2)?,
        payload: json_column(row, 3)?,
        attempts: row.get(4)?,
        last_error: row.get(5)?,
        created_at: row.get(6)?,
        next_attempt_at: row.get(7)?,
        parked_at: row.get(8)?,
        steps: json_column(row, 9)?,
    })
}

/// Queues `entity_id` for MLflow, inside the caller's transaction.
pub(super) fn push_outbox(tx: &Transaction<'_>, kind: OutboxKind, entity_id: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO sync_outbox (kind, entity_id, created_at) VALUES (?1, ?2, ?3)",
        params![kind.as_str(), entity_id, now()],
    )?;
    Ok(())
}
