//! The SQLite store.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::SystemTime;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{QueryBuilder, Sqlite, Transaction};
use uuid::Uuid;

use super::batch::Batch;
use super::codec::{check_row, micros, ping_row, CheckRow, PingRow, CHECK_SELECT, PING_COLUMNS};
use super::queue::{Outcome, Queue, Work, Writer};
use super::{bounded, SqlStoreError, SqlStoreOptions};
use crate::check::{Check, LoggedPing, NewCheck};
use crate::grammar::Target;
use crate::ping::Ping;
use crate::state::{AllowedMethods, Status};
use crate::store::{CheckStore, Creation, Lookup};

/// The schema, one migration per entry: `(version, description, SQL)`.
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "initial",
    include_str!("../../migrations/sqlite/0001_initial.sql"),
)];

/// Rows per statement: at most 11 binds each, well under SQLite's 32,766.
const INSERT_CHUNK: usize = 1000;

/// A [`CheckStore`] in a SQLite database file (feature `sqlite`).
///
/// The database runs in WAL mode with `synchronous=FULL`: a ping is on disk
/// when its transaction commits, and the layer answers `200` only then.
/// Clones share one pool and one writer. The database is a file: with
/// `sqlite::memory:` each pooled connection would see a database of its own.
///
/// ```no_run
/// # async fn run() -> Result<(), tower_ping::SqlStoreError> {
/// use tower_ping::{NewCheck, PingLayer, SqliteStore};
///
/// let store = SqliteStore::connect("sqlite://checks.db").await?; // migrates too
/// store.add_check(NewCheck::new("Nightly backup").ping_key("my-ping-key")).await?;
/// let layer = PingLayer::new(store.clone());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: SqlitePool,
    queue: Queue,
    options: SqlStoreOptions,
    /// UUID to row id: a check's id never changes, so a hit needs no query.
    ids: RwLock<HashMap<Uuid, i64>>,
}

impl SqliteStore {
    /// Opens (creating it if missing) the database at `url`, such as
    /// `sqlite://checks.db` or `sqlite:///var/lib/app/checks.db`, with the
    /// default [`SqlStoreOptions`], and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self, SqlStoreError> {
        Self::connect_with(url, SqlStoreOptions::default()).await
    }

    /// [`connect`](Self::connect) with these options.
    pub async fn connect_with(url: &str, options: SqlStoreOptions) -> Result<Self, SqlStoreError> {
        let connect = SqliteConnectOptions::from_str(url)?;
        Self::connect_with_options(connect, options).await
    }

    /// Opens the database `connect` describes. The store sets WAL mode,
    /// `synchronous=FULL`, foreign keys, creation of a missing file, and a
    /// busy timeout of three quarters of the call timeout.
    pub async fn connect_with_options(
        connect: SqliteConnectOptions,
        options: SqlStoreOptions,
    ) -> Result<Self, SqlStoreError> {
        let connect = connect
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(options.database_wait());
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await?;
        let store = Self {
            inner: Arc::new(Inner {
                queue: Queue::start(
                    SqliteWriter {
                        pool: pool.clone(),
                        log_limit: options.ping_log_limit,
                    },
                    1,
                    &options,
                ),
                pool,
                options,
                ids: RwLock::default(),
            }),
        };
        if store.inner.options.migrate {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Applies the crate's migrations that the database lacks, recording
    /// them in `tower_ping_migrations`. [`connect`](Self::connect) calls it
    /// unless [`SqlStoreOptions::migrate`] turned that off.
    pub async fn migrate(&self) -> Result<(), SqlStoreError> {
        let mut tx = self.inner.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS tower_ping_migrations (\
             version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)",
        )
        .execute(&mut *tx)
        .await?;
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM tower_ping_migrations")
            .fetch_all(&mut *tx)
            .await?;
        for &(version, description, sql) in MIGRATIONS {
            if applied.contains(&version) {
                continue;
            }
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO tower_ping_migrations VALUES (?, ?, ?)")
                .bind(version)
                .bind(description)
                .bind(micros(SystemTime::now()))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The store's connection pool.
    pub fn pool(&self) -> &SqlitePool {
        &self.inner.pool
    }

    /// Adds a check, or redefines the check with the same UUID (name, slug,
    /// ping key, rules, and status when given as paused) keeping its pings
    /// and state, as [`MemoryStore::add_check`](crate::MemoryStore::add_check)
    /// does. Returns its UUID.
    pub async fn add_check(&self, new: NewCheck) -> Result<Uuid, SqlStoreError> {
        let limit = self.inner.options.call_timeout;
        bounded(limit, async {
            let mut tx = self.inner.pool.begin_with("BEGIN IMMEDIATE").await?;
            let project = match &new.ping_key {
                Some(key) => Some(project_id(&mut tx, key).await?),
                None => None,
            };
            sqlx::query(
                "INSERT INTO tower_ping_checks (uuid, name, slug, project_id, manual_resume, \
                 post_only, filter_body, success_kw, failure_kw, start_kw, default_fail, status) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (uuid) DO UPDATE SET name = excluded.name, slug = excluded.slug, \
                 project_id = excluded.project_id, manual_resume = excluded.manual_resume, \
                 post_only = excluded.post_only, filter_body = excluded.filter_body, \
                 success_kw = excluded.success_kw, failure_kw = excluded.failure_kw, \
                 start_kw = excluded.start_kw, default_fail = excluded.default_fail, \
                 status = CASE WHEN excluded.status = 'paused' THEN 'paused' \
                 ELSE tower_ping_checks.status END",
            )
            .bind(new.uuid.to_string())
            .bind(&new.name)
            .bind(&new.slug)
            .bind(project)
            .bind(new.rules.manual_resume)
            .bind(new.rules.methods == AllowedMethods::PostOnly)
            .bind(new.rules.filter.filter_body)
            .bind(&new.rules.filter.success_kw)
            .bind(&new.rules.filter.failure_kw)
            .bind(&new.rules.filter.start_kw)
            .bind(new.rules.filter.default_fail)
            .bind(new.status.as_str())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(new.uuid)
        })
        .await
    }

    /// Makes a ping key known, so that `?create=1` can create checks in its
    /// project before it has any.
    pub async fn add_ping_key(&self, ping_key: &str) -> Result<(), SqlStoreError> {
        bounded(self.inner.options.call_timeout, async {
            let mut tx = self.inner.pool.begin_with("BEGIN IMMEDIATE").await?;
            project_id(&mut tx, ping_key).await?;
            tx.commit().await
        })
        .await
    }

    /// Every check with its current state, in the order added.
    pub async fn checks(&self) -> Result<Vec<Check>, SqlStoreError> {
        let sql = format!("{CHECK_SELECT} ORDER BY c.id");
        let rows = bounded(
            self.inner.options.call_timeout,
            sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.inner.pool),
        )
        .await?;
        rows.iter()
            .map(read_check)
            .collect::<Result<Vec<CheckRow>, _>>()?
            .into_iter()
            .map(CheckRow::into_check)
            .collect()
    }

    /// One check with its current state.
    pub async fn check(&self, uuid: Uuid) -> Result<Option<Check>, SqlStoreError> {
        let sql = format!("{CHECK_SELECT} WHERE c.uuid = ?");
        let row = bounded(
            self.inner.options.call_timeout,
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(uuid.to_string())
                .fetch_optional(&self.inner.pool),
        )
        .await?;
        match row {
            Some(row) => Ok(Some(read_check(&row)?.into_check()?)),
            None => Ok(None),
        }
    }

    /// A check's ping log, oldest first: at most the store's log limit.
    pub async fn pings(&self, uuid: Uuid) -> Result<Option<Vec<LoggedPing>>, SqlStoreError> {
        let limit = self.inner.options.call_timeout;
        let found: Option<(i64, i64)> = bounded(
            limit,
            sqlx::query_as("SELECT id, n_pings FROM tower_ping_checks WHERE uuid = ?")
                .bind(uuid.to_string())
                .fetch_optional(&self.inner.pool),
        )
        .await?;
        let Some((id, n_pings)) = found else {
            return Ok(None);
        };
        let keep = i64::try_from(self.inner.options.ping_log_limit).unwrap_or(i64::MAX);
        let sql = format!(
            "SELECT {PING_COLUMNS} FROM tower_ping_pings WHERE check_id = ? AND n > ? ORDER BY n"
        );
        let rows = bounded(
            limit,
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(n_pings.saturating_sub(keep))
                .fetch_all(&self.inner.pool),
        )
        .await?;
        let mut log = Vec::with_capacity(rows.len());
        for row in &rows {
            log.push(read_ping(row)?.into_logged()?);
        }
        Ok(Some(log))
    }
}

/// The id of the project with `ping_key`, created if missing.
async fn project_id(tx: &mut Transaction<'static, Sqlite>, ping_key: &str) -> sqlx::Result<i64> {
    sqlx::query("INSERT INTO tower_ping_projects (ping_key) VALUES (?) ON CONFLICT DO NOTHING")
        .bind(ping_key)
        .execute(&mut **tx)
        .await?;
    sqlx::query_scalar("SELECT id FROM tower_ping_projects WHERE ping_key = ?")
        .bind(ping_key)
        .fetch_one(&mut **tx)
        .await
}

fn read_check(row: &SqliteRow) -> sqlx::Result<CheckRow> {
    Ok(check_row!(row))
}

fn read_ping(row: &SqliteRow) -> sqlx::Result<PingRow> {
    Ok(ping_row!(row))
}

#[async_trait]
impl CheckStore for SqliteStore {
    /// The check's row id.
    type CheckId = i64;
    type Error = SqlStoreError;

    async fn resolve(&self, target: Target<'_>) -> Result<Lookup<i64>, SqlStoreError> {
        let limit = self.inner.options.call_timeout;
        let pool = &self.inner.pool;
        match target {
            Target::Uuid(uuid) => {
                let cached = self
                    .inner
                    .ids
                    .read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(&uuid)
                    .copied();
                if let Some(id) = cached {
                    return Ok(Lookup::Found(id));
                }
                let id: Option<i64> = bounded(
                    limit,
                    sqlx::query_scalar("SELECT id FROM tower_ping_checks WHERE uuid = ?")
                        .bind(uuid.to_string())
                        .fetch_optional(pool),
                )
                .await?;
                Ok(match id {
                    Some(id) => {
                        self.inner
                            .ids
                            .write()
                            .unwrap_or_else(PoisonError::into_inner)
                            .insert(uuid, id);
                        Lookup::Found(id)
                    }
                    None => Lookup::NotFound,
                })
            }
            Target::Slug { ping_key, slug } => {
                let ids: Vec<i64> = bounded(
                    limit,
                    sqlx::query_scalar(
                        "SELECT c.id FROM tower_ping_checks c \
                         JOIN tower_ping_projects p ON p.id = c.project_id \
                         WHERE p.ping_key = ? AND c.slug = ? LIMIT 2",
                    )
                    .bind(ping_key)
                    .bind(slug)
                    .fetch_all(pool),
                )
                .await?;
                Ok(match ids.as_slice() {
                    [one] => Lookup::Found(*one),
                    [] => Lookup::NotFound,
                    _ => Lookup::Ambiguous,
                })
            }
        }
    }

    async fn record(&self, check: i64, ping: Ping) -> Result<(), SqlStoreError> {
        self.inner
            .queue
            .submit(Work::Record { check, ping })
            .await
            .map(drop)
    }

    async fn create(
        &self,
        ping_key: &str,
        slug: &str,
        ping: Ping,
    ) -> Result<Creation, SqlStoreError> {
        self.inner
            .queue
            .submit(Work::Create {
                ping_key: ping_key.to_owned(),
                slug: slug.to_owned(),
                ping,
            })
            .await
    }
}

/// The writer task's side: one `BEGIN IMMEDIATE` transaction per batch.
#[derive(Clone)]
struct SqliteWriter {
    pool: SqlitePool,
    log_limit: usize,
}

#[async_trait]
impl Writer for SqliteWriter {
    async fn write(&self, works: Vec<Work>) -> Result<Vec<Outcome>, SqlStoreError> {
        // IMMEDIATE: take the write lock up front, so reading a check's state
        // and writing it back cannot interleave with another writer.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut batch = Batch::new(works.len());
        for (job, work) in works.into_iter().enumerate() {
            match work {
                Work::Record { check, ping } => batch.record(job, check, ping, Creation::Recorded),
                Work::Create {
                    ping_key,
                    slug,
                    ping,
                } => match get_or_create(&mut tx, &ping_key, &slug).await? {
                    Ok((check, creation)) => batch.record(job, check, ping, creation),
                    Err(creation) => batch.answer(job, Ok(creation)),
                },
            }
        }

        let ids = batch.check_ids();
        let mut rows = Vec::with_capacity(ids.len());
        if !ids.is_empty() {
            let mut load = QueryBuilder::<Sqlite>::new(CHECK_SELECT);
            load.push(" WHERE c.id IN (");
            let mut list = load.separated(", ");
            for id in &ids {
                list.push_bind(*id);
            }
            load.push(")");
            for row in load.build().fetch_all(&mut *tx).await? {
                rows.push(read_check(&row)?);
            }
        }
        let applied = batch.apply(rows, self.log_limit)?;

        for chunk in applied.log.chunks(INSERT_CHUNK) {
            let mut insert = QueryBuilder::<Sqlite>::new(format!(
                "INSERT INTO tower_ping_pings (check_id, {PING_COLUMNS}) "
            ));
            insert.push_values(chunk, |mut row, (check, ping)| {
                row.push_bind(*check)
                    .push_bind(ping.n)
                    .push_bind(ping.kind.as_str())
                    .push_bind(ping.exit_status)
                    .push_bind(ping.method.as_str())
                    .push_bind(ping.scheme.as_str())
                    .push_bind(ping.remote_addr.as_deref())
                    .push_bind(ping.user_agent.as_deref())
                    .push_bind(ping.rid.as_deref())
                    .push_bind(ping.body.as_slice())
                    .push_bind(ping.received_at);
            });
            insert.build().execute(&mut *tx).await?;
        }
        // One statement for every check's new state, one for the pruning.
        for chunk in applied.states.chunks(INSERT_CHUNK) {
            let mut update = QueryBuilder::<Sqlite>::new(
                "WITH u (id, status, n_pings, last_ping, last_start, last_start_rid, \
                 last_duration) AS (",
            );
            update.push_values(chunk, |mut row, (id, state)| {
                row.push_bind(*id)
                    .push_bind(state.status)
                    .push_bind(state.n_pings)
                    .push_bind(state.last_ping)
                    .push_bind(state.last_start)
                    .push_bind(state.last_start_rid.as_deref())
                    .push_bind(state.last_duration);
            });
            update.push(
                ") UPDATE tower_ping_checks SET status = u.status, n_pings = u.n_pings, \
                 last_ping = u.last_ping, last_start = u.last_start, \
                 last_start_rid = u.last_start_rid, last_duration = u.last_duration \
                 FROM u WHERE tower_ping_checks.id = u.id",
            );
            update.build().execute(&mut *tx).await?;
        }
        for chunk in applied.prune.chunks(INSERT_CHUNK) {
            // OR of per-check ranges: each term is a range of the primary key.
            let mut prune = QueryBuilder::<Sqlite>::new("DELETE FROM tower_ping_pings WHERE ");
            let mut terms = prune.separated(" OR ");
            for (id, above, upto) in chunk {
                terms.push("(check_id = ");
                terms.push_bind_unseparated(*id);
                terms.push_unseparated(" AND n > ");
                terms.push_bind_unseparated(*above);
                terms.push_unseparated(" AND n <= ");
                terms.push_bind_unseparated(*upto);
                terms.push_unseparated(")");
            }
            prune.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(applied.outcomes)
    }
}

/// Finds the check of a `?create=1` ping, creating it when its project has
/// none: `Ok((id, Created | Recorded))`, or `Err(NotFound | Ambiguous)`.
async fn get_or_create(
    tx: &mut Transaction<'static, Sqlite>,
    ping_key: &str,
    slug: &str,
) -> sqlx::Result<Result<(i64, Creation), Creation>> {
    let project: Option<i64> =
        sqlx::query_scalar("SELECT id FROM tower_ping_projects WHERE ping_key = ?")
            .bind(ping_key)
            .fetch_optional(&mut **tx)
            .await?;
    let Some(project) = project else {
        return Ok(Err(Creation::NotFound));
    };
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM tower_ping_checks WHERE project_id = ? AND slug = ? LIMIT 2",
    )
    .bind(project)
    .bind(slug)
    .fetch_all(&mut **tx)
    .await?;
    Ok(match ids.as_slice() {
        [one] => Ok((*one, Creation::Recorded)),
        [_, _, ..] => Err(Creation::Ambiguous),
        [] => {
            let id = sqlx::query_scalar(
                "INSERT INTO tower_ping_checks (uuid, name, slug, project_id, status) \
                 VALUES (?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(Uuid::new_v4().to_string())
            .bind(slug)
            .bind(slug)
            .bind(project)
            .bind(Status::New.as_str())
            .fetch_one(&mut **tx)
            .await?;
            Ok((id, Creation::Created))
        }
    })
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}
