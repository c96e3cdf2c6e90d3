//! The SQL stores' side of the operator contract: projects, checks as the
//! Management API creates, edits and lists them, pings, flips, channels.
//! Every write holds what a ping holds (the check's row; on SQLite the
//! database), so a ping in between is never lost.

use bytes::Bytes;
use sqlx::{ColumnIndex, Encode, Executor, QueryBuilder, Type};
use uuid::Uuid;

use super::codec::{
    micros, summary, uuid, RulesRow, StateRow, SummaryRow, CHECK_SELECT, FLIP_SELECT, PING_COLUMNS,
    SUMMARY_SELECT,
};
use super::dialect::{Dialect, Value};
use super::project::count_checks;
use super::shared::Shared;
use super::{bounded, SqlStoreError};
use crate::state::check_state::CheckState;
use crate::state::rules::CheckRules;
use crate::state::status::Status;
use crate::store::channel::{Channel, Channels};
use crate::store::check::Check;
use crate::store::check_spec::{CheckSpec, UniqueField};
use crate::store::check_summary::SummaryPage;
use crate::store::cursor::Cursor;
use crate::store::define_error::DefineError;
use crate::store::logged_ping::LoggedPing;
use crate::store::manage_store::{
    CheckPage, CheckQuery, Created, DefinedSet, FlipQuery, Orphans, Resumed,
};
use crate::store::new_check::NewCheck;
use crate::store::project::{hex, random_secret, unhex, KeyDigest, NewProject, Project};
use crate::store::recorded_flip::RecordedFlip;

/// The columns of a project row, as [`ProjectRow`] reads them.
const PROJECT_SELECT: &str = "SELECT id, uuid, name, ping_key, api_key_hash, api_key_ro_hash, \
     badge_key, badge_secret FROM tower_ping_projects";

/// A project as its row holds it.
type ProjectRow = (
    i64,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Rows read per round at most while a listing looks for checks its
/// filters admit (a page and the one after it, when the page is smaller).
const LIST_CHUNK: usize = 2_000;

fn project_from(row: ProjectRow) -> Result<(i64, Project), SqlStoreError> {
    let (id, uuid_text, name, ping_key, rw, ro, badge_key, secret) = row;
    let corrupt =
        |what: &str, value: &str| SqlStoreError::Corrupt(format!("project {what} {value:?}"));
    let digest = |hash: Option<String>| {
        hash.map(|hash| KeyDigest::from_hex(&hash).ok_or_else(|| corrupt("key digest", &hash)))
            .transpose()
    };
    let uuid = match uuid_text {
        Some(text) => uuid(&text)?,
        None => return Err(corrupt("uuid", "")),
    };
    let secret = match secret {
        Some(text) => unhex(&text).ok_or_else(|| corrupt("badge secret", &text))?,
        None => return Err(corrupt("badge secret", "")),
    };
    let mut project = Project::new(uuid, name, ping_key, secret);
    project.api_key = digest(rw)?;
    project.api_key_readonly = digest(ro)?;
    project.badge_key = badge_key;
    Ok((id, project))
}

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
    Option<String>: Value<DB>,
    Vec<u8>: Value<DB>,
{
    pub(crate) async fn define_project(
        &self,
        new: NewProject,
    ) -> Result<Result<Project, DefineError>, SqlStoreError> {
        if let Err(refused) = new.validate() {
            return Ok(Err(refused));
        }
        let defined = bounded(self.options.call_timeout, async {
            let mut tx = self.pool.begin_with(DB::BEGIN).await?;
            DB::lock_definitions(&mut tx).await?;
            let sql = format!("{PROJECT_SELECT} WHERE uuid = $1 OR ping_key = $2 ORDER BY id");
            let rows: Vec<ProjectRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(new.uuid.to_string())
                .bind(new.ping_key.as_str())
                .fetch_all(&mut *tx)
                .await?;
            let known = rows
                .into_iter()
                .map(project_from)
                .collect::<Result<Vec<_>, _>>()?;
            let by_uuid = known.iter().find(|(_, p)| p.uuid == new.uuid);
            let by_key = known.iter().find(|(_, p)| p.ping_key == new.ping_key);
            let at = match (by_uuid, by_key) {
                (Some((a, _)), Some((b, _))) if a != b => None,
                (Some(found), _) => Some(Some(found)),
                (None, Some(found)) if found.1.is_implicit() => Some(Some(found)),
                (None, Some(_)) => None,
                (None, None) => Some(None),
            };
            let Some(at) = at else {
                return Ok(Err(DefineError::PingKeyTaken {
                    ping_key: new.ping_key.clone(),
                }));
            };
            if let Some(badge_key) = &new.badge_key {
                let taken: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM tower_ping_projects WHERE badge_key = $1 AND id <> $2",
                )
                .bind(badge_key.as_str())
                .bind(at.map_or(-1, |(id, _)| *id))
                .fetch_optional(&mut *tx)
                .await?;
                if taken.is_some() {
                    return Ok(Err(DefineError::BadgeKeyTaken {
                        badge_key: badge_key.clone(),
                    }));
                }
            }
            let secret = at.map_or_else(random_secret, |(_, p)| p.badge_secret);
            let mut project =
                Project::new(new.uuid, new.name.clone(), new.ping_key.clone(), secret);
            project.api_key = new.api_key;
            project.api_key_readonly = new.api_key_readonly;
            project.badge_key = new.badge_key.clone();
            let (rw, ro) = (
                project.api_key.map(|d| d.to_hex()),
                project.api_key_readonly.map(|d| d.to_hex()),
            );
            match at {
                Some((id, _)) => {
                    sqlx::query(
                        "UPDATE tower_ping_projects SET uuid = $1, name = $2, ping_key = $3, \
                         api_key_hash = $4, api_key_ro_hash = $5, badge_key = $6 WHERE id = $7",
                    )
                    .bind(project.uuid.to_string())
                    .bind(project.name.as_str())
                    .bind(project.ping_key.as_str())
                    .bind(rw)
                    .bind(ro)
                    .bind(project.badge_key.clone())
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query(
                        "INSERT INTO tower_ping_projects (uuid, name, ping_key, api_key_hash, \
                         api_key_ro_hash, badge_key, badge_secret) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(project.uuid.to_string())
                    .bind(project.name.as_str())
                    .bind(project.ping_key.as_str())
                    .bind(rw)
                    .bind(ro)
                    .bind(project.badge_key.clone())
                    .bind(hex(&secret))
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok::<_, SqlStoreError>(Ok(project))
        })
        .await;
        self.observed(defined)
    }

    /// Projects whose rows `filter` (a `WHERE` clause over `$1`) admits.
    async fn projects_where(
        &self,
        filter: &str,
        bind: Option<&str>,
    ) -> Result<Vec<Project>, SqlStoreError> {
        let sql = format!("{PROJECT_SELECT} {filter} ORDER BY id");
        let mut query = sqlx::query_as::<DB, ProjectRow>(sqlx::AssertSqlSafe(sql));
        if let Some(value) = bind {
            query = query.bind(value);
        }
        let rows = bounded(self.options.call_timeout, query.fetch_all(&self.pool)).await?;
        rows.into_iter()
            .map(|row| project_from(row).map(|(_, project)| project))
            .collect()
    }

    pub(crate) async fn project(&self, uuid: Uuid) -> Result<Option<Project>, SqlStoreError> {
        let text = uuid.to_string();
        Ok(self
            .projects_where("WHERE uuid = $1", Some(&text))
            .await?
            .pop())
    }

    pub(crate) async fn projects(&self) -> Result<Vec<Project>, SqlStoreError> {
        self.projects_where("", None).await
    }

    pub(crate) async fn projects_by_key(
        &self,
        lookup: &str,
    ) -> Result<Vec<Project>, SqlStoreError> {
        self.projects_where(
            "WHERE substr(api_key_hash, 1, 8) = $1 OR substr(api_key_ro_hash, 1, 8) = $1",
            Some(lookup),
        )
        .await
    }

    pub(crate) async fn project_by_badge_key(
        &self,
        badge_key: &str,
    ) -> Result<Option<Project>, SqlStoreError> {
        Ok(self
            .projects_where("WHERE badge_key = $1", Some(badge_key))
            .await?
            .pop())
    }

    pub(crate) async fn define_set(
        &self,
        ping_key: &str,
        mut checks: Vec<NewCheck>,
        orphans: Orphans,
    ) -> Result<Result<DefinedSet, DefineError>, SqlStoreError> {
        if let Err(refused) = NewCheck::validate_set(ping_key, &mut checks) {
            return Ok(Err(refused));
        }
        let defined = bounded(self.options.call_timeout, async {
            let mut tx = self.pool.begin_with(DB::BEGIN).await?;
            DB::lock_definitions(&mut tx).await?;
            let mut defined = Vec::with_capacity(checks.len());
            let mut states = Vec::with_capacity(checks.len());
            for check in checks {
                // A refusal rolls the whole set back (the transaction is
                // dropped unfinished).
                match Self::define_in(&mut tx, check).await {
                    Ok((uuid, state)) => {
                        defined.push(uuid);
                        states.push(state);
                    }
                    Err(SqlStoreError::Define(refused)) => return Ok(Err(refused)),
                    Err(error) => return Err(error),
                }
            }
            let sql = format!(
                "{CHECK_SELECT} WHERE p.ping_key = $1 ORDER BY c.id{}",
                DB::FOR_UPDATE
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(ping_key)
                .fetch_all(&mut *tx)
                .await?;
            let mut left = Vec::new();
            for row in &rows {
                let check = DB::read_check(row)?.into_check()?;
                if !defined.contains(&check.uuid) {
                    left.push(check);
                }
            }
            if orphans == Orphans::Remove {
                for check in &left {
                    sqlx::query("DELETE FROM tower_ping_checks WHERE uuid = $1")
                        .bind(check.uuid.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
            for state in &states {
                self.report_deadline(state);
            }
            if orphans == Orphans::Remove {
                for check in &left {
                    self.forget_id(check.uuid);
                }
            }
            Ok::<_, SqlStoreError>(Ok(DefinedSet::new(defined, left)))
        })
        .await;
        self.observed(defined)
    }

    pub(crate) async fn create_check(
        &self,
        project: Uuid,
        spec: CheckSpec,
        unique: &[UniqueField],
    ) -> Result<Created, SqlStoreError> {
        let created = bounded(self.options.call_timeout, async {
            let mut tx = self.pool.begin_with(DB::BEGIN).await?;
            // Creations in one project wait for each other, so two racing
            // upserts make one check.
            let sql = format!(
                "SELECT id, ping_key FROM tower_ping_projects WHERE uuid = $1{}",
                DB::LOCK_ROW
            );
            let found: Option<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(project.to_string())
                .fetch_optional(&mut *tx)
                .await?;
            let Some((project_id, ping_key)) = found else {
                return Ok(Created::NoProject);
            };
            if spec.looks_up(unique) {
                // Only the checks whose unique fields match are read and
                // held: the project's others go on taking pings meanwhile.
                let mut select =
                    QueryBuilder::<DB>::new(format!("{CHECK_SELECT} WHERE c.project_id = "));
                select.push_bind(project_id);
                for field in unique {
                    match field {
                        UniqueField::Name => {
                            let name = spec.name.clone().unwrap_or_default();
                            select.push(" AND c.name = ").push_bind(name);
                        }
                        UniqueField::Slug => {
                            let slug = spec.slug.clone().unwrap_or_default();
                            select.push(" AND c.slug = ").push_bind(slug);
                        }
                        UniqueField::Tags => {
                            let tags = spec.tags.clone().unwrap_or_default();
                            select.push(" AND c.tags = ").push_bind(tags);
                        }
                        UniqueField::Timeout => {
                            select.push(" AND c.schedule IS NULL");
                        }
                        // Matched exactly below, after the rows are read.
                        _ => {}
                    }
                }
                select.push(" ORDER BY c.id");
                select.push(DB::FOR_UPDATE);
                let rows = select.build().fetch_all(&mut *tx).await?;
                for row in &rows {
                    let row = DB::read_check(row)?;
                    let id = row.id;
                    let mut check = row.into_check()?;
                    if spec.matches(unique, &check) == Some(true) {
                        spec.apply(&mut check);
                        Self::write_check(&mut tx, id, &check).await?;
                        tx.commit().await?;
                        self.report_deadline(&check.state);
                        return Ok(Created::Updated(check));
                    }
                }
            }
            if count_checks::<DB>(&mut tx, project_id).await? >= self.options.check_limit {
                return Ok(Created::LimitReached);
            }
            let mut check = Check::new(
                Uuid::new_v4(),
                String::new(),
                String::new(),
                Some(ping_key),
                CheckRules::default(),
                CheckState::default(),
            );
            check.project = Some(project);
            // As healthchecks does for checks made by the API: no channel.
            check.channels = Channels::none();
            check.badge_key = Uuid::new_v4();
            spec.apply(&mut check);
            Self::insert_check(&mut tx, project_id, &check).await?;
            tx.commit().await?;
            self.report_deadline(&check.state);
            Ok::<_, SqlStoreError>(Created::Created(check))
        })
        .await;
        self.observed(created)
    }

    pub(crate) async fn update_check(
        &self,
        uuid: Uuid,
        spec: CheckSpec,
    ) -> Result<Option<Check>, SqlStoreError> {
        let updated = bounded(self.options.call_timeout, async {
            let mut tx = self.pool.begin_with(DB::BEGIN).await?;
            let Some(row) = Self::locked_check(&mut tx, uuid).await? else {
                return Ok(None);
            };
            let id = row.id;
            let mut check = row.into_check()?;
            spec.apply(&mut check);
            Self::write_check(&mut tx, id, &check).await?;
            tx.commit().await?;
            self.report_deadline(&check.state);
            Ok::<_, SqlStoreError>(Some(check))
        })
        .await;
        self.observed(updated)
    }

    /// Inserts a new check of the project `project_id`, whole.
    async fn insert_check(
        tx: &mut DB::Connection,
        project_id: i64,
        check: &Check,
    ) -> Result<(), SqlStoreError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tower_ping_checks (uuid, badge_key, project_id, name, slug) \
             VALUES ($1, $2, $3, '', '') RETURNING id",
        )
        .bind(check.uuid.to_string())
        .bind(check.badge_key.to_string())
        .bind(project_id)
        .fetch_one(&mut *tx)
        .await?;
        Self::write_check(tx, id, check).await
    }

    /// Writes a check's definition and state into its row.
    async fn write_check(
        tx: &mut DB::Connection,
        id: i64,
        check: &Check,
    ) -> Result<(), SqlStoreError> {
        let rules = RulesRow::new(&check.rules);
        let state = StateRow::new(&check.state);
        sqlx::query(
            "UPDATE tower_ping_checks SET name = $1, slug = $2, tags = $3, description = $4, \
             channels = $5, filter_subject = $6, filter_email_body = $7, manual_resume = $8, \
             post_only = $9, filter_body = $10, success_kw = $11, failure_kw = $12, \
             start_kw = $13, default_fail = $14, timeout = $15, schedule = $16, tz = $17, \
             grace = $18, status = $19, n_pings = $20, last_ping = $21, last_start = $22, \
             last_start_rid = $23, last_duration = $24, alert_after = $25, \
             schedule_kind = $27, down_after_failures = $28, up_after_successes = $29, \
             max_runtime = $30, remind_every = $31, failures = $32, successes = $33, \
             down_at = $34, reminders = $35 WHERE id = $26",
        )
        .bind(check.name.as_str())
        .bind(check.slug.as_str())
        .bind(check.tags.as_str())
        .bind(check.desc.as_str())
        .bind(check.channels.to_string())
        .bind(check.filter_subject)
        .bind(check.filter_email_body)
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
        .bind(state.status)
        .bind(state.n_pings)
        .bind(state.last_ping)
        .bind(state.last_start)
        .bind(state.last_start_rid.as_deref())
        .bind(state.last_duration)
        .bind(state.alert_after)
        .bind(id)
        .bind(rules.schedule_kind)
        .bind(rules.down_after_failures)
        .bind(rules.up_after_successes)
        .bind(rules.max_runtime)
        .bind(rules.remind_every)
        .bind(state.failures)
        .bind(state.successes)
        .bind(state.down_at)
        .bind(state.reminders)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    pub(crate) async fn check_page(&self, query: CheckQuery) -> Result<CheckPage, SqlStoreError> {
        let (chunk_rows, chunk) = chunk(&query);
        bounded(self.options.call_timeout, async {
            let mut checks = Vec::new();
            let mut after = first_id(&query);
            let mut last = 0;
            loop {
                let mut select = listing(CHECK_SELECT, &query, after, chunk);
                let rows = select.build().fetch_all(&self.pool).await?;
                let exhausted = rows.len() < chunk_rows;
                for row in &rows {
                    let row = DB::read_check(row)?;
                    let id = row.id;
                    after = id;
                    let check = row.into_check()?;
                    if !query.admits(&check) {
                        continue;
                    }
                    if checks.len() == query.limit {
                        return Ok(CheckPage::new(checks, Some(cursor(last))));
                    }
                    checks.push(check);
                    last = id;
                }
                if exhausted {
                    return Ok::<_, SqlStoreError>(CheckPage::new(checks, None));
                }
            }
        })
        .await
    }

    /// `check_page`, reading only the columns of a summary.
    pub(crate) async fn summary_page(
        &self,
        query: CheckQuery,
    ) -> Result<SummaryPage, SqlStoreError> {
        let (chunk_rows, chunk) = chunk(&query);
        bounded(self.options.call_timeout, async {
            let mut summaries = Vec::new();
            let mut after = first_id(&query);
            let mut last = 0;
            loop {
                let mut select = listing(SUMMARY_SELECT, &query, after, chunk);
                let rows: Vec<SummaryRow> = select.build_query_as().fetch_all(&self.pool).await?;
                let exhausted = rows.len() < chunk_rows;
                for row in rows {
                    let id = row.0;
                    after = id;
                    let summary = summary(row)?;
                    // Project and slug were matched by the database, tags
                    // only narrowed.
                    if !summary.has_tags(&query.tags) {
                        continue;
                    }
                    if summaries.len() == query.limit {
                        return Ok(SummaryPage::new(summaries, Some(cursor(last))));
                    }
                    summaries.push(summary);
                    last = id;
                }
                if exhausted {
                    return Ok::<_, SqlStoreError>(SummaryPage::new(summaries, None));
                }
            }
        })
        .await
    }

    pub(crate) async fn resume_check(&self, uuid: Uuid) -> Result<Resumed, SqlStoreError> {
        let resumed = bounded(self.options.call_timeout, async {
            let mut tx = self.pool.begin_with(DB::BEGIN).await?;
            let Some(row) = Self::locked_check(&mut tx, uuid).await? else {
                return Ok(Resumed::NotFound);
            };
            let id = row.id;
            let mut check = row.into_check()?;
            if check.state.status != Status::Paused {
                return Ok(Resumed::NotPaused(check));
            }
            check.state = check.state.resumed();
            Self::write_state(&mut tx, id, &check.state).await?;
            tx.commit().await?;
            self.report_deadline(&check.state);
            Ok::<_, SqlStoreError>(Resumed::Resumed(check))
        })
        .await;
        self.observed(resumed)
    }

    pub(crate) async fn remove_check(&self, uuid: Uuid) -> Result<Option<Check>, SqlStoreError> {
        let removed = bounded(self.options.call_timeout, async {
            let mut tx = self.pool.begin_with(DB::BEGIN).await?;
            let Some(row) = Self::locked_check(&mut tx, uuid).await? else {
                return Ok(None);
            };
            let check = row.into_check()?;
            sqlx::query("DELETE FROM tower_ping_checks WHERE uuid = $1")
                .bind(uuid.to_string())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, SqlStoreError>(Some(check))
        })
        .await;
        self.forget_id(uuid);
        self.observed(removed)
    }

    pub(crate) async fn recent_pings(
        &self,
        uuid: Uuid,
        limit: usize,
    ) -> Result<Option<Vec<LoggedPing>>, SqlStoreError> {
        let Some((id, oldest)) = self.log_range(uuid).await? else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT {PING_COLUMNS} FROM tower_ping_pings WHERE check_id = $1 AND n > $2 \
             ORDER BY n DESC LIMIT $3"
        );
        let rows = bounded(
            self.options.call_timeout,
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(oldest)
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .fetch_all(&self.pool),
        )
        .await?;
        let mut log = Vec::with_capacity(rows.len());
        for row in &rows {
            log.push(DB::read_ping(row)?.into_logged()?);
        }
        Ok(Some(log))
    }

    pub(crate) async fn ping_body(
        &self,
        uuid: Uuid,
        n: u64,
    ) -> Result<Option<Bytes>, SqlStoreError> {
        let Some((id, oldest)) = self.log_range(uuid).await? else {
            return Ok(None);
        };
        let body: Option<Vec<u8>> = bounded(
            self.options.call_timeout,
            sqlx::query_scalar(
                "SELECT body FROM tower_ping_pings WHERE check_id = $1 AND n = $2 AND n > $3",
            )
            .bind(id)
            .bind(i64::try_from(n).unwrap_or(i64::MAX))
            .bind(oldest)
            .fetch_optional(&self.pool),
        )
        .await?;
        Ok(body.filter(|body| !body.is_empty()).map(Bytes::from))
    }

    /// The check's row id, and the number below the oldest ping its log
    /// keeps (rows below it wait to be pruned).
    async fn log_range(&self, uuid: Uuid) -> Result<Option<(i64, i64)>, SqlStoreError> {
        let found: Option<(i64, i64)> = bounded(
            self.options.call_timeout,
            sqlx::query_as("SELECT id, n_pings FROM tower_ping_checks WHERE uuid = $1")
                .bind(uuid.to_string())
                .fetch_optional(&self.pool),
        )
        .await?;
        let keep = i64::try_from(self.options.ping_log_limit).unwrap_or(i64::MAX);
        Ok(found.map(|(id, n_pings)| (id, n_pings.saturating_sub(keep))))
    }

    pub(crate) async fn flip_list(
        &self,
        query: FlipQuery,
    ) -> Result<Vec<RecordedFlip>, SqlStoreError> {
        let mut select = QueryBuilder::<DB>::new(format!("{FLIP_SELECT} WHERE 1 = 1"));
        if let Some(check) = query.check {
            select.push(" AND c.uuid = ").push_bind(check.to_string());
        }
        if let Some(since) = query.since {
            select.push(" AND f.at >= ").push_bind(micros(since));
        }
        if let Some(until) = query.until {
            select.push(" AND f.at < ").push_bind(micros(until));
        }
        if let Some(Cursor(after)) = query.after {
            let after = i64::try_from(after).unwrap_or(i64::MAX);
            select
                .push(if query.newest_first {
                    " AND f.id < "
                } else {
                    " AND f.id > "
                })
                .push_bind(after);
        }
        select.push(if query.newest_first {
            " ORDER BY f.id DESC LIMIT "
        } else {
            " ORDER BY f.id LIMIT "
        });
        select.push_bind(i64::try_from(query.limit).unwrap_or(i64::MAX));
        let rows = bounded(
            self.options.call_timeout,
            select.build().fetch_all(&self.pool),
        )
        .await?;
        let mut flips = Vec::with_capacity(rows.len());
        for row in &rows {
            flips.push(DB::read_flip(row)?.into_recorded()?);
        }
        Ok(flips)
    }

    pub(crate) async fn define_channel(&self, channel: Channel) -> Result<(), SqlStoreError> {
        let defined = bounded(
            self.options.call_timeout,
            sqlx::query(
                "INSERT INTO tower_ping_channels (uuid, name, kind) VALUES ($1, $2, $3) \
                 ON CONFLICT (uuid) DO UPDATE SET name = excluded.name, kind = excluded.kind",
            )
            .bind(channel.id.to_string())
            .bind(channel.name)
            .bind(channel.kind)
            .execute(&self.pool),
        )
        .await
        .map(drop);
        self.observed(defined)
    }

    pub(crate) async fn channels(&self) -> Result<Vec<Channel>, SqlStoreError> {
        let rows: Vec<(String, String, String)> = bounded(
            self.options.call_timeout,
            sqlx::query_as("SELECT uuid, name, kind FROM tower_ping_channels ORDER BY id")
                .fetch_all(&self.pool),
        )
        .await?;
        rows.into_iter()
            .map(|(id, name, kind)| Ok(Channel::new(uuid(&id)?, name, kind)))
            .collect()
    }
}

/// A `LIKE` pattern for a check whose tags, with a space at each end,
/// hold ` tag `: `%`, `_` and `\` of the tag escaped.
fn tag_pattern(tag: &str) -> String {
    let mut pattern = String::with_capacity(tag.len() + 4);
    pattern.push_str("% ");
    for c in tag.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push_str(" %");
    pattern
}

/// How many rows a round of a listing reads, as a count and as bound.
fn chunk(query: &CheckQuery) -> (usize, i64) {
    // A page and the row after it in one read: with a page of exactly the
    // chunk's size, a second read of a whole chunk only to find that row
    // cost a third of a listing's time.
    let rows = query.limit.saturating_add(1).clamp(1, LIST_CHUNK + 1);
    (rows, i64::try_from(rows).unwrap_or(i64::MAX))
}

/// The row id a listing starts after.
fn first_id(query: &CheckQuery) -> i64 {
    query
        .after
        .map_or(0, |Cursor(id)| i64::try_from(id).unwrap_or(i64::MAX))
}

fn cursor(id: i64) -> Cursor {
    Cursor(u64::try_from(id).unwrap_or(0))
}

/// `select` (of the checks, `c`) narrowed to what `query` admits, from the
/// row after `after` on, `chunk` rows in the order created.
fn listing<DB>(select: &str, query: &CheckQuery, after: i64, chunk: i64) -> QueryBuilder<DB>
where
    DB: Dialect,
    i64: Value<DB>,
    String: Value<DB>,
{
    let mut sql = QueryBuilder::<DB>::new(format!("{select} WHERE c.id > "));
    sql.push_bind(after);
    // The project's id first, so that the listing walks the (project_id,
    // id) index from the cursor on.
    if let Some(project) = query.project {
        sql.push(" AND c.project_id = (SELECT id FROM tower_ping_projects WHERE uuid = ")
            .push_bind(project.to_string())
            .push(")");
    }
    if let Some(slug) = &query.slug {
        sql.push(" AND c.slug = ").push_bind(slug.clone());
    }
    // Tags are narrowed in the database; SQLite's LIKE ignores ASCII case,
    // so the caller matches them exactly after.
    for tag in &query.tags {
        sql.push(" AND (' ' || c.tags || ' ') LIKE ")
            .push_bind(tag_pattern(tag))
            .push(" ESCAPE '\\'");
    }
    sql.push(" ORDER BY c.id LIMIT ").push_bind(chunk);
    sql
}
