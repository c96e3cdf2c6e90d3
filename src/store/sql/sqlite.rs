//! The SQLite store.

use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteQueryResult, SqliteRow, SqliteSynchronous,
};
use sqlx::{Connection, QueryBuilder, Row, Sqlite};

use super::batch::Applied;
use super::codec::{
    alert_row, check_row, flip_row, ping_row, AlertRow, CheckRow, PingRow, ReadCheck,
    StoredFlipRow, PING_COLUMNS, STATE_SELECT,
};
use super::dialect::Dialect;
use super::fan_out::{channels_join, channels_where};
use super::forward::forward_to_shared;
use super::queue::Work;
use super::shared::Shared;
use super::{SqlStoreError, SqlStoreOptions};

/// Rows per statement: at most 12 binds each, well under SQLite's 32,766.
const INSERT_CHUNK: usize = 1000;

/// A [`CheckStore`](crate::CheckStore) in a SQLite database file (feature `sqlite`).
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
    inner: Arc<Shared<Sqlite>>,
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
    /// `synchronous=FULL`, foreign keys, creation of a missing file, a
    /// busy timeout of three quarters of the call timeout, and a row buffer
    /// of 1,024 rows.
    pub async fn connect_with_options(
        connect: SqliteConnectOptions,
        options: SqlStoreOptions,
    ) -> Result<Self, SqlStoreError> {
        let connect = connect
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(options.database_wait())
            // The driver's thread hands rows over a bounded channel: at its
            // default of 50 the two threads took turns every few rows, and
            // a listing of 10,000 checks spent most of its time switching.
            .row_buffer_size(ROW_BUFFER);
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            // A connection goes back to the pool only outside a transaction.
            // SQLite rolls a transaction back by itself on some errors (a
            // full disk: SQLITE_FULL), after which the driver's own
            // ROLLBACK fails and it still counts the transaction open: such
            // a connection would refuse every later BEGIN. The ping first
            // lets the driver's worker run the rollback it has queued.
            .after_release(|conn, _| {
                Box::pin(async move {
                    conn.ping().await?;
                    Ok(!conn.is_in_transaction())
                })
            })
            .connect_with(connect)
            .await?;
        // One writer: SQLite has one write lock.
        let store = Self {
            inner: Arc::new(Shared::start(pool, options, 1)),
        };
        if store.inner.options.migrate {
            store.migrate().await?;
        }
        Ok(store)
    }
}

forward_to_shared!(SqliteStore, SqlitePool);

/// Rows the driver's thread may read ahead of the task that takes them.
const ROW_BUFFER: usize = 1024;

#[async_trait]
impl Dialect for Sqlite {
    // IMMEDIATE: take the write lock up front, so reading a check's state
    // and writing it back cannot interleave with another writer.
    const BEGIN: &'static str = "BEGIN IMMEDIATE";

    const MIGRATIONS: &'static [(i64, &'static str, &'static str)] = &[
        (
            1,
            "initial",
            include_str!("../../../migrations/sqlite/0001_initial.sql"),
        ),
        (
            2,
            "schedules",
            include_str!("../../../migrations/sqlite/0002_schedules.sql"),
        ),
        (
            3,
            "alerts",
            include_str!("../../../migrations/sqlite/0003_alerts.sql"),
        ),
        (
            4,
            "ping durations",
            include_str!("../../../migrations/sqlite/0004_ping_durations.sql"),
        ),
        (
            5,
            "write probe",
            include_str!("../../../migrations/sqlite/0005_write_probe.sql"),
        ),
        (
            6,
            "projects",
            include_str!("../../../migrations/sqlite/0006_projects.sql"),
        ),
        (
            7,
            "schedule kinds",
            include_str!("../../../migrations/sqlite/0007_schedule_kinds.sql"),
        ),
        (
            8,
            "alert policy",
            include_str!("../../../migrations/sqlite/0008_alert_policy.sql"),
        ),
    ];

    const CREATE_MIGRATIONS_TABLE: &'static str = "CREATE TABLE IF NOT EXISTS \
        tower_ping_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, \
        applied_at INTEGER NOT NULL)";

    // A write transaction holds the whole database already.
    const FOR_UPDATE: &'static str = "";
    const LOCK_ROW: &'static str = "";
    const SKIP_LOCKED: &'static str = "";
    const FOR_UPDATE_SKIP_LOCKED: &'static str = "";

    fn read_check(row: &SqliteRow) -> sqlx::Result<CheckRow> {
        Ok(check_row!(row))
    }

    fn read_check_id(row: &SqliteRow) -> sqlx::Result<i64> {
        row.try_get(0)
    }

    fn read_ping(row: &SqliteRow) -> sqlx::Result<PingRow> {
        Ok(ping_row!(row))
    }

    fn rows_affected(result: &SqliteQueryResult) -> u64 {
        result.rows_affected()
    }

    fn read_flip(row: &SqliteRow) -> sqlx::Result<StoredFlipRow> {
        Ok(flip_row!(row))
    }

    fn read_alert(row: &SqliteRow) -> sqlx::Result<AlertRow> {
        Ok(alert_row!(row))
    }

    /// Nothing to take: `BEGIN IMMEDIATE` already holds the database.
    async fn lock_migrations(_: &mut SqliteConnection) -> sqlx::Result<()> {
        Ok(())
    }

    /// Nothing to take: `BEGIN IMMEDIATE` already holds the database.
    async fn lock_definitions(_: &mut SqliteConnection) -> sqlx::Result<()> {
        Ok(())
    }

    /// Nothing to take: `BEGIN IMMEDIATE` already holds the database.
    async fn lock_projects(_: &mut SqliteConnection, _: &[Work]) -> sqlx::Result<()> {
        Ok(())
    }

    async fn load_checks(conn: &mut SqliteConnection, ids: &[i64]) -> sqlx::Result<Vec<ReadCheck>> {
        let mut load = QueryBuilder::<Sqlite>::new(STATE_SELECT);
        load.push(" WHERE c.id IN (");
        let mut list = load.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        load.push(")");
        let rows = load.build().fetch_all(&mut *conn).await?;
        rows.iter().map(Self::read_check_or_id).collect()
    }

    async fn write_applied(conn: &mut SqliteConnection, applied: &Applied) -> sqlx::Result<()> {
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
                    .push_bind(ping.received_at)
                    .push_bind(ping.duration);
            });
            insert.build().execute(&mut *conn).await?;
        }
        // One statement for every check's new state, one for the pruning.
        for chunk in applied.states.chunks(INSERT_CHUNK) {
            let mut update = QueryBuilder::<Sqlite>::new(
                "WITH u (id, status, n_pings, last_ping, last_start, last_start_rid, \
                 last_duration, alert_after, failures, successes, down_at, reminders) AS (",
            );
            update.push_values(chunk, |mut row, (id, state)| {
                row.push_bind(*id)
                    .push_bind(state.status)
                    .push_bind(state.n_pings)
                    .push_bind(state.last_ping)
                    .push_bind(state.last_start)
                    .push_bind(state.last_start_rid.as_deref())
                    .push_bind(state.last_duration)
                    .push_bind(state.alert_after)
                    .push_bind(state.failures)
                    .push_bind(state.successes)
                    .push_bind(state.down_at)
                    .push_bind(state.reminders);
            });
            update.push(
                ") UPDATE tower_ping_checks SET status = u.status, n_pings = u.n_pings, \
                 last_ping = u.last_ping, last_start = u.last_start, \
                 last_start_rid = u.last_start_rid, last_duration = u.last_duration, \
                 alert_after = u.alert_after, failures = u.failures, successes = u.successes, \
                 down_at = u.down_at, reminders = u.reminders \
                 FROM u WHERE tower_ping_checks.id = u.id",
            );
            update.build().execute(&mut *conn).await?;
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
            prune.build().execute(&mut *conn).await?;
        }
        // The flips numbered after the last one now are this batch's: the
        // transaction holds the database.
        let before: i64 = if applied.flips.is_empty() {
            0
        } else {
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM tower_ping_flips")
                .fetch_one(&mut *conn)
                .await?
        };
        for chunk in applied.flips.chunks(INSERT_CHUNK) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO tower_ping_flips \
                 (check_id, old_status, new_status, reason, at, alertable) ",
            );
            insert.push_values(chunk, |mut row, flip| {
                row.push_bind(flip.check)
                    .push_bind(flip.old_status)
                    .push_bind(flip.new_status)
                    .push_bind(flip.reason)
                    .push_bind(flip.at)
                    .push_bind(flip.alertable);
            });
            insert.build().execute(&mut *conn).await?;
        }
        if applied.flips.iter().any(|flip| flip.alertable) {
            sqlx::query(concat!(
                "INSERT INTO tower_ping_alerts (check_id, flip_id, channel) \
                 SELECT f.check_id, f.id, COALESCE(ch.uuid, '') FROM tower_ping_flips f \
                 JOIN tower_ping_checks c ON c.id = f.check_id",
                channels_join!(),
                " WHERE f.id > $1 AND f.alertable AND ",
                channels_where!(),
                " ORDER BY f.id, ch.id"
            ))
            .bind(before)
            .execute(&mut *conn)
            .await?;
        }
        for chunk in applied.reminders.chunks(INSERT_CHUNK) {
            let mut insert = QueryBuilder::<Sqlite>::new("WITH r (check_id, number, i) AS (");
            let numbered = chunk.iter().zip(0i64..);
            insert.push_values(numbered, |mut row, ((check, number), i)| {
                row.push_bind(*check).push_bind(*number).push_bind(i);
            });
            insert.push(concat!(
                ") INSERT INTO tower_ping_alerts (check_id, flip_id, channel, reminder) \
                 SELECT c.id, (SELECT MAX(g.id) FROM tower_ping_flips g WHERE g.check_id = c.id), \
                 COALESCE(ch.uuid, ''), r.number FROM r \
                 JOIN tower_ping_checks c ON c.id = r.check_id",
                channels_join!(),
                " WHERE EXISTS (SELECT 1 FROM tower_ping_flips g WHERE g.check_id = c.id) AND ",
                channels_where!(),
                " ORDER BY r.i, ch.id"
            ));
            insert.build().execute(&mut *conn).await?;
        }
        Ok(())
    }
}
