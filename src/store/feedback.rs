//! Human reviews of investigations.
use rusqlite::{OptionalExtension, params};

use super::outbox::push_outbox;
use super::{
    Feedback, NewFeedback, OutboxKind, Result, ReviewItem, Store, StoreError, json_column, now,
    parse_column, parse_optional_column,
};

const FEEDBACK_SELECT: &str =
    "SELECT id, investigation_id, reviewer, verdict, corrected_text, comment, created_at, retracted_at
     FROM feedback";

impl Store {
    /// Records a review and queues it for MLflow, in one transaction. Returns the feedback id.
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

    /// Undoes a review: marks it retracted (the previous one, if any, stands again) and queues the
    /// change for MLflow as a `feedback` item of the same id, in one transaction. Returns false when
    /// it was retracted already.
    pub fn retract_feedback(&mut self, id: i64) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let exists: Option<Option<String>> = tx
            .query_row(
                "SELECT retracted_at FROM feedback WHERE id = ?1",
                [id],
                |row| row.get(0),
            )
            .optional()?;
        match exists {
            None => {
                return Err(StoreError::NotFound {
                    what: "feedback",
                    id: id.to_string(),
                });
            }
            Some(Some(_)) => return Ok(false),
            Some(None) => {}
        }
        tx.execute(
            "UPDATE feedback SET retracted_at = ?2 WHERE id = ?1",
            params![id, now()],
        )?;
        push_outbox(&tx, OutboxKind::Feedback, &id.to_string())?;
        tx.commit()?;
        Ok(true)
    }

    /// The standing review of an investigation (the newest not retracted), if any.
    pub fn latest_feedback(&self, investigation_id: &str) -> Result<Option<Feedback>> {
        self.conn
            .query_row(
                &format!(
                    "{FEEDBACK_SELECT} WHERE investigation_id = ?1 AND retracted_at IS NULL
                     ORDER BY id DESC LIMIT 1"
                ),
                [investigation_id],
                feedback_row,
            )
            .optional()
            .map_err(Into::into)
    }

    /// One review by id, retracted or not.
    pub fn feedback(&self, id: i64) -> Result<Option<Feedback>> {
        self.conn
            .query_row(
                &format!("{FEEDBACK_SELECT} WHERE id = ?1"),
                [id],
                feedback_row,
            )
            .optional()
            .map_err(Into::into)
    }

    /// Finished investigations that have a report, newest first, with their standing verdict:
    /// what a reviewer can judge.
    pub fn review_queue(&self) -> Result<Vec<ReviewItem>> {
        let mut stmt = self.conn.prepare(
            "SELECT v.id, v.incident_id, i.alert_name, i.alert_json, v.category, v.confidence,
                v.started_at,
                (SELECT verdict FROM feedback WHERE investigation_id = v.id
                    AND retracted_at IS NULL ORDER BY id DESC LIMIT 1)
             FROM investigations v JOIN incidents i ON i.id = v.incident_id
             WHERE v.report_json IS NOT NULL AND v.status NOT IN ('running', 'interrupted')
             ORDER BY v.started_at DESC, v.id DESC",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(ReviewItem {
                investigation_id: row.get(0)?,
                incident_id: row.get(1)?,
                alert_name: row.get(2)?,
                alert: json_column(row, 3)?,
                category: parse_optional_column(row, 4, "investigations")?,
                confidence: row.get(5)?,
                started_at: row.get(6)?,
                verdict: parse_optional_column(row, 7, "feedback")?,
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Into::into)
    }
}

fn feedback_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Feedback> {
    Ok(Feedback {
        id: row.get(0)?,
        investigation_id: row.get(1)?,
        reviewer: row.get(2)?,
        verdict: parse_column(row, 3, "feedback")?,
        corrected_text: row.get(4)?,
        comment: row.get(5)?,
        created_at: row.get(6)?,
        retracted_at: row.get(7)?,
    })
}
