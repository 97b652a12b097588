//! Opening the store: configuring the connection and applying the embedded migrations.
use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

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
}
