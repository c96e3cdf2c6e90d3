//! A check row the store cannot read (edited by hand: a status it does not
//! know) on the SQL stores: the sweep reports it once and flips the other
//! checks, and pings to it fail on their own, not those batched with them.

mod support;

use std::time::{Duration, SystemTime};

use tower_ping::sqlx::{self, Executor};
use tower_ping::{
    CheckStore, Lookup, MonitorStore, NewCheck, Ping, PostgresStore, Signal, SqlStoreError,
    SqlStoreOptions, SqliteStore, Status, Target,
};
use uuid::Uuid;

/// 2030-01-01T00:00:00Z.
fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000)
}

const HOUR: Duration = Duration::from_secs(3_600);

/// What the test asks of either store beyond the traits.
#[tower_ping::async_trait]
trait Inspect: CheckStore<Error = SqlStoreError> + MonitorStore<Error = SqlStoreError> {
    async fn define(&self, name: &str) -> Uuid;
    async fn status_of(&self, uuid: Uuid) -> Status;
}

macro_rules! inspect {
    ($store:ty) => {
        #[tower_ping::async_trait]
        impl Inspect for $store {
            async fn define(&self, name: &str) -> Uuid {
                let check = NewCheck::new(name).timeout(HOUR).grace(HOUR);
                self.add_check(check).await.expect("defined")
            }
            async fn status_of(&self, uuid: Uuid) -> Status {
                let check = self.check(uuid).await.expect("read").expect("there");
                check.state.status
            }
        }
    };
}
inspect!(SqliteStore);
inspect!(PostgresStore);

async fn ping<S: Inspect>(store: &S, uuid: Uuid, at: SystemTime) -> Result<(), SqlStoreError> {
    let Ok(Lookup::Found(id)) = store.resolve(Target::Uuid(uuid)).await else {
        panic!("no check {uuid}");
    };
    store.record(id, Ping::new(Signal::Success, at)).await
}

/// The check `unreadable` is damaged by `damage` (SQL, `{uuid}` standing
/// for its UUID) after both checks were pinged at t0, and mended by
/// `repair`; `run` executes SQL on the store's database.
async fn one_unreadable_row<S, F>(store: S, damage: &str, repair: &str, run: impl Fn(String) -> F)
where
    S: Inspect,
    F: std::future::Future<Output = ()>,
{
    let fine = store.define("Fine").await;
    let unreadable = store.define("Unreadable").await;
    for uuid in [fine, unreadable] {
        ping(&store, uuid, t0()).await.expect("recorded");
    }
    let on_it = |sql: &str| sql.replace("{uuid}", &unreadable.to_string());
    run(on_it(damage)).await;

    // Both are overdue: the sweep flips the one it can read, and says why
    // it left the other.
    let swept = store.sweep(t0() + 3 * HOUR).await;
    assert!(swept.is_err(), "{swept:?}");
    assert_eq!(store.status_of(fine).await, Status::Down);
    // Reported once: the next sweep leaves it again, quietly.
    let swept = store.sweep(t0() + 4 * HOUR).await.expect("a quiet sweep");
    assert_eq!((swept.flipped, swept.next_deadline), (0, None));

    // Pings at once, so that they may share a batch: the unreadable check's
    // fails, the other's is recorded.
    let at = t0() + 5 * HOUR;
    let (to_unreadable, to_fine) =
        tokio::join!(ping(&store, unreadable, at), ping(&store, fine, at));
    assert!(to_unreadable.is_err());
    to_fine.expect("the other ping is recorded");
    assert_eq!(store.status_of(fine).await, Status::Up);

    // Nothing was written to the row meanwhile: once mended (or read by a
    // process that can), it is still overdue, and the next sweep flips it.
    run(on_it(repair)).await;
    let swept = store.sweep(t0() + 6 * HOUR).await.expect("a sweep");
    assert_eq!(swept.flipped, 1);
    assert_eq!(store.status_of(unreadable).await, Status::Down);
}

/// A status no version of the store writes.
const BAD_STATUS: &str = "UPDATE tower_ping_checks SET status = 'late' WHERE uuid = '{uuid}'";
const GOOD_STATUS: &str = "UPDATE tower_ping_checks SET status = 'up' WHERE uuid = '{uuid}'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_one_unreadable_row_stops_nothing_else() {
    for (damage, repair) in [
        (BAD_STATUS, GOOD_STATUS),
        // SQLite keeps text in an integer column: the row cannot be decoded.
        (
            "UPDATE tower_ping_checks SET n_pings = 'many' WHERE uuid = '{uuid}'",
            "UPDATE tower_ping_checks SET n_pings = 1 WHERE uuid = '{uuid}'",
        ),
    ] {
        let db = support::TempDb::new();
        let store = SqliteStore::connect_with(&db.url(), SqlStoreOptions::new())
            .await
            .unwrap();
        let url = db.url();
        one_unreadable_row(store, damage, repair, |sql| {
            let url = url.clone();
            async move {
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                pool.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
                pool.close().await;
            }
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_one_unreadable_row_stops_nothing_else() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    let connect = support::fresh_postgres_schema(&url).await;
    let store = PostgresStore::connect_with_options(connect.clone(), SqlStoreOptions::new())
        .await
        .unwrap();
    one_unreadable_row(store, BAD_STATUS, GOOD_STATUS, |sql| {
        let connect = connect.clone();
        async move {
            let pool = sqlx::PgPool::connect_with(connect).await.unwrap();
            pool.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
            pool.close().await;
        }
    })
    .await;
}
