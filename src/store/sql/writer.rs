//! The writer task's side of group commit: one transaction per batch.

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::{ColumnIndex, Database, Encode, Executor, Pool, Type};

use super::batch::Batch;
use super::dialect::{Dialect, Value};
use super::flip_log;
use super::fold;
use super::health::WriteHealth;
use super::project;
use super::queue::{Outcome, Work, Writer};
use super::{SqlStoreError, SqlStoreOptions};
use crate::store::check_store::Creation;
use crate::store::monitor_signal::MonitorSignal;

/// Writes batches to a store's database.
pub(crate) struct SqlWriter<DB: Database> {
    pool: Pool<DB>,
    log_limit: usize,
    check_limit: usize,
    max_undelivered: usize,
    /// Told of the deadlines and alerts each committed batch sets.
    signal: Arc<MonitorSignal>,
    /// Told whether each batch could be written.
    health: Arc<WriteHealth>,
}

impl<DB: Database> SqlWriter<DB> {
    pub(crate) fn new(
        pool: Pool<DB>,
        options: &SqlStoreOptions,
        signal: Arc<MonitorSignal>,
        health: Arc<WriteHealth>,
    ) -> Self {
        Self {
            pool,
            log_limit: options.ping_log_limit,
            check_limit: options.check_limit,
            max_undelivered: options.max_undelivered,
            signal,
            health,
        }
    }
}

// Not derived: that would ask for `DB: Clone`.
impl<DB: Database> Clone for SqlWriter<DB> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            log_limit: self.log_limit,
            check_limit: self.check_limit,
            max_undelivered: self.max_undelivered,
            signal: self.signal.clone(),
            health: self.health.clone(),
        }
    }
}

#[async_trait]
impl<DB> Writer for SqlWriter<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
    i64: Value<DB>,
    Option<i64>: Value<DB>,
    String: Value<DB>,
{
    async fn write(&self, works: Vec<Work>) -> Result<Vec<Outcome>, SqlStoreError> {
        let written = self.write_batch(works).await;
        self.health.observe(&written);
        written
    }
}

impl<DB> SqlWriter<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
    i64: Value<DB>,
    Option<i64>: Value<DB>,
    String: Value<DB>,
{
    /// One batch in one transaction, committed.
    async fn write_batch(&self, works: Vec<Work>) -> Result<Vec<Outcome>, SqlStoreError> {
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        DB::lock_projects(&mut tx, &works).await?;
        let mut batch = Batch::new(works.len());
        for (job, work) in works.into_iter().enumerate() {
            match work {
                Work::Record { check, ping } => {
                    batch.record(job, check.row, Some(check.uuid), ping, Creation::Recorded)
                }
                Work::Create {
                    ping_key,
                    slug,
                    ping,
                } => {
                    match project::get_or_create::<DB>(&mut tx, &ping_key, &slug, self.check_limit)
                        .await?
                    {
                        Ok((check, creation)) => batch.record(job, check, None, ping, creation),
                        Err(creation) => batch.answer(job, Ok(creation)),
                    }
                }
            }
        }

        let ids = batch.check_ids();
        let rows = if ids.is_empty() {
            Vec::new()
        } else {
            DB::load_checks(&mut tx, &ids).await?
        };
        let applied = batch.apply(rows, self.log_limit);
        DB::write_applied(&mut tx, &applied).await?;
        if !applied.flips.is_empty() {
            flip_log::prune::<DB>(&mut tx, &applied.flipped_checks(), self.log_limit).await?;
        }
        if let (true, Some(at)) = (applied.has_alerts(), applied.latest) {
            fold::fold::<DB>(&mut tx, &applied.alerted_checks(), self.max_undelivered, at).await?;
        }
        tx.commit().await?;
        applied.committed(&self.signal);
        Ok(applied.outcomes)
    }
}
