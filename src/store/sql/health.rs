//! Whether a SQL store can write: failing from the first write that failed
//! for want of the database (a full disk, a lost connection, a timeout)
//! until the next write that succeeded, a probe write included.

use std::sync::atomic::{AtomicBool, Ordering};

use super::SqlStoreError;

/// What the store's writes last said about the database.
#[derive(Debug, Default)]
pub(crate) struct WriteHealth {
    failing: AtomicBool,
}

impl WriteHealth {
    /// Takes note of a write's outcome. Only failures of the database
    /// itself count: a definition refused or a check gone says nothing of
    /// whether the store can write.
    pub(crate) fn observe<T>(&self, written: &Result<T, SqlStoreError>) {
        match written {
            Ok(_) => self.failing.store(false, Ordering::Release),
            Err(error) if error.is_unavailable() => self.failing.store(true, Ordering::Release),
            Err(_) => {}
        }
    }

    /// Whether the last write that said anything failed.
    pub(crate) fn is_failing(&self) -> bool {
        self.failing.load(Ordering::Acquire)
    }
}
