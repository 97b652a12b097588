//! Incidents, investigations of them, and their trajectories.
use rusqlite::{Connection, OptionalExtension, params};

use super::outbox::push_outbox;
use super::{
    Finished, Incident, Investigation, ListFilter, NewIncident, NewInvestigation, OutboxKind,
    Result, Step, Store, StoreError, conversion_error, json_column, now, parse_column,
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

const INVESTIGATION_SELECT: &str = "SELECT v.id, v.incident_id, i.alert_name, v.status, v.category,
    v.confidence, v.report_json, v.error, v.backend, v.model_name, v.adapter, v.timings_json,
    v.tokens_json, v.started_at, v.finished_at, v.prompt_input_json
    FROM investigations v JOIN incidents i ON i.id = v.incident_id";

fn investigation_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Investigation> {
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
    })
}
