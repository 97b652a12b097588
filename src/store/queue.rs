//! The webhook job queue: jobs are leased, and a lease whose worker died expires.
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::investigations::insert_incident;
use super::{Job, NewIncident, Result, Store, not_found_if_zero, now, parse_column};

impl Store {
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
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
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
}

const JOB_SELECT: &str = "SELECT id, incident_id, state, attempts, max_attempts, lease_owner,
    lease_expires_at, last_error, created_at FROM jobs";

fn job_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Job> {
    Ok(Job {
        id: row.get(0)?,
        incident_id: row.get(1)?,
        state: parse_column(row, 2, "jobs")?,
        attempts: row.get(3)?,
        max_attempts: row.get(4)?,
        lease_owner: row.get(5)?,
        lease_expires_at: row.get(6)?,
        last_error: row.get(7)?,
        created_at: row.get(8)?,
    })
}
