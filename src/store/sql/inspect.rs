//! Reading a store: its checks, their ping logs, their flips.

use sqlx::{ColumnIndex, Encode, Executor, Type};
use uuid::Uuid;

use super::codec::{CheckRow, CHECK_SELECT, FLIP_SELECT, PING_COLUMNS};
use super::dialect::{Dialect, Value};
use super::shared::Shared;
use super::{bounded, SqlStoreError};
use crate::store::check::Check;
use crate::store::logged_ping::LoggedPing;
use crate::store::recorded_flip::RecordedFlip;

impl<DB> Shared<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
    i64: Value<DB>,
    Option<i64>: Value<DB>,
    bool: Value<DB>,
    String: Value<DB>,
{
    pub(crate) async fn checks(&self) -> Result<Vec<Check>, SqlStoreError> {
        let sql = format!("{CHECK_SELECT} ORDER BY c.id");
        let rows = bounded(
            self.options.call_timeout,
            sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool),
        )
        .await?;
        rows.iter()
            .map(DB::read_check)
            .collect::<Result<Vec<CheckRow>, _>>()?
            .into_iter()
            .map(CheckRow::into_check)
            .collect()
    }

    pub(crate) async fn check(&self, uuid: Uuid) -> Result<Option<Check>, SqlStoreError> {
        self.check_where("c.uuid", &uuid.to_string()).await
    }

    /// The check whose unique column `column` (`c.uuid`, `c.badge_key`)
    /// holds `value`.
    pub(crate) async fn check_where(
        &self,
        column: &'static str,
        value: &str,
    ) -> Result<Option<Check>, SqlStoreError> {
        let sql = format!("{CHECK_SELECT} WHERE {column} = $1");
        let row = bounded(
            self.options.call_timeout,
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(value)
                .fetch_optional(&self.pool),
        )
        .await?;
        match row {
            Some(row) => Ok(Some(DB::read_check(&row)?.into_check()?)),
            None => Ok(None),
        }
    }

    pub(crate) async fn pings(&self, uuid: Uuid) -> Result<Option<Vec<LoggedPing>>, SqlStoreError> {
        let limit = self.options.call_timeout;
        let found: Option<(i64, i64)> = bounded(
            limit,
            sqlx::query_as("SELECT id, n_pings FROM tower_ping_checks WHERE uuid = $1")
                .bind(uuid.to_string())
                .fetch_optional(&self.pool),
        )
        .await?;
        let Some((id, n_pings)) = found else {
            return Ok(None);
        };
        let keep = i64::try_from(self.options.ping_log_limit).unwrap_or(i64::MAX);
        let sql = format!(
            "SELECT {PING_COLUMNS} FROM tower_ping_pings WHERE check_id = $1 AND n > $2 ORDER BY n"
        );
        let rows = bounded(
            limit,
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(n_pings.saturating_sub(keep))
                .fetch_all(&self.pool),
        )
        .await?;
        let mut log = Vec::with_capacity(rows.len());
        for row in &rows {
            log.push(DB::read_ping(row)?.into_logged()?);
        }
        Ok(Some(log))
    }

    pub(crate) async fn flips(&self) -> Result<Vec<RecordedFlip>, SqlStoreError> {
        let sql = format!("{FLIP_SELECT} ORDER BY f.id");
        let rows = bounded(
            self.options.call_timeout,
            sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool),
        )
        .await?;
        let mut flips = Vec::with_capacity(rows.len());
        for row in &rows {
            flips.push(DB::read_flip(row)?.into_recorded()?);
        }
        Ok(flips)
    }
}
