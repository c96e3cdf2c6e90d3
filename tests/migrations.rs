//! A database made by the first version of the schema, with checks and
//! pings in it, is migrated on connect: its checks get the deadlines their
//! state implies, its pings stay readable, and everything after works.

mod support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tower_ping::sqlx::{self, Executor};
use tower_ping::{
    CheckStore, Lookup, MonitorStore, Ping, PostgresStore, Signal, SqlStoreOptions, SqliteStore,
    Status, Target,
};
use uuid::Uuid;

/// 2030-01-01T00:00:00Z, in microseconds.
const T0: i64 = 1_893_456_000_000_000;
const HOUR: i64 = 3_600_000_000;

fn at(micros: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_micros(micros as u64)
}

/// Version 1's rows: an up check pinged at T0, a new check running since
/// T0, and a ping.
fn version_1_rows(up: Uuid, running: Uuid) -> String {
    format!(
        "INSERT INTO tower_ping_projects (ping_key) VALUES ('old-key'); \
         INSERT INTO tower_ping_checks (uuid, name, slug, project_id, status, n_pings, last_ping) \
         VALUES ('{up}', 'Up', 'up', 1, 'up', 1, {T0}); \
         INSERT INTO tower_ping_checks (uuid, name, slug, project_id, status, n_pings, last_start) \
         VALUES ('{running}', 'Running', 'running', 1, 'new', 0, {T0}); \
         INSERT INTO tower_ping_pings (check_id, n, kind, method, scheme, body, received_at) \
         VALUES (1, 1, 'success', 'GET', 'http', '', {T0});"
    )
}

#[tokio::test]
async fn a_sqlite_database_of_version_1_is_migrated() {
    let db = support::TempDb::new();
    let (up, running) = (Uuid::new_v4(), Uuid::new_v4());
    {
        let pool = sqlx::SqlitePool::connect(&format!("{}?mode=rwc", db.url()))
            .await
            .unwrap();
        let version_1 = include_str!("../migrations/sqlite/0001_initial.sql");
        pool.execute(sqlx::raw_sql(version_1)).await.unwrap();
        pool.execute(
            "CREATE TABLE tower_ping_migrations (version INTEGER PRIMARY KEY, \
             description TEXT NOT NULL, applied_at INTEGER NOT NULL); \
             INSERT INTO tower_ping_migrations VALUES (1, 'initial', 0);",
        )
        .await
        .unwrap();
        let rows = version_1_rows(up, running);
        pool.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(rows)))
            .await
            .unwrap();
        pool.close().await;
    }
    let store = SqliteStore::connect(&db.url()).await.expect("migrates");
    check_migrated(&store, up, running).await;
}

#[tokio::test]
async fn a_postgres_database_of_version_1_is_migrated() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    let connect = support::fresh_postgres_schema(&url).await;
    let (up, running) = (Uuid::new_v4(), Uuid::new_v4());
    {
        let pool = sqlx::PgPool::connect_with(connect.clone()).await.unwrap();
        let version_1 = include_str!("../migrations/postgres/0001_initial.sql");
        pool.execute(sqlx::raw_sql(version_1)).await.unwrap();
        pool.execute(
            "CREATE TABLE tower_ping_migrations (version BIGINT PRIMARY KEY, \
             description TEXT NOT NULL, applied_at BIGINT NOT NULL); \
             INSERT INTO tower_ping_migrations VALUES (1, 'initial', 0);",
        )
        .await
        .unwrap();
        let rows = version_1_rows(up, running);
        pool.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(rows)))
            .await
            .unwrap();
        pool.close().await;
    }
    let store = PostgresStore::connect_with_options(connect, SqlStoreOptions::new())
        .await
        .expect("migrates");
    check_migrated(&store, up, running).await;
}

/// What both databases must show after migrating.
async fn check_migrated<S>(store: &S, up: Uuid, running: Uuid)
where
    S: Migrated + MonitorStore + CheckStore,
    S::CheckId: Clone,
{
    // The default schedule: a day, an hour of grace.
    let up_check = store.check_of(up).await;
    assert_eq!(up_check.state.status, Status::Up);
    assert_eq!(up_check.state.alert_after, Some(at(T0 + 25 * HOUR)));
    assert_eq!(
        up_check.rules.schedule.period(),
        Some(Duration::from_secs(86_400))
    );
    let running_check = store.check_of(running).await;
    assert_eq!(running_check.state.alert_after, Some(at(T0 + HOUR)));

    let pings = store.pings_of(up).await;
    assert_eq!(pings.len(), 1);
    assert_eq!((pings[0].n, pings[0].duration), (1, None));

    // The monitor works on the migrated rows: the running check is due
    // first.
    let swept = match store.sweep(at(T0 + HOUR)).await {
        Ok(swept) => swept,
        Err(_) => panic!("the sweep fails"),
    };
    assert_eq!(swept.flipped, 1);
    assert_eq!(swept.next_deadline, Some(at(T0 + 25 * HOUR)));

    // A run timed on the migrated database keeps its duration in the log.
    let Ok(Lookup::Found(id)) = store.resolve(Target::Uuid(up)).await else {
        panic!("the migrated check is found");
    };
    for (signal, time) in [
        (Signal::Start, T0 + 2 * HOUR),
        (Signal::Success, T0 + 2 * HOUR + HOUR / 40),
    ] {
        if store
            .record(id.clone(), Ping::new(signal, at(time)))
            .await
            .is_err()
        {
            panic!("the ping is recorded");
        }
    }
    let durations: Vec<Option<Duration>> = store
        .pings_of(up)
        .await
        .iter()
        .map(|p| p.duration)
        .collect();
    assert_eq!(durations, [None, None, Some(Duration::from_secs(90))]);
}

/// The inspection both SQL stores share, for `check_migrated`.
#[tower_ping::async_trait]
trait Migrated: Sync {
    async fn check_of(&self, uuid: Uuid) -> tower_ping::Check;
    async fn pings_of(&self, uuid: Uuid) -> Vec<tower_ping::LoggedPing>;
}

macro_rules! migrated {
    ($store:ty) => {
        #[tower_ping::async_trait]
        impl Migrated for $store {
            async fn check_of(&self, uuid: Uuid) -> tower_ping::Check {
                self.check(uuid).await.unwrap().expect("the check is kept")
            }
            async fn pings_of(&self, uuid: Uuid) -> Vec<tower_ping::LoggedPing> {
                self.pings(uuid).await.unwrap().expect("the check is kept")
            }
        }
    };
}

migrated!(SqliteStore);
migrated!(PostgresStore);
