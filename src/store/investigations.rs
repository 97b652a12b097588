//! Incidents, investigations of them, and their trajectories; the owner of a running
//! investigation, its heartbeat, and the recovery of runs whose process is gone.
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::outbox::push_outbox;
use crate::report::TrajectoryStep;

use super::{
    Finished, Incident, Investigation, ListFilter, NewIncident, NewInvestigation, OutboxKind,
    Result, Store, StoreError, conversion_error, json_column, now, parse_column,
    parse_optional_column,
};
use crate::report::Category;

impl Store {
    // ---- incidents -------------------------------------------------------------------------

    /// Records an incident (idempotent on its id).
    pub fn insert_incident(&self, incident: &NewIncident) -> Result<()> {
        insert_incident(&self.conn, incident)
    }

    pub fn incident(&self, id: &str) -> Result<Option<Incident>> {
        self.conn
            .query_row(
                "SELECT id, fingerprint, alert_name, alert_json, source, created_at, starts_at,
                     notifications, COALESCE(last_seen_at, created_at), resolved_at
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
                        starts_at: row.get(6)?,
                        notifications: row.get(7)?,
                        last_seen_at: row.get(8)?,
                        resolved_at: row.get(9)?,
                    })
                },
            )
            .optional()
            .map_err(Into::into)
    }

    // ---- investigations --------------------------------------------------------------------

    /// Marks an investigation as running, owned by this process (`runner` = `<hostname>:<pid>`,
    /// first heartbeat now). Call [`Store::heartbeat`] more often than every
    /// [`STALE_HEARTBEAT`] while it runs.
    pub fn start_investigation(&self, new: &NewInvestigation) -> Result<()> {
        self.conn.execute(
            "INSERT INTO investigations (id, incident_id, status, backend, model_name, adapter,
                 started_at, runner, heartbeat_at)
             VALUES (?1, ?2, 'running', ?3, ?4, ?5, ?6, ?7, ?6)",
            params![
                new.id,
                new.incident_id,
                new.backend,
                new.model_name,
                new.adapter,
                now(),
                runner_id()
            ],
        )?;
        Ok(())
    }

    /// Records that the run of a running investigation is alive. Returns false, changing
    /// nothing, when the row is no longer running (finished, or marked interrupted).
    pub fn heartbeat(&self, investigation_id: &str) -> Result<bool> {
        let updated = self.conn.execute(
            "UPDATE investigations SET heartbeat_at = ?2 WHERE id = ?1 AND status = 'running'",
            params![investigation_id, now()],
        )?;
        self.changed_or_not_found(updated, investigation_id)
    }

    /// Marks a running investigation `interrupted` (Ctrl-C, SIGTERM, a fatal error) with
    /// `reason` as its error. Only a row still `running` changes: returns false for one that
    /// already finished.
    pub fn mark_interrupted(&self, investigation_id: &str, reason: &str) -> Result<bool> {
        let updated = self.conn.execute(
            "UPDATE investigations SET status = 'interrupted', error = ?2, finished_at = ?3
             WHERE id = ?1 AND status = 'running'",
            params![investigation_id, reason, now()],
        )?;
        self.changed_or_not_found(updated, investigation_id)
    }

    /// Marks `interrupted` every running investigation whose run is gone: its runner is a
    /// process on this host that no longer exists, or its heartbeat is older than
    /// [`STALE_HEARTBEAT`] (the only test for runs on other hosts). [`Store::open`] calls this.
    /// Returns how many rows it changed.
    pub fn recover_stale_runs(&self) -> Result<usize> {
        let cutoff = (Utc::now() - chrono::Duration::from_std(STALE_HEARTBEAT).unwrap_or_default())
            .to_rfc3339_opts(SecondsFormat::Millis, true);
        let host = hostname();
        let running = {
            let mut stmt = self.conn.prepare(
                "SELECT id, runner, COALESCE(heartbeat_at, started_at) FROM investigations
                 WHERE status = 'running'",
            )?;
            stmt.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?
        };
        let mut recovered = 0;
        for (id, runner, heartbeat) in running {
            let local_pid = runner.as_deref().and_then(|r| pid_on_host(r, &host));
            if heartbeat >= cutoff && !local_pid.is_some_and(process_is_gone) {
                continue;
            }
            // Only if the row is as we saw it: the run may have finished or beaten since.
            recovered += self.conn.execute(
                "UPDATE investigations SET status = 'interrupted', error = ?2, finished_at = ?3
                 WHERE id = ?1 AND status = 'running' AND COALESCE(heartbeat_at, started_at) = ?4",
                params![id, RUNNER_GONE, now(), heartbeat],
            )?;
        }
        Ok(recovered)
    }

    fn changed_or_not_found(&self, updated: usize, id: &str) -> Result<bool> {
        if updated > 0 {
            return Ok(true);
        }
        let exists = self
            .conn
            .query_row("SELECT 1 FROM investigations WHERE id = ?1", [id], |_| {
                Ok(())
            })
            .optional()?
            .is_some();
        if exists {
            Ok(false)
        } else {
            Err(StoreError::NotFound {
                what: "investigation",
                id: id.into(),
            })
        }
    }

    /// Stores the outcome and trajectory in one transaction and queues the MLflow sync.
    pub fn finish_investigation(&mut self, id: &str, finished: &Finished) -> Result<()> {
        let tx = self.conn.transaction()?;
        let updated = tx.execute(
            "UPDATE investigations SET status = ?2, category = ?3, confidence = ?4,
                 report_json = ?5, error = ?6, timings_json = ?7, tokens_json = ?8, finished_at = ?9,
                 prompt_input_json = ?10
             WHERE id = ?1",
            params![
                id,
                finished.status.as_str(),
                finished.category.map(Category::as_str),
                finished.confidence,
                finished.report.as_ref().map(|r| r.to_string()),
                finished.error,
                finished.timings.to_string(),
                finished.tokens.to_string(),
                now(),
                finished.prompt_input.as_ref().map(|p| p.to_string()),
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
                    i64::try_from(step.duration_ms).unwrap_or(i64::MAX)
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
            // Interrupted runs have no outcome to review.
            sql.push_str(
                " AND v.status NOT IN ('running', 'interrupted')
                  AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.investigation_id = v.id
                      AND f.retracted_at IS NULL)",
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

    pub fn steps(&self, investigation_id: &str) -> Result<Vec<TrajectoryStep>> {
        let mut stmt = self.conn.prepare(
            "SELECT step, tool, input_json, output_excerpt, duration_ms FROM trajectory_steps
             WHERE investigation_id = ?1 ORDER BY step",
        )?;
        let rows = stmt.query_map([investigation_id], |row| {
            Ok(TrajectoryStep {
                step: row.get(0)?,
                tool: row.get(1)?,
                input: json_column(row, 2)?,
                output_excerpt: row.get(3)?,
                duration_ms: row.get::<_, i64>(4)?.max(0) as u64,
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Into::into)
    }
}

pub(super) fn insert_incident(conn: &Connection, incident: &NewIncident) -> Result<()> {
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

pub(super) const INVESTIGATION_SELECT: &str =
    "SELECT v.id, v.incident_id, i.alert_name, v.status, v.category,
    v.confidence, v.report_json, v.error, v.backend, v.model_name, v.adapter, v.timings_json,
    v.tokens_json, v.started_at, v.finished_at, v.prompt_input_json, v.runner, v.heartbeat_at
    FROM investigations v JOIN incidents i ON i.id = v.incident_id";

pub(super) fn investigation_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Investigation> {
    let report: Option<String> = row.get(6)?;
    Ok(Investigation {
        id: row.get(0)?,
        incident_id: row.get(1)?,
        alert_name: row.get(2)?,
        status: parse_column(row, 3, "investigations")?,
        category: parse_optional_column(row, 4, "investigations")?,
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
        prompt_input: row
            .get::<_, Option<String>>(15)?
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| conversion_error(15, e))?,
        runner: row.get(16)?,
        heartbeat_at: row.get(17)?,
    })
}

/// A running investigation whose heartbeat is older than this is taken for dead, whoever runs
/// it; its runner should beat well within it.
pub const STALE_HEARTBEAT: Duration = Duration::from_secs(10 * 60);

/// The error of an investigation that recovery marked interrupted.
pub const RUNNER_GONE: &str = "interrupted: the process running it is gone";

/// This process as the owner of a running investigation: `<hostname>:<pid>`.
pub fn runner_id() -> String {
    format!("{}:{}", hostname(), std::process::id())
}

/// The pid of `runner` (`<hostname>:<pid>`) when it runs on `host`.
pub(super) fn pid_on_host(runner: &str, host: &str) -> Option<u32> {
    let (runner_host, pid) = runner.rsplit_once(':')?;
    (runner_host == host).then(|| pid.parse().ok()).flatten()
}

#[cfg(unix)]
pub fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into buf.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    if rc != 0 || end == 0 {
        return "localhost".into();
    }
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

#[cfg(not(unix))]
pub fn hostname() -> String {
    std::env::var("COMPUTERNAME").unwrap_or_else(|_| "localhost".into())
}

/// Whether no process `pid` exists on this host (`kill(pid, 0)` fails with ESRCH). A process
/// that exists but belongs to another user (EPERM) is alive.
#[cfg(unix)]
pub fn process_is_gone(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        // 0 and negative pids name process groups, never one run.
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let rc = unsafe { libc::kill(pid, 0) };
    rc != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

#[cfg(not(unix))]
pub fn process_is_gone(_pid: u32) -> bool {
    false
}
