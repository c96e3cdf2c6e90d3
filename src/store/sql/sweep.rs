//! The monitor's step on a SQL store: flip the checks past their deadline,
//! queue the reminders of down checks whose reminder came.
//!
//! When nothing is due, a sweep is one query on the `alert_after` index (the
//! earliest deadline). Otherwise overdue checks are taken in batches, each in
//! a transaction that holds their rows (PostgreSQL: `FOR UPDATE SKIP
//! LOCKED`, so concurrent sweeps of several processes share them out and each
//! check is flipped once), passed through [`expire`] as they are now, and
//! written back with their flips.

use std::time::SystemTime;

use sqlx::{ColumnIndex, Encode, Executor, Type};

use super::batch::Applied;
use super::codec::{micros, time, FlipRow, StateRow, STATE_SELECT};
use super::dialect::{Dialect, Value};
use super::flip_log;
use super::fold;
use super::shared::Shared;
use super::{bounded, SqlStoreError};
use crate::events;
use crate::state::deadline::expire;
use crate::store::monitor_store::Sweep;

/// Checks per sweep transaction.
const SWEEP_BATCH: i64 = 500;

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
    pub(crate) async fn sweep(&self, now: SystemTime) -> Result<Sweep, SqlStoreError> {
        let swept = self.sweep_due(now).await;
        self.observed(swept)
    }

    async fn sweep_due(&self, now: SystemTime) -> Result<Sweep, SqlStoreError> {
        let limit = self.options.call_timeout;
        let now_micros = micros(now);
        let earliest: Option<i64> = bounded(
            limit,
            sqlx::query_scalar(
                "SELECT MIN(alert_after) FROM tower_ping_checks WHERE alert_after IS NOT NULL",
            )
            .fetch_one(&self.pool),
        )
        .await?;
        if earliest.is_none_or(|earliest| earliest > now_micros) {
            return Ok(Sweep::new(0, 0, earliest.map(time)));
        }

        let (mut flipped, mut reminded, mut rearmed) = (0, 0, 0);
        let mut unreadable = Vec::new();
        loop {
            let batch = bounded(limit, self.sweep_batch(now)).await?;
            flipped += batch.flipped;
            reminded += batch.reminded;
            rearmed += batch.rearmed;
            unreadable.extend(batch.unreadable);
            // A full batch of rows it could not read would come back first
            // every time: stop there rather than go round.
            if batch.taken < SWEEP_BATCH as usize
                || batch.flipped + batch.reminded + batch.rearmed == 0
            {
                break;
            }
        }
        // Rows this process cannot read are left as they are (a process that
        // can, a newer version say, flips them), and each is reported once.
        if let Some(error) = self.first_unreported(unreadable) {
            return Err(error);
        }
        // Due checks left now are held by another sweep or a ping, which
        // settle them: the next deadline is the first one still ahead.
        let next: Option<i64> = bounded(
            limit,
            sqlx::query_scalar(
                "SELECT MIN(alert_after) FROM tower_ping_checks WHERE alert_after > $1",
            )
            .bind(now_micros)
            .fetch_one(&self.pool),
        )
        .await?;
        Ok(Sweep::new(flipped, rearmed, next.map(time)).reminded(reminded))
    }

    /// Flips or re-arms one batch of overdue checks, in one transaction.
    async fn sweep_batch(&self, now: SystemTime) -> Result<BatchSwept, SqlStoreError> {
        let mut tx = self.pool.begin_with(DB::BEGIN).await?;
        let sql = format!(
            "{STATE_SELECT} WHERE c.alert_after <= $1 ORDER BY c.alert_after LIMIT $2{}",
            DB::FOR_UPDATE_SKIP_LOCKED
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(micros(now))
            .bind(SWEEP_BATCH)
            .fetch_all(&mut *tx)
            .await?;
        let mut applied = Applied {
            latest: Some(now),
            ..Applied::default()
        };
        let mut swept = BatchSwept {
            taken: rows.len(),
            ..BatchSwept::default()
        };
        for row in &rows {
            let (check, state, rules) = match DB::read_check_or_id(row)? {
                Ok(read) => read,
                Err(unreadable) => {
                    swept.unreadable.push(unreadable);
                    continue;
                }
            };
            let expiry = expire(&state, &rules, now);
            if let Some(flip) = &expiry.flip {
                applied
                    .flips
                    .push(FlipRow::new(check.id, &check.uuid, flip));
                swept.flipped += 1;
            } else if let Some(reminder) = &expiry.reminder {
                applied
                    .reminders
                    .push((check.id, i64::from(reminder.number)));
                events::reminded(&check.uuid, reminder);
                swept.reminded += 1;
            } else {
                swept.rearmed += 1;
            }
            applied
                .states
                .push((check.id, StateRow::new(&expiry.state)));
        }
        if !rows.is_empty() {
            DB::write_applied(&mut tx, &applied).await?;
        }
        if !applied.flips.is_empty() {
            let keep = self.options.ping_log_limit;
            flip_log::prune::<DB>(&mut tx, &applied.flipped_checks(), keep).await?;
        }
        if applied.has_alerts() {
            let max = self.options.max_undelivered;
            fold::fold::<DB>(&mut tx, &applied.alerted_checks(), max, now).await?;
        }
        tx.commit().await?;
        applied.committed(&self.signal);
        Ok(swept)
    }
}

/// What one sweep transaction did.
#[derive(Debug, Default)]
struct BatchSwept {
    taken: usize,
    flipped: usize,
    reminded: usize,
    rearmed: usize,
    /// The rows it could not read, and why.
    unreadable: Vec<(i64, SqlStoreError)>,
}
