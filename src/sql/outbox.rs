//! The outbox of alerts on a SQL store: every alertable flip waits in
//! `tower_ping_flips` until it is delivered.
//!
//! A claim is one `UPDATE ... RETURNING` that takes, for each check, its
//! oldest undelivered alertable flip when no live lease holds it and its
//! retry time has come; the `UPDATE` re-checks the lease on the row it
//! writes, so concurrent claims of several processes never hold one alert
//! at once (on PostgreSQL a claim that finds the row being claimed waits for
//! that transaction and then sees its lease).

use std::time::SystemTime;

use sqlx::{ColumnIndex, Encode, Executor, QueryBuilder, Type};
use uuid::Uuid;

use super::codec::{micros, FLIP_SELECT};
use super::dialect::{Dialect, Value};
use super::shared::Shared;
use super::{bounded, SqlStoreError};
use crate::alert::Alert;
use crate::monitor_store::Claim;

/// Ids per statement of the list updates.
const ID_CHUNK: usize = 1000;

impl<DB> Shared<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
    i64: Value<DB>,
    Option<i64>: Value<DB>,
    String: Value<DB>,
{
    pub(crate) async fn claim_alerts(&self, claim: Claim) -> Result<Vec<Alert>, SqlStoreError> {
        let claimer = claim.claimer.to_string();
        let (now, until) = (micros(claim.now), micros(claim.until()));
        let max = i64::try_from(claim.max).unwrap_or(i64::MAX);
        bounded(self.options.call_timeout, async {
            let mut tx = self.pool.begin_with(DB::BEGIN).await?;
            let claimed = sqlx::query(
                "UPDATE tower_ping_flips SET claimed_by = $1, claimed_until = $2, \
                 attempts = attempts + 1 \
                 WHERE id IN (SELECT f.id FROM tower_ping_flips f \
                 JOIN (SELECT MIN(id) AS id FROM tower_ping_flips \
                 WHERE alertable AND delivered_at IS NULL GROUP BY check_id) heads \
                 ON heads.id = f.id \
                 WHERE (f.retry_at IS NULL OR f.retry_at <= $3) \
                 AND (f.claimed_until IS NULL OR f.claimed_until <= $3) \
                 ORDER BY f.id LIMIT $4) \
                 AND delivered_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $3)",
            )
            .bind(claimer.as_str())
            .bind(until)
            .bind(now)
            .bind(max)
            .execute(&mut *tx)
            .await?;
            if DB::rows_affected(&claimed) == 0 {
                tx.commit().await?;
                return Ok(Vec::new());
            }
            // This claim's rows: its claimer and lease end name them.
            let sql = format!(
                "{FLIP_SELECT} WHERE f.alertable AND f.delivered_at IS NULL \
                 AND f.claimed_by = $1 AND f.claimed_until = $2 ORDER BY f.id"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(claimer.as_str())
                .bind(until)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| DB::read_flip(row)?.into_alert())
                .collect::<Result<Vec<Alert>, SqlStoreError>>()
        })
        .await
    }

    pub(crate) async fn alerts_delivered(
        &self,
        ids: &[u64],
        now: SystemTime,
    ) -> Result<(), SqlStoreError> {
        bounded(self.options.call_timeout, async {
            for chunk in ids.chunks(ID_CHUNK) {
                let mut update =
                    QueryBuilder::<DB>::new("UPDATE tower_ping_flips SET delivered_at = ");
                update.push_bind(micros(now));
                update.push(
                    ", claimed_by = NULL, claimed_until = NULL \
                     WHERE delivered_at IS NULL AND id IN (",
                );
                push_ids(&mut update, chunk);
                update.build().execute(&self.pool).await?;
            }
            Ok::<_, SqlStoreError>(())
        })
        .await
    }

    pub(crate) async fn alert_failed(
        &self,
        id: u64,
        claimer: Uuid,
        retry_at: SystemTime,
    ) -> Result<(), SqlStoreError> {
        bounded(
            self.options.call_timeout,
            sqlx::query(
                "UPDATE tower_ping_flips SET claimed_by = NULL, claimed_until = NULL, \
                 retry_at = $1 WHERE id = $2 AND claimed_by = $3 AND delivered_at IS NULL",
            )
            .bind(micros(retry_at))
            .bind(i64::try_from(id).unwrap_or(i64::MAX))
            .bind(claimer.to_string())
            .execute(&self.pool),
        )
        .await
        .map(drop)
    }

    pub(crate) async fn release_alerts(
        &self,
        ids: &[u64],
        claimer: Uuid,
    ) -> Result<(), SqlStoreError> {
        let claimer = claimer.to_string();
        bounded(self.options.call_timeout, async {
            for chunk in ids.chunks(ID_CHUNK) {
                let mut update = QueryBuilder::<DB>::new(
                    "UPDATE tower_ping_flips SET claimed_by = NULL, claimed_until = NULL \
                     WHERE delivered_at IS NULL AND claimed_by = ",
                );
                update.push_bind(claimer.as_str());
                update.push(" AND id IN (");
                push_ids(&mut update, chunk);
                update.build().execute(&self.pool).await?;
            }
            Ok::<_, SqlStoreError>(())
        })
        .await
    }
}

/// Appends `id, id, ...)` to a statement.
fn push_ids<DB: Dialect>(query: &mut QueryBuilder<DB>, ids: &[u64])
where
    i64: Value<DB>,
{
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(i64::try_from(*id).unwrap_or(i64::MAX));
    }
    query.push(")");
}
