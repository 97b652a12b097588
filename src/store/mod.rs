//! The local store: one SQLite file in `$AIDA_HOME` (WAL mode, foreign keys on).
//!
//! Migrations are embedded SQL files applied in order on open; `PRAGMA user_version` records how
//! many have run. A database written by a newer AIDA is refused rather than guessed at.
//! docs/STORE.md describes the schema.
use std::path::Path;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Deserialize;

mod types;
pub use types::*;

/// The embedded migrations, in order. Never edit one that has shipped: add a new one.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_investigations",
        include_str!("migrations/0001_investigations.sql"),
    ),
    (
        "0002_queue_and_outbox",
        include_str!("migrations/0002_queue_and_outbox.sql"),
    ),
];

/// Schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the store directory {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored JSON is invalid: {0}")]
    Json(#[from] serde_json::Error),
    #[error(
        "the database has schema version {found}, newer than this aida supports ({supported}); upgrade aida"
    )]
    NewerSchema { found: u32, supported: u32 },
    #[error("migration {name} failed: {source}")]
    Migration {
        name: &'static str,
        source: rusqlite::Error,
    },
    #[error("no {what} with id {id}")]
    NotFound { what: &'static str, id: String },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A connection to the store. Cheap to open; open one per thread.
pub struct Store {
    conn: Connection,
}

/// Current time as an RFC 3339 UTC string with milliseconds (sorts as text).
pub fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Store {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let conn = Connection::open(path)?;
        Self::configure(conn, SCHEMA_VERSION)
    }

    /// A private in-memory database (tests, dry runs).
    pub fn open_in_memory() -> Result<Self> {
        Self::configure(Connection::open_in_memory()?, SCHEMA_VERSION)
    }

    /// Opens and migrates only up to `version` (tests of upgrades from older releases).
    #[doc(hidden)]
    pub fn open_at_version(path: &Path, version: u32) -> Result<Self> {
        Self::configure(Connection::open(path)?, version)
    }

    fn configure(conn: Connection, target: u32) -> Result<Self> {
        // WAL: readers (aida review) never block the writer (aida serve); synchronous=FULL makes
        // a commit durable before we acknowledge a webhook.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(Duration::from_secs(10))?;
        let mut store = Self { conn };
        store.migrate(target)?;
        Ok(store)
    }

    fn migrate(&mut self, target: u32) -> Result<()> {
        let current = self.schema_version()?;
        if current > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        for (index, (name, sql)) in MIGRATIONS.iter().enumerate() {
            let version = index as u32 + 1;
            if version <= current || version > target {
                continue;
            }
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)
                .map_err(|source| StoreError::Migration { name, source })?;
            tx.pragma_update(None, "user_version", version)?;
            tx.commit()?;
            tracing::debug!(migration = name, "applied store migration");
        }
        Ok(())
    }

    /// Number of migrations applied to this database.
    pub fn schema_version(&self) -> Result<u32> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))?)
    }

    // ---- incidents -------------------------------------------------------------------------

    /// Records an incident (idempotent on its id).
    pub fn insert_incident(&self, incident: &NewIncident) -> Result<()> {
        insert_incident(&self.conn, incident)
    }

    pub fn incident(&self, id: &str) -> Result<Option<Incident>> {
        self.conn
            .query_row(
                "SELECT id, fingerprint, alert_name, alert_json, source, created_at
                 FROM incidents WHERE id = ?1",
                [id],
                |row| {
                    Ok(Incident {
                        id: row.get(0)?,
                        fingerprint: row.get(1)?,
                        alert_name: row.get(2)?,
                        alert: json_column(row, 3)?,
                        source: row.get(4)?,
                        created_at: row.get(5)?,
                    })
                },
            )
            .optional()
            .map_err(Into::into)
    }

    // ---- investigations --------------------------------------------------------------------

    /// Marks an investigation as running.
    pub fn start_investigation(&self, new: &NewInvestigation) -> Result<()> {
        self.conn.execute(
            "INSERT INTO investigations (id, incident_id, status, backend, model_name, adapter, started_at)
             VALUES (?1, ?2, 'running', ?3, ?4, ?5, ?6)",
            params![new.id, new.incident_id, new.backend, new.model_name, new.adapter, now()],
        )?;
        Ok(())
    }

    /// Stores the outcome and trajectory in one transaction and queues the MLflow sync.
    pub fn finish_investigation(&mut self, id: &str, finished: &Finished) -> Result<()> {
        let tx = self.conn.transaction()?;
        let updated = tx.execute(
            "UPDATE investigations SET status = ?2, category = ?3, confidence = ?4,
                 report_json = ?5, error = ?6, timings_json = ?7, tokens_json = ?8, finished_at = ?9
             WHERE id = ?1",
            params![
                id,
                finished.status.as_str(),
                finished.category,
                finished.confidence,
                finished.report.as_ref().map(|r| r.to_string()),
                finished.error,
                finished.timings.to_string(),
                finished.tokens.to_string(),
                now(),
            ],
        )?;
        if updated == 0 {
            return Err(StoreError::NotFound {
                what: "investigation",
                id: id.into(),
            });
        }
        tx.execute(
            "DELETE FROM trajectory_steps WHERE investigation_id = ?1",
            [id],
        )?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO trajectory_steps (investigation_id, step, tool, input_json, output_excerpt, duration_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for step in &finished.steps {
                insert.execute(params![
                    id,
                    step.step,
                    step.tool,
                    step.input.to_string(),
                    step.output_excerpt,
                    step.duration_ms
                ])?;
            }
        }
        push_outbox(&tx, OutboxKind::Run, id)?;
        push_outbox(&tx, OutboxKind::Trace, id)?;
        tx.commit()?;
        Ok(())
    }

    pub fn investigation(&self, id: &str) -> Result<Option<Investigation>> {
        let mut stmt = self
            .conn
            .prepare(&format!("{INVESTIGATION_SELECT} WHERE v.id = ?1"))?;
        stmt.query_row([id], investigation_row)
            .optional()
            .map_err(Into::into)
    }

    /// Most recent first.
    pub fn list_investigations(&self, filter: &ListFilter) -> Result<Vec<Investigation>> {
        let mut sql = format!("{INVESTIGATION_SELECT} WHERE 1 = 1");
        if filter.unreviewed_only {
            sql.push_str(
                " AND v.status != 'running' AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.investigation_id = v.id)",
            );
        }
        if filter.since.is_some() {
            sql.push_str(" AND v.started_at >= ?2");
        }
        sql.push_str(" ORDER BY v.started_at DESC, v.id DESC LIMIT ?1");
        let mut stmt = self.conn.prepare(&sql)?;
        let limit = filter.limit.unwrap_or(i64::MAX as usize) as i64;
        let rows = match &filter.since {
            Some(since) => stmt.query_map(params![limit, since], investigation_row)?,
            None => stmt.query_map(params![limit], investigation_row)?,
        };
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Into::into)
    }

    pub fn steps(&self, investigation_id: &str) -> Result<Vec<Step>> {
        let mut stmt = self.conn.prepare(
            "SELECT step, tool, input_json, output_excerpt, duration_ms FROM trajectory_steps
             WHERE investigation_id = ?1 ORDER BY step",
        )?;
        let rows = stmt.query_map([investigation_id], |row| {
            Ok(Step {
                step: row.get(0)?,
                tool: row.get(1)?,
                input: json_column(row, 2)?,
                output_excerpt: row.get(3)?,
                duration_ms: row.get(4)?,
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Into::into)
    }

    // ---- feedback --------------------------------------------------------------------------

    /// Records a review and queues it for MLflow. Returns the feedback id.
    pub fn add_feedback(&mut self, new: &NewFeedback) -> Result<i64> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO feedback (investigation_id, reviewer, verdict, corrected_text, comment, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                new.investigation_id,
                new.reviewer,
                new.verdict.as_str(),
                new.corrected_text,
                new.comment,
                now()
            ],
        )?;
        let id = tx.last_insert_rowid();
        push_outbox(&tx, OutboxKind::Feedback, &id.to_string())?;
        tx.commit()?;
        Ok(id)
    }

    /// The newest review of an investigation, if any.
    pub fn latest_feedback(&self, investigation_id: &str) -> Result<Option<Feedback>> {
        self.conn
            .query_row(
                "SELECT id, investigation_id, reviewer, verdict, corrected_text, comment, created_at
                 FROM feedback WHERE investigation_id = ?1 ORDER BY id DESC LIMIT 1",
                [investigation_id],
                feedback_row,
            )
            .optional()
            .map_err(Into::into)
    }

    // ---- job queue -------------------------------------------------------------------------

    /// Stores the incident and queues a job for it in one transaction; when this returns the
    /// alert is on disk (the webhook acknowledges only after that).
    pub fn enqueue(&mut self, incident: &NewIncident) -> Result<i64> {
        let tx = self.conn.transaction()?;
        insert_incident(&tx, incident)?;
        let ts = now();
        tx.execute(
            "INSERT INTO jobs (incident_id, state, created_at, updated_at) VALUES (?1, 'queued', ?2, ?2)",
            params![incident.id, ts],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// Jobs waiting or running (what the queue-capacity limit counts).
    pub fn queue_depth(&self) -> Result<usize> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'leased')",
            [],
            |row| row.get(0),
        )?;
        Ok(n as usize)
    }

    /// Takes the oldest queued job, or one whose lease expired (its worker died), for `lease`.
    pub fn lease_next(&mut self, owner: &str, lease: Duration) -> Result<Option<Job>> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let ts = now();
        let candidate: Option<i64> = tx
            .query_row(
                "SELECT id FROM jobs
                 WHERE (state = 'queued' OR (state = 'leased' AND lease_expires_at < ?1))
                   AND attempts < max_attempts
                 ORDER BY id LIMIT 1",
                [&ts],
                |row| row.get(0),
            )
            .optional()?;
        let Some(id) = candidate else {
            tx.commit()?;
            return Ok(None);
        };
        let expires = (Utc::now() + chrono::Duration::from_std(lease).unwrap_or_default())
            .to_rfc3339_opts(SecondsFormat::Millis, true);
        tx.execute(
            "UPDATE jobs SET state = 'leased', attempts = attempts + 1, lease_owner = ?2,
                 lease_expires_at = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, owner, expires, ts],
        )?;
        let job = tx.query_row(&format!("{JOB_SELECT} WHERE id = ?1"), [id], job_row)?;
        tx.commit()?;
        Ok(Some(job))
    }

    pub fn complete_job(&self, id: i64) -> Result<()> {
        self.set_job_state(id, "done", None)
    }

    /// Records a failed attempt: the job is queued again until it runs out of attempts.
    pub fn fail_job(&self, id: i64, error: &str) -> Result<()> {
        let updated = self.conn.execute(
            "UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
                 last_error = ?2, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?3
             WHERE id = ?1",
            params![id, error, now()],
        )?;
        not_found_if_zero(updated, "job", id)
    }

    fn set_job_state(&self, id: i64, state: &str, error: Option<&str>) -> Result<()> {
        let updated = self.conn.execute(
            "UPDATE jobs SET state = ?2, last_error = ?3, lease_owner = NULL, lease_expires_at = NULL,
                 updated_at = ?4 WHERE id = ?1",
            params![id, state, error, now()],
        )?;
        not_found_if_zero(updated, "job", id)
    }

    pub fn job(&self, id: i64) -> Result<Option<Job>> {
        self.conn
            .query_row(&format!("{JOB_SELECT} WHERE id = ?1"), [id], job_row)
            .optional()
            .map_err(Into::into)
    }

    // ---- MLflow outbox ---------------------------------------------------------------------

    /// Items not yet synced, oldest first.
    pub fn outbox_pending(&self, limit: usize) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, kind, entity_id, payload_json, attempts, last_error, created_at
             FROM sync_outbox WHERE synced_at IS NULL ORDER BY id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |row| {
            Ok(OutboxItem {
                id: row.get(0)?,
                kind: parse_column(row, 1)?,
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

    /// Counts for `aida` status displays.
    pub fn counts(&self) -> Result<Counts> {
        let count = |sql: &str| -> Result<usize> {
            let n: i64 = self.conn.query_row(sql, [], |row| row.get(0))?;
            Ok(n as usize)
        };
        Ok(Counts {
            incidents: count("SELECT COUNT(*) FROM incidents")?,
            investigations: count("SELECT COUNT(*) FROM investigations")?,
            reviewed: count("SELECT COUNT(DISTINCT investigation_id) FROM feedback")?,
            queued_jobs: self.queue_depth()?,
            unsynced: count("SELECT COUNT(*) FROM sync_outbox WHERE synced_at IS NULL")?,
        })
    }
}

fn not_found_if_zero(updated: usize, what: &'static str, id: i64) -> Result<()> {
    if updated == 0 {
        return Err(StoreError::NotFound {
            what,
            id: id.to_string(),
        });
    }
    Ok(())
}

fn insert_incident(conn: &Connection, incident: &NewIncident) -> Result<()> {
    conn.execute(
        "INSERT INTO incidents (id, fingerprint, alert_name, alert_json, source, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
        params![
            incident.id,
            incident.fingerprint,
            incident.alert_name,
            incident.alert.to_string(),
            incident.source.as_str(),
            now()
        ],
    )?;
    Ok(())
}

fn push_outbox(tx: &Transaction<'_>, kind: OutboxKind, entity_id: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO sync_outbox (kind, entity_id, created_at) VALUES (?1, ?2, ?3)",
        params![kind.as_str(), entity_id, now()],
    )?;
    Ok(())
}

const INVESTIGATION_SELECT: &str = "SELECT v.id, v.incident_id, i.alert_name, v.status, v.category,
    v.confidence, v.report_json, v.error, v.backend, v.model_name, v.adapter, v.timings_json,
    v.tokens_json, v.started_at, v.finished_at
    FROM investigations v JOIN incidents i ON i.id = v.incident_id";

fn investigation_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Investigation> {
    let report: Option<String> = row.get(6)?;
    Ok(Investigation {
        id: row.get(0)?,
        incident_id: row.get(1)?,
        alert_name: row.get(2)?,
        status: parse_column(row, 3)?,
        category: row.get(4)?,
        confidence: row.get(5)?,
        report: report
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| conversion_error(6, e))?,
        error: row.get(7)?,
        backend: row.get(8)?,
        model_name: row.get(9)?,
        adapter: row.get(10)?,
        timings: json_column(row, 11)?,
        tokens: json_column(row, 12)?,
        started_at: row.get(13)?,
        finished_at: row.get(14)?,
    })
}

const JOB_SELECT: &str = "SELECT id, incident_id, state, attempts, max_attempts, lease_owner,
    lease_expires_at, last_error, created_at FROM jobs";

fn job_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Job> {
    Ok(Job {
        id: row.get(0)?,
        incident_id: row.get(1)?,
        state: parse_column(row, 2)?,
        attempts: row.get(3)?,
        max_attempts: row.get(4)?,
        lease_owner: row.get(5)?,
        lease_expires_at: row.get(6)?,
        last_error: row.get(7)?,
        created_at: row.get(8)?,
    })
}

fn feedback_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Feedback> {
    Ok(Feedback {
        id: row.get(0)?,
        investigation_id: row.get(1)?,
        reviewer: row.get(2)?,
        verdict: parse_column(row, 3)?,
        corrected_text: row.get(4)?,
        comment: row.get(5)?,
        created_at: row.get(6)?,
    })
}

fn conversion_error(
    index: usize,
    err: impl std::error::Error + Send + Sync + 'static,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(err))
}

fn json_column<T: for<'de> Deserialize<'de>>(
    row: &rusqlite::Row<'_>,
    index: usize,
) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text).map_err(|e| conversion_error(index, e))
}

fn parse_column<T: std::str::FromStr<Err = UnknownValue>>(
    row: &rusqlite::Row<'_>,
    index: usize,
) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    text.parse().map_err(|e| conversion_error(index, e))
}

/// A value in a text column that this build does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

#[cfg(test)]
mod tests;
