//! The PostgreSQL store.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::SystemTime;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Transaction};
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
    include_str!("../../migrations/postgres/0001_initial.sql"),
)];

/// The advisory lock that serialises migrations of concurrent instances.
const MIGRATION_LOCK: i64 = 0x746f_7765_7270_696e; // "towerpin"

/// A [`CheckStore`] in a PostgreSQL database (feature `postgres`).
///
/// A ping is acknowledged once its transaction committed (with the server's
/// `synchronous_commit`, on by default: flushed to the WAL). Any number of
/// processes may share one database: each check's row is locked while a ping
/// is applied to it, so its pings get distinct, gap-free numbers. Clones
/// share one pool and one writer.
///
/// ```no_run
/// # async fn run() -> Result<(), tower_ping::SqlStoreError> {
/// use tower_ping::{NewCheck, PingLayer, PostgresStore};
///
/// let store = PostgresStore::connect("postgres://app@localhost/app").await?; // migrates too
/// store.add_check(NewCheck::new("Nightly backup").ping_key("my-ping-key")).await?;
/// let layer = PingLayer::new(store.clone());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    queue: Queue,
    options: SqlStoreOptions,
    /// UUID to row id: a check's id never changes, so a hit needs no query.
    ids: RwLock<HashMap<Uuid, i64>>,
}

impl PostgresStore {
    /// Connects to the database at `url`, such as
    /// `postgres://user:password@host/database`, with the default
    /// [`SqlStoreOptions`], and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self, SqlStoreError> {
        Self::connect_with(url, SqlStoreOptions::default()).await
    }

    /// [`connect`](Self::connect) with these options.
    pub async fn connect_with(url: &str, options: SqlStoreOptions) -> Result<Self, SqlStoreError> {
        let connect = PgConnectOptions::from_str(url)?;
        Self::connect_with_options(connect, options).await
    }

    /// Connects to the database `connect` describes (set its
    /// `search_path` there to keep the tables in a schema of their own). The
    /// store sets `lock_timeout` and `statement_timeout` to three quarters of
    /// the call timeout.
    pub async fn connect_with_options(
        connect: PgConnectOptions,
        options: SqlStoreOptions,
    ) -> Result<Self, SqlStoreError> {
        let millis = options.database_wait().as_millis().max(1).to_string();
        let connect = connect.options([
            ("lock_timeout", millis.as_str()),
            ("statement_timeout", millis.as_str()),
        ]);
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            // No round trip to test each connection before use: a broken one
            // fails its call (a 503) and is then dropped by the pool.
            .test_before_acquire(false)
            .connect_with(connect)
            .await?;
        let store = Self {
            inner: Arc::new(Inner {
                queue: Queue::start(
                    PostgresWriter {
                        pool: pool.clone(),
                        log_limit: options.ping_log_limit,
                    },
                    options.writers,
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
        let mut tx = self.inner.pool.begin().await?;
        // Instances starting together migrate one after the other.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *tx)
            .await?;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS tower_ping_migrations (\
             version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)",
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

    /// The store's connection pool.
    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    /// Adds a check, or redefines the check with the same UUID (name, slug,
    /// ping key, rules, and status when given as paused) keeping its pings
    /// and state, as [`MemoryStore::add_check`](crate::MemoryStore::add_check)
    /// does. Returns its UUID.
    pub async fn add_check(&self, new: NewCheck) -> Result<Uuid, SqlStoreError> {
        let limit = self.inner.options.call_timeout;
        bounded(limit, async {
            let mut tx = self.inner.pool.begin().await?;
            let project = match &new.ping_key {
                Some(key) => Some(project_id(&mut tx, key).await?),
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
            let mut tx = self.inner.pool.begin().await?;
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
        let sql = format!("{CHECK_SELECT} WHERE c.uuid = $1");
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
            sqlx::query_as("SELECT id, n_pings FROM tower_ping_checks WHERE uuid = $1")
                .bind(uuid.to_string())
                .fetch_optional(&self.inner.pool),
        )
        .await?;
        let Some((id, n_pings)) = found else {
            return Ok(None);
        };
        let keep = i64::try_from(self.inner.options.ping_log_limit).unwrap_or(i64::MAX);
        let sql = format!(
            "SELECT {PING_COLUMNS} FROM tower_ping_pings WHERE check_id = $1 AND n > $2 ORDER BY n"
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
async fn project_id(tx: &mut Transaction<'static, Postgres>, ping_key: &str) -> sqlx::Result<i64> {
    sqlx::query("INSERT INTO tower_ping_projects (ping_key) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(ping_key)
        .execute(&mut **tx)
        .await?;
    sqlx::query_scalar("SELECT id FROM tower_ping_projects WHERE ping_key = $1")
        .bind(ping_key)
        .fetch_one(&mut **tx)
        .await
}

fn read_check(row: &PgRow) -> sqlx::Result<CheckRow> {
    Ok(check_row!(row))
}

fn read_ping(row: &PgRow) -> sqlx::Result<PingRow> {
    Ok(ping_row!(row))
}

#[async_trait]
impl CheckStore for PostgresStore {
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
                    sqlx::query_scalar("SELECT id FROM tower_ping_checks WHERE uuid = $1")
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
                         WHERE p.ping_key = $1 AND c.slug = $2 LIMIT 2",
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

/// A writer task's side: one transaction per batch.
#[derive(Clone)]
struct PostgresWriter {
    pool: PgPool,
    log_limit: usize,
}

#[async_trait]
impl Writer for PostgresWriter {
    async fn write(&self, works: Vec<Work>) -> Result<Vec<Outcome>, SqlStoreError> {
        let mut tx = self.pool.begin().await?;
        lock_projects(&mut tx, &works).await?;
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
            // Locked in id order: concurrent writers, of this process or of
            // another, queue on each check's row instead of deadlocking.
            let sql = format!("{CHECK_SELECT} WHERE c.id = ANY($1) ORDER BY c.id FOR UPDATE OF c");
            let loaded = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&ids)
                .fetch_all(&mut *tx)
                .await?;
            for row in loaded {
                rows.push(read_check(&row)?);
            }
        }
        let applied = batch.apply(rows, self.log_limit)?;

        // The whole write is one statement over arrays, whatever the batch
        // size: with BEGIN, the locking SELECT and COMMIT, four round trips
        // per batch. (The statement's parts share one snapshot: the DELETE
        // cannot see the INSERT's rows, which `Batch::apply` already left
        // out when they were to be pruned.)
        let (log, states, prune) = (&applied.log, &applied.states, &applied.prune);
        sqlx::query(
            "WITH inserted AS (INSERT INTO tower_ping_pings (check_id, n, kind, exit_status, \
             method, scheme, remote_addr, user_agent, rid, body, received_at) \
             SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], \
             $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bytea[], \
             $11::bigint[])), \
             updated AS (UPDATE tower_ping_checks c SET status = u.status, \
             n_pings = u.n_pings, last_ping = u.last_ping, last_start = u.last_start, \
             last_start_rid = u.last_start_rid, last_duration = u.last_duration \
             FROM UNNEST($12::bigint[], $13::text[], $14::bigint[], $15::bigint[], \
             $16::bigint[], $17::text[], $18::bigint[]) \
             AS u(id, status, n_pings, last_ping, last_start, last_start_rid, last_duration) \
             WHERE c.id = u.id), \
             pruned AS (DELETE FROM tower_ping_pings p \
             USING UNNEST($19::bigint[], $20::bigint[], $21::bigint[]) AS d(check_id, above, upto) \
             WHERE p.check_id = d.check_id AND p.n > d.above AND p.n <= d.upto) \
             SELECT 1",
        )
        .bind(log.iter().map(|(check, _)| *check).collect::<Vec<i64>>())
        .bind(log.iter().map(|(_, p)| p.n).collect::<Vec<i64>>())
        .bind(
            log.iter()
                .map(|(_, p)| p.kind.as_str())
                .collect::<Vec<&str>>(),
        )
        .bind(
            log.iter()
                .map(|(_, p)| p.exit_status)
                .collect::<Vec<Option<i64>>>(),
        )
        .bind(
            log.iter()
                .map(|(_, p)| p.method.as_str())
                .collect::<Vec<&str>>(),
        )
        .bind(
            log.iter()
                .map(|(_, p)| p.scheme.as_str())
                .collect::<Vec<&str>>(),
        )
        .bind(
            log.iter()
                .map(|(_, p)| p.remote_addr.as_deref())
                .collect::<Vec<Option<&str>>>(),
        )
        .bind(
            log.iter()
                .map(|(_, p)| p.user_agent.as_deref())
                .collect::<Vec<Option<&str>>>(),
        )
        .bind(
            log.iter()
                .map(|(_, p)| p.rid.as_deref())
                .collect::<Vec<Option<&str>>>(),
        )
        .bind(
            log.iter()
                .map(|(_, p)| p.body.as_slice())
                .collect::<Vec<&[u8]>>(),
        )
        .bind(log.iter().map(|(_, p)| p.received_at).collect::<Vec<i64>>())
        .bind(states.iter().map(|(id, _)| *id).collect::<Vec<i64>>())
        .bind(states.iter().map(|(_, s)| s.status).collect::<Vec<&str>>())
        .bind(states.iter().map(|(_, s)| s.n_pings).collect::<Vec<i64>>())
        .bind(
            states
                .iter()
                .map(|(_, s)| s.last_ping)
                .collect::<Vec<Option<i64>>>(),
        )
        .bind(
            states
                .iter()
                .map(|(_, s)| s.last_start)
                .collect::<Vec<Option<i64>>>(),
        )
        .bind(
            states
                .iter()
                .map(|(_, s)| s.last_start_rid.as_deref())
                .collect::<Vec<Option<&str>>>(),
        )
        .bind(
            states
                .iter()
                .map(|(_, s)| s.last_duration)
                .collect::<Vec<Option<i64>>>(),
        )
        .bind(prune.iter().map(|(id, _, _)| *id).collect::<Vec<i64>>())
        .bind(
            prune
                .iter()
                .map(|(_, above, _)| *above)
                .collect::<Vec<i64>>(),
        )
        .bind(prune.iter().map(|(_, _, upto)| *upto).collect::<Vec<i64>>())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(applied.outcomes)
    }
}

/// Locks the projects `?create=1` pings of the batch name, in ping key
/// order, so that two processes creating a check of one slug create one.
async fn lock_projects(
    tx: &mut Transaction<'static, Postgres>,
    works: &[Work],
) -> sqlx::Result<()> {
    let mut keys: Vec<&str> = works
        .iter()
        .filter_map(|work| match work {
            Work::Create { ping_key, .. } => Some(ping_key.as_str()),
            Work::Record { .. } => None,
        })
        .collect();
    if keys.is_empty() {
        return Ok(());
    }
    keys.sort_unstable();
    keys.dedup();
    sqlx::query(
        "SELECT id FROM tower_ping_projects WHERE ping_key = ANY($1) ORDER BY ping_key FOR UPDATE",
    )
    .bind(&keys)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Finds the check of a `?create=1` ping, creating it when its project has
/// none: `Ok((id, Created | Recorded))`, or `Err(NotFound | Ambiguous)`.
async fn get_or_create(
    tx: &mut Transaction<'static, Postgres>,
    ping_key: &str,
    slug: &str,
) -> sqlx::Result<Result<(i64, Creation), Creation>> {
    let project: Option<i64> =
        sqlx::query_scalar("SELECT id FROM tower_ping_projects WHERE ping_key = $1")
            .bind(ping_key)
            .fetch_optional(&mut **tx)
            .await?;
    let Some(project) = project else {
        return Ok(Err(Creation::NotFound));
    };
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM tower_ping_checks WHERE project_id = $1 AND slug = $2 LIMIT 2",
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
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
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

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}
