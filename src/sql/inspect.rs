//! The stores' own methods: adding checks and ping keys, reading checks and
//! ping logs.

use sqlx::{ColumnIndex, Encode, Executor, Type};
use uuid::Uuid;

use super::codec::{CheckRow, CHECK_SELECT, PING_COLUMNS};
use super::dialect::{Dialect, Value};
use super::shared::Shared;
use super::{bounded, SqlStoreError};
use crate::check::{Check, LoggedPing, NewCheck};
use crate::state::AllowedMethods;

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
    pub(crate) async fn add_check(&self, new: NewCheck) -> Result<Uuid, SqlStoreError> {
        let limit = self.options.call_timeout;
        bounded(limit, async {
            let mut tx = self.pool.begin_with(DB::BEGIN).await?;
            let project = match &new.ping_key {
                Some(key) => Some(Self::project_id(&mut tx, key).await?),
                None => None,
            };
            sqlx::query(
                "INSERT INTO tower_ping_checks (uuid, name, slug, project_id, manual_resume, \
                 post_only, filter_body, success_kw, failure_kw, start_kw, default_fail, status) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (uuid) DO UPDATE SET name = excluded.name, slug = excluded.slug, \
                 project_id = excluded.project_id, manual_resume = excluded.manual_resume, \
                 post_only = excluded.post_only, filter_body = excluded.filter_body, \
                 success_kw = excluded.success_kw, failure_kw = excluded.failure_kw, \
                 start_kw = excluded.start_kw, default_fail = excluded.default_fail, \
                 status = CASE WHEN excluded.status = 'paused' THEN 'paused' \
                 ELSE tower_ping_checks.status END",
            )
            .bind(new.uuid.to_string())
            .bind(new.name.as_str())
            .bind(new.slug.as_str())
            .bind(project)
            .bind(new.rules.manual_resume)
            .bind(new.rules.methods == AllowedMethods::PostOnly)
            .bind(new.rules.filter.filter_body)
            .bind(new.rules.filter.success_kw.as_str())
            .bind(new.rules.filter.failure_kw.as_str())
            .bind(new.rules.filter.start_kw.as_str())
            .bind(new.rules.filter.default_fail)
            .bind(new.status.as_str())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(new.uuid)
        })
        .await
    }

    pub(crate) async fn add_ping_key(&self, ping_key: &str) -> Result<(), SqlStoreError> {
        bounded(self.options.call_timeout, async {
            let mut tx = self.pool.begin_with(DB::BEGIN).await?;
            Self::project_id(&mut tx, ping_key).await?;
            tx.commit().await
        })
        .await
    }

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
        let sql = format!("{CHECK_SELECT} WHERE c.uuid = $1");
        let row = bounded(
            self.options.call_timeout,
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(uuid.to_string())
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
}
