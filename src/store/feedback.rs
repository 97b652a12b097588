//! Human reviews of investigations.
use rusqlite::{OptionalExtension, params};

use super::outbox::push_outbox;
use super::{Feedback, NewFeedback, OutboxKind, Result, Store, now, parse_column};

impl Store {
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

    /// One review by its id.
    pub fn feedback(&self, id: i64) -> Result<Option<Feedback>> {
        self.conn
            .query_row(
                "SELECT id, investigation_id, reviewer, verdict, corrected_text, comment, created_at
                 FROM feedback WHERE id = ?1",
                [id],
                feedback_row,
            )
            .optional()
            .map_err(Into::into)
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
    })
}
