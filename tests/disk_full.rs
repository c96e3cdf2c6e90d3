//! A full disk on SQLite, made on purpose with `max_page_count`: while the
//! database cannot grow, pings are answered `503` and sweeps fail; once it
//! has room again, the very next ping is recorded and the next sweep flips
//! what went overdue meanwhile, dated at its deadline, and the store's
//! health says so. (A failed transaction must leave no connection of the
//! pool inside a transaction.)

mod support;

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use tower_ping::sqlx::sqlite::SqliteConnectOptions;
use tower_ping::sqlx::{self, Connection, SqliteConnection};
use tower_ping::{
    CheckStore, FlipReason, Lookup, MonitorStore, NewCheck, Ping, Schedule, Signal,
    SqlStoreOptions, SqliteStore, Status, Target,
};

use support::TempDb;

/// The most pages the database may have: a little over what the schema and
/// a few checks take.
const MAX_PAGES: &str = "120";

fn options(db: &TempDb) -> SqliteConnectOptions {
    SqliteConnectOptions::from_str(&db.url())
        .unwrap()
        .pragma("max_page_count", MAX_PAGES)
}

/// Fills the database with one big row after another until it is full.
async fn fill(db: &TempDb) -> SqliteConnection {
    let mut filler = SqliteConnection::connect_with(&options(db)).await.unwrap();
    sqlx::query("CREATE TABLE filler (data BLOB NOT NULL)")
        .execute(&mut filler)
        .await
        .unwrap();
    loop {
        let written = sqlx::query("INSERT INTO filler VALUES (zeroblob(4000))")
            .execute(&mut filler)
            .await;
        if written.is_err() {
            return filler;
        }
    }
}

async fn ping(store: &SqliteStore, uuid: tower_ping::uuid::Uuid, at: SystemTime) -> bool {
    let Ok(Lookup::Found(id)) = store.resolve(Target::Uuid(uuid)).await else {
        panic!("the check resolves");
    };
    let mut ping = Ping::new(Signal::Success, at);
    // A body that needs pages of its own.
    ping.body = vec![b'x'; 8000].into();
    store.record(id, ping).await.is_ok()
}

#[tokio::test]
async fn after_a_full_disk_the_next_ping_is_recorded_and_overdue_checks_flip() {
    let db = TempDb::new();
    // One connection, so that the one the failure left behind is the one
    // every later write gets.
    let store =
        SqliteStore::connect_with_options(options(&db), SqlStoreOptions::new().max_connections(1))
            .await
            .unwrap();
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000);
    let minute = Duration::from_secs(60);
    let quick = store
        .add_check(
            NewCheck::new("quick")
                .schedule(Schedule::Period(minute))
                .grace(minute),
        )
        .await
        .unwrap();
    assert!(ping(&store, quick, t0).await);

    let mut filler = fill(&db).await;
    // Pings fail while the database is full.
    let mut failed = 0;
    for n in 1..=20u64 {
        let at = t0 + Duration::from_secs(n);
        if !ping(&store, quick, at).await {
            failed += 1;
        }
    }
    assert!(failed > 0, "the full database refused no ping");
    let late = t0 + Duration::from_secs(3600);

    // Room again.
    sqlx::query("DELETE FROM filler")
        .execute(&mut filler)
        .await
        .unwrap();
    drop(filler);
    // Healthy (a probe write succeeds; while full, whether the small probe
    // row fits depends on the free space inside the file's pages).
    store.health().await.expect("healthy once there is room");

    // The check went quiet at t0 + 20 s at the latest (its deadline two
    // minutes after its last ping): the sweep an hour later flips it, dated
    // at its deadline.
    let swept = store.sweep(late).await.expect("the sweep works again");
    assert_eq!(swept.flipped, 1);
    let flips = store.flips().await.unwrap();
    let down = flips.last().unwrap();
    assert_eq!(
        (down.flip.new_status, down.flip.reason),
        (Status::Down, FlipReason::Timeout)
    );
    assert!(down.flip.at < t0 + Duration::from_secs(200), "{down:?}");
    // And the next ping is recorded.
    assert!(ping(&store, quick, late).await, "the first ping after");
    let check = store.check(quick).await.unwrap().unwrap();
    assert_eq!(check.state.status, Status::Up);
}

#[tokio::test]
async fn a_full_disk_leaves_no_pooled_connection_inside_a_transaction() {
    let db = TempDb::new();
    let store =
        SqliteStore::connect_with_options(options(&db), SqlStoreOptions::new().max_connections(2))
            .await
            .unwrap();
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000);
    let uuid = store.add_check(NewCheck::new("check")).await.unwrap();
    let mut filler = fill(&db).await;
    let mut failed = 0;
    for n in 0..10u64 {
        if !ping(&store, uuid, t0 + Duration::from_secs(n)).await {
            failed += 1;
        }
    }
    assert!(failed > 0, "the full database refused no ping");
    sqlx::query("DELETE FROM filler")
        .execute(&mut filler)
        .await
        .unwrap();
    // Every connection the pool hands out now begins a transaction.
    for _ in 0..4 {
        let mut conn = store.pool().acquire().await.unwrap();
        let mut tx = conn
            .begin_with("BEGIN IMMEDIATE")
            .await
            .expect("no transaction left open");
        sqlx::query("SELECT 1").execute(&mut *tx).await.unwrap();
        tx.rollback().await.unwrap();
    }
    assert!(ping(&store, uuid, t0 + Duration::from_secs(60)).await);
}
