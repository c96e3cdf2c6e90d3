//! The store the example runs on: in memory, or in the database
//! `--database-url` names. Everything after opening it goes through the
//! store contracts, the same for all three.

use tower_ping::{MemoryStore, PostgresStore, SqlStoreError, SqlStoreOptions, SqliteStore};

/// One of the three stores.
pub enum Backend {
    Memory(MemoryStore),
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Backend {
    /// Opens the store `url` names (in memory without one), holding each
    /// project to `check_limit` checks and each check's channel to
    /// `max_undelivered` undelivered alerts.
    pub async fn open(
        url: Option<&str>,
        options: SqlStoreOptions,
        check_limit: usize,
        max_undelivered: usize,
    ) -> Result<Self, String> {
        let fail = |e: SqlStoreError| format!("--database-url: {e}");
        let options = options
            .check_limit(check_limit)
            .max_undelivered_alerts(max_undelivered);
        Ok(match url {
            None => Backend::Memory(
                MemoryStore::new()
                    .check_limit(check_limit)
                    .max_undelivered_alerts(max_undelivered),
            ),
            Some(url) if url.starts_with("sqlite:") => Backend::Sqlite(
                SqliteStore::connect_with(url, options)
                    .await
                    .map_err(fail)?,
            ),
            Some(url) if url.starts_with("postgres:") || url.starts_with("postgresql:") => {
                Backend::Postgres(
                    PostgresStore::connect_with(url, options)
                        .await
                        .map_err(fail)?,
                )
            }
            Some(url) => {
                return Err(format!(
                    "--database-url {url}: not sqlite:// or postgres://"
                ))
            }
        })
    }
}
