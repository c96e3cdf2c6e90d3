//! The monitor at scale on the SQL stores: many checks, many of them
//! overdue at the same moment. Prints what a sweep costs when nothing is
//! due, how long it takes until every overdue check is flipped, and how
//! long until every alert is delivered.
//!
//! ```text
//! cargo build --release --example monitor_load
//! target/release/examples/monitor_load --database-url sqlite://monitor.db
//! target/release/examples/monitor_load --database-url postgres://user@127.0.0.1:5432/db
//!     [--checks 100000] [--overdue 10000] [--idle-sweeps 500] [--instances 1]
//!     [--notify-ms 0] [--max-in-flight 32]
//! ```
//!
//! The checks are written straight into the store's tables (one statement:
//! defining 100,000 checks one by one would measure the definitions), all up,
//! with a period of one hour and one minute of grace; `--overdue` of them
//! have their deadline at the same moment, a few seconds ahead, the others a
//! day later. Then:
//!
//! 1. `MonitorStore::sweep` with nothing due, `--idle-sweeps` times: the
//!    median and 99th percentile of one sweep;
//! 2. `--instances` monitors (`Monitor::run`, each on a store of its own on
//!    the same database, as separate processes would be) running in real
//!    time: from the deadline until the store holds a timeout flip for every
//!    overdue check, and how many flips were recorded in all (exactly one
//!    per overdue check);
//! 3. the same monitors delivering every alert to a notifier that takes
//!    `--notify-ms` per call (none by default) with at most
//!    `--max-in-flight` calls at once: from the deadline until the store
//!    marks every alert delivered, and how many notifier calls were made
//!    (one per alert).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tower_ping::{
    async_trait, Alert, Delivery, Monitor, MonitorStore, Notifier, NotifyError, PostgresStore,
    SqlStoreOptions, SqliteStore,
};

struct Options {
    database_url: String,
    checks: i64,
    overdue: i64,
    idle_sweeps: usize,
    instances: usize,
    notify: Duration,
    max_in_flight: usize,
}

fn parse() -> Result<Options, String> {
    let mut options = Options {
        database_url: String::new(),
        checks: 100_000,
        overdue: 10_000,
        idle_sweeps: 500,
        instances: 1,
        notify: Duration::ZERO,
        max_in_flight: Delivery::new().max_in_flight,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<i64>()
                .map_err(|_| format!("{flag} {value}: not a number"))
        };
        match flag.as_str() {
            "--database-url" => options.database_url = value.clone(),
            "--checks" => options.checks = number()?,
            "--overdue" => options.overdue = number()?,
            "--idle-sweeps" => options.idle_sweeps = number()? as usize,
            "--instances" => options.instances = number()?.max(1) as usize,
            "--notify-ms" => options.notify = Duration::from_millis(number()? as u64),
            "--max-in-flight" => options.max_in_flight = number()?.max(1) as usize,
            other => return Err(format!("unknown option {other}")),
        }
    }
    if options.database_url.is_empty() {
        return Err("--database-url sqlite://PATH|postgres://... is required".into());
    }
    Ok(options)
}

fn micros(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).unwrap().as_micros() as i64
}

/// Writes the checks: `overdue` due at `deadline`, the rest a day later.
/// `(n)` numbers the checks, from a recursive CTE (SQLite) or
/// `generate_series` (PostgreSQL).
fn fill_sql(postgres: bool, options: &Options, deadline: SystemTime) -> String {
    let (timeout, grace) = (3_600_000_000i64, 60_000_000i64);
    let due = micros(deadline);
    let day = 86_400_000_000i64;
    let numbers = if postgres {
        format!(
            "SELECT n FROM generate_series(1, {}) AS s(n)",
            options.checks
        )
    } else {
        format!(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {}) \
             SELECT n FROM s",
            options.checks
        )
    };
    let uuid = if postgres {
        "lpad(to_hex(n), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(n), 12, '0')"
    } else {
        "printf('%08x-0000-4000-8000-%012x', n, n)"
    };
    // A check's deadline is its last ping plus the period plus the grace,
    // as the state machine computes it, so sweeps find the rows consistent.
    format!(
        "INSERT INTO tower_ping_checks (uuid, name, slug, status, n_pings, last_ping, timeout, \
         grace, alert_after) SELECT {uuid}, 'check ' || n, 'check-' || n, 'up', 1, \
         CASE WHEN n <= {overdue} THEN {due} ELSE {due} + {day} END - {timeout} - {grace}, \
         {timeout}, {grace}, CASE WHEN n <= {overdue} THEN {due} ELSE {due} + {day} END \
         FROM ({numbers}) AS numbered",
        overdue = options.overdue,
    )
}

/// The database under the stores, for what the harness does around them.
#[derive(Clone)]
enum Db {
    Sqlite(tower_ping::sqlx::SqlitePool),
    Postgres(tower_ping::sqlx::PgPool),
}

impl Db {
    async fn execute(&self, sql: String) {
        let sql = tower_ping::sqlx::raw_sql(tower_ping::sqlx::AssertSqlSafe(sql));
        match self {
            Db::Sqlite(pool) => drop(sql.execute(pool).await.expect("fill")),
            Db::Postgres(pool) => drop(sql.execute(pool).await.expect("fill")),
        }
    }

    /// The flips recorded: all timeouts here. (The harness polls these
    /// while the monitors work, so each is a query on an index of its own.)
    async fn flips(&self) -> i64 {
        self.count("SELECT COUNT(*) FROM tower_ping_flips").await
    }

    /// The alerts not delivered yet.
    async fn undelivered(&self) -> i64 {
        self.count("SELECT COUNT(*) FROM tower_ping_flips WHERE alertable AND delivered_at IS NULL")
            .await
    }

    async fn count(&self, sql: &'static str) -> i64 {
        match self {
            Db::Sqlite(pool) => tower_ping::sqlx::query_scalar(sql).fetch_one(pool).await,
            Db::Postgres(pool) => tower_ping::sqlx::query_scalar(sql).fetch_one(pool).await,
        }
        .expect("a count")
    }
}

/// A notifier that takes `delay` per alert, and counts its calls.
struct Slow {
    delay: Duration,
    calls: Arc<AtomicUsize>,
}

#[async_trait]
impl Notifier for Slow {
    async fn notify(&self, _: &Alert) -> Result<(), NotifyError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        Ok(())
    }
}

async fn run<S: MonitorStore + Clone>(stores: Vec<S>, db: Db, options: &Options) {
    // Far enough ahead for the idle sweeps to run before it.
    let deadline = SystemTime::now() + Duration::from_secs(10);
    db.execute(fill_sql(matches!(db, Db::Postgres(_)), options, deadline))
        .await;
    if matches!(db, Db::Postgres(_)) {
        db.execute("ANALYZE tower_ping_checks".into()).await;
    }
    let store = stores[0].clone();

    let mut idle = Vec::with_capacity(options.idle_sweeps);
    let before = deadline - Duration::from_secs(1);
    for _ in 0..options.idle_sweeps {
        let started = Instant::now();
        let sweep = store
            .sweep(before)
            .await
            .unwrap_or_else(|_| panic!("sweep"));
        idle.push(started.elapsed());
        assert_eq!(sweep.flipped, 0);
    }
    idle.sort_unstable();
    let at = |q: f64| idle[((idle.len() - 1) as f64 * q) as usize];
    println!(
        "sweep with nothing due ({} checks): median {:.1} µs, p99 {:.1} µs",
        options.checks,
        at(0.5).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6
    );

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let calls = Arc::new(AtomicUsize::new(0));
    let monitors: Vec<_> = stores
        .into_iter()
        .map(|store| {
            let mut stopped = stopped.clone();
            let notifier = Slow {
                delay: options.notify,
                calls: calls.clone(),
            };
            let delivery = Delivery::new().max_in_flight(options.max_in_flight);
            let monitor = Monitor::new(store).notifier(notifier).delivery(delivery);
            tokio::spawn(monitor.run(async move {
                let _ = stopped.wait_for(|s| *s).await;
            }))
        })
        .collect();
    let wait = deadline
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    tokio::time::sleep(wait).await;
    let all_flipped = loop {
        if db.flips().await >= options.overdue {
            break SystemTime::now();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let took = all_flipped.duration_since(deadline).unwrap_or_default();
    let all_delivered = loop {
        if db.undelivered().await == 0 {
            break SystemTime::now();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let delivered_in = all_delivered.duration_since(deadline).unwrap_or_default();
    let _ = stop.send(true);
    for monitor in monitors {
        monitor.await.expect("the monitor ends");
    }
    let total = db.flips().await;
    println!(
        "{} overdue of {} checks, {} monitor(s): all flipped {:.3} s after their deadline; \
         {} timeout flips recorded",
        options.overdue,
        options.checks,
        options.instances,
        took.as_secs_f64(),
        total
    );
    println!(
        "alerts: all {} delivered {:.3} s after the deadline ({:.3} s after the last flip), \
         {} notifier calls of {} ms, at most {} at once per monitor",
        options.overdue,
        delivered_in.as_secs_f64(),
        delivered_in.saturating_sub(took).as_secs_f64(),
        calls.load(Ordering::Relaxed),
        options.notify.as_millis(),
        options.max_in_flight
    );
    assert_eq!(total, options.overdue, "exactly one flip per overdue check");
}

#[tokio::main]
async fn main() {
    let options = parse().unwrap_or_else(|e| {
        eprintln!("sweep_load: {e}");
        std::process::exit(2);
    });
    let url = options.database_url.clone();
    let sql_options = SqlStoreOptions::new().call_timeout(Duration::from_secs(60));
    if url.starts_with("sqlite:") {
        let mut stores = Vec::new();
        for _ in 0..options.instances {
            let store = SqliteStore::connect_with(&url, sql_options.clone()).await;
            stores.push(store.expect("the database opens"));
        }
        let db = Db::Sqlite(stores[0].pool().clone());
        run(stores, db, &options).await;
    } else {
        let mut stores = Vec::new();
        for _ in 0..options.instances {
            let store = PostgresStore::connect_with(&url, sql_options.clone()).await;
            stores.push(store.expect("the database answers"));
        }
        let db = Db::Postgres(stores[0].pool().clone());
        run(stores, db, &options).await;
    }
}
