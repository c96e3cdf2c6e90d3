//! Applying the crate's migrations.

use std::time::SystemTime;

use sqlx::{ColumnIndex, Encode, Executor, Type};

use super::codec::micros;
use super::dialect::{Dialect, Value};
use super::shared::Shared;
use super::SqlStoreError;

impl<DB> Shared<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
    i64: Value<DB>,
{
    pub(crate) async fn migrate(&self) -> Result<(), SqlStoreError> {
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        DB::lock_migrations(&mut tx).await?;
        sqlx::raw_sql(DB::CREATE_MIGRATIONS_TABLE)
            .execute(&mut *tx)
            .await?;
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM tower_ping_migrations")
            .fetch_all(&mut *tx)
            .await?;
        for &(version, description, sql) in DB::MIGRATIONS {
            if applied.contains(&version) {
                continue;
            }
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO tower_ping_migrations VALUES ($1, $2, $3)")
                .bind(version)
                .bind(description)
                .bind(micros(SystemTime::now()))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
