//! The local store: one SQLite file in `$AIDA_HOME` (WAL mode, foreign keys on).
//!
//! Migrations are embedded SQL files applied in order on open; `PRAGMA user_version` records how
//! many have run. A database written by a newer AIDA is refused rather than guessed at.
//! docs/STORE.md describes the schema.
//!
//! One file per concern: `open` (opening, configuring, migrating), `investigations` (incidents,
//! investigations and their trajectories), `feedback`, `queue` (webhook deliveries and the job
//! queue), `listing` (incidents with where they stand, for `aida list`/`show`), `outbox` (what
//! `aida sync` still has to push to MLflow); `types` holds the rows.
use chrono::{SecondsFormat, Utc};
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde::Deserialize;

mod feedback;
mod investigations;
mod listing;
mod open;
mod outbox;
mod queue;
mod streamed;
mod types;

pub use investigations::{RUNNER_GONE, STALE_HEARTBEAT, hostname, process_is_gone, runner_id};
pub use open::SCHEMA_VERSION;
pub use outbox::OutboxSelect;
pub use types::*;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the store directory {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Sqlite(#[source] rusqlite::Error),
    #[error("stored data is invalid: {0}")]
    BadValue(#[from] BadValue),
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

impl From<rusqlite::Error> for StoreError {
    /// A row that could not be read because of a [`BadValue`] is reported as that, not as a
    /// bare conversion failure at some column index.
    fn from(err: rusqlite::Error) -> Self {
        match err {
            rusqlite::Error::FromSqlConversionFailure(index, ty, inner) => {
                match inner.downcast::<BadValue>() {
                    Ok(bad) => StoreError::BadValue(*bad),
                    Err(inner) => StoreError::Sqlite(rusqlite::Error::FromSqlConversionFailure(
                        index, ty, inner,
                    )),
                }
            }
            other => StoreError::Sqlite(other),
        }
    }
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
    /// Counts for `aida` status displays.
    pub fn counts(&self) -> Result<Counts> {
        let count = |sql: &str| -> Result<usize> {
            let n: i64 = self.conn.query_row(sql, [], |row| row.get(0))?;
            Ok(n as usize)
        };
        Ok(Counts {
            incidents: count("SELECT COUNT(*) FROM incidents")?,
            investigations: count("SELECT COUNT(*) FROM investigations")?,
            reviewed: count(
                "SELECT COUNT(DISTINCT investigation_id) FROM feedback WHERE retracted_at IS NULL",
            )?,
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

/// Parses a text column into one of AIDA's enums. A value this build does not know (a row written
/// by a newer aida, or edited by hand) is a [`BadValue`] naming `table`, the row and the value;
/// column 0 of the query must be the row's id.
fn parse_column<T>(
    row: &rusqlite::Row<'_>,
    index: usize,
    table: &'static str,
) -> rusqlite::Result<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: String = row.get(index)?;
    parse_text(row, index, table, text)
}

/// [`parse_column`] for a nullable column.
fn parse_optional_column<T>(
    row: &rusqlite::Row<'_>,
    index: usize,
    table: &'static str,
) -> rusqlite::Result<Option<T>>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: Option<String> = row.get(index)?;
    text.map(|text| parse_text(row, index, table, text))
        .transpose()
}

fn parse_text<T>(
    row: &rusqlite::Row<'_>,
    index: usize,
    table: &'static str,
    text: String,
) -> rusqlite::Result<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|err: T::Err| {
        let id = match row.get_ref(0) {
            Ok(ValueRef::Integer(n)) => n.to_string(),
            Ok(ValueRef::Text(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
            _ => "?".into(),
        };
        let column = row
            .as_ref()
            .column_name(index)
            .map_or_else(|_| format!("column {index}"), str::to_string);
        conversion_error(
            index,
            BadValue {
                table,
                id,
                column,
                value: text,
                reason: err.to_string(),
            },
        )
    })
}

/// A stored value this build cannot read, and where it is.
#[derive(Debug, thiserror::Error)]
#[error("{table} row {id}: {column} {value:?} is not valid ({reason})")]
pub struct BadValue {
    pub table: &'static str,
    /// The row's id (column 0 of the query).
    pub id: String,
    pub column: String,
    pub value: String,
    /// What parsing said.
    pub reason: String,
}

/// A value in a text column that this build does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

#[cfg(test)]
mod tests;
