//! The user's acts on a store: defining checks and ping keys, pausing,
//! resuming and removing checks.

use sqlx::{ColumnIndex, Encode, Executor, Type};
use uuid::Uuid;

use super::codec::{CheckRow, RulesRow, StateRow, CHECK_SELECT};
use super::dialect::{Dialect, Value};
use super::project;
use super::shared::Shared;
use super::{bounded, SqlStoreError};
use crate::state::check_state::CheckState;
use crate::store::check::Check;
use crate::store::define_error::DefineError;
use crate::store::new_check::NewCheck;

impl<DB> Shared<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
    for<'a> Option<&'a str>: Type<DB> + Encode<'a, DB>,
    i64: Value<DB>,
    Option<i64>: Value<DB>,
    bool: Value<DB>,
    String: Value<DB>,
{
    /// Adds the check, or redefines the one it names (by UUID, else by
    /// project and slug), under the definitions lock so that instances
    /// declaring the same check at once make one.
    pub(crate) async fn add_check(&self, new: NewCheck) -> Result<Uuid, SqlStoreError> {
        new.validate()?;
        let defined = self.define_check(new).await;
        self.observed(defined)
    }

    async fn define_check(&self, new: NewCheck) -> Result<Uuid, SqlStoreError> {
        bounded(self.options.call_timeout, async {
            let mut tx = self.pool.begin_with(DB::BEGIN).await?;
            DB::lock_definitions(&mut tx).await?;
            let (uuid, state) = Self::define_in(&mut tx, new).await?;
            tx.commit().await?;
            self.report_deadline(&state);
            Ok::<_, SqlStoreError>(uuid)
        })
        .await
    }

    /// Adds or redefines a check inside a transaction that holds the
    /// definitions lock: its UUID and the state it was left in.
    pub(crate) async fn define_in(
        tx: &mut DB::Connection,
        new: NewCheck,
    ) -> Result<(Uuid, CheckState), SqlStoreError> {
        let project = match &new.ping_key {
            Some(key) => Some(project::project_id::<DB>(&mut *tx, key).await?),
            None => None,
        };
        let existing = match new.uuid {
            Some(uuid) => Self::locked_check(&mut *tx, uuid).await?,
            None => Self::locked_named(&mut *tx, project, &new).await?,
        };
        // A check the store has keeps its state, re-armed for the new
        // rules; a new one starts in its initial state.
        let (uuid, state) = match existing {
            Some(row) => {
                let uuid = Uuid::parse_str(&row.uuid)
                    .map_err(|_| SqlStoreError::Corrupt(format!("uuid {:?}", row.uuid)))?;
                (uuid, row.state()?.rearmed(&new.rules))
            }
            None => (
                new.uuid.unwrap_or_else(Uuid::new_v4),
                new.initial.rearmed(&new.rules),
            ),
        };
        let rules = RulesRow::new(&new.rules);
        let row = StateRow::new(&state);
        // One statement for both: an existing check takes the new
        // definition and deadline, and keeps the rest of its state.
        sqlx::query(
            "INSERT INTO tower_ping_checks (uuid, name, slug, project_id, \
             manual_resume, post_only, filter_body, success_kw, failure_kw, start_kw, \
             default_fail, timeout, schedule, tz, grace, status, n_pings, last_ping, \
             last_start, last_start_rid, last_duration, alert_after, tags, description, \
             channels, badge_key, schedule_kind, down_after_failures, up_after_successes, \
             max_runtime, remind_every, failures, successes, down_at, reminders) VALUES ($1, $2, \
             $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
             $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, \
             $35) \
             ON CONFLICT (uuid) DO UPDATE SET name = excluded.name, slug = excluded.slug, \
             project_id = excluded.project_id, manual_resume = excluded.manual_resume, \
             post_only = excluded.post_only, filter_body = excluded.filter_body, \
             success_kw = excluded.success_kw, failure_kw = excluded.failure_kw, \
             start_kw = excluded.start_kw, default_fail = excluded.default_fail, \
             timeout = excluded.timeout, schedule = excluded.schedule, tz = excluded.tz, \
             grace = excluded.grace, alert_after = excluded.alert_after, \
             tags = excluded.tags, description = excluded.description, \
             channels = excluded.channels, schedule_kind = excluded.schedule_kind, \
             down_after_failures = excluded.down_after_failures, \
             up_after_successes = excluded.up_after_successes, \
             max_runtime = excluded.max_runtime, remind_every = excluded.remind_every",
        )
        .bind(uuid.to_string())
        .bind(new.name.as_str())
        .bind(new.slug.as_str())
        .bind(project)
        .bind(rules.manual_resume)
        .bind(rules.post_only)
        .bind(rules.filter.filter_body)
        .bind(rules.filter.success_kw.as_str())
        .bind(rules.filter.failure_kw.as_str())
        .bind(rules.filter.start_kw.as_str())
        .bind(rules.filter.default_fail)
        .bind(rules.timeout)
        .bind(rules.schedule)
        .bind(rules.tz)
        .bind(rules.grace)
        .bind(row.status)
        .bind(row.n_pings)
        .bind(row.last_ping)
        .bind(row.last_start)
        .bind(row.last_start_rid.as_deref())
        .bind(row.last_duration)
        .bind(row.alert_after)
        .bind(new.tags.as_str())
        .bind(new.desc.as_str())
        .bind(new.channels.to_string())
        .bind(Uuid::new_v4().to_string())
        .bind(rules.schedule_kind)
        .bind(rules.down_after_failures)
        .bind(rules.up_after_successes)
        .bind(rules.max_runtime)
        .bind(rules.remind_every)
        .bind(row.failures)
        .bind(row.successes)
        .bind(row.down_at)
        .bind(row.reminders)
        .execute(&mut *tx)
        .await?;
        Ok((uuid, state))
    }

    pub(crate) async fn add_ping_key(&self, ping_key: &str) -> Result<(), SqlStoreError> {
        let added = bounded(self.options.call_timeout, async {
            let mut tx = self.pool.begin_with(DB::BEGIN).await?;
            project::project_id::<DB>(&mut tx, ping_key).await?;
            tx.commit().await
        })
        .await;
        self.observed(added)
    }

    /// Replaces a check's state with `change` of it, holding its row: the
    /// check as changed, `None` when there is no such check.
    pub(crate) async fn change_state(
        &self,
        uuid: Uuid,
        change: fn(&CheckState) -> CheckState,
    ) -> Result<Option<Check>, SqlStoreError> {
        let changed = bounded(self.options.call_timeout, async {
            let mut tx = self.pool.begin_with(DB::BEGIN).await?;
            let Some(row) = Self::locked_check(&mut tx, uuid).await? else {
                return Ok(None);
            };
            let state = change(&row.state()?);
            Self::write_state(&mut tx, row.id, &state).await?;
            tx.commit().await?;
            self.report_deadline(&state);
            let mut check = row.into_check()?;
            check.state = state;
            Ok::<_, SqlStoreError>(Some(check))
        })
        .await;
        self.observed(changed)
    }

    /// Deletes a check, its pings and its flips: `false` when there is no
    /// such check.
    pub(crate) async fn remove(&self, uuid: Uuid) -> Result<bool, SqlStoreError> {
        let deleted = bounded(
            self.options.call_timeout,
            sqlx::query("DELETE FROM tower_ping_checks WHERE uuid = $1")
                .bind(uuid.to_string())
                .execute(&self.pool),
        )
        .await;
        let deleted = self.observed(deleted)?;
        self.forget_id(uuid);
        Ok(DB::rows_affected(&deleted) > 0)
    }

    /// The check `uuid`, held until the transaction ends.
    pub(crate) async fn locked_check(
        conn: &mut DB::Connection,
        uuid: Uuid,
    ) -> Result<Option<CheckRow>, SqlStoreError> {
        let sql = format!("{CHECK_SELECT} WHERE c.uuid = $1{}", DB::FOR_UPDATE);
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(uuid.to_string())
            .fetch_optional(conn)
            .await?;
        Ok(row.as_ref().map(DB::read_check).transpose()?)
    }

    /// The check a UUID-less definition names: the one of its project with
    /// its slug, held until the transaction ends.
    async fn locked_named(
        conn: &mut DB::Connection,
        project: Option<i64>,
        new: &NewCheck,
    ) -> Result<Option<CheckRow>, SqlStoreError> {
        let filter = match project {
            Some(_) => "c.project_id = $1 AND c.slug = $2",
            None => "c.project_id IS NULL AND c.slug = $2 AND $1 IS NULL",
        };
        let sql = format!("{CHECK_SELECT} WHERE {filter} LIMIT 2{}", DB::FOR_UPDATE);
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(project)
            .bind(new.slug.as_str())
            .fetch_all(conn)
            .await?;
        match rows.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(DB::read_check(one)?)),
            _ => Err(DefineError::AmbiguousSlug {
                ping_key: new.ping_key.clone(),
                slug: new.slug.clone(),
            }
            .into()),
        }
    }

    /// Writes a check's whole state.
    pub(crate) async fn write_state(
        conn: &mut DB::Connection,
        id: i64,
        state: &CheckState,
    ) -> sqlx::Result<()> {
        let row = StateRow::new(state);
        sqlx::query(
            "UPDATE tower_ping_checks SET status = $1, n_pings = $2, last_ping = $3, \
             last_start = $4, last_start_rid = $5, last_duration = $6, alert_after = $7, \
             failures = $9, successes = $10, down_at = $11, reminders = $12 WHERE id = $8",
        )
        .bind(row.status)
        .bind(row.n_pings)
        .bind(row.last_ping)
        .bind(row.last_start)
        .bind(row.last_start_rid.as_deref())
        .bind(row.last_duration)
        .bind(row.alert_after)
        .bind(id)
        .bind(row.failures)
        .bind(row.successes)
        .bind(row.down_at)
        .bind(row.reminders)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Tells this process's monitor of a deadline just set.
    pub(crate) fn report_deadline(&self, state: &CheckState) {
        if let Some(deadline) = state.alert_after {
            self.signal.deadline(deadline);
        }
    }
}
