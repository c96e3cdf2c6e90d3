//! The state both SQL stores keep: a pool, the writer queue, the options and
//! the cache of check ids. Each public store wraps one in an `Arc`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use sqlx::{Database, Pool};
use uuid::Uuid;

use super::health::WriteHealth;
use super::queue::{Queue, Writer};
use super::writer::SqlWriter;
use super::{SqlStoreError, SqlStoreOptions};
use crate::store::monitor_signal::MonitorSignal;

/// A store's state, on database `DB`.
pub(crate) struct Shared<DB: Database> {
    pub(crate) pool: Pool<DB>,
    pub(crate) queue: Queue,
    pub(crate) options: SqlStoreOptions,
    /// Wakes this process's monitor for the deadlines and alerts its
    /// writes set.
    pub(crate) signal: Arc<MonitorSignal>,
    /// Whether the last write failed for want of the database.
    pub(crate) health: Arc<WriteHealth>,
    /// UUID to row id: a check's id never changes, so a hit needs no query.
    ids: RwLock<HashMap<Uuid, i64>>,
    /// The check rows the sweep could not read and has reported.
    unreadable: Mutex<HashSet<i64>>,
}

impl<DB: Database> Shared<DB> {
    /// Starts `lanes` writer tasks on `pool`.
    pub(crate) fn start(pool: Pool<DB>, options: SqlStoreOptions, lanes: usize) -> Self
    where
        SqlWriter<DB>: Writer,
    {
        let signal = Arc::new(MonitorSignal::new());
        let health = Arc::new(WriteHealth::default());
        let writer = SqlWriter::new(pool.clone(), &options, signal.clone(), health.clone());
        Self {
            queue: Queue::start(writer, lanes, &options),
            pool,
            options,
            signal,
            health,
            ids: RwLock::default(),
            unreadable: Mutex::default(),
        }
    }

    /// The row id of the check `uuid`, if cached.
    pub(crate) fn cached_id(&self, uuid: Uuid) -> Option<i64> {
        self.ids
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&uuid)
            .copied()
    }

    /// Caches the row id of the check `uuid`.
    pub(crate) fn cache_id(&self, uuid: Uuid, id: i64) {
        self.ids
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(uuid, id);
    }

    /// Of the rows a sweep could not read, the error of the first not
    /// reported before; each is reported once in the life of the store.
    pub(crate) fn first_unreported(
        &self,
        unreadable: Vec<(i64, SqlStoreError)>,
    ) -> Option<SqlStoreError> {
        let mut reported = self
            .unreadable
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut first = None;
        for (id, error) in unreadable {
            if reported.insert(id) && first.is_none() {
                first = Some(error);
            }
        }
        first
    }

    /// `written`, after telling the store's health of it.
    pub(crate) fn observed<T>(
        &self,
        written: Result<T, SqlStoreError>,
    ) -> Result<T, SqlStoreError> {
        self.health.observe(&written);
        written
    }

    /// Forgets the row id of a removed check.
    pub(crate) fn forget_id(&self, uuid: Uuid) {
        self.ids
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&uuid);
    }
}
