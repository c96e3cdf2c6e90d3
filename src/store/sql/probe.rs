//! Asking a SQL store whether it can write now: at once when its last write
//! succeeded, with a probe write when it failed.

use std::time::SystemTime;

use sqlx::{ColumnIndex, Encode, Executor, Type};

use super::codec::micros;
use super::dialect::{Dialect, Value};
use super::shared::Shared;
use super::{bounded, SqlStoreError};

impl<DB> Shared<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
    i64: Value<DB>,
{
    /// `Ok` when the store can write: its last write succeeded, or (after
    /// one failed) a probe write now does. A probe rewrites one row of its
    /// own table in a transaction of its own, so it needs what a ping needs:
    /// a connection, the write lock, and room for a page.
    pub(crate) async fn health(&self) -> Result<(), SqlStoreError> {
        if !self.health.is_failing() {
            return Ok(());
        }
        let probed = bounded(self.options.call_timeout, async {
            let mut tx = self.pool.begin_with(DB::BEGIN).await?;
            sqlx::query(
                "INSERT INTO tower_ping_write_probe (id, probed_at) VALUES (1, $1) \
                 ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at",
            )
            .bind(micros(SystemTime::now()))
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        })
        .await;
        self.observed(probed)
    }
}
