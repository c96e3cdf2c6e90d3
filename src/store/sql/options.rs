//! How a SQL store connects, batches and gives up.

use std::time::Duration;

use crate::store::alert::DEFAULT_MAX_UNDELIVERED_ALERTS;
use crate::store::logged_ping::DEFAULT_PING_LOG_LIMIT;
use crate::store::project::DEFAULT_CHECK_LIMIT;

/// Settings shared by [`SqliteStore`] and [`PostgresStore`].
///
/// ```
/// use std::time::Duration;
/// use tower_ping::SqlStoreOptions;
///
/// let options = SqlStoreOptions::new()
///     .max_connections(16)
///     .acquire_timeout(Duration::from_secs(2))
///     .call_timeout(Duration::from_secs(3))
///     .max_batch(512);
/// assert_eq!(options.get_max_batch(), 512);
/// ```
///
#[cfg_attr(feature = "sqlite", doc = "[`SqliteStore`]: crate::SqliteStore")]
#[cfg_attr(
    not(feature = "sqlite"),
    doc = "[`SqliteStore`]: https://docs.rs/tower-ping/latest/tower_ping/struct.SqliteStore.html"
)]
#[cfg_attr(feature = "postgres", doc = "[`PostgresStore`]: crate::PostgresStore")]
#[cfg_attr(
    not(feature = "postgres"),
    doc = "[`PostgresStore`]: https://docs.rs/tower-ping/latest/tower_ping/struct.PostgresStore.html"
)]
#[derive(Debug, Clone)]
pub struct SqlStoreOptions {
    pub(crate) max_connections: u32,
    pub(crate) acquire_timeout: Duration,
    pub(crate) call_timeout: Duration,
    pub(crate) max_batch: usize,
    pub(crate) writers: usize,
    pub(crate) queue_capacity: usize,
    pub(crate) ping_log_limit: usize,
    pub(crate) check_limit: usize,
    pub(crate) max_undelivered: usize,
    pub(crate) migrate: bool,
}

impl Default for SqlStoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
            call_timeout: Duration::from_secs(5),
            max_batch: 256,
            writers: 1,
            queue_capacity: 8192,
            ping_log_limit: DEFAULT_PING_LOG_LIMIT,
            check_limit: DEFAULT_CHECK_LIMIT,
            max_undelivered: DEFAULT_MAX_UNDELIVERED_ALERTS,
            migrate: true,
        }
    }
}

impl SqlStoreOptions {
    /// The defaults: 8 connections, 5 s acquire and call timeouts, batches of
    /// up to 256 pings, 1 writer, 100 pings kept per check,
    /// migrations applied on connect.
    pub fn new() -> Self {
        Self::default()
    }

    /// The most connections the store's pool opens: the writers (see
    /// [`writers`](Self::writers)) take one each while they write; the others
    /// serve lookups and listings.
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// How long a call waits for a free connection before it fails.
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// How long one store call (a lookup, or recording a ping including its
    /// wait for the commit) may take before it fails with
    /// [`SqlStoreError::Timeout`](crate::SqlStoreError::Timeout) and the
    /// layer answers `503`. Database-side waits (SQLite's busy timeout,
    /// PostgreSQL's `lock_timeout` and `statement_timeout`) are set to three
    /// quarters of it, so that a write stalled on a lock is normally given up
    /// by the database before its caller is answered `503`, rather than left
    /// to commit later.
    ///
    /// This is the timeout to set for a SQL store: it bounds every call the
    /// layer and the monitor make, so `PingLayer::store_timeout` is not
    /// needed on top of it. If both are set, the shorter answers first, and
    /// a `store_timeout` below this one gives up on writes the database was
    /// still allowed to commit.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// The most pings written in one transaction. Pings that arrive while a
    /// commit is in flight wait for the next one, up to this many.
    pub fn max_batch(mut self, max: usize) -> Self {
        self.max_batch = max.max(1);
        self
    }

    /// How many transactions a [`PostgresStore`]
    /// writes at once (1 by default). Each writer owns a share of the checks,
    /// so their transactions never wait on each other's rows, and one writes
    /// while another waits for its commit to be flushed. More writers help
    /// when commit latency (a remote database, a slow disk) bounds the
    /// throughput; when the database's CPU does, they make more, smaller
    /// commits and cost throughput. Each holds a pool connection while it
    /// writes. A [`SqliteStore`] always has one, since
    /// SQLite serialises writes anyway.
    ///
    #[cfg_attr(feature = "sqlite", doc = "[`SqliteStore`]: crate::SqliteStore")]
    #[cfg_attr(
        not(feature = "sqlite"),
        doc = "[`SqliteStore`]: https://docs.rs/tower-ping/latest/tower_ping/struct.SqliteStore.html"
    )]
    #[cfg_attr(feature = "postgres", doc = "[`PostgresStore`]: crate::PostgresStore")]
    #[cfg_attr(
        not(feature = "postgres"),
        doc = "[`PostgresStore`]: https://docs.rs/tower-ping/latest/tower_ping/struct.PostgresStore.html"
    )]
    pub fn writers(mut self, writers: usize) -> Self {
        self.writers = writers.max(1);
        self
    }

    /// How many pings may wait for a writer before callers wait to queue.
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity.max(1);
        self
    }

    /// How many pings each check's log keeps (100 by default).
    pub fn ping_log_limit(mut self, limit: usize) -> Self {
        self.ping_log_limit = limit;
        self
    }

    /// How many checks each project may have (10,000 by default), those
    /// defined in code included: past it, `?create=1` pings and the
    /// Management API create none. Checks defined in code are never refused
    /// for it.
    pub fn check_limit(mut self, limit: usize) -> Self {
        self.check_limit = limit;
        self
    }

    /// How many undelivered alerts each check keeps per channel (100 by
    /// default, at least 1): past it, the oldest ones not in flight fold
    /// into the oldest one kept, whose [`Alert::folded`](crate::Alert::folded)
    /// counts them. Every flip is still recorded.
    pub fn max_undelivered_alerts(mut self, max: usize) -> Self {
        self.max_undelivered = max.max(1);
        self
    }

    /// Whether connecting applies the crate's migrations (the default), or
    /// leaves that to an explicit `migrate()` call.
    pub fn migrate(mut self, migrate: bool) -> Self {
        self.migrate = migrate;
        self
    }

    /// The batch size set with [`max_batch`](Self::max_batch).
    pub fn get_max_batch(&self) -> usize {
        self.max_batch
    }

    /// How long the database itself may wait on a lock or a statement.
    pub(crate) fn database_wait(&self) -> Duration {
        (self.call_timeout * 3 / 4).max(Duration::from_millis(1))
    }

    /// The call timeout set with [`call_timeout`](Self::call_timeout).
    pub fn get_call_timeout(&self) -> Duration {
        self.call_timeout
    }
}
