//! The monitor at scale: many checks, many of them overdue at the same
//! moment. Prints what a sweep costs when nothing is due, how long it takes
//! until every overdue check is flipped, and how long until every alert is
//! delivered.
//!
//! ```text
//! cargo build --release --example monitor_load
//! target/release/examples/monitor_load --database-url sqlite://monitor.db
//! target/release/examples/monitor_load --database-url postgres://user@127.0.0.1:5432/db
//! target/release/examples/monitor_load --database-url memory
//!     [--checks 100000] [--overdue 10000] [--idle-sweeps 500] [--instances 1]
//!     [--notify-ms 0] [--max-in-flight 32]
//!     [--schedule period|oncalendar|cron] [--expression EXPR] [--mode monitor|sweep]
//!     [--channels 0] [--reminders]
//! ```
//!
//! The checks are written straight into the store's tables (one statement:
//! defining 100,000 checks one by one would measure the definitions), all up;
//! `--overdue` of them have their deadline at the same moment, a few seconds
//! ahead, the others a day later. On `memory` they are defined with
//! `MemoryStore::add_check`, up since their last ping, and only one monitor
//! runs (`--instances` is for databases).
//!
//! `--schedule period` (the default): a period of one hour and one minute of
//! grace; the overdue checks were last pinged an hour and a minute before
//! the deadline, the others a day later. `--schedule oncalendar` (or
//! `cron`): every check has the OnCalendar (or cron) expression `EXPR` in
//! UTC (default `*-*-* *:*:00`, or `* * * * *`: every minute) and was last
//! pinged two minutes before the deadline; the overdue checks' grace runs
//! from the expression's next tick after that ping to the deadline (one to
//! two minutes with the defaults), the others' a day longer. So a sweep
//! that reaches them evaluates each check's schedule, as a real one would;
//! the expression must tick within those two minutes. Then:
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
//!
//! `--channels N` registers N channels, each with a notifier of its own in
//! every monitor: each flip is then N alerts. `--reminders` (period
//! checks): the `--overdue` checks are down already, since an hour before
//! the deadline, with a reminder every hour, so at the deadline each is
//! due its first reminder instead of a flip; step 2 then times the sweeps
//! that queue them, step 3 their delivery.
//!
//! With `--mode sweep`, step 2 calls `MonitorStore::sweep` itself instead,
//! at a moment just past the deadline and without waiting for it, until
//! every overdue check is flipped: the sweeps' own cost, with no sleeping
//! monitor in between (step 3 is skipped). It prints the wall-clock time
//! and this process's CPU time over the sweeps (on Linux), which other
//! work on the machine does not inflate (SQLite works in this process;
//! PostgreSQL's own work is in its server's).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tower_ping::uuid::Uuid;
use tower_ping::{
    async_trait, Alert, Channel, CheckState, CheckStore, Claim, Delivery, Lookup, ManageStore,
    MemoryStore, Monitor, MonitorStore, NewCheck, Notifier, NotifyError, Ping, PostgresStore,
    Schedule, ScheduleKind, Signal, SqlStoreOptions, SqliteStore, Status, Target,
};

struct Options {
    database_url: String,
    checks: i64,
    overdue: i64,
    idle_sweeps: usize,
    instances: usize,
    notify: Duration,
    max_in_flight: usize,
    /// `--schedule`: period, or a cron or OnCalendar expression in UTC.
    schedule: ScheduleKind,
    expression: String,
    /// `--mode sweep`: call `MonitorStore::sweep` directly instead of
    /// running monitors.
    direct: bool,
    /// `--channels`: how many channels each flip goes to (0: none
    /// registered, one alert per flip).
    channels: usize,
    /// `--reminders`: the overdue checks are down and due a reminder.
    reminders: bool,
}

/// The reminder interval of `--reminders`.
const REMIND_EVERY: Duration = Duration::from_secs(3600);

/// The period checks' period and grace.
const PERIOD: Duration = Duration::from_secs(3600);
const PERIOD_GRACE: Duration = Duration::from_secs(60);
/// How far the non-overdue checks' deadline is after the overdue ones'.
const DAY: Duration = Duration::from_secs(86_400);

/// How every check is set up so that the overdue ones are due at
/// `deadline` and the others a day later.
struct Plan {
    /// `None` for a period.
    schedule: Option<Schedule>,
    /// The last ping of an overdue check.
    last_ping: SystemTime,
    /// The grace of an overdue check (the others': a day longer for a
    /// schedule, the same for a period).
    grace: Duration,
}

impl Plan {
    fn new(options: &Options, deadline: SystemTime) -> Self {
        if options.schedule == ScheduleKind::Period {
            return Plan {
                schedule: None,
                last_ping: deadline - PERIOD - PERIOD_GRACE,
                grace: PERIOD_GRACE,
            };
        }
        let schedule = Schedule::parse(&options.expression, "UTC").unwrap_or_else(|e| {
            eprintln!("monitor_load: --expression {:?}: {e}", options.expression);
            std::process::exit(2);
        });
        assert_eq!(schedule.kind(), options.schedule, "--expression's kind");
        let last_ping = deadline - Duration::from_secs(120);
        let tick = schedule.next_due(last_ping).filter(|t| *t < deadline);
        let Some(tick) = tick else {
            eprintln!("monitor_load: --expression must tick within two minutes");
            std::process::exit(2);
        };
        let grace = deadline.duration_since(tick).expect("the tick is earlier");
        Plan {
            schedule: Some(schedule),
            last_ping,
            grace,
        }
    }

    /// The last ping and grace of check `n` (numbered from 1).
    fn check(&self, n: i64, overdue: i64) -> (SystemTime, Duration) {
        match (&self.schedule, n <= overdue) {
            (_, true) => (self.last_ping, self.grace),
            (None, false) => (self.last_ping + DAY, self.grace),
            (Some(_), false) => (self.last_ping, self.grace + DAY),
        }
    }
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
        schedule: ScheduleKind::Period,
        expression: String::new(),
        direct: false,
        channels: 0,
        reminders: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--reminders" {
            options.reminders = true;
            continue;
        }
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
            "--schedule" => {
                options.schedule = match value.as_str() {
                    "period" => ScheduleKind::Period,
                    "oncalendar" => ScheduleKind::OnCalendar,
                    "cron" => ScheduleKind::Cron,
                    _ => return Err(format!("--schedule {value}: period, oncalendar or cron")),
                }
            }
            "--expression" => options.expression = value.clone(),
            "--channels" => options.channels = number()?.max(0) as usize,
            "--mode" => {
                options.direct = match value.as_str() {
                    "monitor" => false,
                    "sweep" => true,
                    _ => return Err(format!("--mode {value}: monitor or sweep")),
                }
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if options.database_url.is_empty() {
        return Err("--database-url sqlite://PATH|postgres://...|memory is required".into());
    }
    if options.reminders && options.schedule != ScheduleKind::Period {
        return Err("--reminders: with period checks only".into());
    }
    if options.expression.is_empty() {
        options.expression = match options.schedule {
            ScheduleKind::Cron => "* * * * *".into(),
            _ => "*-*-* *:*:00".into(),
        };
    }
    Ok(options)
}

/// The CPU time this process has used, user and system, in seconds: from
/// `/proc/self/stat` (Linux; in clock ticks, 1/100 s), `None` elsewhere.
/// Other work on the machine does not count in it, where it does in the
/// wall-clock time.
fn process_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
    // utime and stime: fields 14 and 15 of the line, 11 and 12 counted
    // from 0 after the name.
    Some((ticks(11)? + ticks(12)?) as f64 / 100.0)
}

fn micros(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).unwrap().as_micros() as i64
}

/// Writes the checks: `overdue` due at `deadline`, the rest a day later.
/// `(n)` numbers the checks, from a recursive CTE (SQLite) or
/// `generate_series` (PostgreSQL).
fn fill_sql(postgres: bool, options: &Options, plan: &Plan, deadline: SystemTime) -> String {
    let micros_of = |d: Duration| d.as_micros() as i64;
    let due = micros(deadline);
    let day = micros_of(DAY);
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
    let overdue = options.overdue;
    let alert_after = format!("CASE WHEN n <= {overdue} THEN {due} ELSE {due} + {day} END");
    match &plan.schedule {
        // A check's deadline is its last ping plus the period plus the
        // grace, as the state machine computes it, so sweeps find the rows
        // consistent.
        None if options.reminders => {
            // Down since an hour before the deadline, when each was flipped
            // (its alert delivered then): its first reminder is due at the
            // deadline. The others are up, due a day later.
            let (timeout, grace) = (micros_of(PERIOD), micros_of(plan.grace));
            let every = micros_of(REMIND_EVERY);
            let down_at = due - every;
            format!(
                "INSERT INTO tower_ping_checks (uuid, name, slug, status, n_pings, last_ping, \
                 timeout, grace, alert_after, remind_every, down_at) SELECT {uuid}, \
                 'check ' || n, 'check-' || n, \
                 CASE WHEN n <= {overdue} THEN 'down' ELSE 'up' END, 1, \
                 CASE WHEN n <= {overdue} THEN {down_at} - {timeout} - {grace} \
                 ELSE {due} + {day} - {timeout} - {grace} END, {timeout}, {grace}, \
                 {alert_after}, {every}, CASE WHEN n <= {overdue} THEN {down_at} END \
                 FROM ({numbers}) AS numbered; \
                 INSERT INTO tower_ping_flips (check_id, old_status, new_status, reason, at, \
                 alertable, delivered_at) SELECT id, 'up', 'down', 'timeout', down_at, TRUE, \
                 down_at FROM tower_ping_checks WHERE status = 'down'"
            )
        }
        None => {
            let (timeout, grace) = (micros_of(PERIOD), micros_of(plan.grace));
            format!(
                "INSERT INTO tower_ping_checks (uuid, name, slug, status, n_pings, last_ping, \
                 timeout, grace, alert_after) SELECT {uuid}, 'check ' || n, 'check-' || n, 'up', \
                 1, {alert_after} - {timeout} - {grace}, {timeout}, {grace}, {alert_after} \
                 FROM ({numbers}) AS numbered"
            )
        }
        // The next tick after the last ping plus the grace.
        Some(schedule) => {
            let (last_ping, grace) = (micros(plan.last_ping), micros_of(plan.grace));
            let expression = schedule
                .expression()
                .unwrap_or_default()
                .replace('\'', "''");
            let kind = match schedule.kind() {
                ScheduleKind::OnCalendar => "oncalendar",
                _ => "cron",
            };
            format!(
                "INSERT INTO tower_ping_checks (uuid, name, slug, status, n_pings, last_ping, \
                 schedule, schedule_kind, tz, grace, alert_after) SELECT {uuid}, 'check ' || n, \
                 'check-' || n, 'up', 1, {last_ping}, '{expression}', '{kind}', 'UTC', \
                 CASE WHEN n <= {overdue} THEN {grace} ELSE {grace} + {day} END, {alert_after} \
                 FROM ({numbers}) AS numbered"
            )
        }
    }
}

/// Defines the checks in a memory store, up since their last ping (with
/// `--reminders`, the overdue ones failed an hour before the deadline, and
/// their down alerts delivered).
async fn fill_memory(store: &MemoryStore, options: &Options, plan: &Plan, deadline: SystemTime) {
    if options.reminders {
        for n in 1..=options.checks {
            let (last_ping, grace) = plan.check(n, options.overdue);
            let mut state = CheckState::with_status(Status::Up);
            state.n_pings = 1;
            state.last_ping = Some(last_ping);
            let uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0000 | n as u128);
            let mut check = NewCheck::new(format!("check {n}"))
                .uuid(uuid)
                .schedule(Schedule::Period(PERIOD))
                .grace(grace)
                .initial_state(state);
            check.rules = check.rules.remind_every(REMIND_EVERY);
            store.add_check(check).expect("a valid check");
            if n <= options.overdue {
                let Ok(Lookup::Found(id)) = store.resolve(Target::Uuid(uuid)).await else {
                    unreachable!("just defined");
                };
                let ping = Ping::new(Signal::Fail, deadline - REMIND_EVERY);
                let _ = store.record(id, ping).await;
            }
        }
        // The down alerts went out when the checks failed.
        let claimer = Uuid::new_v4();
        loop {
            let claim = Claim::new(claimer, deadline - REMIND_EVERY, DAY, 10_000);
            let alerts = store.claim_alerts(claim).await.unwrap_or_default();
            if alerts.is_empty() {
                break;
            }
            let ids: Vec<u64> = alerts.iter().map(|a| a.id).collect();
            let _ = store.alerts_delivered(&ids, deadline - REMIND_EVERY).await;
        }
        return;
    }
    for n in 1..=options.checks {
        let (last_ping, grace) = plan.check(n, options.overdue);
        let mut state = CheckState::with_status(Status::Up);
        state.n_pings = 1;
        state.last_ping = Some(last_ping);
        let schedule = match &plan.schedule {
            Some(schedule) => schedule.clone(),
            None => Schedule::Period(PERIOD),
        };
        let uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0000 | n as u128);
        let check = NewCheck::new(format!("check {n}"))
            .uuid(uuid)
            .schedule(schedule)
            .grace(grace)
            .initial_state(state);
        store.add_check(check).expect("a valid check");
    }
}

/// The database under the stores, for what the harness does around them.
#[derive(Clone)]
enum Db {
    Sqlite(tower_ping::sqlx::SqlitePool),
    Postgres(tower_ping::sqlx::PgPool),
    Memory(MemoryStore),
}

impl Db {
    async fn execute(&self, sql: String) {
        let sql = tower_ping::sqlx::raw_sql(tower_ping::sqlx::AssertSqlSafe(sql));
        match self {
            Db::Sqlite(pool) => drop(sql.execute(pool).await.expect("fill")),
            Db::Postgres(pool) => drop(sql.execute(pool).await.expect("fill")),
            Db::Memory(_) => unreachable!("no SQL in memory"),
        }
    }

    /// Writes (or defines) the checks.
    async fn fill(&self, options: &Options, plan: &Plan, deadline: SystemTime) {
        match self {
            Db::Memory(store) => fill_memory(store, options, plan, deadline).await,
            Db::Sqlite(_) => self.execute(fill_sql(false, options, plan, deadline)).await,
            Db::Postgres(_) => {
                self.execute(fill_sql(true, options, plan, deadline)).await;
                self.execute("ANALYZE tower_ping_checks".into()).await;
            }
        }
    }

    /// The flips recorded: all timeouts here. (The harness polls these
    /// while the monitors work, so each is a query on an index of its own.)
    async fn flips(&self) -> i64 {
        if let Db::Memory(store) = self {
            return store.flips().len() as i64;
        }
        self.count("SELECT COUNT(*) FROM tower_ping_flips").await
    }

    /// The alerts not delivered yet.
    async fn undelivered(&self) -> i64 {
        if let Db::Memory(store) = self {
            return store.undelivered_alerts() as i64;
        }
        self.count("SELECT COUNT(*) FROM tower_ping_alerts").await
    }

    /// The alerts queued so far (delivered or not): reminders are not
    /// flips, so step 2 of `--reminders` waits for these.
    async fn queued(&self, delivered: usize) -> i64 {
        self.undelivered().await + delivered as i64
    }

    async fn count(&self, sql: &'static str) -> i64 {
        match self {
            Db::Sqlite(pool) => tower_ping::sqlx::query_scalar(sql).fetch_one(pool).await,
            Db::Postgres(pool) => tower_ping::sqlx::query_scalar(sql).fetch_one(pool).await,
            Db::Memory(_) => unreachable!("no SQL in memory"),
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

async fn run<S: MonitorStore + ManageStore + Clone>(stores: Vec<S>, db: Db, options: &Options) {
    let mut channels = Vec::with_capacity(options.channels);
    for i in 0..options.channels {
        let channel = Channel::new(Uuid::new_v4(), format!("channel {i}"), "webhook");
        if stores[0].define_channel(channel.clone()).await.is_err() {
            panic!("the channel is defined");
        }
        channels.push(channel.id);
    }
    let expected = options.overdue as usize * options.channels.max(1);
    // Far enough ahead for the idle sweeps to run before it.
    let deadline = SystemTime::now() + Duration::from_secs(10);
    let plan = Plan::new(options, deadline);
    let filling = Instant::now();
    db.fill(options, &plan, deadline).await;
    println!(
        "{} checks ({} schedule{}) written in {:.1} s",
        options.checks,
        options.schedule.as_str(),
        match options.schedule {
            ScheduleKind::Period => String::new(),
            _ => format!(" {:?}", options.expression),
        },
        filling.elapsed().as_secs_f64()
    );
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

    if options.direct {
        // The sweeps alone, called as the monitor calls them, at a moment
        // just past the deadline (no waiting for it: `now` is an argument).
        let now = deadline + Duration::from_millis(1);
        let cpu_before = process_cpu();
        let started = Instant::now();
        let (mut sweeps, mut flipped) = (0, 0);
        while flipped < options.overdue {
            let sweep = store.sweep(now).await.unwrap_or_else(|_| panic!("sweep"));
            sweeps += 1;
            let done = sweep.flipped + sweep.reminded;
            flipped += done as i64;
            if done == 0 {
                break;
            }
        }
        let took = started.elapsed();
        let cpu = match (cpu_before, process_cpu()) {
            (Some(before), Some(after)) => format!("{:.2} s", after - before),
            _ => "unknown".into(),
        };
        println!(
            "{} overdue of {} {} checks, swept directly: {flipped} flipped in {:.3} s \
             ({sweeps} sweep calls, {:.1} µs a check; this process's CPU time {cpu})",
            options.overdue,
            options.checks,
            options.schedule.as_str(),
            took.as_secs_f64(),
            took.as_secs_f64() * 1e6 / flipped.max(1) as f64
        );
        assert_eq!(
            db.flips().await,
            options.overdue,
            "one flip per overdue check"
        );
        return;
    }

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
            let mut monitor = Monitor::new(store).delivery(delivery);
            if channels.is_empty() {
                monitor = monitor.notifier(notifier);
            } else {
                for id in &channels {
                    let notifier = Slow {
                        delay: options.notify,
                        calls: calls.clone(),
                    };
                    monitor = monitor.channel(*id, notifier);
                }
            }
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
        let done = if options.reminders {
            let delivered = calls.load(Ordering::Relaxed);
            db.queued(delivered).await >= expected as i64
        } else {
            db.flips().await >= options.overdue
        };
        if done {
            break SystemTime::now();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let took = all_flipped.duration_since(deadline).unwrap_or_default();
    let all_delivered = loop {
        if calls.load(Ordering::Relaxed) >= expected && db.undelivered().await == 0 {
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
        "{} overdue of {} {} checks, {} monitor(s): all {} {:.3} s after their deadline; \
         {} flips recorded",
        options.overdue,
        options.checks,
        options.schedule.as_str(),
        options.instances,
        if options.reminders {
            "reminders queued"
        } else {
            "flipped"
        },
        took.as_secs_f64(),
        total
    );
    println!(
        "alerts: all {} ({} per {}, {} channel(s)) delivered {:.3} s after the deadline \
         ({:.3} s after the last was queued), {} notifier calls of {} ms, at most {} at once \
         per monitor",
        expected,
        options.channels.max(1),
        if options.reminders {
            "reminder"
        } else {
            "flip"
        },
        options.channels,
        delivered_in.as_secs_f64(),
        delivered_in.saturating_sub(took).as_secs_f64(),
        calls.load(Ordering::Relaxed),
        options.notify.as_millis(),
        options.max_in_flight
    );
    assert_eq!(calls.load(Ordering::Relaxed), expected, "each alert once");
    assert_eq!(total, options.overdue, "exactly one flip per overdue check");
}

#[tokio::main]
async fn main() {
    let options = parse().unwrap_or_else(|e| {
        eprintln!("monitor_load: {e}");
        std::process::exit(2);
    });
    let url = options.database_url.clone();
    if url == "memory" {
        if options.instances != 1 {
            eprintln!("monitor_load: --instances: one memory store, one monitor");
            std::process::exit(2);
        }
        let store = MemoryStore::new();
        let db = Db::Memory(store.clone());
        run(vec![store], db, &options).await;
        return;
    }
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
