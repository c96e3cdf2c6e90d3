//! How the SQL stores name a check between `resolve` and `record`.

use uuid::Uuid;

/// A check as the SQL stores (`SqliteStore`, `PostgresStore`) resolve it:
/// its row and its UUID
/// ([`CheckStore::CheckId`](crate::CheckStore::CheckId)).
///
/// A store caches each UUID's row, and another process sharing the
/// database may remove the check meanwhile (SQLite may even give its row
/// to a check defined after). So the ping is written only if the row still
/// holds this UUID; if not, the call fails with
/// [`SqlStoreError::CheckGone`](crate::SqlStoreError::CheckGone) (the
/// layer answers `503`), the cache forgets the row, and the next ping to
/// that UUID gets `404`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SqlCheckId {
    pub(crate) row: i64,
    pub(crate) uuid: Uuid,
}

impl SqlCheckId {
    /// The check's UUID.
    pub fn uuid(&self) -> Uuid {
        self.uuid
    }
}
