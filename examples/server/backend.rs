//! The store the example runs on, one of three, behind one set of methods
//! for the app's own routes.

use tower_ping::{
    Check, LoggedPing, MemoryStore, NewCheck, PostgresStore, RecordedFlip, SqlStoreError,
    SqlStoreOptions, SqliteStore,
};
use uuid::Uuid;

/// The store: in memory, or in the database `--database-url` names.
#[derive(Clone)]
pub enum Backend {
    Memory(MemoryStore),
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Backend {
    pub async fn open(url: Option<&str>, options: SqlStoreOptions) -> Result<Self, String> {
        let fail = |e: SqlStoreError| format!("--database-url: {e}");
        Ok(match url {
            None => Backend::Memory(MemoryStore::new()),
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

    pub async fn add_check(&self, check: NewCheck) -> Result<Uuid, String> {
        match self {
            Backend::Memory(store) => store.add_check(check).map_err(|e| e.to_string()),
            Backend::Sqlite(store) => store.add_check(check).await.map_err(|e| e.to_string()),
            Backend::Postgres(store) => store.add_check(check).await.map_err(|e| e.to_string()),
        }
    }

    pub async fn checks(&self) -> Result<Vec<Check>, SqlStoreError> {
        match self {
            Backend::Memory(store) => Ok(store.checks()),
            Backend::Sqlite(store) => store.checks().await,
            Backend::Postgres(store) => store.checks().await,
        }
    }

    pub async fn pings(&self, uuid: Uuid) -> Result<Vec<LoggedPing>, SqlStoreError> {
        Ok(match self {
            Backend::Memory(store) => store.pings(uuid),
            Backend::Sqlite(store) => store.pings(uuid).await?,
            Backend::Postgres(store) => store.pings(uuid).await?,
        }
        .unwrap_or_default())
    }

    pub async fn flips(&self) -> Result<Vec<RecordedFlip>, SqlStoreError> {
        match self {
            Backend::Memory(store) => Ok(store.flips()),
            Backend::Sqlite(store) => store.flips().await,
            Backend::Postgres(store) => store.flips().await,
        }
    }

    /// Pauses, resumes or removes a check: `false` when there is none.
    pub async fn act(&self, act: Act, uuid: Uuid) -> Result<bool, SqlStoreError> {
        match (self, act) {
            (Backend::Memory(store), Act::Pause) => Ok(store.pause(uuid)),
            (Backend::Memory(store), Act::Resume) => Ok(store.resume(uuid)),
            (Backend::Memory(store), Act::Remove) => Ok(store.remove(uuid)),
            (Backend::Sqlite(store), Act::Pause) => store.pause(uuid).await,
            (Backend::Sqlite(store), Act::Resume) => store.resume(uuid).await,
            (Backend::Sqlite(store), Act::Remove) => store.remove(uuid).await,
            (Backend::Postgres(store), Act::Pause) => store.pause(uuid).await,
            (Backend::Postgres(store), Act::Resume) => store.resume(uuid).await,
            (Backend::Postgres(store), Act::Remove) => store.remove(uuid).await,
        }
    }
}

/// What the user can do to a check.
#[derive(Debug, Clone, Copy)]
pub enum Act {
    Pause,
    Resume,
    Remove,
}
