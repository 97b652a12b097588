//! The webhook job queue: deliveries are received into incidents and jobs in one transaction;
//! jobs are leased, their leases renewed while they run, and a lease whose worker died expires
//! (or, for a worker of this host whose process is gone, is taken back at once).
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::investigations::{hostname, insert_incident, pid_on_host, process_is_gone, runner_id};
use super::{
    Delivered, IncomingAlert, Job, JobState, NewIncident, Receipt, Result, Store,
    not_found_if_zero, now, parse_column,
};

/// `now + d` as the store writes times.
fn later(d: Duration) -> String {
    (Utc::now() + chrono::Duration::from_std(d).unwrap_or_default())
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Store {
    /// Stores the incident and queues a job for it in one transaction; when this returns the
    /// alert is on disk (the webhook acknowledges only after that).
    pub fn enqueue(&mut self, incident: &NewIncident) -> Result<i64> {
        let tx = self.conn.transaction()?;
        insert_incident(&tx, incident)?;
        let id = insert_job(&tx, &incident.id)?;
        tx.commit()?;
        Ok(id)
    }

    /// Receives webhook deliveries (each the alerts of one request) in ONE transaction, so a
    /// burst of requests costs one commit (group commit). Each delivery is all or nothing: its
    /// firing alerts become incidents with a queued job, unless one for the same fingerprint and
    /// `startsAt` exists (then the delivery is folded into it: `notifications` + 1,
    /// `last_seen_at`); its resolved alerts close their open incident. A delivery whose new jobs
    /// would take the queue over `capacity` stores nothing ([`Delivered::QueueFull`]).
    ///
    /// When this returns `Ok`, everything accepted is committed (durably: `synchronous=FULL`).
    pub fn receive(
        &mut self,
        deliveries: &[Vec<IncomingAlert>],
        capacity: usize,
    ) -> Result<Vec<Delivered>> {
        let mut tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut depth = queue_depth(&tx)?;
        let mut outcomes = Vec::with_capacity(deliveries.len());
        for alerts in deliveries {
            let sp = tx.savepoint()?;
            let mut receipts = Vec::with_capacity(alerts.len());
            let mut new_jobs = 0;
            for alert in alerts {
                let receipt = receive_one(&sp, alert)?;
                new_jobs += usize::from(matches!(receipt, Receipt::Queued { .. }));
                receipts.push(receipt);
            }
            if new_jobs > 0 && depth + new_jobs > capacity {
                // Dropping the savepoint rolls this delivery back.
                drop(sp);
                outcomes.push(Delivered::QueueFull {
                    depth,
                    capacity,
                    needed: new_jobs,
                });
                continue;
            }
            sp.commit()?;
            depth += new_jobs;
            outcomes.push(Delivered::Accepted(receipts));
        }
        tx.commit()?;
        Ok(outcomes)
    }

    /// Whether the store takes writes now: takes the write lock and lets it go.
    pub fn check_writable(&mut self) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.rollback()?;
        Ok(())
    }

    /// Jobs waiting or running (what the queue-capacity limit counts).
    pub fn queue_depth(&self) -> Result<usize> {
        queue_depth(&self.conn)
    }

    /// Jobs per state, for metrics and status displays.
    pub fn job_counts(&self) -> Result<Vec<(JobState, usize)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT state, state, COUNT(*) FROM jobs GROUP BY state ORDER BY state")?;
        let rows = stmt.query_map([], |row| {
            Ok((
                parse_column(row, 1, "jobs")?,
                row.get::<_, i64>(2)? as usize,
            ))
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Into::into)
    }

    /// Takes the oldest queued job that is due (its retry backoff passed), or one whose lease
    /// expired (its worker died), for `lease`. A job whose lease expired on its last attempt is
    /// failed instead of being run again.
    pub fn lease_next(&mut self, owner: &str, lease: Duration) -> Result<Option<Job>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ts = now();
        tx.execute(
            "UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_expires_at = NULL,
                 last_error = 'the lease of attempt ' || attempts || ' of ' || max_attempts
                     || ' expired (its worker stopped)'
                     || COALESCE('; before: ' || last_error, ''),
                 updated_at = ?1
             WHERE state = 'leased' AND lease_expires_at < ?1 AND attempts >= max_attempts",
            [&ts],
        )?;
        let candidate: Option<i64> = tx
            .query_row(
                "SELECT id FROM jobs
                 WHERE ((state = 'queued' AND (available_at IS NULL OR available_at <= ?1))
                        OR (state = 'leased' AND lease_expires_at < ?1))
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
        tx.execute(
            "UPDATE jobs SET state = 'leased', attempts = attempts + 1, lease_owner = ?2,
                 lease_expires_at = ?3, available_at = NULL, updated_at = ?4 WHERE id = ?1",
            params![id, owner, later(lease), ts],
        )?;
        let job = tx.query_row(&format!("{JOB_SELECT} WHERE id = ?1"), [id], job_row)?;
        tx.commit()?;
        Ok(Some(job))
    }

    /// Extends the lease `owner` holds on job `id` to `lease` from now, and records the
    /// heartbeat of the job's running investigation (run by this process). Returns false when
    /// the lease is no longer `owner`'s (it expired and another worker took the job, or the job
    /// was released).
    pub fn renew_lease(&self, id: i64, owner: &str, lease: Duration) -> Result<bool> {
        let ts = now();
        let updated = self.conn.execute(
            "UPDATE jobs SET lease_expires_at = ?3, updated_at = ?4
             WHERE id = ?1 AND state = 'leased' AND lease_owner = ?2",
            params![id, owner, later(lease), ts],
        )?;
        if updated == 0 {
            return Ok(false);
        }
        self.conn.execute(
            "UPDATE investigations SET heartbeat_at = ?2
             WHERE incident_id = (SELECT incident_id FROM jobs WHERE id = ?1)
               AND status = 'running' AND runner = ?3",
            params![id, ts, runner_id()],
        )?;
        Ok(true)
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

    /// Marks job `id` done, if `owner` still holds its lease. Returns whether it did.
    pub fn finish_job(&self, id: i64, owner: &str) -> Result<bool> {
        let updated = self.conn.execute(
            "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_expires_at = NULL,
                 updated_at = ?3
             WHERE id = ?1 AND state = 'leased' AND lease_owner = ?2",
            params![id, owner, now()],
        )?;
        Ok(updated > 0)
    }

    /// Records a failed attempt of job `id` by `owner`: queued again, not before `backoff` from
    /// now, or failed for good when it has no attempts left (`error` stays as `last_error`).
    /// Returns the job's new state, None when `owner` no longer held the lease.
    pub fn retry_later(
        &self,
        id: i64,
        owner: &str,
        error: &str,
        backoff: Duration,
    ) -> Result<Option<JobState>> {
        let updated = self.conn.execute(
            "UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
                 last_error = ?3, available_at = ?4, lease_owner = NULL, lease_expires_at = NULL,
                 updated_at = ?5
             WHERE id = ?1 AND state = 'leased' AND lease_owner = ?2",
            params![id, owner, error, later(backoff), now()],
        )?;
        if updated == 0 {
            return Ok(None);
        }
        Ok(self.job(id)?.map(|job| job.state))
    }

    /// Gives job `id` back to the queue without counting the attempt (a shutdown that could not
    /// wait for it), if `owner` still holds its lease. Returns whether it did.
    pub fn release_job(&self, id: i64, owner: &str) -> Result<bool> {
        let updated = self.conn.execute(
            "UPDATE jobs SET state = 'queued', attempts = MAX(attempts - 1, 0), lease_owner = NULL,
                 lease_expires_at = NULL, available_at = NULL, updated_at = ?3
             WHERE id = ?1 AND state = 'leased' AND lease_owner = ?2",
            params![id, owner, now()],
        )?;
        Ok(updated > 0)
    }

    /// Takes back the leases held by workers of processes on this host that no longer exist (a
    /// server killed with SIGKILL), without waiting for the leases to expire: the jobs are queued
    /// again, or failed when that was their last attempt. Returns how many jobs it changed.
    pub fn recover_orphaned_jobs(&self) -> Result<usize> {
        let host = hostname();
        let leased = {
            let mut stmt = self.conn.prepare(
                "SELECT id, lease_owner FROM jobs WHERE state = 'leased' AND lease_owner IS NOT NULL",
            )?;
            stmt.query_map([], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?
        };
        let mut recovered = 0;
        for (id, owner) in leased {
            // Worker owners are `<hostname>:<pid>/<worker>`.
            let runner = owner.split('/').next().unwrap_or(&owner);
            if !pid_on_host(runner, &host).is_some_and(process_is_gone) {
                continue;
            }
            recovered += self.conn.execute(
                "UPDATE jobs SET
                     state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
                     last_error = CASE WHEN attempts >= max_attempts
                         THEN 'the process running attempt ' || attempts || ' of ' || max_attempts
                             || ' is gone' || COALESCE('; before: ' || last_error, '')
                         ELSE last_error END,
                     lease_owner = NULL, lease_expires_at = NULL, available_at = NULL,
                     updated_at = ?3
                 WHERE id = ?1 AND state = 'leased' AND lease_owner = ?2",
                params![id, owner, now()],
            )?;
        }
        Ok(recovered)
    }

    /// The newest job of an incident.
    pub fn latest_job(&self, incident_id: &str) -> Result<Option<Job>> {
        self.conn
            .query_row(
                &format!("{JOB_SELECT} WHERE incident_id = ?1 ORDER BY id DESC LIMIT 1"),
                [incident_id],
                job_row,
            )
            .optional()
            .map_err(Into::into)
    }

    /// Puts a failed job back in the queue with all its attempts (`aida retry`). Returns false,
    /// changing nothing, when the job is not failed.
    pub fn requeue_failed(&self, id: i64) -> Result<bool> {
        let ts = now();
        let updated = self.conn.execute(
            "UPDATE jobs SET state = 'queued', attempts = 0, available_at = NULL,
                 lease_owner = NULL, lease_expires_at = NULL, enqueued_at = ?2, updated_at = ?2
             WHERE id = ?1 AND state = 'failed'",
            params![id, ts],
        )?;
        if updated == 0 && self.job(id)?.is_none() {
            return Err(super::StoreError::NotFound {
                what: "job",
                id: id.to_string(),
            });
        }
        Ok(updated > 0)
    }

    /// An investigation of `incident_id` that finished (any `complete_*` outcome) and started
    /// at or after `since`: a job whose run finished but was not marked done (the process died
    /// in between) must not be investigated again.
    pub fn finished_since(&self, incident_id: &str, since: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT id FROM investigations
                 WHERE incident_id = ?1 AND started_at >= ?2
                   AND status IN ('complete_success', 'complete_failure', 'complete_degraded')
                 ORDER BY started_at DESC, id DESC LIMIT 1",
                params![incident_id, since],
                |row| row.get(0),
            )
            .optional()
            .map_err(Into::into)
    }

    /// Marks `interrupted` the running investigations of `incident_id` that this process runs
    /// (a worker gave up on its job: shutdown deadline, lost lease). Returns how many.
    pub fn interrupt_running(&self, incident_id: &str, reason: &str) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE investigations SET status = 'interrupted', error = ?2, finished_at = ?3
             WHERE incident_id = ?1 AND status = 'running' AND runner = ?4",
            params![incident_id, reason, now(), runner_id()],
        )?)
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

fn queue_depth(conn: &Connection) -> Result<usize> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'leased')",
        [],
        |row| row.get(0),
    )?;
    Ok(n as usize)
}

fn insert_job(conn: &Connection, incident_id: &str) -> Result<i64> {
    let ts = now();
    conn.execute(
        "INSERT INTO jobs (incident_id, state, created_at, updated_at, enqueued_at)
         VALUES (?1, 'queued', ?2, ?2, ?2)",
        params![incident_id, ts],
    )?;
    Ok(conn.last_insert_rowid())
}

/// One alert of a delivery: fold, close, or a new incident with its job.
fn receive_one(conn: &Connection, alert: &IncomingAlert) -> Result<Receipt> {
    let ts = now();
    if alert.resolved {
        // The open incident of this alert: the same firing (startsAt) first, else the newest.
        let open: Option<String> = conn
            .query_row(
                "SELECT id FROM incidents
                 WHERE source = 'webhook' AND fingerprint = ?1 AND resolved_at IS NULL
                 ORDER BY (starts_at IS ?2) DESC, created_at DESC LIMIT 1",
                params![alert.fingerprint, alert.starts_at],
                |row| row.get(0),
            )
            .optional()?;
        let Some(incident_id) = open else {
            return Ok(Receipt::NothingToClose);
        };
        conn.execute(
            "UPDATE incidents SET resolved_at = ?2, last_seen_at = ?3 WHERE id = ?1",
            params![incident_id, alert.ends_at.as_deref().unwrap_or(&ts), ts],
        )?;
        return Ok(Receipt::Closed { incident_id });
    }
    // The same firing: same fingerprint and startsAt. An alert without startsAt can only be
    // matched to an incident still open.
    let existing: Option<(String, i64)> = conn
        .query_row(
            "SELECT id, notifications FROM incidents
             WHERE source = 'webhook' AND fingerprint = ?1 AND starts_at IS ?2
               AND (?2 IS NOT NULL OR resolved_at IS NULL)
             ORDER BY created_at DESC LIMIT 1",
            params![alert.fingerprint, alert.starts_at],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    if let Some((incident_id, notifications)) = existing {
        conn.execute(
            "UPDATE incidents SET notifications = notifications + 1, last_seen_at = ?2
             WHERE id = ?1",
            params![incident_id, ts],
        )?;
        return Ok(Receipt::Folded {
            incident_id,
            notifications: notifications + 1,
        });
    }
    insert_webhook_incident(conn, alert, &ts, "")?;
    insert_job(conn, &alert.id)?;
    Ok(Receipt::Queued {
        incident_id: alert.id.clone(),
    })
}

const JOB_SELECT: &str = "SELECT id, incident_id, state, attempts, max_attempts, lease_owner,
    lease_expires_at, last_error, created_at, COALESCE(enqueued_at, created_at), available_at
    FROM jobs";

/// Inserts a webhook alert's incident, seen once at `ts`; `on_conflict` is appended to the
/// statement (`""` or `"ON CONFLICT DO NOTHING"`). Returns the rows inserted.
pub(super) fn insert_webhook_incident(
    conn: &Connection,
    alert: &IncomingAlert,
    ts: &str,
    on_conflict: &str,
) -> rusqlite::Result<usize> {
    conn.execute(
        &format!(
            "INSERT INTO incidents (id, fingerprint, alert_name, alert_json, source, created_at,
                 starts_at, notifications, last_seen_at)
             VALUES (?1, ?2, ?3, ?4, 'webhook', ?5, ?6, 1, ?5) {on_conflict}"
        ),
        params![
            alert.id,
            alert.fingerprint,
            alert.alert_name,
            alert.alert.to_string(),
            ts,
            alert.starts_at
        ],
    )
}

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
        enqueued_at: row.get(9)?,
        available_at: row.get(10)?,
    })
}
