//! The outbox of alerts on a SQL store: `tower_ping_alerts`, one row per
//! alertable flip (or reminder) and channel, deleted once delivered.
//!
//! Alerts are queued by the statement that records their flip (see each
//! backend's `write_applied`, and `fan_out.rs`), and folded by `fold.rs`.
//!
//! A claim is one `UPDATE ... RETURNING` that walks the alerts in the order
//! queued and takes those that are the oldest of their (check, channel)
//! queue (a correlated `MIN` per candidate, answered from the queue index),
//! not held by a live lease and due for a try, until it has enough; the
//! `UPDATE` re-checks the lease on the row it writes, so concurrent claims
//! of several processes never hold one alert at once (on PostgreSQL a claim
//! that finds the row being claimed waits for that transaction and then
//! sees its lease). The claimed rows are then read by key with their flips,
//! channels and checks.

use std::collections::HashMap;
use std::time::SystemTime;

use sqlx::{ColumnIndex, Encode, Executor, QueryBuilder, Type};
use uuid::Uuid;

use super::codec::{micros, CHECK_SELECT};
use super::dialect::{Dialect, Value};
use super::fold::{push_ids, settle_flips};
use super::shared::Shared;
use super::{bounded, SqlStoreError};
use crate::store::alert::Alert;
use crate::store::check::Check;
use crate::store::monitor_store::Claim;

/// Ids per statement of the list updates.
const ID_CHUNK: usize = 1000;

/// The columns [`AlertRow`] reads: the alert, its flip and its channel.
pub(crate) const ALERT_SELECT: &str = "SELECT a.id, a.check_id, a.attempts, a.reminder, \
     a.folded, a.channel, ch.name, ch.kind, f.id, f.old_status, f.new_status, f.reason, f.at \
     FROM tower_ping_alerts a JOIN tower_ping_flips f ON f.id = a.flip_id \
     LEFT JOIN tower_ping_channels ch ON ch.uuid = a.channel";

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
        // Retry times and leases further ahead than a retry cap or two
        // leases were set before the wall clock went back: due, and expired.
        let retry_cap = claim
            .now
            .checked_add(claim.retry_cap)
            .map_or(i64::MAX, micros);
        let stale = micros(claim.stale_after());
        bounded(self.options.call_timeout, async {
            let mut tx = self.pool.begin_with(DB::BEGIN).await?;
            let sql = format!(
                "UPDATE tower_ping_alerts SET claimed_by = $1, claimed_until = $2, \
                 attempts = attempts + 1 \
                 WHERE id IN (SELECT a.id FROM tower_ping_alerts a \
                 WHERE (a.retry_at IS NULL OR a.retry_at <= $3 OR a.retry_at > $5) \
                 AND (a.claimed_until IS NULL OR a.claimed_until <= $3 OR a.claimed_until > $6) \
                 AND a.id = (SELECT MIN(q.id) FROM tower_ping_alerts q \
                 WHERE q.check_id = a.check_id AND q.channel = a.channel) \
                 ORDER BY a.id LIMIT $4{}) \
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
            let mut select = QueryBuilder::<DB>::new(format!("{ALERT_SELECT} WHERE a.id IN ("));
            push_ids(&mut select, &claimed);
            select.push(" ORDER BY a.id");
            let rows = select.build().fetch_all(&mut *tx).await?;
            let alerts = rows
                .iter()
                .map(DB::read_alert)
                .collect::<sqlx::Result<Vec<_>>>()?;
            let mut check_ids: Vec<i64> = alerts.iter().map(|alert| alert.check).collect();
            check_ids.sort_unstable();
            check_ids.dedup();
            let mut select = QueryBuilder::<DB>::new(format!("{CHECK_SELECT} WHERE c.id IN ("));
            push_ids(&mut select, &check_ids);
            let rows = select.build().fetch_all(&mut *tx).await?;
            tx.commit().await?;
            let mut checks: HashMap<i64, Check> = HashMap::with_capacity(rows.len());
            for row in &rows {
                let row = DB::read_check(row)?;
                checks.insert(row.id, row.into_check()?);
            }
            alerts
                .into_iter()
                .filter_map(|alert| {
                    let check = checks.get(&alert.check)?.clone();
                    Some(alert.into_alert(check))
                })
                .collect::<Result<Vec<Alert>, SqlStoreError>>()
        })
        .await
    }

    pub(crate) async fn renew_alerts(
        &self,
        ids: &[u64],
        claimer: Uuid,
        until: SystemTime,
    ) -> Result<(), SqlStoreError> {
        let claimer = claimer.to_string();
        let renewed = bounded(self.options.call_timeout, async {
            for chunk in ids.chunks(ID_CHUNK) {
                let mut update =
                    QueryBuilder::<DB>::new("UPDATE tower_ping_alerts SET claimed_until = ");
                update.push_bind(micros(until));
                update.push(" WHERE claimed_by = ");
                update.push_bind(claimer.as_str());
                update.push(" AND id IN (");
                push_ids(&mut update, &as_rows(chunk));
                update.build().execute(&self.pool).await?;
            }
            Ok::<_, SqlStoreError>(())
        })
        .await;
        self.observed(renewed)
    }

    pub(crate) async fn alerts_delivered(
        &self,
        ids: &[u64],
        now: SystemTime,
    ) -> Result<(), SqlStoreError> {
        let marked = bounded(self.options.call_timeout, async {
            for chunk in ids.chunks(ID_CHUNK) {
                let mut tx = self.pool.begin_with(DB::BEGIN).await?;
                let rows = as_rows(chunk);
                let mut flips =
                    QueryBuilder::<DB>::new("SELECT flip_id FROM tower_ping_alerts WHERE id IN (");
                push_ids(&mut flips, &rows);
                let flips: Vec<i64> = flips.build_query_scalar().fetch_all(&mut *tx).await?;
                let mut delete =
                    QueryBuilder::<DB>::new("DELETE FROM tower_ping_alerts WHERE id IN (");
                push_ids(&mut delete, &rows);
                delete.build().execute(&mut *tx).await?;
                settle_flips::<DB>(&mut tx, &flips, now).await?;
                tx.commit().await?;
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
                "UPDATE tower_ping_alerts SET claimed_by = NULL, claimed_until = NULL, \
                 retry_at = $1 WHERE id = $2 AND claimed_by = $3",
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
                    "UPDATE tower_ping_alerts SET claimed_by = NULL, claimed_until = NULL \
                     WHERE claimed_by = ",
                );
                update.push_bind(claimer.as_str());
                update.push(" AND id IN (");
                push_ids(&mut update, &as_rows(chunk));
                update.build().execute(&self.pool).await?;
            }
            Ok::<_, SqlStoreError>(())
        })
        .await;
        self.observed(released)
    }
}

/// Alert numbers as row ids.
fn as_rows(ids: &[u64]) -> Vec<i64> {
    ids.iter()
        .map(|id| i64::try_from(*id).unwrap_or(i64::MAX))
        .collect()
}
