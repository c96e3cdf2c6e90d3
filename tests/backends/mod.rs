//! The stores under test, behind one trait, and the macro that runs a test
//! body against each: the memory store, the SQLite store, the PostgreSQL
//! store and the custom store of `examples/custom_store` must agree. Used by
//! `store_suite.rs` (pings), `monitor_suite.rs` (schedules, flips, the
//! user's acts), `alert_suite.rs` (the outbox), and over the crate's stores
//! only by `manage_suite.rs` and `tests/api` (the Management API).
#![allow(dead_code)]

use std::time::{Duration, SystemTime};

use tower_ping::async_trait;
use tower_ping::{
    Channel, Check, CheckStore, LoggedPing, Lookup, ManageStore, MemoryStore, MonitorStore,
    NewCheck, Ping, PostgresStore, RecordedFlip, Signal, SqlStoreOptions, SqliteStore, Target,
};
use uuid::Uuid;

/// 2030-01-01T00:00:00Z: the starting moment of the tests with explicit
/// times.
pub fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000)
}

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

use crate::support;

/// The store of `examples/custom_store`, the model of a user's own: the
/// suites of the pinging and monitoring contracts run against it too.
#[path = "../../examples/custom_store/jobs.rs"]
pub mod jobs;

/// A store under test, with its inspection API made uniform.
#[async_trait]
pub trait Backend: Sized + Send + Sync {
    type Store: CheckStore + MonitorStore + Clone;
    /// A fresh, empty store keeping `log_limit` pings per check, or `None`
    /// when this backend is skipped.
    async fn open(log_limit: usize) -> Option<Self> {
        Self::open_with(log_limit, tower_ping::DEFAULT_CHECK_LIMIT).await
    }
    /// `open`, holding each project to `check_limit` checks.
    async fn open_with(log_limit: usize, check_limit: usize) -> Option<Self>;
    /// `open`, keeping at most `max` undelivered alerts per check and
    /// channel.
    async fn open_folding(max: usize) -> Option<Self>;
    fn store(&self) -> Self::Store;
    async fn add_check(&self, check: NewCheck) -> Uuid {
        self.define(check).await.expect("the check is defined")
    }
    /// `add_check`, with the store's refusal as text.
    async fn define(&self, check: NewCheck) -> Result<Uuid, String>;
    async fn pause(&self, uuid: Uuid) -> bool;
    async fn resume(&self, uuid: Uuid) -> bool;
    async fn remove(&self, uuid: Uuid) -> bool;
    async fn flips(&self) -> Vec<RecordedFlip>;
    async fn add_ping_key(&self, key: &str);
    async fn checks(&self) -> Vec<Check>;
    async fn check(&self, uuid: Uuid) -> Option<Check>;
    async fn pings(&self, uuid: Uuid) -> Vec<LoggedPing>;
    /// How many log rows the store really keeps for the check, pruned or
    /// hidden ones included.
    async fn stored_log_rows(&self, uuid: Uuid) -> usize;
    /// Registers a channel (or renames the one of its id).
    async fn define_channel(&self, channel: Channel);

    /// Records `signal` on the check `uuid` as a ping arriving at `at`,
    /// through `CheckStore::resolve` and `record`.
    async fn ping_at(&self, uuid: Uuid, signal: Signal, at: SystemTime) {
        let store = self.store();
        let Ok(Lookup::Found(id)) = store.resolve(Target::Uuid(uuid)).await else {
            panic!("no check {uuid}");
        };
        if store.record(id, Ping::new(signal, at)).await.is_err() {
            panic!("the ping of {uuid} was not recorded");
        }
    }
}

/// A backend whose store is also a `ManageStore`: the crate's stores,
/// which the Management API's suites run against (they name it `Backend`).
pub trait ManageBackend: Backend<Store: ManageStore> {}

impl<B: Backend<Store: ManageStore>> ManageBackend for B {}

pub struct Memory(pub MemoryStore);

#[async_trait]
impl Backend for Memory {
    type Store = MemoryStore;
    async fn open_with(log_limit: usize, check_limit: usize) -> Option<Self> {
        Some(Memory(
            MemoryStore::with_ping_log_limit(log_limit).check_limit(check_limit),
        ))
    }
    async fn open_folding(max: usize) -> Option<Self> {
        Some(Memory(MemoryStore::new().max_undelivered_alerts(max)))
    }
    fn store(&self) -> MemoryStore {
        self.0.clone()
    }
    async fn define(&self, check: NewCheck) -> Result<Uuid, String> {
        self.0.add_check(check).map_err(|e| e.to_string())
    }
    async fn pause(&self, uuid: Uuid) -> bool {
        self.0.pause(uuid)
    }
    async fn resume(&self, uuid: Uuid) -> bool {
        self.0.resume(uuid)
    }
    async fn remove(&self, uuid: Uuid) -> bool {
        self.0.remove(uuid)
    }
    async fn flips(&self) -> Vec<RecordedFlip> {
        self.0.flips()
    }
    async fn add_ping_key(&self, key: &str) {
        self.0.add_ping_key(key)
    }
    async fn checks(&self) -> Vec<Check> {
        self.0.checks()
    }
    async fn check(&self, uuid: Uuid) -> Option<Check> {
        self.0.check(uuid)
    }
    async fn pings(&self, uuid: Uuid) -> Vec<LoggedPing> {
        self.0.pings(uuid).expect("the check exists")
    }
    async fn stored_log_rows(&self, uuid: Uuid) -> usize {
        self.pings(uuid).await.len()
    }
    async fn define_channel(&self, channel: Channel) {
        let Ok(()) = ManageStore::define_channel(&self.0, channel).await;
    }
}

macro_rules! sql_backend {
    ($name:ident, $store:ty, $open:expr) => {
        /// The store, and the temporary directory it lives in, if any.
        pub struct $name(pub $store, #[allow(dead_code)] Option<support::TempDb>);

        #[async_trait]
        impl Backend for $name {
            type Store = $store;
            async fn open_with(log_limit: usize, check_limit: usize) -> Option<Self> {
                let options = SqlStoreOptions::new()
                    .ping_log_limit(log_limit)
                    .check_limit(check_limit);
                let open = $open;
                open(options).await.map(|(store, dir)| $name(store, dir))
            }
            async fn open_folding(max: usize) -> Option<Self> {
                let options = SqlStoreOptions::new().max_undelivered_alerts(max);
                let open = $open;
                open(options).await.map(|(store, dir)| $name(store, dir))
            }
            fn store(&self) -> $store {
                self.0.clone()
            }
            async fn define(&self, check: NewCheck) -> Result<Uuid, String> {
                self.0.add_check(check).await.map_err(|e| e.to_string())
            }
            async fn pause(&self, uuid: Uuid) -> bool {
                self.0.pause(uuid).await.expect("pause")
            }
            async fn resume(&self, uuid: Uuid) -> bool {
                self.0.resume(uuid).await.expect("resume")
            }
            async fn remove(&self, uuid: Uuid) -> bool {
                self.0.remove(uuid).await.expect("remove")
            }
            async fn flips(&self) -> Vec<RecordedFlip> {
                self.0.flips().await.expect("flips")
            }
            async fn add_ping_key(&self, key: &str) {
                self.0.add_ping_key(key).await.expect("add_ping_key")
            }
            async fn checks(&self) -> Vec<Check> {
                self.0.checks().await.expect("checks")
            }
            async fn check(&self, uuid: Uuid) -> Option<Check> {
                self.0.check(uuid).await.expect("check")
            }
            async fn pings(&self, uuid: Uuid) -> Vec<LoggedPing> {
                self.0
                    .pings(uuid)
                    .await
                    .expect("pings")
                    .expect("the check exists")
            }
            async fn stored_log_rows(&self, uuid: Uuid) -> usize {
                let rows: i64 = tower_ping::sqlx::query_scalar(
                    "SELECT COUNT(*) FROM tower_ping_pings p \
                     JOIN tower_ping_checks c ON c.id = p.check_id WHERE c.uuid = $1",
                )
                .bind(uuid.to_string())
                .fetch_one(self.0.pool())
                .await
                .expect("a count");
                rows as usize
            }
            async fn define_channel(&self, channel: Channel) {
                ManageStore::define_channel(&self.0, channel)
                    .await
                    .expect("define_channel")
            }
        }
    };
}

sql_backend!(Sqlite, SqliteStore, |options: SqlStoreOptions| async move {
    let db = support::TempDb::new();
    let store = SqliteStore::connect_with(&db.url(), options)
        .await
        .expect("sqlite opens");
    Some((store, Some(db)))
});

sql_backend!(
    Postgres,
    PostgresStore,
    |options: SqlStoreOptions| async move {
        let url = support::postgres_url()?;
        let connect = support::fresh_postgres_schema(&url).await;
        let store = PostgresStore::connect_with_options(connect, options)
            .await
            .expect("postgres connects");
        Some((store, None))
    }
);

/// The custom store of `examples/custom_store`: the app's jobs, through
/// the store's own methods.
pub struct Custom(pub jobs::JobStore);

impl Custom {
    fn open_limits(limits: jobs::Limits) -> Option<Self> {
        Some(Custom(jobs::JobStore::new(limits)))
    }

    fn job(&self, uuid: Uuid) -> Option<jobs::JobReport> {
        self.0.jobs().into_iter().find(|job| job.check.uuid == uuid)
    }
}

#[async_trait]
impl Backend for Custom {
    type Store = jobs::JobStore;
    /// `check_limit` bounds the checks that `?create=1` and the Management
    /// API create; this store creates none.
    async fn open_with(log_limit: usize, _check_limit: usize) -> Option<Self> {
        Self::open_limits(jobs::Limits {
            history: log_limit,
            ..jobs::Limits::default()
        })
    }
    async fn open_folding(max: usize) -> Option<Self> {
        Self::open_limits(jobs::Limits {
            undelivered: max,
            ..jobs::Limits::default()
        })
    }
    fn store(&self) -> jobs::JobStore {
        self.0.clone()
    }
    async fn define(&self, check: NewCheck) -> Result<Uuid, String> {
        self.0.define_job(check).map_err(|e| e.to_string())
    }
    async fn pause(&self, uuid: Uuid) -> bool {
        self.0.pause(uuid)
    }
    async fn resume(&self, uuid: Uuid) -> bool {
        self.0.resume(uuid)
    }
    async fn remove(&self, uuid: Uuid) -> bool {
        self.0.remove(uuid)
    }
    async fn flips(&self) -> Vec<RecordedFlip> {
        let mut flips: Vec<RecordedFlip> = self
            .0
            .jobs()
            .into_iter()
            .flat_map(|job| job.flips)
            .collect();
        flips.sort_by_key(|flip| flip.id);
        flips
    }
    /// In the app a ping key is a team's: a team named after the key.
    async fn add_ping_key(&self, key: &str) {
        self.0.add_team(key, key)
    }
    async fn checks(&self) -> Vec<Check> {
        self.0.jobs().into_iter().map(|job| job.check).collect()
    }
    async fn check(&self, uuid: Uuid) -> Option<Check> {
        self.job(uuid).map(|job| job.check)
    }
    async fn pings(&self, uuid: Uuid) -> Vec<LoggedPing> {
        self.job(uuid).expect("the check exists").pings
    }
    /// The pings a job holds are all it keeps.
    async fn stored_log_rows(&self, uuid: Uuid) -> usize {
        self.pings(uuid).await.len()
    }
    async fn define_channel(&self, channel: Channel) {
        self.0.add_channel(channel)
    }
}

/// Runs each named test body against each backend.
///
/// - `suite!(a, b)`: against the crate's stores (memory, SQLite,
///   PostgreSQL). The Management API's suites, whose stores must be
///   `ManageStore`s, which the custom store is not.
/// - `suite!(every_store: a, b; crate_stores_only: c, d;)`: `a` and `b`
///   against the custom store of `examples/custom_store` as well, `c` and
///   `d` (the second list is optional) against the crate's stores only. A
///   test left out of the custom store's list says why where it is listed.
#[macro_export]
macro_rules! suite {
    (
        every_store: $($test:ident),* $(,)?;
        $(crate_stores_only: $($own:ident),* $(,)?;)?
    ) => {
        $crate::suite!($($test,)* $($($own,)*)?);
        mod custom {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() { super::$test::<$crate::backends::Custom>().await })*
        }
    };
    ($($test:ident),* $(,)?) => {
        mod memory {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() { super::$test::<$crate::backends::Memory>().await })*
        }
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() { super::$test::<$crate::backends::Sqlite>().await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() { super::$test::<$crate::backends::Postgres>().await })*
        }
    };
}
