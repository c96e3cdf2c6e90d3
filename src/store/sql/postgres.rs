//! The PostgreSQL store.

use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgQueryResult, PgRow};
use sqlx::{Connection, Postgres, Row};

use super::batch::Applied;
use super::codec::{
    alert_row, check_row, flip_row, ping_row, AlertRow, CheckRow, PingRow, ReadCheck,
    StoredFlipRow, STATE_SELECT,
};
use super::dialect::Dialect;
use super::fan_out::{channels_join, channels_where};
use super::forward::forward_to_shared;
use super::queue::Work;
use super::shared::Shared;
use super::{SqlStoreError, SqlStoreOptions};

/// The advisory lock that serialises migrations of concurrent instances.
const MIGRATION_LOCK: i64 = 0x746f_7765_7270_696e; // "towerpin"

/// The advisory lock that serialises check definitions of concurrent
/// instances.
const DEFINITION_LOCK: i64 = 0x746f_7765_7264_6566; // "towerdef"

/// The first parts of a batch's write: its pings logged ($1-$12), its
/// checks' new states ($13-$24), their logs pruned ($25-$27).
macro_rules! write_pings {
    () => {
        "WITH inserted AS (INSERT INTO tower_ping_pings (check_id, n, kind, exit_status, \
         method, scheme, remote_addr, user_agent, rid, body, received_at, duration) \
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], \
         $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bytea[], \
         $11::bigint[], $12::bigint[])), \
         updated AS (UPDATE tower_ping_checks c SET status = u.status, \
         n_pings = u.n_pings, last_ping = u.last_ping, last_start = u.last_start, \
         last_start_rid = u.last_start_rid, last_duration = u.last_duration, \
         alert_after = u.alert_after, failures = u.failures, successes = u.successes, \
         down_at = u.down_at, reminders = u.reminders \
         FROM UNNEST($13::bigint[], $14::text[], $15::bigint[], $16::bigint[], \
         $17::bigint[], $18::text[], $19::bigint[], $20::bigint[], $21::bigint[], \
         $22::bigint[], $23::bigint[], $24::bigint[]) \
         AS u(id, status, n_pings, last_ping, last_start, last_start_rid, last_duration, \
         alert_after, failures, successes, down_at, reminders) \
         WHERE c.id = u.id), \
         pruned AS (DELETE FROM tower_ping_pings p \
         USING UNNEST($25::bigint[], $26::bigint[], $27::bigint[]) AS d(check_id, above, upto) \
         WHERE p.check_id = d.check_id AND p.n > d.above AND p.n <= d.upto)"
    };
}

/// A batch's write without flips or reminders.
const WRITE_PINGS: &str = concat!(write_pings!(), " SELECT 1");

/// A batch's write with its flips ($28-$33, numbered in the order they
/// happened: `ORDER BY` the array position), each alertable one's alerts,
/// and its reminders' alerts ($34-$35).
const WRITE_WITH_ALERTS: &str = concat!(
    write_pings!(),
    ", flipped AS (INSERT INTO tower_ping_flips \
     (check_id, old_status, new_status, reason, at, alertable) \
     SELECT c, o, n, r, a, al FROM UNNEST($28::bigint[], $29::text[], $30::text[], \
     $31::text[], $32::bigint[], $33::boolean[]) WITH ORDINALITY AS f(c, o, n, r, a, al, i) \
     ORDER BY i RETURNING id, check_id, alertable), \
     alerted AS (INSERT INTO tower_ping_alerts (check_id, flip_id, channel) \
     SELECT f.check_id, f.id, COALESCE(ch.uuid, '') FROM flipped f \
     JOIN tower_ping_checks c ON c.id = f.check_id ",
    channels_join!(),
    " WHERE f.alertable AND ",
    channels_where!(),
    " ORDER BY f.id, ch.id), \
     reminded AS (INSERT INTO tower_ping_alerts (check_id, flip_id, channel, reminder) \
     SELECT c.id, l.flip_id, COALESCE(ch.uuid, ''), r.number \
     FROM UNNEST($34::bigint[], $35::bigint[]) WITH ORDINALITY AS r(check_id, number, i) \
     JOIN tower_ping_checks c ON c.id = r.check_id \
     JOIN LATERAL (SELECT MAX(g.id) AS flip_id FROM tower_ping_flips g \
     WHERE g.check_id = c.id) l ON l.flip_id IS NOT NULL ",
    channels_join!(),
    " WHERE ",
    channels_where!(),
    " ORDER BY r.i, ch.id) SELECT 1"
);

/// A [`CheckStore`](crate::CheckStore) in a PostgreSQL database (feature `postgres`).
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
    inner: Arc<Shared<Postgres>>,
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
    /// the call timeout, and turns `enable_seqscan` off for its own sessions
    /// (its statements all look rows up by key).
    pub async fn connect_with_options(
        connect: PgConnectOptions,
        options: SqlStoreOptions,
    ) -> Result<Self, SqlStoreError> {
        let millis = options.database_wait().as_millis().max(1).to_string();
        let connect = connect.options([
            ("lock_timeout", millis.as_str()),
            ("statement_timeout", millis.as_str()),
            // Every statement of the store looks rows up by key. Their plans
            // are cached per connection, and a connection opened while the
            // tables are still empty would keep plans that scan them whole
            // (measured: about half the throughput until the server restarts).
            ("enable_seqscan", "off"),
            // Likewise bitmap scans: with statistics taken before a burst
            // (10,000 alerts recorded in a second), the planner expects a
            // row or two and reads every pending alert into a bitmap and
            // sorts it, where walking the index in order stops after a few
            // (measured: a claim of 32 alerts took 8 ms instead of 0.5).
            ("enable_bitmapscan", "off"),
            // And just-in-time compilation: the batch statement joins
            // arrays whose size the planner cannot know, its cost estimate
            // crosses `jit_above_cost`, and compiling took half a second
            // per batch (measured: a ping answered in 550 ms, 2 ms without).
            ("jit", "off"),
        ]);
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            // No round trip to test each connection before use: a broken one
            // fails its call (a 503) and is then dropped by the pool.
            .test_before_acquire(false)
            // A connection goes back to the pool only outside a transaction
            // (its queued ROLLBACK counts: the driver sends it with the next
            // statement); one whose transaction state is unknown is closed.
            .after_release(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
            .connect_with(connect)
            .await?;
        let lanes = options.writers;
        let store = Self {
            inner: Arc::new(Shared::start(pool, options, lanes)),
        };
        if store.inner.options.migrate {
            store.migrate().await?;
        }
        Ok(store)
    }
}

forward_to_shared!(PostgresStore, PgPool);

#[async_trait]
impl Dialect for Postgres {
    const BEGIN: &'static str = "BEGIN";

    const MIGRATIONS: &'static [(i64, &'static str, &'static str)] = &[
        (
            1,
            "initial",
            include_str!("../../../migrations/postgres/0001_initial.sql"),
        ),
        (
            2,
            "schedules",
            include_str!("../../../migrations/postgres/0002_schedules.sql"),
        ),
        (
            3,
            "alerts",
            include_str!("../../../migrations/postgres/0003_alerts.sql"),
        ),
        (
            4,
            "ping durations",
            include_str!("../../../migrations/postgres/0004_ping_durations.sql"),
        ),
        (
            5,
            "write probe",
            include_str!("../../../migrations/postgres/0005_write_probe.sql"),
        ),
        (
            6,
            "projects",
            include_str!("../../../migrations/postgres/0006_projects.sql"),
        ),
        (
            7,
            "schedule kinds",
            include_str!("../../../migrations/postgres/0007_schedule_kinds.sql"),
        ),
        (
            8,
            "alert policy",
            include_str!("../../../migrations/postgres/0008_alert_policy.sql"),
        ),
    ];

    const CREATE_MIGRATIONS_TABLE: &'static str = "CREATE TABLE IF NOT EXISTS \
        tower_ping_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
        applied_at BIGINT NOT NULL)";

    const FOR_UPDATE: &'static str = " FOR UPDATE OF c";
    const LOCK_ROW: &'static str = " FOR UPDATE";
    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
    const FOR_UPDATE_SKIP_LOCKED: &'static str = " FOR UPDATE OF c SKIP LOCKED";

    fn read_check(row: &PgRow) -> sqlx::Result<CheckRow> {
        Ok(check_row!(row))
    }

    fn read_check_id(row: &PgRow) -> sqlx::Result<i64> {
        row.try_get(0)
    }

    fn read_ping(row: &PgRow) -> sqlx::Result<PingRow> {
        Ok(ping_row!(row))
    }

    fn rows_affected(result: &PgQueryResult) -> u64 {
        result.rows_affected()
    }

    fn read_flip(row: &PgRow) -> sqlx::Result<StoredFlipRow> {
        Ok(flip_row!(row))
    }

    fn read_alert(row: &PgRow) -> sqlx::Result<AlertRow> {
        Ok(alert_row!(row))
    }

    /// Instances starting together migrate one after the other.
    async fn lock_migrations(conn: &mut PgConnection) -> sqlx::Result<()> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Instances declaring their checks at start-up define them one after
    /// the other.
    async fn lock_definitions(conn: &mut PgConnection) -> sqlx::Result<()> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(DEFINITION_LOCK)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Locks the projects `?create=1` pings of the batch name, in ping key
    /// order, so that two processes creating a check of one slug create one.
    async fn lock_projects(conn: &mut PgConnection, works: &[Work]) -> sqlx::Result<()> {
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
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Locked in id order: concurrent writers, of this process or of
    /// another, queue on each check's row instead of deadlocking.
    async fn load_checks(conn: &mut PgConnection, ids: &[i64]) -> sqlx::Result<Vec<ReadCheck>> {
        let sql = format!("{STATE_SELECT} WHERE c.id = ANY($1) ORDER BY c.id FOR UPDATE OF c");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ids)
            .fetch_all(&mut *conn)
            .await?;
        rows.iter().map(Self::read_check_or_id).collect()
    }

    async fn write_applied(conn: &mut PgConnection, applied: &Applied) -> sqlx::Result<()> {
        // The whole write is one statement over arrays, whatever the batch
        // size: with BEGIN, the locking SELECT and COMMIT, four round trips
        // per batch. (The statement's parts share one snapshot: the DELETE
        // cannot see the INSERT's rows, which `Batch::apply` already left
        // out when they were to be pruned.) A batch without flips or
        // reminders, nearly every batch of pings, runs the statement's
        // first three parts alone: planning the alerts' parts for nothing
        // cost a sixth of the pings a second.
        let (log, states, prune, flips) = (
            &applied.log,
            &applied.states,
            &applied.prune,
            &applied.flips,
        );
        let alerts = !flips.is_empty() || !applied.reminders.is_empty();
        let statement = if alerts {
            WRITE_WITH_ALERTS
        } else {
            WRITE_PINGS
        };
        let mut query = sqlx::query(sqlx::AssertSqlSafe(statement))
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
            .bind(
                log.iter()
                    .map(|(_, p)| p.duration)
                    .collect::<Vec<Option<i64>>>(),
            )
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
            .bind(
                states
                    .iter()
                    .map(|(_, s)| s.alert_after)
                    .collect::<Vec<Option<i64>>>(),
            )
            .bind(states.iter().map(|(_, s)| s.failures).collect::<Vec<i64>>())
            .bind(
                states
                    .iter()
                    .map(|(_, s)| s.successes)
                    .collect::<Vec<i64>>(),
            )
            .bind(
                states
                    .iter()
                    .map(|(_, s)| s.down_at)
                    .collect::<Vec<Option<i64>>>(),
            )
            .bind(
                states
                    .iter()
                    .map(|(_, s)| s.reminders)
                    .collect::<Vec<i64>>(),
            )
            .bind(prune.iter().map(|(id, _, _)| *id).collect::<Vec<i64>>())
            .bind(
                prune
                    .iter()
                    .map(|(_, above, _)| *above)
                    .collect::<Vec<i64>>(),
            )
            .bind(prune.iter().map(|(_, _, upto)| *upto).collect::<Vec<i64>>());
        if alerts {
            query = query
                .bind(flips.iter().map(|f| f.check).collect::<Vec<i64>>())
                .bind(flips.iter().map(|f| f.old_status).collect::<Vec<&str>>())
                .bind(flips.iter().map(|f| f.new_status).collect::<Vec<&str>>())
                .bind(flips.iter().map(|f| f.reason).collect::<Vec<&str>>())
                .bind(flips.iter().map(|f| f.at).collect::<Vec<i64>>())
                .bind(flips.iter().map(|f| f.alertable).collect::<Vec<bool>>())
                .bind(
                    applied
                        .reminders
                        .iter()
                        .map(|(check, _)| *check)
                        .collect::<Vec<i64>>(),
                )
                .bind(
                    applied
                        .reminders
                        .iter()
                        .map(|(_, number)| *number)
                        .collect::<Vec<i64>>(),
                );
        }
        query.execute(&mut *conn).await?;
        Ok(())
    }
}
