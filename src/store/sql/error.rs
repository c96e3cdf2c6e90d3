//! What can go wrong in a SQL store.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::store::define_error::DefineError;

/// An error of [`SqliteStore`] or [`PostgresStore`]. The layer answers every
/// one of them with `503 store unavailable`.
///
#[cfg_attr(feature = "sqlite", doc = "[`SqliteStore`]: crate::SqliteStore")]
#[cfg_attr(
    not(feature = "sqlite"),
    doc = "[`SqliteStore`]: https://docs.rs/tower-ping/latest/tower_ping/struct.SqliteStore.html"
)]
#[cfg_attr(feature = "postgres", doc = "[`PostgresStore`]: crate::PostgresStore")]
#[cfg_attr(
    not(feature = "postgres"),
    doc = "[`PostgresStore`]: https://docs.rs/tower-ping/latest/tower_ping/struct.PostgresStore.html"
)]
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SqlStoreError {
    /// The database failed: no connection within the acquire timeout, a
    /// query or commit failed, a lock wait ran out.
    Database(Arc<sqlx::Error>),
    /// The store call did not finish within the configured call timeout.
    ///
    /// The ping may still commit afterwards: a write already sent to the
    /// database is not taken back. The caller was answered `503`, so a client
    /// that retries may have its ping recorded twice.
    Timeout(Duration),
    /// The store's writer task is gone: the runtime that ran it shut down.
    Closed,
    /// A stored value could not be read back (a hand-edited row, say).
    Corrupt(String),
    /// The check was deleted between `resolve` and `record`.
    CheckGone,
    /// The check could not be defined as given.
    Define(DefineError),
}

impl fmt::Display for SqlStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlStoreError::Database(e) => write!(f, "database error: {e}"),
            SqlStoreError::Timeout(d) => write!(f, "store call timed out after {d:?}"),
            SqlStoreError::Closed => f.write_str("the store's writer task has stopped"),
            SqlStoreError::Corrupt(what) => write!(f, "unreadable stored value: {what}"),
            SqlStoreError::CheckGone => f.write_str("the check was deleted while being pinged"),
            SqlStoreError::Define(e) => write!(f, "cannot define the check: {e}"),
        }
    }
}

impl SqlStoreError {
    /// Whether the database itself failed (an error of the database or its
    /// connection, a timeout, the writer gone), as opposed to a refusal of
    /// what was asked (a definition, a check removed meanwhile, a row that
    /// cannot be read).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            SqlStoreError::Database(_) | SqlStoreError::Timeout(_) | SqlStoreError::Closed
        )
    }
}

impl std::error::Error for SqlStoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SqlStoreError::Database(e) => Some(&**e),
            SqlStoreError::Define(e) => Some(e),
            _ => None,
        }
    }
}

impl From<DefineError> for SqlStoreError {
    fn from(e: DefineError) -> Self {
        SqlStoreError::Define(e)
    }
}

impl From<sqlx::Error> for SqlStoreError {
    fn from(e: sqlx::Error) -> Self {
        SqlStoreError::Database(Arc::new(e))
    }
}
