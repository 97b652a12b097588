//! What `aida list` and `aida show` read: incidents with where they stand.
use rusqlite::{OptionalExtension, ToSql};

use super::investigations::{INVESTIGATION_SELECT, investigation_row};
use super::{
    IncidentFilter, IncidentSummary, Investigation, Result, Store, parse_column,
    parse_optional_column,
};
use crate::report::Report;

/// An incident's status: its newest job's state when it has one (webhook incidents), else its
/// newest investigation's (`aida investigate`): running → running, interrupted → failed,
/// an outcome → done.
const SUMMARY_SELECT: &str = "SELECT * FROM (
    SELECT i.id AS incident_id, i.fingerprint, i.alert_name,
        CASE
            WHEN j.state = 'queued' THEN 'queued'
            WHEN j.state = 'leased' THEN 'running'
            WHEN j.state IS NOT NULL THEN j.state
            WHEN v.status IS NULL THEN 'queued'
            WHEN v.status = 'running' THEN 'running'
            WHEN v.status = 'interrupted' THEN 'failed'
            ELSE 'done'
        END AS status,
        f.category,
        CASE WHEN f.id IS NULL THEN NULL ELSE COALESCE(
            (SELECT verdict FROM feedback WHERE investigation_id = f.id AND retracted_at IS NULL
                ORDER BY id DESC LIMIT 1),
            'Pending') END AS feedback_status,
        COALESCE(j.attempts,
            (SELECT COUNT(*) FROM investigations WHERE incident_id = i.id)) AS attempts,
        i.created_at
    FROM incidents i
    LEFT JOIN jobs j ON j.id = (SELECT MAX(id) FROM jobs WHERE incident_id = i.id)
    LEFT JOIN investigations v ON v.id = (SELECT id FROM investigations
        WHERE incident_id = i.id ORDER BY started_at DESC, id DESC LIMIT 1)
    LEFT JOIN investigations f ON f.id = (SELECT id FROM investigations
        WHERE incident_id = i.id AND report_json IS NOT NULL
        ORDER BY started_at DESC, id DESC LIMIT 1)
) WHERE 1 = 1";

impl Store {
    /// Incidents with their status, category and review, newest first.
    pub fn list_incidents(&self, filter: &IncidentFilter) -> Result<Vec<IncidentSummary>> {
        let mut sql = SUMMARY_SELECT.to_string();
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        if let Some(status) = filter.status {
            args.push(Box::new(status.as_str()));
            sql.push_str(&format!(" AND status = ?{}", args.len()));
        }
        if let Some(name) = &filter.alert_name {
            args.push(Box::new(name.clone()));
            sql.push_str(&format!(" AND alert_name = ?{}", args.len()));
        }
        if let Some(since) = &filter.since {
            args.push(Box::new(since.clone()));
            sql.push_str(&format!(" AND created_at >= ?{}", args.len()));
        }
        args.push(Box::new(filter.limit.unwrap_or(i64::MAX as usize) as i64));
        sql.push_str(&format!(
            " ORDER BY created_at DESC, incident_id DESC LIMIT ?{}",
            args.len()
        ));
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(
            rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())),
            summary_row,
        )?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Into::into)
    }

    /// The newest investigation of an incident that has a report (what `aida show` prints).
    pub fn latest_report(&self, incident_id: &str) -> Result<Option<Investigation>> {
        self.conn
            .query_row(
                &format!(
                    "{INVESTIGATION_SELECT} WHERE v.incident_id = ?1 AND v.report_json IS NOT NULL
                     ORDER BY v.started_at DESC, v.id DESC LIMIT 1"
                ),
                [incident_id],
                investigation_row,
            )
            .optional()
            .map_err(Into::into)
    }

    /// The summary of one incident (`aida show` of one not investigated yet).
    pub fn incident_summary(&self, incident_id: &str) -> Result<Option<IncidentSummary>> {
        let mut sql = SUMMARY_SELECT.to_string();
        sql.push_str(" AND incident_id = ?1");
        let mut stmt = self.conn.prepare(&sql)?;
        stmt.query_row([incident_id], summary_row)
            .optional()
            .map_err(Into::into)
    }
}

impl Store {
    /// The whole report of an investigation: its stored form with the incident's alert and the
    /// trajectory put back (`aida show`, `aida review`). None when it has no report.
    pub fn report(&self, investigation: &Investigation) -> Result<Option<Report>> {
        let Some(stored) = investigation.report.clone() else {
            return Ok(None);
        };
        // The store keeps the alert (incident row) and the trajectory (its own table) once each.
        let alert = self
            .incident(&investigation.incident_id)?
            .map(|incident| incident.alert)
            .unwrap_or_default();
        let steps = self.steps(&investigation.id)?;
        Ok(Some(Report::from_stored(stored, alert, steps)?))
    }
}

fn summary_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<IncidentSummary> {
    Ok(IncidentSummary {
        incident_id: row.get(0)?,
        fingerprint: row.get(1)?,
        alert_name: row.get(2)?,
        status: parse_column(row, 3, "incidents")?,
        category: parse_optional_column(row, 4, "investigations")?,
        feedback_status: row.get(5)?,
        attempts: row.get(6)?,
        created_at: row.get(7)?,
    })
}
