//! The outbox of alerts on a SQL store: every alertable flip waits in
//! `tower_ping_flips` until it is delivered.
//!
//! A claim is one `UPDATE ... RETURNING` that walks the pending alerts in
//! the order they were recorded (an index of them alone) and takes those
//! that are their check's oldest pending one (a correlated `MIN` per
//! candidate, which every planner answers from the per-check index, however
//! few rows its statistics expect), not held by a live lease and due for a
//! try, until it has enough; the `UPDATE` re-checks the lease on
//! the row it writes, so concurrent claims of several processes never hold
//! one alert at once (on PostgreSQL a claim that finds the row being
//! claimed waits for that transaction and then sees its lease). The claimed
//! rows are then read by key with their checks.

use std::time::SystemTime;

use sqlx::{ColumnIndex, Encode, Executor, QueryBuilder, Type};
use uuid::Uuid;

use super::codec::{micros, FLIP_SELECT};
use super::dialect::{Dialect, Value};
use super::shared::Shared;
use super::{bounded, SqlStoreError};
use crate::store::alert::Alert;
use crate::store::monitor_store::Claim;

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
        let claimed = self.claim(claim).await;
        self.observed(claimed)
    }

    async fn claim(&self, claim: Claim) -> Result<Vec<Alert>, SqlStoreError> {
        let claimer = claim.claimer.to_string();
        let (now, until) = (micros(claim.now), micros(claim.until()));
        let max = i64::try_from(claim.max).unwrap_or(i64::MAX);
        // Retry times and leases further ahead than a retry cap or a whole
        // lease were set before the wall clock went back: due, and expired.
        let retry_cap = claim
            .now
            .checked_add(claim.retry_cap)
            .map_or(i64::MAX, micros);
        let stale = micros(claim.stale_after());
        bounded(self.options.call_timeout, async {
            let mut tx = self.pool.begin_with(DB::BEGIN).await?;
            let sql = format!(
                "UPDATE tower_ping_flips SET claimed_by = $1, claimed_until = $2, \
                 attempts = attempts + 1 \
                 WHERE id IN (SELECT f.id FROM tower_ping_flips f \
                 WHERE f.alertable AND f.delivered_at IS NULL \
                 AND (f.retry_at IS NULL OR f.retry_at <= $3 OR f.retry_at > $5) \
                 AND (f.claimed_until IS NULL OR f.claimed_until <= $3 OR f.claimed_until > $6) \
                 AND f.id = (SELECT MIN(g.id) FROM tower_ping_flips g \
                 WHERE g.check_id = f.check_id AND g.alertable AND g.delivered_at IS NULL) \
                 ORDER BY f.id LIMIT $4{}) \
                 AND delivered_at IS NULL \
                 AND (claimed_until IS NULL OR claimed_until <= $3 OR claimed_until > $6) \
                 RETURNING id",
                DB::SKIP_LOCKED
            );
            let claimed: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(claimer.as_str())
                .bind(until)
                .bind(now)
                .bind(max)
                .bind(retry_cap)
                .bind(stale)
                .fetch_all(&mut *tx)
                .await?;
            if claimed.is_empty() {
                tx.commit().await?;
                return Ok(Vec::new());
            }
            let mut select = QueryBuilder::<DB>::new(format!("{FLIP_SELECT} WHERE f.id IN ("));
            let mut list = select.separated(", ");
            for id in &claimed {
                list.push_bind(*id);
            }
            select.push(") ORDER BY f.id");
            let rows = select.build().fetch_all(&mut *tx).await?;
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
        let marked = bounded(self.options.call_timeout, async {
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
        .await;
        self.observed(marked)
    }

    pub(crate) async fn alert_failed(
        &self,
        id: u64,
        claimer: Uuid,
        retry_at: SystemTime,
    ) -> Result<(), SqlStoreError> {
        let failed = bounded(
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
        .map(drop);
        self.observed(failed)
    }

    pub(crate) async fn release_alerts(
        &self,
        ids: &[u64],
        claimer: Uuid,
    ) -> Result<(), SqlStoreError> {
        let claimer = claimer.to_string();
        let released = bounded(self.options.call_timeout, async {
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
        .await;
        self.observed(released)
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
