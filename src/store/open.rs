//! Opening the store: configuring the connection and applying the embedded migrations.
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior};

use super::{Result, Store, StoreError};

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
    (
        "0003_prompt_input",
        include_str!("migrations/0003_prompt_input.sql"),
    ),
    (
        "0004_interrupted_runs",
        include_str!("migrations/0004_interrupted_runs.sql"),
    ),
    (
        "0005_webhook_receiver",
        include_str!("migrations/0005_webhook_receiver.sql"),
    ),
    (
        "0006_mlflow_sync",
        include_str!("migrations/0006_mlflow_sync.sql"),
    ),
    (
        "0007_review_undo",
        include_str!("migrations/0007_review_undo.sql"),
    ),
];

/// Schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

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
        // The busy timeout comes first: every step below may meet another process that is
        // opening the same file at the same moment (several `aida investigate` on a new home).
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL: readers (aida review) never block the writer (aida serve); synchronous=FULL makes
        // a commit durable before we acknowledge a webhook.
        enable_wal(&conn)?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Foreign keys stay off while migrating: a migration that rebuilds a table (0004) drops
        // the old one, which with foreign keys on would cascade into its children. Each migration
        // checks the keys before it commits. (The pragma is a no-op inside a transaction, so it is
        // set around them.)
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        let mut store = Self { conn };
        store.migrate(target)?;
        store.conn.pragma_update(None, "foreign_keys", "ON")?;
        if target == SCHEMA_VERSION {
            // Best effort: a store that cannot be tidied now is still usable, and the next open
            // tries again.
            match store.recover_stale_runs() {
                Ok(0) => {}
                Ok(n) => tracing::info!(n, "marked investigations of vanished runs interrupted"),
                Err(err) => tracing::warn!(%err, "could not recover stale investigations"),
            }
        }
        Ok(store)
    }

    /// Applies the migrations this database lacks, up to `target`, one transaction each.
    ///
    /// Safe when several processes open a new database at once: each migration takes the write
    /// lock first (`BEGIN IMMEDIATE`, waiting up to the busy timeout) and only then reads
    /// `user_version`, so a migration another process applied while we waited is not run twice.
    fn migrate(&mut self, target: u32) -> Result<()> {
        // Without the lock first: a database that is up to date (every open but the first
        // ones) never waits for a writer.
        if check_version(self.schema_version()?)? >= target {
            return Ok(());
        }
        loop {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let current = check_version(
                tx.pragma_query_value(None, "user_version", |row| row.get::<_, u32>(0))?,
            )?;
            if current >= target {
                return Ok(());
            }
            let (name, sql) = MIGRATIONS[current as usize];
            tx.execute_batch(sql)
                .and_then(|()| check_foreign_keys(&tx))
                .map_err(|source| StoreError::Migration { name, source })?;
            tx.pragma_update(None, "user_version", current + 1)?;
            tx.commit()?;
            tracing::debug!(migration = name, "applied store migration");
        }
    }

    /// Number of migrations applied to this database.
    pub fn schema_version(&self) -> Result<u32> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))?)
    }
}

/// How long a statement waits for another connection's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Refuses a database written by a newer aida.
fn check_version(found: u32) -> Result<u32> {
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(found)
}

/// Switches the database to WAL (a persistent setting of the file: only the first open of a new
/// database changes anything). The switch needs an exclusive lock for a moment, and SQLite can
/// answer SQLITE_BUSY at once when another process holds a lock or is making the same switch,
/// without waiting on the busy timeout; so this retries, backing off, for as long as that timeout.
fn enable_wal(conn: &Connection) -> Result<()> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(2);
    loop {
        match conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
        {
            Ok(mode) => {
                // "memory" for an in-memory database; anything else is a file system without
                // the shared memory WAL needs, where SQLite keeps its rollback journal.
                if mode != "wal" && mode != "memory" {
                    tracing::warn!(mode, "the store could not switch to WAL mode");
                }
                return Ok(());
            }
            Err(err) if is_busy(&err) && Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            Err(err) => return Err(err.into()),
        }
    }
}

fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// `PRAGMA foreign_key_check`, as an error naming the first violation (migrations run with
/// foreign keys off, so nothing else would notice one).
fn check_foreign_keys(conn: &Connection) -> rusqlite::Result<()> {
    let violation = conn
        .query_row("PRAGMA foreign_key_check", [], |row| {
            Ok(format!(
                "foreign key violation: {} row {} refers to a missing {} row",
                row.get::<_, String>(0)?,
                row.get::<_, Option<i64>>(1)?
                    .map_or_else(|| "?".into(), |id| id.to_string()),
                row.get::<_, String>(2)?,
            ))
        })
        .optional()?;
    match violation {
        None => Ok(()),
        Some(message) => Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
            Some(message),
        )),
    }
}
